/* The per-hostname verdict (hosts.h): each proxied name and scheme is
 * followed through the stages a connection from Cloudflare goes through,
 * and the first stage that fails decides the status. */
#include "hosts.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "tls_eval.h"
#include "util.h"

/* ---- addresses ---- */

/* Special-purpose address space (IANA registries, RFC 6890 and later):
 * nothing there is reachable from Cloudflare's network. */
static const struct {
	const char *cidr;
	const char *what;
} special_space[] = {
	{"0.0.0.0/8", "\"this network\" (0.0.0.0/8)"},
	{"10.0.0.0/8", "RFC 1918 private space (10.0.0.0/8)"},
	{"100.64.0.0/10", "carrier-grade NAT space (100.64.0.0/10)"},
	{"127.0.0.0/8", "loopback (127.0.0.0/8)"},
	{"169.254.0.0/16", "link-local (169.254.0.0/16)"},
	{"172.16.0.0/12", "RFC 1918 private space (172.16.0.0/12)"},
	{"192.0.0.0/24", "IETF protocol assignments (192.0.0.0/24)"},
	{"192.0.2.0/24", "documentation space (192.0.2.0/24)"},
	{"192.168.0.0/16", "RFC 1918 private space (192.168.0.0/16)"},
	{"198.18.0.0/15", "benchmarking space (198.18.0.0/15)"},
	{"198.51.100.0/24", "documentation space (198.51.100.0/24)"},
	{"203.0.113.0/24", "documentation space (203.0.113.0/24)"},
	{"224.0.0.0/4", "multicast (224.0.0.0/4)"},
	{"240.0.0.0/4", "reserved space (240.0.0.0/4)"},
	{"::/128", "the unspecified address (::)"},
	{"::1/128", "loopback (::1)"},
	{"::ffff:0:0/96", "IPv4-mapped space (::ffff:0:0/96)"},
	{"100::/64", "discard-only space (100::/64)"},
	{"2001:db8::/32", "documentation space (2001:db8::/32)"},
	{"3fff::/20", "documentation space (3fff::/20)"},
	{"fc00::/7", "unique local space (fc00::/7)"},
	{"fe80::/10", "link-local (fe80::/10)"},
	{"ff00::/8", "multicast (ff00::/8)"},
};

/* The table's prefixes, parsed once (every record and hostname asks). */
static struct cidr special_cidr[ARRAY_LEN(special_space)];
static pthread_once_t special_once = PTHREAD_ONCE_INIT;

static void
special_parse(void)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(special_space); i++)
		if (!cidr_parse(special_space[i].cidr, &special_cidr[i]))
			abort(); /* the table above is wrong */
}

const char *
addr_special(enum family fam, u128 addr)
{
	size_t i;

	pthread_once(&special_once, special_parse);
	for (i = 0; i < ARRAY_LEN(special_space); i++) {
		const struct cidr *c = &special_cidr[i];

		if (c->fam == fam && addr >= c->lo && addr <= c->hi)
			return special_space[i].what;
	}
	return NULL;
}

bool
addr_is_cloudflare(const struct audit *a, enum family fam, u128 addr)
{
	return a->cf.all[fam].n > 0 && ivset_contains(&a->cf.all[fam], addr);
}

/* The origin's addresses of each family (hosts.h: origin_has_addr),
 * gathered once: --host-addr and --live's, and the web servers' listen
 * addresses. These say the server has them, and are all it serves only
 * when no listener of the family takes the wildcard address. */
static int
u128_cmp(const void *x, const void *y)
{
	u128 a = *(const u128 *)x;
	u128 b = *(const u128 *)y;

	return a < b ? -1 : a > b;
}

static void
gather_listen_addrs(const struct web *w, struct host_table *t, size_t *cap)
{
	bool specific[FAM_COUNT] = {false, false};
	bool wildcard[FAM_COUNT] = {false, false};
	size_t i;
	size_t j;
	size_t k;
	int f;

	for (i = 0; w && i < w->nserver; i++)
		for (j = 0; j < w->servers[i]->nvhost; j++) {
			const struct web_vhost *v = w->servers[i]->vhosts[j];

			for (k = 0; k < v->nlisten; k++) {
				const struct web_listen *l = &v->listen[k];

				for (f = 0; f < FAM_COUNT && l->kind == WA_ANY; f++)
					wildcard[f] |= web_listen_public(l, (enum family)f);
				if (l->kind != WA_ADDR || addr_is_loopback(l->fam, l->addr))
					continue;
				specific[l->fam] = true;
				VEC_PUSH(t->own[l->fam].v, t->own[l->fam].n, cap[l->fam], l->addr);
			}
		}
	for (f = 0; f < FAM_COUNT; f++)
		t->own[f].known |= specific[f] && !wildcard[f];
}

