/* ipset save output, which is ipset restore input: create, add, del,
 * destroy, flush, rename and swap lines, with ipset's checks (an element must
 * fit the set's type and family, a set must exist before it is added to).
 * Sized for a million add lines: each line is copied into one reused buffer
 * and split in place, the set is found through a one-entry cache, and an
 * element costs nothing beyond the growth of its set's array. */

#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "root.h"
#include "util.h"

#define SETNAME_MAXLEN 31 /* IPSET_MAXNAMELEN - 1 */
#define IFNAME_MAXLEN 15
#define MAX_WORDS 64

/* ---- types ---- */

enum dimkind {
	K_IP,    /* an address (a CIDR or a range is expanded by ipset) */
	K_NET,   /* a network: /0 is not allowed */
	K_PORT,  /* [proto:]port[-port] */
	K_IFACE, /* [physdev:]name */
	K_MARK,  /* a 32-bit mark */
	K_MAC,   /* a MAC address */
	K_SET    /* a set name (list:set) */
};

struct settype {
	const char *name; /* as written: the type or an ipset 4 alias */
	const char *canon;
	unsigned n;
	enum dimkind d[3];
};

static const struct settype settypes[] = {
    {"bitmap:ip", "bitmap:ip", 1, {K_IP}},
    {"bitmap:ip,mac", "bitmap:ip,mac", 2, {K_IP, K_MAC}},
    {"bitmap:port", "bitmap:port", 1, {K_PORT}},
    {"hash:ip", "hash:ip", 1, {K_IP}},
    {"hash:ip,mac", "hash:ip,mac", 2, {K_IP, K_MAC}},
    {"hash:ip,mark", "hash:ip,mark", 2, {K_IP, K_MARK}},
    {"hash:ip,port", "hash:ip,port", 2, {K_IP, K_PORT}},
    {"hash:ip,port,ip", "hash:ip,port,ip", 3, {K_IP, K_PORT, K_IP}},
    {"hash:ip,port,net", "hash:ip,port,net", 3, {K_IP, K_PORT, K_NET}},
    {"hash:mac", "hash:mac", 1, {K_MAC}},
    {"hash:net", "hash:net", 1, {K_NET}},
    {"hash:net,iface", "hash:net,iface", 2, {K_NET, K_IFACE}},
    {"hash:net,net", "hash:net,net", 2, {K_NET, K_NET}},
    {"hash:net,port", "hash:net,port", 2, {K_NET, K_PORT}},
    {"hash:net,port,net", "hash:net,port,net", 3, {K_NET, K_PORT, K_NET}},
    {"iphash", "hash:ip", 1, {K_IP}},
    {"ipmap", "bitmap:ip", 1, {K_IP}},
    {"ipporthash", "hash:ip,port", 2, {K_IP, K_PORT}},
    {"ipportiphash", "hash:ip,port,ip", 3, {K_IP, K_PORT, K_IP}},
    {"ipportnethash", "hash:ip,port,net", 3, {K_IP, K_PORT, K_NET}},
    {"list:set", "list:set", 1, {K_SET}},
    {"macipmap", "bitmap:ip,mac", 2, {K_IP, K_MAC}},
    {"nethash", "hash:net", 1, {K_NET}},
    {"portmap", "bitmap:port", 1, {K_PORT}},
    {"setlist", "list:set", 1, {K_SET}},
};

enum {
	CO_NUM,  /* a decimal number */
	CO_HEX,  /* a number, 0x.. allowed */
	CO_FLAG, /* no argument */
	CO_FAMILY,
	CO_NETMASK,
	CO_RANGE,
	CO_BITMASK
};

struct optdef {
	const char *name;
	unsigned char nargs;
	unsigned char kind;
};

