/* Benchmark input generator for cfaudit (tests/bench/bench.sh compiles and runs it).
 *
 *   gen RANGES_FILE SCALE_NUM SCALE_DEN OUTDIR
 *
 * writes OUTDIR/etc/iptables/rules.v4 (100,000 x scale rules, iptables-save format) and
 * OUTDIR/etc/iptables/ipsets (1,000,000 x scale "add blocklist" lines, ipset save format).
 * Deterministic: a fixed seed, no clock, no environment; the same bytes every run.
 *
 * The rule set is what a busy web server with fail2ban and CSF looks like: ~50 user chains
 * (49 fail2ban jails + CSF's DENYIN) holding /32 and /24 bans, reached from INPUT; then
 * loopback, conntrack, an ipset blocklist, the Cloudflare allowlist on tcp 80,443, ssh,
 * and policy DROP. A handful of bans fall inside Cloudflare's ranges, so the audit has
 * findings (each one listed in OUTDIR/expected.txt); everything else is outside them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BASE_RULES 100000UL
#define BASE_SET 1000000UL
#define NJAILS 49

static uint64_t rng_state = 0x5eed0f0cfa0d17ULL;

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
	return p + sprintf(p, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
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

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	static char bufs[3][1 << 20];
	static int nb;
	setvbuf(f, bufs[nb++ % 3], _IOFBF, sizeof bufs[0]);
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

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: gen RANGES_FILE SCALE_NUM SCALE_DEN OUTDIR\n");
		return 2;
	}
	unsigned long num = strtoul(argv[2], NULL, 10), den = strtoul(argv[3], NULL, 10);
	if (!num || !den) {
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
	hset_init(&hosts, nrules + nset);
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
		fprintf(r, "-A INPUT -s %s/%d -p tcp -m multiport --dports 80,443 -j ACCEPT\n", ip,
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
				strcpy(p, "/24");
			} else {
				uint32_t a;
				do
					a = public_addr();
				while (!hset_add(&hosts, a));
				p = fmt_ip(p, a);
				strcpy(p, "/32");
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
		char *p = lb + sprintf(lb, "add blocklist ");
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
	close_out(e, "expected.txt");
	free(hosts.slot);
	free(nets.slot);
	return 0;
}
