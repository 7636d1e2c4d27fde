/* parse_apache: httpd's reader (lines, words, sections, includes, Define,
 * envvars, the conditional sections), the exact messages of must-fail
 * input, virtual host selection as vhost.c does it, the server settings,
 * and the access rules of the configuration and of .htaccess files. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apache.h"
#include "model.h"
#include "parse.h"
#include "root.h"
#include "unit.h"
#include "util.h"
#include "web.h"

static struct origin O;
static char root[256];
static char *tree_text;

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

static void
wipe(void)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/etc' '%s/var' '%s/srv'", root, root, root);
	if (system(cmd) != 0)
		abort();
}

/* The modules every test configuration loads (a Debian-like set). */
static const char mods[] =
	"LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
	"LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\n"
	"LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so\n"
	"LoadModule access_compat_module /usr/lib/apache2/modules/mod_access_compat.so\n"
	"LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so\n"
	"LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\n"
	"LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so\n";

/* Parse /etc/apache2/apache2.conf (as text) inside the test root. */
static void
parse(const char *text)
{
	struct input *in;

	origin_free(&O);
	put("/etc/apache2/apache2.conf", text);
	in = origin_add_input(&O, IN_APACHE, "/etc/apache2/apache2.conf");
	parse_apache(&O, in, text, strlen(text), false);
}

/* The reader's tree of text, as apache_tree prints it. */
static const char *
tree(const char *text)
{
	struct input *in;

	origin_free(&O);
	free(tree_text);
	put("/etc/apache2/apache2.conf", text);
	in = origin_add_input(&O, IN_APACHE, "/etc/apache2/apache2.conf");
	tree_text = apache_tree(&O, in, text, strlen(text));
	return tree_text;
}

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
	return only_error("/etc/apache2/apache2.conf", line);
}

static struct web_server *
server(void)
{
	return O.web && O.web->nserver ? O.web->servers[0] : NULL;
}

/* The host answering name on the IPv4 wildcard at port (NULL: none). */
static const struct web_vhost *
answer(const char *name, const char *addr, uint16_t port)
{
	enum family fam = FAM_V4;
	u128 a = 0;
	bool by_default;

	if (server() == NULL)
		return NULL;
	if (addr && !addr_parse(addr, &fam, &a))
		return NULL;
	return web_vhost_for(server(), name, fam, addr != NULL, a, port, &by_default);
}

static unsigned
line_of(const struct web_vhost *v)
{
	return v ? v->loc.line : 0;
}

static struct input *
input_named(const char *file)
{
	size_t i;

	for (i = 0; i < O.ninput; i++)
		if (strcmp(O.inputs[i]->file, file) == 0)
			return O.inputs[i];
	return NULL;
}

/* The scope of the first host labelled label (NULL: its server scope). */
static const struct web_location *
scope(size_t vhost, const char *label)
{
	const struct web_vhost *v;
	size_t i;

	if (server() == NULL || vhost >= server()->nvhost)
		return NULL;
	v = server()->vhosts[vhost];
	if (label == NULL)
		return v->nloc ? v->locs[0] : NULL;
	for (i = 0; i < v->nloc; i++)
		if (v->locs[i]->label && strcmp(v->locs[i]->label, label) == 0)
			return v->locs[i];
	return NULL;
}

/* Whether the access rules of l refuse addr (a deny rule holds it). */
static int
refuses(const struct web_location *l, const char *addr)
{
	enum family fam;
	u128 a;
	size_t i;

	if (l == NULL || !addr_parse(addr, &fam, &a))
		return -1;
	if (l->acl == NULL)
		return 0;
	for (i = 0; i < l->acl->n; i++) {
		const struct web_acl_rule *r = &l->acl->v[i];

		if (!r->allow && r->set && ivset_contains(&r->set[fam], a))
			return 1;
	}
	return 0;
}

/* The text of the rule refusing addr. */
static const char *
refused_by(const struct web_location *l, const char *addr)
{
	enum family fam;
	u128 a;
	size_t i;

	if (l == NULL || l->acl == NULL || !addr_parse(addr, &fam, &a))
		return NULL;
	for (i = 0; i < l->acl->n; i++) {
		const struct web_acl_rule *r = &l->acl->v[i];

		if (!r->allow && r->set && ivset_contains(&r->set[fam], a))
			return r->what;
	}
	return NULL;
}

/* ---- tables, addresses, patterns ---- */

static void
test_tables_sorted(void)
{
	CHECK(apache_tables_sorted());
}

