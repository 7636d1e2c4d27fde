/* firewalld 1.x (Debian 12, RHEL 9) as its start-up builds the firewall:
 *
 *   firewalld.conf        DefaultZone, IPv6_rpfilter, RFC3964_IPv4 (a bad
 *                         line is logged and skipped)
 *   stock, then user      /usr/lib/firewalld/{ipsets,services,zones,policies},
 *                         then /etc/firewalld/...: a user file replaces the
 *                         stock file of the same name
 *   a refused file        (XML not well formed, an unexpected element or
 *                         attribute, a bad value outside a rich rule, a
 *                         missing service or ipset): firewalld's failsafe start
 *                         loads the stock configuration only, with
 *                         firewalld.conf's defaults; when that fails too,
 *                         firewalld exits and removes its table
 *   a bad rich rule       is logged and ignored, the rest loads
 *
 * and the nftables ruleset (src/firewall/core/nftables.py, fw_zone.py,
 * fw_policy.py of firewalld 1.3):
 *
 *   filter_INPUT (input, filter + 10): ct state established,related accept;
 *     ct status dnat accept; iifname "lo" accept; ct state invalid drop;
 *     jump filter_INPUT_ZONES; reject with icmpx admin-prohibited
 *   filter_INPUT_ZONES: "ip saddr X goto filter_IN_<zone>" for the zones'
 *     sources (by zone name), then "iifname X goto ..." for their interfaces
 *     (each inserted above the previous ones), then "goto filter_IN_<default>"
 *   filter_IN_<zone>: jump filter_INPUT_POLICIES_pre; jump _pre, _log, _deny,
 *     _allow, _post; jump filter_INPUT_POLICIES_post; the ICMP rule of
 *     icmp-block-inversion; the zone target (default and %%REJECT%%: reject
 *     with icmpx admin-prohibited; ACCEPT; DROP)
 *   _allow: services (included services first), ports, source ports, rich
 *     rules accepting, protocols; _deny: icmp blocks, rich rules rejecting or
 *     dropping; _log: rich rule logs; _pre/_post: rich rules with a negative or
 *     positive priority, in priority order
 *   the same per zone for filter FORWARD (FWD), nat PREROUTING (PRE: forward
 *   ports), mangle PREROUTING (PRE: mark), nat POSTROUTING (POST: masquerade)
 *   policies (other than the zones' own) whose egress zone is HOST: dispatched
 *     from filter_INPUT_POLICIES_pre (priority < 0) or _post, in priority order
 *   filter_PREROUTING: the IPv6 rpfilter; filter_OUTPUT, filter_FORWARD
 *
 * Not modelled: LogDenied's log rules, conntrack helpers, direct rules, the
 * iptables backend's layout (FirewallBackend=iptables gives the same verdicts
 * through other chain names), policies whose egress is not HOST (they act on
 * forwarded traffic only; a forward-port in one is reported). */

#include "firewalld.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "root.h"
#include "suppress.h"
#include "ufw.h"
#include "util.h"

#define CAP_XML_ELEMS 2000000u /* elements in one XML file */
#define CAP_INCLUDE_DEPTH 32   /* nested service includes */
#define TABLE "firewalld"
#define REJECT_DEFAULT "icmpx admin-prohibited"

#define VEC(T)                                                                                     \
	struct {                                                                                   \
		size_t n;                                                                          \
		size_t cap;                                                                        \
		T *v;                                                                              \
	}

struct fwd;

/* One file firewalld reads. */
struct ffile {
	struct fwd *f;
	char *path;       /* as findings show it */
	struct input *in; /* created when first needed */
	bool user;        /* under /etc/firewalld */
	bool refused;     /* firewalld cannot load it */
};

struct fport {
	uint16_t lo;
	uint16_t hi;
	uint8_t proto;
	unsigned line;
};

struct fname {
	char *name;
	unsigned line;
};

struct fproto {
	uint8_t proto;
	char *name;
	unsigned line;
};

enum addr_kind {
	FA_NONE,
	FA_ADDR,
	FA_IPSET,
	FA_MAC
};

struct faddr {
	enum addr_kind kind;
	struct cidr cidr;
	char *text;
	bool invert;
	unsigned line;
};

struct flimit {
	bool set;
	char *text; /* "10/m" */
};

struct ffwd {
	struct fport port;
	bool has_to_port;
	uint16_t to_port;
	bool has_to_addr;
	enum family to_fam;
	u128 to_addr;
	char *to_text;
	unsigned line;
};

enum relem {
	RE_NONE,
	RE_SERVICE,
	RE_PORT,
	RE_PROTOCOL,
	RE_SOURCE_PORT,
	RE_ICMP_BLOCK,
	RE_ICMP_TYPE,
	RE_MASQUERADE,
	RE_FORWARD_PORT,
	RE_TCP_MSS_CLAMP
};

enum ract {
	RA_NONE,
	RA_ACCEPT,
	RA_REJECT,
	RA_DROP,
	RA_MARK
};

struct frich {
	unsigned line;
	long priority;
	int family; /* -1: none given */
	struct faddr src;
	struct faddr dst;
	enum relem elem;
	char *name; /* service, icmp type */
	struct fport port;
	struct fproto proto;
	struct ffwd fwd;
	bool log;
	struct flimit log_limit;
	bool audit;
	struct flimit audit_limit;
	enum ract act;
	char *reject_type;
	char *mark;
	struct flimit act_limit;
};

enum ftarget {
	FT_DEFAULT,  /* "{chain}_{zone}", the zone default: reject */
	FT_DEFAULT_WORD, /* target="default": no target rule (filter_INPUT's reject) */
	FT_ACCEPT,
	FT_REJECT,   /* %%REJECT%% in zones, REJECT in policies */
	FT_DROP,
	FT_CONTINUE  /* policies */
};

/* A zone or a policy. */
struct fobj {
	struct ffile *file;
	char *name;
	bool policy;
	unsigned line;
	enum ftarget target;
	long priority;
	bool disabled;
	bool forward;
	bool masquerade;
	unsigned masq_line;
	bool ibi;
	VEC(struct fname) services;
	VEC(struct fport) ports;
	VEC(struct fproto) protocols;
	VEC(struct fport) sports;
	VEC(struct fname) icmp_blocks;
	VEC(struct ffwd) fwds;
	VEC(struct fname) ifaces;
	VEC(struct faddr) sources;
	VEC(struct frich) rules;
	VEC(struct fname) ingress;
	VEC(struct fname) egress;
	/* when built */
	bool host;  /* a policy whose egress is HOST */
	bool any_in; /* a policy whose ingress is ANY (or HOST) */
};

struct fservice {
	struct ffile *file;
	char *name;
	unsigned line;
	VEC(struct fport) ports;
	VEC(struct fproto) protocols;
	VEC(struct fport) sports;
	VEC(struct fname) includes;
	bool has_dst[FAM_COUNT];
	struct cidr dst[FAM_COUNT];
	bool used;
};

struct fipset {
	struct ffile *file;
	char *name;
	unsigned line;
	char *type;
	enum family fam;
	bool timeout;
	VEC(struct fname) entries;
	struct ipset *set; /* in the model, when used */
};

/* What firewalld keeps of one kind of object: stock and user, by name. */
struct fconf {
	struct ffile *file;
	char default_zone[128];
	struct loc dz_loc;
	bool rpfilter;
	struct loc rpf_loc;
	bool rfc3964;
	struct loc rfc_loc;
};

struct fwd {
	struct origin *o;
	const struct firewalld_dirs *d;
	VEC(struct ffile *) files;
	struct fconf conf;
	/* [0] stock, [1] user */
	VEC(struct fobj *) zones[2];
	VEC(struct fobj *) policies[2];
	VEC(struct fservice *) services[2];
	VEC(struct fipset *) ipsets[2];
	bool refused[2];
	bool fallback; /* building the failsafe configuration */
	/* the effective objects */
	VEC(struct fobj *) z;
	VEC(struct fobj *) p;
	/* priorities of the rules in the _pre/_post chains, for ordering */
	VEC(struct prio_list) prios;
	char *dead_why;
};

struct prio_list {
	struct chain *c;
	VEC(long) p;
};

/* ---- diagnostics ---- */

static struct input *
ff_input(struct ffile *ff)
{
	if (ff->in == NULL)
		ff->in = origin_add_input(ff->f->o, IN_FIREWALLD, ff->path);
	return ff->in;
}

static void __attribute__((format(printf, 3, 4)))
ff_error(struct ffile *ff, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(ff_input(ff), line, "%s", msg);
	free(msg);
}

/* firewalld raises on this: the whole user (or stock) configuration is refused. */
static void __attribute__((format(printf, 3, 4)))
ff_refuse(struct ffile *ff, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(ff_input(ff), line, "%s: firewalld refuses the configuration", msg);
	free(msg);
	ff->refused = true;
	ff->f->refused[ff->user] = true;
}

static struct ffile *
new_file(struct fwd *f, const char *path, bool user)
{
	struct ffile *ff = xcalloc(1, sizeof(*ff));

	ff->f = f;
	ff->path = xstrdup(path);
	ff->user = user;
	VEC_PUSH(f->files.v, f->files.n, f->files.cap, ff);
	return ff;
}

/* ---- values ---- */

static const struct {
	const char *name;
	uint8_t num;
} protocols[] = {
	{"ah", 51},   {"dccp", 33},      {"egp", 8},        {"esp", 50},  {"gre", 47},
	{"icmp", 1},  {"igmp", 2},       {"ipencap", 4},    {"ipip", 94}, {"ipv6", 41},
	{"ipv6-icmp", 58}, {"l2tp", 115}, {"ospf", 89},     {"pim", 103}, {"sctp", 132},
	{"tcp", 6},   {"udp", 17},       {"udplite", 136},  {"vrrp", 112},
};

/* A protocol name (/etc/protocols' common ones) or number. */
static bool
proto_parse(const char *s, uint8_t *out)
{
	unsigned long long v;
	size_t i;

	if (parse_uint(s, 0, 255, &v)) {
		*out = (uint8_t)v;
		return true;
	}
	for (i = 0; i < ARRAY_LEN(protocols); i++)
		if (strcmp(protocols[i].name, s) == 0) {
			*out = protocols[i].num;
			return true;
		}
	return false;
}

static const char *
proto_name(uint8_t p)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(protocols); i++)
		if (protocols[i].num == p)
			return protocols[i].name;
	return "?";
}

/* firewalld's check_tcpudp: the protocols a port belongs to. */
static bool
port_proto_parse(const char *s, uint8_t *out)
{
	if (strcmp(s, "tcp") == 0 || strcmp(s, "udp") == 0 || strcmp(s, "sctp") == 0 ||
	    strcmp(s, "dccp") == 0)
		return proto_parse(s, out);
	return false;
}

/* "80", "8000-8080" (also "8000:8080", as getPortRange takes it). */
/* The port /etc/services gives a name (getservbyname(name, NULL): the
 * first line naming it, by name or alias, whatever the protocol), read in
 * the audited root, where firewalld resolves it. */
static bool
service_port(const char *name, unsigned long long *port)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	char *line;
	char *save = NULL;
	bool found = false;

	if (root_read("/etc/services", &data, &len, &err) != READ_OK) {
		free(err);
		return false;
	}
	for (line = strtok_r(data, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		char *words = NULL;
		char *w;
		char *num;

		line[strcspn(line, "#")] = '\0';
		if ((w = strtok_r(line, " \t", &words)) == NULL ||
		    (num = strtok_r(NULL, " \t", &words)) == NULL)
			continue;
		num[strcspn(num, "/")] = '\0';
		for (; w && !found; w = strtok_r(NULL, " \t", &words))
			found = strcmp(w, name) == 0 && parse_uint(num, 0, 65535, port);
	}
	free(data);
	return found;
}

/* One end of a port range as firewalld's getPortID reads it: a number, or
 * a service name. */
static bool
port_id(const char *s, unsigned long long *port)
{
	if (isdigit((unsigned char)s[0]))
		return parse_uint(s, 1, 65535, port);
	return s[0] != '\0' && service_port(s, port) && *port > 0;
}

static bool
port_parse(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[64];
	char *sep;
	unsigned long long a;
	unsigned long long b;

	if (strlen(s) >= sizeof(buf))
		return false;
	memcpy(buf, s, strlen(s) + 1);
	/* a whole name first: service names may hold a '-' */
	if (!isdigit((unsigned char)buf[0]) && port_id(buf, &a)) {
		*lo = *hi = (uint16_t)a;
		return true;
	}
	sep = strpbrk(buf, "-:");
	if (sep)
		*sep++ = '\0';
	if (!port_id(buf, &a))
		return false;
	b = a;
	if (sep && !port_id(sep, &b))
		return false;
	/* firewalld's getPortRange swaps a range written backwards */
	*lo = (uint16_t)(a < b ? a : b);
	*hi = (uint16_t)(a < b ? b : a);
	return true;
}

/* A mark or mask as firewalld's checkUINT32 reads it (Python's int(x, 0)):
 * decimal, or hexadecimal after 0x. */
static bool
mark_uint(const char *s, unsigned long long *v)
{
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return false;
		errno = 0;
		*v = strtoull(s + 2, &end, 16);
		return *end == '\0' && errno == 0 && *v <= 0xffffffffu;
	}
	return parse_uint(s, 0, 0xffffffffu, v);
}

