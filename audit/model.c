#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "web.h"

static const char *const input_kind_names[IN_KIND_COUNT] = {
	[IN_IPTABLES] = "iptables",   [IN_IP6TABLES] = "ip6tables", [IN_IPSET] = "ipset",
	[IN_UFW] = "ufw",             [IN_NFTABLES] = "nftables",   [IN_FIREWALLD] = "firewalld",
	[IN_NGINX] = "nginx",         [IN_APACHE] = "apache",       [IN_RANGES] = "ranges",
	[IN_DNS] = "dns",
	[IN_TLS] = "tls",
};

const char *
input_kind_name(enum input_kind k)
{
	return input_kind_names[k];
}

const char *
input_status_name(enum input_status s)
{
	switch (s) {
	case IN_OK:
		return "ok";
	case IN_ERROR:
		return "error";
	case IN_UNREADABLE:
		return "unreadable";
	case IN_UNSUPPORTED:
		return "unsupported";
	}
	abort();
}

struct input *
origin_add_input(struct origin *o, enum input_kind kind, const char *file)
{
	struct input *in = xcalloc(1, sizeof(*in));

	in->origin = o;
	in->kind = kind;
	in->file = intern(file);
	in->status = IN_OK;
	VEC_PUSH(o->inputs, o->ninput, o->input_cap, in);
	return in;
}

static void
add_diag(struct input *in, unsigned line, char *msg)
{
	struct origin *o = in->origin;
	struct diag d = {{in->file, line}, msg};

	if (in->detail == NULL)
		in->detail = xstrdup(msg);
	if (++in->errors > DIAG_MAX_PER_INPUT) {
		free(msg);
		return;
	}
	if (in->errors == DIAG_MAX_PER_INPUT) {
		free(msg);
		d.msg = xstrdup("too many errors; further errors in this file are not shown");
	}
	VEC_PUSH(o->diags, o->ndiag, o->diag_cap, d);
}

void
input_error(struct input *in, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (in->status == IN_OK)
		in->status = IN_ERROR;
	add_diag(in, line, msg);
}

void
input_unreadable(struct input *in, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	in->status = IN_UNREADABLE;
	add_diag(in, 0, msg);
}

