/* Benchmark input generator for cfaudit (make bench builds it, tests/bench/bench.sh runs it):
 * one big shared-hosting server under OUTDIR.
 *
 *   gen RANGES_V4 RANGES_V6 SCALE_NUM SCALE_DEN OUTDIR
 *   gen RANGES_V4 RANGES_V6 tls NCHAINS OUTDIR   (the TLS server alone: see gen_tls_only)
 *
 * writes, at scale NUM/DEN:
 *   etc/iptables/rules.v4   100,000 rules, iptables-save format
 *   etc/iptables/ipsets     1,000,000 "add blocklist" lines, ipset save format
 *   etc/nftables.conf       100,000 rules and a 1,000,000-element interval set
 *   etc/nginx/              20,000 server blocks in 2,000 files (sites/sNNNN.conf), TLS with
 *                           200 distinct ECDSA P-256 chains (certs/cN.pem, certs/cN.key)
 *   etc/apache2/            10,000 virtual hosts, one file each, a .htaccess in each
 *                           DocumentRoot (srv/www/aN)
 *   etc/cfaudit/zone.txt    a Cloudflare zone export: 20,000 proxied names (nginx's)
 *   test-ca.pem             the root the chains lead to (give it with --ca)
 *   expected.txt            what the audit should find
 * Deterministic: fixed seeds (one per part), no clock, no environment; the same bytes every
 * run, except the ECDSA signatures (OpenSSL 3.0 signs with a random nonce; the keys are
 * derived from the seed). The keys are TEST KEYS protecting nothing.
 *
 * The rule set is what a busy web server with fail2ban and CSF looks like: ~50 user chains
 * (49 fail2ban jails + CSF's DENYIN) holding /32 and /24 bans, reached from INPUT; then
 * loopback, conntrack, an ipset blocklist, the Cloudflare allowlist on tcp 80,443, ssh,
 * and policy DROP. A handful of bans fall inside Cloudflare's ranges, so the audit has
 * findings (each one listed in OUTDIR/expected.txt); everything else is outside them.
 */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BASE_RULES 100000UL
#define BASE_SET 1000000UL
#define NJAILS 49

#define SEED 0x5eed0f0cfa0d17ULL
static uint64_t rng_state = SEED;

/* Each part of the server draws from its own stream: changing one part leaves the
 * others' bytes as they were. */
static void reseed(uint64_t part) { rng_state = SEED ^ (part * 0x9e3779b97f4a7c15ULL); }

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n) { return (uint32_t)(rnd() % n); }

struct net4 {
	uint32_t addr, mask;
};

static struct net4 cf[64];
static int ncf;
/* Cloudflare's IPv6 ranges, as text (the allowlists and real-IP lists name them) */
static char cf6[64][48];
static int ncf6;

/* Not public unicast (RFC 6890 and friends), never generated. */
static const char *const reserved[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
	"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
};
static struct net4 rsv[sizeof reserved / sizeof reserved[0]];

static int parse_cidr(const char *s, struct net4 *n)
{
	unsigned a, b, c, d, len;
	char tail;
	if (sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &len, &tail) != 5 || a > 255 ||
	    b > 255 || c > 255 || d > 255 || len > 32)
		return -1;
	n->mask = len ? 0xffffffffU << (32 - len) : 0;
	n->addr = ((a << 24) | (b << 16) | (c << 8) | d) & n->mask;
	return 0;
}

static int in_list(uint32_t a, const struct net4 *l, int n)
{
	for (int i = 0; i < n; i++)
		if ((a & l[i].mask) == l[i].addr)
			return 1;
	return 0;
}

/* A /bits network (host bits zero) entirely outside Cloudflare and the reserved blocks:
 * for /24 and longer, testing its first address is enough (no listed block is longer
 * than /24). */
static uint32_t public_addr(void)
{
	for (;;) {
		uint32_t a = (uint32_t)rnd();
		if (!in_list(a, cf, ncf) && !in_list(a, rsv, (int)(sizeof rsv / sizeof rsv[0])))
			return a;
	}
}

/* Open-addressing set of uint32 keys (0 = empty; keys are never 0). */
struct hset {
	uint32_t *slot;
	size_t mask;
};

static void hset_init(struct hset *h, size_t want)
{
	size_t n = 1024;
	while (n < want * 2)
		n <<= 1;
	h->slot = calloc(n, sizeof *h->slot);
	if (!h->slot) {
		perror("gen: calloc");
		exit(1);
	}
	h->mask = n - 1;
}