static const struct optdef create_opts[] = {
    {"bitmask", 1, CO_BITMASK}, {"bucketsize", 1, CO_NUM}, {"comment", 0, CO_FLAG},
    {"counters", 0, CO_FLAG},   {"family", 1, CO_FAMILY},  {"forceadd", 0, CO_FLAG},
    {"gc", 1, CO_NUM},          {"hashsize", 1, CO_NUM},   {"initval", 1, CO_HEX},
    {"markmask", 1, CO_HEX},    {"maxelem", 1, CO_NUM},    {"netmask", 1, CO_NETMASK},
    {"probes", 1, CO_NUM},      {"range", 1, CO_RANGE},    {"resize", 1, CO_NUM},
    {"size", 1, CO_NUM},        {"skbinfo", 0, CO_FLAG},   {"timeout", 1, CO_NUM},
};

enum { AO_IGNORE, AO_NUM, AO_NOMATCH };

static const struct optdef add_opts[] = {
    {"after", 1, AO_IGNORE},   {"before", 1, AO_IGNORE},   {"bytes", 1, AO_NUM},
    {"comment", 1, AO_IGNORE}, {"nomatch", 0, AO_NOMATCH}, {"packets", 1, AO_NUM},
    {"skbmark", 1, AO_IGNORE}, {"skbprio", 1, AO_IGNORE},  {"skbqueue", 1, AO_NUM},
    {"timeout", 1, AO_NUM},
};

/* Protocols a hash:*,port element may name; ports only for the first four. */
struct protoname {
	const char *name;
	uint8_t num;
	bool ports;
};

static const struct protoname elem_protos[] = {
    {"ah", 51, false},     {"esp", 50, false},       {"gre", 47, false},  {"icmp", 1, false},
    {"icmpv6", 58, false}, {"ipv6-icmp", 58, false}, {"sctp", 132, true}, {"tcp", 6, true},
    {"udp", 17, true},     {"udplite", 136, true},
};

struct service {
	const char *name;
	uint16_t port;
};

static const struct service services[] = {
    {"domain", 53}, {"ftp", 21},         {"http", 80},   {"https", 443}, {"imap", 143},
    {"imaps", 993}, {"ntp", 123},        {"pop3", 110},  {"pop3s", 995}, {"smtp", 25},
    {"ssh", 22},    {"submission", 587}, {"telnet", 23}, {"www", 80},
};

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

#define FIND(tab, key) bsearch((key), (tab), ARRAY_LEN(tab), sizeof((tab)[0]), cmp_name)

static bool
names_sorted(const void *base, size_t n, size_t size)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(*(const char *const *)((const char *)base + (i - 1) * size),
		           *(const char *const *)((const char *)base + i * size)) >= 0)
			return false;
	return true;
}

#define SORTED(tab) names_sorted((tab), ARRAY_LEN(tab), sizeof((tab)[0]))

/* For tests/unit/test_parse_ipset.c, which declares it (no header exports
 * it): every table searched with bsearch is in order. */
bool ipset_tables_sorted(void);

bool
ipset_tables_sorted(void)
{
	return SORTED(settypes) && SORTED(create_opts) && SORTED(add_opts) && SORTED(elem_protos) &&
	       SORTED(services);
}

/* ---- parser state ---- */

/* What the parser knows of a set beyond the model: its type and the create
 * options that shape its members. */
struct sinfo {
	struct ipset *s;
	const struct settype *t; /* NULL: a type this parser does not know */
	unsigned netmask;        /* 0: none */
	bool has_range;
	u128 rlo;
	u128 rhi;
	bool capped; /* CAP_SET_ELEMS reported */
};

struct ips {
	struct origin *o;
	struct input *in;
	unsigned line;
	bool exist_all; /* a "-exist" line: for the rest of the file */
	bool exist;     /* this line */
	char *lbuf;
	size_t lbuf_cap;
	char *w[MAX_WORDS];
	size_t nw;
	struct sinfo *si;
	size_t nsi;
	size_t si_cap;
	size_t last;   /* the cache: index into si of the last set named (SIZE_MAX: none) */
	char **broken; /* sets whose create failed: adds to them are not reported again */
	size_t nbroken;
	size_t broken_cap;
};

