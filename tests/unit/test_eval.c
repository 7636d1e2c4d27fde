/* The firewall evaluator over hand-built models (the kernel oracle test checks
 * the same semantics against the real thing). */
#include "fw_eval.h"
#include "ranges.h"
#include "unit.h"
#include "util.h"

static struct origin o;
static struct cf_ranges cf;
static struct reach_table t;
static unsigned line;

static struct loc
L(void)
{
	return (struct loc){intern("/t"), ++line};
}

static void
reset(void)
{
	origin_free(&o);
	reach_free(&t);
	memset(&o, 0, sizeof(o));
	line = 0;
}

static struct chain *
base(const char *table, const char *name, enum hook h, int prio, enum action_kind policy,
     enum family fam)
{
	struct chain *c = ruleset_add_chain(&o.fw, table, name, FAM_BIT(fam), L());

	c->hook = h;
	c->priority = prio;
	c->policy = policy;
	c->policy_loc = c->loc;
	c->type = strcmp(table, "nat") == 0 ? CT_NAT : CT_FILTER;
	o.fw_seen[fam] = true;
	return c;
}

static struct rule *
rule(struct chain *c, enum action_kind k)
{
	struct rule *r = chain_add_rule(c, L());

	r->act.kind = k;
	r->act.name = xstrdup("X");
	return r;
}

static void
saddr(struct rule *r, const char *cidr, bool neg)
{
	struct match *m = rule_add_match(r, M_SADDR, neg, cidr);
	struct cidr c;

	cidr_parse(cidr, &c);
	ivset_init(&m->u.addrs, c.fam);
	ivset_add_cidr(&m->u.addrs, &c);
}

static void
dport(struct rule *r, uint16_t lo, uint16_t hi)
{
	struct match *m = rule_add_match(r, M_DPORT, false, "--dport");

	m->u.ports.n = 1;
	m->u.ports.v = xmalloc(sizeof(*m->u.ports.v));
	m->u.ports.v[0].lo = lo;
	m->u.ports.v[0].hi = hi;
}

static void
ctstate(struct rule *r, unsigned bits)
{
	rule_add_match(r, M_CTSTATE, false, "--ctstate")->u.bits = bits;
}

static const uint16_t ports443[] = {443};

static void
evaluate(const char *iface)
{
	struct eval_opts eo = {iface, 1, ports443, 0, false};

	origin_finish(&o);
	fw_evaluate(&o, &cf, &eo, &t);
}

/* The verdict for one source address (v4 or v6). */
static const struct reach *
at(const char *addr)
{
	enum family f;
	u128 a;
	size_t i;

	addr_parse(addr, &f, &a);
	for (i = 0; i < t.n; i++)
		if (t.v[i].fam == f && t.v[i].first <= a && a <= t.v[i].last)
			return &t.v[i];
	return NULL;
}

static void
policy_drop_with_allowlist(void)
{
	struct chain *in;

	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_DROP, FAM_V4);
	saddr(rule(in, A_ACCEPT), "173.245.48.0/20", false);
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
	CHECK(at("173.245.48.1")->v.loc.line == 2);
	CHECK(at("162.158.0.1")->v.kind == V_DROP);
	CHECK(at("162.158.0.1")->v.rule == NULL); /* the policy */
	CHECK(at("162.158.0.1")->v.loc.line == in->policy_loc.line);
	CHECK(at("2400:cb00::1") == NULL); /* no IPv6 ruleset: not evaluated */
}

static void
jump_and_piece_split(void)
{
	struct chain *in;
	struct chain *ban;
	struct rule *j;
	const struct reach *r;

	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	ban = ruleset_add_chain(&o.fw, "filter", "f2b", FAM_BIT(FAM_V4), L());
	j = rule(in, A_JUMP);
	j->act.target = ban;
	saddr(rule(ban, A_DROP), "162.158.5.0/24", false);
	rule(ban, A_RETURN);
	evaluate(NULL);
	CHECK(at("162.158.4.255")->v.kind == V_ACCEPT);
	r = at("162.158.5.7");
	CHECK(r->v.kind == V_DROP && r->v.npath == 2);
	CHECK_STR(r->v.path[1]->name, "f2b");
	CHECK(r->first == at("162.158.5.0")->first && r->last == at("162.158.5.255")->last);
	CHECK(at("162.158.6.0")->v.kind == V_ACCEPT);
	/* the range became three rows; an untouched range stays one */
	CHECK(at("162.158.0.0")->last + 1 == r->first);
	CHECK(at("173.245.48.0")->last == at("173.245.63.255")->last);
}

