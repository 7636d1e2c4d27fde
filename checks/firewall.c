/* Firewall checks: they read the evaluated reachability table (one verdict
 * per Cloudflare range piece x port) and the firewall model; one finding per
 * cause (the deciding rule or policy), listing what it affects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

#define MSG_MAX_RANGES 4

/* One cause and what it affects: for each port, the ranges (or pieces). */
struct port_ranges {
	uint16_t port;
	size_t n;
	char **ranges;
};

struct cause {
	const struct reach *first;
	unsigned fams;
	size_t nport;
	struct port_ranges ports[64];
};

static void
reach_piece_text(const struct audit *a, const struct reach *r, char *buf, size_t len)
{
	const struct cidr *c = &a->cf.v[r->fam][r->range];

	if (r->first == c->lo && r->last == c->hi)
		interval_format(r->fam, c->lo, c->hi, buf, len);
	else
		interval_format(r->fam, r->first, r->last, buf, len);
}

static bool
same_cause(const struct reach *x, const struct reach *y)
{
	const struct verdict *a = &x->v;
	const struct verdict *b = &y->v;

	return a->kind == b->kind && a->stage == b->stage && a->rule == b->rule &&
	       a->chain == b->chain && a->nat_rule == b->nat_rule &&
	       a->loc.file == b->loc.file && a->loc.line == b->loc.line &&
	       ((a->why == NULL && b->why == NULL) ||
		(a->why && b->why && strcmp(a->why, b->why) == 0));
}

static void
add_range(struct port_ranges *pr, const char *text)
{
	size_t i;

	for (i = 0; i < pr->n; i++)
		if (strcmp(pr->ranges[i], text) == 0)
			return;
	pr->ranges = xreallocarray(pr->ranges, pr->n + 1, sizeof(*pr->ranges));
	pr->ranges[pr->n++] = xstrdup(text);
}

static void
cause_add(const struct audit *a, struct cause *c, const struct reach *r)
{
	char buf[2 * ADDR_STRLEN + 8];
	size_t i;

	reach_piece_text(a, r, buf, sizeof(buf));
	for (i = 0; i < c->nport && c->ports[i].port != r->port; i++)
		;
	if (i == c->nport) {
		if (c->nport == ARRAY_LEN(c->ports))
			return;
		memset(&c->ports[c->nport++], 0, sizeof(c->ports[0]));
		c->ports[i].port = r->port;
	}
	add_range(&c->ports[i], buf);
	c->fams |= FAM_BIT(r->fam);
}

static void
cause_free(struct cause *c)
{
	size_t i;
	size_t j;

	for (i = 0; i < c->nport; i++) {
		for (j = 0; j < c->ports[i].n; j++)
			free(c->ports[i].ranges[j]);
		free(c->ports[i].ranges);
	}
}

static bool
same_ranges(const struct port_ranges *x, const struct port_ranges *y)
{
	size_t i;

	if (x->n != y->n)
		return false;
	for (i = 0; i < x->n; i++)
		if (strcmp(x->ranges[i], y->ranges[i]) != 0)
			return false;
	return true;
}

static void
ranges_text(struct buf *b, const struct port_ranges *pr)
{
	size_t i;

	for (i = 0; i < pr->n && i < MSG_MAX_RANGES; i++)
		buf_addf(b, "%s%s", i ? ", " : "", pr->ranges[i]);
	if (pr->n > MSG_MAX_RANGES)
		buf_addf(b, " and %zu more", pr->n - MSG_MAX_RANGES);
}

/* "R1, R2 -> tcp/80,443": ports with the same ranges share one group;
 * groups are separated by "; ". */
static char *
affected_text(const struct cause *c)
{
	struct buf b = {NULL, 0, 0};
	bool done[ARRAY_LEN(c->ports)] = {false};
	size_t i;
	size_t j;

	for (i = 0; i < c->nport; i++) {
		if (done[i])
			continue;
		if (b.len)
			buf_adds(&b, "; ");
		ranges_text(&b, &c->ports[i]);
		buf_addf(&b, " -> tcp/%u", c->ports[i].port);
		for (j = i + 1; j < c->nport; j++) {
			if (!done[j] && same_ranges(&c->ports[i], &c->ports[j])) {
				buf_addf(&b, ",%u", c->ports[j].port);
				done[j] = true;
			}
		}
	}
	return buf_take(&b);
}