static void
gather_origin_addrs(const struct audit *a, struct host_table *t)
{
	size_t cap[FAM_COUNT] = {0, 0};
	size_t i;
	int f;

	for (i = 0; i < a->origin.naddr; i++) {
		const struct host_addr *h = &a->origin.addrs[i];

		t->own[h->fam].known = true;
		VEC_PUSH(t->own[h->fam].v, t->own[h->fam].n, cap[h->fam], h->addr);
	}
	gather_listen_addrs(a->origin.web, t, cap);
	for (f = 0; f < FAM_COUNT; f++)
		if (t->own[f].n)
			qsort(t->own[f].v, t->own[f].n, sizeof(u128), u128_cmp);
}

bool
origin_has_addr(const struct audit *a, enum family fam, u128 addr, bool *known)
{
	const struct host_table *t = a->hosts;

	*known = t && t->own[fam].known;
	return t && t->own[fam].n &&
	       bsearch(&addr, t->own[fam].v, t->own[fam].n, sizeof(u128), u128_cmp) != NULL;
}

/* ---- the records, by name ---- */

static int
record_cmp(const void *x, const void *y)
{
	const struct dns_record *a = *(const struct dns_record *const *)x;
	const struct dns_record *b = *(const struct dns_record *const *)y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

static void
index_records(const struct origin *o, struct host_table *t)
{
	size_t i;

	t->nrec = o->ndns;
	t->byname = xreallocarray(NULL, o->ndns ? o->ndns : 1, sizeof(*t->byname));
	for (i = 0; i < o->ndns; i++)
		t->byname[i] = &o->dns[i];
	qsort(t->byname, t->nrec, sizeof(*t->byname), record_cmp);
}

const struct dns_record **
hosts_records_of(const struct audit *a, const char *name, size_t *n)
{
	const struct host_table *t = a->hosts;
	size_t lo = 0;
	size_t hi = t ? t->nrec : 0;
	size_t end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->byname[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; t && end < t->nrec && strcmp(t->byname[end]->name, name) == 0; end++)
		;
	*n = end - lo;
	return *n ? &t->byname[lo] : NULL;
}

static bool
proxied(const struct dns_record *r)
{
	return r->proxy != DNS_DNS_ONLY;
}

static int
name_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

const char **
hosts_proxied_names(const struct origin *o, size_t *n)
{
	const char **v = xreallocarray(NULL, o->ndns ? o->ndns : 1, sizeof(*v));
	size_t i;
	size_t k = 0;

	for (i = 0; i < o->ndns; i++)
		if (proxied(&o->dns[i]))
			v[k++] = o->dns[i].name;
	qsort(v, k, sizeof(*v), name_cmp);
	*n = 0;
	for (i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
			v[(*n)++] = v[i];
	return v;
}

/* Whether name lies in one of the zones read (a CNAME target there must
 * have its records in the file). */
static bool
in_zone(const struct origin *o, const char *name)
{
	size_t n = strlen(name);
	size_t i;

	for (i = 0; i < o->nzone; i++) {
		const char *apex = o->zones[i].apex;
		size_t k = strlen(apex);

		if (strcmp(name, apex) == 0 ||
		    (n > k && name[n - k - 1] == '.' && strcmp(name + n - k, apex) == 0))
			return true;
	}
	return false;
}

/* ---- stage 1: the records ---- */

/* Follow name's CNAMEs inside the file to its A/AAAA records. */
static void
resolve(struct audit *a, struct host_view *h)
{
	const char *cur = h->name;
	unsigned hops;

	h->res = RES_LOOP;
	for (hops = 0; hops <= CNAME_MAX_HOPS; hops++) {
		size_t n;
		size_t i;
		const struct dns_record **r = hosts_records_of(a, cur, &n);
		const struct dns_record *cname = NULL;

		h->last = cur;
		if (n == 0) {
			h->res = in_zone(&a->origin, cur) ? RES_DANGLING : RES_EXTERNAL;
			return;
		}
		for (i = 0; i < n; i++) {
			h->has_v4 |= r[i]->type == DNS_A;
			h->has_v6 |= r[i]->type == DNS_AAAA;
			if (r[i]->type == DNS_CNAME && cname == NULL)
				cname = r[i];
		}
		if (h->has_v4 || h->has_v6) {
			h->res = RES_OK;
			return;
		}
		if (cname == NULL) {
			h->res = RES_DANGLING;
			return;
		}
		cur = cname->target;
	}
}

/* Cloudflare connects over IPv4 when the name has A records, over IPv6
 * when it has only AAAA; to one of the origin's addresses if any is. */
static void
choose_address(struct audit *a, struct host_view *h)
{
	size_t n;
	size_t i;
	const struct dns_record **r = hosts_records_of(a, h->last, &n);
	enum dns_type want = h->has_v4 ? DNS_A : DNS_AAAA;
	bool known;

	if (h->v6_only)
		h->has_v4 = false;
	h->fam = h->has_v4 ? FAM_V4 : FAM_V6;
	for (i = 0; i < n; i++) {
		if (r[i]->type != want)
			continue;
		if (h->end == NULL)
			h->end = r[i];
		if (origin_has_addr(a, r[i]->fam, r[i]->addr, &known)) {
			h->end = r[i];
			h->ours = true;
			break;
		}
	}
	h->addr = h->end->addr;
}

/* ---- stage 2: the firewall ---- */

/* The worst verdict among Cloudflare's ranges for fam and port, to addr
 * when the evaluator probed addresses (any of them otherwise). */
static const struct reach *
worst_reach_scan(const struct audit *a, enum family fam, uint16_t port, u128 addr, bool ours)
{
	const struct reach *worst = NULL;
	bool any_dst = false;
	size_t i;

	for (i = 0; i < a->reach.n; i++) {
		const struct reach *r = &a->reach.v[i];

		if (r->fam == fam && r->port == port && r->has_dst && ours && r->dst == addr)
			any_dst = true;
	}
	for (i = 0; i < a->reach.n; i++) {
		const struct reach *r = &a->reach.v[i];

		if (r->fam != fam || r->port != port)
			continue;
		if (any_dst && (!r->has_dst || r->dst != addr))
			continue;
		if (worst == NULL || verdict_rank(r->v.kind) > verdict_rank(worst->v.kind) ||
		    (r->v.kind == V_DROP && worst->v.kind == V_DROP &&
		     r->v.stage == STAGE_SYN && worst->v.stage != STAGE_SYN))
			worst = r;
	}
	return worst;
}

/* The same, remembered: names share a few addresses and ports, the reach
 * table may hold thousands of pieces. */
static const struct reach *
worst_reach(const struct audit *a, enum family fam, uint16_t port, u128 addr, bool ours)
{
	struct host_table *t = a->hosts;
	struct reach_memo *m;
	size_t i;

	for (i = 0; i < t->nmemo; i++) {
		m = &t->memo[i];
		if (m->fam == fam && m->port == port && m->ours == ours && (!ours || m->addr == addr))
			return m->r;
	}
	if (t->nmemo == ARRAY_LEN(t->memo))
		return worst_reach_scan(a, fam, port, addr, ours);
	m = &t->memo[t->nmemo++];
	m->fam = fam;
	m->port = port;
	m->ours = ours;
	m->addr = addr;
	m->r = worst_reach_scan(a, fam, port, addr, ours);
	return m->r;
}

/* ---- the decision ---- */

static void
decide(struct host_view *h, int status, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
decide(struct host_view *h, int status, struct loc loc, const char *fmt, ...)
{
	va_list ap;

	h->status = status;
	h->loc = loc;
	va_start(ap, fmt);
	if (vasprintf(&h->why, fmt, ap) < 0)
		abort();
	va_end(ap);
}

static const struct loc no_loc = {NULL, 0};

/* Stage 1: 523 and friends. true when it decided. */
static bool
records_stage(struct audit *a, struct host_view *h)
{
	char text[ADDR_STRLEN];
	const char *what;
	bool known;

	resolve(a, h);
	switch (h->res) {
	case RES_EXTERNAL:
		decide(h, HOST_UNKNOWN, h->rec->loc, "CNAME to %s, outside the zones read", h->last);
		return true;
	case RES_DANGLING:
		decide(h, 530, h->rec->loc, "%s has no A or AAAA record (Cloudflare error 1016)",
		       h->last);
		return true;
	case RES_LOOP:
		decide(h, 530, h->rec->loc, "CNAME loop at %s (Cloudflare error 1016)", h->last);
		return true;
	case RES_OK:
		break;
	}
	choose_address(a, h);
	addr_format(h->fam, h->addr, text, sizeof(text));
	if ((what = addr_special(h->fam, h->addr)) != NULL) {
		decide(h, 523, h->end->loc, "%s is %s", text, what);
		return true;
	}
	if (addr_is_cloudflare(a, h->fam, h->addr)) {
		decide(h, 403, h->end->loc, "%s is Cloudflare's own (Cloudflare error 1000)", text);
		return true;
	}
	origin_has_addr(a, h->fam, h->addr, &known);
	if (known && !h->ours) {
		decide(h, 522, h->end->loc, "%s is not this origin's address", text);
		return true;
	}
	return false;
}

/* Stage 2: the firewall's verdict on Cloudflare's SYN (and the reply). */
static bool
firewall_stage(struct audit *a, struct host_view *h)
{
	const struct reach *r = worst_reach(a, h->fam, h->port, h->addr, h->ours);
	const struct verdict *nd = &a->reach.nd[h->fam];

	h->fw = r;
	h->served_port = h->port;
	if (r == NULL)
		return false;
	if (r->v.nat_rule && r->v.final_port)
		h->served_port = r->v.final_port;
	if (h->fam == FAM_V6 && a->reach.nd_checked[FAM_V6] && nd->kind == V_DROP) {
		decide(h, 522, nd->loc, "the IPv6 firewall drops neighbour discovery");
		return true;
	}
	switch (r->v.kind) {
	case V_DROP:
		decide(h, 522, r->v.loc, "the firewall drops %s",
		       r->v.stage == STAGE_REPLY ? "the origin's reply" : "Cloudflare's SYN");
		return true;
	case V_REJECT:
		decide(h, 521, r->v.loc, "the firewall rejects Cloudflare's SYN");
		return true;
	case V_UNDECIDED:
		decide(h, HOST_UNKNOWN, r->v.loc, "the firewall verdict is undecided");
		return true;
	case V_ACCEPT:
		if (r->v.forwarded) {
			decide(h, HOST_UNKNOWN, r->v.loc, "the firewall forwards it to another host");
			return true;
		}
		return false;
	case V_RATELIMIT:
		return false;
	}
	return false;
}

/* Stage 3: which web server and virtual host take the connection. */
static bool
listener_stage(struct audit *a, struct host_view *h)
{
	const struct web *w = a->origin.web;
	size_t i;
	size_t at = 0;

	if (w == NULL || w->nserver == 0) {
		decide(h, HOST_UNKNOWN, no_loc, "no web server configuration was read");
		return true;
	}
	for (i = 0; i < w->nserver && h->vhost == NULL; i++) {
		h->vhost = web_vhost_for(w->servers[i], h->name, h->fam, h->ours, h->addr,
					 h->served_port, &h->by_default);
		h->server = h->vhost ? w->servers[i] : NULL;
		at = i;
	}
	if (h->vhost == NULL) {
		decide(h, 521, no_loc, "nothing listens on %s port %u", fam_name(h->fam),
		       h->served_port);
		return true;
	}
	h->listen = web_listener_at(h->vhost, h->fam, h->ours, h->addr, h->served_port);
	/* a server that cannot start answers nothing; a TLS host on its TLS
	 * listener is the TLS stage's, which says which file */
	if (tls_eval_fails(a->tls, at) && !(h->tls && h->listen && h->listen->ssl)) {
		decide(h, 521, tls_eval_fail_loc(a->tls, h->server), "%s cannot start",
		       h->server->software ? h->server->software : "the web server");
		return true;
	}
	if (h->listen && h->listen->proxy_protocol &&
	    !web_proxy_exempt(h->server, &a->cf.all[h->fam])) {
		decide(h, h->tls ? 525 : 520, h->listen->proxy_loc,
		       "port %u waits for a PROXY protocol header, which Cloudflare does not send",
		       h->served_port);
		return true;
	}
	if (h->listen && h->tls && !h->listen->ssl) {
		decide(h, 525, h->listen->loc, "port %u is served without TLS", h->served_port);
		return true;
	}
	if (h->listen && !h->tls && h->listen->ssl) {
		decide(h, 400, h->listen->loc, "port %u expects TLS; Cloudflare sends plain HTTP",
		       h->served_port);
		return true;
	}
	return false;
}

static int
outcome_cmp(const struct tls_outcome *a, const char *host, uint16_t port, enum family fam)
{
	int c = strcmp(a->host, host);

	if (c)
		return c;
	if (a->port != port)
		return a->port < port ? -1 : 1;
	return (int)a->fam - (int)fam;
}

static int
outcome_sort(const void *x, const void *y)
{
	const struct tls_outcome *a = *(const struct tls_outcome *const *)x;
	const struct tls_outcome *b = *(const struct tls_outcome *const *)y;
	int c = outcome_cmp(a, b->host, b->port, b->fam);

	return c ? c : (a < b ? -1 : a > b);
}

static void
index_outcomes(const struct audit *a, struct host_table *t)
{
	size_t i;

	t->nout = a->tls ? a->tls->nout : 0;
	t->outs = xreallocarray(NULL, t->nout ? t->nout : 1, sizeof(*t->outs));
	for (i = 0; i < t->nout; i++)
		t->outs[i] = &a->tls->outs[i];
	qsort(t->outs, t->nout, sizeof(*t->outs), outcome_sort);
}

/* The TLS evaluator's outcome for h's name, port and family, from h's web
 * server. */
static const struct tls_outcome *
find_outcome(const struct audit *a, const struct host_view *h)
{
	const struct host_table *t = a->hosts;
	size_t lo = 0;
	size_t hi = t->nout;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (outcome_cmp(t->outs[mid], h->name, h->served_port, h->fam) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->nout && outcome_cmp(t->outs[lo], h->name, h->served_port, h->fam) == 0;
	     lo++)
		if (t->outs[lo]->server == h->server)
			return t->outs[lo];
	return NULL;
}

static struct loc
cert_loc(const struct tls_outcome *o)
{
	if (o->presented >= 0 && o->uses[o->presented]->cert)
		return o->uses[o->presented]->cert->loc;
	if (o->certv)
		return o->certv->loc;
	return o->listen ? o->listen->loc : no_loc;
}

/* Stage 4: the TLS handshake and the certificate (Full modes). */
static bool
tls_stage(struct audit *a, struct host_view *h)
{
	const struct tls_outcome *o;

	if (!h->tls)
		return false;
	if ((o = find_outcome(a, h)) == NULL) {
		decide(h, HOST_UNKNOWN, no_loc, "the TLS handshake was not evaluated");
		return true;
	}
	h->tls_out = o;
	switch (o->status) {
	case TS_OK:
	case TS_AOP:
		return false;
	case TS_UNKNOWN:
		if (o->unknown_why)
			decide(h, HOST_UNKNOWN, o->unknown_loc, "%s", o->unknown_why);
		else
			decide(h, HOST_UNKNOWN, cert_loc(o), "the certificate is chosen per handshake");
		return true;
	case TS_520:
		if (o->renegotiate)
			decide(h, 520, o->dir_demand->loc,
			       "a client certificate is demanded by renegotiation, which Cloudflare "
			       "refuses");
		else
			decide(h, 520, cert_loc(o), "HTTP/2 with a cipher HTTP/2 forbids");
		return true;
	case TS_403:
		decide(h, 403, o->dir_demand->loc,
		       "a client certificate is demanded after the TLS 1.3 handshake");
		return true;
	case TS_400:
		decide(h, 400, o->cc_text ? o->cc_text->loc : cert_loc(o),
		       "a client certificate is demanded");
		return true;
	case TS_526:
		decide(h, 526, cert_loc(o), "the certificate is not valid for %s", h->name);
		return true;
	case TS_525:
		decide(h, 525, cert_loc(o), "the TLS handshake fails");
		return true;
	case TS_521:
		decide(h, 521, tls_eval_fail_loc(a->tls, o->server), "%s cannot start",
		       o->server->software ? o->server->software : "the web server");
		return true;
	}
	return false;
}

/* Stage 5: what the virtual host answers. */
static bool
http_stage(struct audit *a, struct host_view *h)
{
	const struct web_location *l = h->vhost->nloc ? h->vhost->locs[0] : NULL;
	size_t i;

	(void)a;
	if (l == NULL)
		return false;
	for (i = 0; i < l->nret; i++)
		if (l->ret[i].code == 444 && !l->ret[i].conditional) {
			decide(h, 520, l->ret[i].loc, "%s closes the connection without a response",
			       web_vhost_label(h->vhost));
			return true;
		}
	return false;
}

typedef bool (*stage_fn)(struct audit *a, struct host_view *h);

/* The stages in the order a connection meets them; the first that fails
 * decides. IPv6's view of a dual-stack name stops after the listener. */
static const struct {
	enum host_stage stage;
	stage_fn fn;
} stages[] = {
	{HSTAGE_RECORDS, records_stage},   {HSTAGE_FIREWALL, firewall_stage},
	{HSTAGE_LISTENER, listener_stage}, {HSTAGE_TLS, tls_stage},
	{HSTAGE_HTTP, http_stage},
};

/* Run the stages from first to last (the records stage has run when
 * first is later); stop at the first that decides. */
static void
evaluate_host(struct audit *a, struct host_view *h, enum host_stage first, enum host_stage last)
{
	size_t i;

	h->status = HOST_OK;
	for (i = 0; i < ARRAY_LEN(stages) && stages[i].stage <= last; i++) {
		if (stages[i].stage < first)
			continue;
		if (stages[i].fn(a, h)) {
			h->stage = stages[i].stage;
			return;
		}
	}
	h->stage = HSTAGE_NONE;
	if (h->vhost)
		decide(h, HOST_OK, h->vhost->loc, "served by %s%s", web_vhost_label(h->vhost),
		       h->by_default ? ", the default server (no server names it)" : "");
}

/* What IPv6 would meet for a name Cloudflare reaches over IPv4. */
static void
evaluate_v6(struct audit *a, struct host_view *h)
{
	struct host_view s;

	memset(&s, 0, sizeof(s));
	s.name = h->name;
	s.rec = h->rec;
	s.scheme = h->scheme;
	s.port = h->port;
	s.tls = h->tls;
	s.v6_only = true;
	evaluate_host(a, &s, HSTAGE_RECORDS, HSTAGE_LISTENER);
	h->v6_status = s.status;
	h->v6_stage = s.stage;
	h->v6_why = s.why;
	h->v6_loc = s.loc;
}

/* ---- the table ---- */

/* The schemes visitors use and where Cloudflare takes them in the SSL
 * mode: Off serves http only; Flexible sends both to port 80; Full modes
 * send https to 443, and http to 80 when the origin serves port 80 (with
 * "Always Use HTTPS" the edge redirects http instead). */
static size_t
schemes(const struct audit *a, enum host_scheme *s, uint16_t *port, bool *tls)
{
	size_t n = 0;
	size_t i;
	bool serves_80 = false;

	for (i = 0; i < a->opt.nport; i++)
		serves_80 |= a->opt.ports[i] == 80;
	if (a->opt.ssl_mode < SSL_FULL || serves_80) {
		s[n] = SCHEME_HTTP;
		port[n] = 80;
		tls[n++] = false;
	}
	if (a->opt.ssl_mode != SSL_OFF) {
		s[n] = SCHEME_HTTPS;
		port[n] = a->opt.ssl_mode >= SSL_FULL ? 443 : 80;
		tls[n++] = a->opt.ssl_mode >= SSL_FULL;
	}
	return n;
}

static const struct dns_record *
first_proxied(const struct audit *a, const char *name)
{
	size_t n;
	size_t i;
	const struct dns_record **r = hosts_records_of(a, name, &n);
	const struct dns_record *first = NULL;

	for (i = 0; i < n; i++)
		if (proxied(r[i]) && (first == NULL || r[i]->loc.line < first->loc.line))
			first = r[i];
	return first;
}

bool
hosts_wanted(const struct audit *a)
{
	return a->opt.nfile[IN_DNS] > 0;
}

void
hosts_resolve(struct audit *a)
{
	struct host_table *t;
	const char **names;
	size_t nname;
	size_t i;
	size_t k;

	if (!hosts_wanted(a))
		return;
	t = a->hosts = xcalloc(1, sizeof(*t));
	index_records(&a->origin, t);
	gather_origin_addrs(a, t);
	names = hosts_proxied_names(&a->origin, &nname);
	for (i = 0; i < nname; i++) {
		enum host_scheme s[2];
		uint16_t port[2];
		bool tls[2];
		size_t ns = schemes(a, s, port, tls);

		for (k = 0; k < ns; k++) {
			struct host_view h;

			memset(&h, 0, sizeof(h));
			h.name = names[i];
			h.rec = first_proxied(a, names[i]);
			h.scheme = s[k];
			h.port = port[k];
			h.tls = tls[k];
			evaluate_host(a, &h, HSTAGE_RECORDS, HSTAGE_RECORDS);
			VEC_PUSH(t->v, t->n, t->cap, h);
		}
	}
	free(names);
}

struct host_target *
hosts_reaching_names(const struct audit *a, size_t *n)
{
	const struct host_table *t = a->hosts;
	struct host_target *v = xreallocarray(NULL, t && t->n ? t->n : 1, sizeof(*v));
	size_t i;

	*n = 0;
	for (i = 0; t && i < t->n; i++) {
		const struct host_view *h = &t->v[i];

		if (h->stage == HSTAGE_RECORDS ||
		    (*n > 0 && strcmp(v[*n - 1].name, h->name) == 0))
			continue;
		v[*n].name = h->name;
		v[*n].fam = h->fam;
		v[(*n)++].addr = h->addr;
	}
	return v;
}

static int
ptr_cmp(const void *x, const void *y)
{
	uintptr_t a = (uintptr_t) * (const void *const *)x;
	uintptr_t b = (uintptr_t) * (const void *const *)y;

	return a < b ? -1 : a > b;
}

/* The virtual hosts some name lands in, sorted (hosts_reach_vhost). */
static void
index_reached(struct host_table *t)
{
	size_t i;

	t->reached = xreallocarray(NULL, t->n ? t->n : 1, sizeof(*t->reached));
	for (i = 0; i < t->n; i++)
		if (t->v[i].vhost)
			t->reached[t->nreached++] = t->v[i].vhost;
	qsort(t->reached, t->nreached, sizeof(*t->reached), ptr_cmp);
}

void
hosts_evaluate(struct audit *a)
{
	struct host_table *t = a->hosts;
	size_t i;

	if (t == NULL)
		return;
	index_outcomes(a, t);
	for (i = 0; i < t->n; i++) {
		struct host_view *h = &t->v[i];

		if (h->stage == HSTAGE_RECORDS)
			continue;
		evaluate_host(a, h, HSTAGE_FIREWALL, HSTAGE_HTTP);
		if (h->has_v4 && h->has_v6)
			evaluate_v6(a, h);
	}
	index_reached(t);
}

bool
hosts_reach_vhost(const struct audit *a, const struct web_vhost *v)
{
	const struct host_table *t = a->hosts;

	return t && t->nreached &&
	       bsearch(&v, t->reached, t->nreached, sizeof(*t->reached), ptr_cmp) != NULL;
}

/* ---- the findings behind each status ---- */

/* The findings, indexed for the hosts: by line, by hostname, and those
 * about a family and ports. */
struct finding_index {
	size_t nloc;
	const struct finding **byloc;
	size_t nhost;
	const struct finding **byhost;
	size_t nport;
	const struct finding **byport;
};

static int
loc_cmp(struct loc x, struct loc y)
{
	int c = strcmp(x.file, y.file);

	if (c)
		return c;
	return x.line < y.line ? -1 : x.line > y.line;
}

static int
by_loc(const void *x, const void *y)
{
	const struct finding *a = *(const struct finding *const *)x;
	const struct finding *b = *(const struct finding *const *)y;
	int c = loc_cmp(a->loc, b->loc);

	return c ? c : (a < b ? -1 : a > b);
}

static int
by_host(const void *x, const void *y)
{
	const struct finding *a = *(const struct finding *const *)x;
	const struct finding *b = *(const struct finding *const *)y;
	int c = strcmp(a->host, b->host);

	return c ? c : (a < b ? -1 : a > b);
}

static void
index_findings(const struct audit *a, struct finding_index *ix)
{
	size_t n = a->nfinding ? a->nfinding : 1;
	size_t i;

	memset(ix, 0, sizeof(*ix));
	ix->byloc = xreallocarray(NULL, n, sizeof(*ix->byloc));
	ix->byhost = xreallocarray(NULL, n, sizeof(*ix->byhost));
	ix->byport = xreallocarray(NULL, n, sizeof(*ix->byport));
	for (i = 0; i < a->nfinding; i++) {
		const struct finding *f = &a->findings[i];

		if (f->loc.file)
			ix->byloc[ix->nloc++] = f;
		if (f->host)
			ix->byhost[ix->nhost++] = f;
		else if (f->port || f->nport)
			ix->byport[ix->nport++] = f;
	}
	qsort(ix->byloc, ix->nloc, sizeof(*ix->byloc), by_loc);
	qsort(ix->byhost, ix->nhost, sizeof(*ix->byhost), by_host);
}

static void
index_free(struct finding_index *ix)
{
	free(ix->byloc);
	free(ix->byhost);
	free(ix->byport);
}

/* The findings at loc: *n of them. */
static const struct finding **
at_loc(const struct finding_index *ix, struct loc loc, size_t *n)
{
	size_t lo = 0;
	size_t hi = ix->nloc;
	size_t end;

	*n = 0;
	if (loc.file == NULL)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (loc_cmp(ix->byloc[mid]->loc, loc) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ix->nloc && loc_cmp(ix->byloc[end]->loc, loc) == 0; end++)
		;
	*n = end - lo;
	return &ix->byloc[lo];
}

/* The findings about host: *n of them. */
static const struct finding **
of_host(const struct finding_index *ix, const char *host, size_t *n)
{
	size_t lo = 0;
	size_t hi = ix->nhost;
	size_t end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->byhost[mid]->host, host) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ix->nhost && strcmp(ix->byhost[end]->host, host) == 0; end++)
		;
	*n = end - lo;
	return &ix->byhost[lo];
}

static bool
has_port(const struct finding *f, uint16_t port)
{
	size_t i;

	if (f->port == port)
		return true;
	for (i = 0; i < f->nport; i++)
		if (f->ports[i] == port)
			return true;
	return false;
}

/* The lines of the TLS settings of the handshake h meets (at most max). */
static size_t
tls_setting_locs(const struct host_view *h, struct loc *out, size_t max)
{
	const struct tls_outcome *o = h->tls_out;
	const struct web_vhost *v[2];
	size_t n = 0;
	size_t i;
	size_t k;

	if (o == NULL)
		return 0;
	v[0] = o->certv;
	v[1] = o->policyv;
	for (k = 0; k < 2; k++) {
		const struct web_tls *t;

		if (v[k] == NULL || (k == 1 && v[1] == v[0]))
			continue;
		t = &v[k]->tls;
		if (n + 5 + t->ncert + t->nkey > max)
			break;
		out[n++] = t->protocols.loc;
		out[n++] = t->ciphers.loc;
		out[n++] = t->verify_client.loc;
		out[n++] = t->chain.loc;
		out[n++] = t->client_certificate.loc;
		for (i = 0; i < t->ncert; i++)
			out[n++] = t->cert[i].loc;
		for (i = 0; i < t->nkey; i++)
			out[n++] = t->key[i].loc;
	}
	return n;
}

/* Whether f, found at the line that decides h, at one of its TLS settings
 * or about its hostname, or one about ports, decides h: a finding of h's
 * status, about h's hostname when it names one, about h's family and port
 * when it is about ports only. */
static bool
decides(const struct finding *f, const struct host_view *h, bool at_line)
{
	if (h->status <= 0 || f->check->code != h->status)
		return false;
	if (at_line)
		return true;
	if (f->host)
		return strcmp(f->host, h->name) == 0;
	if (f->has_fam && f->fam != h->fam)
		return false;
	return has_port(f, h->port) || has_port(f, h->served_port);
}

static void
add_id(struct host_view *h, const char *id)
{
	size_t j;

	for (j = 0; j < h->nfinding; j++)
		if (strcmp(h->findings[j], id) == 0)
			return;
	h->findings = xreallocarray(h->findings, h->nfinding + 1, sizeof(*h->findings));
	h->findings[h->nfinding++] = id;
}

static void
link_some(struct host_view *h, const struct finding **f, size_t n, bool at_line)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (decides(f[i], h, at_line))
			add_id(h, f[i]->check->id);
}