static int hset_add(struct hset *h, uint32_t k) /* 1 when new */
{
	size_t i = (size_t)((k * 0x9e3779b1U) ^ (k >> 16)) & h->mask;
	while (h->slot[i]) {
		if (h->slot[i] == k)
			return 0;
		i = (i + 1) & h->mask;
	}
	h->slot[i] = k;
	return 1;
}

static char *fmt_ip(char *p, uint32_t a)
{
	/* callers leave room for 16 bytes */
	return p + snprintf(p, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void mkdirs(const char *dir)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0755) && errno != EEXIST) {
				perror(buf);
				exit(1);
			}
			*p = '/';
		}
	if (mkdir(buf, 0755) && errno != EEXIST) {
		perror(buf);
		exit(1);
	}
}

/* NAME under DIR, its directories made as needed. */
static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f && errno == ENOENT) {
		char *slash = strrchr(path, '/');
		*slash = 0;
		mkdirs(path);
		*slash = '/';
		f = fopen(path, "w");
	}
	if (!f) {
		perror(path);
		exit(1);
	}
	return f;
}

static void close_out(FILE *f, const char *what)
{
	if (ferror(f) || fclose(f)) {
		fprintf(stderr, "gen: writing %s failed\n", what);
		exit(1);
	}
}

/* fail2ban jails; the ports their INPUT jump covers, and their ban target. */
static const struct {
	const char *name, *ports; /* ports NULL: all tcp */
	int drop;
} jailkinds[] = {
	{"sshd", "22", 0},
	{"nginx-http-auth", "80,443", 0},
	{"nginx-botsearch", "80,443", 0},
	{"nginx-limit-req", "80,443", 1},
	{"nginx-bad-request", "80,443", 0},
	{"wordpress", "80,443", 1},
	{"postfix", "25,465,587", 0},
	{"dovecot", "110,143,993,995", 0},
	{"recidive", NULL, 1},
};
#define NKINDS (int)(sizeof jailkinds / sizeof jailkinds[0])

/* Bans inside Cloudflare's ranges, placed in fixed chains: what the audit must find.
 * chain -1 is DENYIN. The sshd one reaches only tcp/22: no finding expected there. */
static const struct {
	int chain;
	const char *cidr;
	const char *expect;
} cf_bans[] = {
	{1, "162.158.10.20/32", "CF521 162.158.0.0/15 tcp/80,443 (f2b nginx-http-auth REJECT)"},
	{3, "104.16.33.7/32", "CF522 104.16.0.0/13 tcp/80,443 (f2b nginx-limit-req DROP)"},
	{8, "108.162.200.1/32", "CF522 108.162.192.0/18 tcp/80,443 (f2b recidive DROP, all tcp)"},
	{-1, "172.64.5.0/24", "CF522 172.64.0.0/13 tcp/80,443 (CSF DENYIN DROP)"},
	{-1, "141.101.70.9/32", "CF522 141.101.64.0/18 tcp/80,443 (CSF DENYIN DROP)"},
	{0, "173.245.49.1/32", "none: 173.245.48.0/20 banned in f2b sshd, reached for tcp/22 only"},
};
#define NCFBANS (int)(sizeof cf_bans / sizeof cf_bans[0])

/* ---------------------------------------------------------------- nftables */

/* The same server's firewall written for nft: the jails as regular chains of an inet
 * table with the same number of bans (other addresses), and the blocklist as an interval
 * set (mostly hosts, one element in eight a short range inside one /24) of nset elements. */
static void gen_nft(const char *out, unsigned long nset, const unsigned long *count,
		    const unsigned long *cfpos, char jname[][64], const int *jkind,
		    struct hset *hosts, struct hset *nets, FILE *e)
{
	char lb[256];
	unsigned long nrules_nft;

	reseed(2);
	FILE *f = open_out(out, "etc/nftables.conf");
	fputs("#!/usr/sbin/nft -f\n# generated by cfaudit's tests/bench/gen.c\n\nflush ruleset\n\n"
	      "table inet filter {\n"
	      "\tset blocklist {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
	      "\t\telements = {", f);
	for (unsigned long i = 0; i < nset; i++) {
		uint32_t a;
		do
			a = public_addr();
		while (!hset_add(hosts, a));
		char *p = lb;
		if (i)
			*p++ = ',';
		if (i % 8 == 0) {
			memcpy(p, "\n\t\t\t", 4);
			p += 4;
		} else {
			*p++ = ' ';
		}
		p = fmt_ip(p, a);
		if (i % 8 == 7) {
			/* a range inside a's /24: outside Cloudflare and the reserved blocks */
			uint32_t b = a + 1 + rnd_below(15);
			if ((b & 0xffffff00U) != (a & 0xffffff00U))
				b = a | 0xff;
			if (b != a) {
				*p++ = '-';
				p = fmt_ip(p, b);
			}
		}
		fwrite(lb, 1, (size_t)(p - lb), f);
	}
	fputs(" }\n\t}\n\n", f);