static void
reject_and_goto(void)
{
	struct chain *in;
	struct chain *zone;
	struct rule *g;
	struct rule *rj;

	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	zone = ruleset_add_chain(&o.fw, "filter", "zone", FAM_BIT(FAM_V4), L());
	g = rule(in, A_GOTO);
	g->act.target = zone;
	rj = rule(in, A_REJECT); /* never reached: goto does not come back */
	rj->act.detail = xstrdup("tcp-reset");
	saddr(rule(zone, A_RETURN), "104.16.0.0/13", false);
	rj = rule(zone, A_REJECT);
	rj->act.detail = xstrdup("icmp-host-prohibited");
	evaluate(NULL);
	/* RETURN from a goto'd chain ends the calling base chain: its policy */
	CHECK(at("104.16.0.1")->v.kind == V_ACCEPT);
	CHECK(at("104.24.0.1")->v.kind == V_REJECT);
	CHECK_STR(at("104.24.0.1")->v.why, "icmp-host-prohibited");
}

static void
rate_limit(void)
{
	struct chain *in;
	struct rule *r;
	struct match *m;

	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_DROP, FAM_V4);
	r = rule(in, A_ACCEPT);
	dport(r, 443, 443);
	m = rule_add_match(r, M_RATE, false, "-m limit --limit 10/s");
	m->u.rate.light = true;
	m->u.rate.heavy = false;
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_RATELIMIT);
	CHECK(at("173.245.48.1")->v.loc.line == r->loc.line);
	/* connlimit above N -> REJECT before an accept: also a rate limit */
	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	r = rule(in, A_REJECT);
	m = rule_add_match(r, M_RATE, false, "-m connlimit --connlimit-above 20");
	m->u.rate.light = false;
	m->u.rate.heavy = true;
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_RATELIMIT);
}

static void
unknown_matches(void)
{
	struct chain *in;
	struct rule *r;

	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	r = rule(in, A_CONTINUE); /* -m time ... -j LOG: does not matter */
	rule_add_match(r, M_UNKNOWN, false, "-m time --timestart 09:00");
	r = rule(in, A_DROP);
	rule_add_match(r, M_UNKNOWN, false, "-m string --string foo");
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_UNDECIDED);
	CHECK(at("173.245.48.1")->v.loc.line == r->loc.line);
	CHECK(strstr(at("173.245.48.1")->v.why, "-m string") != NULL);
}

static void
interfaces(void)
{
	struct chain *in;
	struct rule *r;

	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_DROP, FAM_V4);
	r = rule(in, A_ACCEPT);
	rule_add_match(r, M_IIF, false, "-i lo")->u.ifname = xstrdup("lo");
	r = rule(in, A_ACCEPT);
	rule_add_match(r, M_IIF, false, "-i eth+")->u.ifname = xstrdup("eth+");
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_UNDECIDED);
	reach_free(&t);
	evaluate("eth0");
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
	reach_free(&t);
	evaluate("ens3");
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
}

static void
conntrack_new(void)
{
	struct chain *in;

	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_DROP, FAM_V4);
	ctstate(rule(in, A_ACCEPT), CTS_ESTABLISHED | CTS_RELATED);
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
}

static void
dnat_changes_port(void)
{
	struct chain *pre;
	struct chain *in;
	struct rule *r;

	reset();
	pre = base("nat", "PREROUTING", HOOK_PREROUTING, -100, A_ACCEPT, FAM_V4);
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_DROP, FAM_V4);
	r = rule(pre, A_REDIRECT);
	dport(r, 443, 443);
	r->act.to_port = 8443;
	r = rule(in, A_ACCEPT);
	dport(r, 443, 443);
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
	r = rule(in, A_ACCEPT);
	dport(r, 8443, 8443);
	reach_free(&t);
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
}