static bool
is_mac(const char *s)
{
	size_t i;

	if (strlen(s) != 17)
		return false;
	for (i = 0; i < 17; i++) {
		char c = s[i];

		if (i % 3 == 2 ? c != ':' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
					     (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static bool
is_yes(const char *s)
{
	return strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0;
}

/* ---- ICMP types (nftables.py ICMP_TYPES_FRAGMENTS) ---- */

struct icmp_def {
	const char *name;
	int v4type;
	int v4code; /* -1: any */
	int v6type;
	int v6code;
};

#define NO -2
static const struct icmp_def icmp_types[] = {
	{"address-unreachable", NO, NO, 1, 3},
	{"bad-header", NO, NO, 4, 0},
	{"beyond-scope", NO, NO, 1, 2},
	{"communication-prohibited", 3, 13, 1, 1},
	{"destination-unreachable", 3, -1, 1, -1},
	{"echo-reply", 0, -1, 129, -1},
	{"echo-request", 8, -1, 128, -1},
	{"failed-policy", NO, NO, 1, 5},
	{"fragmentation-needed", 3, 4, NO, NO},
	{"host-precedence-violation", 3, 14, NO, NO},
	{"host-prohibited", 3, 10, NO, NO},
	{"host-redirect", 5, 1, NO, NO},
	{"host-unknown", 3, 7, NO, NO},
	{"host-unreachable", 3, 1, NO, NO},
	{"ip-header-bad", 12, 1, NO, NO},
	{"neighbour-advertisement", NO, NO, 136, -1},
	{"neighbour-solicitation", NO, NO, 135, -1},
	{"network-prohibited", 3, 8, NO, NO},
	{"network-redirect", 5, 0, NO, NO},
	{"network-unknown", 3, 6, NO, NO},
	{"network-unreachable", 3, 0, NO, NO},
	{"no-route", NO, NO, 1, 0},
	{"packet-too-big", NO, NO, 2, -1},
	{"parameter-problem", 12, -1, 4, -1},
	{"port-unreachable", 3, 3, 1, 4},
	{"precedence-cutoff", 3, 15, NO, NO},
	{"protocol-unreachable", 3, 2, NO, NO},
	{"redirect", 5, -1, 137, -1},
	{"reject-route", NO, NO, 1, 6},
	{"required-option-missing", 12, 1, NO, NO},
	{"router-advertisement", 9, -1, 134, -1},
	{"router-solicitation", 10, -1, 133, -1},
	{"source-quench", 4, -1, NO, NO},
	{"source-route-failed", 3, 5, NO, NO},
	{"time-exceeded", 11, -1, 3, -1},
	{"timestamp-reply", 14, -1, NO, NO},
	{"timestamp-request", 13, -1, NO, NO},
	{"tos-host-redirect", 5, 3, NO, NO},
	{"tos-host-unreachable", 3, 12, NO, NO},
	{"tos-network-redirect", 5, 2, NO, NO},
	{"tos-network-unreachable", 3, 11, NO, NO},
	{"ttl-zero-during-reassembly", 11, 1, 3, 1},
	{"ttl-zero-during-transit", 11, 0, 3, 0},
	{"unknown-header-type", NO, NO, 4, 1},
	{"unknown-option", NO, NO, 4, 2},
};

/* ICMP types firewalld knows but its nftables backend has no match for:
 * their rules are left out, as firewalld leaves them out. */
static const char *const icmp_unsupported[] = {
	"mld-listener-done", "mld-listener-query", "mld-listener-report", "mld2-listener-report",
};

static const struct icmp_def *
icmp_find(const char *name, bool *known)
{
	size_t i;

	*known = true;
	for (i = 0; i < ARRAY_LEN(icmp_types); i++)
		if (strcmp(icmp_types[i].name, name) == 0)
			return &icmp_types[i];
	for (i = 0; i < ARRAY_LEN(icmp_unsupported); i++)
		if (strcmp(icmp_unsupported[i], name) == 0)
			return NULL;
	*known = false;
	return NULL;
}

/* ---- the XML reader: firewalld's SAX content handlers over the tree ---- */

enum okind {
	K_ZONE,
	K_POLICY,
	K_SERVICE,
	K_IPSET
};

/* firewalld's PARSER_REQUIRED/OPTIONAL_ELEMENT_ATTRS: an element outside the
 * table, a missing required attribute or any other attribute is refused. */
struct elemdef {
	const char *name;
	const char *req[3];
	const char *opt[6];
};

/* zones (io/zone.py) */
static const struct elemdef zone_elems[] = {
	{"accept", {NULL}, {NULL}},
	{"audit", {NULL}, {NULL}},
	{"description", {NULL}, {NULL}},
	{"destination", {NULL}, {"address", "invert", "ipset", NULL}},
	{"drop", {NULL}, {NULL}},
	{"forward", {NULL}, {NULL}},
	{"forward-port", {"port", "protocol", NULL}, {"to-port", "to-addr", NULL}},
	{"icmp-block", {"name", NULL}, {NULL}},
	{"icmp-block-inversion", {NULL}, {NULL}},
	{"icmp-type", {"name", NULL}, {NULL}},
	{"interface", {"name", NULL}, {NULL}},
	{"limit", {"value", NULL}, {NULL}},
	{"log", {NULL}, {"prefix", "level", NULL}},
	{"mark", {"set", NULL}, {NULL}},
	{"masquerade", {NULL}, {"enabled", NULL}},
	{"nflog", {NULL}, {"group", "prefix", "queue-size", NULL}},
	{"port", {"port", "protocol", NULL}, {NULL}},
	{"protocol", {"value", NULL}, {NULL}},
	{"reject", {NULL}, {"type", NULL}},
	{"rule", {NULL}, {"family", "priority", NULL}},
	{"service", {"name", NULL}, {NULL}},
	{"short", {NULL}, {NULL}},
	{"source", {NULL}, {"address", "mac", "invert", "family", "ipset", NULL}},
	{"source-port", {"port", "protocol", NULL}, {NULL}},
	{"tcp-mss-clamp", {NULL}, {"value", NULL}},
	{"zone", {NULL}, {"name", "immutable", "target", "version", NULL}},
};

/* policies (io/policy.py; <disable/> from firewalld 2) */
static const struct elemdef policy_elems[] = {
	{"accept", {NULL}, {NULL}},
	{"audit", {NULL}, {NULL}},
	{"description", {NULL}, {NULL}},
	{"destination", {NULL}, {"address", "invert", "ipset", NULL}},
	{"disable", {NULL}, {NULL}},
	{"drop", {NULL}, {NULL}},
	{"egress-zone", {"name", NULL}, {NULL}},
	{"forward-port", {"port", "protocol", NULL}, {"to-port", "to-addr", NULL}},
	{"icmp-block", {"name", NULL}, {NULL}},
	{"icmp-type", {"name", NULL}, {NULL}},
	{"ingress-zone", {"name", NULL}, {NULL}},
	{"limit", {"value", NULL}, {NULL}},
	{"log", {NULL}, {"prefix", "level", NULL}},
	{"mark", {"set", NULL}, {NULL}},
	{"masquerade", {NULL}, {NULL}},
	{"nflog", {NULL}, {"group", "prefix", "queue-size", NULL}},
	{"policy", {"target", NULL}, {"version", "priority", NULL}},
	{"port", {"port", "protocol", NULL}, {NULL}},
	{"protocol", {"value", NULL}, {NULL}},
	{"reject", {NULL}, {"type", NULL}},
	{"rule", {NULL}, {"family", "priority", NULL}},
	{"service", {"name", NULL}, {NULL}},
	{"short", {NULL}, {NULL}},
	{"source", {NULL}, {"address", "mac", "invert", "family", "ipset", NULL}},
	{"source-port", {"port", "protocol", NULL}, {NULL}},
	{"tcp-mss-clamp", {NULL}, {"value", NULL}},
};

/* services (io/service.py) */
static const struct elemdef service_elems[] = {
	{"description", {NULL}, {NULL}},
	{"destination", {NULL}, {"ipv4", "ipv6", NULL}},
	{"helper", {"name", NULL}, {NULL}},
	{"include", {"service", NULL}, {NULL}},
	{"module", {"name", NULL}, {NULL}},
	{"port", {"port", "protocol", NULL}, {NULL}},
	{"protocol", {"value", NULL}, {NULL}},
	{"service", {NULL}, {"name", "version", NULL}},
	{"short", {NULL}, {NULL}},
	{"source-port", {"port", "protocol", NULL}, {NULL}},
};

/* ipsets (io/ipset.py) */
static const struct elemdef ipset_elems[] = {
	{"description", {NULL}, {NULL}},
	{"entry", {NULL}, {NULL}},
	{"ipset", {"type", NULL}, {"version", NULL}},
	{"option", {"name", NULL}, {"value", NULL}},
	{"short", {NULL}, {NULL}},
};

static const struct {
	const struct elemdef *v;
	size_t n;
	const char *root;
} elem_tables[] = {
	[K_ZONE] = {zone_elems, ARRAY_LEN(zone_elems), "zone"},
	[K_POLICY] = {policy_elems, ARRAY_LEN(policy_elems), "policy"},
	[K_SERVICE] = {service_elems, ARRAY_LEN(service_elems), "service"},
	[K_IPSET] = {ipset_elems, ARRAY_LEN(ipset_elems), "ipset"},
};

static int
elemdef_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const struct elemdef *)e)->name);
}

/* The state firewalld's content handler keeps while reading one file. */
struct xr {
	struct fwd *f;
	struct ffile *ff;
	enum okind kind;
	struct fobj *obj;
	struct fservice *svc;
	struct fipset *set;
	struct frich *rule; /* inside <rule> */
	bool rule_error;    /* the rule is ignored; so is what is inside it */
	struct flimit *limit_ok;
	unsigned nelem;
	bool stop;
	bool has_dst[FAM_COUNT];
};

static const char *
attr(xmlNode *n, const char *name)
{
	xmlAttr *a;

	for (a = n->properties; a; a = a->next)
		if (a->name && strcmp((const char *)a->name, name) == 0)
			return a->children && a->children->content
				       ? (const char *)a->children->content
				       : "";
	return NULL;
}

static unsigned
line_of(xmlNode *n)
{
	long l = xmlGetLineNo(n);

	return l > 0 ? (unsigned)l : 0;
}

static bool
check_attrs(struct xr *x, xmlNode *n, const char *name)
{
	const struct elemdef *d = bsearch(name, elem_tables[x->kind].v, elem_tables[x->kind].n,
					  sizeof(struct elemdef), elemdef_cmp);
	xmlAttr *a;
	size_t i;

	if (d == NULL) {
		ff_refuse(x->ff, line_of(n), "unexpected element <%s>", name);
		return false;
	}
	for (i = 0; d->req[i]; i++)
		if (attr(n, d->req[i]) == NULL) {
			ff_refuse(x->ff, line_of(n), "<%s> lacks the attribute %s", name, d->req[i]);
			return false;
		}
	for (a = n->properties; a; a = a->next) {
		const char *an = (const char *)a->name;
		bool ok = false;

		for (i = 0; d->req[i] && !ok; i++)
			ok = strcmp(an, d->req[i]) == 0;
		for (i = 0; d->opt[i] && !ok; i++)
			ok = strcmp(an, d->opt[i]) == 0;
		if (!ok) {
			ff_refuse(x->ff, line_of(n), "<%s>: unexpected attribute %s", name, an);
			return false;
		}
	}
	return true;
}

/* A rich rule firewalld ignores (it logs a warning and loads the rest). */
static void __attribute__((format(printf, 3, 4)))
rule_ignored(struct xr *x, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ff_error(x->ff, line, "rich rule ignored by firewalld: %s", msg);
	free(msg);
	x->rule_error = true;
}

static bool
read_port(struct xr *x, xmlNode *n, struct fport *p)
{
	const char *port = attr(n, "port");
	const char *proto = attr(n, "protocol");

	p->line = line_of(n);
	if (!port_parse(port, &p->lo, &p->hi)) {
		ff_refuse(x->ff, p->line, "<%s port=\"%s\">: not a port or port range%s",
			  (const char *)n->name, port,
			  isdigit((unsigned char)port[0])
				  ? ""
				  : " (a service name is looked up in the root's /etc/services)");
		return false;
	}
	if (!port_proto_parse(proto, &p->proto)) {
		ff_refuse(x->ff, p->line, "<%s protocol=\"%s\">: not tcp, udp, sctp or dccp",
			  (const char *)n->name, proto);
		return false;
	}
	return true;
}

/* forward-port: to-port and to-addr (the rule's family decides the latter's). */
static bool
read_fwd(struct xr *x, xmlNode *n, struct ffwd *fw)
{
	const char *tp = attr(n, "to-port");
	const char *ta = attr(n, "to-addr");
	uint16_t hi;

	memset(fw, 0, sizeof(*fw));
	if (!read_port(x, n, &fw->port))
		return false;
	fw->line = fw->port.line;
	if (tp && *tp) {
		if (!port_parse(tp, &fw->to_port, &hi)) {
			ff_refuse(x->ff, fw->line, "<forward-port to-port=\"%s\">: not a port", tp);
			return false;
		}
		fw->has_to_port = true;
	}
	if (ta && *ta) {
		if (!addr_parse(ta, &fw->to_fam, &fw->to_addr)) {
			ff_refuse(x->ff, fw->line, "<forward-port to-addr=\"%s\">: not an address", ta);
			return false;
		}
		fw->has_to_addr = true;
		fw->to_text = xstrdup(ta);
	}
	if (!fw->has_to_port && !fw->has_to_addr) {
		ff_refuse(x->ff, fw->line, "<forward-port> has neither to-port nor to-addr");
		return false;
	}
	return true;
}

static void
rich_element(struct xr *x, xmlNode *n, enum relem e)
{
	if (x->rule->elem != RE_NONE) {
		rule_ignored(x, line_of(n), "more than one element in the rule");
		return;
	}
	x->rule->elem = e;
}

