/* Apache's access rules evaluated on the client address: which addresses a
 * request scope refuses (403), and which directive refuses them.
 *
 * httpd decides with several modules, in this order: the server's
 * RewriteRules ([F]), mod_access_compat (Order/Allow/Deny, the
 * access_checker), mod_authz_core (Require and its sections, the
 * access_checker_ex; with "Satisfy Any" either one is enough), then the
 * per-directory RewriteRules. Each condition on the address (Require ip,
 * Allow from, SetEnvIf Remote_Addr feeding "Require env" or "Allow from
 * env=", RewriteCond %{REMOTE_ADDR}) is a set of addresses; the address
 * space is cut where any of them starts or ends, and each piece is
 * evaluated once with httpd's own logic (apply_authz_sections,
 * check_dir_access), with a third value, MAYBE, where the outcome depends on
 * something other than the address (a login, a header, a method). Only
 * pieces surely refused become rules of the model. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apache.h"
#include "util.h"

#define REGEX_BUDGET 20000u /* pcre2_match calls to enumerate one pattern's addresses */

/* ---- addresses ---- */

static bool
all_digits_dots(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s != '.' && (*s < '0' || *s > '9'))
			return false;
	return true;
}

/* parse_network: "a", "a.b", "a.b.c", "a.b.c." are networks of the octets
 * given. */
static bool
partial_v4(const char *s, struct cidr *out)
{
	unsigned octets = 0;
	u128 v = 0;

	while (*s) {
		unsigned long n = 0;
		const char *t = s;

		if (*t < '0' || *t > '9' || octets == 4)
			return false;
		while (*t >= '0' && *t <= '9') {
			n = n * 10 + (unsigned long)(*t - '0');
			if (n > 255)
				return false;
			t++;
		}
		if (*t == '.')
			t++;
		else if (*t)
			return false;
		v |= (u128)n << (24 - 8 * octets);
		octets++;
		s = t;
	}
	if (octets == 0)
		return false;
	out->fam = FAM_V4;
	out->prefix = 8 * octets;
	out->lo = v;
	out->hi = v | (((u128)1 << (32 - out->prefix)) - 1);
	return true;
}

enum subnet
apache_subnet(const char *arg, struct cidr *out)
{
	const char *slash = strchr(arg, '/');
	char *ip = slash ? xstrndup(arg, (size_t)(slash - arg)) : xstrdup(arg);
	enum family fam;
	u128 a;
	enum subnet r = SUBNET_BAD;

	/* looks_like_ip: a ":" or only digits and dots */
	if (*ip == '\0' || (!strchr(ip, ':') && !all_digits_dots(ip))) {
		free(ip);
		return SUBNET_NOT_IP;
	}
	if (!addr_parse(ip, &fam, &a)) {
		if (slash == NULL && partial_v4(ip, out))
			r = SUBNET_OK;
	} else if (fam == FAM_V6 && (a >> 32) == 0xffff) {
		/* apr refuses IPv4-mapped addresses */
		r = SUBNET_BAD;
	} else if (slash == NULL) {
		out->fam = fam;
		out->lo = out->hi = a;
		out->prefix = fam == FAM_V4 ? 32 : 128;
		r = SUBNET_OK;
	} else {
		const char *m = slash + 1;
		unsigned long long bits;
		unsigned max = fam == FAM_V4 ? 32 : 128;
		char *full = xasprintf("%s/%s", ip, m);

		if (parse_uint(m, 1, max, &bits) || (fam == FAM_V4 && strchr(m, '.'))) {
			/* cidr_parse clears host bits as apr's fix_subnet does */
			if (cidr_parse(full, out) && out->fam == fam)
				r = SUBNET_OK;
		}
		free(full);
	}
	free(ip);
	return r;
}

bool
apache_ipsubnet(const char *arg, struct cidr *out)
{
	return apache_subnet(arg, out) == SUBNET_OK;
}

/* ---- patterns on the address text ---- */

void *
apache_regex(const char *pattern, bool caseless, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	PCRE2_UCHAR buf[160];
	pcre2_code *re;
	uint32_t opts = PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY | (caseless ? PCRE2_CASELESS : 0);

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
	if (re == NULL && err) {
		pcre2_get_error_message(code, buf, sizeof(buf));
		snprintf(err, errlen, "%s at offset %zu", (const char *)buf, (size_t)off);
	}
	return re;
}