static void
reply_path(void)
{
	struct chain *out;

	reset();
	base("filter", "INPUT", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	out = base("filter", "OUTPUT", HOOK_OUTPUT, 0, A_DROP, FAM_V4);
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
	CHECK(at("173.245.48.1")->v.stage == STAGE_REPLY);
	ctstate(rule(out, A_ACCEPT), CTS_ESTABLISHED);
	reach_free(&t);
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
}

static void
ipv6_neighbour_discovery(void)
{
	struct chain *in;
	struct rule *r;

	reset();
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_DROP, FAM_V6);
	ctstate(rule(in, A_ACCEPT), CTS_ESTABLISHED | CTS_RELATED);
	saddr(rule(in, A_ACCEPT), "2400:cb00::/32", false);
	evaluate(NULL);
	CHECK(t.nd_checked[FAM_V6] && t.nd[FAM_V6].kind == V_DROP);
	CHECK(at("2400:cb00::1")->v.kind == V_DROP);
	CHECK(at("2400:cb00::1")->v.stage == STAGE_ND);
	r = rule(in, A_ACCEPT);
	rule_add_match(r, M_PROTO, false, "-p ipv6-icmp")->u.proto = PROTO_ICMPV6;
	/* move it first: ND must pass before anything else drops it */
	in->rules[2] = in->rules[0];
	in->rules[0] = r;
	reach_free(&t);
	evaluate(NULL);
	CHECK(t.nd[FAM_V6].kind == V_ACCEPT);
	CHECK(at("2400:cb00::1")->v.kind == V_ACCEPT);
	CHECK(at("2606:4700::1")->v.kind == V_DROP);
}