static void
test_subnets(void)
{
	struct cidr c;
	char t[2 * ADDR_STRLEN + 8];

	CHECK(apache_subnet("10.1", &c) == SUBNET_OK);
	interval_format(c.fam, c.lo, c.hi, t, sizeof(t));
	CHECK_STR(t, "10.1.0.0/16");
	CHECK(apache_subnet("192.168.1.", &c) == SUBNET_OK);
	interval_format(c.fam, c.lo, c.hi, t, sizeof(t));
	CHECK_STR(t, "192.168.1.0/24");
	CHECK(apache_subnet("10.1.0.0/255.255.0.0", &c) == SUBNET_OK);
	interval_format(c.fam, c.lo, c.hi, t, sizeof(t));
	CHECK_STR(t, "10.1.0.0/16");
	CHECK(apache_subnet("10.1.2.3/8", &c) == SUBNET_OK);
	interval_format(c.fam, c.lo, c.hi, t, sizeof(t));
	CHECK_STR(t, "10.0.0.0/8");
	CHECK(apache_subnet("2001:db8::/32", &c) == SUBNET_OK && c.fam == FAM_V6);
	CHECK(apache_subnet("203.0.113.7", &c) == SUBNET_OK && c.lo == c.hi);
	CHECK(apache_subnet("example.com", &c) == SUBNET_NOT_IP);
	CHECK(apache_subnet("300.1.1.1", &c) == SUBNET_BAD);
	CHECK(apache_subnet("::ffff:1.2.3.4", &c) == SUBNET_BAD);
	CHECK(apache_subnet("10.0.0.0/0", &c) == SUBNET_BAD);
	CHECK(apache_subnet("10.0.0.0/33", &c) == SUBNET_BAD);
}

/* The IPv4 addresses a pattern on the address text matches, as text. */
static char *
pattern_addrs(const char *pattern)
{
	void *re = apache_regex(pattern, false, NULL, 0);
	struct addrmatch m;
	struct buf b = {NULL, 0, 0};
	char t[2 * ADDR_STRLEN + 8];
	size_t i;

	if (re == NULL)
		return xstrdup("(no regex)");
	apache_regex_addrs(re, pattern, &m);
	for (i = 0; i < m.sure[FAM_V4].n; i++) {
		interval_format(FAM_V4, m.sure[FAM_V4].v[i].lo, m.sure[FAM_V4].v[i].hi, t, sizeof(t));
		buf_addf(&b, "%s%s", i ? " " : "", t);
	}
	if (m.maybe[FAM_V4].n)
		buf_adds(&b, " +maybe");
	addrmatch_free(&m);
	apache_regex_free(re);
	return buf_take(&b);
}

static void
test_patterns(void)
{
	char *s;

	s = pattern_addrs("^203\\.0\\.113\\.");
	CHECK_STR(s, "203.0.113.0/24");
	free(s);
	s = pattern_addrs("^(10\\.|192\\.168\\.1\\.)");
	CHECK_STR(s, "10.0.0.0/8 192.168.1.0/24");
	free(s);
	s = pattern_addrs("^1\\.2\\.3\\.4$");
	CHECK_STR(s, "1.2.3.4/32");
	free(s);
	/* an unescaped "." matches a digit too */
	s = pattern_addrs("^192.168.1.");
	CHECK_STR(s, "192.168.1.0/24 192.168.10.0-192.168.19.255 192.168.100.0-192.168.199.255");
	free(s);
	s = pattern_addrs(".*");
	CHECK_STR(s, "0.0.0.0/0");
	free(s);
}

/* ---- the reader ---- */

static void
test_lines(void)
{
	/* continuation, quotes, "\\", a comment that continues, trailing
	 * space after the backslash ends it */
	CHECK_STR(tree("ServerName \\\n  www.example.com\n"
		       "# comment \\\nListen 8080\n"
		       "Header set X \"a \\\"b\\\" c\" 'd e'\n"
		       "Alias /a\\\\b /srv/x\n"
		       "Define X 1 \\ \nListen 81\n"),
		  "ServerName|www.example.com @1\n"
		  "Header|set|X|a \"b\" c|d e @5\n"
		  "Alias|/a\\b|/srv/x @6\n"
		  "Listen|81 @8\n");
	CHECK(O.ndiag == 1); /* Define takes at most two arguments */
	CHECK_STR(tree("<Directory \"/var/www\">\n\tRequire all granted\n</Directory>\n<Foo>\n</foo>\n"),
		  "<Directory|/var/www @1\n  Require|all|granted @2\n>Directory\n<Foo @4\n>Foo\n");
	CHECK(O.ndiag == 0);
}

static void
test_defines(void)
{
	put("/etc/apache2/envvars", "unset HOME\n"
				    "if [ \"${APACHE_CONFDIR##/etc/apache2-}\" != \"${APACHE_CONFDIR}\" ] ; then\n"
				    "\tSUFFIX=\"-${APACHE_CONFDIR##/etc/apache2-}\"\n"
				    "else\n\tSUFFIX=\nfi\n"
				    "export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n"
				    "export APACHE_RUN_USER='www-data'\n");
	CHECK_STR(tree("Define PORT 8080\nListen ${PORT}\nErrorLog ${APACHE_LOG_DIR}/error.log\n"
		       "User ${APACHE_RUN_USER}\nServerName ${UNSET}\nUnDefine PORT\nListen ${PORT}\n"),
		  "Listen|8080 @2\nErrorLog|${APACHE_LOG_DIR}/error.log @3\nUser|${APACHE_RUN_USER} @4\n"
		  "ServerName|${UNSET} @5\nListen|${PORT} @7\n");
	/* apache_tree does not read envvars; parse_apache does */
	parse("Listen 80\nDocumentRoot /var/www/${APACHE_RUN_USER}\n");
	CHECK(O.ndiag == 0);
	CHECK(server() && server()->nvhost == 1);
	wipe();
	tree("Define a:b\n");
	CHECK_STR(main_error(1), "Variable name must not contain ':'");
}