static char *
path_text(const struct verdict *v)
{
	struct buf b = {NULL, 0, 0};
	unsigned i;

	for (i = 0; i < v->npath; i++)
		buf_addf(&b, "%s%s", i ? " -> " : "", v->path[i]->name);
	return buf_take(&b);
}

/* What decided: "rule", or "policy DROP of chain INPUT". */
static char *
decider_text(const struct verdict *v)
{
	char *path = path_text(v);
	char *s;

	if (v->rule == NULL && v->npath > 0 && v->chain &&
	    (v->loc.file != v->chain->policy_loc.file || v->loc.line != v->chain->policy_loc.line))
		s = xasprintf("chain %s", path); /* its hook's devices decided */
	else if (v->rule == NULL && v->npath > 0)
		s = xasprintf("policy of chain %s", path);
	else if (v->npath > 0)
		s = xasprintf("rule in %s", path);
	else
		s = xstrdup("ruleset");
	free(path);
	return s;
}

typedef bool (*reach_filter)(const struct reach *r);
typedef void (*cause_report)(struct audit *a, const struct cause *c);

/* Group the rows that filter() selects by cause and report() each group. */
static void
each_cause(struct audit *a, reach_filter filter, cause_report report)
{
	const struct reach_table *t = &a->reach;
	bool *done = xcalloc(t->n ? t->n : 1, sizeof(*done));
	size_t i;
	size_t j;

	for (i = 0; i < t->n; i++) {
		struct cause c;

		if (done[i] || !filter(&t->v[i]))
			continue;
		memset(&c, 0, sizeof(c));
		c.first = &t->v[i];
		for (j = i; j < t->n; j++) {
			if (done[j] || !filter(&t->v[j]) || !same_cause(&t->v[i], &t->v[j]))
				continue;
			done[j] = true;
			cause_add(a, &c, &t->v[j]);
		}
		report(a, &c);
		cause_free(&c);
	}
	free(done);
}

/* " [port 443 redirected to 8443 by FILE:LINE]" when a DNAT changed it. */
static char *
nat_text(const struct verdict *v)
{
	if (v->nat_rule == NULL || v->orig_port == v->final_port)
		return xstrdup("");
	return xasprintf(" [port %u changed to %u by %s at %s:%u]", v->orig_port, v->final_port,
			 v->nat_rule->act.name ? v->nat_rule->act.name : "DNAT",
			 v->nat_rule->loc.file, v->nat_rule->loc.line);
}

static struct finding *
report_cause(struct audit *a, const char *id, const struct cause *c, const char *verb,
	     const char *tail)
{
	const struct verdict *v = &c->first->v;
	char *affected = affected_text(c);
	char *who = decider_text(v);
	char *nat = nat_text(v);
	struct finding *f;
	size_t i;
	size_t j;

	f = audit_finding(a, id, v->loc, "%s %s Cloudflare %s%s%s%s%s (%s)", who, verb, affected,
			  nat, v->why ? " [" : "", v->why ? v->why : "", v->why ? "]" : "", tail);
	if (c->fams == FAM_BIT(FAM_V4) || c->fams == FAM_BIT(FAM_V6)) {
		f->has_fam = true;
		f->fam = c->fams == FAM_BIT(FAM_V4) ? FAM_V4 : FAM_V6;
	}
	for (i = 0; i < c->nport; i++) {
		finding_add_port(f, c->ports[i].port);
		for (j = 0; j < c->ports[i].n; j++)
			finding_add_range(f, c->ports[i].ranges[j]);
	}
	free(affected);
	free(who);
	free(nat);
	return f;
}

static bool
is_syn_drop(const struct reach *r)
{
	return r->v.kind == V_DROP && r->v.stage == STAGE_SYN;
}

static void
report_drop(struct audit *a, const struct cause *c)
{
	report_cause(a, "CF522-FW-DROP", c, "drops", "visitors get 522");
}