static bool fail(struct ips *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
fail(struct ips *p, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(p->in, p->line, "%s", msg);
	free(msg);
	return false;
}

static const char *
fam_word(enum family f)
{
	return f == FAM_V6 ? "inet6" : "inet";
}

/* ---- sets ---- */

static const struct settype *
type_by_canon(const char *canon)
{
	const struct settype *t = FIND(settypes, canon);

	return t && strcmp(t->canon, canon) == 0 ? t : NULL;
}

static struct sinfo *
find_set(struct ips *p, const char *name)
{
	struct ipset *s;
	struct sinfo si;
	size_t i;

	if (p->last < p->nsi && strcmp(p->si[p->last].s->name, name) == 0)
		return &p->si[p->last];
	for (i = 0; i < p->nsi; i++)
		if (strcmp(p->si[i].s->name, name) == 0) {
			p->last = i;
			return &p->si[i];
		}
	/* created by an earlier input */
	if ((s = origin_find_set(p->o, name)) == NULL)
		return NULL;
	memset(&si, 0, sizeof(si));
	si.s = s;
	si.t = type_by_canon(s->type);
	VEC_PUSH(p->si, p->nsi, p->si_cap, si);
	p->last = p->nsi - 1;
	return &p->si[p->last];
}

static bool
is_broken(struct ips *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nbroken; i++)
		if (strcmp(p->broken[i], name) == 0)
			return true;
	return false;
}

static void
destroy_set(struct ips *p, struct sinfo *si)
{
	struct ipset *s = si->s;
	size_t i;

	for (i = 0; i < p->o->nset; i++)
		if (p->o->sets[i] == s) {
			memmove(&p->o->sets[i], &p->o->sets[i + 1],
			        (p->o->nset - i - 1) * sizeof(*p->o->sets));
			p->o->nset--;
			break;
		}
	i = (size_t)(si - p->si);
	memmove(&p->si[i], &p->si[i + 1], (p->nsi - i - 1) * sizeof(*p->si));
	p->nsi--;
	p->last = SIZE_MAX;
	set_clear(s);
	free(s->name);
	free(s->type);
	free(s);
}

/* ---- values ---- */

static bool
parse_num(const char *s, bool hex, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*out = strtoull(s, &end, hex ? 0 : 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

static u128
host_bits(enum family f, unsigned prefix)
{
	unsigned bits = (f == FAM_V6 ? 128 : 32) - prefix;

	if (bits == 0)
		return 0;
	if (bits >= 128)
		return ~(u128)0;
	return ((u128)1 << bits) - 1;
}

static bool
parse_port(const char *s, size_t n, uint16_t *out)
{
	char tmp[24];
	unsigned long long v;
	const struct service *sv;

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (parse_num(tmp, false, 65535, &v)) {
		*out = (uint16_t)v;
		return true;
	}
	if ((sv = FIND(services, tmp)) == NULL)
		return false;
	*out = sv->port;
	return true;
}

/* "port", "port-port" */
static bool
parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');

	if (dash == NULL) {
		if (!parse_port(s, strlen(s), lo))
			return false;
		*hi = *lo;
		return true;
	}
	return parse_port(s, (size_t)(dash - s), lo) &&
	       parse_port(dash + 1, strlen(dash + 1), hi) && *lo <= *hi;
}

/* [proto:]port[-port]; no protocol is tcp. ICMP "ports" are a type/code:
 * the protocol alone says a TCP probe never matches, so a named type is
 * taken as any type. */
static bool
parse_elem_port(const struct settype *t, char *s, struct set_elem *e)
{
	char *colon = strchr(s, ':');
	const struct protoname *pr = NULL;

	if (colon) {
		*colon = '\0';
		pr = FIND(elem_protos, s);
		*colon = ':';
		if (pr == NULL)
			return false;
		s = colon + 1;
	}
	if (strcmp(t->canon, "bitmap:port") == 0) {
		e->proto = 0; /* any protocol with ports */
		return parse_port_range(s, &e->plo, &e->phi);
	}
	e->proto = pr ? pr->num : PROTO_TCP;
	if (pr == NULL || pr->ports)
		return parse_port_range(s, &e->plo, &e->phi);
	if (pr->num == PROTO_ICMP || pr->num == PROTO_ICMPV6) {
		unsigned long long type;
		unsigned long long code;
		char *slash = strchr(s, '/');

		if (slash) {
			*slash = '\0';
			if (!parse_num(s, false, 255, &type) ||
			    !parse_num(slash + 1, false, 255, &code))
				return false;
			e->plo = e->phi = (uint16_t)(type << 8 | code);
			return true;
		}
		if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyz-") != strlen(s))
			return false;
		e->plo = 0;
		e->phi = 65535;
		return true;
	}
	e->plo = e->phi = 0;
	return strcmp(s, "0") == 0;
}

static bool
valid_mac(const char *s)
{
	int i;

	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return false;
		s += 2;
		if (i < 5 && *s++ != ':')
			return false;
	}
	return *s == '\0';
}