static void
test_conditions(void)
{
	CHECK_STR(tree("LoadModule ssl_module modules/mod_ssl.so\n"
		       "<IfModule mod_ssl.c>\nListen 443\n</IfModule>\n"
		       "<IfModule ssl_module>\nListen 444\n</IfModule>\n"
		       "<IfModule !mod_ssl.c>\nListen 445\n</IfModule>\n"
		       "<IfModule mod_rewrite.c>\n<Directory />\nListen 446\n</Directory>\n</IfModule>\n"
		       "<IfModule mod_version.c>\nListen 447\n</IfModule>\n"
		       "LoadModule mpm_event_module m.so\n<IfModule event.c>\nListen 448\n</IfModule>\n"),
		  "Listen|443 @3\nListen|444 @6\nListen|447 @17\nListen|448 @21\n");
	CHECK(O.ndiag == 0);
	CHECK_STR(tree("Define FOO\n<IfDefine FOO>\nListen 1\n</IfDefine>\n"
		       "<IfDefine !FOO>\nListen 2\n</IfDefine>\n<IfDefine BAR>\nListen 3\n</IfDefine>\n"
		       "<IfVersion >= 2.4>\nListen 4\n</IfVersion>\n"
		       "<IfVersion < 2.4>\nListen 5\n</IfVersion>\n"
		       "<IfVersion ~ ^2\\.4\\.>\nListen 6\n</IfVersion>\n"
		       "<IfVersion = 2.4.62>\nListen 7\n</IfVersion>\n"
		       "<IfVersion !~ ^2\\.2>\nListen 8\n</IfVersion>\n"),
		  "Listen|1 @3\nListen|4 @12\nListen|6 @18\nListen|7 @21\nListen|8 @24\n");
	CHECK(O.ndiag == 0);
	put("/etc/apache2/present.conf", "");
	CHECK_STR(tree("<IfFile present.conf>\nListen 1\n</IfFile>\n<IfFile !/nope>\nListen 2\n</IfFile>\n"
		       "<IfDirective Listen>\nListen 3\n</IfDirective>\n"
		       "<IfDirective RemoteIPHeader>\nListen 4\n</IfDirective>\n"
		       "<IfSection VirtualHost>\nListen 5\n</IfSection>\n"),
		  "Listen|1 @2\nListen|2 @5\nListen|3 @8\nListen|5 @14\n");
	wipe();
}

static void
test_reader_errors(void)
{
	tree("<Directory /var/www>\nRequire all granted\n");
	CHECK_STR(main_error(1), "<Directory> was not closed.");
	tree("<Directory /var/www>\n</Location>\n");
	CHECK_STR(main_error(2), "Expected </Directory> but saw </Location>");
	tree("</Directory>\n");
	CHECK_STR(main_error(1), "</Directory> without matching <Directory> section");
	tree("<Directory /var/www\n</Directory>\n");
	CHECK_STR(main_error(1), "<Directory> directive missing closing '>'");
	tree("<IfModule mod_nope.c>\n<Directory />\n</Location>\n</IfModule>\n");
	CHECK_STR(main_error(3), "Expected </Directory> but saw </Location>");
	tree("<IfModule mod_nope.c>\nListen 1\n");
	CHECK_STR(main_error(1), "Expected </IfModule> before end of configuration");
	tree("<IfModule>\n</IfModule>\n");
	CHECK_STR(main_error(1), "<IfModule> directive requires additional arguments");
	tree("Listen 80\n\0Listen 81\n");
	tree("<IfVersion 2.4>\n</IfVersion>\n");
	CHECK(O.ndiag == 0);
	{
		static const char nul[] = "Listen 80\nListen\0 81\n";
		struct input *in;

		origin_free(&O);
		free(tree_text);
		in = origin_add_input(&O, IN_APACHE, "/etc/apache2/apache2.conf");
		tree_text = apache_tree(&O, in, nul, sizeof(nul) - 1);
		CHECK_STR(main_error(2), "a NUL byte: not an Apache configuration file");
	}
}