void
apache_regex_free(void *re)
{
	pcre2_code_free(re);
}

bool
apache_regex_match(void *re, const char *subject)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc;

	if (md == NULL)
		return false;
	rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

struct walk {
	pcre2_code *re;
	pcre2_match_data *md;
	size_t budget;
	struct addrmatch *m;
	bool soft; /* a match found before the end holds for longer texts */
};

/* What every address starting with the text prefix does: 1 all match,
 * 0 none does, -1 it depends. No match and no partial one (PARTIAL_HARD)
 * means no longer text can match. A complete match inside the prefix holds
 * for every longer text when it did not look past the prefix's end
 * (PARTIAL_HARD), or (PARTIAL_SOFT) when the pattern has no assertion that
 * the end could satisfy and more text undo ($ is off: NOTEOL). */
static int
prefix_state(struct walk *W, const char *prefix, size_t len)
{
	int rc;

	W->budget--;
	rc = pcre2_match(W->re, (PCRE2_SPTR)prefix, len, 0, PCRE2_NOTEOL | PCRE2_PARTIAL_HARD,
			 W->md, NULL);
	if (rc >= 0)
		return 1;
	if (rc != PCRE2_ERROR_PARTIAL)
		return 0;
	if (W->soft && pcre2_match(W->re, (PCRE2_SPTR)prefix, len, 0,
				   PCRE2_NOTEOL | PCRE2_PARTIAL_SOFT, W->md, NULL) >= 0)
		return 1;
	return -1;
}

/* Whether pattern has an assertion about what follows: \z \Z \b \B, a
 * lookahead, \G (a conservative look at the text). */
static bool
looks_ahead(const char *pattern)
{
	const char *p;

	for (p = pattern; *p; p++) {
		if (*p == '\\' && p[1]) {
			if (strchr("zZbBG", p[1]))
				return true;
			p++;
			continue;
		}
		if (p[0] == '(' && p[1] == '?' && (p[2] == '=' || p[2] == '!' || p[2] == '*'))
			return true;
	}
	return false;
}

/* The IPv4 addresses under octets[0..depth) (v, text) that match. */
static void
walk_v4(struct walk *W, u128 v, unsigned depth, char *text, size_t len)
{
	u128 span = (u128)1 << (32 - 8 * depth);
	unsigned o;

	if (W->budget == 0) {
		/* too costly to enumerate: undecided */
		ivset_add(&W->m->maybe[FAM_V4], v, v + span - 1);
		return;
	}
	if (depth == 4) {
		W->budget--;
		if (pcre2_match(W->re, (PCRE2_SPTR)text, len, 0, 0, W->md, NULL) >= 0)
			ivset_add(&W->m->sure[FAM_V4], v, v);
		return;
	}
	if (depth > 0) {
		int st = prefix_state(W, text, len);

		if (st == 1) {
			ivset_add(&W->m->sure[FAM_V4], v, v + span - 1);
			return;
		}
		if (st == 0)
			return;
	}
	for (o = 0; o < 256; o++) {
		int n = snprintf(text + len, 8, depth < 3 ? "%u." : "%u", o);

		walk_v4(W, v | ((u128)o << (24 - 8 * depth)), depth + 1, text, len + (size_t)n);
	}
}

void
apache_regex_addrs(void *re, const char *pattern, struct addrmatch *m)
{
	struct walk W;
	char text[32];
	int f;

	for (f = 0; f < FAM_COUNT; f++) {
		ivset_init(&m->sure[f], (enum family)f);
		ivset_init(&m->maybe[f], (enum family)f);
	}
	/* IPv6 text ("::" compression) is not enumerated: undecided */
	ivset_add(&m->maybe[FAM_V6], 0, fam_max(FAM_V6));
	memset(&W, 0, sizeof(W));
	W.re = re;
	W.md = pcre2_match_data_create_from_pattern(re, NULL);
	W.budget = REGEX_BUDGET;
	W.m = m;
	W.soft = !looks_ahead(pattern);
	text[0] = '\0';
	if (W.md == NULL) {
		ivset_add(&m->maybe[FAM_V4], 0, fam_max(FAM_V4));
	} else {
		/* PCRE2 reports no partial match of an empty subject: the
		 * root is a complete match, or it is walked */
		if (pcre2_match(re, (PCRE2_SPTR) "", 0, 0,
				PCRE2_NOTEOL | (W.soft ? PCRE2_PARTIAL_SOFT : PCRE2_PARTIAL_HARD), W.md,
				NULL) >= 0)
			ivset_add(&m->sure[FAM_V4], 0, fam_max(FAM_V4));
		else
			walk_v4(&W, 0, 0, text, 0);
		pcre2_match_data_free(W.md);
	}
	for (f = 0; f < FAM_COUNT; f++) {
		ivset_normalize(&m->sure[f]);
		ivset_normalize(&m->maybe[f]);
	}
}

