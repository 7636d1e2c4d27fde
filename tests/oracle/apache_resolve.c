/* The model's side of the Apache oracle: which virtual host answers.
 *   apache_resolve ROOT CONF ADDR PORT HOST...
 * reads CONF (as the server sees it) inside ROOT and prints, per HOST, the
 * <VirtualHost> that answers it on ADDR:PORT as "HOST FILE:LINE" ("HOST
 * main" for the main server, "HOST -" when nothing answers there: nothing
 * listens, or the socket waits for a PROXY protocol header).
 *   apache_resolve -S ROOT CONF
 * prints the virtual host groups as "apachectl -S" lists them, one a line:
 * "ADDR:PORT FILE:LINE..." (the default first), sorted by the group.
 *   apache_resolve -A ROOT CONF HOST PORT URL ADDR...
 * prints, for the scope of URL (a path the model has a scope for: "/", a
 * directory's, a <Location>'s) in the host answering HOST on 127.0.0.1:PORT,
 * "ADDR refused" or "ADDR allowed" per client address, as the model's
 * access rules decide (first match).
 * Input errors go to stderr; status 1 then. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "parse.h"
#include "root.h"
#include "util.h"
#include "web.h"

static int
load(struct origin *o, const char *root, const char *conf)
{
	struct input *in;
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	size_t i;
	int status = 0;

	if (!root_open(root)) {
		perror(root);
		exit(2);
	}
	memset(o, 0, sizeof(*o));
	in = origin_add_input(o, IN_APACHE, conf);
	if (root_read(conf, &data, &len, &err) != READ_OK) {
		fprintf(stderr, "%s: %s\n", conf, err ? err : "no such file");
		exit(2);
	}
	parse_apache(o, in, data, len, false);
	free(data);
	for (i = 0; i < o->ndiag; i++) {
		fprintf(stderr, "%s:%u: %s\n", o->diags[i].loc.file, o->diags[i].loc.line,
			o->diags[i].msg);
		status = 1;
	}
	return status;
}

/* "*:80", "192.0.2.1:443", "[2001:db8::1]:*" */
static char *
group_key(const struct web_listen *a)
{
	char addr[ADDR_STRLEN];
	char port[8];

	if (a->port)
		snprintf(port, sizeof(port), "%u", a->port);
	else
		snprintf(port, sizeof(port), "*");
	if (a->kind == WA_ANY)
		return xasprintf("*:%s", port);
	addr_format(a->fam, a->addr, addr, sizeof(addr));
	return xasprintf(a->fam == FAM_V6 ? "[%s]:%s" : "%s:%s", addr, port);
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The groups of vhost.c: one per address:port written in <VirtualHost>,
 * its hosts in configuration order. */
static void
dump_groups(const struct web_server *s)
{
	char **keys = NULL;
	size_t nkey = 0;
	size_t cap = 0;
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; i < s->nvhost; i++)
		for (j = 0; j < s->vhosts[i]->naddr; j++) {
			char *key = group_key(&s->vhosts[i]->addrs[j]);

			for (k = 0; k < nkey && strcmp(keys[k], key) != 0; k++)
				;
			if (k < nkey)
				free(key);
			else
				VEC_PUSH(keys, nkey, cap, key);
		}
	if (nkey > 1)
		qsort(keys, nkey, sizeof(*keys), cmp_str);
	for (k = 0; k < nkey; k++) {
		printf("%s", keys[k]);
		for (i = 0; i < s->nvhost; i++) {
			const struct web_vhost *v = s->vhosts[i];

			for (j = 0; j < v->naddr; j++) {
				char *key = group_key(&v->addrs[j]);
				int same = strcmp(key, keys[k]) == 0;

				free(key);
				if (same) {
					printf(" %s:%u", v->loc.file, v->loc.line);
					break;
				}
			}
		}
		printf("\n");
		free(keys[k]);
	}
	free(keys);
}