struct chain *
ruleset_find_chain(struct ruleset *rs, const char *table, const char *name, unsigned families)
{
	size_t i;

	for (i = 0; i < rs->nchain; i++) {
		struct chain *c = rs->chains[i];

		if (c->families == families && strcmp(c->table, table) == 0 &&
		    strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

struct chain *
ruleset_add_chain(struct ruleset *rs, const char *table, const char *name, unsigned families,
		  struct loc loc)
{
	struct chain *c = xcalloc(1, sizeof(*c));

	c->loc = loc;
	c->name = xstrdup(name);
	c->table = xstrdup(table);
	c->families = families;
	c->hook = HOOK_NONE;
	c->type = CT_FILTER;
	c->policy = A_ACCEPT;
	VEC_PUSH(rs->chains, rs->nchain, rs->chain_cap, c);
	return c;
}

struct rule *
chain_add_rule(struct chain *c, struct loc loc)
{
	struct rule *r = xcalloc(1, sizeof(*r));

	r->loc = loc;
	r->chain = c;
	r->act.kind = A_CONTINUE;
	VEC_PUSH(c->rules, c->nrule, c->cap, r);
	return r;
}

void
chain_add_device(struct chain *c, const char *dev)
{
	size_t i;

	for (i = 0; i < c->ndev; i++)
		if (strcmp(c->dev[i], dev) == 0)
			return;
	c->dev = xreallocarray(c->dev, c->ndev + 1, sizeof(*c->dev));
	c->dev[c->ndev++] = xstrdup(dev);
}

const char *
hook_name(enum hook h)
{
	switch (h) {
	case HOOK_PREROUTING:
		return "prerouting";
	case HOOK_INPUT:
		return "input";
	case HOOK_FORWARD:
		return "forward";
	case HOOK_OUTPUT:
		return "output";
	case HOOK_POSTROUTING:
		return "postrouting";
	case HOOK_INGRESS:
		return "ingress";
	case HOOK_EGRESS:
		return "egress";
	case HOOK_NONE:
		return "none";
	}
	abort();
}

struct match *
rule_add_match(struct rule *r, enum match_kind kind, bool neg, const char *text)
{
	struct match *m;

	r->m = xreallocarray(r->m, r->nmatch + 1, sizeof(*r->m));
	m = &r->m[r->nmatch++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->neg = neg;
	m->text = xstrdup(text ? text : "");
	return m;
}

struct action *
rule_add_pre(struct rule *r, enum action_kind kind)
{
	struct action *a;

	r->pre = xreallocarray(r->pre, r->npre + 1, sizeof(*r->pre));
	a = &r->pre[r->npre++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	return a;
}

struct ipset *
origin_find_set(struct origin *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nset; i++)
		if (strcmp(o->sets[i]->name, name) == 0)
			return o->sets[i];
	return NULL;
}

struct ipset *
origin_add_set(struct origin *o, const char *name, struct loc loc)
{
	struct ipset *s = xcalloc(1, sizeof(*s));

	s->loc = loc;
	s->name = xstrdup(name);
	s->type = xstrdup("");
	VEC_PUSH(o->sets, o->nset, o->set_cap, s);
	return s;
}

/* Whether s->mem holds 32-bit bounds (or will, being empty). */
static bool
members_v4(const struct ipset *s)
{
	return s->mem.v6 == NULL && (s->mem.v4 != NULL || s->fam == FAM_V4);
}

bool
set_elem_compact(const struct ipset *s, const struct set_elem *e)
{
	return s->ndim == 1 && s->dim[0] == DIM_ADDR && e->proto == 0 && e->plo == 0 &&
	       e->phi == 0 && e->iface == NULL && e->member == NULL && e->lo2 == 0 && e->hi2 == 0 &&
	       (e->hi <= UINT32_MAX || !members_v4(s));
}

/* Room for one more member: the parallel arrays grow together; the first
 * growth picks 32- or 128-bit bounds. */
static void
members_grow(struct ipset *s)
{
	struct addr_members *m = &s->mem;
	size_t cap = m->cap ? m->cap * 2 : 16;

	if (members_v4(s))
		m->v4 = xreallocarray(m->v4, cap, sizeof(*m->v4));
	else
		m->v6 = xreallocarray(m->v6, cap, sizeof(*m->v6));
	m->line = xreallocarray(m->line, cap, sizeof(*m->line));
	if (m->nomatch)
		m->nomatch = xreallocarray(m->nomatch, cap, sizeof(*m->nomatch));
	m->cap = cap;
}

/* Member i's nomatch flag; the flags are made for the first nomatch one. */
static void
member_set_nomatch(struct addr_members *m, size_t i, bool nomatch)
{
	if (m->nomatch == NULL)
		m->nomatch = xcalloc(m->cap, sizeof(*m->nomatch));
	m->nomatch[i] = nomatch;
}

static void
members_push(struct ipset *s, u128 lo, u128 hi, unsigned line, bool nomatch)
{
	struct addr_members *m = &s->mem;

	if (m->n == m->cap)
		members_grow(s);
	if (m->v4) {
		m->v4[m->n].lo = (uint32_t)lo;
		m->v4[m->n].hi = (uint32_t)hi;
	} else {
		m->v6[m->n].lo = lo;
		m->v6[m->n].hi = hi;
	}
	m->line[m->n] = line;
	if (nomatch || m->nomatch)
		member_set_nomatch(m, m->n, nomatch);
	m->n++;
}

void
set_add_elem(struct ipset *s, const struct set_elem *e)
{
	if (set_elem_compact(s, e)) {
		members_push(s, e->lo, e->hi, e->line, e->nomatch);
		return;
	}
	VEC_PUSH(s->elem, s->nelem, s->cap, *e);
}

void
set_add_addr(struct ipset *s, u128 lo, u128 hi, unsigned line)
{
	struct set_elem e;

	if (s->ndim == 1 && s->dim[0] == DIM_ADDR && (hi <= UINT32_MAX || !members_v4(s))) {
		members_push(s, lo, hi, line, false);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.lo = lo;
	e.hi = hi;
	e.line = line;
	set_add_elem(s, &e);
}

void
set_take_members(struct ipset *dst, struct ipset *src)
{
	size_t i;

	if (set_size(dst) == 0 && dst->ndim == 1 && dst->dim[0] == DIM_ADDR &&
	    members_v4(dst) == (src->mem.v4 != NULL)) {
		/* the usual case, a set filled from one source: no copy */
		dst->mem = src->mem;
		memset(&src->mem, 0, sizeof(src->mem));
	}
	for (i = 0; i < src->mem.n; i++) {
		struct member m = set_member(src, i);
		struct set_elem e;

		memset(&e, 0, sizeof(e));
		e.lo = m.lo;
		e.hi = m.hi;
		e.line = m.line;
		e.nomatch = m.nomatch;
		set_add_elem(dst, &e);
	}
	for (i = 0; i < src->nelem; i++)
		set_add_elem(dst, &src->elem[i]);
	src->nelem = 0; /* what the members own went to dst */
	set_clear(src);
}

size_t
set_size(const struct ipset *s)
{
	return s->nelem + s->mem.n;
}

struct member
set_member(const struct ipset *s, size_t i)
{
	struct member m;

	if (s->mem.v4) {
		m.lo = s->mem.v4[i].lo;
		m.hi = s->mem.v4[i].hi;
	} else {
		m.lo = s->mem.v6[i].lo;
		m.hi = s->mem.v6[i].hi;
	}
	m.line = s->mem.line[i];
	m.nomatch = s->mem.nomatch && s->mem.nomatch[i];
	return m;
}

size_t
set_find_member(const struct ipset *s, u128 lo, u128 hi, bool last)
{
	size_t i;

	for (i = 0; i < s->mem.n; i++) {
		size_t k = last ? s->mem.n - 1 - i : i;
		struct member m = set_member(s, k);

		if (m.lo == lo && m.hi == hi)
			return k;
	}
	return SIZE_MAX;
}

/* Remove element i of the array v of n elements of size bytes. */
static void
array_remove(void *v, size_t n, size_t size, size_t i, bool keep_order)
{
	char *p = v;

	if (p == NULL)
		return;
	if (keep_order)
		memmove(p + i * size, p + (i + 1) * size, (n - i - 1) * size);
	else
		memcpy(p + i * size, p + (n - 1) * size, size);
}

void
set_remove_member(struct ipset *s, size_t i, bool keep_order)
{
	struct addr_members *m = &s->mem;

	array_remove(m->v4, m->n, sizeof(*m->v4), i, keep_order);
	array_remove(m->v6, m->n, sizeof(*m->v6), i, keep_order);
	array_remove(m->line, m->n, sizeof(*m->line), i, keep_order);
	array_remove(m->nomatch, m->n, sizeof(*m->nomatch), i, keep_order);
	m->n--;
}

void
set_clear(struct ipset *s)
{
	size_t i;

	for (i = 0; i < s->nelem; i++) {
		free(s->elem[i].iface);
		free(s->elem[i].member);
	}
	free(s->elem);
	s->elem = NULL;
	s->nelem = s->cap = 0;
	free(s->mem.v4);
	free(s->mem.v6);
	free(s->mem.line);
	free(s->mem.nomatch);
	memset(&s->mem, 0, sizeof(s->mem));
	addrset_free(&s->addrs);
	s->addrs_ready = false;
}

/* A big IPv4 list without nomatch members (the usual deny list): sorted and
 * merged in 32 bits, with no ivset in between. */
static void
set_build_v4(struct ipset *s)
{
	struct iv4 *v = xreallocarray(NULL, s->mem.n, sizeof(*v));

	memcpy(v, s->mem.v4, s->mem.n * sizeof(*v));
	addrset_take_v4(&s->addrs, v, s->mem.n);
}

/* One-dimensional address sets become one interval list: members minus the
 * nomatch members (the kernel tests nomatch entries first for hash:net). */
static void
set_build_addrs(struct ipset *s)
{
	struct ivset yes;
	struct ivset no;
	struct ivset diff;
	size_t i;

	if (s->ndim != 1 || s->dim[0] != DIM_ADDR || s->addrs_ready)
		return;
	s->addrs_ready = true;
	if (s->nelem == 0 && s->mem.nomatch == NULL && s->mem.v4 != NULL) {
		set_build_v4(s);
		return;
	}
	ivset_init(&yes, s->fam);
	ivset_init(&no, s->fam);
	for (i = 0; i < s->mem.n; i++) {
		struct member m = set_member(s, i);

		ivset_add(m.nomatch ? &no : &yes, m.lo, m.hi);
	}
	for (i = 0; i < s->nelem; i++)
		ivset_add(s->elem[i].nomatch ? &no : &yes, s->elem[i].lo, s->elem[i].hi);
	ivset_normalize(&yes);
	ivset_normalize(&no);
	ivset_subtract(&diff, &yes, &no);
	addrset_take(&s->addrs, &diff);
	ivset_free(&yes);
	ivset_free(&no);
}

void
origin_prepare(struct origin *o)
{
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; i < o->fw.nchain; i++) {
		struct chain *c = o->fw.chains[i];

		for (j = 0; j < c->nrule; j++) {
			struct rule *r = c->rules[j];

			for (k = 0; k < r->nmatch; k++)
				if (r->m[k].kind == M_SADDR || r->m[k].kind == M_DADDR)
					ivset_normalize(&r->m[k].u.addrs);
		}
	}
}

void
origin_finish(struct origin *o)
{
	size_t i;
	size_t j;
	size_t k;

	/* the sets here, after the reading: built on a lane, their
	 * temporaries would add to the other lanes' peak */
	for (i = 0; i < o->nset; i++)
		set_build_addrs(o->sets[i]);
	origin_prepare(o);
	for (i = 0; i < o->fw.nchain; i++) {
		struct chain *c = o->fw.chains[i];

		for (j = 0; j < c->nrule; j++) {
			struct rule *r = c->rules[j];

			for (k = 0; k < r->nmatch; k++) {
				struct match *m = &r->m[k];

				if (m->kind == M_SET && m->u.set.set == NULL)
					m->u.set.set = origin_find_set(o, m->u.set.name);
			}
		}
	}
}

static void
match_free(struct match *m)
{
	switch (m->kind) {
	case M_SADDR:
	case M_DADDR:
		ivset_free(&m->u.addrs);
		break;
	case M_SPORT:
	case M_DPORT:
		free(m->u.ports.v);
		break;
	case M_IIF:
	case M_OIF:
		free(m->u.ifname);
		break;
	case M_SET:
		free(m->u.set.name);
		break;
	default:
		break;
	}
	free(m->text);
}

void
match_release(struct match *m)
{
	match_free(m);
	memset(m, 0, sizeof(*m));
}

void
match_copy(struct match *dst, const struct match *src)
{
	*dst = *src;
	dst->text = xstrdup(src->text ? src->text : "");
	switch (src->kind) {
	case M_SADDR:
	case M_DADDR:
		ivset_copy(&dst->u.addrs, &src->u.addrs);
		break;
	case M_SPORT:
	case M_DPORT:
		dst->u.ports.v = NULL;
		if (src->u.ports.n) {
			dst->u.ports.v = xreallocarray(NULL, src->u.ports.n, sizeof(*src->u.ports.v));
			memcpy(dst->u.ports.v, src->u.ports.v,
			       src->u.ports.n * sizeof(*src->u.ports.v));
		}
		break;
	case M_IIF:
	case M_OIF:
		dst->u.ifname = xstrdup(src->u.ifname);
		break;
	case M_SET:
		dst->u.set.name = xstrdup(src->u.set.name);
		break;
	default:
		break;
	}
}

static void
action_free(struct action *a)
{
	free(a->name);
	free(a->detail);
	free(a->target_name);
}

void
rule_release(struct rule *r)
{
	size_t j;

	for (j = 0; j < r->nmatch; j++)
		match_free(&r->m[j]);
	free(r->m);
	for (j = 0; j < r->npre; j++)
		action_free(&r->pre[j]);
	free(r->pre);
	action_free(&r->act);
	free(r->comment);
	memset(r, 0, sizeof(*r));
}

static void
chain_free(struct chain *c)
{
	size_t i;

	for (i = 0; i < c->nrule; i++) {
		rule_release(c->rules[i]);
		free(c->rules[i]);
	}
	free(c->rules);
	for (i = 0; i < c->ndev; i++)
		free(c->dev[i]);
	free(c->dev);
	free(c->name);
	free(c->table);
	free(c);
}

static void
set_free(struct ipset *s)
{
	set_clear(s);
	free(s->name);
	free(s->type);
	free(s);
}

void
origin_free(struct origin *o)
{
	size_t i;

	for (i = 0; i < o->ninput; i++) {
		free(o->inputs[i]->detail);
		free(o->inputs[i]);
	}
	free(o->inputs);
	for (i = 0; i < o->ndiag; i++)
		free(o->diags[i].msg);
	free(o->diags);
	for (i = 0; i < o->fw.nchain; i++)
		chain_free(o->fw.chains[i]);
	free(o->fw.chains);
	for (i = 0; i < o->nset; i++)
		set_free(o->sets[i]);
	free(o->sets);
	free(o->addrs);
	web_free(o->web);
	free(o->listen);
	for (i = 0; i < o->nsupp; i++) {
		free(o->supps[i].id);
		free(o->supps[i].reason);
		free(o->supps[i].file_glob);
		free(o->supps[i].host);
	}
	free(o->supps);
	for (i = 0; i < o->ndns; i++) {
		free(o->dns[i].name);
		free(o->dns[i].target);
	}
	free(o->dns);
	for (i = 0; i < o->nzone; i++)
		free(o->zones[i].apex);
	free(o->zones);
	memset(o, 0, sizeof(*o));
}