void
addrmatch_free(struct addrmatch *m)
{
	int f;

	for (f = 0; f < FAM_COUNT; f++) {
		ivset_free(&m->sure[f]);
		ivset_free(&m->maybe[f]);
	}
}

/* ---- merging (each module's merge function) ---- */

static void *
arena_copy(struct web *w, const void *p, size_t n)
{
	void *q = web_alloc(w, n ? n : 1);

	if (n)
		memcpy(q, p, n);
	return q;
}

/* merge_authz_core_dir_config: a section with Require replaces the
 * inherited ones unless AuthMerging And/Or combines them. */
static void
merge_authz(struct web *w, struct aaccess *out, const struct aaccess *base,
	    const struct aaccess *add)
{
	if (add->merging == AM_UNSET && add->authz == NULL && base->authz) {
		out->authz = base->authz;
		out->merging = base->merging;
	} else if (add->merging == AM_OFF || add->merging == AM_UNSET ||
		   (base->authz == NULL && add->authz == NULL)) {
		out->authz = add->authz;
		out->merging = add->merging;
	} else if (base->authz && add->authz) {
		struct authz *s = web_alloc(w, sizeof(*s));

		s->and_op = add->merging == AM_AND;
		s->n = 2;
		s->kids = web_alloc(w, 2 * sizeof(*s->kids));
		s->kids[0] = base->authz;
		s->kids[1] = add->authz;
		s->text = add->merging == AM_AND ? "AuthMerging And" : "AuthMerging Or";
		s->loc = add->authz->loc;
		out->authz = s;
		out->merging = add->merging;
	} else {
		out->authz = base->authz ? base->authz : add->authz;
		out->merging = add->merging;
	}
}

void
aaccess_merge(struct web *w, struct aaccess *out, const struct aaccess *base,
	      const struct aaccess *add)
{
	struct aaccess r = *base;

	merge_authz(w, &r, base, add);
	/* mod_access_compat has no merger: its configuration is the
	 * section's own once the section uses it */
	if (add->compat_set) {
		r.compat_set = true;
		r.order = add->order;
		r.order_loc = add->order_loc;
		r.order_text = add->order_text;
		r.nallow = add->nallow;
		r.allow = add->allow;
		r.ndeny = add->ndeny;
		r.deny = add->deny;
		r.satisfy = add->satisfy;
	}
	/* mod_setenvif appends */
	if (add->nenv) {
		r.nenv = base->nenv + add->nenv;
		r.env = web_alloc(w, r.nenv * sizeof(*r.env));
		if (base->nenv)
			memcpy(r.env, base->env, base->nenv * sizeof(*r.env));
		memcpy(r.env + base->nenv, add->env, add->nenv * sizeof(*r.env));
	}
	/* mod_rewrite: the section's rules, the parent's after them with
	 * RewriteOptions Inherit; the engine state is inherited */
	if (add->rw_set) {
		r.rw_set = true;
		if (add->rw_engine)
			r.rw_engine = add->rw_engine;
		r.rw_inherit = add->rw_inherit;
		if (add->rw_inherit && base->nrw) {
			r.nrw = add->nrw + base->nrw;
			r.rw = web_alloc(w, r.nrw * sizeof(*r.rw));
			if (add->nrw)
				memcpy(r.rw, add->rw, add->nrw * sizeof(*r.rw));
			memcpy(r.rw + add->nrw, base->rw, base->nrw * sizeof(*r.rw));
		} else {
			r.nrw = add->nrw;
			r.rw = add->rw;
		}
	}
	*out = r;
}