static const struct web_location *
scope_of(const struct web_vhost *v, const char *url)
{
	size_t i;

	for (i = 0; i < v->nloc; i++) {
		const struct web_location *l = v->locs[i];

		if (l->kind == WS_SERVER && strcmp(url, "/") == 0)
			return l;
		if (l->kind == WS_PREFIX && strcmp(l->path, url) == 0)
			return l;
	}
	return NULL;
}

static bool
refused(const struct web_location *l, const char *addr)
{
	enum family fam;
	u128 a;
	size_t i;

	if (l->acl == NULL || !addr_parse(addr, &fam, &a))
		return false;
	for (i = 0; i < l->acl->n; i++) {
		const struct web_acl_rule *r = &l->acl->v[i];
		bool hit;

		if (r->other || r->unix_socket)
			continue;
		if (r->set)
			hit = ivset_contains(&r->set[fam], a);
		else
			hit = r->all || (r->cidr.fam == fam && a >= r->cidr.lo && a <= r->cidr.hi);
		if (hit)
			return !r->allow;
	}
	return false;
}

static int
access_mode(int argc, char **argv)
{
	struct origin o;
	unsigned long long port;
	const struct web_vhost *v = NULL;
	const struct web_location *l;
	bool by_default;
	int status;
	int i;

	if (argc < 8 || !parse_uint(argv[5], 1, 65535, &port)) {
		fprintf(stderr, "usage: apache_resolve -A ROOT CONF HOST PORT URL ADDR...\n");
		return 2;
	}
	status = load(&o, argv[2], argv[3]);
	if (o.web && o.web->nserver)
		v = web_vhost_for(o.web->servers[0], argv[4], FAM_V4, true, (u128)0x7f000001,
				  (uint16_t)port, &by_default);
	l = v ? scope_of(v, argv[6]) : NULL;
	if (l == NULL) {
		fprintf(stderr, "apache_resolve: no scope for %s in the host of %s\n", argv[6],
			argv[4]);
		origin_free(&o);
		return 2;
	}
	for (i = 7; i < argc; i++)
		printf("%s %s\n", argv[i], refused(l, argv[i]) ? "refused" : "allowed");
	origin_free(&o);
	root_close();
	return status;
}

int
main(int argc, char **argv)
{
	struct origin o;
	enum family fam;
	u128 addr;
	unsigned long long port;
	size_t i;
	int status;

	if (argc > 1 && strcmp(argv[1], "-A") == 0)
		return access_mode(argc, argv);
	if (argc == 4 && strcmp(argv[1], "-S") == 0) {
		status = load(&o, argv[2], argv[3]);
		if (o.web && o.web->nserver)
			dump_groups(o.web->servers[0]);
		origin_free(&o);
		root_close();
		return status;
	}
	if (argc < 6 || !addr_parse(argv[3], &fam, &addr) || !parse_uint(argv[4], 1, 65535, &port)) {
		fprintf(stderr, "usage: apache_resolve ROOT CONF ADDR PORT HOST...\n"
				"       apache_resolve -S ROOT CONF\n");
		return 2;
	}
	status = load(&o, argv[1], argv[2]);
	for (i = 5; i < (size_t)argc; i++) {
		bool by_default;
		const struct web_vhost *v = NULL;
		const struct web_listen *l;
		const struct web_server *s = o.web && o.web->nserver ? o.web->servers[0] : NULL;

		if (s)
			v = web_vhost_for(s, argv[i], fam, true, addr, (uint16_t)port, &by_default);
		if (v && (l = web_listener_at(v, fam, true, addr, (uint16_t)port)) &&
		    l->proxy_protocol)
			printf("%s -\n", argv[i]); /* closed without an answer */
		else if (v && v == s->main_vhost)
			printf("%s main\n", argv[i]);
		else if (v)
			printf("%s %s:%u\n", argv[i], v->loc.file, v->loc.line);
		else
			printf("%s -\n", argv[i]);
	}
	origin_free(&o);
	root_close();
	return status;
}
