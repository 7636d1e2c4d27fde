/* parse_nginx: the tokenizer as nginx's, includes inside the root, dumps,
 * inheritance, nginx's value syntax, the exact messages of must-fail input,
 * and server name resolution. */
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

/* Parse /etc/nginx/nginx.conf (as text) inside the test root. */
static void
parse(const char *text)
{
	struct input *in;

	origin_free(&O);
	put("/etc/nginx/nginx.conf", text);
	in = origin_add_input(&O, IN_NGINX, "/etc/nginx/nginx.conf");
	parse_nginx(&O, in, text, strlen(text), false);
}

/* The message of the only diagnostic, if it is at file:line. */
static const char *
only_error(const char *file, unsigned line)
{
	if (O.ndiag != 1 || O.diags[0].loc.line != line || strcmp(O.diags[0].loc.file, file) != 0)
		return NULL;
	return O.diags[0].msg;
}

static const char *
main_error(unsigned line)
{
	return only_error("/etc/nginx/nginx.conf", line);
}

static struct web_server *
server(void)
{
	return O.web && O.web->nserver ? O.web->servers[0] : NULL;
}

static const struct web_vhost *
vhost(size_t i)
{
	return server() && i < server()->nvhost ? server()->vhosts[i] : NULL;
}

static char *
tokens(const char *text)
{
	struct input *in;

	origin_free(&O);
	in = origin_add_input(&O, IN_NGINX, "t.conf");
	return nginx_tokens(&O, in, text, strlen(text));
}

#define CHECK_TOKENS(text, want)                                                                   \
	do {                                                                                       \
		char *t_ = tokens(text);                                                           \
		int ok_ = strcmp(t_, want) == 0;                                                   \
		if (!ok_)                                                                          \
			printf("# got %s\n", t_);                                                  \
		free(t_);                                                                          \
		CHECK(ok_);                                                                        \
	} while (0)

static void
test_tables_sorted(void)
{
	CHECK(nginx_tables_sorted());
}

static void
test_tokenizer(void)
{
	CHECK_TOKENS("a b;", "a|b|;|");
	CHECK_TOKENS("add_header X \"a b\\\"c\" 'd;e';", "add_header|X|a b\"c|d;e|;|");
	/* \t \n unescaped in every word; an unknown escape is kept */
	CHECK_TOKENS("a x\\ty \"\\q\";", "a|x\ty|\\q|;|");
	/* "\ " does not end a word */
	CHECK_TOKENS("a b\\ c;", "a|b\\ c|;|");
	/* # starts a comment only between words */
	CHECK_TOKENS("a # c ;\nb;", "a|b|;|");
	CHECK_TOKENS("a b#c;", "a|b#c|;|");
	/* ${...} is not a block */
	CHECK_TOKENS("set $a ${b}c;", "set|$a|${b}c|;|");
	CHECK_TOKENS("location /a{ }", "location|/a|{|}|");
	/* ")" may follow a quote */
	CHECK_TOKENS("if ($a = \"b\") { }", "if|($a|=|b|)|{|}|");
	CHECK_TOKENS("a \"\" '';", "a|||;|");
	CHECK_TOKENS("a \"x\ny\";", "a|x\ny|;|");
}

static void
test_tokenizer_errors(void)
{
	char *t = tokens("a \"b\"c;\nd;");

	CHECK_STR(t, "d|;|");
	free(t);
	CHECK(O.ndiag == 1 && O.diags[0].loc.line == 1);
	CHECK_STR(O.diags[0].msg, "unexpected \"c\"");
	t = tokens(";");
	free(t);
	CHECK_STR(O.diags[0].msg, "unexpected \";\"");
}

