/* The firewall evaluator: Cloudflare's first SYN through the hooks of the
 * model, exactly as the kernel walks them, with three-valued matches. A match
 * that cannot be decided (unknown interface, an unknown module) splits the
 * walk in two: if both outcomes agree the match did not matter, otherwise the
 * verdict is undecided and names it. A rate match splits it into light and
 * heavy load: accepted when light but dropped when heavy is "ratelimit". */
#include "fw_eval.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FW_MAX_DEPTH 64
#define FW_DEFAULT_BUDGET 200000ul
#define EPHEMERAL_LO 1024
#define EPHEMERAL_HI 65535

const char *
verdict_name(enum verdict_kind v)
{
	switch (v) {
	case V_ACCEPT:
		return "accept";
	case V_RATELIMIT:
		return "ratelimit";
	case V_UNDECIDED:
		return "undecided";
	case V_REJECT:
		return "reject";
	case V_DROP:
		return "drop";
	}
	abort();
}

enum tri {
	T_NO,
	T_YES,
	T_MAYBE,
	T_RATE
};

/* The packet as the rules see it. */
struct pkt {
	enum family fam;
	u128 src;
	u128 dst;
	bool dst_known;
	bool dst_local;
	bool src_local; /* the origin's own reply */
	uint8_t proto;
	bool sport_known;
	uint16_t sport;
	bool dport_known;
	uint16_t dport;
	bool has_iif;
	bool has_oif;
	const char *iif; /* NULL: unknown name */
	const char *oif;
	unsigned ctstate;
	/* At the ingress hook no conntrack entry is attached yet: ct state
	 * reads "invalid" (or "untracked" after a notrack there), every other
	 * ct key ends the rule (nft_ct_get_eval: NFT_BREAK). */
	bool no_ct;
	bool notrack_early;
	uint8_t tcpflags; /* without the ECN bits a SYN may carry */
	int icmp_type;
	uint32_t mark;
	uint32_t connmark;
	uint8_t ttl_lo; /* the TTL / hop limit the packet may carry */
	uint8_t ttl_hi;
};

struct frame {
	const struct chain *chain;
	size_t pos;
};

/* The whole walk state: copied when the walk splits. */
struct state {
	struct pkt pkt;
	enum probe_stage stage;
	unsigned hookpos; /* index into the stage's hook sequence */
	size_t basepos;   /* index into that hook's base chains */
	unsigned depth;
	struct frame stack[FW_MAX_DEPTH];
	const struct rule *nat_rule; /* the DNAT/REDIRECT applied */
	uint16_t orig_port;
	struct loc accept_loc; /* the last accept seen, for an accept verdict */
	const struct rule *accept_rule;
	const struct chain *accept_chain;
};

struct base_list {
	size_t n;
	const struct chain **v;
};

/* ---- skipping rules a source address cannot match ----
 *
 * A deny list is a long run of rules that each test the source address
 * (fail2ban, CSF, "ip saddr X drop"): a probe from one Cloudflare address
 * would test every one of them, for every range piece and port. For each
 * run of at least SKIP_RUN_MIN consecutive rules that have a plain (not
 * negated) source-address match, skip_index builds, per family, the
 * address space cut into segments, each with the first rule of the run
 * whose source addresses hold it. The walk, arriving at the start of a run,
 * goes straight to that rule: every rule before it has a source match that
 * says no, and a match that says no makes its rule not match whatever the
 * others say (eval_rule), so the verdict is the same. The rules skipped
 * are taken from the evaluation budget as if they had been walked; when the
 * budget would run out inside the run, the run is walked. */

#define SKIP_RUN_MIN 8

struct seg {
	u128 lo;
	u128 hi;
	size_t rule; /* the first rule of the run whose source set holds [lo, hi] */
};

struct src_run {
	size_t end; /* one past the run's last rule */
	size_t nseg[FAM_COUNT];
	struct seg *seg[FAM_COUNT];
};

struct chain_index {
	const struct chain *chain;
	uint32_t *run_at; /* per rule: 1 + its run's index when a run starts there, else 0 */
	size_t nrun;
	struct src_run *runs;
};

struct ctx {
	const struct origin *o;
	const struct eval_opts *opt;
	struct base_list base[FAM_COUNT][HOOK_NONE];
	unsigned long budget;
	unsigned depth; /* nested splits */
	struct ivset possible_dst[FAM_COUNT];
	/* the source-address indexes of long runs of rules (skip_index) */
	size_t nindex;
	struct chain_index *index;
	const struct chain *last_chain; /* the chain of the last lookup */
	const struct chain_index *last_index;
};

static struct verdict run(struct ctx *c, struct state st);

/* ---- matches ---- */

static enum tri
tri_not(enum tri t, bool neg)
{
	if (!neg)
		return t;
	if (t == T_YES)
		return T_NO;
	if (t == T_NO)
		return T_YES;
	return t;
}

static bool
host_is_local(const struct origin *o, enum family fam, u128 a)
{
	size_t i;

	if (addr_is_loopback(fam, a))
		return true;
	for (i = 0; i < o->naddr; i++)
		if (o->addrs[i].fam == fam && o->addrs[i].addr == a)
			return true;
	return false;
}

/* An address set against the packet's destination, which may be unknown: any
 * address the origin could be reached at. */
static enum tri
match_dst_set(const struct ctx *c, const struct pkt *p, const struct addrset *s)
{
	const struct ivset *pd = &c->possible_dst[p->fam];
	size_t i;
	bool all = true;
	bool none = true;

	if (p->dst_known)
		return addrset_contains(s, p->dst) ? T_YES : T_NO;
	for (i = 0; i < pd->n; i++) {
		if (!addrset_covers(s, pd->v[i].lo, pd->v[i].hi))
			all = false;
		if (addrset_overlaps(s, pd->v[i].lo, pd->v[i].hi))
			none = false;
	}
	return all ? T_YES : none ? T_NO : T_MAYBE;
}

static enum tri
match_addr(const struct ctx *c, const struct pkt *p, const struct addrset *s, bool src)
{
	if (s->fam != p->fam)
		return T_NO;
	if (src)
		return addrset_contains(s, p->src) ? T_YES : T_NO;
	return match_dst_set(c, p, s);
}

/* A rule's own address list (-s, ip saddr { }). */
static enum tri
match_rule_addr(const struct ctx *c, const struct pkt *p, const struct ivset *s, bool src)
{
	struct addrset v = addrset_view(s);

	return match_addr(c, p, &v, src);
}

/* A port that may be any ephemeral port. */
static enum tri
match_port_value(const struct portset *ps, bool known, uint16_t port)
{
	size_t i;

	if (known) {
		for (i = 0; i < ps->n; i++)
			if (ps->v[i].lo <= port && port <= ps->v[i].hi)
				return T_YES;
		return T_NO;
	}
	for (i = 0; i < ps->n; i++) {
		if (ps->v[i].lo <= EPHEMERAL_LO && ps->v[i].hi >= EPHEMERAL_HI)
			return T_YES;
	}
	for (i = 0; i < ps->n; i++) {
		if (ps->v[i].hi >= EPHEMERAL_LO)
			return T_MAYBE;
	}
	return T_NO;
}

static bool
has_ports(const struct pkt *p)
{
	return p->proto == PROTO_TCP || p->proto == PROTO_UDP;
}

/* Interface names: '+' at the end is a prefix wildcard (iptables); nftables
 * wildcards are written the same way by its parser. "lo" never carries
 * Cloudflare's traffic. */
static enum tri
match_iface(const char *pattern, bool has, const char *name)
{
	size_t len = strlen(pattern);
	bool wild = len > 0 && pattern[len - 1] == '+';

	if (!has)
		return T_NO;
	if (name == NULL) {
		if (strcmp(pattern, "lo") == 0)
			return T_NO;
		if (wild && len == 1)
			return T_YES;
		return T_MAYBE;
	}
	if (wild)
		return strncmp(pattern, name, len - 1) == 0 ? T_YES : T_NO;
	return strcmp(pattern, name) == 0 ? T_YES : T_NO;
}