/* ---- evaluation, one piece of the address space at a time ---- */

/* A value and what decided it. */
struct res {
	enum aval v;
	const struct loc *loc;
	const char *what;
};

struct piece {
	enum family fam;
	u128 x; /* any address of the piece: every set is constant on it */
	const struct aaccess *a;
	const struct aserver_access *srv;
	bool by_name; /* a rule admits clients by host name */
};

enum tri {
	T_NO,
	T_YES,
	T_MAYBE
};

static enum tri
in_match(const struct addrmatch *m, enum family fam, u128 x)
{
	if (ivset_contains(&m->sure[fam], x))
		return T_YES;
	if (ivset_contains(&m->maybe[fam], x))
		return T_MAYBE;
	return T_NO;
}

/* Whether env var is set for the client: the SetEnvIf entries in order,
 * the server's first. *by: the last entry that set it. */
static enum tri
env_value(const struct piece *P, const char *var, const struct envset **by)
{
	enum tri v = T_NO;
	size_t pass;
	size_t i;

	*by = NULL;
	for (pass = 0; pass < 2; pass++) {
		size_t n = pass == 0 ? (P->srv ? P->srv->nenv : 0) : P->a->nenv;
		struct envset **e = pass == 0 ? (P->srv ? P->srv->env : NULL) : P->a->env;

		for (i = 0; i < n; i++) {
			enum tri hit;

			if (strcasecmp(e[i]->var, var) != 0)
				continue;
			hit = e[i]->always ? T_YES
			      : e[i]->by_addr ? in_match(&e[i]->m, P->fam, P->x)
					      : T_MAYBE;
			if (hit == T_NO)
				continue;
			if (hit == T_YES)
				v = e[i]->unset ? T_NO : T_YES;
			else if (v != (e[i]->unset ? T_NO : T_YES))
				v = T_MAYBE;
			if (!e[i]->unset)
				*by = e[i];
		}
	}
	return v;
}

static struct res
res_make(enum aval v, const struct loc *loc, const char *what)
{
	struct res r;

	r.v = v;
	r.loc = loc;
	r.what = what;
	return r;
}

static struct res
authz_eval(const struct piece *P, const struct authz *z)
{
	struct res r = res_make(AV_NEUTRAL, &z->loc, z->text);

	if (z->leaf) {
		const struct envset *by;

		switch (z->kind) {
		case AL_ALL_GRANTED:
			r.v = AV_GRANTED;
			break;
		case AL_ALL_DENIED:
			r.v = AV_DENIED;
			break;
		case AL_IP:
			r.v = ivset_contains(&z->set[P->fam], P->x) ? AV_GRANTED : AV_DENIED;
			break;
		case AL_HOST:
			/* a reverse lookup of the client: never a Cloudflare
			 * address's name */
			r.v = AV_DENIED;
			break;
		case AL_ENV:
			switch (env_value(P, z->env, &by)) {
			case T_YES:
				r.v = AV_GRANTED;
				break;
			case T_NO:
				r.v = AV_DENIED;
				break;
			case T_MAYBE:
				r.v = AV_MAYBE;
				break;
			}
			break;
		case AL_OTHER:
			r.v = AV_MAYBE;
			break;
		}
	} else {
		bool any_g = false;
		bool any_m = false;
		const struct authz *first_d = NULL;
		size_t i;

		for (i = 0; i < z->n; i++) {
			struct res c = authz_eval(P, z->kids[i]);

			if (c.v == AV_GRANTED)
				any_g = true;
			else if (c.v == AV_MAYBE)
				any_m = true;
			else if (c.v == AV_DENIED && first_d == NULL) {
				first_d = z->kids[i];
				r.loc = c.loc;
				r.what = c.what;
			}
			if (z->and_op && c.v == AV_DENIED)
				break;
			if (!z->and_op && c.v == AV_GRANTED)
				break;
		}
		if (z->and_op)
			r.v = first_d ? AV_DENIED : any_m ? AV_MAYBE : any_g ? AV_GRANTED : AV_NEUTRAL;
		else
			r.v = any_g ? AV_GRANTED : any_m ? AV_MAYBE : first_d ? AV_DENIED : AV_NEUTRAL;
		if (r.v == AV_NEUTRAL && z->n) {
			r.loc = &z->kids[0]->loc;
			r.what = z->kids[0]->text;
		}
	}
	if (z->negate) {
		if (r.v == AV_GRANTED) {
			r.v = AV_DENIED;
			r.loc = &z->loc;
			r.what = z->text;
		} else if (r.v == AV_DENIED) {
			r.v = AV_NEUTRAL;
		}
	}
	return r;
}