/* One address dimension: a, a/len, a-b. */
static bool
parse_elem_addr(struct ips *p, struct sinfo *si, enum dimkind k, const char *s, u128 *lo, u128 *hi)
{
	struct ipset *set = si->s;
	struct cidr c;
	bool dash = strchr(s, '-') != NULL;

	if (!range_parse(s, &c))
		return fail(p, "bad element \"%s\" for %s set \"%s\"", s, set->type, set->name);
	if (c.fam != set->fam)
		return fail(p, "\"%s\" is an %s address; set \"%s\" is family %s", s,
		            c.fam == FAM_V6 ? "IPv6" : "IPv4", set->name, fam_word(set->fam));
	if (k == K_NET && !dash && c.prefix == 0)
		return fail(p, "\"%s\": a /0 network cannot be stored in %s set \"%s\"", s,
		            set->type, set->name);
	if (si->netmask) {
		u128 hm = host_bits(set->fam, si->netmask);

		c.lo &= ~hm;
		c.hi |= hm;
	}
	if (si->has_range && (c.lo < si->rlo || c.hi > si->rhi))
		return fail(p, "\"%s\" is outside the range of set \"%s\"", s, set->name);
	*lo = c.lo;
	*hi = c.hi;
	return true;
}

/* ELEM as the set's type spells it: dimensions separated by commas. */
static bool
parse_elem(struct ips *p, struct sinfo *si, char *s, struct set_elem *e)
{
	const struct settype *t = si->t;
	char *part[3];
	unsigned n = 0;
	unsigned naddr = 0;
	unsigned i;
	char *q = s;

	for (;;) {
		char *comma = strchr(q, ',');

		if (n == 3) {
			for (i = 1; i < n; i++)
				part[i][-1] = ',';
			return fail(p, "bad element \"%s\" for %s set \"%s\"", s, si->s->type,
			            si->s->name);
		}
		part[n++] = q;
		if (comma == NULL)
			break;
		*comma = '\0';
		q = comma + 1;
	}
	/* bitmap:ip,mac may leave out the MAC */
	if (n != t->n && !(n == 1 && strcmp(t->canon, "bitmap:ip,mac") == 0)) {
		for (i = 1; i < n; i++)
			part[i][-1] = ',';
		return fail(p, "bad element \"%s\" for %s set \"%s\" (%u parts, %u expected)", s,
		            si->s->type, si->s->name, n, t->n);
	}
	for (i = 0; i < n; i++) {
		bool ok = true;
		unsigned long long v;

		switch (t->d[i]) {
		case K_IP:
		case K_NET:
			if (naddr++ == 0)
				ok = parse_elem_addr(p, si, t->d[i], part[i], &e->lo, &e->hi);
			else
				ok = parse_elem_addr(p, si, t->d[i], part[i], &e->lo2, &e->hi2);
			if (!ok)
				return false;
			break;
		case K_PORT:
			if (!parse_elem_port(t, part[i], e))
				return fail(p, "bad port \"%s\" in set \"%s\"", part[i],
				            si->s->name);
			if (si->has_range && t->n == 1 && (e->plo < si->rlo || e->phi > si->rhi))
				return fail(p, "\"%s\" is outside the range of set \"%s\"", part[i],
				            si->s->name);
			break;
		case K_IFACE: {
			const char *name = part[i];

			if (strncmp(name, "physdev:", 8) == 0)
				name += 8;
			if (*name == '\0' || strlen(name) > IFNAME_MAXLEN)
				return fail(p, "bad interface \"%s\" in set \"%s\"", part[i],
				            si->s->name);
			e->iface = xstrdup(part[i]);
			break;
		}
		case K_MARK:
			ok = parse_num(part[i], true, 0xffffffffull, &v);
			if (!ok)
				return fail(p, "bad mark \"%s\" in set \"%s\"", part[i],
				            si->s->name);
			break;
		case K_MAC:
			if (!valid_mac(part[i]))
				return fail(p, "bad MAC address \"%s\" in set \"%s\"", part[i],
				            si->s->name);
			break;
		case K_SET:
			if (origin_find_set(p->o, part[i]) == NULL)
				return fail(p, "set \"%s\" added to list:set \"%s\" does not exist",
				            part[i], si->s->name);
			e->member = xstrdup(part[i]);
			break;
		}
	}
	return true;
}