	fputs("\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n", f);
	for (int j = NJAILS - 1; j >= 0; j--) {
		const char *ports = jailkinds[jkind[j]].ports;
		if (ports)
			fprintf(f, "\t\ttcp dport { %s } jump %s\n", ports, jname[j]);
		else
			fprintf(f, "\t\tmeta l4proto tcp jump %s\n", jname[j]);
	}
	fputs("\t\tiif \"lo\" accept\n\t\tct state established,related accept\n"
	      "\t\tip saddr @blocklist drop\n\t\tjump denyin\n", f);
	for (int i = 0; i < ncf; i++) {
		char ip[20];
		fmt_ip(ip, cf[i].addr);
		int len = 0;
		for (uint32_t m = cf[i].mask; m; m <<= 1)
			len++;
		fprintf(f, "\t\tip saddr %s/%d tcp dport { 80, 443, 8080 } accept\n", ip, len);
	}
	for (int i = 0; i < ncf6; i++)
		fprintf(f, "\t\tip6 saddr %s tcp dport { 80, 443, 8080 } accept\n", cf6[i]);
	fputs("\t\tmeta l4proto ipv6-icmp accept\n", f);
	fputs("\t\ttcp dport 22 accept\n\t}\n", f);
	nrules_nft = NJAILS + 6 + (unsigned long)(ncf + ncf6);

	for (int c = 0; c <= NJAILS; c++) {
		int drop = c == NJAILS || jailkinds[jkind[c]].drop;
		const char *verdict = drop ? "drop" : "reject";
		fprintf(f, "\n\tchain %s {\n", c == NJAILS ? "denyin" : jname[c]);
		for (unsigned long i = 0; i <= count[c]; i++) {
			for (int k = 0; k < NCFBANS; k++) {
				int kc = cf_bans[k].chain < 0 ? NJAILS : cf_bans[k].chain;
				if (kc == c && cfpos[k] == i) {
					fprintf(f, "\t\tip saddr %s %s\n", cf_bans[k].cidr, verdict);
					nrules_nft++;
				}
			}
			if (i == count[c])
				break;
			uint32_t a;
			if (c == NJAILS && rnd_below(10) == 0) {
				do
					a = public_addr() & 0xffffff00U;
				while (!hset_add(nets, a >> 8));
				fmt_ip(lb, a);
				fprintf(f, "\t\tip saddr %s/24 %s\n", lb, verdict);
				nrules_nft++;
			} else {
				do
					a = public_addr();
				while (!hset_add(hosts, a));
				fmt_ip(lb, a);
				fprintf(f, "\t\tip saddr %s %s\n", lb, verdict);
				nrules_nft++;
			}
		}
		fputs("\t}\n", f);
	}
	fputs("}\n", f);
	close_out(f, "nftables.conf");
	fprintf(e, "# etc/nftables.conf: %lu rules, a %lu-element interval set; the same bans "
		   "inside Cloudflare's ranges in the chains of the same names (table inet "
		   "filter), after iptables' (which drops them first)\n", nrules_nft, nset);
}

/* ---------------------------------------------------------------- certificates */

#define NOT_BEFORE 1767225600L /* 2026-01-01 */
#define NOT_AFTER 1811808000L  /* 2027-06-01 */

static void die(const char *what)
{
	fprintf(stderr, "gen: %s\n", what);
	exit(1);
}

/* A P-256 key whose scalar comes from the seed: the same key every run. */
static EVP_PKEY *seeded_key(void)
{
	unsigned char priv[32], pub[65];
	EVP_PKEY *pk = NULL;

	for (int i = 0; i < 32; i += 8) {
		uint64_t r = rnd();
		memcpy(priv + i, &r, 8);
	}
	priv[0] &= 0x7f; /* below the group order */
	priv[31] |= 1;   /* not zero */
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *k = BN_bin2bn(priv, sizeof priv, NULL);
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	if (!p || !k || !EC_POINT_mul(g, p, k, NULL, NULL, NULL) ||
	    EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, NULL) !=
		    sizeof pub)
		die("EC key");
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!b || !ctx ||
	    !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, k) ||
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) ||
	    !(params = OSSL_PARAM_BLD_to_param(b)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params) <= 0)
		die("EC key from data");
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	EC_POINT_free(p);
	BN_free(k);
	EC_GROUP_free(g);
	return pk;
}