/* Elements inside <rule> (common_startElement's rule branches). */
static void
rule_start(struct xr *x, xmlNode *n, const char *name)
{
	struct frich *r = x->rule;
	unsigned line = line_of(n);

	if (strcmp(name, "service") == 0) {
		rich_element(x, n, RE_SERVICE);
		/* a second element of the rule replaces the first's (an
		 * error rich_element reports) */
		free(r->name);
		r->name = xstrdup(attr(n, "name"));
	} else if (strcmp(name, "port") == 0 || strcmp(name, "source-port") == 0) {
		const char *port = attr(n, "port");
		const char *proto = attr(n, "protocol");

		rich_element(x, n, name[0] == 'p' ? RE_PORT : RE_SOURCE_PORT);
		r->port.line = line;
		if (!port_parse(port, &r->port.lo, &r->port.hi))
			rule_ignored(x, line, "\"%s\" is not a port or port range", port);
		else if (!port_proto_parse(proto, &r->port.proto))
			rule_ignored(x, line, "\"%s\" is not tcp, udp, sctp or dccp", proto);
	} else if (strcmp(name, "protocol") == 0) {
		rich_element(x, n, RE_PROTOCOL);
		free(r->proto.name);
		r->proto.name = xstrdup(attr(n, "value"));
		r->proto.line = line;
		if (!proto_parse(r->proto.name, &r->proto.proto))
			rule_ignored(x, line, "unknown protocol \"%s\"", r->proto.name);
	} else if (strcmp(name, "icmp-block") == 0 || strcmp(name, "icmp-type") == 0) {
		rich_element(x, n, name[5] == 'b' ? RE_ICMP_BLOCK : RE_ICMP_TYPE);
		free(r->name);
		r->name = xstrdup(attr(n, "name"));
	} else if (strcmp(name, "masquerade") == 0) {
		rich_element(x, n, RE_MASQUERADE);
	} else if (strcmp(name, "tcp-mss-clamp") == 0) {
		rich_element(x, n, RE_TCP_MSS_CLAMP);
	} else if (strcmp(name, "forward-port") == 0) {
		const char *tp = attr(n, "to-port");
		const char *ta = attr(n, "to-addr");
		uint16_t hi;

		rich_element(x, n, RE_FORWARD_PORT);
		free(r->fwd.to_text);
		memset(&r->fwd, 0, sizeof(r->fwd));
		r->fwd.line = line;
		if (!port_parse(attr(n, "port"), &r->fwd.port.lo, &r->fwd.port.hi) ||
		    !port_proto_parse(attr(n, "protocol"), &r->fwd.port.proto))
			rule_ignored(x, line, "bad forward-port port or protocol");
		else if (tp && *tp && !port_parse(tp, &r->fwd.to_port, &hi))
			rule_ignored(x, line, "bad forward-port to-port \"%s\"", tp);
		else if (ta && *ta && !addr_parse(ta, &r->fwd.to_fam, &r->fwd.to_addr))
			rule_ignored(x, line, "bad forward-port to-addr \"%s\"", ta);
		else if (!(tp && *tp) && !(ta && *ta))
			rule_ignored(x, line, "forward-port without to-port and to-addr");
		r->fwd.has_to_port = tp && *tp;
		r->fwd.has_to_addr = ta && *ta;
		r->fwd.to_text = ta ? xstrdup(ta) : NULL;
	} else if (strcmp(name, "source") == 0 || strcmp(name, "destination") == 0) {
		struct faddr *a = name[0] == 's' ? &r->src : &r->dst;
		const char *ad = attr(n, "address");
		const char *ipset = attr(n, "ipset");
		const char *mac = attr(n, "mac");
		const char *inv = attr(n, "invert");

		if (a->kind != FA_NONE) {
			if (name[0] == 's')
				rule_ignored(x, line, "more than one source in the rule");
			return; /* a second destination is skipped with a warning */
		}
		a->line = line;
		a->invert = inv && is_yes(inv);
		if ((ad != NULL) + (ipset != NULL) + (mac != NULL) != 1) {
			rule_ignored(x, line, "<%s> needs exactly one of address, ipset, mac", name);
			return;
		}
		if (ad) {
			a->kind = FA_ADDR;
			a->text = xstrdup(ad);
			if (!cidr_parse(ad, &a->cidr))
				rule_ignored(x, line, "\"%s\" is not an address", ad);
		} else if (ipset) {
			a->kind = FA_IPSET;
			a->text = xstrdup(ipset);
		} else {
			a->kind = FA_MAC;
			a->text = xstrdup(mac);
			if (name[0] == 'd' || !is_mac(mac))
				rule_ignored(x, line, "\"%s\" is not a usable MAC source", mac);
		}
	} else if (strcmp(name, "accept") == 0 || strcmp(name, "reject") == 0 ||
		   strcmp(name, "drop") == 0 || strcmp(name, "mark") == 0) {
		if (r->act != RA_NONE) {
			rule_ignored(x, line, "more than one action");
			return;
		}
		r->act = name[0] == 'a' ? RA_ACCEPT : name[0] == 'r' ? RA_REJECT
			 : name[0] == 'd' ? RA_DROP : RA_MARK;
		if (attr(n, "type"))
			r->reject_type = xstrdup(attr(n, "type"));
		if (attr(n, "set"))
			r->mark = xstrdup(attr(n, "set"));
		x->limit_ok = &r->act_limit;
	} else if (strcmp(name, "log") == 0 || strcmp(name, "nflog") == 0) {
		if (r->log)
			return;
		r->log = true;
		x->limit_ok = &r->log_limit;
	} else if (strcmp(name, "audit") == 0) {
		if (r->audit) {
			rule_ignored(x, line, "more than one audit");
			return;
		}
		r->audit = true;
		x->limit_ok = &r->audit_limit;
	} else if (strcmp(name, "limit") == 0) {
		if (x->limit_ok == NULL) {
			rule_ignored(x, line, "<limit> outside an action, log or audit");
			return;
		}
		if (x->limit_ok->set) {
			rule_ignored(x, line, "more than one limit");
			return;
		}
		x->limit_ok->set = true;
		x->limit_ok->text = xstrdup(attr(n, "value"));
	} else if (strcmp(name, "rule") == 0) {
		rule_ignored(x, line, "a rule inside a rule");
	} else if (strcmp(name, "interface") == 0 || strcmp(name, "forward") == 0 ||
		   strcmp(name, "icmp-block-inversion") == 0 || strcmp(name, "ingress-zone") == 0 ||
		   strcmp(name, "egress-zone") == 0 || strcmp(name, "disable") == 0) {
		rule_ignored(x, line, "<%s> inside a rule", name);
	}
	/* short, description: nothing */
}

/* Rich_Limit.check(): N/s, N/m, N/h, N/d (second, minute... shortened). */
static bool
limit_ok(struct flimit *l)
{
	char *slash;
	unsigned long long rate;
	const char *unit;
	char num[24];

	if (!l->set)
		return true;
	slash = strchr(l->text, '/');
	if (slash == NULL || strchr(slash + 1, '/') || (size_t)(slash - l->text) >= sizeof(num))
		return false;
	memcpy(num, l->text, (size_t)(slash - l->text));
	num[slash - l->text] = '\0';
	unit = slash + 1;
	if (!parse_uint(num, 1, 0xffffffffu, &rate))
		return false;
	if (strcmp(unit, "second") == 0 || strcmp(unit, "minute") == 0 ||
	    strcmp(unit, "hour") == 0 || strcmp(unit, "day") == 0)
		slash[2] = '\0';
	else if (strcmp(unit, "s") != 0 && strcmp(unit, "m") != 0 && strcmp(unit, "h") != 0 &&
		 strcmp(unit, "d") != 0)
		return false;
	return !(rate == 1 && slash[1] == 'd');
}

static const char *const reject_v4[] = {
	"icmp-host-prohibited", "host-prohib", "icmp-net-unreachable", "net-unreach",
	"icmp-host-unreachable", "host-unreach", "icmp-port-unreachable", "port-unreach",
	"icmp-proto-unreachable", "proto-unreach", "icmp-net-prohibited", "net-prohib",
	"tcp-reset", "tcp-rst", "icmp-admin-prohibited", "admin-prohib", NULL};
static const char *const reject_v6[] = {
	"icmp6-adm-prohibited", "adm-prohibited", "icmp6-no-route", "no-route",
	"icmp6-addr-unreachable", "addr-unreach", "icmp6-port-unreachable", "port-unreach",
	"tcp-reset", NULL};

static bool
in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

/* Rich_Rule.check(): what firewalld ignores the rule for. */
static const char *
rule_check(struct frich *r)
{
	bool elem_free = r->elem == RE_ICMP_BLOCK || r->elem == RE_FORWARD_PORT ||
			 r->elem == RE_MASQUERADE || r->elem == RE_TCP_MSS_CLAMP;

	if (r->family < 0 && (r->src.kind == FA_ADDR || r->dst.kind != FA_NONE))
		return "a source or destination address needs the rule's family";
	if (r->family < 0 && r->elem == RE_FORWARD_PORT)
		return "forward-port needs the rule's family";
	if (r->priority < -32768 || r->priority > 32767)
		return "priority is not between -32768 and 32767";
	if (r->elem == RE_NONE && (!r->log || r->priority == 0)) {
		if (r->act == RA_NONE)
			return "no element, no action";
		if (r->src.kind == FA_NONE && r->dst.kind == FA_NONE && r->priority == 0)
			return "no element, no source, no destination";
	}
	if (!elem_free && !r->log && !r->audit && r->act == RA_NONE)
		return "no action, no log, no audit";
	if (r->src.kind == FA_ADDR && r->src.cidr.fam != (enum family)r->family)
		return "the source address is not of the rule's family";
	if (r->dst.kind == FA_ADDR && r->dst.cidr.fam != (enum family)r->family)
		return "the destination address is not of the rule's family";
	if ((r->elem == RE_MASQUERADE || r->elem == RE_ICMP_BLOCK || r->elem == RE_FORWARD_PORT ||
	     r->elem == RE_TCP_MSS_CLAMP) && r->act != RA_NONE)
		return "this element takes no action";
	if (r->elem == RE_FORWARD_PORT && r->fwd.has_to_addr &&
	    r->fwd.to_fam != (enum family)r->family)
		return "forward-port's to-addr is not of the rule's family";
	if (r->audit && r->act != RA_ACCEPT && r->act != RA_REJECT && r->act != RA_DROP)
		return "audit needs accept, reject or drop";
	if (r->act == RA_REJECT && r->reject_type) {
		if (r->family < 0)
			return "a reject type needs the rule's family";
		if (!in_list(r->family == FAM_V4 ? reject_v4 : reject_v6, r->reject_type))
			return "unknown reject type for the rule's family";
	}
	if (r->act == RA_MARK) {
		char *slash = strchr(r->mark, '/');
		unsigned long long v;
		char buf[32];
		size_t len = slash ? (size_t)(slash - r->mark) : strlen(r->mark);

		if (len >= sizeof(buf))
			return "bad mark";
		memcpy(buf, r->mark, len);
		buf[len] = '\0';
		if (!mark_uint(buf, &v) || (slash && !mark_uint(slash + 1, &v)))
			return "bad mark";
	}
	if (!limit_ok(&r->log_limit) || !limit_ok(&r->audit_limit) || !limit_ok(&r->act_limit))
		return "a limit is not N/second, N/minute, N/hour or N/day";
	return NULL;
}

static void
frich_free(struct frich *r)
{
	free(r->name);
	free(r->proto.name);
	free(r->fwd.to_text);
	free(r->src.text);
	free(r->dst.text);
	free(r->log_limit.text);
	free(r->audit_limit.text);
	free(r->act_limit.text);
	free(r->reject_type);
	free(r->mark);
	memset(r, 0, sizeof(*r));
}

static void
rule_end(struct xr *x)
{
	const char *why;

	if (!x->rule_error && (why = rule_check(x->rule)) != NULL)
		rule_ignored(x, x->rule->line, "%s", why);
	if (!x->rule_error)
		x->obj->rules.n++; /* keep it (it was built in place) */
	else
		frich_free(x->rule);
	x->rule = NULL;
	x->rule_error = false;
	x->limit_ok = NULL;
}

static void
zone_source(struct xr *x, xmlNode *n)
{
	struct faddr a;
	const char *ad = attr(n, "address");
	const char *ipset = attr(n, "ipset");

	memset(&a, 0, sizeof(a));
	a.line = line_of(n);
	if ((ad == NULL) == (ipset == NULL) || attr(n, "invert")) {
		/* firewalld warns and skips it */
		ff_error(x->ff, a.line, "<source> needs one of address or ipset, without invert: "
					"firewalld ignores it");
		return;
	}
	if (ipset) {
		a.kind = FA_IPSET;
		a.text = xstrdup(ipset);
	} else if (is_mac(ad)) {
		a.kind = FA_MAC;
		a.text = xstrdup(ad);
	} else if (cidr_parse(ad, &a.cidr)) {
		a.kind = FA_ADDR;
		a.text = xstrdup(ad);
	} else {
		ff_refuse(x->ff, a.line, "<source address=\"%s\">: not an address", ad);
		return;
	}
	VEC_PUSH(x->obj->sources.v, x->obj->sources.n, x->obj->sources.cap, a);
}

static bool
push_name(struct xr *x, void *vec, const char *name, unsigned line)
{
	VEC(struct fname) *v = vec;
	struct fname fn = {xstrdup(name), line};
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i].name, name) == 0) {
			free(fn.name);
			return false; /* firewalld: "already set, ignoring" */
		}
	(void)x;
	VEC_PUSH(v->v, v->n, v->cap, fn);
	return true;
}

static void
obj_root(struct xr *x, xmlNode *n)
{
	struct fobj *z = x->obj;
	const char *t = attr(n, "target");
	const char *pr = attr(n, "priority");

	z->line = line_of(n);
	if (!z->policy) {
		if (t == NULL || *t == '\0' || strcmp(t, "{chain}_{zone}") == 0)
			z->target = FT_DEFAULT;
		else if (strcmp(t, "default") == 0)
			z->target = FT_DEFAULT_WORD;
		else if (strcmp(t, "ACCEPT") == 0)
			z->target = FT_ACCEPT;
		else if (strcmp(t, "%%REJECT%%") == 0)
			z->target = FT_REJECT;
		else if (strcmp(t, "DROP") == 0)
			z->target = FT_DROP;
		else
			ff_refuse(x->ff, z->line,
				  "zone target \"%s\" is not ACCEPT, DROP, %%%%REJECT%%%% or default%s",
				  t, strcmp(t, "REJECT") == 0 ? " (REJECT is written %%REJECT%%)" : "");
		return;
	}
	z->priority = -1;
	if (strcmp(t, "CONTINUE") == 0)
		z->target = FT_CONTINUE;
	else if (strcmp(t, "ACCEPT") == 0)
		z->target = FT_ACCEPT;
	else if (strcmp(t, "REJECT") == 0)
		z->target = FT_REJECT;
	else if (strcmp(t, "DROP") == 0)
		z->target = FT_DROP;
	else
		ff_refuse(x->ff, z->line, "policy target \"%s\" is not CONTINUE, ACCEPT, DROP or REJECT",
			  t);
	if (pr) {
		char *end;

		z->priority = strtol(pr, &end, 10);
		if (*pr == '\0' || *end != '\0' || z->priority < -32768 || z->priority > 32767 ||
		    z->priority == 0)
			ff_refuse(x->ff, z->line, "policy priority \"%s\" is not a non-zero number "
						  "between -32768 and 32767", pr);
	}
}

/* Zone and policy elements outside rules. */
static void
obj_start(struct xr *x, xmlNode *n, const char *name)
{
	struct fobj *z = x->obj;
	unsigned line = line_of(n);

	if (strcmp(name, elem_tables[x->kind].root) == 0) {
		obj_root(x, n);
	} else if (strcmp(name, "rule") == 0) {
		const char *fam = attr(n, "family");
		const char *pr = attr(n, "priority");
		struct frich *r;

		grow((void **)&z->rules.v, &z->rules.cap, z->rules.n, sizeof(*z->rules.v));
		r = &z->rules.v[z->rules.n];
		memset(r, 0, sizeof(*r));
		r->line = line;
		r->family = -1;
		x->rule = r;
		if (fam && strcmp(fam, "ipv4") == 0) {
			r->family = FAM_V4;
		} else if (fam && strcmp(fam, "ipv6") == 0) {
			r->family = FAM_V6;
		} else if (fam) {
			rule_ignored(x, line, "family \"%s\" is not ipv4 or ipv6", fam);
		}
		if (pr) {
			char *end;

			r->priority = strtol(pr, &end, 10);
			if (*pr == '\0' || *end != '\0')
				ff_refuse(x->ff, line, "rule priority \"%s\" is not a number", pr);
		}
	} else if (strcmp(name, "service") == 0) {
		push_name(x, &z->services, attr(n, "name"), line);
	} else if (strcmp(name, "port") == 0 || strcmp(name, "source-port") == 0) {
		struct fport p;

		if (read_port(x, n, &p)) {
			if (name[0] == 'p')
				VEC_PUSH(z->ports.v, z->ports.n, z->ports.cap, p);
			else
				VEC_PUSH(z->sports.v, z->sports.n, z->sports.cap, p);
		}
	} else if (strcmp(name, "protocol") == 0) {
		struct fproto p = {0, xstrdup(attr(n, "value")), line};

		if (!proto_parse(p.name, &p.proto)) {
			ff_refuse(x->ff, line, "unknown protocol \"%s\"", p.name);
			free(p.name);
			return;
		}
		VEC_PUSH(z->protocols.v, z->protocols.n, z->protocols.cap, p);
	} else if (strcmp(name, "icmp-block") == 0) {
		push_name(x, &z->icmp_blocks, attr(n, "name"), line);
	} else if (strcmp(name, "forward-port") == 0) {
		struct ffwd fw;

		if (read_fwd(x, n, &fw))
			VEC_PUSH(z->fwds.v, z->fwds.n, z->fwds.cap, fw);
	} else if (strcmp(name, "masquerade") == 0) {
		z->masquerade = true;
		z->masq_line = line;
	} else if (strcmp(name, "forward") == 0) {
		z->forward = true;
	} else if (strcmp(name, "icmp-block-inversion") == 0) {
		z->ibi = true;
	} else if (strcmp(name, "disable") == 0) {
		z->disabled = true;
	} else if (strcmp(name, "interface") == 0 && !z->policy) {
		const char *ifn = attr(n, "name");

		if (*ifn == '\0' || strlen(ifn) > 15 || strpbrk(ifn, " /\t"))
			ff_refuse(x->ff, line, "interface \"%s\" is not an interface name", ifn);
		else
			push_name(x, &z->ifaces, ifn, line);
	} else if (strcmp(name, "source") == 0 && !z->policy) {
		zone_source(x, n);
	} else if (strcmp(name, "ingress-zone") == 0 || strcmp(name, "egress-zone") == 0) {
		push_name(x, name[0] == 'i' ? (void *)&z->ingress : (void *)&z->egress,
			  attr(n, "name"), line);
	} else if (strcmp(name, "short") != 0 && strcmp(name, "description") != 0) {
		/* destination, actions, log, limit... outside a rule: firewalld
		 * warns and skips them */
		ff_error(x->ff, line, "<%s> outside a rule: firewalld ignores it", name);
	}
}

