/* The origin model: what the parsers produce and the evaluators and checks
 * read. Format-neutral: nothing here says which parser filled it, only where
 * (struct loc) each piece came from. */
#ifndef CFAUDIT_MODEL_H
#define CFAUDIT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

/* Where a piece of the model came from: the file as the audited server sees
 * it (absolute, without the --root prefix; interned) and a 1-based line
 * (0: the file as a whole). */
struct loc {
	const char *file;
	unsigned line;
};

/* ---- inputs: every file or source the audit read, with its status ---- */

enum input_kind {
	IN_IPTABLES,
	IN_IP6TABLES,
	IN_IPSET,
	IN_UFW,
	IN_NFTABLES,
	IN_FIREWALLD,
	IN_NGINX,
	IN_APACHE,
	IN_RANGES,
	IN_DNS,
	IN_TLS, /* certificates, keys, CA bundles, CRLs */
	IN_KIND_COUNT
};

enum input_status {
	IN_OK,          /* read and understood */
	IN_ERROR,       /* read, with errors: the audit is incomplete */
	IN_UNREADABLE,  /* could not be read at all */
	IN_UNSUPPORTED, /* found, but this version cannot audit it */
};

struct origin;

struct input {
	struct origin *origin;
	enum input_kind kind;
	const char *file; /* as the server sees it */
	enum input_status status;
	unsigned errors;
	char *detail; /* first problem, for the report */
};

const char *input_kind_name(enum input_kind k);
const char *input_status_name(enum input_status s);

/* ---- firewall ----
 * One model for iptables and nftables: base chains attached to a hook with a
 * priority (iptables' tables are base chains at their fixed priorities), regular
 * chains reached by jump/goto, rules made of matches and one action. */

enum hook {
	HOOK_PREROUTING,
	HOOK_INPUT,
	HOOK_FORWARD,
	HOOK_OUTPUT,
	HOOK_POSTROUTING,
	/* Per device, outside the IP stack (nftables netdev tables, and inet
	 * ingress chains): ingress before PREROUTING, with no conntrack entry
	 * yet; egress after POSTROUTING. Bound to chain.dev[]. */
	HOOK_INGRESS,
	HOOK_EGRESS,
	HOOK_NONE /* regular chain */
};

enum chain_type {
	CT_FILTER,
	CT_NAT,
	CT_ROUTE
};

/* Protocol numbers used by matches. */
#define PROTO_ANY 0
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

/* conntrack states (bit per state) */
enum {
	CTS_NEW = 1 << 0,
	CTS_ESTABLISHED = 1 << 1,
	CTS_RELATED = 1 << 2,
	CTS_INVALID = 1 << 3,
	CTS_UNTRACKED = 1 << 4,
	CTS_SNAT = 1 << 5,
	CTS_DNAT = 1 << 6
};

/* TCP flags */
enum {
	TCPF_FIN = 0x01,
	TCPF_SYN = 0x02,
	TCPF_RST = 0x04,
	TCPF_PSH = 0x08,
	TCPF_ACK = 0x10,
	TCPF_URG = 0x20,
	TCPF_ECE = 0x40,
	TCPF_CWR = 0x80
};

/* addrtype types (bit per type), as xt_addrtype */
enum {
	AT_UNSPEC = 1 << 0,
	AT_UNICAST = 1 << 1,
	AT_LOCAL = 1 << 2,
	AT_BROADCAST = 1 << 3,
	AT_ANYCAST = 1 << 4,
	AT_MULTICAST = 1 << 5,
	AT_BLACKHOLE = 1 << 6,
	AT_UNREACHABLE = 1 << 7,
	AT_PROHIBIT = 1 << 8,
	AT_THROW = 1 << 9,
	AT_NAT = 1 << 10,
	AT_XRESOLVE = 1 << 11
};

struct port_range {
	uint16_t lo;
	uint16_t hi;
};

struct portset {
	size_t n;
	struct port_range *v;
};

/* A rate condition: whether it matches under light load (the first SYN of a
 * quiet moment) and under heavy load (Cloudflare concentrates many visitors
 * on few addresses). limit/hashlimit below the rate match when light;
 * connlimit/hashlimit "above", recent --update/--rcheck with hitcount match
 * when heavy. */
struct rate {
	bool light;
	bool heavy;
};

struct ipset;

enum set_dir {
	SD_SRC,
	SD_DST
};