static void
test_includes(void)
{
	put("/etc/apache2/mods-enabled/b.load", "LoadModule b_module b.so\n");
	put("/etc/apache2/mods-enabled/a.load", "LoadModule a_module a.so\n");
	put("/etc/apache2/mods-enabled/a.conf", "<IfModule mod_a.c>\nListen 1\n</IfModule>\n");
	put("/etc/apache2/mods-enabled/.hidden.load", "Listen 9\n");
	put("/etc/apache2/conf.d/x.conf", "Listen 2\n");
	put("/etc/apache2/conf.d/sub/.dot", "Listen 3\n");
	put("/etc/apache2/ports.conf", "Listen 4\n");
	/* a wildcard matches no dot file; a directory is every file in it */
	CHECK_STR(tree("IncludeOptional mods-enabled/*.load\nInclude mods-enabled/*.conf\n"
		       "Include /etc/apache2/conf.d\nInclude ports.conf\n"
		       "IncludeOptional nothing/*.conf\nIncludeOptional missing.conf\n"),
		  "Listen|1 @2\nListen|3 @1\nListen|2 @1\nListen|4 @1\n");
	CHECK(O.ndiag == 0);
	CHECK(input_named("/etc/apache2/conf.d/sub/.dot") != NULL);
	tree("Include nothing/*.conf\n");
	CHECK_STR(main_error(1), "Include/IncludeOptional: Could not open directory "
				 "/etc/apache2/nothing: No such file or directory");
	tree("Include mods-enabled/*.nope\n");
	CHECK_STR(main_error(1), "Include/IncludeOptional: No matches for the wildcard '*.nope' in "
				 "'/etc/apache2/mods-enabled', failing");
	tree("Include missing.conf\n");
	CHECK_STR(main_error(1), "Could not open configuration file /etc/apache2/missing.conf: "
				 "No such file or directory");
	put("/etc/apache2/loop.conf", "Include loop.conf\n");
	tree("Include loop.conf\n");
	CHECK_STR(only_error("/etc/apache2/loop.conf", 1),
		  "Exceeded maximum include depth of 32, There appears to be a recursion. "
		  "(/etc/apache2/loop.conf includes itself)");
	put("/etc/apache2/open.conf", "<Directory />\n");
	tree("Include open.conf\n");
	CHECK_STR(only_error("/etc/apache2/open.conf", 1), "<Directory> was not closed.");
	wipe();
}