static void
service_start(struct xr *x, xmlNode *n, const char *name)
{
	struct fservice *s = x->svc;
	unsigned line = line_of(n);

	if (strcmp(name, "service") == 0) {
		s->line = line;
	} else if (strcmp(name, "port") == 0 && *attr(n, "port") == '\0') {
		/* <port port="" protocol="gre"/>: a protocol */
		struct fproto p = {0, xstrdup(attr(n, "protocol")), line};

		if (!proto_parse(p.name, &p.proto)) {
			ff_refuse(x->ff, line, "unknown protocol \"%s\"", p.name);
			free(p.name);
			return;
		}
		VEC_PUSH(s->protocols.v, s->protocols.n, s->protocols.cap, p);
	} else if (strcmp(name, "port") == 0 || strcmp(name, "source-port") == 0) {
		struct fport p;

		if (!read_port(x, n, &p))
			return;
		if (name[0] == 'p')
			VEC_PUSH(s->ports.v, s->ports.n, s->ports.cap, p);
		else
			VEC_PUSH(s->sports.v, s->sports.n, s->sports.cap, p);
	} else if (strcmp(name, "protocol") == 0) {
		struct fproto p = {0, xstrdup(attr(n, "value")), line};

		if (!proto_parse(p.name, &p.proto)) {
			ff_refuse(x->ff, line, "unknown protocol \"%s\"", p.name);
			free(p.name);
			return;
		}
		VEC_PUSH(s->protocols.v, s->protocols.n, s->protocols.cap, p);
	} else if (strcmp(name, "destination") == 0) {
		int fam;

		for (fam = 0; fam < FAM_COUNT; fam++) {
			const char *a = attr(n, fam == FAM_V4 ? "ipv4" : "ipv6");

			if (a == NULL || s->has_dst[fam])
				continue;
			if (!cidr_parse(a, &s->dst[fam]) || s->dst[fam].fam != (enum family)fam) {
				ff_refuse(x->ff, line, "<destination %s=\"%s\">: not an address",
					  fam == FAM_V4 ? "ipv4" : "ipv6", a);
				continue;
			}
			s->has_dst[fam] = true;
		}
	} else if (strcmp(name, "include") == 0) {
		push_name(x, &s->includes, attr(n, "service"), line);
	}
	/* module, helper: conntrack helpers, no verdict on a SYN */
}

/* An element's text as firewalld takes it: whole, blanks and newlines
 * included (an <entry> laid out on lines of its own is no address). */
static char *
node_text(xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = xstrdup(t ? (const char *)t : "");

	xmlFree(t);
	return s;
}

static const char *const ipset_types[] = {
	"hash:ip", "hash:ip,mark", "hash:ip,port", "hash:ip,port,ip", "hash:ip,port,net",
	"hash:mac", "hash:net", "hash:net,iface", "hash:net,net", "hash:net,port",
	"hash:net,port,net", NULL};

static void
ipset_start(struct xr *x, xmlNode *n, const char *name)
{
	struct fipset *s = x->set;
	unsigned line = line_of(n);

	if (strcmp(name, "ipset") == 0) {
		s->line = line;
		if (!in_list(ipset_types, attr(n, "type")))
			ff_refuse(x->ff, line, "ipset type \"%s\" is not one firewalld supports",
				  attr(n, "type"));
		free(s->type);
		s->type = xstrdup(attr(n, "type"));
	} else if (strcmp(name, "option") == 0) {
		const char *on = attr(n, "name");
		const char *v = attr(n, "value");
		unsigned long long num;

		if (strcmp(on, "family") == 0) {
			if (v && strcmp(v, "inet6") == 0)
				s->fam = FAM_V6;
			else if (!v || strcmp(v, "inet") != 0)
				ff_refuse(x->ff, line, "ipset family \"%s\" is not inet or inet6",
					  v ? v : "");
		} else if (strcmp(on, "timeout") == 0 || strcmp(on, "hashsize") == 0 ||
			   strcmp(on, "maxelem") == 0) {
			if (!v || !parse_uint(v, 0, 0xffffffffu, &num))
				ff_refuse(x->ff, line, "ipset option %s needs a number", on);
			else if (on[0] == 't' && num != 0)
				s->timeout = true;
		} else {
			ff_refuse(x->ff, line, "unknown ipset option \"%s\"", on);
		}
	} else if (strcmp(name, "entry") == 0) {
		struct fname e = {node_text(n), line};

		if (s->entries.n >= CAP_SET_ELEMS) {
			ff_refuse(x->ff, line, "more than %u entries", CAP_SET_ELEMS);
			free(e.name);
			x->stop = true;
			return;
		}
		VEC_PUSH(s->entries.v, s->entries.n, s->entries.cap, e);
	}
}

static void
walk(struct xr *x, xmlNode *n, unsigned depth)
{
	xmlNode *c;
	const char *name = (const char *)n->name;
	struct frich *before = x->rule;

	if (x->stop)
		return;
	if (++x->nelem > CAP_XML_ELEMS || depth > 64) {
		ff_refuse(x->ff, line_of(n), "more than %u elements or nested too deep: not read",
			  CAP_XML_ELEMS);
		x->stop = true;
		return;
	}
	/* the insides of an ignored rule are skipped unchecked, as firewalld's
	 * handler returns early for them */
	if (!x->rule_error) {
		if (!check_attrs(x, n, name)) {
			x->stop = true; /* the exception ends firewalld's reading */
			return;
		}
		if (x->kind == K_SERVICE)
			service_start(x, n, name);
		else if (x->kind == K_IPSET)
			ipset_start(x, n, name);
		else if (x->rule)
			rule_start(x, n, name);
		else
			obj_start(x, n, name);
	}
	for (c = n->children; c && !x->stop; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			walk(x, c, depth + 1);
	if (x->stop)
		return;
	if (before == NULL && x->rule != NULL)
		rule_end(x);
	else if (x->rule && (strcmp(name, "accept") == 0 || strcmp(name, "reject") == 0 ||
			     strcmp(name, "drop") == 0 || strcmp(name, "mark") == 0 ||
			     strcmp(name, "log") == 0 || strcmp(name, "nflog") == 0 ||
			     strcmp(name, "audit") == 0))
		x->limit_ok = NULL;
}

/* Parse one XML file into x's object. false when the file is refused. */
static bool
read_xml(struct xr *x, const char *data, size_t len)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlNode *root;

	if (len > INT32_MAX) {
		ff_refuse(x->ff, 0, "file too large");
		return false;
	}
	if (memchr(data, '\0', len)) {
		ff_refuse(x->ff, 0, "holds a NUL byte: not XML");
		return false;
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		fprintf(stderr, "cfaudit: out of memory\n");
		exit(3);
	}
	/* no network, no external entities or DTDs, no entity expansion past
	 * libxml2's limits, no error printing (we report the error ourselves) */
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, x->ff->path, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_BIG_LINES);
	if (doc == NULL) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char *msg = xstrdup(e && e->message ? e->message : "cannot be parsed");
		size_t l = strlen(msg);

		while (l > 0 && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
			msg[--l] = '\0';
		ff_refuse(x->ff, e && e->line > 0 ? (unsigned)e->line : 0, "not well-formed XML: %s",
			  msg);
		free(msg);
		xmlFreeParserCtxt(ctxt);
		return false;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, elem_tables[x->kind].root) != 0) {
		ff_refuse(x->ff, root ? line_of(root) : 0, "the root element is not <%s>",
			  elem_tables[x->kind].root);
	} else {
		walk(x, root, 0);
		if (x->rule) /* reading stopped inside it: the file is refused */
			frich_free(x->rule);
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return !x->ff->refused;
}

/* ---- reading the directories ---- */

static enum read_result
read_file(struct fwd *f, bool user, const char *path, char **data, size_t *len, char **err)
{
	if (user && f->d->etc_on_host)
		return host_read(path, data, len, err);
	return root_read(path, data, len, err);
}

static char *
join(const char *dir, const char *sub)
{
	size_t l = strlen(dir);

	while (l > 1 && dir[l - 1] == '/')
		l--;
	return xasprintf("%.*s/%s", (int)l, dir, sub);
}

/* direct.xml: rules firewalld hands to iptables (or nft) as written. They
 * are not modelled; one that exists must not pass for "nothing there". */
static void
note_direct(struct fwd *f)
{
	char *path = join(f->d->etc, "direct.xml");
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;

	if (read_file(f, true, path, &data, &len, &err) == READ_OK &&
	    (strstr(data, "<rule") || strstr(data, "<passthrough"))) {
		struct ffile *ff = new_file(f, path, true);

		ff_error(ff, 0,
			 "direct rules (<rule>, <passthrough>) go to the kernel as written: "
			 "not modelled, so the verdicts do not include them");
	}
	free(data);
	free(err);
	free(path);
}

/* Read every *.xml of dir/sub with read_one (firewalld's sorted listdir). */
static void
read_dir(struct fwd *f, bool user, const char *sub, enum okind kind)
{
	const char *base = user ? f->d->etc : f->d->usr;
	char *dir = join(base, sub);
	char **names = NULL;
	size_t n = 0;
	size_t i;
	char *err = NULL;
	enum read_result rr;

	rr = user && f->d->etc_on_host ? host_list(dir, &names, &n, &err)
				       : root_list(dir, &names, &n, &err);
	if (rr == READ_FAILED) {
		struct ffile *ff = new_file(f, dir, user);

		input_unreadable(ff_input(ff), "%s", err);
		ff->f->refused[user] = true;
	}
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		char *path;
		char *data = NULL;
		size_t len = 0;
		struct ffile *ff;
		struct xr x;

		if (l <= 4 || strcmp(names[i] + l - 4, ".xml") != 0)
			continue; /* combined zones (sub-directories) are not read */
		path = join(dir, names[i]);
		ff = new_file(f, path, user);
		free(err);
		err = NULL;
		rr = read_file(f, user, path, &data, &len, &err);
		free(path);
		if (rr != READ_OK) {
			input_unreadable(ff_input(ff), "%s", err ? err : "no such file");
			f->refused[user] = true;
			continue;
		}
		/* inline suppressions (<!-- cfaudit: ignore ... -->); only files
		 * holding one are listed for it */
		if (memmem(data, len, "cfaudit:", 8))
			suppress_scan(ff_input(ff), data, len);
		memset(&x, 0, sizeof(x));
		x.f = f;
		x.ff = ff;
		x.kind = kind;
		names[i][l - 4] = '\0';
		if (kind == K_ZONE || kind == K_POLICY) {
			x.obj = xcalloc(1, sizeof(*x.obj));
			x.obj->file = ff;
			x.obj->name = xstrdup(names[i]);
			x.obj->policy = kind == K_POLICY;
			if (kind == K_ZONE)
				VEC_PUSH(f->zones[user].v, f->zones[user].n, f->zones[user].cap, x.obj);
			else
				VEC_PUSH(f->policies[user].v, f->policies[user].n,
					 f->policies[user].cap, x.obj);
		} else if (kind == K_SERVICE) {
			x.svc = xcalloc(1, sizeof(*x.svc));
			x.svc->file = ff;
			x.svc->name = xstrdup(names[i]);
			VEC_PUSH(f->services[user].v, f->services[user].n, f->services[user].cap,
				 x.svc);
		} else {
			x.set = xcalloc(1, sizeof(*x.set));
			x.set->file = ff;
			x.set->name = xstrdup(names[i]);
			x.set->type = xstrdup("");
			VEC_PUSH(f->ipsets[user].v, f->ipsets[user].n, f->ipsets[user].cap, x.set);
		}
		read_xml(&x, data, len);
		free(data);
	}
	names_free(names, n);
	free(err);
	free(dir);
}

/* firewalld.conf: KEY=VALUE lines; firewalld logs and skips bad ones. */
static void
read_conf(struct fwd *f)
{
	char *path = join(f->d->etc, "firewalld.conf");
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	struct fconf *c = &f->conf;
	const char *s;
	const char *end;
	unsigned line = 0;
	enum read_result rr;

	c->file = new_file(f, path, true);
	ff_input(c->file);
	snprintf(c->default_zone, sizeof(c->default_zone), "public");
	c->dz_loc = c->rpf_loc = c->rfc_loc = (struct loc){c->file->in->file, 0};
	c->rpfilter = true;
	c->rfc3964 = true;
	rr = read_file(f, true, path, &data, &len, &err);
	free(path);
	if (rr == READ_MISSING) {
		/* firewalld warns and goes on with its defaults: known, not an error */
		c->file->in->detail = xstrdup("missing: firewalld uses its defaults (DefaultZone=public)");
		return;
	}
	if (rr != READ_OK) {
		input_error(c->file->in, 0, "%s: firewalld uses its defaults (DefaultZone=public)", err);
		free(err);
		return;
	}
	for (s = data, end = data + len; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		char buf[512];
		char *eq;
		char *k;
		char *v;

		line++;
		if (n >= sizeof(buf) || memchr(s, '\0', n)) {
			input_error(c->file->in, line, "line too long or holds a NUL byte");
			s = nl ? nl + 1 : end;
			continue;
		}
		memcpy(buf, s, n);
		buf[n] = '\0';
		s = nl ? nl + 1 : end;
		for (k = buf; *k == ' ' || *k == '\t'; k++)
			;
		for (v = k + strlen(k); v > k && (v[-1] == ' ' || v[-1] == '\t' || v[-1] == '\r');)
			*--v = '\0';
		if (*k == '\0' || *k == '#' || *k == ';')
			continue;
		if ((eq = strchr(k, '=')) == NULL || strchr(eq + 1, '=')) {
			input_error(c->file->in, line,
				    "not KEY=VALUE: firewalld logs \"Invalid option definition\" and "
				    "skips it");
			continue;
		}
		for (v = eq; v > k && (v[-1] == ' ' || v[-1] == '\t');)
			v--;
		*v = '\0';
		for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (*v == '\0')
			continue; /* "Missing value": skipped */
		if (strcmp(k, "DefaultZone") == 0) {
			snprintf(c->default_zone, sizeof(c->default_zone), "%s", v);
			c->dz_loc.line = line;
		} else if (strcmp(k, "IPv6_rpfilter") == 0) {
			c->rpfilter = !(strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0);
			c->rpf_loc.line = line;
		} else if (strcmp(k, "RFC3964_IPv4") == 0) {
			c->rfc3964 = !(strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0);
			c->rfc_loc.line = line;
		}
	}
	free(data);
}