static void
test_must_fail(void)
{
	parse("events {}\nhttp {\n\tserver {\n}\n");
	CHECK_STR(main_error(5), "unexpected end of file, expecting \"}\"");
	parse("events {}\n}\n");
	CHECK_STR(main_error(2), "unexpected \"}\"");
	parse("events {}\nhttp { add_header X \"abc;\n}\n");
	CHECK_STR(main_error(4), "unexpected end of file, expecting \";\" or \"}\" (the quote opened "
				 "at line 2 is not closed)");
	parse("http {\n\tkeepalive_timeout 5\n\tsend_timeout 10;\n}\n");
	CHECK_STR(main_error(2), "invalid number of arguments in \"keepalive_timeout\" directive (is "
				 "a \";\" missing at the end of line 2?)");
	parse("http {\n\tserver { listen 80 }\n}\n");
	CHECK_STR(main_error(2), "unexpected \"}\"");
	parse("http {\n\tkeepalive_timeout 75s\n");
	CHECK_STR(main_error(3), "unexpected end of file, expecting \";\" or \"}\"");
	parse("http { server { location / { proxy_pass http://a; } } }\nserver { }\n");
	CHECK_STR(main_error(2), "\"server\" directive is not allowed here");
	parse("http {\n\tserver;\n}\n");
	CHECK_STR(main_error(2), "directive \"server\" has no opening \"{\"");
	parse("http {\n\tkeepalive_timeout 1y;\n}\n");
	CHECK_STR(main_error(2), "\"keepalive_timeout\" directive invalid value");
	parse("http {\n\tsend_timeout 5s;\n\tsend_timeout 6s;\n}\n");
	CHECK_STR(main_error(3), "\"send_timeout\" directive is duplicate");
	parse("http {\n\tserver {\n\t\tlisten 80 default_server;\n\t}\n\tserver {\n\t\tlisten 80 "
	      "default_server;\n\t}\n}\n");
	CHECK_STR(main_error(6), "a duplicate default server for 0.0.0.0:80 in /etc/nginx/nginx.conf:3");
	parse("http {\n\tserver {\n\t\tlocation /a {\n\t\t\tlocation /b { }\n\t\t}\n\t}\n}\n");
	CHECK_STR(main_error(4), "location \"/b\" is outside location \"/a\"");
	parse("http {\n\tserver {\n\t\tserver_name a*b.example.com;\n\t}\n}\n");
	CHECK_STR(main_error(3), "invalid server name or wildcard \"a*b.example.com\"");
	parse("http {\n\tserver {\n\t\tlisten 80 sl;\n\t}\n}\n");
	CHECK_STR(main_error(3), "invalid parameter \"sl\"");
	parse("http {\n\tserver {\n\t\tlisten 99999;\n\t}\n}\n");
	CHECK_STR(main_error(3), "invalid port in \"99999\" of the \"listen\" directive");
	parse("http {\n\tlimit_req zone=nope;\n}\n");
	CHECK_STR(main_error(2), "unknown limit_req_zone \"nope\"");
	parse("http {\n\tcontent_by_lua_block {\n\t\tlocal s = \"x\n\t}\n}\n");
	CHECK_STR(main_error(3), "unfinished string in the Lua block");
}

static void
test_values(void)
{
	CHECK(nginx_parse_time("90", false) == 90000);
	CHECK(nginx_parse_time("1m30s", false) == 90000);
	CHECK(nginx_parse_time("1m30", false) == 90000);
	CHECK(nginx_parse_time("500ms", false) == 500);
	CHECK(nginx_parse_time("1h", false) == 3600000);
	CHECK(nginx_parse_time("2w1d", false) == 15LL * 86400000);
	CHECK(nginx_parse_time("1d 2h", false) == 26LL * 3600000);
	CHECK(nginx_parse_time("1s1m", false) == -1);
	CHECK(nginx_parse_time("1y", false) == -1);
	CHECK(nginx_parse_time("1M", false) == -1);
	CHECK(nginx_parse_time("1y", true) == 365LL * 86400);
	CHECK(nginx_parse_time("1M", true) == 30LL * 86400);
	CHECK(nginx_parse_time("5ms", true) == -1);
	CHECK(nginx_parse_time("", false) == -1);
	CHECK(nginx_parse_time("s", false) == -1);
	CHECK(nginx_parse_time("10x", false) == -1);
	CHECK(nginx_parse_time("99999999999999999999", false) == -1);
	CHECK(nginx_parse_size("8k") == 8192);
	CHECK(nginx_parse_size("8K") == 8192);
	CHECK(nginx_parse_size("1m") == 1048576);
	CHECK(nginx_parse_size("2g") == 2147483648LL);
	CHECK(nginx_parse_size("100") == 100);
	CHECK(nginx_parse_size("k") == -1);
	CHECK(nginx_parse_size("1.5k") == -1);
}