void
check_fw_drop(struct audit *a)
{
	each_cause(a, is_syn_drop, report_drop);
}

static bool
is_reject(const struct reach *r)
{
	return r->v.kind == V_REJECT && r->v.stage == STAGE_SYN;
}

static void
report_reject(struct audit *a, const struct cause *c)
{
	report_cause(a, "CF521-FW-REJECT", c, "rejects", "visitors get 521");
}

void
check_fw_reject(struct audit *a)
{
	each_cause(a, is_reject, report_reject);
}

static bool
is_ratelimit(const struct reach *r)
{
	return r->v.kind == V_RATELIMIT;
}

static void
report_ratelimit(struct audit *a, const struct cause *c)
{
	report_cause(a, "CF522-FW-RATELIMIT", c, "rate-limits",
		     "visitors get 522 under load: Cloudflare shares few addresses among many "
		     "visitors");
}

void
check_fw_ratelimit(struct audit *a)
{
	each_cause(a, is_ratelimit, report_ratelimit);
}

static bool
is_reply_drop(const struct reach *r)
{
	return r->v.kind == V_DROP && r->v.stage == STAGE_REPLY;
}

static void
report_reply(struct audit *a, const struct cause *c)
{
	report_cause(a, "CF522-FW-REPLY-DROP", c, "drops the SYN-ACK replies to",
		     "visitors get 522");
}

void
check_fw_reply(struct audit *a)
{
	each_cause(a, is_reply_drop, report_reply);
}

static bool
is_undecided(const struct reach *r)
{
	return r->v.kind == V_UNDECIDED;
}

static void
report_undecided(struct audit *a, const struct cause *c)
{
	report_cause(a, "CF000-FW-UNDECIDED", c, "cannot be decided for",
		     "not counted as accepted");
}

void
check_fw_undecided(struct audit *a)
{
	each_cause(a, is_undecided, report_undecided);
}

void
check_fw_ipv6_nd(struct audit *a)
{
	const struct verdict *v = &a->reach.nd[FAM_V6];
	const struct chain *base;
	char *who;
	struct finding *f;

	if (!a->reach.nd_checked[FAM_V6] || (v->kind != V_DROP && v->kind != V_REJECT))
		return;
	who = decider_text(v);
	base = v->npath ? v->path[0] : v->chain;
	f = audit_finding(a, "CF522-FW-IPV6-ND", v->loc,
			  "%s %s IPv6 neighbour discovery (ICMPv6 135/136, %s): every IPv6 "
			  "connection from Cloudflare times out (visitors get 522)",
			  who, v->kind == V_DROP ? "drops" : "rejects",
			  base && base->hook == HOOK_INGRESS
				  ? "no conntrack entry yet at ingress: ct state invalid"
				  : "conntrack UNTRACKED");
	f->has_fam = true;
	f->fam = FAM_V6;
	free(who);
}

/* ---- allowlist hygiene ---- */

/* Inside a retired range and not inside a current one: trusted by mistake. */
static const struct retired_range *
retired_trust(const struct audit *a, enum family fam, u128 lo, u128 hi)
{
	size_t i;

	if (ivset_covers(&a->cf.all[fam], lo, hi))
		return NULL;
	for (i = 0; i < a->cf.nretired; i++) {
		const struct cidr *c = &a->cf.retired[i].cidr;

		if (c->fam == fam && c->lo <= lo && hi <= c->hi)
			return &a->cf.retired[i];
	}
	return NULL;
}

static void
report_retired(struct audit *a, struct loc loc, enum family fam, u128 lo, u128 hi,
	       const struct retired_range *rr, const char *where)
{
	char got[2 * ADDR_STRLEN + 8];
	char ret[2 * ADDR_STRLEN + 8];
	struct finding *f;

	interval_format(fam, lo, hi, got, sizeof(got));
	interval_format(fam, rr->cidr.lo, rr->cidr.hi, ret, sizeof(ret));
	f = audit_finding(a, "CF000-FW-RETIRED-RANGE", loc,
			  "%s trusts %s, inside %s which Cloudflare retired (%s)%s%s", where, got,
			  ret, rr->when, *rr->note ? ": " : "", rr->note);
	f->has_fam = true;
	f->fam = fam;
	finding_add_range(f, got);
}