enum match_kind {
	M_SADDR,    /* u.addrs */
	M_DADDR,    /* u.addrs */
	M_PROTO,    /* u.proto (PROTO_ANY never stored) */
	M_SPORT,    /* u.ports */
	M_DPORT,    /* u.ports */
	M_IIF,      /* u.ifname; trailing '+' is a prefix wildcard */
	M_OIF,      /* u.ifname */
	M_CTSTATE,  /* u.bits: CTS_* */
	M_SET,      /* u.set */
	M_TCPFLAGS, /* u.flags */
	M_ICMP,     /* u.icmp (type -1: any) */
	M_ADDRTYPE, /* u.addrtype */
	M_MARK,     /* u.mark */
	M_CONNMARK, /* u.mark */
	M_RATE,     /* u.rate */
	M_TTL,      /* u.ttl: IPv4 TTL or IPv6 hop limit */
	M_FAMILY,   /* u.bits: FAM_BIT()s (nftables meta nfproto in inet tables) */
	M_ALWAYS,   /* matches every packet we evaluate (comment, counters, policy none) */
	M_NEVER,    /* matches none of the packets we evaluate (fragments, other protocols) */
	M_UNKNOWN   /* cannot be decided: named in u.what; makes the verdict undecided */
};

struct match {
	enum match_kind kind;
	bool neg;
	char *text; /* the match as written, for messages ("-m limit --limit 10/s") */
	union {
		struct ivset addrs;
		uint8_t proto;
		struct portset ports;
		char *ifname;
		unsigned bits;
		struct {
			struct ipset *set;
			char *name; /* as written; set is NULL while unresolved */
			enum set_dir dir[3];
			unsigned ndir;
		} set;
		struct {
			uint8_t mask;
			uint8_t comp;
		} flags;
		struct {
			int type;
			int code;
		} icmp;
		struct {
			unsigned src; /* 0: not tested */
			unsigned dst;
			bool src_neg;
			bool dst_neg;
		} addrtype;
		struct {
			uint32_t value;
			uint32_t mask;
		} mark;
		struct rate rate;
		struct {
			enum { TTL_EQ, TTL_NE, TTL_LT, TTL_GT } op;
			uint8_t value;
		} ttl;
	} u;
};

enum action_kind {
	A_ACCEPT,
	A_DROP,
	A_REJECT,   /* detail: the reject-with type */
	A_RETURN,
	A_JUMP,     /* target */
	A_GOTO,     /* target */
	A_CONTINUE, /* LOG, counters...: no effect on the verdict */
	A_DNAT,     /* to_addr (fam set when an address is given), to_port (0: unchanged) */
	A_REDIRECT, /* to_port */
	A_NOTRACK,  /* the packet becomes UNTRACKED */
	A_SETMARK,  /* mark = (mark & ~mask) ^ value */
	A_CONNMARK_SET,
	A_CONNMARK_RESTORE,
	A_CONNMARK_SAVE, /* connmark = (connmark & ~mask) | (mark & mask) */
	A_QUEUE,    /* decided by a userspace program: undecided */
	A_UNKNOWN,  /* target we do not know: undecided */
	A_UNREADABLE /* a rule the reader refused (an input error): what it does,
	              * if the real program loads it at all, is undecided */
};

struct chain;

struct action {
	enum action_kind kind;
	char *name;   /* target as written (e.g. "REJECT", "f2b-nginx", "TARPIT") */
	char *detail; /* reject-with, queue number, ... */
	struct chain *target;
	char *target_name;
	bool has_addr;
	enum family to_fam;
	u128 to_addr;
	uint16_t to_port;
	uint32_t value;
	uint32_t mask;
};

struct rule {
	struct loc loc;
	struct chain *chain;
	size_t nmatch;
	struct match *m;
	/* Statements applied in order before act when the rule matches (an
	 * nftables rule may set a mark, notrack... and then give a verdict);
	 * only non-terminal kinds (A_CONTINUE, A_NOTRACK, A_SETMARK,
	 * A_CONNMARK_*). iptables rules have none. */
	size_t npre;
	struct action *pre;
	struct action act;
	char *comment;
};

struct chain {
	struct loc loc;
	char *name;
	char *table;       /* "filter", "nat", ... (nftables: the table's name) */
	unsigned families; /* FAM_BIT()s */
	enum hook hook;    /* HOOK_NONE for regular chains */
	enum chain_type type;
	int priority;
	enum action_kind policy; /* A_ACCEPT or A_DROP for base chains */
	struct loc policy_loc;
	/* HOOK_INGRESS/HOOK_EGRESS: the devices the kernel registered the
	 * chain on; a packet on any other device never sees it (none: no
	 * packet does). */
	size_t ndev;
	char **dev;
	size_t nrule;
	size_t cap;
	struct rule **rules;
};