static void
test_includes(void)
{
	const struct web_vhost *v;
	size_t i;
	bool seen_hidden = false;

	put("/etc/nginx/sites/b.conf", "server { server_name b.example.com; }\n");
	put("/etc/nginx/sites/a.conf", "server { server_name a.example.com; }\n");
	put("/etc/nginx/sites/.hidden", "server { server_name hidden.example.com; }\n");
	put("/etc/nginx/snippets/ka.conf", "keepalive_timeout 10s;\n");
	parse("http {\n\tinclude sites/*;\n\tinclude /etc/nginx/nothing/*.conf;\n"
	      "\tinclude /etc/nginx/snippets/ka.conf;\n}\n");
	CHECK(O.ndiag == 0);
	CHECK(server()->nvhost == 2);
	CHECK_STR(vhost(0)->names[0].text, "a.example.com");
	CHECK_STR(vhost(0)->loc.file, "/etc/nginx/sites/a.conf");
	CHECK(vhost(0)->loc.line == 1);
	CHECK_STR(vhost(1)->names[0].text, "b.example.com");
	v = vhost(1);
	CHECK(v->locs[0]->s->keepalive_timeout.v == 10000);
	CHECK_STR(v->locs[0]->s->keepalive_timeout.loc.file, "/etc/nginx/snippets/ka.conf");
	for (i = 0; i < O.ninput; i++)
		if (strstr(O.inputs[i]->file, "hidden"))
			seen_hidden = true;
	CHECK(!seen_hidden);
	CHECK(O.ninput == 4);

	/* a missing file (not a pattern) is an error at the include */
	parse("http {\n\tinclude missing.conf;\n}\n");
	CHECK_STR(main_error(2), "include \"/etc/nginx/missing.conf\": no such file");

	/* loops */
	put("/etc/nginx/loop.conf", "include /etc/nginx/loop2.conf;\n");
	put("/etc/nginx/loop2.conf", "include loop.conf;\n");
	parse("http {\n\tinclude loop.conf;\n}\n");
	CHECK_STR(only_error("/etc/nginx/loop2.conf", 1),
		  "include loop: \"/etc/nginx/loop.conf\" includes itself (through "
		  "\"/etc/nginx/loop2.conf\")");

	/* "..", absolute paths and symlinks stay inside the root */
	put("/etc/hostname", "inside\n");
	parse("http {\n\tinclude ../../../../../../etc/nginx/sites/a.conf;\n}\n");
	CHECK(O.ndiag == 0 && server()->nvhost == 1);

	/* an included file must be balanced on its own */
	put("/etc/nginx/open.conf", "server {\n");
	parse("http {\n\tinclude open.conf;\n}\n");
	CHECK_STR(only_error("/etc/nginx/open.conf", 2), "unexpected end of file, expecting \"}\"");
}

static void
test_dump(void)
{
	const char *dump = "# configuration file /etc/nginx/nginx.conf:\n"
			   "events {}\n"
			   "http {\n"
			   "\tinclude /etc/nginx/conf.d/*.conf;\n"
			   "}\n"
			   "\n"
			   "# configuration file /etc/nginx/conf.d/b.conf:\n"
			   "server {\n"
			   "\tserver_name b.example.com;\n"
			   "}\n"
			   "\n"
			   "# configuration file /etc/nginx/conf.d/a.conf:\n"
			   "\n"
			   "server { server_name a.example.com; listen 8080; }\n"
			   "\n";
	struct input *in;

	origin_free(&O);
	in = origin_add_input(&O, IN_NGINX, "/tmp/dump.txt");
	parse_nginx(&O, in, dump, strlen(dump), true);
	CHECK(O.ndiag == 0);
	CHECK(server()->nvhost == 2);
	/* sorted as glob(3) would, with the original names and lines */
	CHECK_STR(vhost(0)->loc.file, "/etc/nginx/conf.d/a.conf");
	CHECK(vhost(0)->loc.line == 2);
	CHECK(vhost(0)->listen[0].port == 8080);
	CHECK_STR(vhost(1)->loc.file, "/etc/nginx/conf.d/b.conf");
	CHECK(vhost(1)->loc.line == 1);
	CHECK_STR(server()->loc.file, "/etc/nginx/nginx.conf");
}