/* ---- the effective configuration: user objects over stock ones ---- */

static struct fobj *
find_obj(struct fwd *f, bool policy, const char *name)
{
	int u;
	size_t i;

	for (u = f->fallback ? 0 : 1; u >= 0; u--) {
		VEC(struct fobj *) *v = policy ? (void *)&f->policies[u] : (void *)&f->zones[u];

		for (i = 0; i < v->n; i++)
			if (strcmp(v->v[i]->name, name) == 0)
				return v->v[i];
	}
	return NULL;
}

static struct fservice *
find_service(struct fwd *f, const char *name)
{
	int u;
	size_t i;

	for (u = f->fallback ? 0 : 1; u >= 0; u--)
		for (i = 0; i < f->services[u].n; i++)
			if (strcmp(f->services[u].v[i]->name, name) == 0)
				return f->services[u].v[i];
	return NULL;
}

static struct fipset *
find_ipset(struct fwd *f, const char *name)
{
	int u;
	size_t i;

	for (u = f->fallback ? 0 : 1; u >= 0; u--)
		for (i = 0; i < f->ipsets[u].n; i++)
			if (strcmp(f->ipsets[u].v[i]->name, name) == 0)
				return f->ipsets[u].v[i];
	return NULL;
}

static int
obj_cmp(const void *a, const void *b)
{
	return strcmp((*(struct fobj *const *)a)->name, (*(struct fobj *const *)b)->name);
}

/* The effective zones or policies, sorted by name (firewalld's get_zones()). */
static void
effective(struct fwd *f, bool policy, void *out)
{
	VEC(struct fobj *) *dst = out;
	int u;
	size_t i;

	dst->n = 0;
	for (u = 0; u <= (f->fallback ? 0 : 1); u++) {
		VEC(struct fobj *) *v = policy ? (void *)&f->policies[u] : (void *)&f->zones[u];

		for (i = 0; i < v->n; i++)
			if (find_obj(f, policy, v->v[i]->name) == v->v[i])
				VEC_PUSH(dst->v, dst->n, dst->cap, v->v[i]);
	}
	if (dst->n > 1)
		qsort(dst->v, dst->n, sizeof(*dst->v), obj_cmp);
}

/* ---- checks firewalld makes when it loads and applies the objects ---- */

static const char *const source_ipset_types[] = {
	"hash:ip", "hash:ip,port", "hash:ip,mark", "hash:net", "hash:net,port", "hash:net,iface",
	"hash:mac", NULL};

static void
check_service_ref(struct fwd *f, struct ffile *ff, const char *name, unsigned line)
{
	struct fservice *s = find_service(f, name);

	if (s == NULL)
		ff_refuse(ff, line, "service \"%s\" does not exist", name);
	else
		s->used = true;
}

static struct fipset *
check_ipset_ref(struct fwd *f, struct ffile *ff, const char *name, unsigned line, bool source)
{
	struct fipset *s = find_ipset(f, name);

	if (s == NULL) {
		ff_refuse(ff, line, "ipset \"%s\" does not exist", name);
		return NULL;
	}
	if (source && !in_list(source_ipset_types, s->type)) {
		ff_refuse(ff, line, "ipset \"%s\" of type %s cannot be a source", name, s->type);
		return NULL;
	}
	return s;
}

static void
check_icmp_ref(struct ffile *ff, const char *name, unsigned line)
{
	bool known;

	icmp_find(name, &known);
	if (!known)
		ff_refuse(ff, line, "ICMP type \"%s\" does not exist", name);
}

static void
check_rule(struct fwd *f, struct fobj *z, struct frich *r)
{
	struct ffile *ff = z->file;

	if (r->elem == RE_SERVICE) {
		struct fservice *s = find_service(f, r->name);

		check_service_ref(f, ff, r->name, r->line);
		if (s && r->dst.kind != FA_NONE && (s->has_dst[FAM_V4] || s->has_dst[FAM_V6]))
			ff_refuse(ff, r->line, "rich rule: destination conflicts with service \"%s\"'s",
				  r->name);
	}
	if (r->elem == RE_ICMP_BLOCK || r->elem == RE_ICMP_TYPE)
		check_icmp_ref(ff, r->name, r->line);
	if (r->src.kind == FA_IPSET) {
		struct fipset *s = check_ipset_ref(f, ff, r->src.text, r->line, false);

		if (s && r->family >= 0 && !strstr(s->type, "mac") &&
		    s->fam != (enum family)r->family)
			ff_refuse(ff, r->line, "rich rule: ipset \"%s\" family conflicts with rule "
					       "family", r->src.text);
	}
	if (r->dst.kind == FA_IPSET)
		check_ipset_ref(f, ff, r->dst.text, r->line, false);
}

static void
check_obj(struct fwd *f, struct fobj *z, void *all)
{
	VEC(struct fobj *) *zs = all;
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; i < z->services.n; i++)
		check_service_ref(f, z->file, z->services.v[i].name, z->services.v[i].line);
	for (i = 0; i < z->icmp_blocks.n; i++)
		check_icmp_ref(z->file, z->icmp_blocks.v[i].name, z->icmp_blocks.v[i].line);
	for (i = 0; i < z->sources.n; i++)
		if (z->sources.v[i].kind == FA_IPSET)
			check_ipset_ref(f, z->file, z->sources.v[i].text, z->sources.v[i].line, true);
	for (i = 0; i < z->rules.n; i++)
		check_rule(f, z, &z->rules.v[i]);
	for (i = 0; i < z->ingress.n + z->egress.n; i++) {
		const struct fname *n = i < z->ingress.n ? &z->ingress.v[i]
							 : &z->egress.v[i - z->ingress.n];

		if (strcmp(n->name, "ANY") != 0 && strcmp(n->name, "HOST") != 0 &&
		    find_obj(f, false, n->name) == NULL)
			ff_refuse(z->file, n->line, "zone \"%s\" does not exist", n->name);
	}
	if (z->policy)
		return;
	/* an interface or a source belongs to one zone */
	for (j = 0; j < zs->n && zs->v[j] != z; j++) {
		const struct fobj *o = zs->v[j];

		for (i = 0; i < z->ifaces.n; i++)
			for (k = 0; k < o->ifaces.n; k++)
				if (strcmp(z->ifaces.v[i].name, o->ifaces.v[k].name) == 0)
					ff_refuse(z->file, z->ifaces.v[i].line,
						  "interface \"%s\" is already bound to zone \"%s\"",
						  o->ifaces.v[k].name, o->name);
		for (i = 0; i < z->sources.n; i++)
			for (k = 0; k < o->sources.n; k++)
				if (strcmp(z->sources.v[i].text, o->sources.v[k].text) == 0)
					ff_refuse(z->file, z->sources.v[i].line,
						  "source \"%s\" is already bound to zone \"%s\"",
						  o->sources.v[k].text, o->name);
	}
}

static void
check_services(struct fwd *f)
{
	int u;
	size_t i;
	size_t j;

	for (u = 0; u <= (f->fallback ? 0 : 1); u++)
		for (i = 0; i < f->services[u].n; i++) {
			struct fservice *s = f->services[u].v[i];

			if (find_service(f, s->name) != s)
				continue;
			for (j = 0; j < s->includes.n; j++)
				if (find_service(f, s->includes.v[j].name) == NULL)
					ff_refuse(s->file, s->includes.v[j].line,
						  "included service \"%s\" does not exist",
						  s->includes.v[j].name);
		}
}

/* Everything firewalld checks before it builds the ruleset. */
static void
check_config(struct fwd *f)
{
	static const char *const required[] = {"block", "drop", "trusted"};
	size_t i;

	check_services(f);
	effective(f, false, &f->z);
	effective(f, true, &f->p);
	for (i = 0; i < f->z.n; i++)
		check_obj(f, f->z.v[i], &f->z);
	for (i = 0; i < f->p.n; i++) {
		if (find_obj(f, false, f->p.v[i]->name))
			ff_refuse(f->p.v[i]->file, f->p.v[i]->line,
				  "policy \"%s\" has the name of a zone", f->p.v[i]->name);
		check_obj(f, f->p.v[i], &f->p);
	}
	for (i = 0; i < ARRAY_LEN(required); i++)
		if (find_obj(f, false, required[i]) == NULL && f->dead_why == NULL)
			f->dead_why = xasprintf("zone \"%s\" is missing (%s/zones/%s.xml): firewalld "
						"cannot start",
						required[i], f->d->usr, required[i]);
}

/* ---- building the ruleset ---- */

enum disp {
	D_IN,
	D_FWD,
	D_NATPRE,
	D_MANGLEPRE,
	D_NATPOST,
	D_COUNT
};

static const struct {
	const char *table;
	const char *hook; /* iptables chain name in firewalld's chain names */
	const char *shortname;
	bool out; /* POSTROUTING: dispatch on oifname / daddr */
} dispdefs[D_COUNT] = {
	[D_IN] = {"filter", "INPUT", "IN", false},
	[D_FWD] = {"filter", "FORWARD", "FWD", false},
	[D_NATPRE] = {"nat", "PREROUTING", "PRE", false},
	[D_MANGLEPRE] = {"mangle", "PREROUTING", "PRE", false},
	[D_NATPOST] = {"nat", "POSTROUTING", "POST", true},
};

static const char *const sub_chains[] = {"pre", "log", "deny", "allow", "post"};

static struct chain *__attribute__((format(printf, 2, 3)))
chain_named(struct fwd *f, const char *fmt, ...)
{
	va_list ap;
	char *name;
	struct chain *c;

	va_start(ap, fmt);
	name = xvasprintf(fmt, ap);
	va_end(ap);
	c = ruleset_find_chain(&f->o->fw, TABLE, name, FAM_BOTH);
	if (c == NULL)
		c = ruleset_add_chain(&f->o->fw, TABLE, name, FAM_BOTH, f->conf.dz_loc);
	free(name);
	return c;
}

static struct chain *
base_chain(struct fwd *f, const char *name, enum hook h, enum chain_type t, int prio)
{
	struct chain *c = chain_named(f, "%s", name);

	c->hook = h;
	c->type = t;
	c->priority = prio;
	c->policy = A_ACCEPT;
	c->policy_loc = f->conf.dz_loc;
	return c;
}

static struct rule *
add_rule(struct chain *c, struct loc loc, enum action_kind k, const char *name)
{
	struct rule *r = chain_add_rule(c, loc);

	r->act.kind = k;
	r->act.name = xstrdup(name);
	return r;
}

static void
add_jump(struct chain *from, struct chain *to, struct loc loc, bool go)
{
	struct rule *r = add_rule(from, loc, go ? A_GOTO : A_JUMP, go ? "goto" : "jump");

	r->act.target = to;
	r->act.target_name = xstrdup(to->name);
}

static struct rule *
add_reject(struct chain *c, struct loc loc, const char *with)
{
	struct rule *r = add_rule(c, loc, A_REJECT, "reject");

	r->act.detail = xstrdup(with);
	return r;
}

static void
m_fam(struct rule *r, unsigned bits)
{
	struct match *m = rule_add_match(r, M_FAMILY, false,
					 bits == FAM_BIT(FAM_V4) ? "meta nfproto ipv4"
								 : "meta nfproto ipv6");

	m->u.bits = bits;
}

static void
m_ct(struct rule *r, unsigned bits, const char *text)
{
	rule_add_match(r, M_CTSTATE, false, text)->u.bits = bits;
}

/* firewalld writes wildcards as "eth+"; so does the model. */
static void
m_if(struct rule *r, bool out, const char *name, bool neg)
{
	char *text = xasprintf("%s %s\"%s\"", out ? "oifname" : "iifname", neg ? "!= " : "", name);

	rule_add_match(r, out ? M_OIF : M_IIF, neg, text)->u.ifname = xstrdup(name);
	free(text);
}

static void
m_cidr(struct rule *r, bool src, const struct cidr *c, bool neg)
{
	char buf[2 * ADDR_STRLEN + 8];
	char *text;
	struct match *m;

	/* "ip saddr != X" holds only for IPv4 packets (nft's implicit
	 * meta nfproto dependency) */
	if (neg)
		m_fam(r, FAM_BIT(c->fam));
	interval_format(c->fam, c->lo, c->hi, buf, sizeof(buf));
	text = xasprintf("%s %s %s%s", c->fam == FAM_V4 ? "ip" : "ip6", src ? "saddr" : "daddr",
			 neg ? "!= " : "", buf);
	m = rule_add_match(r, src ? M_SADDR : M_DADDR, neg, text);
	free(text);
	ivset_init(&m->u.addrs, c->fam);
	ivset_add_cidr(&m->u.addrs, c);
}

static void
m_set(struct rule *r, struct fipset *s, bool dst, bool neg)
{
	char *text;
	struct match *m;
	unsigned i;

	if (neg && s->set && s->set->ndim > 0 && s->set->dim[0] == DIM_ADDR)
		m_fam(r, FAM_BIT(s->fam));
	text = xasprintf("%s %s %s@%s", s->fam == FAM_V6 ? "ip6" : "ip", dst ? "daddr" : "saddr",
			 neg ? "!= " : "", s->name);
	m = rule_add_match(r, M_SET, neg, text);
	free(text);
	m->u.set.set = s->set;
	m->u.set.name = xstrdup(s->name);
	m->u.set.ndir = s->set ? s->set->ndim : 1;
	if (m->u.set.ndir == 0 || m->u.set.ndir > 3)
		m->u.set.ndir = 1;
	for (i = 0; i < m->u.set.ndir; i++) {
		/* _set_match_fragment: an iface dimension is oifname for a
		 * source match, iifname for a destination one */
		bool iface = s->set && s->set->dim[i] == DIM_IFACE;

		m->u.set.dir[i] = iface ? (dst ? SD_SRC : SD_DST) : (dst ? SD_DST : SD_SRC);
	}
}

static void
m_addr(struct fwd *f, struct rule *r, const struct faddr *a, bool src)
{
	char *text;

	switch (a->kind) {
	case FA_ADDR:
		m_cidr(r, src, &a->cidr, a->invert);
		break;
	case FA_IPSET:
		m_set(r, find_ipset(f, a->text), !src, a->invert);
		break;
	case FA_MAC:
		/* the MAC of the router Cloudflare's packets come through: unknown */
		text = xasprintf("ether saddr %s%s", a->invert ? "!= " : "", a->text);
		rule_add_match(r, M_UNKNOWN, false, text);
		free(text);
		break;
	case FA_NONE:
		break;
	}
}

static void
m_proto(struct rule *r, uint8_t proto)
{
	char *text = xasprintf("meta l4proto %s", proto_name(proto));

	rule_add_match(r, M_PROTO, false, text)->u.proto = proto;
	free(text);
}