static enum tri
match_flags(const struct pkt *p, uint8_t mask, uint8_t comp)
{
	uint8_t plain = p->tcpflags;
	uint8_t ecn = (uint8_t)(plain | TCPF_ECE | TCPF_CWR);
	bool a;
	bool b;

	if (p->proto != PROTO_TCP)
		return T_NO;
	/* A SYN may or may not ask for ECN (ECE|CWR); a SYN-ACK may carry ECE. */
	if (plain & TCPF_ACK)
		ecn = (uint8_t)(plain | TCPF_ECE);
	a = (plain & mask) == comp;
	b = (ecn & mask) == comp;
	if (a == b)
		return a ? T_YES : T_NO;
	return T_MAYBE;
}

/* xt_addrtype: Cloudflare's address is a unicast one; the origin's own is
 * local and unicast. */
static enum tri
match_addrtype(const struct pkt *p, const struct match *m)
{
	unsigned st = p->src_local ? AT_LOCAL | AT_UNICAST : AT_UNICAST;
	unsigned dt = p->dst_local ? AT_LOCAL | AT_UNICAST : AT_UNICAST;

	if (m->u.addrtype.src && ((st & m->u.addrtype.src) != 0) == m->u.addrtype.src_neg)
		return T_NO;
	if (m->u.addrtype.dst && ((dt & m->u.addrtype.dst) != 0) == m->u.addrtype.dst_neg)
		return T_NO;
	return T_YES;
}

static enum tri
match_icmp(const struct pkt *p, const struct match *m)
{
	uint8_t want = p->fam == FAM_V4 ? PROTO_ICMP : PROTO_ICMPV6;

	if (p->proto != want)
		return T_NO;
	if (m->u.icmp.type < 0)
		return T_YES;
	if (m->u.icmp.type != p->icmp_type)
		return T_NO;
	/* Neighbour discovery uses code 0 only. */
	return m->u.icmp.code <= 0 ? T_YES : T_NO;
}

/* TTL / hop limit: neighbour discovery always carries 255 (RFC 4861); a
 * packet from Cloudflare crossed at least one router, so 1..254; our own
 * replies carry whatever the sysctl says. */
static enum tri
match_ttl(const struct pkt *p, const struct match *m)
{
	unsigned v = m->u.ttl.value;
	unsigned lo = p->ttl_lo;
	unsigned hi = p->ttl_hi;
	bool all;
	bool none;

	switch (m->u.ttl.op) {
	case TTL_EQ:
		all = lo == v && hi == v;
		none = v < lo || v > hi;
		break;
	case TTL_NE:
		all = v < lo || v > hi;
		none = lo == v && hi == v;
		break;
	case TTL_LT:
		all = hi < v;
		none = lo >= v;
		break;
	case TTL_GT:
		all = lo > v;
		none = hi <= v;
		break;
	default:
		abort();
	}
	return all ? T_YES : none ? T_NO : T_MAYBE;
}

static enum tri
tri_or(enum tri a, enum tri b)
{
	if (a == T_YES || b == T_YES)
		return T_YES;
	if (a == T_MAYBE || b == T_MAYBE)
		return T_MAYBE;
	return T_NO;
}

static enum tri
tri_and(enum tri a, enum tri b)
{
	if (a == T_NO || b == T_NO)
		return T_NO;
	if (a == T_MAYBE || b == T_MAYBE)
		return T_MAYBE;
	return T_YES;
}

static enum tri match_set(const struct ctx *c, const struct pkt *p, const struct ipset *s,
			  const enum set_dir *dir, unsigned ndir, unsigned depth);

/* One member of a multi-dimension set (hash:ip,port, hash:net,iface...). */
static enum tri
match_elem(const struct pkt *p, const struct ipset *s,
	   const struct set_elem *e, const enum set_dir *dir, unsigned ndir)
{
	enum tri t = T_YES;
	unsigned naddr = 0;
	unsigned i;

	for (i = 0; i < s->ndim && i < ndir; i++) {
		bool src = dir[i] == SD_SRC;

		switch (s->dim[i]) {
		case DIM_ADDR: {
			u128 a = src ? p->src : p->dst;
			/* the second address dimension is held in lo2/hi2 */
			u128 lo = naddr == 0 ? e->lo : e->lo2;
			u128 hi = naddr == 0 ? e->hi : e->hi2;

			naddr++;
			if (src || p->dst_known)
				t = tri_and(t, lo <= a && a <= hi ? T_YES : T_NO);
			else
				t = tri_and(t, T_MAYBE);
			break;
		}
		case DIM_PORT: {
			struct port_range pr = {e->plo, e->phi};
			struct portset ps = {1, &pr};

			if (!has_ports(p) || (e->proto && e->proto != p->proto))
				return T_NO;
			t = tri_and(t, src ? match_port_value(&ps, p->sport_known, p->sport)
					   : match_port_value(&ps, p->dport_known, p->dport));
			break;
		}
		case DIM_IFACE:
			t = tri_and(t, src ? match_iface(e->iface, p->has_iif, p->iif)
					   : match_iface(e->iface, p->has_oif, p->oif));
			break;
		case DIM_SETNAME:
			return T_MAYBE;
		}
	}
	if (t != T_NO && e->nomatch)
		return T_MAYBE;
	return t;
}

/* One member of a one-dimensional address set, as match_elem looks at one
 * (the set's interval list answers instead once origin_finish built it). */
static enum tri
match_member(const struct pkt *p, const struct ipset *s, size_t i, const enum set_dir *dir,
	     unsigned ndir)
{
	struct member m = set_member(s, i);
	enum tri t = T_YES;

	if (ndir >= 1 && dir[0] == SD_SRC)
		t = m.lo <= p->src && p->src <= m.hi ? T_YES : T_NO;
	else if (ndir >= 1)
		t = !p->dst_known ? T_MAYBE : m.lo <= p->dst && p->dst <= m.hi ? T_YES : T_NO;
	if (t != T_NO && m.nomatch)
		return T_MAYBE;
	return t;
}

static enum tri
match_set(const struct ctx *c, const struct pkt *p, const struct ipset *s, const enum set_dir *dir,
	  unsigned ndir, unsigned depth)
{
	enum tri t = T_NO;
	size_t i;

	if (s == NULL || depth > 8)
		return T_MAYBE;
	if (s->ndim == 1 && s->dim[0] == DIM_SETNAME) {
		/* list:set: the first member set that matches decides */
		for (i = 0; i < s->nelem && t != T_YES; i++)
			t = tri_or(t, match_set(c, p, origin_find_set((struct origin *)c->o,
								      s->elem[i].member),
						dir, ndir, depth + 1));
		return t;
	}
	if (s->ndim == 0)
		return T_MAYBE;
	if (s->fam != p->fam && s->dim[0] == DIM_ADDR)
		return T_NO;
	if (s->addrs_ready && ndir >= 1)
		return match_addr(c, p, &s->addrs, dir[0] == SD_SRC);
	for (i = 0; i < s->mem.n && t != T_YES; i++)
		t = tri_or(t, match_member(p, s, i, dir, ndir));
	for (i = 0; i < s->nelem && t != T_YES; i++)
		t = tri_or(t, match_elem(p, s, &s->elem[i], dir, ndir));
	return t;
}

/* The conntrack state a "ct state" match reads. */
static unsigned
ctstate_seen(const struct pkt *p)
{
	if (!p->no_ct)
		return p->ctstate;
	return p->notrack_early ? CTS_UNTRACKED : CTS_INVALID;
}

/* The outcome of one match for the packet. A rate match reports T_RATE and
 * its light/heavy outcomes (negation applied). */