static void ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		die("extension");
	X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
}

/* san NULL: a CA certificate. */
static X509 *cert(const char *cn, const char *san, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
		  long serial)
{
	X509 *x = X509_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	ASN1_TIME_set(X509_getm_notBefore(x), NOT_BEFORE);
	ASN1_TIME_set(X509_getm_notAfter(x), NOT_AFTER + (san ? 0 : 3L * 365 * 86400));
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	ext(x, issuer ? issuer : x, NID_basic_constraints, san ? "CA:FALSE" : "critical,CA:TRUE");
	if (san) {
		ext(x, issuer, NID_subject_alt_name, san);
		ext(x, issuer, NID_ext_key_usage, "serverAuth");
	} else {
		ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign");
	}
	if (!X509_sign(x, ikey ? ikey : key, EVP_sha256()))
		die("sign");
	return x;
}

/* ncert chains under etc/nginx/certs: cN.pem (leaf for cN.example.com and
 * *.cN.example.com, then the shared intermediate), cN.key; the root in test-ca.pem. */
static void gen_certs(const char *out, unsigned long ncert)
{
	char name[256];

	reseed(3);
	EVP_PKEY *rk = seeded_key(), *ik = seeded_key();
	X509 *root = cert("cfaudit bench root", NULL, rk, NULL, NULL, 1);
	X509 *inter = cert("cfaudit bench intermediate", NULL, ik, root, rk, 2);
	FILE *f = open_out(out, "test-ca.pem");
	PEM_write_X509(f, root);
	close_out(f, "test-ca.pem");
	for (unsigned long j = 0; j < ncert; j++) {
		char cn[64], san[160];
		EVP_PKEY *k = seeded_key();

		snprintf(cn, sizeof cn, "c%lu.example.com", j);
		snprintf(san, sizeof san, "DNS:c%lu.example.com,DNS:*.c%lu.example.com", j, j);
		X509 *x = cert(cn, san, k, inter, ik, 100 + (long)j);
		snprintf(name, sizeof name, "etc/nginx/certs/c%lu.pem", j);
		f = open_out(out, name);
		PEM_write_X509(f, x);
		PEM_write_X509(f, inter);
		close_out(f, name);
		snprintf(name, sizeof name, "etc/nginx/certs/c%lu.key", j);
		f = open_out(out, name);
		fputs("# TEST KEY made by cfaudit's tests/bench/gen.c: not secret\n", f);
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		close_out(f, name);
		X509_free(x);
		EVP_PKEY_free(k);
	}
	f = open_out(out, "etc/nginx/certs/intermediate.pem");
	PEM_write_X509(f, inter);
	close_out(f, "intermediate.pem");
	X509_free(root);
	X509_free(inter);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
}

/* ---------------------------------------------------------------- web servers, zone */

#define NGINX_FILES 2000UL
#define NGINX_PER_FILE 10UL
#define NCERTS 200UL
#define APACHE_VHOSTS 10000UL
#define ORIGIN_ADDR "93.184.216.34" /* public, not Cloudflare's */

/* nginx: NGINX_FILES x scale files of NGINX_PER_FILE server blocks; block i serves
 * sI.cJ.example.com (J = I mod the number of chains) with chain J, on 80 and 443. */