/* An ipset (or a named nftables set): dims are what each member holds. */
enum set_dim {
	DIM_ADDR,
	DIM_PORT,
	DIM_IFACE,
	DIM_SETNAME /* list:set */
};

struct set_elem {
	u128 lo;
	u128 hi;
	uint8_t proto;   /* hash:*,port: 0 when any */
	uint16_t plo;
	uint16_t phi;
	char *iface;     /* hash:net,iface */
	char *member;    /* list:set */
	bool nomatch;
	unsigned line;
	/* The second address dimension (hash:ip,port,ip, hash:ip,port,net,
	 * hash:net,port,net, hash:net,net); lo/hi hold the first. */
	u128 lo2;
	u128 hi2;
};

/* The members of a one-dimensional address set (hash:ip, hash:net, an
 * nftables set of addresses), in the order added. A deny list of a million
 * entries is the common case, so they are kept compactly: the bounds in
 * 32-bit pairs for IPv4 (v4) or 128-bit pairs for IPv6 (v6), the line each
 * came from (a check names it), and nomatch flags only once a nomatch member
 * is added: 12 bytes per IPv4 member instead of a struct set_elem. */
struct addr_members {
	size_t n;
	size_t cap;
	struct iv4 *v4;
	struct iv *v6;
	unsigned *line;
	bool *nomatch; /* NULL: none is */
};

/* One of those members, unpacked. */
struct member {
	u128 lo;
	u128 hi;
	unsigned line;
	bool nomatch;
};

struct ipset {
	struct loc loc;
	char *name;
	char *type; /* "hash:net", ... */
	enum family fam;
	unsigned ndim; /* 0: a dimension no probe can be looked up in (a MAC, a mark:
			 hash:mac, hash:ip,mac, hash:ip,mark...): undecided */
	enum set_dim dim[3];
	/* The members of a one-dimensional address set are in mem; those of
	 * every other set in elem (set_add_elem decides, by the set's
	 * dimensions, which the parsers set before adding members). */
	size_t nelem;
	size_t cap;
	struct set_elem *elem;
	struct addr_members mem;
	/* Derived by model_finish for one-dimensional address sets: the
	 * addresses that match (members minus nomatch members). */
	struct addrset addrs;
	bool addrs_ready;
};

struct ruleset {
	size_t nchain;
	size_t chain_cap;
	struct chain **chains;
};

/* ---- the origin ---- */

struct host_addr {
	enum family fam;
	u128 addr;
	struct loc loc; /* where it came from (line 0 for the command line) */
};

/* An inline suppression ("# cfaudit: ignore ID reason=... until=..." in a
 * comment, or in a firewall rule's comment): it applies to findings of check
 * id from loc.line to last_line (the line after, or the next line that is
 * not a comment when it stands alone) (audit/suppress.c). */
struct suppression {
	struct loc loc;
	unsigned last_line;
	char *id;
	char *reason;
	bool has_until;
	time_t until; /* the end of the until= day (UTC): it stops working then */
	char until_text[11]; /* YYYY-MM-DD */
	unsigned used; /* findings it suppressed */
	/* --ignore or the config file: by check, file pattern and host, not
	 * by line */
	bool scoped;
	char *file_glob; /* NULL: any file */
	char *host;      /* NULL: any host */
};

/* A DNS record that can send Cloudflare's traffic here: A, AAAA or CNAME,
 * from a zone export or an expectations file (audit/parse_dns.c). */
enum dns_type {
	DNS_A,
	DNS_AAAA,
	DNS_CNAME
};

enum dns_proxy {
	DNS_PROXY_UNKNOWN, /* the file does not say: taken as proxied */
	DNS_PROXIED,
	DNS_DNS_ONLY
};

struct dns_record {
	struct loc loc;
	char *name; /* lowercase, without the trailing dot */
	enum dns_type type;
	enum family fam; /* A, AAAA */
	u128 addr;
	char *target; /* CNAME: lowercase, without the trailing dot */
	enum dns_proxy proxy;
};

/* A zone the records came from: its apex (SOA owner or the export's
 * "Domain:" header), which tells a CNAME target inside it (whose records
 * must then be in the file) from one outside. */
struct dns_zone {
	struct loc loc;
	char *apex;
};

/* A listening TCP socket of the running system (--live reads them with
 * sock_diag): what a check needs to say "nothing listens on 443". */