static enum tri
match_eval(const struct ctx *c, const struct pkt *p, const struct match *m, struct rate *rate)
{
	enum tri t;

	switch (m->kind) {
	case M_SADDR:
		t = match_rule_addr(c, p, &m->u.addrs, true);
		break;
	case M_DADDR:
		t = match_rule_addr(c, p, &m->u.addrs, false);
		break;
	case M_PROTO:
		t = p->proto == m->u.proto ? T_YES : T_NO;
		break;
	case M_SPORT:
		t = has_ports(p) ? match_port_value(&m->u.ports, p->sport_known, p->sport) : T_NO;
		break;
	case M_DPORT:
		t = has_ports(p) ? match_port_value(&m->u.ports, p->dport_known, p->dport) : T_NO;
		break;
	case M_IIF:
		t = match_iface(m->u.ifname, p->has_iif, p->iif);
		break;
	case M_OIF:
		t = match_iface(m->u.ifname, p->has_oif, p->oif);
		break;
	case M_CTSTATE:
		/* ct status (the NAT bits) needs an entry: without one the
		 * rule breaks, negated or not */
		if (p->no_ct && (m->u.bits & (CTS_SNAT | CTS_DNAT)))
			return T_NO;
		t = (m->u.bits & ctstate_seen(p)) ? T_YES : T_NO;
		break;
	case M_SET:
		t = match_set(c, p, m->u.set.set, m->u.set.dir, m->u.set.ndir, 0);
		break;
	case M_TCPFLAGS:
		t = match_flags(p, m->u.flags.mask, m->u.flags.comp);
		break;
	case M_ICMP:
		t = match_icmp(p, m);
		break;
	case M_ADDRTYPE:
		t = match_addrtype(p, m);
		break;
	case M_MARK:
		t = (p->mark & m->u.mark.mask) == m->u.mark.value ? T_YES : T_NO;
		break;
	case M_CONNMARK:
		if (p->no_ct)
			return T_NO; /* the rule breaks, negated or not */
		t = (p->connmark & m->u.mark.mask) == m->u.mark.value ? T_YES : T_NO;
		break;
	case M_RATE:
		rate->light = m->u.rate.light != m->neg;
		rate->heavy = m->u.rate.heavy != m->neg;
		if (rate->light == rate->heavy)
			return rate->light ? T_YES : T_NO;
		return T_RATE;
	case M_TTL:
		t = match_ttl(p, m);
		break;
	case M_FAMILY:
		t = (m->u.bits & FAM_BIT(p->fam)) ? T_YES : T_NO;
		break;
	case M_ALWAYS:
		t = T_YES;
		break;
	case M_NEVER:
		t = T_NO;
		break;
	case M_UNKNOWN:
		return T_MAYBE;
	default:
		abort();
	}
	return tri_not(t, m->neg);
}

/* ---- verdicts ---- */

static void
verdict_path(struct verdict *v, const struct state *st)
{
	unsigned i;

	v->npath = st->depth < FW_MAX_PATH ? st->depth : FW_MAX_PATH;
	for (i = 0; i < v->npath; i++)
		v->path[i] = st->stack[i].chain;
}

static struct verdict
verdict_at(enum verdict_kind k, const struct state *st, const struct rule *r, struct loc loc,
	   char *why)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.kind = k;
	v.stage = st->stage;
	v.rule = r;
	v.loc = loc;
	v.chain = st->depth ? st->stack[st->depth - 1].chain : NULL;
	v.why = why;
	v.forwarded = !st->pkt.dst_local && st->stage == STAGE_SYN;
	v.final_port = st->pkt.dport;
	v.nat_rule = st->nat_rule;
	v.orig_port = st->orig_port;
	v.final_dst_known = st->pkt.dst_known;
	v.final_dst = st->pkt.dst;
	v.final_connmark = st->pkt.connmark;
	verdict_path(&v, st);
	return v;
}

static char *
loc_text(struct loc l)
{
	return xasprintf("%s:%u", l.file, l.line);
}

static bool
verdict_same(const struct verdict *a, const struct verdict *b)
{
	return a->kind == b->kind;
}

static void
verdict_free(struct verdict *v)
{
	free(v->why);
	v->why = NULL;
}

/* An undecidable condition mattered (what, at loc): name it and both
 * outcomes; the verdict is the rule's (r) or the chain's (r NULL). */
static struct verdict
combine_undecided(const struct state *st, const char *what, struct loc loc, const struct rule *r,
		  const struct chain *ch, struct verdict no, struct verdict yes)
{
	char *at;
	char *why;

	if (verdict_same(&no, &yes) && no.kind != V_UNDECIDED) {
		verdict_free(&yes);
		return no;
	}
	if (no.kind == V_UNDECIDED) {
		verdict_free(&yes);
		return no;
	}
	if (yes.kind == V_UNDECIDED) {
		verdict_free(&no);
		return yes;
	}
	at = loc_text(loc);
	why = xasprintf("cannot decide \"%s\" (%s): %s if it matches, %s if not", what, at,
			verdict_name(yes.kind), verdict_name(no.kind));
	free(at);
	verdict_free(&yes);
	verdict_free(&no);
	no.kind = V_UNDECIDED;
	no.loc = loc;
	no.rule = r;
	no.chain = ch;
	no.why = why;
	verdict_path(&no, st);
	if (r == NULL) {
		no.npath = 1;
		no.path[0] = ch;
	}
	return no;
}

static struct verdict
combine_maybe(const struct state *st, const struct match *m, const struct rule *r,
	      struct verdict no, struct verdict yes)
{
	return combine_undecided(st, m->text, r->loc, r, r->chain, no, yes);
}

/* A rate match mattered: accepted under light load, refused under heavy
 * load is a rate limit on Cloudflare (many visitors share few addresses). */
static struct verdict
combine_rate(const struct state *st, const struct match *m, const struct rule *r,
	     const struct rate *rate, struct verdict no, struct verdict yes)
{
	struct verdict light = rate->light ? yes : no;
	struct verdict heavy = rate->light ? no : yes;

	if (light.kind == V_ACCEPT && (heavy.kind == V_DROP || heavy.kind == V_REJECT)) {
		light.kind = V_RATELIMIT;
		light.rule = r;
		light.loc = r->loc;
		light.chain = r->chain;
		free(light.why);
		light.why = xasprintf("%s; over the limit: %s", m->text, verdict_name(heavy.kind));
		verdict_path(&light, st);
		verdict_free(&heavy);
		return light;
	}
	if (light.kind == V_ACCEPT && heavy.kind != V_ACCEPT) {
		verdict_free(&light);
		return heavy;
	}
	if (light.kind == V_RATELIMIT && (heavy.kind == V_DROP || heavy.kind == V_REJECT)) {
		/* an earlier limit on the same path: name it too */
		char *at = loc_text(r->loc);
		char *why = xasprintf("%s; also %s (%s); over that limit: %s", light.why, m->text,
				      at, verdict_name(heavy.kind));

		free(at);
		free(light.why);
		light.why = why;
	}
	verdict_free(&heavy);
	return light;
}

/* ---- the walk ---- */

/* Hook sequences per stage; HOOK_NONE ends one. An inbound packet meets
 * the device's ingress hook before the IP stack (__netif_receive_skb_core),
 * an outbound one its egress hook after POSTROUTING (__dev_queue_xmit).
 * The SYN's route after PREROUTING depends on DNAT: the two inbound
 * sequences agree up to PREROUTING, dst_local picks the rest. */