static bool
rule_trusts(const struct rule *r)
{
	return r->act.kind != A_DROP && r->act.kind != A_REJECT;
}

/* A set trusts its members when an accepting rule matches on it (a deny list
 * of the same shape trusts nothing). */
static bool
set_trusted(const struct origin *o, const struct ipset *s)
{
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; i < o->fw.nchain; i++) {
		const struct chain *ch = o->fw.chains[i];

		for (j = 0; j < ch->nrule; j++) {
			const struct rule *r = ch->rules[j];

			if (!rule_trusts(r))
				continue;
			for (k = 0; k < r->nmatch; k++)
				if (r->m[k].kind == M_SET && !r->m[k].neg && r->m[k].u.set.name &&
				    strcmp(r->m[k].u.set.name, s->name) == 0)
					return true;
		}
	}
	for (i = 0; i < o->nset; i++) {
		const struct ipset *list = o->sets[i];

		if (list->ndim != 1 || list->dim[0] != DIM_SETNAME)
			continue;
		for (j = 0; j < list->nelem; j++)
			if (list->elem[j].member && strcmp(list->elem[j].member, s->name) == 0 &&
			    set_trusted(o, list))
				return true;
	}
	return false;
}

/* A member [lo, hi] (on line) of a trusted set s. */
static void
retired_member(struct audit *a, const struct ipset *s, u128 lo, u128 hi, unsigned line)
{
	const struct retired_range *rr = retired_trust(a, s->fam, lo, hi);
	char *where;

	if (rr == NULL)
		return;
	where = xasprintf("set %s", s->name);
	report_retired(a, (struct loc){s->loc.file, line}, s->fam, lo, hi, rr, where);
	free(where);
}

void
check_fw_retired(struct audit *a)
{
	const struct origin *o = &a->origin;
	size_t i;
	size_t j;
	size_t k;
	size_t e;

	for (i = 0; i < o->fw.nchain; i++) {
		const struct chain *ch = o->fw.chains[i];

		for (j = 0; j < ch->nrule; j++) {
			const struct rule *r = ch->rules[j];

			if (!rule_trusts(r))
				continue;
			for (k = 0; k < r->nmatch; k++) {
				const struct match *m = &r->m[k];
				const struct retired_range *rr;

				if (m->kind != M_SADDR || m->neg)
					continue;
				for (e = 0; e < m->u.addrs.n; e++) {
					rr = retired_trust(a, m->u.addrs.fam, m->u.addrs.v[e].lo,
							   m->u.addrs.v[e].hi);
					if (rr)
						report_retired(a, r->loc, m->u.addrs.fam,
							       m->u.addrs.v[e].lo,
							       m->u.addrs.v[e].hi, rr, "rule");
				}
			}
		}
	}
	for (i = 0; i < o->nset; i++) {
		const struct ipset *s = o->sets[i];

		if (s->ndim == 0 || s->dim[0] != DIM_ADDR || !set_trusted(o, s))
			continue;
		for (e = 0; e < s->mem.n; e++) {
			struct member m = set_member(s, e);

			if (!m.nomatch)
				retired_member(a, s, m.lo, m.hi, m.line);
		}
		for (e = 0; e < s->nelem; e++) {
			const struct set_elem *el = &s->elem[e];

			if (!el->nomatch)
				retired_member(a, s, el->lo, el->hi, el->line);
		}
	}
}

/* Addresses that are Cloudflare's, now or formerly. */
static bool
cloudflare_like(const struct audit *a, enum family fam, u128 lo, u128 hi)
{
	return ivset_covers(&a->cf.all[fam], lo, hi) || retired_trust(a, fam, lo, hi) != NULL;
}

/* An allowlist (the addresses it accepts, all Cloudflare-like) that misses
 * current ranges gets one finding listing them. */