static void
test_lua(void)
{
	parse("http {\n"
	      "\tserver {\n"
	      "\t\tlocation / {\n"
	      "\t\t\tcontent_by_lua_block {\n"
	      "\t\t\t\tlocal t = { a = \"}\" } -- a comment with }\n"
	      "\t\t\t\tlocal s = [==[ } ]] ]==] --[[ { ]]\n"
	      "\t\t\t\tngx.say('{', t.a)\n"
	      "\t\t\t}\n"
	      "\t\t\tkeepalive_timeout 5s;\n"
	      "\t\t}\n"
	      "\t}\n"
	      "}\n");
	CHECK(O.ndiag == 0);
	CHECK(vhost(0)->nloc == 2);
	CHECK(vhost(0)->locs[1]->s->keepalive_timeout.v == 5000);
	CHECK(vhost(0)->locs[1]->s->keepalive_timeout.loc.line == 9);
}

static void
test_inheritance(void)
{
	const struct web_vhost *v;
	const struct web_location *l;

	parse("http {\n"
	      "\tproxy_read_timeout 300s;\n"
	      "\tallow 10.0.0.0/8;\n"
	      "\tdeny all;\n"
	      "\tset_real_ip_from 173.245.48.0/20;\n"
	      "\tlimit_req_zone $binary_remote_addr zone=z:1m rate=1r/s;\n"
	      "\tssl_certificate /etc/ssl/a.pem;\n"
	      "\tserver {\n"
	      "\t\tkeepalive_timeout 10s;\n"
	      "\t\tlimit_req zone=z;\n"
	      "\t\tlocation /a {\n"
	      "\t\t\tproxy_pass http://b;\n"
	      "\t\t\tdeny 192.0.2.1;\n"
	      "\t\t\tlocation /a/b {\n"
	      "\t\t\t\tproxy_read_timeout 5m;\n"
	      "\t\t\t}\n"
	      "\t\t\tif ($x) {\n"
	      "\t\t\t\treturn 444;\n"
	      "\t\t\t}\n"
	      "\t\t\tlimit_except GET { deny all; }\n"
	      "\t\t}\n"
	      "\t}\n"
	      "}\n");
	if (O.ndiag)
		printf("# %u: %s\n", O.diags[0].loc.line, O.diags[0].msg);
	CHECK(O.ndiag == 0);
	v = vhost(0);
	CHECK(v->nloc == 5);
	/* the server scope */
	l = v->locs[0];
	CHECK(l->kind == WS_SERVER);
	CHECK(l->s->backend_read[WB_HTTP].v == 300000 && l->s->backend_read[WB_HTTP].loc.line == 2);
	CHECK(l->s->backend_read[WB_FASTCGI].v == 60000 && l->s->backend_read[WB_FASTCGI].dflt);
	CHECK(l->s->keepalive_timeout.v == 10000 && !l->s->keepalive_timeout.dflt);
	CHECK(l->s->keepalive_requests.v == 1000 && l->s->keepalive_requests.dflt);
	CHECK(l->acl && l->acl->n == 2 && l->acl->v[0].allow);
	CHECK(l->s->trust && l->s->trust->n == 1);
	CHECK_STR(l->s->real_ip_header.text, "X-Real-IP");
	CHECK(l->s->real_ip_header.dflt);
	CHECK(l->s->limits && l->s->limits->n == 1 && l->s->limits->v[0].key_client_addr);
	CHECK(l->s->limits->v[0].status == 503);
	CHECK(v->tls.ncert == 1 && v->tls.cert[0].loc.line == 7);
	/* location /a: its own access list replaces the inherited one */
	l = v->locs[1];
	CHECK(l->kind == WS_PREFIX && strcmp(l->path, "/a") == 0);
	CHECK(l->backend == WB_HTTP);
	CHECK(l->acl->n == 1 && !l->acl->v[0].allow);
	CHECK(l->s->keepalive_timeout.v == 10000);
	/* nested location: inherits, overrides the timeout, does not proxy */
	l = v->locs[2];
	CHECK(l->parent == v->locs[1]);
	CHECK(l->backend == WB_NONE);
	CHECK(l->s->backend_read[WB_HTTP].v == 300000 && l->s->backend_read[WB_HTTP].loc.line == 15);
	/* if: the location's handler, a conditional return */
	l = v->locs[3];
	CHECK(l->kind == WS_IF && l->backend == WB_HTTP && l->ret[0].conditional);
	/* limit_except: its own access list */
	l = v->locs[4];
	CHECK(l->kind == WS_LIMIT_EXCEPT && l->acl->n == 1 && l->acl->v[0].all);
	/* the settings are shared where a scope changes none of them (an
	 * access list, a handler, a return are not settings); copied where
	 * it sets one */
	CHECK(v->locs[1]->s == v->locs[0]->s);
	CHECK(v->locs[2]->s != v->locs[1]->s);
	CHECK(v->locs[3]->s == v->locs[1]->s && v->locs[4]->s == v->locs[1]->s);
}