struct listen_sock {
	enum family fam;
	u128 addr;   /* 0: the wildcard address of fam */
	uint16_t port;
	bool v6only; /* an IPv6 wildcard socket that takes no IPv4 connections */
};

/* An input error: "file:line: message". */
struct diag {
	struct loc loc;
	char *msg;
};

/* nftables stops at 10 errors per file; so do we (the count goes on). */
#define DIAG_MAX_PER_INPUT 10

struct web; /* the web servers: web.h */

struct origin {
	size_t ninput;
	size_t input_cap;
	struct input **inputs;

	size_t ndiag;
	size_t diag_cap;
	struct diag *diags;

	struct ruleset fw;
	size_t nset;
	size_t set_cap;
	struct ipset **sets;
	bool fw_seen[FAM_COUNT]; /* a ruleset for this family was read */

	size_t naddr;
	size_t addr_cap;
	struct host_addr *addrs;

	struct web *web; /* nginx/Apache: listeners, virtual hosts (NULL: none read) */

	/* --live: the listening TCP sockets (listen_known false: not read) */
	bool listen_known;
	size_t nlisten;
	size_t listen_cap;
	struct listen_sock *listen;

	size_t nsupp;
	size_t supp_cap;
	struct suppression *supps;

	size_t ndns;
	size_t dns_cap;
	struct dns_record *dns;
	size_t nzone;
	size_t zone_cap;
	struct dns_zone *zones;
};

struct input *origin_add_input(struct origin *o, enum input_kind kind, const char *file);
/* Record "file:line: message" against in; the input's status becomes IN_ERROR. */
void input_error(struct input *in, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The input as a whole could not be read (status IN_UNREADABLE). */
void input_unreadable(struct input *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct chain *ruleset_find_chain(struct ruleset *rs, const char *table, const char *name,
				 unsigned families);
struct chain *ruleset_add_chain(struct ruleset *rs, const char *table, const char *name,
				unsigned families, struct loc loc);
struct rule *chain_add_rule(struct chain *c, struct loc loc);
/* Bind an ingress/egress chain to one more device (duplicates ignored). */
void chain_add_device(struct chain *c, const char *dev);
/* A hook's name as nft writes it ("prerouting", "ingress"...). */
const char *hook_name(enum hook h);
struct match *rule_add_match(struct rule *r, enum match_kind kind, bool neg, const char *text);
/* Append a statement applied before the verdict (zeroed, kind set). */
struct action *rule_add_pre(struct rule *r, enum action_kind kind);
/* A deep copy of src into dst (its own sets, ports, names, text), and the
 * release of what a match owns: for code that builds rules aside. */
void match_copy(struct match *dst, const struct match *src);
void match_release(struct match *m);
/* Free what a rule owns (not the rule itself) and zero it. */
void rule_release(struct rule *r);

struct ipset *origin_find_set(struct origin *o, const char *name);
struct ipset *origin_add_set(struct origin *o, const char *name, struct loc loc);
void set_add_elem(struct ipset *s, const struct set_elem *e);
/* set_add_elem of a member that is an address interval and nothing else,
 * without building a struct set_elem (a million-element list). */
void set_add_addr(struct ipset *s, u128 lo, u128 hi, unsigned line);
/* Whether set_add_elem keeps e in s->mem: an address (nothing else) for a
 * one-dimensional address set, in 32 bits when the members are IPv4. */
bool set_elem_compact(const struct ipset *s, const struct set_elem *e);
/* Move src's members to the end of dst's (src is left empty). */
void set_take_members(struct ipset *dst, struct ipset *src);
/* How many members s holds (in elem and in mem). */
size_t set_size(const struct ipset *s);
/* Member i of s->mem (i < s->mem.n). */
struct member set_member(const struct ipset *s, size_t i);
/* The index in s->mem of a member [lo, hi]: the first such, or the last one
 * when last; SIZE_MAX when there is none. */
size_t set_find_member(const struct ipset *s, u128 lo, u128 hi, bool last);
/* Remove s->mem's member i: the members after it move up one (keep_order),
 * or the last one takes its place. */
void set_remove_member(struct ipset *s, size_t i, bool keep_order);
/* Remove every member, and what was derived from them. */
void set_clear(struct ipset *s);

/* The rules' address lists sorted and merged: they need nothing but o, so
 * each reading lane prepares its own on its thread (discover.c). */
void origin_prepare(struct origin *o);
/* Resolve set references, build derived set addresses (what no lane
 * prepared); input errors for references to sets that do not exist go to
 * the input of the rule's file. */
void origin_finish(struct origin *o);
void origin_free(struct origin *o);

#endif
