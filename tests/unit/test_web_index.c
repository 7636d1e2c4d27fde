/* web_vhost_for's name index against its scan: generated nginx and Apache
 * configurations (seeded) with exact names, leading and trailing wildcards,
 * regexes, globs, duplicates, several listen groups and default servers;
 * every hostname made from the same pieces must get the same host and the
 * same by_default from the index as from the scan over every server block
 * (the scan is what the nginx and Apache oracles check against the real
 * servers). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "parse.h"
#include "root.h"
#include "unit.h"
#include "util.h"
#include "web.h"

static struct origin O;
static char root[256];
static unsigned long long seed = 42;

static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((seed >> 33) % n);
}

static void
put(const char *path, const char *text)
{
	char full[512];
	char *p;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (p = full + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	f = fopen(full, "w");
	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static const char *const labels[] = {"a", "b", "www", "api", "x", "example", "test"};
static const char *const tlds[] = {"com", "net", "org"};

/* A hostname made of 1 to 4 labels. */
static void
make_host(char *buf, size_t n)
{
	unsigned k = 1 + rnd(4);
	unsigned i;
	size_t len = 0;

	buf[0] = '\0';
	for (i = 0; i < k; i++) {
		const char *l = i + 1 == k && k > 1 ? tlds[rnd(3)] : labels[rnd(7)];

		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "." : "", l);
	}
}

/* The index's answers and the scan's for host at addr:port. */
static bool
same_answer(struct web_server *s, const char *host, enum family fam, bool known, u128 addr,
	    uint16_t port)
{
	struct web_index *index = s->index;
	const struct web_vhost *a;
	const struct web_vhost *b;
	bool da = false;
	bool db = false;

	a = web_vhost_for(s, host, fam, known, addr, port, &da);
	s->index = NULL;
	b = web_vhost_for(s, host, fam, known, addr, port, &db);
	s->index = index;
	if (a != b || (a && da != db)) {
		printf("# %s port %u: index %s%s, scan %s%s\n", host, port,
		       a ? web_vhost_label(a) : "(none)", da ? " by default" : "",
		       b ? web_vhost_label(b) : "(none)", db ? " by default" : "");
		return false;
	}
	return true;
}

static bool
apache_same_group(struct web_server *s, enum family fam, bool known, u128 addr, uint16_t port)
{
	struct web_index *index = s->index;
	const struct web_vhost *a[64];
	const struct web_vhost *b[64];
	bool ma = false;
	bool mb = false;
	size_t na;
	size_t nb;

	na = web_apache_group(s, fam, known, addr, port, a, 64, &ma);
	s->index = NULL;
	nb = web_apache_group(s, fam, known, addr, port, b, 64, &mb);
	s->index = index;
	return na == nb && ma == mb && memcmp(a, b, (na < 64 ? na : 64) * sizeof(a[0])) == 0;
}

/* An nginx name: exact, ".x", "*.x", "x.*", a regex, or "". */
static void
nginx_name(struct buf *b)
{
	char h[128];

	make_host(h, sizeof(h));
	switch (rnd(7)) {
	case 0:
		buf_addf(b, " .%s", h);
		break;
	case 1:
		buf_addf(b, " *.%s", h);
		break;
	case 2:
		buf_addf(b, " %s.*", h);
		break;
	case 3:
		buf_addf(b, " ~^(www|api)\\.%s$", labels[rnd(7)]);
		break;
	case 4:
		buf_adds(b, " \"\"");
		break;
	default:
		buf_addf(b, " %s", h);
		break;
	}
}

static void
test_nginx_index(void)
{
	struct buf b = {NULL, 0, 0};
	char *text;
	struct input *in;
	unsigned round;
	unsigned i;
	unsigned k;
	u128 lo = 0x7f000001;

	for (round = 0; round < 20; round++) {
		buf_adds(&b, "events {}\nhttp {\n");
		for (i = 0; i < 40; i++) {
			unsigned port = rnd(2) ? 80 : 8080;

			buf_adds(&b, "server {\n");
			switch (rnd(4)) {
			case 0:
				buf_addf(&b, "listen 127.0.0.1:%u%s;\n", port,
					 rnd(8) == 0 ? " default_server" : "");
				break;
			case 1:
				buf_addf(&b, "listen %u;\nlisten [::]:%u;\n", port, port);
				break;
			default:
				buf_addf(&b, "listen %u%s;\n", port, rnd(10) == 0 ? " default_server" : "");
				break;
			}
			buf_adds(&b, "server_name");
			for (k = 1 + rnd(3); k > 0; k--)
				nginx_name(&b);
			buf_adds(&b, ";\n}\n");
		}
		buf_adds(&b, "}\n");
		text = buf_take(&b);
		origin_free(&O);
		put("/etc/nginx/nginx.conf", text);
		in = origin_add_input(&O, IN_NGINX, "/etc/nginx/nginx.conf");
		parse_nginx(&O, in, text, strlen(text), false);
		free(text);
		CHECK(O.web && O.web->nserver == 1 && O.web->servers[0]->nvhost == 40);
		for (i = 0; i < 400; i++) {
			char h[160];
			char host[200];
			uint16_t port = rnd(2) ? 80 : 8080;

			make_host(h, sizeof(h));
			switch (rnd(5)) {
			case 0:
				snprintf(host, sizeof(host), "%s.%s", labels[rnd(7)], h);
				break;
			case 1:
				snprintf(host, sizeof(host), "%s.%s", h, tlds[rnd(3)]);
				break;
			case 2:
				snprintf(host, sizeof(host), "%s.", h);
				break;
			default:
				snprintf(host, sizeof(host), "%s", rnd(20) ? h : "");
				break;
			}
			CHECK(same_answer(O.web->servers[0], host, FAM_V4, false, 0, port));
			CHECK(same_answer(O.web->servers[0], host, FAM_V4, true, lo, port));
			CHECK(same_answer(O.web->servers[0], host, FAM_V6, false, 0, port));
		}
		CHECK(same_answer(O.web->servers[0], "\001", FAM_V4, true, lo, 80));
		CHECK(same_answer(O.web->servers[0], "\001", FAM_V4, false, 0, 443));
	}
}