static void
elem_release(struct set_elem *e)
{
	free(e->iface);
	free(e->member);
}

static bool
elem_equal(const struct set_elem *a, const struct set_elem *b)
{
	return a->lo == b->lo && a->hi == b->hi && a->lo2 == b->lo2 && a->hi2 == b->hi2 &&
	       a->proto == b->proto && a->plo == b->plo && a->phi == b->phi &&
	       (a->iface == NULL) == (b->iface == NULL) &&
	       (a->iface == NULL || strcmp(a->iface, b->iface) == 0) &&
	       (a->member == NULL) == (b->member == NULL) &&
	       (a->member == NULL || strcmp(a->member, b->member) == 0);
}

/* ---- commands ---- */

static bool
valid_set_name(struct ips *p, const char *name)
{
	if (strlen(name) > SETNAME_MAXLEN)
		return fail(p, "set name \"%s\" is longer than %u characters", name,
		            SETNAME_MAXLEN);
	return true;
}

static void
mark_broken(struct ips *p, const char *name)
{
	char *dup = xstrdup(name);

	VEC_PUSH(p->broken, p->nbroken, p->broken_cap, dup);
}

/* The options of a create line, checked against the type. */
static bool
create_options(struct ips *p, struct sinfo *si, size_t i)
{
	const char *netmask = NULL;
	const char *range = NULL;

	for (; i < p->nw; i++) {
		const struct optdef *d = FIND(create_opts, p->w[i]);
		const char *arg = i + 1 < p->nw ? p->w[i + 1] : NULL;
		unsigned long long v;

		if (d == NULL)
			return fail(p, "unknown create option \"%s\"", p->w[i]);
		if (d->nargs && arg == NULL)
			return fail(p, "create option \"%s\" needs a value", p->w[i]);
		i += d->nargs;
		switch (d->kind) {
		case CO_NUM:
		case CO_HEX:
			if (!parse_num(arg, d->kind == CO_HEX, 0xffffffffull, &v))
				return fail(p, "bad %s \"%s\"", d->name, arg);
			break;
		case CO_FAMILY:
			if (strcmp(arg, "inet") == 0 || strcmp(arg, "ipv4") == 0)
				si->s->fam = FAM_V4;
			else if (strcmp(arg, "inet6") == 0 || strcmp(arg, "ipv6") == 0)
				si->s->fam = FAM_V6;
			else
				return fail(p, "bad family \"%s\" (inet or inet6)", arg);
			break;
		case CO_NETMASK:
			netmask = arg;
			break;
		case CO_RANGE:
			range = arg;
			break;
		case CO_BITMASK:
			/* an arbitrary mask: members are not intervals */
			return fail(p, "create option \"bitmask\" is not supported");
		default:
			break;
		}
	}
	if (strncmp(si->t->canon, "bitmap:", 7) == 0) {
		if (si->s->fam != FAM_V4)
			return fail(p, "%s sets are IPv4 only", si->t->canon);
		if (range == NULL)
			return fail(p, "%s set \"%s\" needs a range", si->t->canon, si->s->name);
	}
	if (range) {
		struct cidr c;

		if (strcmp(si->t->canon, "bitmap:port") == 0) {
			uint16_t lo;
			uint16_t hi;

			if (!parse_port_range(range, &lo, &hi))
				return fail(p, "bad range \"%s\"", range);
			si->rlo = lo;
			si->rhi = hi;
		} else {
			if (!range_parse(range, &c) || c.fam != FAM_V4)
				return fail(p, "bad range \"%s\"", range);
			si->rlo = c.lo;
			si->rhi = c.hi;
		}
		si->has_range = true;
	}
	if (netmask) {
		unsigned long long v;
		unsigned max = si->s->fam == FAM_V6 ? 128 : 32;

		if (!parse_num(netmask, false, max, &v) || v == 0)
			return fail(p, "bad netmask \"%s\" (1 to %u)", netmask, max);
		if (v < max)
			si->netmask = (unsigned)v;
	}
	return true;
}