static void
m_port(struct rule *r, uint8_t proto, uint16_t lo, uint16_t hi, bool src)
{
	char *text;
	struct match *m;

	rule_add_match(r, M_PROTO, false, proto_name(proto))->u.proto = proto;
	if (lo == hi)
		text = xasprintf("%s %s %u", proto_name(proto), src ? "sport" : "dport", lo);
	else
		text = xasprintf("%s %s %u-%u", proto_name(proto), src ? "sport" : "dport", lo, hi);
	m = rule_add_match(r, src ? M_SPORT : M_DPORT, false, text);
	free(text);
	m->u.ports.n = 1;
	m->u.ports.v = xmalloc(sizeof(*m->u.ports.v));
	m->u.ports.v[0].lo = lo;
	m->u.ports.v[0].hi = hi;
}

static void
m_icmp(struct rule *r, enum family fam, int type, int code)
{
	char *text;
	struct match *m;

	m_fam(r, FAM_BIT(fam));
	text = xasprintf("%s type %d%s", fam == FAM_V4 ? "icmp" : "icmpv6", type,
			 code >= 0 ? " code set" : "");
	m = rule_add_match(r, M_ICMP, false, text);
	free(text);
	m->u.icmp.type = type;
	m->u.icmp.code = code;
}

/* "limit rate N/unit": holds for a quiet moment's first SYN, not under
 * Cloudflare's load */
static void
m_limit(struct rule *r, const struct flimit *l)
{
	static const struct {
		char c;
		const char *word;
	} units[] = {{'s', "second"}, {'m', "minute"}, {'h', "hour"}, {'d', "day"}};
	const char *slash;
	const char *word = "?";
	char *text;
	struct match *m;
	size_t i;

	if (!l->set)
		return;
	slash = strchr(l->text, '/');
	for (i = 0; slash && i < ARRAY_LEN(units); i++)
		if (slash[1] == units[i].c)
			word = units[i].word;
	text = xasprintf("limit rate %.*s/%s", slash ? (int)(slash - l->text) : 0, l->text, word);
	m = rule_add_match(r, M_RATE, false, text);
	free(text);
	m->u.rate.light = true;
	m->u.rate.heavy = false;
}

/* The chain of zone or policy z for dispatch d, and its sub-chain suffix. */
static struct chain *
obj_chain(struct fwd *f, const struct fobj *z, enum disp d, const char *suffix)
{
	if (suffix)
		return chain_named(f, "%s_%s_%s%s_%s", dispdefs[d].table, dispdefs[d].shortname,
				   z->policy ? "policy_" : "", z->name, suffix);
	return chain_named(f, "%s_%s_%s%s", dispdefs[d].table, dispdefs[d].shortname,
			   z->policy ? "policy_" : "", z->name);
}

static struct loc
obj_loc(const struct fobj *z, unsigned line)
{
	return (struct loc){ff_input(z->file)->file, line};
}

/* Rules with a priority in a _pre/_post chain, in priority order (later
 * ones after earlier ones of the same priority). */
static struct rule *
prio_rule(struct fwd *f, struct chain *c, long prio, struct loc loc)
{
	struct prio_list *pl = NULL;
	struct rule *r;
	size_t i;
	size_t pos;

	if (prio == 0)
		return chain_add_rule(c, loc);
	for (i = 0; i < f->prios.n; i++)
		if (f->prios.v[i].c == c)
			pl = &f->prios.v[i];
	if (pl == NULL) {
		struct prio_list nl;

		memset(&nl, 0, sizeof(nl));
		nl.c = c;
		VEC_PUSH(f->prios.v, f->prios.n, f->prios.cap, nl);
		pl = &f->prios.v[f->prios.n - 1];
	}
	for (pos = 0; pos < pl->p.n && pl->p.v[pos] <= prio; pos++)
		;
	r = chain_add_rule(c, loc);
	grow((void **)&pl->p.v, &pl->p.cap, pl->p.n, sizeof(*pl->p.v));
	memmove(&pl->p.v[pos + 1], &pl->p.v[pos], (pl->p.n - pos) * sizeof(*pl->p.v));
	pl->p.v[pos] = prio;
	pl->p.n++;
	memmove(&c->rules[pos + 1], &c->rules[pos], (c->nrule - 1 - pos) * sizeof(*c->rules));
	c->rules[pos] = r;
	return r;
}

/* What one emitted rule matches on, in firewalld's fragment order: family,
 * service destination, rule destination, rule source, the element. */
struct rctx {
	struct fwd *f;
	struct fobj *z;
	const struct frich *r; /* NULL: a plain zone element */
	struct loc loc;
	const struct cidr *svc_dst;
	enum { EM_NONE, EM_PORT, EM_SPORT, EM_PROTO, EM_ICMP } em;
	uint8_t proto;
	uint16_t lo;
	uint16_t hi;
	enum family icmp_fam;
	int icmp_type;
	int icmp_code;
};

static void
fill(struct rule *out, const struct rctx *c)
{
	const struct frich *r = c->r;

	if (r && r->family >= 0)
		m_fam(out, FAM_BIT(r->family));
	if (c->svc_dst)
		m_cidr(out, false, c->svc_dst, false);
	if (r) {
		m_addr(c->f, out, &r->dst, false);
		m_addr(c->f, out, &r->src, true);
	}
	switch (c->em) {
	case EM_PORT:
	case EM_SPORT:
		m_port(out, c->proto, c->lo, c->hi, c->em == EM_SPORT);
		break;
	case EM_PROTO:
		m_proto(out, c->proto);
		break;
	case EM_ICMP:
		m_icmp(out, c->icmp_fam, c->icmp_type, c->icmp_code);
		break;
	case EM_NONE:
		break;
	}
}

/* _rich_rule_chain_suffix */
static const char *
action_suffix(const struct frich *r)
{
	if (r->priority < 0)
		return "pre";
	if (r->priority > 0)
		return "post";
	if (r->elem == RE_MASQUERADE || r->elem == RE_FORWARD_PORT ||
	    r->elem == RE_TCP_MSS_CLAMP || r->act == RA_ACCEPT || r->act == RA_MARK)
		return "allow";
	return "deny";
}

static const char *
log_suffix(const struct frich *r)
{
	return r->priority < 0 ? "pre" : r->priority > 0 ? "post" : "log";
}

/* _reject_types_fragment */
static const char *
reject_with(const char *type)
{
	static const struct {
		const char *type;
		const char *nft;
	} t[] = {
		{"icmp-host-prohibited", "icmp host-prohibited"},
		{"host-prohib", "icmp host-prohibited"},
		{"icmp-net-prohibited", "icmp net-prohibited"},
		{"net-prohib", "icmp net-prohibited"},
		{"icmp-admin-prohibited", "icmp admin-prohibited"},
		{"admin-prohib", "icmp admin-prohibited"},
		{"icmp6-adm-prohibited", "icmpv6 admin-prohibited"},
		{"adm-prohibited", "icmpv6 admin-prohibited"},
		{"icmp-net-unreachable", "icmp net-unreachable"},
		{"net-unreach", "icmp net-unreachable"},
		{"icmp-host-unreachable", "icmp host-unreachable"},
		{"host-unreach", "icmp host-unreachable"},
		{"icmp-port-unreachable", "icmp port-unreachable"},
		{"icmp6-port-unreachable", "icmpv6 port-unreachable"},
		{"port-unreach", "icmpx port-unreachable"},
		{"icmp-proto-unreachable", "icmp prot-unreachable"},
		{"proto-unreach", "icmp prot-unreachable"},
		{"icmp6-addr-unreachable", "icmpv6 addr-unreachable"},
		{"addr-unreach", "icmpv6 addr-unreachable"},
		{"icmp6-no-route", "icmpv6 no-route"},
		{"no-route", "icmpv6 no-route"},
		{"tcp-reset", "tcp reset"},
		{"tcp-rst", "tcp reset"},
	};
	size_t i;

	if (type == NULL)
		return "icmpx port-unreachable"; /* nft's plain "reject" in an inet table */
	for (i = 0; i < ARRAY_LEN(t); i++)
		if (strcmp(t[i].type, type) == 0)
			return t[i].nft;
	return type;
}

/* The rich rule's table for an element (fw_zone _rich_rule_to_policies). */
static enum disp
rich_disp(const struct frich *r)
{
	if (r->act == RA_MARK)
		return D_MANGLEPRE;
	switch (r->elem) {
	case RE_FORWARD_PORT:
		return D_NATPRE;
	case RE_MASQUERADE:
		return D_NATPOST;
	case RE_TCP_MSS_CLAMP:
		return D_FWD;
	default:
		return D_IN;
	}
}

static bool
obj_has_disp(const struct fobj *z, enum disp d)
{
	if (!z->policy)
		return true;
	return d == D_IN || ((d == D_NATPRE || d == D_MANGLEPRE) && z->any_in);
}

static void
set_dnat(struct rule *x, const struct ffwd *fw)
{
	if (fw->has_to_addr) {
		x->act.kind = A_DNAT;
		x->act.has_addr = true;
		x->act.to_fam = fw->to_fam;
		x->act.to_addr = fw->to_addr;
	} else {
		x->act.kind = A_REDIRECT;
	}
	free(x->act.name);
	x->act.name = xstrdup(fw->has_to_addr ? "dnat" : "redirect");
	x->act.to_port = fw->has_to_port ? fw->to_port : 0;
}

/* One rich rule variant: its log, audit and action rules. */
static void
rich_one(struct rctx *c)
{
	struct fwd *f = c->f;
	const struct frich *r = c->r;
	enum disp d = rich_disp(r);
	struct rule *x;

	if (!obj_has_disp(c->z, d))
		return;
	if (r->log) {
		x = prio_rule(f, obj_chain(f, c->z, D_IN, log_suffix(r)), r->priority, c->loc);
		fill(x, c);
		m_limit(x, &r->log_limit);
		x->act.name = xstrdup("log");
	}
	if (r->audit) {
		x = prio_rule(f, obj_chain(f, c->z, D_IN, log_suffix(r)), r->priority, c->loc);
		fill(x, c);
		m_limit(x, &r->audit_limit);
		x->act.name = xstrdup("log level audit");
	}
	if (r->act == RA_NONE && r->elem != RE_ICMP_BLOCK && r->elem != RE_FORWARD_PORT &&
	    r->elem != RE_MASQUERADE && r->elem != RE_TCP_MSS_CLAMP)
		return;
	x = prio_rule(f, obj_chain(f, c->z, d, action_suffix(r)), r->priority, c->loc);
	fill(x, c);
	if (r->elem == RE_FORWARD_PORT) {
		m_port(x, r->fwd.port.proto, r->fwd.port.lo, r->fwd.port.hi, false);
		set_dnat(x, &r->fwd);
		return;
	}
	if (r->elem == RE_MASQUERADE) {
		m_if(x, true, "lo", true);
		x->act.name = xstrdup("masquerade");
		return;
	}
	if (r->elem == RE_TCP_MSS_CLAMP) {
		x->act.name = xstrdup("tcp option maxseg size set");
		return;
	}
	m_limit(x, &r->act_limit);
	switch (r->act) {
	case RA_ACCEPT:
		x->act.kind = A_ACCEPT;
		x->act.name = xstrdup("accept");
		break;
	case RA_DROP:
		x->act.kind = A_DROP;
		x->act.name = xstrdup("drop");
		break;
	case RA_REJECT:
		x->act.kind = A_REJECT;
		x->act.name = xstrdup("reject");
		x->act.detail = xstrdup(reject_with(r->reject_type));
		break;
	case RA_MARK: {
		char *slash = strchr(r->mark, '/');
		unsigned long long v = 0;
		unsigned long long mask = 0;
		char buf[32];
		size_t len = slash ? (size_t)(slash - r->mark) : strlen(r->mark);

		memcpy(buf, r->mark, len < sizeof(buf) ? len : sizeof(buf) - 1);
		buf[len < sizeof(buf) ? len : sizeof(buf) - 1] = '\0';
		parse_uint(buf, 0, 0xffffffffu, &v);
		if (slash)
			parse_uint(slash + 1, 0, 0xffffffffu, &mask);
		/* meta mark set mark & MASK ^ VALUE (no mask: VALUE) */
		x->act.kind = A_SETMARK;
		x->act.name = xstrdup("meta mark set");
		x->act.value = (uint32_t)v;
		x->act.mask = slash ? ~(uint32_t)mask : 0xffffffffu;
		break;
	}
	case RA_NONE:
		/* icmp-block without action: reject */
		x->act.kind = A_REJECT;
		x->act.name = xstrdup("reject");
		x->act.detail = xstrdup(REJECT_DEFAULT);
		break;
	}
}

/* Plain zone elements: accepted in _allow. */
static void
allow_one(struct rctx *c)
{
	struct rule *x = add_rule(obj_chain(c->f, c->z, D_IN, "allow"), c->loc, A_ACCEPT,
				  "accept");

	fill(x, c);
}

typedef void (*emit_fn)(struct rctx *c);

/* A service: included services first, then per destination its ports,
 * protocols and source ports (fw_policy _service / _rule_prepare). */
static void
emit_service(struct rctx *c, const char *name, unsigned ipvs, const char **seen, size_t *nseen,
	     emit_fn emit)
{
	struct fservice *s = find_service(c->f, name);
	int fam;
	size_t i;
	bool any_dst;

	if (s == NULL)
		return;
	s->used = true;
	for (i = 0; i < s->includes.n; i++) {
		size_t k;
		bool dup = false;

		for (k = 0; k < *nseen; k++)
			dup |= strcmp(seen[k], s->includes.v[i].name) == 0;
		if (dup || *nseen >= CAP_INCLUDE_DEPTH)
			continue;
		seen[(*nseen)++] = s->includes.v[i].name;
		emit_service(c, s->includes.v[i].name, ipvs, seen, nseen, emit);
	}
	any_dst = s->has_dst[FAM_V4] || s->has_dst[FAM_V6];
	for (fam = 0; fam < FAM_COUNT; fam++) {
		if (any_dst && (!s->has_dst[fam] || !(ipvs & FAM_BIT(fam))))
			continue;
		if (!any_dst && fam > 0)
			break;
		c->svc_dst = any_dst ? &s->dst[fam] : NULL;
		for (i = 0; i < s->ports.n; i++) {
			c->em = EM_PORT;
			c->proto = s->ports.v[i].proto;
			c->lo = s->ports.v[i].lo;
			c->hi = s->ports.v[i].hi;
			emit(c);
		}
		for (i = 0; i < s->protocols.n; i++) {
			c->em = EM_PROTO;
			c->proto = s->protocols.v[i].proto;
			emit(c);
		}
		for (i = 0; i < s->sports.n; i++) {
			c->em = EM_SPORT;
			c->proto = s->sports.v[i].proto;
			c->lo = s->sports.v[i].lo;
			c->hi = s->sports.v[i].hi;
			emit(c);
		}
	}
	c->svc_dst = NULL;
}