static void gen_nginx(const char *out, unsigned long nfiles, unsigned long ncert)
{
	char name[256];
	unsigned long i = 0;

	reseed(4);
	FILE *f = open_out(out, "etc/nginx/nginx.conf");
	fputs("# generated by cfaudit's tests/bench/gen.c: a shared-hosting front end\n"
	      "user www-data;\nworker_processes auto;\n\nevents {\n\tworker_connections 1024;\n}\n\n"
	      "http {\n\tsendfile on;\n\tkeepalive_timeout 65;\n\tssl_protocols TLSv1.2 TLSv1.3;\n"
	      "\tssl_prefer_server_ciphers off;\n\tserver_names_hash_max_size 65536;\n"
	      "\tserver_names_hash_bucket_size 128;\n\treal_ip_header CF-Connecting-IP;\n", f);
	for (int k = 0; k < ncf; k++) {
		char ip[20];
		int len = 0;
		fmt_ip(ip, cf[k].addr);
		for (uint32_t m = cf[k].mask; m; m <<= 1)
			len++;
		fprintf(f, "\tset_real_ip_from %s/%d;\n", ip, len);
	}
	for (int k = 0; k < ncf6; k++)
		fprintf(f, "\tset_real_ip_from %s;\n", cf6[k]);
	fputs("\n\tinclude sites/*.conf;\n}\n", f);
	close_out(f, "nginx.conf");
	for (unsigned long n = 0; n < nfiles; n++) {
		snprintf(name, sizeof name, "etc/nginx/sites/s%04lu.conf", n);
		f = open_out(out, name);
		for (unsigned long b = 0; b < NGINX_PER_FILE; b++, i++) {
			unsigned long j = i % ncert;
			fprintf(f,
				"server {\n\tlisten 80;\n\tlisten 443 ssl%s;\n"
				"\tserver_name s%lu.c%lu.example.com;\n"
				"\tssl_certificate certs/c%lu.pem;\n\tssl_certificate_key certs/c%lu.key;\n"
				"\troot /srv/www/s%lu;\n\tclient_max_body_size %um;\n"
				"\tlocation / {\n\t\ttry_files $uri $uri/ /index.php?$args;\n\t}\n"
				"\tlocation ~ \\.php$ {\n\t\tfastcgi_pass 127.0.0.1:%u;\n"
				"\t\tfastcgi_read_timeout %us;\n\t}\n}\n",
				i % 3 ? " http2" : "", i, j, j, j, i, 8 + rnd_below(120),
				9000 + rnd_below(1000), 60 + 30 * rnd_below(2));
		}
		close_out(f, name);
	}
}

/* Apache on 8080 behind the same names' sister domain: one file per virtual host, a
 * DocumentRoot with an .htaccess httpd reads (AllowOverride All). */
static void gen_apache(const char *out, unsigned long nvhost)
{
	static const char *const mods[] = {"mpm_event", "authz_core",  "authz_host", "access_compat",
					   "rewrite",   "setenvif",    "remoteip",   "proxy",
					   "proxy_http"};
	char name[256];

	reseed(5);
	FILE *f = open_out(out, "etc/apache2/apache2.conf");
	fputs("# generated by cfaudit's tests/bench/gen.c (Debian layout)\n"
	      "ServerName localhost\nDefaultRuntimeDir ${APACHE_RUN_DIR}\nPidFile ${APACHE_PID_FILE}\nTimeout 300\n"
	      "KeepAlive On\nMaxKeepAliveRequests 100\nKeepAliveTimeout 5\n"
	      "User ${APACHE_RUN_USER}\nGroup ${APACHE_RUN_GROUP}\n"
	      "ErrorLog ${APACHE_LOG_DIR}/error.log\n"
	      "IncludeOptional mods-enabled/*.load\nIncludeOptional mods-enabled/*.conf\n"
	      "Include ports.conf\n"
	      "<Directory />\n\tOptions FollowSymLinks\n\tAllowOverride None\n\tRequire all denied\n"
	      "</Directory>\n<Directory /srv/www/>\n\tAllowOverride All\n\tRequire all granted\n"
	      "</Directory>\nAccessFileName .htaccess\n<FilesMatch \"^\\.ht\">\n"
	      "\tRequire all denied\n</FilesMatch>\nIncludeOptional sites-enabled/*.conf\n", f);
	close_out(f, "apache2.conf");
	f = open_out(out, "etc/apache2/envvars");
	fputs("unset HOME\nexport APACHE_RUN_USER=www-data\nexport APACHE_RUN_GROUP=www-data\n"
	      "export APACHE_PID_FILE=/var/run/apache2/apache2.pid\n"
	      "export APACHE_RUN_DIR=/var/run/apache2\nexport APACHE_LOCK_DIR=/var/lock/apache2\n"
	      "export APACHE_LOG_DIR=/var/log/apache2\nexport LANG=C\n", f);
	close_out(f, "envvars");
	f = open_out(out, "etc/apache2/ports.conf");
	fputs("Listen 8080\n", f);
	close_out(f, "ports.conf");
	for (size_t m = 0; m < sizeof mods / sizeof mods[0]; m++) {
		snprintf(name, sizeof name, "etc/apache2/mods-enabled/%s.load", mods[m]);
		f = open_out(out, name);
		fprintf(f, "LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so\n", mods[m],
			mods[m]);
		close_out(f, name);
	}
	f = open_out(out, "etc/apache2/mods-enabled/remoteip.conf");
	fputs("RemoteIPHeader CF-Connecting-IP\n", f);
	for (int k = 0; k < ncf; k++) {
		char ip[20];
		int len = 0;
		fmt_ip(ip, cf[k].addr);
		for (uint32_t m = cf[k].mask; m; m <<= 1)
			len++;
		fprintf(f, "RemoteIPTrustedProxy %s/%d\n", ip, len);
	}
	for (int k = 0; k < ncf6; k++)
		fprintf(f, "RemoteIPTrustedProxy %s\n", cf6[k]);
	close_out(f, "remoteip.conf");
	for (unsigned long i = 0; i < nvhost; i++) {
		snprintf(name, sizeof name, "etc/apache2/sites-enabled/a%05lu.conf", i);
		f = open_out(out, name);
		fprintf(f,
			"<VirtualHost *:8080>\n\tServerName a%lu.example.net\n"
			"\tServerAlias www.a%lu.example.net\n\tDocumentRoot /srv/www/a%lu\n"
			"\tProxyPass /api/ http://127.0.0.1:%u/ timeout=%u\n</VirtualHost>\n",
			i, i, i, 8000 + rnd_below(1000), 30 + 30 * rnd_below(3));
		close_out(f, name);
		snprintf(name, sizeof name, "srv/www/a%lu/.htaccess", i);
		f = open_out(out, name);
		fputs("RewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\n"
		      "RewriteRule ^ index.php [L]\n<Files wp-login.php>\nRequire ip 203.0.113.0/24\n"
		      "</Files>\nSetEnvIf Remote_Addr \"^198\\.51\\.100\\.\" blocked\n"
		      "Order Allow,Deny\nAllow from all\nDeny from env=blocked\n", f);
		close_out(f, name);
	}
}