/* The TLS files nginx reads at start (inherited like the others; ticket
 * keys as a list) and the shared memory zones, in the order read (the http
 * block's limit zones first). */
static void
test_tls_start_files(void)
{
	const struct web_vhost *v;
	const struct web_server *s;

	parse("http {\n"
	      "\tssl_password_file /etc/nginx/pass;\n"
	      "\tssl_session_ticket_key /etc/nginx/t1;\n"
	      "\tssl_session_cache shared:SSL:10m;\n"
	      "\tserver {\n"
	      "\t\tssl_stapling on;\n"
	      "\t\tssl_stapling_file /etc/nginx/ocsp.der;\n"
	      "\t\tssl_session_cache builtin:1000 shared:SSL:20m;\n"
	      "\t}\n"
	      "\tserver {\n"
	      "\t\tssl_session_ticket_key /etc/nginx/t2;\n"
	      "\t\tssl_session_ticket_key /etc/nginx/t3;\n"
	      "\t\tssl_session_cache off;\n"
	      "\t}\n"
	      "\tlimit_conn_zone $binary_remote_addr zone=c:1m;\n"
	      "}\n");
	CHECK(O.ndiag == 0);
	v = vhost(0);
	CHECK_STR(v->tls.password_file.text, "/etc/nginx/pass");
	CHECK_STR(v->tls.stapling.text, "on");
	CHECK(v->tls.nticket_key == 1 && v->tls.ticket_key[0].loc.line == 3);
	v = vhost(1);
	CHECK(v->tls.stapling.text == NULL && v->tls.stapling_file.text == NULL);
	CHECK(v->tls.nticket_key == 2 && strcmp(v->tls.ticket_key[1].text, "/etc/nginx/t3") == 0);
	s = server();
	CHECK(s->nshm == 3);
	CHECK(strcmp(s->shm[0].name, "c") == 0 && s->shm[0].use == WSHM_LIMIT_CONN &&
	      s->shm[0].size == 1024 * 1024);
	CHECK(strcmp(s->shm[1].name, "SSL") == 0 && s->shm[1].size == 10 * 1024 * 1024 &&
	      s->shm[1].loc.line == 4);
	CHECK(s->shm[2].use == WSHM_SSL_SESSION && s->shm[2].size == 20 * 1024 * 1024 &&
	      s->shm[2].loc.line == 8);
	parse("http {\n\tssl_session_cache shared:SSL;\n}\n");
	CHECK_STR(main_error(2), "invalid session cache \"shared:SSL\"");
}