static void
cmd_create(struct ips *p)
{
	const struct settype *t;
	struct sinfo *old;
	struct sinfo si;
	struct ipset *s;
	unsigned i;

	if (p->nw < 3) {
		fail(p, "create needs a set name and a type");
		return;
	}
	if (!valid_set_name(p, p->w[1]))
		return;
	t = FIND(settypes, p->w[2]);
	if ((old = find_set(p, p->w[1])) != NULL) {
		if (!(p->exist || p->exist_all) || t == NULL || strcmp(old->s->type, t->canon) != 0)
			fail(p, "set \"%s\" already exists (%s:%u)", p->w[1], old->s->loc.file,
			     old->s->loc.line);
		return; /* -exist: the same set again is ignored */
	}
	if (t == NULL) {
		fail(p, "unknown set type \"%s\"", p->w[2]);
		mark_broken(p, p->w[1]);
		return;
	}
	s = origin_add_set(p->o, p->w[1], (struct loc){p->in->file, p->line});
	free(s->type);
	s->type = xstrdup(t->canon);
	s->fam = FAM_V4;
	memset(&si, 0, sizeof(si));
	si.s = s;
	si.t = t;
	VEC_PUSH(p->si, p->nsi, p->si_cap, si);
	p->last = p->nsi - 1;
	if (!create_options(p, &p->si[p->nsi - 1], 3)) {
		mark_broken(p, p->w[1]);
		destroy_set(p, &p->si[p->nsi - 1]);
		return;
	}
	s->ndim = t->n;
	for (i = 0; i < t->n; i++) {
		switch (t->d[i]) {
		case K_IP:
		case K_NET:
			s->dim[i] = DIM_ADDR;
			break;
		case K_PORT:
			s->dim[i] = DIM_PORT;
			break;
		case K_IFACE:
			s->dim[i] = DIM_IFACE;
			break;
		case K_SET:
			s->dim[i] = DIM_SETNAME;
			break;
		case K_MARK:
		case K_MAC:
			/* no value a probe could be looked up with: undecided */
			s->ndim = 0;
			break;
		}
	}
	if (s->ndim == 0)
		memset(s->dim, 0, sizeof(s->dim));
}

/* The set an add/del line names, or an error (none for a set whose create
 * failed: that was reported). */
static struct sinfo *
named_set(struct ips *p, const char *cmd)
{
	struct sinfo *si;

	if (p->nw < 3) {
		fail(p, "%s needs a set name and an element", cmd);
		return NULL;
	}
	if ((si = find_set(p, p->w[1])) != NULL) {
		if (si->t == NULL) {
			fail(p, "set \"%s\" has type \"%s\", which this version cannot read",
			     p->w[1], si->s->type);
			return NULL;
		}
		return si;
	}
	if (!is_broken(p, p->w[1]))
		fail(p, "%s to set \"%s\", which does not exist", cmd, p->w[1]);
	return NULL;
}

static bool
add_options(struct ips *p, struct sinfo *si, struct set_elem *e)
{
	size_t i;

	for (i = 3; i < p->nw; i++) {
		const struct optdef *d = FIND(add_opts, p->w[i]);
		unsigned long long v;

		if (d == NULL)
			return fail(p, "unknown option \"%s\"", p->w[i]);
		if (d->nargs && i + 1 >= p->nw)
			return fail(p, "option \"%s\" needs a value", p->w[i]);
		if (d->kind == AO_NUM && !parse_num(p->w[i + 1], false, UINT64_MAX, &v))
			return fail(p, "bad %s \"%s\"", d->name, p->w[i + 1]);
		if (d->kind == AO_NOMATCH) {
			unsigned k;
			bool net = false;

			for (k = 0; k < si->t->n; k++)
				net |= si->t->d[k] == K_NET;
			if (!net)
				return fail(p, "nomatch is only for sets of networks, not %s",
				            si->s->type);
			e->nomatch = true;
		}
		i += d->nargs;
	}
	return true;
}