/* The zone as Cloudflare's dashboard exports it today: ";; X Records" sections, TTL 1
 * (automatic), cf_tags on proxied records. Every nginx name, proxied, to this origin. */
static void gen_zone(const char *out, unsigned long nnames, unsigned long ncert)
{
	FILE *f = open_out(out, "etc/cfaudit/zone.txt");

	fputs(";;\n;; Domain:     example.com.\n;; Exported:   2026-07-01 12:00:00\n;;\n"
	      ";; This file is intended for use for informational and archival\n"
	      ";; purposes ONLY and MUST be edited before use on a production\n"
	      ";; DNS server.\n;;\n\n;; SOA Record\n"
	      "example.com\t3600\tIN\tSOA\tada.ns.cloudflare.com. dns.cloudflare.com. "
	      "2051234567 10000 2400 604800 3600\n\n;; NS Records\n"
	      "example.com.\t86400\tIN\tNS\tada.ns.cloudflare.com.\n"
	      "example.com.\t86400\tIN\tNS\tbob.ns.cloudflare.com.\n\n;; A Records\n", f);
	for (unsigned long i = 0; i < nnames; i++)
		fprintf(f, "s%lu.c%lu.example.com.\t1\tIN\tA\t" ORIGIN_ADDR
			   " ; cf_tags=cf-proxied:true\n", i, i % ncert);
	close_out(f, "zone.txt");
}

static void gen_web(const char *out, unsigned long num, unsigned long den, FILE *e)
{
	unsigned long nfiles = NGINX_FILES * num / den, ncert = NCERTS * num / den;
	unsigned long nvhost = APACHE_VHOSTS * num / den;

	if (!nfiles || !ncert || !nvhost)
		die("scale too small");
	gen_certs(out, ncert);
	gen_nginx(out, nfiles, ncert);
	gen_apache(out, nvhost);
	gen_zone(out, nfiles * NGINX_PER_FILE, ncert);
	fprintf(e, "# nginx: %lu server blocks in %lu files, %lu certificate chains (valid "
		   "2026-01-01 to 2027-06-01 under test-ca.pem): no finding\n"
		   "# apache: %lu virtual hosts on 8080, %lu .htaccess files: no finding\n"
		   "# zone: %lu proxied names\n",
		nfiles * NGINX_PER_FILE, nfiles, ncert, nvhost, nvhost, nfiles * NGINX_PER_FILE);
}

/* The TLS server alone (gen RANGES_V4 RANGES_V6 tls NCHAINS OUTDIR): nginx with NCHAINS
 * server blocks, each with a chain of its own, and their zone export. */