static void
marks(void)
{
	struct chain *mangle;
	struct chain *in;
	struct rule *r;

	reset();
	mangle = base("mangle", "PREROUTING", HOOK_PREROUTING, -150, A_ACCEPT, FAM_V4);
	in = base("filter", "INPUT", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	r = rule(mangle, A_SETMARK);
	saddr(r, "173.245.48.0/20", false);
	r->act.value = 0x2;
	r->act.mask = 0xffffffff;
	r = rule(in, A_DROP);
	rule_add_match(r, M_MARK, false, "-m mark --mark 0x2")->u.mark.value = 2;
	r->m[0].u.mark.mask = 0xffffffff;
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
	CHECK(at("162.158.0.1")->v.kind == V_ACCEPT);
}

/* CONNMARK --save-mark on the SYN: the reply's conntrack mark carries it. */
static void
connmark_save(void)
{
	struct chain *mangle;
	struct chain *out;
	struct rule *r;

	reset();
	mangle = base("mangle", "PREROUTING", HOOK_PREROUTING, -150, A_ACCEPT, FAM_V4);
	base("filter", "INPUT", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	out = base("filter", "OUTPUT", HOOK_OUTPUT, 0, A_DROP, FAM_V4);
	r = rule(mangle, A_SETMARK);
	saddr(r, "173.245.48.0/20", false);
	r->act.value = 0x7;
	r->act.mask = 0xffffffff;
	rule(mangle, A_CONNMARK_SAVE)->act.mask = 0xffffffff;
	r = rule(out, A_ACCEPT);
	rule_add_match(r, M_CONNMARK, false, "-m connmark --mark 0x7")->u.mark.value = 7;
	r->m[0].u.mark.mask = 0xffffffff;
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
	CHECK(at("162.158.0.1")->v.kind == V_DROP && at("162.158.0.1")->v.stage == STAGE_REPLY);
}

/* The walk that skips deny lists by their source-address index gives every
 * verdict the walk through every rule gives: random chains of overlapping
 * bans, with rules that log and go on, jump, test something undecidable
 * before the address, or test a negated address; and a budget that runs
 * out inside a list. */
static uint64_t rng = 0x2545f4914f6cdd1dull;

static unsigned
pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static bool
same_reach(const struct reach_table *a, const struct reach_table *b)
{
	size_t i;
	size_t k;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		const struct verdict *x = &a->v[i].v;
		const struct verdict *y = &b->v[i].v;

		if (a->v[i].first != b->v[i].first || a->v[i].last != b->v[i].last ||
		    x->kind != y->kind || x->loc.line != y->loc.line || x->rule != y->rule ||
		    x->npath != y->npath || (x->why == NULL) != (y->why == NULL) ||
		    (x->why && strcmp(x->why, y->why) != 0))
			return false;
		for (k = 0; k < x->npath; k++)
			if (x->path[k] != y->path[k])
				return false;
	}
	return true;
}

static void
skip_index_same_verdicts(void)
{
	static const char *const nets[] = {
		"162.158.0.0/15", "162.158.4.0/24", "162.158.4.7/32", "173.245.48.0/20",
		"173.245.49.1/32", "104.16.0.0/13", "104.16.0.0/12", "104.17.1.0/24",
		"198.51.100.1/32", "203.0.113.0/24", "0.0.0.0/0", "108.162.192.0/18",
	};
	int round;

	for (round = 0; round < 60; round++) {
		struct chain *in;
		struct chain *ban;
		struct chain *side;
		struct reach_table all;
		struct eval_opts eo = {NULL, 1, ports443, 0, false};
		unsigned n = 10 + pick(60);
		unsigned i;

		reset();
		in = base("filter", "INPUT", HOOK_INPUT, 0, pick(2) ? A_DROP : A_ACCEPT, FAM_V4);
		ban = ruleset_add_chain(&o.fw, "filter", "ban", FAM_BIT(FAM_V4), L());
		side = ruleset_add_chain(&o.fw, "filter", "side", FAM_BIT(FAM_V4), L());
		rule(in, A_JUMP)->act.target = ban;
		saddr(rule(in, A_ACCEPT), "173.245.48.0/20", false);
		saddr(rule(side, A_REJECT), "162.158.4.0/24", false);
		for (i = 0; i < n; i++) {
			static const enum action_kind acts[] = {A_DROP, A_DROP, A_REJECT, A_CONTINUE,
								A_JUMP, A_ACCEPT, A_RETURN};
			enum action_kind k = acts[pick(ARRAY_LEN(acts))];
			struct rule *r = rule(ban, k);
			unsigned shape = pick(10);

			if (k == A_JUMP)
				r->act.target = side;
			if (shape == 0)
				rule_add_match(r, M_UNKNOWN, false, "-m string");
			if (shape == 1)
				dport(r, 443, 443);
			saddr(r, nets[pick(ARRAY_LEN(nets))], shape == 2);
			if (shape == 3)
				saddr(r, nets[pick(ARRAY_LEN(nets))], false);
			if (shape == 4)
				rule_add_match(r, M_UNKNOWN, false, "-m time");
		}
		rule(ban, A_RETURN);
		if (round % 3 == 2)
			eo.budget = 5 + pick(40);
		origin_finish(&o);
		fw_evaluate(&o, &cf, &eo, &t);
		eo.walk_all = true;
		fw_evaluate(&o, &cf, &eo, &all);
		CHECK(same_reach(&t, &all));
		reach_free(&all);
	}
}

/* A chain on a device's ingress hook: bound to eth0, it drops when the
 * traffic arrives there, not on another device, and cannot be decided
 * when the interface is not known; "lo" never carries Cloudflare's. */
static void
ingress_device_binding(void)
{
	struct chain *ing;

	reset();
	base("filter", "input", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	ing = base("early", "ingress", HOOK_INGRESS, -500, A_ACCEPT, FAM_V4);
	chain_add_device(ing, "eth0");
	chain_add_device(ing, "eth0"); /* once */
	CHECK(ing->ndev == 1);
	saddr(rule(ing, A_DROP), "173.245.48.0/20", false);
	evaluate("eth0");
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
	CHECK(at("173.245.48.1")->v.chain == ing && at("173.245.48.1")->v.stage == STAGE_SYN);
	CHECK(at("162.158.0.1")->v.kind == V_ACCEPT);
	reach_free(&t);
	evaluate("ens3");
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
	reach_free(&t);
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_UNDECIDED);
	CHECK(at("173.245.48.1")->v.rule == NULL && at("173.245.48.1")->v.chain == ing);
	CHECK(strstr(at("173.245.48.1")->v.why, "device eth0") != NULL);
	CHECK(at("162.158.0.1")->v.kind == V_ACCEPT); /* the chain does not matter */
	free(ing->dev[0]);
	ing->dev[0] = xstrdup("lo");
	reach_free(&t);
	evaluate(NULL);
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
	/* bound to no device: it sees nothing */
	free(ing->dev[0]);
	ing->ndev = 0;
	reach_free(&t);
	evaluate("eth0");
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
}

/* An accept at ingress ends only its chain: input still drops. */
static void
ingress_accept_is_not_final(void)
{
	struct chain *ing;
	struct chain *in;

	reset();
	ing = base("early", "ingress", HOOK_INGRESS, -500, A_ACCEPT, FAM_V4);
	chain_add_device(ing, "eth0");
	saddr(rule(ing, A_ACCEPT), "173.245.48.0/20", false);
	in = base("filter", "input", HOOK_INPUT, 0, A_DROP, FAM_V4);
	evaluate("eth0");
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
	CHECK(at("173.245.48.1")->v.chain == in);
}

/* No conntrack entry at ingress: ct state reads invalid (established does
 * not match, invalid does), ct mark and the NAT status bits end the rule
 * whether negated or not; from prerouting on the SYN is NEW again. */
static void
ingress_has_no_conntrack(void)
{
	struct chain *ing;
	struct chain *pre;
	struct rule *r;

	reset();
	ing = base("filter", "early", HOOK_INGRESS, 0, A_DROP, FAM_V4);
	chain_add_device(ing, "eth0");
	ctstate(rule(ing, A_ACCEPT), CTS_ESTABLISHED | CTS_RELATED | CTS_NEW);
	evaluate("eth0");
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
	CHECK(at("173.245.48.1")->v.rule == NULL);
	reset();
	ing = base("filter", "early", HOOK_INGRESS, 0, A_ACCEPT, FAM_V4);
	chain_add_device(ing, "eth0");
	r = rule(ing, A_DROP);
	rule_add_match(r, M_CONNMARK, true, "ct mark != 1")->u.mark.mask = 0xffffffffu;
	r->m[0].u.mark.value = 1;
	r = rule(ing, A_DROP);
	rule_add_match(r, M_CTSTATE, true, "ct status != dnat")->u.bits = CTS_DNAT;
	pre = base("filter", "pre", HOOK_PREROUTING, 0, A_ACCEPT, FAM_V4);
	ctstate(rule(pre, A_DROP), CTS_INVALID);
	evaluate("eth0");
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
	ctstate(rule(ing, A_DROP), CTS_INVALID);
	reach_free(&t);
	evaluate("eth0");
	CHECK(at("173.245.48.1")->v.kind == V_DROP);
	CHECK(at("173.245.48.1")->v.chain == ing);
}

/* The SYN-ACK leaves through the egress hook after postrouting. */
static void
egress_drops_the_reply(void)
{
	struct chain *eg;
	struct rule *r;
	struct match *m;
	struct cidr cd;

	reset();
	base("filter", "input", HOOK_INPUT, 0, A_ACCEPT, FAM_V4);
	eg = base("out", "egress", HOOK_EGRESS, 0, A_ACCEPT, FAM_V4);
	chain_add_device(eg, "eth0");
	r = rule(eg, A_DROP);
	m = rule_add_match(r, M_DADDR, false, "ip daddr 162.158.0.0/15");
	cidr_parse("162.158.0.0/15", &cd);
	ivset_init(&m->u.addrs, cd.fam);
	ivset_add_cidr(&m->u.addrs, &cd);
	evaluate("eth0");
	CHECK(at("162.158.0.1")->v.kind == V_DROP);
	CHECK(at("162.158.0.1")->v.stage == STAGE_REPLY);
	CHECK(at("162.158.0.1")->v.rule == r);
	CHECK(at("173.245.48.1")->v.kind == V_ACCEPT);
	reach_free(&t);
	evaluate("eth1");
	CHECK(at("162.158.0.1")->v.kind == V_ACCEPT);
}

int
main(void)
{
	ranges_builtin(&cf);
	RUN(policy_drop_with_allowlist);
	RUN(jump_and_piece_split);
	RUN(reject_and_goto);
	RUN(rate_limit);
	RUN(unknown_matches);
	RUN(interfaces);
	RUN(conntrack_new);
	RUN(dnat_changes_port);
	RUN(reply_path);
	RUN(ipv6_neighbour_discovery);
	RUN(marks);
	RUN(connmark_save);
	RUN(skip_index_same_verdicts);
	RUN(ingress_device_binding);
	RUN(ingress_accept_is_not_final);
	RUN(ingress_has_no_conntrack);
	RUN(egress_drops_the_reply);
	reset();
	ranges_free(&cf);
	return 0;
}