static void
cmd_add(struct ips *p)
{
	struct sinfo *si = named_set(p, "add");
	struct set_elem e;

	if (si == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.line = p->line;
	if (!parse_elem(p, si, p->w[2], &e) || !add_options(p, si, &e)) {
		elem_release(&e);
		return;
	}
	if (set_size(si->s) >= CAP_SET_ELEMS) {
		elem_release(&e);
		if (!si->capped)
			fail(p, "set \"%s\" has more than %u members: the rest are not read",
			     si->s->name, CAP_SET_ELEMS);
		si->capped = true;
		return;
	}
	set_add_elem(si->s, &e);
}

/* Remove the member equal to e added last (the others keep their order);
 * false when there is none. */
static bool
del_member(struct ipset *s, const struct set_elem *e)
{
	size_t i;

	if (set_elem_compact(s, e) && (i = set_find_member(s, e->lo, e->hi, true)) != SIZE_MAX) {
		set_remove_member(s, i, true);
		return true;
	}
	for (i = s->nelem; i-- > 0;)
		if (elem_equal(&s->elem[i], e)) {
			elem_release(&s->elem[i]);
			memmove(&s->elem[i], &s->elem[i + 1], (s->nelem - i - 1) * sizeof(*e));
			s->nelem--;
			return true;
		}
	return false;
}

static void
cmd_del(struct ips *p)
{
	struct sinfo *si = named_set(p, "del");
	struct set_elem e;

	if (si == NULL)
		return;
	memset(&e, 0, sizeof(e));
	if (!parse_elem(p, si, p->w[2], &e) || !add_options(p, si, &e)) {
		elem_release(&e);
		return;
	}
	if (!del_member(si->s, &e) && !(p->exist || p->exist_all))
		fail(p, "del: \"%s\" is not in set \"%s\"", p->w[2], si->s->name);
	elem_release(&e);
}

static void
for_each_named(struct ips *p, const char *cmd, void (*fn)(struct ips *, struct sinfo *))
{
	struct sinfo *si;

	if (p->nw > 2) {
		fail(p, "%s takes at most one set name", cmd);
		return;
	}
	if (p->nw == 2) {
		if ((si = find_set(p, p->w[1])) != NULL)
			fn(p, si);
		else
			fail(p, "%s: set \"%s\" does not exist", cmd, p->w[1]);
		return;
	}
	/* no name: every set */
	while (p->o->nset > 0 && fn == destroy_set) {
		if ((si = find_set(p, p->o->sets[0]->name)) == NULL)
			break;
		destroy_set(p, si);
	}
	if (fn != destroy_set) {
		size_t i;

		for (i = 0; i < p->o->nset; i++)
			if ((si = find_set(p, p->o->sets[i]->name)) != NULL)
				fn(p, si);
	}
}

static void
flush_set(struct ips *p, struct sinfo *si)
{
	(void)p;
	set_clear(si->s);
	si->capped = false;
}

static void
cmd_rename_swap(struct ips *p, bool swap)
{
	struct sinfo *a;
	struct sinfo *b;

	if (p->nw != 3) {
		fail(p, "%s needs two set names", swap ? "swap" : "rename");
		return;
	}
	if ((a = find_set(p, p->w[1])) == NULL) {
		fail(p, "%s: set \"%s\" does not exist", swap ? "swap" : "rename", p->w[1]);
		return;
	}
	if (!valid_set_name(p, p->w[2]))
		return;
	b = find_set(p, p->w[2]);
	a = find_set(p, p->w[1]); /* find_set may have grown the array */
	if (!swap) {
		if (b) {
			fail(p, "rename: set \"%s\" already exists", p->w[2]);
			return;
		}
		free(a->s->name);
		a->s->name = xstrdup(p->w[2]);
	} else {
		char *tmp;

		if (b == NULL) {
			fail(p, "swap: set \"%s\" does not exist", p->w[2]);
			return;
		}
		if (strcmp(a->s->type, b->s->type) != 0 || a->s->fam != b->s->fam) {
			fail(p, "swap: sets \"%s\" and \"%s\" have different types or families",
			     p->w[1], p->w[2]);
			return;
		}
		/* references resolve by name: the sets trade names */
		tmp = a->s->name;
		a->s->name = b->s->name;
		b->s->name = tmp;
	}
	p->last = SIZE_MAX;
}

/* Split the line in place: words separated by blanks, "..." one word. */
static bool
split(struct ips *p, char *s)
{
	p->nw = 0;
	while (*s) {
		char *out;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (p->nw == MAX_WORDS)
			return fail(p, "more than %u words on the line", MAX_WORDS);
		p->w[p->nw++] = out = s;
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '"') {
				char *close = strchr(s + 1, '"');

				if (close == NULL)
					return fail(p, "unterminated quote");
				memmove(out, s + 1, (size_t)(close - s - 1));
				out += close - s - 1;
				s = close + 1;
				continue;
			}
			*out++ = *s++;
		}
		if (*s)
			s++;
		*out = '\0';
	}
	return true;
}