static enum hook
stage_hook(const struct state *st, unsigned pos)
{
	static const enum hook in_local[] = {HOOK_INGRESS, HOOK_PREROUTING, HOOK_INPUT,
					     HOOK_NONE};
	static const enum hook in_fwd[] = {HOOK_INGRESS,     HOOK_PREROUTING, HOOK_FORWARD,
					   HOOK_POSTROUTING, HOOK_EGRESS,     HOOK_NONE};
	static const enum hook out[] = {HOOK_OUTPUT, HOOK_POSTROUTING, HOOK_EGRESS, HOOK_NONE};
	const enum hook *seq;
	size_t n;

	switch (st->stage) {
	case STAGE_SYN:
		seq = st->pkt.dst_local ? in_local : in_fwd;
		n = st->pkt.dst_local ? ARRAY_LEN(in_local) : ARRAY_LEN(in_fwd);
		break;
	case STAGE_REPLY:
		seq = out;
		n = ARRAY_LEN(out);
		break;
	case STAGE_ND:
		/* inbound solicitations/advertisements; outbound ones use the
		 * reply flag on the state (see nd_probe) */
		seq = st->pkt.src_local ? out : in_local;
		n = st->pkt.src_local ? ARRAY_LEN(out) : ARRAY_LEN(in_local);
		break;
	default:
		abort();
	}
	return pos < n ? seq[pos] : HOOK_NONE;
}

/* One device a chain is bound to against the packet's interface: NULL when
 * the interface is not known (Cloudflare's traffic never uses "lo"). A
 * name ending in '*' is a prefix on kernels that know wildcard hooks and a
 * literal name on the others: not decided. */
static enum tri
match_device(const char *dev, bool has, const char *name)
{
	size_t len = strlen(dev);

	if (len > 0 && dev[len - 1] == '*')
		return T_MAYBE;
	if (!has || name == NULL)
		return strcmp(dev, "lo") == 0 ? T_NO : T_MAYBE;
	return strcmp(dev, name) == 0 ? T_YES : T_NO;
}

/* Whether a base chain sees the packet by the device it arrives on
 * (ingress) or leaves by (egress); the IP hooks are not per device. */
static enum tri
chain_on_device(const struct chain *ch, const struct pkt *p)
{
	bool in = ch->hook == HOOK_INGRESS;
	enum tri t = T_NO;
	size_t i;

	if (ch->hook != HOOK_INGRESS && ch->hook != HOOK_EGRESS)
		return T_YES;
	for (i = 0; i < ch->ndev && t != T_YES; i++)
		t = tri_or(t, in ? match_device(ch->dev[i], p->has_iif, p->iif)
				 : match_device(ch->dev[i], p->has_oif, p->oif));
	return t;
}

/* NAT chains see only the first packet of a connection. */
static bool
chain_applies(const struct chain *ch, const struct pkt *p)
{
	if (!(ch->families & FAM_BIT(p->fam)))
		return false;
	if (ch->type == CT_NAT)
		return (p->ctstate & CTS_NEW) != 0;
	return true;
}

static const struct chain *
current_base(const struct ctx *c, const struct state *st)
{
	enum hook h = stage_hook(st, st->hookpos);
	const struct base_list *bl;

	if (h == HOOK_NONE)
		return NULL;
	bl = &c->base[st->pkt.fam][h];
	return st->basepos < bl->n ? bl->v[st->basepos] : NULL;
}

enum base_step {
	BASE_END,   /* the packet has been through every hook of its stage */
	BASE_ENTER, /* st is at the start of the next base chain */
	BASE_MAYBE  /* the next base chain is bound to devices the packet may use */
};

static void
enter_base(struct state *st, const struct chain *ch)
{
	st->depth = 1;
	st->stack[0].chain = ch;
	st->stack[0].pos = 0;
}

/* Move to the next base chain that applies. */
static enum base_step
next_base(const struct ctx *c, struct state *st)
{
	for (;;) {
		enum hook h = stage_hook(st, st->hookpos);
		const struct chain *ch;
		enum tri dev;

		if (h == HOOK_NONE)
			return BASE_END;
		st->pkt.no_ct = h == HOOK_INGRESS;
		ch = current_base(c, st);
		if (ch == NULL) {
			st->hookpos++;
			st->basepos = 0;
			continue;
		}
		dev = chain_on_device(ch, &st->pkt);
		if (!chain_applies(ch, &st->pkt) || dev == T_NO) {
			st->basepos++;
			continue;
		}
		if (dev == T_MAYBE)
			return BASE_MAYBE;
		enter_base(st, ch);
		return BASE_ENTER;
	}
}

/* The base chain ended with accept: on to the next one. */
static void
base_accepted(struct state *st, const struct rule *r, struct loc loc)
{
	const struct chain *ch = st->stack[0].chain;

	if (ch->type != CT_NAT) {
		st->accept_loc = loc;
		st->accept_rule = r;
		st->accept_chain = st->depth ? st->stack[st->depth - 1].chain : ch;
	}
	st->basepos++;
	st->depth = 0;
}

/* The end of a base chain: its policy. true when that is final. */
static bool
apply_policy(struct state *st, struct verdict *out)
{
	const struct chain *ch = st->stack[0].chain;

	st->depth = 1;
	if (ch->policy == A_DROP) {
		*out = verdict_at(V_DROP, st, NULL, ch->policy_loc, xstrdup("chain policy DROP"));
		return true;
	}
	base_accepted(st, NULL, ch->policy_loc);
	return false;
}

static void
apply_dnat(const struct ctx *c, struct state *st, const struct rule *r)
{
	const struct action *a = &r->act;

	if (st->nat_rule == NULL) {
		st->nat_rule = r;
		st->orig_port = st->pkt.dport;
	}
	if (a->to_port)
		st->pkt.dport = a->to_port;
	if (a->kind == A_REDIRECT) {
		st->pkt.dst_local = true;
	} else if (a->has_addr && a->to_fam == st->pkt.fam) {
		/* DNAT to an address of this origin (or loopback) stays local;
		 * to any other address the packet is forwarded. */
		st->pkt.dst = a->to_addr;
		st->pkt.dst_known = true;
		st->pkt.dst_local = host_is_local(c->o, st->pkt.fam, a->to_addr);
	}
	st->pkt.ctstate |= CTS_DNAT;
	base_accepted(st, r, r->loc);
}

static struct verdict
undecided_target(const struct state *st, const struct rule *r)
{
	char *at = loc_text(r->loc);
	char *why = xasprintf("target %s (%s) is decided outside the ruleset",
			      r->act.name ? r->act.name : "?", at);

	free(at);
	return verdict_at(V_UNDECIDED, st, r, r->loc, why);
}

/* A rule its reader refused stands where it was written: the probes that
 * reach it get no verdict from the rules before it alone. */
static struct verdict
undecided_unreadable(const struct state *st, const struct rule *r)
{
	char *at = loc_text(r->loc);
	char *why = xasprintf("the rule at %s could not be read (see the input error): what it "
			      "does is unknown",
			      at);

	free(at);
	return verdict_at(V_UNDECIDED, st, r, r->loc, why);
}

static bool
push_chain(struct state *st, const struct rule *r, const struct chain *target, bool replace,
	   struct verdict *out)
{
	/* goto from a base chain: the base chain's policy applies when the
	 * target returns, so keep the base frame, moved to its end */
	if (replace && st->depth == 1)
		st->stack[0].pos = st->stack[0].chain->nrule;
	if (!replace || st->depth == 1) {
		if (st->depth >= FW_MAX_DEPTH) {
			*out = verdict_at(V_UNDECIDED, st, r, r->loc,
					  xstrdup("chains nested too deep (a jump loop?)"));
			return true;
		}
		st->depth++;
	}
	st->stack[st->depth - 1].chain = target;
	st->stack[st->depth - 1].pos = 0;
	return false;
}

/* A statement before the verdict: it changes the packet, never the walk. */
static void
apply_pre(struct state *st, const struct action *a)
{
	switch (a->kind) {
	case A_NOTRACK:
		/* before conntrack (ingress) too: nf_conntrack_in leaves an
		 * untracked packet alone */
		st->pkt.ctstate = CTS_UNTRACKED;
		st->pkt.notrack_early = st->pkt.no_ct;
		break;
	case A_SETMARK:
		st->pkt.mark = (st->pkt.mark & ~a->mask) ^ a->value;
		break;
	case A_CONNMARK_SET:
		if (!st->pkt.no_ct) /* else no entry to write to (nft_ct_set_eval) */
			st->pkt.connmark = (st->pkt.connmark & ~a->mask) ^ a->value;
		break;
	case A_CONNMARK_RESTORE:
		st->pkt.mark = (st->pkt.mark & ~a->mask) | (st->pkt.connmark & a->mask);
		break;
	case A_CONNMARK_SAVE:
		if (!st->pkt.no_ct)
			st->pkt.connmark =
			    (st->pkt.connmark & ~a->mask) | (st->pkt.mark & a->mask);
		break;
	default:
		break;
	}
}