/* ICMP type name: one variant per family it exists in (within ipvs). */
static void
emit_icmp(struct rctx *c, const char *name, unsigned ipvs, emit_fn emit)
{
	bool known;
	const struct icmp_def *d = icmp_find(name, &known);

	if (d == NULL)
		return;
	c->em = EM_ICMP;
	if (d->v4type != NO && (ipvs & FAM_BIT(FAM_V4))) {
		c->icmp_fam = FAM_V4;
		c->icmp_type = d->v4type;
		c->icmp_code = d->v4code;
		emit(c);
	}
	if (d->v6type != NO && (ipvs & FAM_BIT(FAM_V6))) {
		c->icmp_fam = FAM_V6;
		c->icmp_type = d->v6type;
		c->icmp_code = d->v6code;
		emit(c);
	}
}

static void
emit_rich(struct fwd *f, struct fobj *z, const struct frich *r)
{
	struct rctx c;
	unsigned ipvs = FAM_BOTH;
	const char *seen[CAP_INCLUDE_DEPTH];
	size_t nseen = 0;

	memset(&c, 0, sizeof(c));
	c.f = f;
	c.z = z;
	c.r = r;
	c.loc = obj_loc(z, r->line);
	if (r->family >= 0)
		ipvs = FAM_BIT(r->family);
	else if (r->src.kind == FA_IPSET && find_ipset(f, r->src.text))
		ipvs = FAM_BIT(find_ipset(f, r->src.text)->fam);
	switch (r->elem) {
	case RE_SERVICE:
		seen[nseen++] = r->name;
		emit_service(&c, r->name, ipvs, seen, &nseen, rich_one);
		break;
	case RE_PORT:
	case RE_SOURCE_PORT:
		c.em = r->elem == RE_PORT ? EM_PORT : EM_SPORT;
		c.proto = r->port.proto;
		c.lo = r->port.lo;
		c.hi = r->port.hi;
		rich_one(&c);
		break;
	case RE_PROTOCOL:
		c.em = EM_PROTO;
		c.proto = r->proto.proto;
		rich_one(&c);
		break;
	case RE_ICMP_BLOCK:
	case RE_ICMP_TYPE:
		emit_icmp(&c, r->name, ipvs, rich_one);
		break;
	default:
		rich_one(&c);
		break;
	}
}

static void
icmp_block_one(struct rctx *c)
{
	struct rule *x;

	if (c->z->ibi) {
		x = add_rule(obj_chain(c->f, c->z, D_IN, "allow"), c->loc, A_ACCEPT, "accept");
	} else {
		x = add_reject(obj_chain(c->f, c->z, D_IN, "deny"), c->loc, REJECT_DEFAULT);
	}
	fill(x, c);
}

/* The chain of z for dispatch d: jumps to its sub-chains, the target. */
static void
build_obj_chain(struct fwd *f, struct fobj *z, enum disp d)
{
	struct chain *c = obj_chain(f, z, d, NULL);
	struct loc loc = obj_loc(z, z->line);
	bool filter = d == D_IN || d == D_FWD;
	size_t i;

	if (c->nrule > 0)
		return;
	c->loc = loc;
	if (!z->policy)
		add_jump(c, chain_named(f, "%s_%s_POLICIES_pre", dispdefs[d].table, dispdefs[d].hook),
			 loc, false);
	for (i = 0; i < ARRAY_LEN(sub_chains); i++) {
		struct chain *s = obj_chain(f, z, d, sub_chains[i]);

		s->loc = loc;
		add_jump(c, s, loc, false);
	}
	if (!z->policy)
		add_jump(c, chain_named(f, "%s_%s_POLICIES_post", dispdefs[d].table, dispdefs[d].hook),
			 loc, false);
	if (!filter)
		return;
	/* icmp-block-inversion's rule (zones, INPUT only): not in DROP or
	 * REJECT zones, nor in ACCEPT zones without inversion */
	if (d == D_IN && !z->policy && z->target != FT_DROP && z->target != FT_REJECT &&
	    !(z->target == FT_ACCEPT && !z->ibi)) {
		struct rule *x = z->ibi ? add_reject(c, loc, REJECT_DEFAULT)
					: add_rule(c, loc, A_ACCEPT, "accept");
		struct match *m = rule_add_match(x, M_ICMP, false, "meta l4proto { icmp, ipv6-icmp }");

		m->u.icmp.type = -1;
		m->u.icmp.code = -1;
	}
	switch (z->target) {
	case FT_DEFAULT:
	case FT_REJECT:
		add_reject(c, loc, REJECT_DEFAULT);
		break;
	case FT_ACCEPT:
		add_rule(c, loc, A_ACCEPT, "accept");
		break;
	case FT_DROP:
		add_rule(c, loc, A_DROP, "drop");
		break;
	case FT_DEFAULT_WORD:
	case FT_CONTINUE:
		/* target="default" is not one build_policy_chain_rules knows: no
		 * rule; the packet returns to filter_INPUT's final reject */
		break;
	}
}

/* A zone's or policy's services and ports: its "allow" rules. */
static void
emit_open_services_ports(struct fwd *f, struct fobj *z)
{
	struct rctx c;
	const char *seen[CAP_INCLUDE_DEPTH];
	size_t nseen;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.f = f;
	c.z = z;
	for (i = 0; i < z->services.n; i++) {
		c.loc = obj_loc(z, z->services.v[i].line);
		nseen = 0;
		seen[nseen++] = z->services.v[i].name;
		emit_service(&c, z->services.v[i].name, FAM_BOTH, seen, &nseen, allow_one);
	}
	c.em = EM_PORT;
	for (i = 0; i < z->ports.n; i++) {
		c.loc = obj_loc(z, z->ports.v[i].line);
		c.proto = z->ports.v[i].proto;
		c.lo = z->ports.v[i].lo;
		c.hi = z->ports.v[i].hi;
		allow_one(&c);
	}
}

/* The rest of a zone's or policy's rules, after its services and ports
 * (and, for a zone, its masquerade and forward ports, which rich rules may
 * add to): source ports, ICMP blocks, rich rules, protocols. */
static void
emit_open_rest(struct fwd *f, struct fobj *z)
{
	struct rctx c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.f = f;
	c.z = z;
	c.em = EM_SPORT;
	for (i = 0; i < z->sports.n; i++) {
		c.loc = obj_loc(z, z->sports.v[i].line);
		c.proto = z->sports.v[i].proto;
		c.lo = z->sports.v[i].lo;
		c.hi = z->sports.v[i].hi;
		allow_one(&c);
	}
	for (i = 0; i < z->icmp_blocks.n; i++) {
		c.loc = obj_loc(z, z->icmp_blocks.v[i].line);
		emit_icmp(&c, z->icmp_blocks.v[i].name, FAM_BOTH, icmp_block_one);
	}
	for (i = 0; i < z->rules.n; i++)
		emit_rich(f, z, &z->rules.v[i]);
	c.em = EM_PROTO;
	for (i = 0; i < z->protocols.n; i++) {
		c.loc = obj_loc(z, z->protocols.v[i].line);
		c.proto = z->protocols.v[i].proto;
		allow_one(&c);
	}
}

static void
build_zone(struct fwd *f, struct fobj *z)
{
	size_t i;
	int d;

	for (d = 0; d < D_COUNT; d++)
		build_obj_chain(f, z, (enum disp)d);
	emit_open_services_ports(f, z);
	if (z->masquerade && !z->policy) {
		struct rule *x = add_rule(obj_chain(f, z, D_NATPOST, "allow"), obj_loc(z, z->masq_line),
					  A_CONTINUE, "masquerade");

		m_fam(x, FAM_BIT(FAM_V4));
		m_if(x, true, "lo", true);
	}
	for (i = 0; i < z->fwds.n && obj_has_disp(z, D_NATPRE); i++) {
		const struct ffwd *fw = &z->fwds.v[i];
		struct rule *x = add_rule(obj_chain(f, z, D_NATPRE, "allow"), obj_loc(z, fw->line),
					  A_CONTINUE, "");

		m_fam(x, FAM_BIT(fw->has_to_addr ? fw->to_fam : FAM_V4));
		m_port(x, fw->port.proto, fw->port.lo, fw->port.hi, false);
		set_dnat(x, fw);
	}
	emit_open_rest(f, z);
	/* intra-zone forwarding (zones with <forward/>) */
	for (i = 0; z->forward && !z->policy && i < z->ifaces.n + z->sources.n; i++) {
		struct rule *x;

		if (i < z->ifaces.n) {
			x = add_rule(obj_chain(f, z, D_FWD, "allow"), obj_loc(z, z->ifaces.v[i].line),
				     A_ACCEPT, "accept");
			m_if(x, true, z->ifaces.v[i].name, false);
		} else {
			const struct faddr *a = &z->sources.v[i - z->ifaces.n];

			x = add_rule(obj_chain(f, z, D_FWD, "allow"), obj_loc(z, a->line), A_ACCEPT,
				     "accept");
			m_addr(f, x, a, false);
		}
	}
}

static bool
zone_active(const struct fwd *f, const struct fobj *z)
{
	return z->ifaces.n > 0 || z->sources.n > 0 || strcmp(z->name, f->conf.default_zone) == 0;
}

/* filter_INPUT_ZONES and the other dispatch chains. */
static void
build_dispatch(struct fwd *f, enum disp d)
{
	struct chain *c = chain_named(f, "%s_%s_ZONES", dispdefs[d].table, dispdefs[d].hook);
	bool out = dispdefs[d].out;
	size_t i;
	size_t j;
	struct fobj *dz;

	for (i = 0; i < f->z.n; i++) {
		struct fobj *z = f->z.v[i];

		for (j = 0; j < z->sources.n && (z->ifaces.n || z->sources.n); j++) {
			struct rule *x = add_rule(c, obj_loc(z, z->sources.v[j].line), A_GOTO, "goto");
			struct faddr a = z->sources.v[j];

			a.invert = false;
			m_addr(f, x, &a, !out);
			x->act.target = obj_chain(f, z, d, NULL);
			x->act.target_name = xstrdup(x->act.target->name);
		}
	}
	/* each interface rule is inserted above the previous ones */
	for (i = f->z.n; i-- > 0;) {
		struct fobj *z = f->z.v[i];

		for (j = z->ifaces.n; j-- > 0;) {
			struct rule *x = add_rule(c, obj_loc(z, z->ifaces.v[j].line), A_GOTO, "goto");

			m_if(x, out, z->ifaces.v[j].name, false);
			x->act.target = obj_chain(f, z, d, NULL);
			x->act.target_name = xstrdup(x->act.target->name);
		}
	}
	dz = find_obj(f, false, f->conf.default_zone);
	if (dz)
		add_jump(c, obj_chain(f, dz, d, NULL), f->conf.dz_loc, true);
}