static void
test_must_fail(void)
{
	char text[2048];

	snprintf(text, sizeof(text), "%sListen 80\nRemoteIPHeader CF-Connecting-IP\n", mods);
	parse(text);
	CHECK_STR(main_error(9), "Invalid command 'RemoteIPHeader', perhaps misspelled or defined "
				 "by a module not included in the server configuration");
	snprintf(text, sizeof(text), "%sListen 80\n<VirtualHost *:80>\nListen 81\n</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK_STR(main_error(10), "Listen cannot occur within <VirtualHost> section");
	snprintf(text, sizeof(text), "%sListen 80\n<Directory />\nRequire not ip 10.0.0.1\n</Directory>\n",
		 mods);
	parse(text);
	CHECK_STR(main_error(10), "negative Require directive has no effect in <RequireAny> directive");
	snprintf(text, sizeof(text),
		 "%sListen 80\n<Directory />\n<RequireAll>\nRequire not ip 10.0.0.1\n</RequireAll>\n"
		 "</Directory>\n",
		 mods);
	parse(text);
	CHECK_STR(main_error(10), "<RequireAll> directive contains only negative authorization "
				  "directives");
	snprintf(text, sizeof(text), "%sListen 80\n<Directory />\nRequire ip nope.example\n</Directory>\n",
		 mods);
	parse(text);
	CHECK_STR(main_error(10), "ip address 'nope.example' appears to be invalid");
	snprintf(text, sizeof(text), "%sListen 80\n<Directory />\nRequire all maybe\n</Directory>\n", mods);
	parse(text);
	CHECK_STR(main_error(10), "Argument for 'Require all' must be 'granted' or 'denied'");
	snprintf(text, sizeof(text), "%sListen 80\n<Directory />\nOrder allow\n</Directory>\n", mods);
	parse(text);
	CHECK_STR(main_error(10), "unknown order");
	snprintf(text, sizeof(text), "%sListen 80\n<Directory />\nAllow 10.0.0.1\n</Directory>\n", mods);
	parse(text);
	CHECK_STR(main_error(10), "allow and deny must be followed by 'from'");
	snprintf(text, sizeof(text), "%sListen 80\nRequire all granted\n", mods);
	parse(text);
	CHECK_STR(main_error(9), "Require not allowed here");
	snprintf(text, sizeof(text), "%sListen 80\nKeepAlive maybe\n", mods);
	parse(text);
	CHECK_STR(main_error(9), "KeepAlive must be On or Off");
	snprintf(text, sizeof(text), "%sListen 80\nTimeout soon\n", mods);
	parse(text);
	CHECK_STR(main_error(9), "Timeout has wrong format");
	snprintf(text, sizeof(text), "%sListen 80 http\nListen 80\n", mods);
	parse(text);
	CHECK_STR(main_error(9), "Cannot define multiple Listeners on the same IP:port");
	snprintf(text, sizeof(text), "%sListen example:\n", mods);
	parse(text);
	CHECK(O.ndiag == 2 && O.diags[0].loc.line == 8);
	CHECK_STR(O.diags[0].msg, "Invalid address or port");
	snprintf(text, sizeof(text), "%sListen 80\n<VirtualHost *:80>\n<VirtualHost *:81>\n"
				     "</VirtualHost>\n</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK_STR(main_error(10), "<VirtualHost> doesn't nest!");
	snprintf(text, sizeof(text), "%sListen 80\n<VirtualHost www.example.com:80>\n</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK_STR(main_error(9), "<VirtualHost www.example.com:80>: a host name, resolved when httpd "
				 "starts: cfaudit cannot tell which address it is (use the address or *)");
	snprintf(text, sizeof(text), "%sDocumentRoot /srv\n", mods);
	parse(text);
	CHECK_STR(main_error(0), "no Listen directive: httpd does not start (no listening sockets "
				 "available, shutting down)");
	wipe();
}

/* ---- virtual hosts ---- */

static void
test_vhosts(void)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "%s"
		 "ServerName main.example.net\n"                        /* 8 */
		 "Listen 80\nListen 8080\nListen 8081\nListen 127.0.0.1:8082\nListen 9000\n"
		 "<VirtualHost *:80>\nServerName a.example.com\n</VirtualHost>\n"       /* 14 */
		 "<VirtualHost *:80>\nServerName b.example.com\nServerAlias *.b.example.com "
		 "WWW?.example.org\n</VirtualHost>\n"                                    /* 17 */
		 "<VirtualHost *:80>\n</VirtualHost>\n"                                  /* 21 */
		 "<VirtualHost *:80>\nServerName a.example.com\nServerAlias x.example.com\n"
		 "</VirtualHost>\n"                                                      /* 23 */
		 "<VirtualHost 127.0.0.1:8081>\nServerName ip.example.com\n</VirtualHost>\n" /* 27 */
		 "<VirtualHost *:8081>\nServerName star.example.com\n</VirtualHost>\n"      /* 30 */
		 "<VirtualHost *:*>\nServerName any.example.com\n</VirtualHost>\n"          /* 33 */
		 "<VirtualHost _default_:8080 *:8080>\nServerName d.example.com\n</VirtualHost>\n", /* 36 */
		 mods);
	parse(text);
	CHECK(O.ndiag == 0);
	CHECK(line_of(answer("a.example.com", NULL, 80)) == 14);
	CHECK(line_of(answer("b.example.com", NULL, 80)) == 17);
	CHECK(line_of(answer("deep.sub.b.example.com", NULL, 80)) == 17);
	CHECK(line_of(answer("www1.EXAMPLE.org", NULL, 80)) == 17);
	CHECK(line_of(answer("www.example.org", NULL, 80)) == 14);
	/* no ServerName: the main server's name */
	CHECK(line_of(answer("main.example.net", NULL, 80)) == 21);
	CHECK(line_of(answer("x.example.com", NULL, 80)) == 23);
	CHECK(line_of(answer("nothing.invalid", NULL, 80)) == 14);
	CHECK(line_of(answer(NULL, NULL, 80)) == 14);
	CHECK(line_of(answer("A.Example.Com.", NULL, 80)) == 14);
	/* the host on the address takes every name there */
	CHECK(line_of(answer("star.example.com", "127.0.0.1", 8081)) == 27);
	CHECK(line_of(answer("star.example.com", "192.0.2.1", 8081)) == 30);
	/* a port no host names: *:* */
	CHECK(line_of(answer("a.example.com", "127.0.0.1", 8082)) == 33);
	CHECK(answer("a.example.com", "192.0.2.1", 8082) == NULL);
	CHECK(line_of(answer("d.example.com", NULL, 8080)) == 36);
	CHECK(line_of(answer("d.example.com", NULL, 9000)) == 33);
	CHECK(answer("a.example.com", NULL, 7000) == NULL);
	CHECK(server()->main_vhost == NULL);
	/* without *:*, port 9000 is the main server's */
	snprintf(text, sizeof(text),
		 "%sListen 80\nListen 9000\n<VirtualHost *:80>\nServerName a.example.com\n"
		 "</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK(server()->main_vhost != NULL);
	CHECK(answer("a.example.com", NULL, 9000) == server()->main_vhost);
	CHECK(server()->main_vhost->nlisten == 1 && server()->main_vhost->listen[0].port == 9000);
	wipe();
}

static void
test_listen(void)
{
	char text[2048];
	const struct web_vhost *v;

	snprintf(text, sizeof(text),
		 "%sLoadModule ssl_module m.so\nLoadModule http2_module m.so\n"
		 "Listen 127.0.0.1:80\nListen 443\nListen 0.0.0.0:8443 https\n"
		 "<VirtualHost *:80 *:443>\nServerName www.example.com\nSSLCertificateFile /c.pem\n"
		 "Protocols h2 http/1.1\n</VirtualHost>\n"
		 "<VirtualHost *:8443>\nSSLEngine on\n</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK(O.ndiag == 0);
	v = server()->vhosts[0];
	CHECK(v->nlisten == 2);
	/* TLS is the host's: on *:80 too (mod_ssl enables a server, not a port) */
	CHECK(v->listen[0].kind == WA_ADDR && v->listen[0].port == 80 && v->listen[0].ssl);
	CHECK(strcmp(v->listen[0].text, "127.0.0.1:80") == 0);
	/* SSLEngine unset, an https Listen and a certificate: TLS */
	CHECK(v->listen[1].kind == WA_ANY && v->listen[1].port == 443 && v->listen[1].ssl);
	CHECK(v->listen[1].http2 && !v->listen[1].ipv6only && v->listen[1].fam == FAM_V6);
	CHECK(v->http2.set && v->http2.v == 1);
	v = server()->vhosts[1];
	CHECK(v->nlisten == 1 && v->listen[0].ssl && v->listen[0].fam == FAM_V4);
	wipe();
}

/* mod_remoteip's PROXY protocol, as httpd 2.4.71 applies it (checked with
 * curl against apache2): the main server's On covers every address and
 * port, a host's Off takes its own out; a name-based host's On covers
 * its whole address and port. */
static void
test_proxy_protocol(void)
{
	char text[2048];
	const struct web_server *s;

	snprintf(text, sizeof(text),
		 "%sLoadModule remoteip_module m.so\nListen 80\nListen 8080\nListen 8081\n"
		 "RemoteIPProxyProtocol On\n"
		 "<VirtualHost *:8080>\nServerName a.example\nRemoteIPProxyProtocol Off\n"
		 "</VirtualHost>\n"
		 "<VirtualHost *:8081>\nServerName b.example\n</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK(O.ndiag == 0);
	s = server();
	CHECK(s->main_vhost && s->main_vhost->listen[0].proxy_protocol &&
	      s->main_vhost->listen[0].proxy_loc.line == 12);
	CHECK(s->vhosts[1]->listen[0].port == 8080 && !s->vhosts[1]->listen[0].proxy_protocol);
	CHECK(s->vhosts[2]->listen[0].port == 8081 && s->vhosts[2]->listen[0].proxy_protocol);
	wipe();
	snprintf(text, sizeof(text),
		 "%sLoadModule remoteip_module m.so\nListen 80\n"
		 "<VirtualHost *:80>\nServerName a.example\n</VirtualHost>\n"
		 "<VirtualHost *:80>\nServerName b.example\nRemoteIPProxyProtocol On\n"
		 "RemoteIPProxyProtocolExceptions 10.0.0.0/8 192.0.2.1\n</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK(O.ndiag == 0);
	s = server();
	CHECK(s->vhosts[0]->listen[0].proxy_protocol && s->vhosts[1]->listen[0].proxy_protocol);
	CHECK(s->npp_exempt == 2 && s->pp_exempt[0].lo == 0x0a000000u &&
	      s->pp_exempt[1].hi == 0xc0000201u);
	wipe();
}

/* ---- settings ---- */

static void
test_settings(void)
{
	char text[4096];
	const struct web_location *l;

	snprintf(text, sizeof(text),
		 "%sLoadModule proxy_module m.so\nLoadModule proxy_http_module m.so\n"
		 "LoadModule proxy_fcgi_module m.so\nLoadModule reqtimeout_module m.so\n"
		 "LoadModule remoteip_module m.so\n"
		 "Listen 80\nTimeout 300\nKeepAlive Off\nMaxKeepAliveRequests 0\n"        /* 13 */
		 "RequestReadTimeout header=20-40,MinRate=500 body=10\n"                  /* 16 */
		 "RemoteIPHeader CF-Connecting-IP\n"                                      /* 17 */
		 "<VirtualHost *:80>\nServerName a.example.com\n"                         /* 18 */
		 "ProxyPass /app/ http://127.0.0.1:8080/ timeout=90\n"                    /* 20 */
		 "ProxyPass / http://127.0.0.1:8000/\n"                                   /* 21 */
		 "KeepAlive On\nKeepAliveTimeout 15\nMaxKeepAliveRequests 20\n"
		 "</VirtualHost>\n"
		 "<VirtualHost *:80>\nServerName b.example.com\nProxyTimeout 45\n"       /* 26 */
		 "RemoteIPTrustedProxy 10.0.0.0/8\n"
		 "<FilesMatch \\.php$>\nSetHandler \"proxy:unix:/run/php.sock|fcgi://localhost\"\n"
		 "</FilesMatch>\n</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK(O.ndiag == 0);
	l = scope(0, NULL);
	CHECK(l && l->backend == WB_HTTP && l->s->backend_read[WB_HTTP].v == 300000);
	CHECK(l->s->backend_read[WB_HTTP].loc.line == 14);
	CHECK(l->s->keepalive_timeout.v == 15000 && l->s->keepalive_requests.v == 20);
	CHECK(l->s->client_body_timeout.v == 10000 && l->s->client_body_timeout.loc.line == 17);
	CHECK(l->s->client_header_timeout.v == 20000);
	/* RemoteIPHeader without a proxy list trusts everybody */
	CHECK(l->s->trust && l->s->trust->n == 2 && ivset_is_full(&l->s->trust->set[FAM_V4]));
	l = scope(0, "ProxyPass /app/ http://127.0.0.1:8080/ timeout=90");
	CHECK(l && l->backend == WB_HTTP && l->s->backend_read[WB_HTTP].v == 90000);
	CHECK_STR(l->s->backend_read[WB_HTTP].name, "the ProxyPass timeout");
	l = scope(1, NULL);
	CHECK(l && l->backend == WB_NONE);
	CHECK(l->s->keepalive_timeout.v == 0 && l->s->keepalive_timeout.loc.line == 15);
	CHECK_STR(l->s->keepalive_timeout.text, "Off");
	CHECK(l->s->keepalive_requests.v > 1000000);
	CHECK(l->s->trust && l->s->trust->n == 1);
	l = scope(1, "<FilesMatch \\.php$>");
	CHECK(l && l->backend == WB_FASTCGI && l->s->backend_read[WB_FASTCGI].v == 45000);
	/* a location has no keep-alive of its own in httpd */
	CHECK(!l->s->keepalive_timeout.set);
	wipe();
}

/* The settings a host's scopes share: one block for its directories, one
 * for the virtual host (keep-alive is set there only), one for the scopes
 * under a ProxyPass with a timeout of its own. */
static void
test_settings_shared(void)
{
	char text[4096];
	const struct web_vhost *v;
	const struct web_settings *dirs = NULL;
	const struct web_settings *proxied = NULL;
	size_t i;

	snprintf(text, sizeof(text),
		 "%sLoadModule proxy_module m.so\nLoadModule proxy_http_module m.so\n"
		 "Listen 80\n<VirtualHost *:80>\nServerName s.example.com\n"
		 "DocumentRoot /srv/s\n<Directory /srv/s/a>\nRequire all granted\n</Directory>\n"
		 "<Location /b>\nRequire all denied\n</Location>\n"
		 "ProxyPass /api/ http://127.0.0.1:8080/ timeout=90\n"
		 "<Location /api/x>\nRequire ip 192.0.2.0/24\n</Location>\n</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK(O.ndiag == 0);
	v = server()->vhosts[0];
	for (i = 1; i < v->nloc; i++) {
		const struct web_settings **same =
			v->locs[i]->backend == WB_NONE ? &dirs : &proxied;

		if (*same == NULL)
			*same = v->locs[i]->s;
		CHECK(v->locs[i]->s == *same);
	}
	CHECK(dirs && proxied && dirs != proxied);
	CHECK(dirs != v->locs[0]->s && proxied != v->locs[0]->s);
	CHECK(v->locs[0]->s->keepalive_timeout.set && !dirs->keepalive_timeout.set);
	CHECK(proxied->backend_read[WB_HTTP].v == 90000);
	CHECK(dirs->backend_read[WB_HTTP].v == v->locs[0]->s->backend_read[WB_HTTP].v);
	wipe();
}

/* ---- access rules ---- */

static void
test_access_config(void)
{
	char text[4096];
	const struct web_location *l;

	put("/var/www/html/index.html", "x");
	snprintf(text, sizeof(text),
		 "%sListen 80\n"
		 "<Directory />\nRequire all denied\n</Directory>\n"                     /* 9 */
		 "<Directory /var/www/>\nRequire all granted\n</Directory>\n"            /* 12 */
		 "<Directory /var/www/html/admin>\nRequire ip 203.0.113.0/24 10.1\n"     /* 15 */
		 "</Directory>\n"
		 "<Location /status>\nRequire local\n</Location>\n"                     /* 18 */
		 "<Location /old>\nOrder Allow,Deny\nAllow from 203.0.113.0/24\n"       /* 21 */
		 "</Location>\n"
		 "<Location /mixed>\n<RequireAll>\nRequire all granted\n"               /* 25 */
		 "Require not ip 104.16.0.0/13\n</RequireAll>\n</Location>\n"
		 "<Location /env>\nSetEnvIf Remote_Addr ^203\\.0\\.113\\. office\n"      /* 31 */
		 "Require env office\n</Location>\n"
		 "<Location /any>\nSatisfy Any\nOrder Deny,Allow\nDeny from all\n"        /* 35 */
		 "Require all granted\n</Location>\n",
		 mods);
	parse(text);
	CHECK(O.ndiag == 0);
	l = scope(0, NULL);
	CHECK(refuses(l, "104.16.0.1") == 0);
	l = scope(0, "<Directory /var/www/html/admin>");
	CHECK(refuses(l, "104.16.0.1") == 1 && refuses(l, "203.0.113.5") == 0);
	CHECK(refuses(l, "10.1.2.3") == 0 && refuses(l, "2400:cb00::1") == 1);
	CHECK_STR(refused_by(l, "104.16.0.1"), "Require ip 203.0.113.0/24 10.1");
	l = scope(0, "<Location /status>");
	CHECK(refuses(l, "104.16.0.1") == 1 && refuses(l, "127.0.0.1") == 0);
	l = scope(0, "<Location /old>");
	CHECK(refuses(l, "104.16.0.1") == 1 && refuses(l, "203.0.113.1") == 0);
	CHECK_STR(refused_by(l, "104.16.0.1"), "Order Allow,Deny");
	l = scope(0, "<Location /mixed>");
	CHECK(refuses(l, "104.16.0.1") == 1 && refuses(l, "104.24.0.1") == 0);
	CHECK_STR(refused_by(l, "104.16.0.1"), "Require not ip 104.16.0.0/13");
	l = scope(0, "<Location /env>");
	CHECK(refuses(l, "104.16.0.1") == 1 && refuses(l, "203.0.113.1") == 0);
	/* IPv6 text is not enumerated: undecided, not refused */
	CHECK(refuses(l, "2400:cb00::1") == 0);
	l = scope(0, "<Location /any>");
	CHECK(refuses(l, "104.16.0.1") == 0);
	wipe();
}

static void
test_htaccess(void)
{
	char text[4096];
	const struct web_location *l;
	struct input *in;

	put("/var/www/html/.htaccess",
	    "<RequireAll>\nRequire all granted\nRequire not ip 1.2.3.4\n</RequireAll>\n");
	put("/var/www/html/a/.htaccess",
	    "RewriteEngine On\nRewriteCond %{REMOTE_ADDR} !^203\\.0\\.113\\.\nRewriteRule ^ - [F]\n");
	put("/var/www/html/b/.htaccess",
	    "SetEnvIf Remote_Addr \"^203\\.0\\.113\\.\" office\nOrder Deny,Allow\nDeny from env=!office\n");
	put("/var/www/html/c/.htaccess", "Order Deny,Allow\nDeny from all\n");
	put("/var/www/html/d/.htaccess", "<Limit POST>\nRequire all denied\n</Limit>\n"
					 "<LimitExcept GET>\nRequire ip 203.0.113.0/24\n</LimitExcept>\n");
	put("/srv/other/.htaccess", "Require all denied\n");
	snprintf(text, sizeof(text),
		 "%sListen 80\nDocumentRoot /var/www/html\n"
		 "<Directory /var/www/html>\nAllowOverride AuthConfig FileInfo\n</Directory>\n" /* 10 */
		 "<Directory /var/www/html/b>\nAllowOverride All\n</Directory>\n"
		 "<Directory /var/www/html/d>\nAllowOverride All\n</Directory>\n"
		 "<VirtualHost *:80>\nServerName a.example.com\n</VirtualHost>\n"
		 "<VirtualHost *:80>\nServerName b.example.com\nDocumentRoot /srv/other\n"
		 "</VirtualHost>\n",
		 mods);
	parse(text);
	CHECK(O.ndiag == 0);
	l = scope(0, NULL);
	CHECK(refuses(l, "1.2.3.4") == 1 && refuses(l, "1.2.3.5") == 0);
	l = scope(0, "directory /var/www/html/a/");
	CHECK(refuses(l, "104.16.0.1") == 1 && refuses(l, "203.0.113.9") == 0);
	CHECK(l->acl->v[l->acl->n - 1].loc.line == 3);
	/* a directory with a <Directory> of its own is that section's scope */
	l = scope(0, "<Directory /var/www/html/b>");
	CHECK(refuses(l, "104.16.0.1") == 1 && refuses(l, "203.0.113.9") == 0);
	CHECK_STR(refused_by(l, "104.16.0.1"), "Deny from env=!office");
	/* AllowOverride AuthConfig FileInfo: "Order" needs Limit: httpd answers 500 */
	in = input_named("/var/www/html/c/.htaccess");
	CHECK(in && in->detail && strstr(in->detail, "httpd answers 500") != NULL);
	l = scope(0, "directory /var/www/html/c/");
	CHECK(refuses(l, "104.16.0.1") == 0);
	/* GET requests: the <LimitExcept GET> rules are another scope */
	l = scope(0, "<Directory /var/www/html/d>");
	CHECK(refuses(l, "104.16.0.1") == 0);
	l = scope(0, "<LimitExcept GET>");
	CHECK(l && l->kind == WS_LIMIT_EXCEPT && refuses(l, "104.16.0.1") == 1);
	/* AllowOverride None (the default) for /srv/other: not read */
	in = input_named("/srv/other/.htaccess");
	CHECK(in && in->detail && strcmp(in->detail, "not read by httpd: AllowOverride None "
						     "(httpd's default)") == 0);
	wipe();
	put("/var/www/html/.htaccess", "Require not ip 1.2.3.4\n");
	snprintf(text, sizeof(text),
		 "%sListen 80\n<Directory /var/www/html>\nAllowOverride All\n</Directory>\n", mods);
	parse(text);
	CHECK_STR(only_error("/var/www/html/.htaccess", 1),
		  "negative Require directive has no effect in <RequireAny> directive");
	wipe();
}

int
main(void)
{
	char tmpl[] = "/tmp/cfa-apache.XXXXXX";
	char cmd[300];

	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(root, sizeof(root), "%s", tmpl);
	if (!root_open(root))
		return 1;
	RUN(test_tables_sorted);
	RUN(test_subnets);
	RUN(test_patterns);
	RUN(test_lines);
	RUN(test_defines);
	RUN(test_conditions);
	RUN(test_reader_errors);
	RUN(test_includes);
	RUN(test_must_fail);
	RUN(test_vhosts);
	RUN(test_listen);
	RUN(test_proxy_protocol);
	RUN(test_settings);
	RUN(test_settings_shared);
	RUN(test_access_config);
	RUN(test_htaccess);
	origin_free(&O);
	free(tree_text);
	root_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