/* "meta mark set ct mark" reads the conntrack entry: without one (ingress)
 * the rule ends there, its verdict unseen. */
static bool
breaks_without_ct(const struct state *st, const struct action *a)
{
	return st->pkt.no_ct && a->kind == A_CONNMARK_RESTORE;
}

/* Apply the statements and the action of a matching rule to st; true when
 * the verdict is final (in *out), false when the walk goes on from the
 * changed state. */
static bool
apply_action(const struct ctx *c, struct state *st, const struct rule *r, struct verdict *out)
{
	const struct action *a = &r->act;
	size_t i;

	for (i = 0; i < r->npre; i++) {
		if (breaks_without_ct(st, &r->pre[i]))
			return false;
		apply_pre(st, &r->pre[i]);
	}
	if (breaks_without_ct(st, a))
		return false;

	switch (a->kind) {
	case A_ACCEPT:
		base_accepted(st, r, r->loc);
		return false;
	case A_DROP:
		*out = verdict_at(V_DROP, st, r, r->loc, NULL);
		return true;
	case A_REJECT:
		/* A reject on the way out never reaches Cloudflare: silence. */
		if (st->stage != STAGE_SYN)
			*out = verdict_at(V_DROP, st, r, r->loc,
					  xasprintf("rejected locally (%s): nothing reaches Cloudflare",
						    a->detail ? a->detail : "reject"));
		else
			*out = verdict_at(V_REJECT, st, r, r->loc,
					  a->detail ? xstrdup(a->detail) : NULL);
		return true;
	case A_RETURN:
		if (st->depth == 1)
			return apply_policy(st, out);
		st->depth--;
		return false;
	case A_JUMP:
	case A_GOTO:
		if (a->target == NULL) {
			*out = undecided_target(st, r);
			return true;
		}
		return push_chain(st, r, a->target, a->kind == A_GOTO, out);
	case A_CONTINUE:
		return false;
	case A_DNAT:
	case A_REDIRECT:
		apply_dnat(c, st, r);
		return false;
	case A_NOTRACK:
	case A_SETMARK:
	case A_CONNMARK_SET:
	case A_CONNMARK_RESTORE:
	case A_CONNMARK_SAVE:
		apply_pre(st, a);
		return false;
	case A_QUEUE:
	case A_UNKNOWN:
		*out = undecided_target(st, r);
		return true;
	case A_UNREADABLE:
		*out = undecided_unreadable(st, r);
		return true;
	}
	abort();
}

/* The rule matched on every decided match; the undecided ones (from index i
 * of und[]) split the walk in two. */
static struct verdict
branch_rule(struct ctx *c, const struct state *st, const struct rule *r, const size_t *und,
	    const struct rate *rates, size_t nund, size_t i)
{
	const struct match *m;
	struct verdict yes;
	struct verdict no;

	if (i == nund) {
		struct state s2 = *st;
		struct verdict v;

		if (apply_action(c, &s2, r, &v))
			return v;
		return run(c, s2);
	}
	m = &r->m[und[i]];
	no = run(c, *st);
	yes = branch_rule(c, st, r, und, rates, nund, i + 1);
	if (m->kind == M_RATE)
		return combine_rate(st, m, r, &rates[i], no, yes);
	return combine_maybe(st, m, r, no, yes);
}

#define MAX_UNDECIDED_PER_RULE 8
#define MAX_BRANCH_DEPTH 200

enum rule_outcome {
	RULE_NO,     /* the walk goes on */
	RULE_YES,    /* every match holds: apply the action */
	RULE_SPLIT,  /* some match is undecided: *out is the combined verdict */
};

static enum rule_outcome
eval_rule(struct ctx *c, const struct state *st, const struct rule *r, struct verdict *out)
{
	size_t und[MAX_UNDECIDED_PER_RULE];
	struct rate rates[MAX_UNDECIDED_PER_RULE];
	size_t nund = 0;
	size_t i;

	for (i = 0; i < r->nmatch; i++) {
		struct rate rate = {false, false};
		enum tri t = match_eval(c, &st->pkt, &r->m[i], &rate);

		if (t == T_NO)
			return RULE_NO;
		if (t == T_YES)
			continue;
		if (nund == MAX_UNDECIDED_PER_RULE) {
			*out = verdict_at(V_UNDECIDED, st, r, r->loc,
					  xstrdup("too many undecidable matches in one rule"));
			return RULE_SPLIT;
		}
		rates[nund] = rate;
		und[nund++] = i;
	}
	if (nund == 0)
		return RULE_YES;
	if (c->depth >= MAX_BRANCH_DEPTH) {
		*out = verdict_at(V_UNDECIDED, st, r, r->loc,
				  xstrdup("too many undecidable matches on the path"));
		return RULE_SPLIT;
	}
	c->depth++;
	*out = branch_rule(c, st, r, und, rates, nund, 0);
	c->depth--;
	return RULE_SPLIT;
}

/* The plain source-address match of a rule that decides it before the
 * rule could give up on too many undecided matches, or NULL. */
static const struct ivset *
rule_src_key(const struct rule *r)
{
	size_t i;

	for (i = 0; i < r->nmatch && i <= MAX_UNDECIDED_PER_RULE; i++)
		if (r->m[i].kind == M_SADDR && !r->m[i].neg)
			return &r->m[i].u.addrs;
	return NULL;
}