/* An Apache name: exact, or a glob ("*.x", "www?.x", "x.*"). */
static void
apache_name(struct buf *b)
{
	char h[128];

	make_host(h, sizeof(h));
	switch (rnd(5)) {
	case 0:
		buf_addf(b, " *.%s", h);
		break;
	case 1:
		buf_addf(b, " %s?.%s", labels[rnd(7)], h);
		break;
	case 2:
		buf_addf(b, " %s.*", h);
		break;
	default:
		buf_addf(b, " %s", h);
		break;
	}
}

static void
test_apache_index(void)
{
	struct buf b = {NULL, 0, 0};
	char *text;
	struct input *in;
	unsigned round;
	unsigned i;
	unsigned k;
	u128 lo = 0x7f000001;

	for (round = 0; round < 20; round++) {
		buf_adds(&b, "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
			     "Listen 80\nListen 8080\nServerName main.example.com\n");
		for (i = 0; i < 40; i++) {
			unsigned port = rnd(2) ? 80 : 8080;
			const char *addr = rnd(3) == 0 ? "127.0.0.1" : rnd(2) ? "*" : "_default_";

			if (rnd(6) == 0)
				buf_addf(&b, "<VirtualHost %s:*>\n", addr);
			else
				buf_addf(&b, "<VirtualHost %s:%u>\n", addr, port);
			if (rnd(8)) {
				char h[128];

				make_host(h, sizeof(h));
				buf_addf(&b, "ServerName %s\n", h);
			}
			if (rnd(2)) {
				buf_adds(&b, "ServerAlias");
				for (k = 1 + rnd(3); k > 0; k--)
					apache_name(&b);
				buf_adds(&b, "\n");
			}
			buf_adds(&b, "</VirtualHost>\n");
		}
		text = buf_take(&b);
		origin_free(&O);
		put("/etc/apache2/apache2.conf", text);
		in = origin_add_input(&O, IN_APACHE, "/etc/apache2/apache2.conf");
		parse_apache(&O, in, text, strlen(text), false);
		free(text);
		CHECK(O.web && O.web->nserver == 1);
		for (i = 0; i < 400; i++) {
			char h[160];
			char host[200];
			uint16_t port = rnd(2) ? 80 : 8080;

			make_host(h, sizeof(h));
			switch (rnd(4)) {
			case 0:
				snprintf(host, sizeof(host), "%s.%s", labels[rnd(7)], h);
				break;
			case 1:
				snprintf(host, sizeof(host), "%s1.%s", labels[rnd(7)], h);
				break;
			default:
				snprintf(host, sizeof(host), "%s", rnd(20) ? h : "127.0.0.1");
				break;
			}
			CHECK(same_answer(O.web->servers[0], host, FAM_V4, false, 0, port));
			CHECK(same_answer(O.web->servers[0], host, FAM_V4, true, lo, port));
		}
		CHECK(same_answer(O.web->servers[0], "", FAM_V4, true, lo, 80));
		CHECK(same_answer(O.web->servers[0], "\001", FAM_V4, false, 0, 8080));
		CHECK(same_answer(O.web->servers[0], "\001", FAM_V4, false, 0, 443));
		CHECK(apache_same_group(O.web->servers[0], FAM_V4, true, lo, 80));
		CHECK(apache_same_group(O.web->servers[0], FAM_V4, false, 0, 8080));
		CHECK(apache_same_group(O.web->servers[0], FAM_V6, false, 0, 80));
	}
}

int
main(void)
{
	char tmpl[] = "/tmp/cfa-webidx.XXXXXX";
	char cmd[300];

	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(root, sizeof(root), "%s", tmpl);
	if (!root_open(root))
		return 1;
	RUN(test_nginx_index);
	RUN(test_apache_index);
	origin_free(&O);
	root_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