/* find_allowdeny: the first entry that matches the client. */
static enum tri
compat_find(const struct piece *P, struct acmp *const *v, size_t n, const struct acmp **hit)
{
	enum tri r = T_NO;
	size_t i;

	*hit = NULL;
	for (i = 0; i < n; i++) {
		const struct envset *by;
		enum tri t = T_NO;

		switch (v[i]->kind) {
		case AC_ALL:
			t = T_YES;
			break;
		case AC_IP:
			t = ivset_contains(&v[i]->set[P->fam], P->x) ? T_YES : T_NO;
			break;
		case AC_HOST:
			t = T_NO;
			break;
		case AC_ENV:
			t = env_value(P, v[i]->env, &by);
			break;
		case AC_NENV:
			t = env_value(P, v[i]->env, &by);
			t = t == T_YES ? T_NO : t == T_NO ? T_YES : T_MAYBE;
			break;
		}
		if (t == T_YES) {
			*hit = v[i];
			return T_YES;
		}
		if (t == T_MAYBE && r == T_NO) {
			r = T_MAYBE;
			*hit = v[i];
		}
	}
	return r;
}

/* check_dir_access */
static struct res
compat_eval(const struct piece *P)
{
	const struct aaccess *a = P->a;
	const struct acmp *ah;
	const struct acmp *dh;
	enum tri al;
	enum tri de;

	if (!a->compat_set)
		return res_make(AV_GRANTED, NULL, NULL);
	al = compat_find(P, a->allow, a->nallow, &ah);
	de = compat_find(P, a->deny, a->ndeny, &dh);
	if (a->order == ORD_DENY_ALLOW) {
		if (al == T_YES || de == T_NO)
			return res_make(AV_GRANTED, NULL, NULL);
		if (de == T_YES && al == T_NO)
			return res_make(AV_DENIED, &dh->loc, dh->text);
		return res_make(AV_MAYBE, NULL, NULL);
	}
	/* Allow,Deny and Mutual-failure: an Allow must match, no Deny */
	if (de == T_YES)
		return res_make(AV_DENIED, &dh->loc, dh->text);
	if (al == T_NO)
		return res_make(AV_DENIED, &a->order_loc, a->order_text);
	if (al == T_YES && de == T_NO)
		return res_make(AV_GRANTED, NULL, NULL);
	return res_make(AV_MAYBE, NULL, NULL);
}

/* The conditions of a rule, [OR] binding tighter than the implicit AND. */
static enum tri
rw_conds(const struct piece *P, const struct rwrule *r)
{
	enum tri all = T_YES;
	enum tri group = T_NO;
	bool in_group = false;
	size_t i;

	for (i = 0; i < r->ncond; i++) {
		const struct rwcond *c = &r->cond[i];
		enum tri t = c->addr ? in_match(&c->m, P->fam, P->x) : T_MAYBE;

		if (c->neg)
			t = t == T_YES ? T_NO : t == T_NO ? T_YES : T_MAYBE;
		/* OR within the group */
		if (!in_group)
			group = t;
		else if (group != T_YES)
			group = t == T_YES ? T_YES : (t == T_MAYBE || group == T_MAYBE) ? T_MAYBE : T_NO;
		in_group = c->ornext;
		if (in_group)
			continue;
		if (group == T_NO)
			all = T_NO;
		else if (group == T_MAYBE && all == T_YES)
			all = T_MAYBE;
	}
	if (in_group) {
		/* a trailing [OR] ends the chain */
		if (group == T_NO)
			all = T_NO;
		else if (group == T_MAYBE && all == T_YES)
			all = T_MAYBE;
	}
	return all;
}