static void
test_inheritance_nested(void)
{
	const struct web_vhost *v;

	parse("http {\n"
	      "\tserver {\n"
	      "\t\tlocation /a {\n"
	      "\t\t\tproxy_pass http://b;\n"
	      "\t\t\tlocation /a/b {\n"
	      "\t\t\t\tproxy_read_timeout 5m;\n"
	      "\t\t\t}\n"
	      "\t\t\tif ($x) {\n"
	      "\t\t\t\treturn 444;\n"
	      "\t\t\t}\n"
	      "\t\t}\n"
	      "\t}\n"
	      "}\n");
	CHECK(O.ndiag == 0);
	v = vhost(0);
	CHECK(v->nloc == 4);
	CHECK(v->locs[2]->s->backend_read[WB_HTTP].v == 300000);
	CHECK(v->locs[2]->s->backend_read[WB_HTTP].loc.line == 6);
	CHECK(!v->locs[2]->s->backend_read[WB_HTTP].dflt);
	CHECK(v->locs[2]->backend == WB_NONE);
	/* if inherits the location's handler; its return is conditional */
	CHECK(v->locs[3]->kind == WS_IF && v->locs[3]->backend == WB_HTTP);
	CHECK(v->locs[3]->nret == 1 && v->locs[3]->ret[0].code == 444 &&
	      v->locs[3]->ret[0].conditional);
	CHECK(v->locs[1]->s->backend_read[WB_HTTP].dflt);
}

static void
test_listen(void)
{
	const struct web_vhost *v;

	parse("http {\n"
	      "\tserver {\n"
	      "\t\tlisten 8080;\n"
	      "\t\tlisten 127.0.0.1:443 ssl http2 default_server;\n"
	      "\t\tlisten [::]:80 ipv6only=off proxy_protocol;\n"
	      "\t\tlisten [2001:db8::1]:8443;\n"
	      "\t\tlisten unix:/run/nginx.sock;\n"
	      "\t\tlisten *;\n"
	      "\t\tlisten localhost:81;\n"
	      "\t}\n"
	      "\tserver { }\n"
	      "\tserver { listen 127.0.0.1:443; ssl on; }\n"
	      "}\n");
	CHECK(O.ndiag == 0);
	v = vhost(0);
	CHECK(v->nlisten == 7);
	CHECK(v->listen[0].kind == WA_ANY && v->listen[0].fam == FAM_V4 && v->listen[0].port == 8080);
	CHECK(v->listen[1].kind == WA_ADDR && v->listen[1].ssl && v->listen[1].http2 &&
	      v->listen[1].default_server && v->listen[1].port == 443);
	CHECK(!web_listen_public(&v->listen[1], FAM_V4));
	CHECK(v->listen[2].kind == WA_ANY && v->listen[2].fam == FAM_V6 && !v->listen[2].ipv6only &&
	      v->listen[2].proxy_protocol);
	CHECK(web_listen_public(&v->listen[2], FAM_V4));
	CHECK(v->listen[3].kind == WA_ADDR && v->listen[3].fam == FAM_V6 && v->listen[3].port == 8443);
	CHECK(v->listen[4].kind == WA_UNIX && !web_listen_public(&v->listen[4], FAM_V4));
	CHECK(v->listen[5].kind == WA_ANY && v->listen[5].port == 80);
	CHECK(v->listen[6].kind == WA_ADDR && v->listen[6].addr == 0x7f000001);
	/* no listen: *:80; no server_name: "" */
	v = vhost(1);
	CHECK(v->nlisten == 1 && v->listen[0].kind == WA_ANY && v->listen[0].port == 80);
	CHECK(v->nname == 1 && strcmp(v->names[0].text, "") == 0);
	/* "ssl on", and ssl of the socket shared with server 0 */
	CHECK(vhost(2)->listen[0].ssl);
}

static const char *
answer(const char *host, const char *addr, unsigned port)
{
	static char buf[64];
	enum family fam;
	u128 a = 0;
	bool by_default;
	const struct web_vhost *v;

	if (addr && !addr_parse(addr, &fam, &a))
		return "bad address";
	if (!addr)
		fam = FAM_V4;
	v = web_vhost_for(server(), host, fam, addr != NULL, a, (uint16_t)port, &by_default);
	if (v == NULL)
		return "none";
	snprintf(buf, sizeof(buf), "%u%s", v->loc.line, by_default ? " default" : "");
	return buf;
}