static bool
is_exist(const char *w)
{
	return strcmp(w, "-exist") == 0 || strcmp(w, "-!") == 0;
}

static bool
is_cmd(const char *w, const char *name, const char *letter, const char *opt)
{
	return strcmp(w, name) == 0 || strcmp(w, letter) == 0 || strcmp(w, opt) == 0;
}

static void
parse_line(struct ips *p, const char *s, size_t n)
{
	size_t i;
	size_t k;

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0 || *s == '#')
		return;
	if (p->lbuf_cap < n + 1) {
		p->lbuf = xrealloc(p->lbuf, n + 1);
		p->lbuf_cap = n + 1;
	}
	memcpy(p->lbuf, s, n);
	p->lbuf[n] = '\0';
	if (!split(p, p->lbuf))
		return;
	/* -exist / -! anywhere on the line; alone, for the rest of the file */
	p->exist = false;
	for (i = k = 0; i < p->nw; i++) {
		if (is_exist(p->w[i]))
			p->exist = true;
		else
			p->w[k++] = p->w[i];
	}
	p->nw = k;
	if (p->nw == 0) {
		p->exist_all |= p->exist;
		return;
	}
	if (is_cmd(p->w[0], "add", "a", "-A"))
		cmd_add(p);
	else if (is_cmd(p->w[0], "create", "n", "-N"))
		cmd_create(p);
	else if (is_cmd(p->w[0], "del", "d", "-D"))
		cmd_del(p);
	else if (is_cmd(p->w[0], "destroy", "x", "-X"))
		for_each_named(p, "destroy", destroy_set);
	else if (is_cmd(p->w[0], "flush", "f", "-F"))
		for_each_named(p, "flush", flush_set);
	else if (is_cmd(p->w[0], "rename", "e", "-E"))
		cmd_rename_swap(p, false);
	else if (is_cmd(p->w[0], "swap", "w", "-W"))
		cmd_rename_swap(p, true);
	else
		fail(p, "unknown command \"%s\" (ipset save format: create, add, ...)", p->w[0]);
}

void
parse_ipset(struct origin *o, struct input *in, const char *data, size_t len)
{
	struct ips p;
	const char *s = data;
	const char *end = data + len;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.o = o;
	p.in = in;
	p.last = SIZE_MAX;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		p.line++;
		if (n > CAP_LINE_LEN)
			fail(&p, "line longer than %u bytes", CAP_LINE_LEN);
		else if (memchr(s, '\0', n))
			fail(&p, "NUL byte in the line");
		else
			parse_line(&p, s, n);
		s = nl ? nl + 1 : end;
	}
	free(p.lbuf);
	free(p.si);
	for (i = 0; i < p.nbroken; i++)
		free(p.broken[i]);
	free(p.broken);
}