/* Whether the rules forbid the client; *by: the rule. */
static enum tri
rw_forbids(const struct piece *P, struct rwrule *const *v, size_t n, const struct rwrule **by)
{
	enum tri r = T_NO;
	size_t i;

	*by = NULL;
	for (i = 0; i < n; i++) {
		enum tri t;

		if (!v[i]->forbid)
			continue;
		t = rw_conds(P, v[i]);
		if (t == T_YES) {
			*by = v[i];
			return T_YES;
		}
		if (t == T_MAYBE && r == T_NO) {
			r = T_MAYBE;
			*by = v[i];
		}
	}
	return r;
}

static bool
refused(enum aval v)
{
	return v == AV_DENIED || v == AV_NEUTRAL;
}

static struct res
piece_eval(const struct piece *P)
{
	const struct aaccess *a = P->a;
	const struct rwrule *rw;
	struct res c;
	struct res z;
	struct res r;
	enum tri t;

	if (P->srv && P->srv->rw_on) {
		t = rw_forbids(P, P->srv->rw, P->srv->nrw, &rw);
		if (t == T_YES)
			return res_make(AV_DENIED, &rw->loc, rw->text);
	} else {
		t = T_NO;
	}
	c = compat_eval(P);
	z = a->authz ? authz_eval(P, a->authz) : res_make(AV_GRANTED, NULL, NULL);
	if (a->satisfy == 2) {
		/* Satisfy Any: access_checker's OK is enough */
		if (c.v == AV_GRANTED || z.v == AV_GRANTED)
			r = res_make(AV_GRANTED, NULL, NULL);
		else if (c.v == AV_MAYBE || z.v == AV_MAYBE)
			r = res_make(AV_MAYBE, NULL, NULL);
		else
			r = c;
	} else if (refused(c.v)) {
		r = c;
	} else if (refused(z.v)) {
		r = z;
	} else if (c.v == AV_MAYBE || z.v == AV_MAYBE) {
		r = res_make(AV_MAYBE, NULL, NULL);
	} else {
		r = res_make(AV_GRANTED, NULL, NULL);
	}
	if (refused(r.v))
		return r;
	if (t == T_MAYBE)
		r.v = AV_MAYBE;
	if (a->rw_engine == 1) {
		t = rw_forbids(P, a->rw, a->nrw, &rw);
		if (t == T_YES)
			return res_make(AV_DENIED, &rw->loc, rw->text);
		if (t == T_MAYBE)
			r.v = AV_MAYBE;
	}
	return r;
}

/* ---- cutting the address space ---- */

struct cuts {
	size_t n;
	size_t cap;
	u128 *v;
};

static void
cut_add(struct cuts *c, u128 x)
{
	VEC_PUSH(c->v, c->n, c->cap, x);
}

static void
cut_set(struct cuts *c, const struct ivset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		cut_add(c, s->v[i].lo);
		if (s->v[i].hi != fam_max(s->fam))
			cut_add(c, s->v[i].hi + 1);
	}
}

static void
cut_match(struct cuts *c, const struct addrmatch *m, enum family f)
{
	cut_set(c, &m->sure[f]);
	cut_set(c, &m->maybe[f]);
}

static void
cut_env(struct cuts *c, struct envset *const *v, size_t n, enum family f)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i]->by_addr)
			cut_match(c, &v[i]->m, f);
}

static void
cut_authz(struct cuts *c, const struct authz *z, enum family f, bool *by_name)
{
	size_t i;

	if (z->leaf) {
		if (z->kind == AL_IP)
			cut_set(c, &z->set[f]);
		if (z->kind == AL_HOST && !z->negate)
			*by_name = true;
		return;
	}
	for (i = 0; i < z->n; i++)
		cut_authz(c, z->kids[i], f, by_name);
}

static void
cut_rw(struct cuts *c, struct rwrule *const *v, size_t n, enum family f)
{
	size_t i;
	size_t j;

	for (i = 0; i < n; i++)
		for (j = 0; j < v[i]->ncond; j++)
			if (v[i]->cond[j].addr)
				cut_match(c, &v[i]->cond[j].m, f);
}

static int
u128_cmp(const void *a, const void *b)
{
	u128 x = *(const u128 *)a;
	u128 y = *(const u128 *)b;

	return x < y ? -1 : x > y;
}

/* ---- the model's rules ---- */

struct blame {
	const struct loc *loc;
	const char *what;
	struct ivset set[FAM_COUNT];
};