static int
prio_cmp(const void *a, const void *b)
{
	const struct fobj *x = *(struct fobj *const *)a;
	const struct fobj *y = *(struct fobj *const *)b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Policies other than the zones' own whose egress zone is HOST. */
static void
build_policies(struct fwd *f)
{
	VEC(struct fobj *) act;
	size_t i;
	size_t j;
	size_t k;

	memset(&act, 0, sizeof(act));
	for (i = 0; i < f->p.n; i++) {
		struct fobj *p = f->p.v[i];
		bool in_ok = false;
		bool host = false;

		if (p->disabled)
			continue;
		for (j = 0; j < p->ingress.n; j++) {
			struct fobj *z = find_obj(f, false, p->ingress.v[j].name);

			if (strcmp(p->ingress.v[j].name, "ANY") == 0 ||
			    strcmp(p->ingress.v[j].name, "HOST") == 0)
				p->any_in = in_ok = true;
			else if (z && (z->ifaces.n || z->sources.n))
				in_ok = true;
		}
		for (j = 0; j < p->egress.n; j++)
			host |= strcmp(p->egress.v[j].name, "HOST") == 0;
		p->host = host;
		if (!in_ok || !host) {
			for (j = 0; in_ok && j < p->fwds.n + p->rules.n; j++)
				if (j < p->fwds.n || p->rules.v[j - p->fwds.n].elem == RE_FORWARD_PORT)
					ff_error(p->file, p->line,
						 "policy \"%s\" forwards ports between zones: not "
						 "modelled (only policies to HOST are)", p->name);
			continue;
		}
		VEC_PUSH(act.v, act.n, act.cap, p);
	}
	if (act.n > 1)
		qsort(act.v, act.n, sizeof(*act.v), prio_cmp);
	for (i = 0; i < act.n; i++) {
		struct fobj *p = act.v[i];
		int d;

		for (d = 0; d < D_COUNT; d++) {
			struct chain *disp;
			bool any = false;

			if (!obj_has_disp(p, (enum disp)d))
				continue;
			build_obj_chain(f, p, (enum disp)d);
			disp = chain_named(f, "%s_%s_POLICIES_%s", dispdefs[d].table, dispdefs[d].hook,
					   p->priority < 0 ? "pre" : "post");
			for (j = 0; j < p->ingress.n; j++) {
				struct fobj *z = find_obj(f, false, p->ingress.v[j].name);

				if (z == NULL)
					continue;
				for (k = 0; k < z->ifaces.n + z->sources.n; k++) {
					struct rule *x = add_rule(disp, obj_loc(p, p->ingress.v[j].line),
								  A_JUMP, "jump");

					if (k < z->ifaces.n)
						m_if(x, false, z->ifaces.v[k].name, false);
					else
						m_addr(f, x, &z->sources.v[k - z->ifaces.n], true);
					x->act.target = obj_chain(f, p, (enum disp)d, NULL);
					x->act.target_name = xstrdup(x->act.target->name);
					any = true;
				}
			}
			if (!any && p->any_in)
				add_jump(disp, obj_chain(f, p, (enum disp)d, NULL), obj_loc(p, p->line),
					 false);
		}
	}
	for (i = 0; i < act.n; i++) {
		emit_open_services_ports(f, act.v[i]);
		emit_open_rest(f, act.v[i]);
	}
	free(act.v);
}

/* ---- ipsets ---- */

static bool
set_entry(struct fipset *s, struct ipset *m, const char *text, unsigned line)
{
	char buf[256];
	char *part[3];
	size_t np = 0;
	char *p;
	struct set_elem e;
	unsigned i;

	if (strlen(text) >= sizeof(buf))
		return false;
	memcpy(buf, text, strlen(text) + 1);
	for (p = buf; np < 3;) {
		part[np++] = p;
		if ((p = strchr(p, ',')) == NULL)
			break;
		*p++ = '\0';
	}
	if (p || np != m->ndim)
		return false;
	memset(&e, 0, sizeof(e));
	e.line = line;
	for (i = 0; i < np; i++) {
		struct cidr c;
		char *colon;
		uint8_t proto = PROTO_TCP;

		switch (m->dim[i]) {
		case DIM_ADDR:
			if (!cidr_parse(part[i], &c) && !range_parse(part[i], &c))
				return false;
			if (c.fam != s->fam)
				return false;
			if (i == 0) {
				e.lo = c.lo;
				e.hi = c.hi;
			} else {
				e.lo2 = c.lo;
				e.hi2 = c.hi;
			}
			break;
		case DIM_PORT:
			if ((colon = strchr(part[i], ':')) != NULL) {
				*colon = '\0';
				if (!proto_parse(part[i], &proto))
					return false;
				part[i] = colon + 1;
			}
			if (!port_parse(part[i], &e.plo, &e.phi))
				return false;
			e.proto = proto;
			break;
		case DIM_IFACE:
			e.iface = xstrdup(part[i]);
			break;
		case DIM_SETNAME:
			return false;
		}
	}
	set_add_elem(m, &e);
	return true;
}

/* Every effective ipset becomes a set of the model (nft sets of table inet
 * firewalld). A set with a timeout is filled at run time: no dimension the
 * evaluator can look up, so its matches are undecided. */
static void
build_ipsets(struct fwd *f)
{
	int u;
	size_t i;
	size_t j;

	for (u = 0; u <= (f->fallback ? 0 : 1); u++)
		for (i = 0; i < f->ipsets[u].n; i++) {
			struct fipset *s = f->ipsets[u].v[i];
			struct ipset *m;
			const char *t;
			unsigned nd = 0;

			if (find_ipset(f, s->name) != s)
				continue;
			m = origin_add_set(f->o, s->name, obj_loc(&(struct fobj){.file = s->file}, s->line));
			s->set = m;
			free(m->type);
			m->type = xstrdup(s->type);
			m->fam = s->fam;
			for (t = strchr(s->type, ':'); t && nd < 3; t = strchr(t, ',')) {
				t++;
				if (strncmp(t, "ip", 2) == 0 || strncmp(t, "net", 3) == 0)
					m->dim[nd++] = DIM_ADDR;
				else if (strncmp(t, "port", 4) == 0)
					m->dim[nd++] = DIM_PORT;
				else if (strncmp(t, "iface", 5) == 0)
					m->dim[nd++] = DIM_IFACE;
				else
					nd = 4; /* mac, mark: nothing to look up */
			}
			m->ndim = nd <= 3 && !s->timeout ? nd : 0;
			if (m->ndim == 0) {
				memset(m->dim, 0, sizeof(m->dim));
				continue;
			}
			/* firewalld warns "INVALID_ENTRY ... ignoring" and loads
			 * the rest of the set */
			for (j = 0; j < s->entries.n; j++)
				if (!set_entry(s, m, s->entries.v[j].name, s->entries.v[j].line))
					ff_error(s->file, s->entries.v[j].line,
						 "entry \"%s\" does not fit ipset type %s (family "
						 "%s): firewalld ignores it",
						 s->entries.v[j].name, s->type,
						 s->fam == FAM_V6 ? "inet6" : "inet");
		}
}

/* ---- the framing firewalld always adds ---- */

static struct rule *
default_rule(struct chain *c, struct loc loc, enum action_kind k, const char *name)
{
	return add_rule(c, loc, k, name);
}

static void
build_framing(struct fwd *f)
{
	struct loc l = f->conf.dz_loc;
	struct chain *c;
	struct rule *x;
	int d;
	static const char *const rfc3964[] = {
		"::/96", "::ffff:0.0.0.0/96", "2002::/24", "2002:a00::/24", "2002:7f00::/24",
		"2002:a9fe::/32", "2002:ac10::/28", "2002:c0a8::/32", "2002:e000::/19",
	};
	struct rule *rfc[2] = {NULL, NULL};
	size_t i;

	c = base_chain(f, "mangle_PREROUTING", HOOK_PREROUTING, CT_FILTER, -140);
	add_jump(c, chain_named(f, "mangle_PREROUTING_ZONES"), l, false);
	c = base_chain(f, "nat_PREROUTING", HOOK_PREROUTING, CT_NAT, -90);
	add_jump(c, chain_named(f, "nat_PREROUTING_ZONES"), l, false);
	c = base_chain(f, "nat_POSTROUTING", HOOK_POSTROUTING, CT_NAT, 110);
	add_jump(c, chain_named(f, "nat_POSTROUTING_ZONES"), l, false);
	c = base_chain(f, "nat_OUTPUT", HOOK_OUTPUT, CT_NAT, -90);
	add_jump(c, chain_named(f, "nat_OUTPUT_POLICIES_pre"), l, false);
	add_jump(c, chain_named(f, "nat_OUTPUT_POLICIES_post"), l, false);

	c = base_chain(f, "filter_PREROUTING", HOOK_PREROUTING, CT_FILTER, 10);
	if (f->conf.rpfilter) {
		/* RHBZ#1058505: router advertisements and neighbour
		 * solicitations pass before the reverse-path check */
		for (i = 0; i < 2; i++) {
			x = default_rule(c, f->conf.rpf_loc, A_ACCEPT, "accept");
			m_icmp(x, FAM_V6, i == 0 ? 134 : 135, -1);
		}
		/* Cloudflare's SYN comes in on the interface the route back to
		 * it uses: the strict reverse-path check passes, as for
		 * iptables' -m rpfilter */
		x = default_rule(c, f->conf.rpf_loc, A_DROP, "drop");
		m_fam(x, FAM_BIT(FAM_V6));
		rule_add_match(x, M_NEVER, false, "fib saddr . mark . iif oif missing");
	}

	c = base_chain(f, "filter_INPUT", HOOK_INPUT, CT_FILTER, 10);
	x = default_rule(c, l, A_ACCEPT, "accept");
	m_ct(x, CTS_ESTABLISHED | CTS_RELATED, "ct state { established, related }");
	x = default_rule(c, l, A_ACCEPT, "accept");
	m_ct(x, CTS_DNAT, "ct status dnat");
	x = default_rule(c, l, A_ACCEPT, "accept");
	m_if(x, false, "lo", false);
	x = default_rule(c, l, A_DROP, "drop");
	m_ct(x, CTS_INVALID, "ct state invalid");
	add_jump(c, chain_named(f, "filter_INPUT_ZONES"), l, false);
	add_reject(c, l, REJECT_DEFAULT);

	c = base_chain(f, "filter_FORWARD", HOOK_FORWARD, CT_FILTER, 10);
	x = default_rule(c, l, A_ACCEPT, "accept");
	m_ct(x, CTS_ESTABLISHED | CTS_RELATED, "ct state { established, related }");
	x = default_rule(c, l, A_ACCEPT, "accept");
	m_ct(x, CTS_DNAT, "ct status dnat");
	x = default_rule(c, l, A_ACCEPT, "accept");
	m_if(x, false, "lo", false);
	x = default_rule(c, l, A_DROP, "drop");
	m_ct(x, CTS_INVALID, "ct state invalid");
	if (f->conf.rfc3964)
		rfc[0] = add_reject(c, f->conf.rfc_loc, "icmpv6 addr-unreachable");
	add_jump(c, chain_named(f, "filter_FORWARD_ZONES"), l, false);
	add_reject(c, l, REJECT_DEFAULT);

	c = base_chain(f, "filter_OUTPUT", HOOK_OUTPUT, CT_FILTER, 10);
	x = default_rule(c, l, A_ACCEPT, "accept");
	m_ct(x, CTS_ESTABLISHED | CTS_RELATED, "ct state { established, related }");
	x = default_rule(c, l, A_ACCEPT, "accept");
	m_if(x, true, "lo", false);
	if (f->conf.rfc3964)
		rfc[1] = add_reject(c, f->conf.rfc_loc, "icmpv6 addr-unreachable");
	add_jump(c, chain_named(f, "filter_OUTPUT_POLICIES_pre"), l, false);
	add_jump(c, chain_named(f, "filter_OUTPUT_POLICIES_post"), l, false);
	for (i = 0; i < 2; i++) {
		struct match *m;
		size_t k;

		if (rfc[i] == NULL)
			continue;
		m = rule_add_match(rfc[i], M_DADDR, false, "ip6 daddr { RFC 3964 IPv4 prefixes }");
		ivset_init(&m->u.addrs, FAM_V6);
		for (k = 0; k < ARRAY_LEN(rfc3964); k++) {
			struct cidr cd;

			if (cidr_parse(rfc3964[k], &cd))
				ivset_add_cidr(&m->u.addrs, &cd);
		}
	}
	for (d = 0; d < D_COUNT; d++) {
		chain_named(f, "%s_%s_POLICIES_pre", dispdefs[d].table, dispdefs[d].hook);
		chain_named(f, "%s_%s_ZONES", dispdefs[d].table, dispdefs[d].hook);
		chain_named(f, "%s_%s_POLICIES_post", dispdefs[d].table, dispdefs[d].hook);
	}
}

/* ---- loading ---- */

static void
default_zone(struct fwd *f)
{
	static const char *const fallback[] = {"public", "external", "block"};
	size_t i;

	if (find_obj(f, false, f->conf.default_zone))
		return;
	for (i = 0; i < ARRAY_LEN(fallback); i++)
		if (find_obj(f, false, fallback[i]))
			break;
	input_error(ff_input(f->conf.file), f->conf.dz_loc.line,
		    "DefaultZone \"%s\" is not a zone: firewalld uses \"%s\"", f->conf.default_zone,
		    i < ARRAY_LEN(fallback) ? fallback[i] : "block");
	snprintf(f->conf.default_zone, sizeof(f->conf.default_zone), "%s",
		 i < ARRAY_LEN(fallback) ? fallback[i] : "block");
}

static void
build(struct fwd *f)
{
	size_t i;
	int d;

	build_ipsets(f);
	build_framing(f);
	for (i = 0; i < f->z.n; i++)
		if (zone_active(f, f->z.v[i]))
			build_zone(f, f->z.v[i]);
	for (d = 0; d < D_COUNT; d++)
		build_dispatch(f, (enum disp)d);
	build_policies(f);
	f->o->fw_seen[FAM_V4] = true;
	f->o->fw_seen[FAM_V6] = true;
}

static void
obj_free(struct fobj *z)
{
	size_t i;

	for (i = 0; i < z->services.n; i++)
		free(z->services.v[i].name);
	for (i = 0; i < z->protocols.n; i++)
		free(z->protocols.v[i].name);
	for (i = 0; i < z->icmp_blocks.n; i++)
		free(z->icmp_blocks.v[i].name);
	for (i = 0; i < z->fwds.n; i++)
		free(z->fwds.v[i].to_text);
	for (i = 0; i < z->ifaces.n; i++)
		free(z->ifaces.v[i].name);
	for (i = 0; i < z->sources.n; i++)
		free(z->sources.v[i].text);
	for (i = 0; i < z->rules.n; i++)
		frich_free(&z->rules.v[i]);
	for (i = 0; i < z->ingress.n; i++)
		free(z->ingress.v[i].name);
	for (i = 0; i < z->egress.n; i++)
		free(z->egress.v[i].name);
	free(z->services.v);
	free(z->ports.v);
	free(z->protocols.v);
	free(z->sports.v);
	free(z->icmp_blocks.v);
	free(z->fwds.v);
	free(z->ifaces.v);
	free(z->sources.v);
	free(z->rules.v);
	free(z->ingress.v);
	free(z->egress.v);
	free(z->name);
	free(z);
}

static void
fwd_free(struct fwd *f)
{
	size_t i;
	size_t j;
	int u;

	for (u = 0; u < 2; u++) {
		for (i = 0; i < f->zones[u].n; i++)
			obj_free(f->zones[u].v[i]);
		for (i = 0; i < f->policies[u].n; i++)
			obj_free(f->policies[u].v[i]);
		for (i = 0; i < f->services[u].n; i++) {
			struct fservice *s = f->services[u].v[i];

			for (j = 0; j < s->protocols.n; j++)
				free(s->protocols.v[j].name);
			for (j = 0; j < s->includes.n; j++)
				free(s->includes.v[j].name);
			free(s->ports.v);
			free(s->protocols.v);
			free(s->sports.v);
			free(s->includes.v);
			free(s->name);
			free(s);
		}
		for (i = 0; i < f->ipsets[u].n; i++) {
			struct fipset *s = f->ipsets[u].v[i];

			for (j = 0; j < s->entries.n; j++)
				free(s->entries.v[j].name);
			free(s->entries.v);
			free(s->type);
			free(s->name);
			free(s);
		}
		free(f->zones[u].v);
		free(f->policies[u].v);
		free(f->services[u].v);
		free(f->ipsets[u].v);
	}
	for (i = 0; i < f->files.n; i++) {
		free(f->files.v[i]->path);
		free(f->files.v[i]);
	}
	for (i = 0; i < f->prios.n; i++)
		free(f->prios.v[i].p.v);
	free(f->prios.v);
	free(f->files.v);
	free(f->z.v);
	free(f->p.v);
	free(f->dead_why);
}

/* Inputs for the service files the configuration uses (firewalld reads all
 * of them; listing the ~200 stock ones would hide what matters). */
static void
list_used_services(struct fwd *f)
{
	int u;
	size_t i;

	for (u = 0; u < 2; u++)
		for (i = 0; i < f->services[u].n; i++)
			if (f->services[u].v[i]->used)
				ff_input(f->services[u].v[i]->file);
}

enum firewalld_state
firewalld_load(struct origin *o, const struct firewalld_dirs *d)
{
	static const struct {
		const char *sub;
		enum okind kind;
	} order[] = {
		{"ipsets", K_IPSET},
		{"services", K_SERVICE},
		{"zones", K_ZONE},
		{"policies", K_POLICY},
	};
	struct fwd f;
	enum firewalld_state st = FWD_LIVE;
	size_t i;
	int u;

	memset(&f, 0, sizeof(f));
	f.o = o;
	f.d = d;
	read_conf(&f);
	note_direct(&f);
	for (u = 0; u < 2; u++)
		for (i = 0; i < ARRAY_LEN(order); i++)
			read_dir(&f, u == 1, order[i].sub, order[i].kind);
	/* the zone and policy files are what the audit is about: list them */
	for (u = 0; u < 2; u++) {
		for (i = 0; i < f.zones[u].n; i++)
			ff_input(f.zones[u].v[i]->file);
		for (i = 0; i < f.policies[u].n; i++)
			ff_input(f.policies[u].v[i]->file);
		for (i = 0; i < f.ipsets[u].n; i++)
			ff_input(f.ipsets[u].v[i]->file);
	}
	if (!f.refused[0] && !f.refused[1])
		check_config(&f);
	if (f.refused[1] && !f.refused[0]) {
		/* firewalld's failsafe start: stock files, default settings */
		f.fallback = true;
		input_error(ff_input(f.conf.file), 0,
			    "firewalld refuses the configuration in %s and starts with its stock "
			    "configuration instead (default zone public): that is what is audited",
			    d->etc);
		snprintf(f.conf.default_zone, sizeof(f.conf.default_zone), "public");
		f.conf.dz_loc.line = 0;
		f.conf.rpfilter = f.conf.rfc3964 = true;
		f.conf.rpf_loc.line = f.conf.rfc_loc.line = 0;
		check_config(&f);
		st = FWD_FALLBACK;
	}
	if (f.refused[0] || f.dead_why) {
		input_error(ff_input(f.conf.file), 0, "%s",
			    f.dead_why ? f.dead_why
				       : "firewalld cannot load its stock configuration either: it "
					 "exits and removes its rules (nothing of firewalld is audited)");
		st = FWD_DEAD;
	} else {
		default_zone(&f);
		build(&f);
	}
	list_used_services(&f);
	fwd_free(&f);
	return st;
}
