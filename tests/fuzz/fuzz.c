/* One libFuzzer target per parser, chosen at build time with -DFUZZ_<NAME>
 * (make fuzz builds each). Built without -fsanitize=fuzzer and with
 * -DFUZZ_REPLAY it is a plain program that replays files or directories of
 * inputs (the corpus and every crasher kept under tests/fuzz/corpus/<name>),
 * so CI replays them without clang's fuzzer runtime (sqlite's ossshell).
 *
 * The parsers that follow includes, read several files or only read files
 * (nft, nginx, Apache, .htaccess, firewalld, certificates) are given a
 * scratch root of their own: the input is written there as the file they
 * read, so includes of it (loops) and relative names resolve inside it and
 * never in the real filesystem. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firewalld.h"
#include "fw_eval.h"
#include "model.h"
#include "parse.h"
#include "ranges.h"
#include "root.h"
#include "tls.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parsers take NUL-terminated text of len bytes, as root_read gives it. */
static char *
terminated(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* ---- the scratch root ---- */

static char scratch[64];
static char *made[64]; /* what was written there, removed at exit */
static size_t nmade;

static void
scratch_remove(void)
{
	size_t i;

	/* files first, then their directories, deepest first */
	for (i = nmade; i-- > 0;) {
		if (unlink(made[i]) < 0)
			rmdir(made[i]);
		free(made[i]);
	}
	rmdir(scratch);
}

static void
remember(char *path)
{
	size_t i;

	for (i = 0; i < nmade; i++)
		if (strcmp(made[i], path) == 0) {
			free(path);
			return;
		}
	if (nmade == sizeof(made) / sizeof(made[0]))
		abort();
	made[nmade++] = path;
}

/* Write the file at path (as the parsers see it) under the scratch root,
 * making its directories. */
static void
put(const char *path, const void *data, size_t len)
{
	char *full = xasprintf("%s%s", scratch, path);
	char *p;
	FILE *f;

	for (p = full + strlen(scratch) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(full, 0700) < 0 && errno != EEXIST)
			abort();
		remember(xstrdup(full));
		*p = '/';
	}
	if ((f = fopen(full, "w")) == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
	remember(full);
}

static void __attribute__((unused))
put_text(const char *path, const char *text)
{
	put(path, text, strlen(text));
}

/* The scratch root, made and opened on the first input. */
static void
scratch_root(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	if (scratch[0])
		return;
	snprintf(scratch, sizeof(scratch), "%s/cfaudit-fuzz.XXXXXX", base);
	if (mkdtemp(scratch) == NULL || !root_open(scratch))
		abort();
	atexit(scratch_remove);
}

#if defined(FUZZ_HTACCESS)
/* The server the .htaccess files are read for: AllowOverride lets httpd
 * read everything in html/, only AuthConfig and Limit in html/sub/. */
static const char htaccess_server[] =
	"ServerRoot /etc/apache2\n"
	"Listen 80\n"
	"<Directory /var/www/html>\n  AllowOverride All\n</Directory>\n"
	"<Directory /var/www/html/sub>\n  AllowOverride AuthConfig Limit\n</Directory>\n"
	"<VirtualHost *:80>\n  ServerName www.example.com\n  DocumentRoot /var/www/html\n"
	"</VirtualHost>\n";
#endif

#if defined(FUZZ_FIREWALLD)
/* Where the input goes: the kind of file it looks like (seeds are real
 * zones, services, ipsets, policies), firewalld.conf otherwise. The zone
 * the others are used from is there unless the input replaces it. */
static const char *
fwd_file(const char *text)
{
	if (strstr(text, "<service"))
		return "/etc/firewalld/services/web.xml";
	if (strstr(text, "<ipset"))
		return "/etc/firewalld/ipsets/cf.xml";
	if (strstr(text, "<policy"))
		return "/etc/firewalld/policies/p.xml";
	if (strstr(text, "<zone") || strstr(text, "<?xml"))
		return "/etc/firewalld/zones/public.xml";
	return "/etc/firewalld/firewalld.conf";
}

static const char fwd_zone[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n  <service name=\"web\"/>\n"
	"  <source ipset=\"cf\"/>\n</zone>\n";

/* The stock zones firewalld cannot start without, as installed. */
static void
fwd_stock(void)
{
	static const char *const zones[][2] = {
		{"/usr/lib/firewalld/zones/block.xml", "%%REJECT%%"},
		{"/usr/lib/firewalld/zones/drop.xml", "DROP"},
		{"/usr/lib/firewalld/zones/trusted.xml", "ACCEPT"},
	};
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		char *z = xasprintf("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
				    "<zone target=\"%s\">\n  <short>x</short>\n</zone>\n",
				    zones[i][1]);

		put_text(zones[i][0], z);
		free(z);
	}
	put_text("/usr/lib/firewalld/zones/public.xml",
		 "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n"
		 "  <service name=\"ssh\"/>\n</zone>\n");
	put_text("/usr/lib/firewalld/services/ssh.xml",
		 "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service>\n"
		 "  <port protocol=\"tcp\" port=\"22\"/>\n</service>\n");
}
#endif

#if defined(FUZZ_NFT) || defined(FUZZ_FIREWALLD)
/* The firewall evaluator over what the parser built: a model the parser
 * left inconsistent shows here. */
static void
evaluate(const struct origin *o)
{
	struct cf_ranges r;
	struct eval_opts eo;
	struct reach_table t;
	static const uint16_t ports[] = {80, 443};

	memset(&eo, 0, sizeof(eo));
	memset(&t, 0, sizeof(t));
	eo.nport = 2;
	eo.ports = ports;
	ranges_builtin(&r);
	fw_evaluate(o, &r, &eo, &t);
	reach_free(&t);
	ranges_free(&r);
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct origin o;
	struct input *in;
	char *text = terminated(data, size);

	memset(&o, 0, sizeof(o));
	scratch_root();
#if defined(FUZZ_IPTABLES)
	in = origin_add_input(&o, IN_IPTABLES, "/fuzz");
	parse_iptables(&o, in, text, size, size > 0 && (data[0] & 1) ? FAM_V6 : FAM_V4);
#elif defined(FUZZ_IPTABLES_XML)
	in = origin_add_input(&o, IN_IPTABLES, "/fuzz");
	parse_iptables_xml(&o, in, text, size, FAM_V4);
#elif defined(FUZZ_IPSET)
	in = origin_add_input(&o, IN_IPSET, "/fuzz");
	parse_ipset(&o, in, text, size);
#elif defined(FUZZ_RANGES)
	{
		struct cf_ranges r;

		ranges_builtin(&r);
		ranges_clear(&r);
		in = origin_add_input(&o, IN_RANGES, "/fuzz");
		parse_ranges(&r, in, text, size);
		ranges_free(&r);
	}
#elif defined(FUZZ_NFT)
	/* also an included file: "include \"/etc/nftables.d/x\"" reads itself */
	put("/etc/nftables.d/x", data, size);
	in = origin_add_input(&o, IN_NFTABLES, "/etc/nftables.conf");
	parse_nft(&o, in, text, size, NULL);
#elif defined(FUZZ_FIREWALLD)
	{
		struct firewalld_dirs d = {"/etc/firewalld", false, "/usr/lib/firewalld"};
		fwd_stock();
		put_text("/etc/firewalld/firewalld.conf", "DefaultZone=public\n");
		put_text("/etc/firewalld/zones/public.xml", fwd_zone);
		put(fwd_file(text), data, size);
		firewalld_load(&o, &d);
	}
#elif defined(FUZZ_NGINX)
	/* also an included file, from the main file's directory */
	put("/etc/nginx/inc.conf", data, size);
	in = origin_add_input(&o, IN_NGINX, "/etc/nginx/nginx.conf");
	parse_nginx(&o, in, text, size, false);
#elif defined(FUZZ_APACHE)
	put("/etc/apache2/inc.conf", data, size);
	in = origin_add_input(&o, IN_APACHE, "/etc/apache2/apache2.conf");
	parse_apache(&o, in, text, size, false);
#elif defined(FUZZ_HTACCESS)
	put("/var/www/html/.htaccess", data, size);
	put("/var/www/html/sub/.htaccess", data, size);
	in = origin_add_input(&o, IN_APACHE, "/etc/apache2/apache2.conf");
	parse_apache(&o, in, htaccess_server, strlen(htaccess_server), false);
#elif defined(FUZZ_ZONE)
	/* a zone export (ldns) or an expectations file, told apart by the
	 * first line */
	in = origin_add_input(&o, IN_DNS, "/fuzz.zone");
	parse_dns(&o, in, text, size);
#elif defined(FUZZ_TLS)
	{
		/* the same bytes as a certificate file with its chain, a key,
		 * and a trust bundle (--ca) */
		struct tls_trust *t = tls_trust_new();
		struct tls_files *f;
		char *err = NULL;
		size_t skipped = 0;

		put("/etc/ssl/c.pem", data, size);
		tls_trust_add(t, text, size, &skipped, &err);
		free(err);
		tls_trust_add_crl(t, text, size, &err);
		free(err);
		f = tls_files_new(t, (time_t)1767225600); /* 2026-01-01 */
		tls_files_chain(f, "/etc/ssl/c.pem", NULL);
		tls_files_chain(f, "/etc/ssl/c.pem", "/etc/ssl/c.pem");
		tls_files_key(f, "/etc/ssl/c.pem");
		tls_files_load(f, 1);
		if (tls_files_nchain(f) > 0 && tls_files_nkey(f) > 0)
			free(tls_pair_error(tls_files_chain_at(f, 0), tls_files_key_at(f, 0)));
		tls_files_free(f);
		tls_trust_free(t);
		in = origin_add_input(&o, IN_TLS, "/etc/ssl/c.pem");
	}
#else
#error "define one FUZZ_<PARSER>"
#endif
	(void)in;
	origin_finish(&o);
#if defined(FUZZ_NFT) || defined(FUZZ_FIREWALLD)
	evaluate(&o);
#endif
	origin_free(&o);
	free(text);
	return 0;
}

#ifdef FUZZ_REPLAY
static int
replay_file(const char *path)
{
	char *data = NULL;
	char *err = NULL;
	size_t len = 0;

	if (host_read(path, &data, &len, &err) != READ_OK) {
		fprintf(stderr, "%s: %s\n", path, err ? err : "cannot read");
		free(err);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}

static int
replay(const char *path, size_t *count)
{
	struct stat st;
	struct dirent **names;
	int n;
	int i;
	int bad = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	n = scandir(path, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *sub = xasprintf("%s/%s", path, names[i]->d_name);

			bad |= replay(sub, count);
			free(sub);
		}
		free(names[i]);
	}
	free(n >= 0 ? names : NULL);
	return bad;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	int bad = 0;
	int i;

	for (i = 1; i < argc; i++)
		bad |= replay(argv[i], &count);
	printf("replayed %zu inputs\n", count);
	return bad;
}
#endif