static void
test_server_names(void)
{
	parse("http {\n"
	      "server { listen 80; server_name www.example.com; }\n"                     /* 2 */
	      "server { listen 80; server_name *.example.com; }\n"                       /* 3 */
	      "server { listen 80; server_name *.b.example.com .example.org; }\n"        /* 4 */
	      "server { listen 80; server_name www.example.*; }\n"                       /* 5 */
	      "server { listen 80; server_name www.example.co.*; }\n"                    /* 6 */
	      "server { listen 80; server_name ~^api\\d+\\.example\\.net$; }\n"           /* 7 */
	      "server { listen 80; server_name ~^(?<x>.+)\\.example\\.net$; }\n"          /* 8 */
	      "server { listen 80 default_server; server_name _; }\n"                    /* 9 */
	      "server { listen 127.0.0.1:80; server_name www.example.com local; }\n"     /* 10 */
	      "server { listen 127.0.0.1:80; server_name other; }\n"                     /* 11 */
	      "server { listen [::]:80; server_name www.example.com; }\n"                /* 12 */
	      "server { listen 8080; server_name \"\" ~^(?i)UPPER\\.example\\.com$; }\n" /* 13 */
	      "server { listen 8080; server_name a.example.com; }\n"                     /* 14 */
	      "}\n");
	CHECK(O.ndiag == 0);
	CHECK_STR(answer("www.example.com", "192.0.2.1", 80), "2");
	CHECK_STR(answer("WWW.Example.COM.", "192.0.2.1", 80), "2");
	CHECK_STR(answer("www.example.com:80", "192.0.2.1", 80), "2");
	CHECK_STR(answer("x.example.com", "192.0.2.1", 80), "3");
	CHECK_STR(answer("x.b.example.com", "192.0.2.1", 80), "4");
	CHECK_STR(answer("example.org", "192.0.2.1", 80), "4");
	CHECK_STR(answer("a.b.example.org", "192.0.2.1", 80), "4");
	CHECK_STR(answer("example.com", "192.0.2.1", 80), "9 default");
	/* a leading wildcard wins over a trailing one, a trailing one over a regex */
	CHECK_STR(answer("www.example.org", "192.0.2.1", 80), "4");
	CHECK_STR(answer("www.example.net", "192.0.2.1", 80), "5");
	CHECK_STR(answer("www.example.co.uk", "192.0.2.1", 80), "6");
	CHECK_STR(answer("api12.example.net", "192.0.2.1", 80), "7");
	CHECK_STR(answer("web.example.net", "192.0.2.1", 80), "8");
	CHECK_STR(answer("nothing.invalid", "192.0.2.1", 80), "9 default");
	CHECK_STR(answer("", "192.0.2.1", 80), "9 default");
	/* 127.0.0.1:80 has its own servers: the wildcard ones do not answer there */
	CHECK_STR(answer("www.example.com", "127.0.0.1", 80), "10");
	CHECK_STR(answer("x.example.com", "127.0.0.1", 80), "10 default");
	CHECK_STR(answer("other", "127.0.0.1", 80), "11");
	CHECK_STR(answer("www.example.com", "2001:db8::1", 80), "12");
	CHECK_STR(answer("x.example.com", "2001:db8::1", 80), "12 default");
	CHECK_STR(answer("www.example.com", NULL, 80), "2");
	/* the first server of the port is its default; "" matches no Host */
	CHECK_STR(answer("b.example.com", "192.0.2.1", 8080), "13 default");
	CHECK_STR(answer("a.example.com", "192.0.2.1", 8080), "14");
	CHECK_STR(answer(NULL, "192.0.2.1", 8080), "13");
	CHECK_STR(answer("upper.example.com", "192.0.2.1", 8080), "13");
	CHECK_STR(answer("www.example.com", "192.0.2.1", 81), "none");
}

int
main(void)
{
	char tmpl[] = "/tmp/cfa-nginx.XXXXXX";
	char cmd[300];

	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(root, sizeof(root), "%s", tmpl);
	if (!root_open(root))
		return 1;
	RUN(test_tables_sorted);
	RUN(test_tokenizer);
	RUN(test_tokenizer_errors);
	RUN(test_must_fail);
	RUN(test_values);
	RUN(test_includes);
	RUN(test_dump);
	RUN(test_lua);
	RUN(test_inheritance);
	RUN(test_inheritance_nested);
	RUN(test_tls_start_files);
	RUN(test_listen);
	RUN(test_server_names);
	origin_free(&O);
	root_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
