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

void
set_add_elem(struct ipset *s, const struct set_elem *e)
{
	VEC_PUSH(s->elem, s->nelem, s->cap, *e);
}

/* One-dimensional address sets become one interval list: members minus the
 * nomatch members (the kernel tests nomatch entries first for hash:net). */
static void
set_build_addrs(struct ipset *s)
{
	struct ivset yes;
	struct ivset no;
	size_t i;

	if (s->ndim != 1 || s->dim[0] != DIM_ADDR)
		return;
	s->addrs_ready = true;
	for (i = 0; i < s->nelem && !s->elem[i].nomatch; i++)
		;
	if (i == s->nelem) {
		/* no nomatch members (the usual case): no subtraction, one copy */
		ivset_init(&s->addrs, s->fam);
		s->addrs.v = xreallocarray(NULL, s->nelem, sizeof(*s->addrs.v));
		s->addrs.cap = s->nelem;
		for (i = 0; i < s->nelem; i++) {
			s->addrs.v[i].lo = s->elem[i].lo;
			s->addrs.v[i].hi = s->elem[i].hi;
		}
		s->addrs.n = s->nelem;
		s->addrs.sorted = s->nelem <= 1;
		ivset_normalize(&s->addrs);
		return;
	}
	ivset_init(&yes, s->fam);
	ivset_init(&no, s->fam);
	for (i = 0; i < s->nelem; i++)
		ivset_add(s->elem[i].nomatch ? &no : &yes, s->elem[i].lo, s->elem[i].hi);
	ivset_normalize(&yes);
	ivset_normalize(&no);
	ivset_subtract(&s->addrs, &yes, &no);
	ivset_normalize(&s->addrs);
	ivset_free(&yes);
	ivset_free(&no);
}

void
origin_finish(struct origin *o)
{
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; i < o->nset; i++)
		set_build_addrs(o->sets[i]);
	for (i = 0; i < o->fw.nchain; i++) {
		struct chain *c = o->fw.chains[i];

		for (j = 0; j < c->nrule; j++) {
			struct rule *r = c->rules[j];

			for (k = 0; k < r->nmatch; k++) {
				struct match *m = &r->m[k];

				if (m->kind == M_SADDR || m->kind == M_DADDR)
					ivset_normalize(&m->u.addrs);
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
	size_t i;

	for (i = 0; i < s->nelem; i++) {
		free(s->elem[i].iface);
		free(s->elem[i].member);
	}
	free(s->elem);
	ivset_free(&s->addrs);
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