struct span {
	u128 lo;
	u128 hi;
	size_t rule;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a;
	const struct span *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* A min-heap of the spans that hold the sweep's point, by rule. */
struct span_heap {
	size_t n;
	const struct span **v;
};

static void
heap_push(struct span_heap *h, const struct span *sp)
{
	size_t i = h->n++;

	while (i > 0 && h->v[(i - 1) / 2]->rule > sp->rule) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = sp;
}

static void
heap_pop(struct span_heap *h)
{
	const struct span *last = h->v[--h->n];
	size_t i = 0;

	for (;;) {
		size_t k = 2 * i + 1;

		if (k >= h->n)
			break;
		if (k + 1 < h->n && h->v[k + 1]->rule < h->v[k]->rule)
			k++;
		if (h->v[k]->rule >= last->rule)
			break;
		h->v[i] = h->v[k];
		i = k;
	}
	if (h->n)
		h->v[i] = last;
}

static void
seg_push(struct seg **v, size_t *n, size_t *cap, u128 lo, u128 hi, size_t rule)
{
	struct seg sg = {lo, hi, rule};

	if (*n && (*v)[*n - 1].rule == rule && (*v)[*n - 1].hi + 1 == lo) {
		(*v)[*n - 1].hi = hi;
		return;
	}
	VEC_PUSH(*v, *n, *cap, sg);
}

/* Sweep the spans (sorted by lo) into segments: the smallest rule among
 * the spans that hold each point. */
static void
sweep_spans(const struct span *sp, size_t n, struct seg **out, size_t *nout)
{
	struct span_heap h = {0, xreallocarray(NULL, n ? n : 1, sizeof(*h.v))};
	size_t cap = 0;
	size_t i = 0;
	u128 cur = 0;

	*out = NULL;
	*nout = 0;
	while (i < n || h.n) {
		const struct span *top;
		u128 end;

		if (h.n == 0)
			cur = sp[i].lo;
		while (i < n && sp[i].lo <= cur)
			heap_push(&h, &sp[i++]);
		while (h.n && h.v[0]->hi < cur)
			heap_pop(&h);
		if (h.n == 0)
			continue;
		top = h.v[0];
		end = top->hi;
		if (i < n && sp[i].lo - 1 < end)
			end = sp[i].lo - 1;
		seg_push(out, nout, &cap, cur, end, top->rule);
		if (end == ~(u128)0)
			break;
		cur = end + 1;
	}
	free(h.v);
}

/* The segments of rules [from, to) of ch for family f. */
static void
build_run(const struct chain *ch, size_t from, size_t to, struct src_run *rn)
{
	struct span *sp = NULL;
	size_t nsp = 0;
	size_t cap = 0;
	size_t i;
	size_t j;
	int f;

	rn->end = to;
	for (f = 0; f < FAM_COUNT; f++) {
		nsp = 0;
		for (i = from; i < to; i++) {
			const struct ivset *k = rule_src_key(ch->rules[i]);

			if ((int)k->fam != f)
				continue;
			for (j = 0; j < k->n; j++) {
				struct span s1 = {k->v[j].lo, k->v[j].hi, i};

				VEC_PUSH(sp, nsp, cap, s1);
			}
		}
		if (nsp)
			qsort(sp, nsp, sizeof(*sp), span_cmp);
		sweep_spans(sp, nsp, &rn->seg[f], &rn->nseg[f]);
	}
	free(sp);
}

static int
index_cmp(const void *a, const void *b)
{
	const struct chain_index *x = a;
	const struct chain_index *y = b;

	return (uintptr_t)x->chain < (uintptr_t)y->chain ? -1 : (uintptr_t)x->chain > (uintptr_t)y->chain;
}

static void
skip_index(struct ctx *c)
{
	size_t i;
	size_t j;
	size_t cap = 0;

	for (i = 0; i < c->o->fw.nchain; i++) {
		const struct chain *ch = c->o->fw.chains[i];
		struct chain_index ix;
		size_t rcap = 0;

		memset(&ix, 0, sizeof(ix));
		for (j = 0; j < ch->nrule;) {
			size_t k = j;
			struct src_run rn;

			while (k < ch->nrule && rule_src_key(ch->rules[k]))
				k++;
			if (k - j < SKIP_RUN_MIN) {
				j = k + 1;
				continue;
			}
			if (ix.run_at == NULL)
				ix.run_at = xcalloc(ch->nrule, sizeof(*ix.run_at));
			memset(&rn, 0, sizeof(rn));
			build_run(ch, j, k, &rn);
			VEC_PUSH(ix.runs, ix.nrun, rcap, rn);
			ix.run_at[j] = (uint32_t)ix.nrun;
			j = k;
		}
		if (ix.nrun == 0)
			continue;
		ix.chain = ch;
		VEC_PUSH(c->index, c->nindex, cap, ix);
	}
	if (c->nindex)
		qsort(c->index, c->nindex, sizeof(*c->index), index_cmp);
}

static void
skip_index_free(struct ctx *c)
{
	size_t i;
	size_t j;
	int f;

	for (i = 0; i < c->nindex; i++) {
		for (j = 0; j < c->index[i].nrun; j++)
			for (f = 0; f < FAM_COUNT; f++)
				free(c->index[i].runs[j].seg[f]);
		free(c->index[i].runs);
		free(c->index[i].run_at);
	}
	free(c->index);
}

static const struct chain_index *
index_of(struct ctx *c, const struct chain *ch)
{
	struct chain_index key;

	if (ch == c->last_chain)
		return c->last_index;
	key.chain = ch;
	c->last_chain = ch;
	c->last_index = c->nindex ? bsearch(&key, c->index, c->nindex, sizeof(key), index_cmp) : NULL;
	return c->last_index;
}

/* At the start of an indexed run: move f to the first rule of the run the
 * packet's source can match (the run's end when none). */
static void
skip_run(struct ctx *c, const struct pkt *p, struct frame *f)
{
	const struct chain_index *ix = index_of(c, f->chain);
	const struct src_run *rn;
	const struct seg *sg;
	size_t lo = 0;
	size_t hi;
	size_t to;

	if (ix == NULL || ix->run_at[f->pos] == 0)
		return;
	rn = &ix->runs[ix->run_at[f->pos] - 1];
	sg = rn->seg[p->fam];
	hi = rn->nseg[p->fam];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sg[mid].hi < p->src)
			lo = mid + 1;
		else
			hi = mid;
	}
	to = lo < rn->nseg[p->fam] && sg[lo].lo <= p->src ? sg[lo].rule : rn->end;
	/* the walk would have run out of budget inside the run: walk it */
	if (to - f->pos > c->budget)
		return;
	c->budget -= to - f->pos;
	f->pos = to;
}