static int gen_tls_only(const char *out, const char *count)
{
	unsigned long n = strtoul(count, NULL, 10);

	if (n == 0 || n % NGINX_PER_FILE) {
		fprintf(stderr, "gen: tls NCHAINS: a multiple of %lu\n", NGINX_PER_FILE);
		return 2;
	}
	gen_certs(out, n);
	gen_nginx(out, n / NGINX_PER_FILE, n);
	gen_zone(out, n, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: gen RANGES_V4 RANGES_V6 SCALE_NUM SCALE_DEN OUTDIR\n"
				"       gen RANGES_V4 RANGES_V6 tls NCHAINS OUTDIR\n");
		return 2;
	}
	FILE *r6 = fopen(argv[2], "r");
	if (!r6) {
		perror(argv[2]);
		return 1;
	}
	char l6[256];
	while (fgets(l6, sizeof l6, r6)) {
		l6[strcspn(l6, " \t\r\n#")] = 0;
		if (!l6[0])
			continue;
		if (ncf6 == 64 || strlen(l6) >= sizeof cf6[0] || !strchr(l6, ':')) {
			fprintf(stderr, "gen: %s: bad range '%s'\n", argv[2], l6);
			return 1;
		}
		memcpy(cf6[ncf6++], l6, strlen(l6) + 1);
	}
	fclose(r6);
	argv[2] = argv[1]; /* the rest as before: RANGES_V4 NUM DEN OUTDIR */
	argv++;
	unsigned long num = strtoul(argv[2], NULL, 10), den = strtoul(argv[3], NULL, 10);
	if ((!num || !den) && strcmp(argv[2], "tls") != 0) {
		fprintf(stderr, "gen: bad scale\n");
		return 2;
	}
	const char *out = argv[4];

	FILE *rf = fopen(argv[1], "r");
	if (!rf) {
		perror(argv[1]);
		return 1;
	}
	char line[256];
	while (fgets(line, sizeof line, rf)) {
		line[strcspn(line, " \t\r\n#")] = 0;
		if (!line[0])
			continue;
		if (ncf == 64 || parse_cidr(line, &cf[ncf])) {
			fprintf(stderr, "gen: %s: bad range '%s'\n", argv[1], line);
			return 1;
		}
		ncf++;
	}
	fclose(rf);
	if (!ncf) {
		fprintf(stderr, "gen: no ranges in %s\n", argv[1]);
		return 1;
	}
	if (strcmp(argv[2], "tls") == 0)
		return gen_tls_only(out, argv[3]);
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		parse_cidr(reserved[i], &rsv[i]);

	unsigned long nrules = BASE_RULES * num / den, nset = BASE_SET * num / den;

	/* Chains: 0..NJAILS-1 are f2b-<kind>[-n]; NJAILS is DENYIN. */
	char jname[NJAILS][64];
	int jkind[NJAILS];
	for (int j = 0; j < NJAILS; j++) {
		jkind[j] = j % NKINDS;
		if (j < NKINDS)
			snprintf(jname[j], sizeof jname[j], "f2b-%s", jailkinds[j].name);
		else
			snprintf(jname[j], sizeof jname[j], "f2b-%s-%d", jailkinds[jkind[j]].name,
				 j / NKINDS);
	}
	/* INPUT: NJAILS jumps + lo + conntrack + set + DENYIN + ncf allow + ssh; RETURNs. */
	unsigned long fixed = NJAILS + 5 + (unsigned long)ncf + NJAILS;
	if (nrules < fixed + NCFBANS + 1000) {
		fprintf(stderr, "gen: scale too small\n");
		return 2;
	}
	unsigned long nban = nrules - fixed; /* ban rules, the CF ones included */

	/* Uneven, fixed weights: DENYIN ~30%, sshd jails and recidive heavy, others light. */
	unsigned long weight[NJAILS + 1], wsum = 0;
	for (int j = 0; j < NJAILS; j++) {
		int k = jkind[j];
		weight[j] = (k == 0 ? 60 : k == 8 ? 40 : 10) + rnd_below(20);
		wsum += weight[j];
	}
	weight[NJAILS] = wsum * 3 / 7;
	wsum += weight[NJAILS];
	unsigned long count[NJAILS + 1], given = 0;
	for (int j = 0; j <= NJAILS; j++) {
		count[j] = (nban - NCFBANS) * weight[j] / wsum;
		given += count[j];
	}
	count[NJAILS] += (nban - NCFBANS) - given;
	unsigned long cfpos[NCFBANS];
	for (int i = 0; i < NCFBANS; i++) {
		int c = cf_bans[i].chain < 0 ? NJAILS : cf_bans[i].chain;
		cfpos[i] = rnd_below((uint32_t)count[c] + 1);
	}

	char etc[4096];
	snprintf(etc, sizeof etc, "%s/etc/iptables", out);
	mkdirs(etc);

	struct hset hosts, nets;
	hset_init(&hosts, 2 * (nrules + nset));
	hset_init(&nets, nrules / 8 + 16);

	/* ---- rules.v4 ---- */
	FILE *r = open_out(etc, "rules.v4");
	fputs("# Generated by iptables-save v1.8.9 (nf_tables) on Wed Jul  1 12:00:00 2026\n"
	      "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
	      ":DENYIN - [0:0]\n", r);
	for (int j = 0; j < NJAILS; j++)
		fprintf(r, ":%s - [0:0]\n", jname[j]);
	/* fail2ban inserts its jumps at the top of INPUT */
	for (int j = NJAILS - 1; j >= 0; j--) {
		const char *ports = jailkinds[jkind[j]].ports;
		if (ports)
			fprintf(r, "-A INPUT -p tcp -m multiport --dports %s -j %s\n", ports, jname[j]);
		else
			fprintf(r, "-A INPUT -p tcp -j %s\n", jname[j]);
	}
	fputs("-A INPUT -i lo -j ACCEPT\n"
	      "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
	      "-A INPUT -m set --match-set blocklist src -j DROP\n"
	      "-A INPUT -j DENYIN\n", r);
	for (int i = 0; i < ncf; i++) {
		char ip[20];
		fmt_ip(ip, cf[i].addr);
		int len = 0;
		for (uint32_t m = cf[i].mask; m; m <<= 1)
			len++;
		fprintf(r, "-A INPUT -s %s/%d -p tcp -m multiport --dports 80,443,8080 -j ACCEPT\n", ip,
			len);
	}
	fputs("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n", r);

	char lb[256];
	for (int c = 0; c <= NJAILS; c++) {
		const char *name = c == NJAILS ? "DENYIN" : jname[c];
		int drop = c == NJAILS || jailkinds[jkind[c]].drop;
		const char *target = drop ? "-j DROP" : "-j REJECT --reject-with icmp-port-unreachable";
		for (unsigned long i = 0; i <= count[c]; i++) {
			for (int k = 0; k < NCFBANS; k++) {
				int kc = cf_bans[k].chain < 0 ? NJAILS : cf_bans[k].chain;
				if (kc == c && cfpos[k] == i)
					fprintf(r, "-A %s -s %s %s\n", name, cf_bans[k].cidr, target);
			}
			if (i == count[c])
				break;
			char *p = lb;
			/* CSF deny lists hold some /24s; fail2ban bans hosts */
			if (c == NJAILS && rnd_below(10) == 0) {
				uint32_t a;
				do
					a = public_addr() & 0xffffff00U;
				while (!hset_add(&nets, a >> 8));
				p = fmt_ip(p, a);
				memcpy(p, "/24", 4);
			} else {
				uint32_t a;
				do
					a = public_addr();
				while (!hset_add(&hosts, a));
				p = fmt_ip(p, a);
				memcpy(p, "/32", 4);
			}
			fprintf(r, "-A %s -s %s %s\n", name, lb, target);
		}
		if (c < NJAILS)
			fprintf(r, "-A %s -j RETURN\n", name);
	}
	fputs("COMMIT\n# Completed on Wed Jul  1 12:00:00 2026\n", r);
	close_out(r, "rules.v4");

	/* ---- ipsets ---- */
	FILE *s = open_out(etc, "ipsets");
	fputs("create blocklist hash:net family inet hashsize 1048576 maxelem 2000000\n", s);
	for (unsigned long i = 0; i < nset; i++) {
		uint32_t a;
		do
			a = public_addr();
		while (!hset_add(&hosts, a));
		char *p = lb + snprintf(lb, sizeof lb, "add blocklist ");
		p = fmt_ip(p, a);
		*p++ = '\n';
		fwrite(lb, 1, (size_t)(p - lb), s);
	}
	close_out(s, "ipsets");

	/* ---- what the audit should find ---- */
	FILE *e = open_out(out, "expected.txt");
	fprintf(e, "# generated: %lu iptables rules (%lu bans in %d chains), %lu ipset entries\n"
		   "# bans inside Cloudflare ranges, all before the Cloudflare allowlist:\n",
		nrules, nban, NJAILS + 1, nset);
	for (int i = 0; i < NCFBANS; i++)
		fprintf(e, "%s in %s: %s\n", cf_bans[i].cidr,
			cf_bans[i].chain < 0 ? "DENYIN" : jname[cf_bans[i].chain],
			cf_bans[i].expect);
	gen_nft(out, nset, count, cfpos, jname, jkind, &hosts, &nets, e);
	gen_web(out, num, den, e);
	close_out(e, "expected.txt");
	free(hosts.slot);
	free(nets.slot);
	return 0;
}