static void
report_partial(struct audit *a, struct loc loc, const struct addrset *list, const char *what)
{
	enum family fam = list->fam;
	struct finding *f;
	struct buf missing = {NULL, 0, 0};
	size_t i;
	size_t nmiss = 0;
	bool any = false;
	char buf[2 * ADDR_STRLEN + 8];

	for (i = 0; i < list->n; i++) {
		struct iv iv = addrset_at(list, i);

		if (!cloudflare_like(a, fam, iv.lo, iv.hi))
			return;
	}
	for (i = 0; i < a->cf.n[fam]; i++) {
		const struct cidr *c = &a->cf.v[fam][i];

		if (addrset_overlaps(list, c->lo, c->hi))
			any = true;
		if (!addrset_covers(list, c->lo, c->hi))
			nmiss++;
	}
	if (!any || nmiss == 0)
		return;
	for (i = 0; i < a->cf.n[fam]; i++) {
		const struct cidr *c = &a->cf.v[fam][i];

		if (addrset_covers(list, c->lo, c->hi))
			continue;
		interval_format(fam, c->lo, c->hi, buf, sizeof(buf));
		buf_addf(&missing, "%s%s", missing.len ? ", " : "", buf);
	}
	f = audit_finding(a, "CF000-FW-ALLOWLIST-PARTIAL", loc,
			  "%s allows only part of Cloudflare's %s ranges: missing %s", what,
			  fam_name(fam), missing.p);
	f->has_fam = true;
	f->fam = fam;
	for (i = 0; i < a->cf.n[fam]; i++) {
		const struct cidr *c = &a->cf.v[fam][i];

		if (addrset_covers(list, c->lo, c->hi))
			continue;
		interval_format(fam, c->lo, c->hi, buf, sizeof(buf));
		finding_add_range(f, buf);
	}
	buf_free(&missing);
}

/* The accept rules of one chain whose only source test is a Cloudflare-like
 * address list form that chain's allowlist, when they are at least half of
 * its source-address accepts: a chain that lets in thousands of ISP ranges,
 * two of which happen to lie inside Cloudflare's, is no Cloudflare
 * allowlist. */
static void
partial_in_chain(struct audit *a, const struct chain *ch, enum family fam)
{
	struct ivset list;
	struct loc first = {NULL, 0};
	size_t j;
	size_t k;
	size_t e;
	size_t ncf = 0;
	size_t nother = 0;

	ivset_init(&list, fam);
	for (j = 0; j < ch->nrule; j++) {
		const struct rule *r = ch->rules[j];

		if (r->act.kind != A_ACCEPT)
			continue;
		for (k = 0; k < r->nmatch; k++) {
			const struct match *m = &r->m[k];

			if (m->kind != M_SADDR || m->neg || m->u.addrs.fam != fam)
				continue;
			for (e = 0; e < m->u.addrs.n; e++) {
				if (!cloudflare_like(a, fam, m->u.addrs.v[e].lo,
						     m->u.addrs.v[e].hi)) {
					nother++;
					continue;
				}
				ncf++;
				ivset_add(&list, m->u.addrs.v[e].lo, m->u.addrs.v[e].hi);
				if (first.file == NULL)
					first = r->loc;
			}
		}
	}
	if (first.file && ncf >= nother) {
		char *what = xasprintf("chain %s", ch->name);
		struct addrset view;

		ivset_normalize(&list);
		view = addrset_view(&list);
		report_partial(a, first, &view, what);
		free(what);
	}
	ivset_free(&list);
}

void
check_fw_partial_allowlist(struct audit *a)
{
	const struct origin *o = &a->origin;
	size_t i;
	int f;

	for (i = 0; i < o->nset; i++) {
		const struct ipset *s = o->sets[i];
		char *what;

		if (!s->addrs_ready || s->addrs.n == 0 || !set_trusted(o, s))
			continue;
		what = xasprintf("set %s", s->name);
		report_partial(a, s->loc, &s->addrs, what);
		free(what);
	}
	for (i = 0; i < o->fw.nchain; i++)
		for (f = 0; f < FAM_COUNT; f++)
			if (o->fw.chains[i]->families & FAM_BIT(f))
				partial_in_chain(a, o->fw.chains[i], (enum family)f);
}