/* The IDs of the findings behind h's status, in the order of the report. */
static void
link_host(const struct finding_index *ix, struct host_view *h)
{
	struct loc locs[64];
	size_t nloc;
	const struct finding **f;
	size_t n;
	size_t i;

	if (h->status <= 0)
		return;
	f = at_loc(ix, h->loc, &n);
	link_some(h, f, n, true);
	nloc = tls_setting_locs(h, locs, ARRAY_LEN(locs));
	for (i = 0; i < nloc; i++) {
		f = at_loc(ix, locs[i], &n);
		link_some(h, f, n, true);
	}
	f = of_host(ix, h->name, &n);
	link_some(h, f, n, false);
	link_some(h, ix->byport, ix->nport, false);
}

static const struct finding *
finding_at(const struct finding_index *ix, struct loc loc, const char *id)
{
	size_t n;
	size_t i;
	const struct finding **f = at_loc(ix, loc, &n);

	for (i = 0; i < n; i++)
		if (strcmp(f[i]->check->id, id) == 0)
			return f[i];
	return NULL;
}

/* A CF403-ACCESS-DENY at an access rule of v's server scope. */
static const struct finding *
server_acl_denies(const struct finding_index *ix, const struct web_vhost *v)
{
	const struct web_acl *acl = v->nloc ? v->locs[0]->acl : NULL;
	const struct finding *f;
	size_t i;

	for (i = 0; acl && i < acl->n; i++)
		if ((f = finding_at(ix, acl->v[i].loc, "CF403-ACCESS-DENY")) != NULL)
			return f;
	return NULL;
}