/* "device eth0" or "devices eth0, eth1": the binding as the ruleset says it. */
static char *
devices_text(const struct chain *ch)
{
	struct buf b = {0};
	size_t i;

	buf_adds(&b, ch->ndev == 1 ? "device " : "devices ");
	for (i = 0; i < ch->ndev; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", ch->dev[i]);
	return buf_take(&b);
}

/* The next base chain is bound to devices and the packet's interface is
 * not known: walk both (it sees the chain, it does not). */
static struct verdict
branch_base(struct ctx *c, const struct state *st)
{
	const struct chain *ch = current_base(c, st);
	struct state skip = *st;
	struct state in = *st;
	struct verdict no;
	struct verdict yes;
	char *what;

	if (c->depth >= MAX_BRANCH_DEPTH)
		return verdict_at(V_UNDECIDED, st, NULL, ch->loc,
				  xstrdup("too many undecidable matches on the path"));
	c->depth++;
	skip.basepos++;
	no = run(c, skip);
	enter_base(&in, ch);
	yes = run(c, in);
	c->depth--;
	what = devices_text(ch);
	no = combine_undecided(st, what, ch->loc, NULL, ch, no, yes);
	free(what);
	return no;
}

/* Walk from st to the final verdict. Loops in place; recurses only where an
 * undecided match splits the walk. */
static struct verdict
run(struct ctx *c, struct state st)
{
	struct verdict v;

	for (;;) {
		struct frame *f;
		const struct rule *r;

		if (st.depth == 0) {
			enum base_step step = next_base(c, &st);

			if (step == BASE_MAYBE)
				return branch_base(c, &st);
			if (step == BASE_END) {
				v = verdict_at(V_ACCEPT, &st, st.accept_rule, st.accept_loc, NULL);
				v.chain = st.accept_chain;
				return v;
			}
		}
		f = &st.stack[st.depth - 1];
		if (f->pos >= f->chain->nrule) {
			/* the end of a regular chain returns; of a base chain, the policy */
			if (st.depth > 1) {
				st.depth--;
				continue;
			}
			if (apply_policy(&st, &v))
				return v;
			continue;
		}
		skip_run(c, &st.pkt, f);
		if (f->pos >= f->chain->nrule)
			continue;
		if (c->budget == 0)
			return verdict_at(V_UNDECIDED, &st, NULL, f->chain->loc,
					  xstrdup("evaluation budget exhausted (too many undecidable "
						  "matches on the path)"));
		c->budget--;
		r = f->chain->rules[f->pos++];
		switch (eval_rule(c, &st, r, &v)) {
		case RULE_NO:
			continue;
		case RULE_SPLIT:
			return v;
		case RULE_YES:
			if (apply_action(c, &st, r, &v))
				return v;
			continue;
		}
	}
}

/* ---- the driver ---- */

static int
base_cmp(const void *a, const void *b)
{
	const struct chain *x = *(const struct chain *const *)a;
	const struct chain *y = *(const struct chain *const *)b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	/* same priority: keep the order they were defined in (stable) */
	return x->loc.file == y->loc.file ? (x->loc.line < y->loc.line ? -1 : x->loc.line > y->loc.line)
					    : 0;
}

static void
build_base_lists(struct ctx *c)
{
	size_t i;
	int f;

	for (i = 0; i < c->o->fw.nchain; i++) {
		const struct chain *ch = c->o->fw.chains[i];

		if (ch->hook == HOOK_NONE)
			continue;
		for (f = 0; f < FAM_COUNT; f++) {
			struct base_list *bl = &c->base[f][ch->hook];

			if (!(ch->families & FAM_BIT(f)))
				continue;
			bl->v = xreallocarray(bl->v, bl->n + 1, sizeof(*bl->v));
			bl->v[bl->n++] = ch;
		}
	}
	for (f = 0; f < FAM_COUNT; f++)
		for (i = 0; i < HOOK_NONE; i++)
			if (c->base[f][i].n > 1)
				qsort(c->base[f][i].v, c->base[f][i].n, sizeof(*c->base[f][i].v),
				      base_cmp);
}

/* Addresses Cloudflare could be connecting to when the origin's are not
 * known: any unicast address that is not loopback or link-local (private
 * space stays in: cloud VMs see their private address behind 1:1 NAT). */
static void
build_possible_dst(struct ctx *c)
{
	static const char *const v4_not[] = {"0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
					      "224.0.0.0/3"};
	static const char *const v6_not[] = {"::/127", "fe80::/10", "ff00::/8"};
	struct ivset not;
	struct ivset all;
	struct cidr cd;
	size_t i;
	int f;

	for (f = 0; f < FAM_COUNT; f++) {
		const char *const *list = f == FAM_V4 ? v4_not : v6_not;
		size_t n = f == FAM_V4 ? ARRAY_LEN(v4_not) : ARRAY_LEN(v6_not);

		ivset_init(&not, (enum family)f);
		ivset_init(&all, (enum family)f);
		ivset_add(&all, 0, fam_max((enum family)f));
		for (i = 0; i < n; i++)
			if (cidr_parse(list[i], &cd))
				ivset_add_cidr(&not, &cd);
		ivset_normalize(&not);
		ivset_subtract(&c->possible_dst[f], &all, &not);
		ivset_free(&not);
		ivset_free(&all);
	}
}

/* ---- pieces: a Cloudflare range is split only where some set cuts it ---- */

struct cuts {
	size_t n;
	size_t cap;
	u128 *v;
};

static void
add_cut(void *arg, u128 a)
{
	struct cuts *cu = arg;

	VEC_PUSH(cu->v, cu->n, cu->cap, a);
}

static int u128_cmp(const void *a, const void *b);

/* Cuts are collected once per family for all of Cloudflare's ranges: a
 * boundary of some address set that falls inside a range starts a new piece
 * there. Small sets (a rule's -s) test their two ends; big ones (an ipset)
 * are searched per range, touching only the intervals inside it. */
static void
cut_at(const struct ivset *cf_all, struct cuts *cu, u128 a)
{
	if (ivset_contains(cf_all, a))
		add_cut(cu, a);
}

static void
cut_by_set(const struct addrset *s, const struct cf_ranges *cf, struct cuts *cu)
{
	enum family fam = s->fam;
	size_t i;

	if (s->n > 16) {
		for (i = 0; i < cf->n[fam]; i++)
			addrset_cuts(s, cf->v[fam][i].lo, cf->v[fam][i].hi, add_cut, cu);
		return;
	}
	for (i = 0; i < s->n; i++) {
		struct iv iv = addrset_at(s, i);

		cut_at(&cf->all[fam], cu, iv.lo);
		if (iv.hi != fam_max(fam))
			cut_at(&cf->all[fam], cu, iv.hi + 1);
	}
}

static void
cut_by_rule_addrs(const struct ivset *s, const struct cf_ranges *cf, struct cuts *cu)
{
	struct addrset v = addrset_view(s);

	cut_by_set(&v, cf, cu);
}

static void
cut_by_ipset(const struct ipset *s, const struct cf_ranges *cf, struct cuts *cu)
{
	size_t i;

	if (s->addrs_ready) {
		cut_by_set(&s->addrs, cf, cu);
		return;
	}
	if (s->ndim == 0 || s->dim[0] != DIM_ADDR)
		return;
	for (i = 0; i < s->mem.n; i++) {
		struct member m = set_member(s, i);

		cut_at(&cf->all[s->fam], cu, m.lo);
		if (m.hi != fam_max(s->fam))
			cut_at(&cf->all[s->fam], cu, m.hi + 1);
	}
	for (i = 0; i < s->nelem; i++) {
		cut_at(&cf->all[s->fam], cu, s->elem[i].lo);
		if (s->elem[i].hi != fam_max(s->fam))
			cut_at(&cf->all[s->fam], cu, s->elem[i].hi + 1);
	}
}

static void
collect_cuts(const struct origin *o, const struct cf_ranges *cf, enum family fam, struct cuts *cu)
{
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; i < o->fw.nchain; i++) {
		const struct chain *ch = o->fw.chains[i];

		for (j = 0; j < ch->nrule; j++) {
			const struct rule *ru = ch->rules[j];

			for (k = 0; k < ru->nmatch; k++) {
				const struct match *m = &ru->m[k];

				if ((m->kind == M_SADDR || m->kind == M_DADDR) && m->u.addrs.fam == fam)
					cut_by_rule_addrs(&m->u.addrs, cf, cu);
			}
		}
	}
	for (i = 0; i < o->nset; i++)
		if (o->sets[i]->fam == fam)
			cut_by_ipset(o->sets[i], cf, cu);
	for (i = 0; i < cf->n[fam]; i++)
		add_cut(cu, cf->v[fam][i].lo);
	qsort(cu->v, cu->n, sizeof(*cu->v), u128_cmp);
}

static int
u128_cmp(const void *a, const void *b)
{
	u128 x = *(const u128 *)a;
	u128 y = *(const u128 *)b;

	return x < y ? -1 : x > y;
}

/* ---- probes ---- */

static void
state_init(struct state *st, enum family fam, enum probe_stage stage)
{
	memset(st, 0, sizeof(*st));
	st->pkt.fam = fam;
	st->stage = stage;
	st->pkt.ttl_lo = 1;
	st->pkt.ttl_hi = stage == STAGE_SYN ? 254 : 255;
}

static struct verdict
probe(struct ctx *c, struct state *st)
{
	c->budget = c->opt->budget ? c->opt->budget : FW_DEFAULT_BUDGET;
	c->depth = 0;
	return run(c, *st);
}

static struct verdict
syn_probe(struct ctx *c, enum family fam, u128 src, bool has_dst, u128 dst, uint16_t port)
{
	struct state st;

	state_init(&st, fam, STAGE_SYN);
	st.pkt.src = src;
	st.pkt.dst = dst;
	st.pkt.dst_known = has_dst;
	st.pkt.dst_local = true;
	st.pkt.proto = PROTO_TCP;
	st.pkt.dport_known = true;
	st.pkt.dport = port;
	st.pkt.has_iif = true;
	st.pkt.iif = c->opt->public_iface;
	st.pkt.ctstate = CTS_NEW;
	st.pkt.tcpflags = TCPF_SYN;
	return probe(c, &st);
}

/* The origin's SYN-ACK back to Cloudflare (conntrack: ESTABLISHED). */
static struct verdict
reply_probe(struct ctx *c, enum family fam, u128 cf_addr, const struct verdict *syn)
{
	struct state st;

	state_init(&st, fam, STAGE_REPLY);
	st.pkt.src = syn->final_dst;
	st.pkt.src_local = true;
	st.pkt.dst = cf_addr;
	st.pkt.dst_known = true;
	st.pkt.proto = PROTO_TCP;
	st.pkt.sport_known = true;
	st.pkt.sport = syn->final_port;
	st.pkt.has_oif = true;
	st.pkt.oif = c->opt->public_iface;
	st.pkt.ctstate = CTS_ESTABLISHED;
	st.pkt.tcpflags = TCPF_SYN | TCPF_ACK;
	st.pkt.connmark = syn->final_connmark;
	return probe(c, &st);
}