static struct blame *
blame_for(struct blame **v, size_t *n, size_t *cap, const struct res *r)
{
	size_t i;
	struct blame b;

	for (i = 0; i < *n; i++)
		if ((*v)[i].loc == r->loc || ((*v)[i].loc && r->loc && (*v)[i].loc->file == r->loc->file &&
					      (*v)[i].loc->line == r->loc->line))
			return &(*v)[i];
	memset(&b, 0, sizeof(b));
	b.loc = r->loc;
	b.what = r->what;
	ivset_init(&b.set[FAM_V4], FAM_V4);
	ivset_init(&b.set[FAM_V6], FAM_V6);
	VEC_PUSH(*v, *n, *cap, b);
	return &(*v)[*n - 1];
}

/* An ivset whose intervals live in the model's arena (never grown). */
static void
arena_set(struct web *w, struct ivset *dst, const struct ivset *src)
{
	*dst = *src;
	dst->v = arena_copy(w, src->v, src->n * sizeof(*src->v));
	dst->cap = src->n;
	dst->sorted = true;
}

const struct web_acl *
aaccess_acl(struct web *w, const struct aaccess *a, const struct aserver_access *srv)
{
	struct blame *bl = NULL;
	size_t nbl = 0;
	size_t blcap = 0;
	struct web_acl *acl;
	struct piece P;
	bool by_name = false;
	size_t i;
	int f;

	memset(&P, 0, sizeof(P));
	P.a = a;
	P.srv = srv;
	for (f = 0; f < FAM_COUNT; f++) {
		struct cuts c = {0, 0, NULL};
		size_t k;

		cut_add(&c, 0);
		if (srv) {
			cut_env(&c, srv->env, srv->nenv, (enum family)f);
			if (srv->rw_on)
				cut_rw(&c, srv->rw, srv->nrw, (enum family)f);
		}
		cut_env(&c, a->env, a->nenv, (enum family)f);
		if (a->authz)
			cut_authz(&c, a->authz, (enum family)f, &by_name);
		if (a->compat_set) {
			for (k = 0; k < a->nallow; k++) {
				cut_set(&c, &a->allow[k]->set[f]);
				by_name |= a->allow[k]->kind == AC_HOST;
			}
			for (k = 0; k < a->ndeny; k++)
				cut_set(&c, &a->deny[k]->set[f]);
		}
		if (a->rw_engine == 1)
			cut_rw(&c, a->rw, a->nrw, (enum family)f);
		qsort(c.v, c.n, sizeof(*c.v), u128_cmp);
		P.fam = (enum family)f;
		for (k = 0; k < c.n; k++) {
			u128 hi;
			struct res r;

			if (k + 1 < c.n && c.v[k + 1] == c.v[k])
				continue;
			hi = k + 1 < c.n ? c.v[k + 1] - 1 : fam_max((enum family)f);
			P.x = c.v[k];
			r = piece_eval(&P);
			if (refused(r.v) && r.loc)
				ivset_add(&blame_for(&bl, &nbl, &blcap, &r)->set[f], c.v[k], hi);
		}
		free(c.v);
	}
	if (nbl == 0)
		return NULL;
	acl = web_alloc(w, sizeof(*acl));
	acl->loc = *bl[0].loc;
	/* exactly sized: web_push leaves the copies it outgrows in the arena */
	acl->v = web_alloc(w, (nbl + by_name) * sizeof(*acl->v));
	if (by_name) {
		/* some client named by its host may be let in */
		struct web_acl_rule *r = &acl->v[acl->n++];

		r->allow = true;
		r->other = true;
		r->text = "clients by host name";
		r->what = "clients by host name";
		r->loc = *bl[0].loc;
	}
	for (i = 0; i < nbl; i++) {
		struct web_acl_rule *r = &acl->v[acl->n++];
		struct ivset *sets = web_alloc(w, FAM_COUNT * sizeof(*sets));

		for (f = 0; f < FAM_COUNT; f++) {
			ivset_normalize(&bl[i].set[f]);
			arena_set(w, &sets[f], &bl[i].set[f]);
			ivset_free(&bl[i].set[f]);
		}
		r->allow = false;
		r->set = sets;
		r->text = web_strdup(w, bl[i].what);
		r->what = r->text;
		r->loc = *bl[i].loc;
	}
	free(bl);
	return acl;
}