/* A CF524-TIMEOUT-READ at the backend read timeout of a location of v
 * (*where: the location). */
static const struct finding *
backend_too_slow(const struct finding_index *ix, const struct web_vhost *v,
		 const struct web_location **where)
{
	const struct finding *f;
	size_t i;

	for (i = 0; i < v->nloc; i++) {
		const struct web_location *l = v->locs[i];

		if (l->backend == WB_NONE)
			continue;
		if ((f = finding_at(ix, l->s->backend_read[l->backend].loc, "CF524-TIMEOUT-READ"))) {
			*where = l;
			return f;
		}
	}
	return NULL;
}

/* What the checks found inside the virtual host that answers: access
 * rules that refuse Cloudflare (every request: 403) and backends allowed
 * to answer later than Cloudflare waits (slow requests: 524). The checks'
 * own logic decides (real-IP restoration, inheritance). A suppression or
 * a baseline changes what counts, not what visitors get: such findings
 * decide too. */
static void
vhost_findings(const struct finding_index *ix, struct host_view *h)
{
	const struct web_location *l = NULL;
	const struct finding *f;

	if (h->status != HOST_OK || h->vhost == NULL)
		return;
	if ((f = server_acl_denies(ix, h->vhost)) != NULL) {
		free(h->why);
		decide(h, 403, f->loc, "the access rules of %s refuse Cloudflare",
		       web_vhost_label(h->vhost));
		h->stage = HSTAGE_HTTP;
	} else if ((f = backend_too_slow(ix, h->vhost, &l)) != NULL) {
		free(h->why);
		decide(h, 524, f->loc, "%s%s%s waits longer for its backend than Cloudflare waits for it",
		       l->kind == WS_SERVER ? "" : "location ", l->kind == WS_SERVER ? "" : l->path,
		       l->kind == WS_SERVER ? web_vhost_label(h->vhost) : "");
		h->stage = HSTAGE_HTTP;
	}
}

void
hosts_link_findings(struct audit *a)
{
	struct finding_index ix;
	size_t i;

	if (a->hosts == NULL)
		return;
	index_findings(a, &ix);
	for (i = 0; i < a->hosts->n; i++) {
		vhost_findings(&ix, &a->hosts->v[i]);
		link_host(&ix, &a->hosts->v[i]);
	}
	index_free(&ix);
}

void
hosts_free(struct host_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].why);
		free(t->v[i].v6_why);
		free(t->v[i].findings);
	}
	free(t->v);
	free(t->byname);
	free(t->outs);
	free(t->reached);
	free(t->own[FAM_V4].v);
	free(t->own[FAM_V6].v);
	free(t);
}

const char *
host_status_text(int status, char *buf, size_t len)
{
	if (status == HOST_OK)
		return "OK";
	if (status == HOST_UNKNOWN)
		return "UNKNOWN";
	snprintf(buf, len, "%d", status);
	return buf;
}

const char *
host_stage_name(enum host_stage s)
{
	static const char *const names[] = {"dns", "firewall", "listener", "tls", "http", "none"};

	return names[s];
}

const char *
host_scheme_name(enum host_scheme s)
{
	return s == SCHEME_HTTP ? "http" : "https";
}