/* IPv6 neighbour discovery between the origin and its router: without it no
 * IPv6 packet is delivered at all. NS/NA are UNTRACKED for conntrack
 * (nf_conntrack_proto_icmpv6: noct_valid_new). */
static struct verdict
nd_probe(struct ctx *c, int type, bool outbound)
{
	struct state st;
	enum family fam;
	u128 router;
	u128 self;
	u128 solicited;

	addr_parse("fe80::1", &fam, &router);
	addr_parse("fe80::2", &fam, &self);
	addr_parse("ff02::1:ff00:2", &fam, &solicited);
	state_init(&st, FAM_V6, STAGE_ND);
	st.pkt.proto = PROTO_ICMPV6;
	st.pkt.icmp_type = type;
	st.pkt.ctstate = CTS_UNTRACKED;
	st.pkt.dst_known = true;
	st.pkt.ttl_lo = st.pkt.ttl_hi = 255;
	if (outbound) {
		st.pkt.src = self;
		st.pkt.src_local = true;
		st.pkt.dst = type == 135 ? solicited : router;
		st.pkt.has_oif = true;
		st.pkt.oif = c->opt->public_iface;
	} else {
		st.pkt.src = router;
		st.pkt.dst = type == 135 ? solicited : self;
		st.pkt.dst_local = true;
		st.pkt.has_iif = true;
		st.pkt.iif = c->opt->public_iface;
	}
	return probe(c, &st);
}

int
verdict_rank(enum verdict_kind k)
{
	switch (k) {
	case V_ACCEPT:
		return 0;
	case V_RATELIMIT:
		return 1;
	case V_UNDECIDED:
		return 2;
	case V_REJECT:
		return 3;
	case V_DROP:
		return 4;
	}
	abort();
}

static void
check_nd(struct ctx *c, struct reach_table *out)
{
	static const int types[] = {135, 136};
	struct verdict worst;
	bool have = false;
	size_t i;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < ARRAY_LEN(types); i++) {
			struct verdict v = nd_probe(c, types[i], dir == 1);

			if (!have || verdict_rank(v.kind) > verdict_rank(worst.kind)) {
				if (have)
					verdict_free(&worst);
				worst = v;
				have = true;
			} else {
				verdict_free(&v);
			}
		}
	}
	out->nd_checked[FAM_V6] = true;
	out->nd[FAM_V6] = worst;
}

static bool
verdict_equal(const struct verdict *a, const struct verdict *b)
{
	return a->kind == b->kind && a->stage == b->stage && a->loc.file == b->loc.file &&
	       a->loc.line == b->loc.line && a->rule == b->rule &&
	       ((a->why == NULL && b->why == NULL) ||
		(a->why && b->why && strcmp(a->why, b->why) == 0));
}

static struct verdict
verdict_dup(const struct verdict *v)
{
	struct verdict d = *v;

	d.why = v->why ? xstrdup(v->why) : NULL;
	return d;
}

/* One piece x destination x port: the SYN, then the reply, then what IPv6
 * neighbour discovery allows. */
static struct verdict
evaluate_piece(struct ctx *c, const struct reach_table *out, enum family fam, u128 src,
	       bool has_dst, u128 dst, uint16_t port)
{
	struct verdict v = syn_probe(c, fam, src, has_dst, dst, port);
	struct verdict r;

	if ((v.kind == V_ACCEPT || v.kind == V_RATELIMIT) && !v.forwarded) {
		r = reply_probe(c, fam, src, &v);
		if (r.kind != V_ACCEPT) {
			verdict_free(&v);
			v = r;
		} else {
			verdict_free(&r);
		}
	}
	if (fam == FAM_V6 && out->nd_checked[FAM_V6] && v.kind != V_DROP &&
	    verdict_rank(out->nd[FAM_V6].kind) > verdict_rank(v.kind) &&
	    out->nd[FAM_V6].kind != V_RATELIMIT) {
		verdict_free(&v);
		v = verdict_dup(&out->nd[FAM_V6]);
		/* ND fails silently whatever its rule does: Cloudflare times out */
		if (v.kind == V_REJECT)
			v.kind = V_DROP;
	}
	return v;
}

static void
add_reach(struct reach_table *out, enum family fam, size_t range, u128 lo, u128 hi, bool has_dst,
	  u128 dst, uint16_t port, struct verdict v)
{
	struct reach *last = out->n ? &out->v[out->n - 1] : NULL;
	struct reach r;

	/* adjacent pieces with the same verdict are one row */
	if (last && last->fam == fam && last->range == range && last->port == port &&
	    last->has_dst == has_dst && last->dst == dst && last->last + 1 == lo &&
	    verdict_equal(&last->v, &v)) {
		last->last = hi;
		verdict_free(&v);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.fam = fam;
	r.range = range;
	r.first = lo;
	r.last = hi;
	r.has_dst = has_dst;
	r.dst = dst;
	r.port = port;
	r.v = v;
	VEC_PUSH(out->v, out->n, out->cap, r);
}

/* The pieces of range r: from the sorted cuts, those inside it. */
static void
evaluate_range(struct ctx *c, const struct cf_ranges *cf, enum family fam, size_t ri,
	       const struct cuts *cu, struct reach_table *out)
{
	const struct cidr *r = &cf->v[fam][ri];
	const struct origin *o = c->o;
	size_t first = 0;
	size_t i;
	size_t p;
	size_t d;
	size_t ndst = 0;

	while (first < cu->n && cu->v[first] < r->lo)
		first++;
	for (i = 0; i < o->naddr; i++)
		if (o->addrs[i].fam == fam)
			ndst++;
	for (d = 0; d < (ndst ? o->naddr : 1); d++) {
		bool has_dst = ndst > 0;
		u128 dst = has_dst ? o->addrs[d].addr : 0;

		if (has_dst && o->addrs[d].fam != fam)
			continue;
		for (p = 0; p < c->opt->nport; p++) {
			for (i = first; i < cu->n && cu->v[i] <= r->hi; i++) {
				u128 lo = cu->v[i];
				u128 hi;
				size_t j = i + 1;

				if (i > first && cu->v[i] == cu->v[i - 1])
					continue;
				while (j < cu->n && cu->v[j] == lo)
					j++;
				hi = j < cu->n && cu->v[j] <= r->hi ? cu->v[j] - 1 : r->hi;
				add_reach(out, fam, ri, lo, hi, has_dst, dst, c->opt->ports[p],
					  evaluate_piece(c, out, fam, lo, has_dst, dst,
							 c->opt->ports[p]));
			}
		}
	}
}

void
fw_evaluate(const struct origin *o, const struct cf_ranges *cf, const struct eval_opts *opt,
	    struct reach_table *out)
{
	struct ctx c;
	size_t i;
	int f;

	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	c.o = o;
	c.opt = opt;
	build_base_lists(&c);
	build_possible_dst(&c);
	if (!opt->walk_all)
		skip_index(&c);
	if (o->fw_seen[FAM_V6])
		check_nd(&c, out);
	for (f = 0; f < FAM_COUNT; f++) {
		struct cuts cu = {0, 0, NULL};

		if (!o->fw_seen[f])
			continue;
		collect_cuts(o, cf, (enum family)f, &cu);
		for (i = 0; i < cf->n[f]; i++)
			evaluate_range(&c, cf, (enum family)f, i, &cu, out);
		free(cu.v);
	}
	for (f = 0; f < FAM_COUNT; f++) {
		for (i = 0; i < HOOK_NONE; i++)
			free(c.base[f][i].v);
		ivset_free(&c.possible_dst[f]);
	}
	skip_index_free(&c);
}

void
reach_free(struct reach_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		verdict_free(&t->v[i].v);
	free(t->v);
	if (t->nd_checked[FAM_V6])
		verdict_free(&t->nd[FAM_V6]);
	memset(t, 0, sizeof(*t));
}
