/* Web server checks: listeners, responses without a response, keep-alive,
 * timeouts, per-client limits, access rules and real-IP trust. They read
 * the web model (web.h) only, so nginx and Apache configurations are judged
 * alike; each finding points at the setting that causes it (or, for a
 * default, the block it applies to) and names where it is in effect. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "hosts.h"
#include "util.h"
#include "web.h"

#define MSG_MAX_PLACES 3
#define MSG_MAX_RANGES 4
#define KEEPALIVE_REQUESTS_MIN 100

/* ---- helpers ---- */

/* A set of (pointer, line) keys: one finding per cause. */
struct seen {
	size_t n;
	size_t cap;
	struct seen_key {
		const void *p;
		unsigned line;
	} *v;
};

static size_t
seen_hash(const void *p, unsigned line)
{
	size_t h = (size_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	return (h ^ line) * 0x100000001b3ull;
}

/* Whether (p, line) was seen; records it. */
static bool
seen_add(struct seen *s, const void *p, unsigned line)
{
	size_t i;

	if (s->n * 2 >= s->cap) {
		struct seen_key *old = s->v;
		size_t oldcap = s->cap;

		s->cap = oldcap ? oldcap * 2 : 64;
		s->v = xcalloc(s->cap, sizeof(*s->v));
		for (i = 0; i < oldcap; i++) {
			size_t j;

			if (old[i].p == NULL)
				continue;
			j = seen_hash(old[i].p, old[i].line) & (s->cap - 1);
			while (s->v[j].p)
				j = (j + 1) & (s->cap - 1);
			s->v[j] = old[i];
		}
		free(old);
	}
	i = seen_hash(p, line) & (s->cap - 1);
	while (s->v[i].p) {
		if (s->v[i].p == p && s->v[i].line == line)
			return true;
		i = (i + 1) & (s->cap - 1);
	}
	s->v[i].p = p;
	s->v[i].line = line;
	s->n++;
	return false;
}

static bool
seen_loc(struct seen *s, struct loc loc)
{
	return seen_add(s, loc.file ? (const void *)loc.file : (const void *)s, loc.line);
}

static void
seen_free(struct seen *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static const char *
kind_prefix(enum web_scope_kind k)
{
	switch (k) {
	case WS_EXACT:
		return "= ";
	case WS_PREFIX_NOREGEX:
		return "^~ ";
	case WS_REGEX:
		return "~ ";
	case WS_REGEX_CASELESS:
		return "~* ";
	default:
		return "";
	}
}

/* "server www.example.com", "location /api of server www.example.com",
 * "if (...) in location / of server ..." */
static void
place_text(struct buf *b, const struct web_location *l)
{
	const struct web_location *p;

	for (p = l; p && p->kind != WS_SERVER; p = p->parent) {
		/* a scope the configuration names otherwise ("<Directory /srv>") */
		if (p->label && (p->kind == WS_IF || p->kind == WS_LIMIT_EXCEPT ||
				 p->kind == WS_LIMIT)) {
			buf_addf(b, "%s in ", p->label);
			continue;
		}
		if (p->label) {
			buf_addf(b, "%s of ", p->label);
			goto server;
		}
		switch (p->kind) {
		case WS_IF:
			buf_addf(b, "if %s in ", p->path);
			break;
		case WS_LIMIT_EXCEPT:
			buf_addf(b, "methods other than %s in ", p->path);
			break;
		case WS_LIMIT:
			buf_addf(b, "methods %s in ", p->path);
			break;
		default:
			buf_addf(b, "location %s%s", kind_prefix(p->kind), p->path);
			/* the innermost real location is enough */
			buf_adds(b, " of ");
			p = NULL;
			goto server;
		}
	}
server:
	buf_addf(b, "server %s", web_vhost_label(l->vhost));
	/* the same names often have a server per port */
	if (l->vhost->nlisten > 0 && l->vhost->listen[0].port)
		buf_addf(b, ":%u", l->vhost->listen[0].port);
}

/* Places collected for one cause: "A, B and N more". */
struct places {
	size_t n;
	struct buf text;
};

static void
places_add(struct places *p, const struct web_location *l)
{
	if (p->n < MSG_MAX_PLACES) {
		if (p->n)
			buf_adds(&p->text, "; ");
		place_text(&p->text, l);
	}
	p->n++;
}

static char *
places_take(struct places *p)
{
	if (p->n > MSG_MAX_PLACES)
		buf_addf(&p->text, " and %zu more", p->n - MSG_MAX_PLACES);
	return buf_take(&p->text);
}

static char *
seconds_text(long long ms)
{
	if (ms % 1000 == 0)
		return xasprintf("%lld s", ms / 1000);
	return xasprintf("%lld ms", ms);
}

/* Cloudflare's hostnames have a dot; "_", "", "localhost" or "default" are
 * the names of catch-all servers. */
static bool
has_hostname(const struct web_vhost *v)
{
	size_t i;

	for (i = 0; i < v->nname; i++)
		if (v->names[i].kind != WN_EXACT || strchr(v->names[i].fixed, '.'))
			return true;
	return false;
}

/* Whether Cloudflare's requests can land in v: it names a hostname, or it
 * is the only server of one of its public address:port groups, so every
 * hostname does. (Which hostnames a catch-all receives is a question for
 * the zone: with --dns, the proxied names that land in v.) */
static bool
vhost_reached(const struct audit *a, const struct web_vhost *v)
{
	const struct web_server *s = v->server;
	size_t i;

	if (has_hostname(v) || hosts_reach_vhost(a, v))
		return true;
	for (i = 0; i < v->nlisten; i++) {
		const struct web_listen *l = &v->listen[i];
		bool by_default;

		if (!web_listen_public(l, FAM_V4) && !web_listen_public(l, FAM_V6))
			continue;
		/* a name no host can have: only the default server answers */
		if (web_vhost_for(s, "\x01", l->fam, l->kind == WA_ADDR, l->addr, l->port,
				  &by_default) != v)
			continue;
		{
			size_t j;
			size_t k;
			bool alone = true;

			for (j = 0; j < s->nvhost && alone; j++) {
				const struct web_vhost *o = s->vhosts[j];

				if (o == v)
					continue;
				for (k = 0; k < o->nlisten; k++)
					if (o->listen[k].port == l->port &&
					    web_default_vhost(s, &o->listen[k]) == v) {
						alone = false;
						break;
					}
			}
			if (alone)
				return true;
		}
	}
	return false;
}

typedef void (*scope_fn)(struct audit *a, const struct web_location *l, void *arg);

static void
each_scope(struct audit *a, scope_fn fn, void *arg)
{
	const struct web *w = a->origin.web;
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; w && i < w->nserver; i++)
		for (j = 0; j < w->servers[i]->nvhost; j++) {
			const struct web_vhost *v = w->servers[i]->vhosts[j];

			for (k = 0; k < v->nloc; k++)
				fn(a, v->locs[k], arg);
		}
}

static bool
have_web(const struct audit *a)
{
	return a->origin.web && a->origin.web->nserver > 0;
}

/* ---- CF521-LISTEN-NONE, CF525-LISTEN-PLAIN ---- */

struct port_need {
	uint16_t port;
	bool https;
};

static size_t
needed_ports(const struct audit *a, struct port_need *need, size_t max)
{
	size_t n = 0;
	size_t i;

	need[n].port = a->opt.ssl_mode >= SSL_FULL ? 443 : 80;
	need[n++].https = a->opt.ssl_mode >= SSL_FULL;
	for (i = 0; a->opt.ports_given && i < a->opt.nport && n < max; i++) {
		bool https = false;
		size_t j;

		cf_port_proxied(&a->cf, a->opt.ports[i], &https);
		for (j = 0; j < n && need[j].port != a->opt.ports[i]; j++)
			;
		if (j < n)
			continue;
		need[n].port = a->opt.ports[i];
		need[n++].https = https;
	}
	return n;
}

/* Cloudflare's proxy sends no PROXY protocol header (only Spectrum can):
 * a listener that waits for one takes Cloudflare's first bytes, the TLS
 * ClientHello or the request line, for a broken header and closes the
 * connection. */
/* Whether every Cloudflare range, of both families, may connect to s's
 * PROXY protocol listeners without the header. */
static bool
proxy_exempt(const struct audit *a, const struct web_server *s)
{
	return web_proxy_exempt(s, &a->cf.all[FAM_V4]) && web_proxy_exempt(s, &a->cf.all[FAM_V6]);
}

static void
proxy_protocol_finding(struct audit *a, const struct port_need *need,
		       const struct web_listen *l, const struct web_server *s)
{
	const char *how = s->rules == WEB_RULES_APACHE ? "RemoteIPProxyProtocol On" : "proxy_protocol";
	const char *exempt = s->npp_exempt ? " (not every Cloudflare range is in "
					     "RemoteIPProxyProtocolExceptions)"
					   : "";
	struct finding *f;

	/* what the server takes for a broken PROXY header, and what follows */
	f = audit_finding(a, need->https ? "CF525-TLS-PROXY-PROTOCOL" : "CF520-LISTEN-PROXY-PROTOCOL",
			  l->proxy_loc,
			  "port %u takes the PROXY protocol (listen %s, %s): the server waits for a "
			  "PROXY header, which Cloudflare does not send%s, and closes the connection "
			  "on %s (visitors get %d)",
			  need->port, l->text, how, exempt,
			  need->https ? "Cloudflare's TLS ClientHello: the handshake fails"
				      : "Cloudflare's request without a response",
			  need->https ? 525 : 520);
	finding_add_port(f, need->port);
}

static void
listen_port(struct audit *a, const struct port_need *need)
{
	const struct web *w = a->origin.web;
	const struct web_listen *private = NULL;
	const struct web_listen *plain = NULL;
	const struct web_listen *proxied = NULL;
	const struct web_server *proxied_srv = NULL;
	bool public = false;
	bool tls = false;
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; i < w->nserver; i++)
		for (j = 0; j < w->servers[i]->nvhost; j++) {
			const struct web_vhost *v = w->servers[i]->vhosts[j];

			for (k = 0; k < v->nlisten; k++) {
				const struct web_listen *l = &v->listen[k];

				if (l->port != need->port || l->kind == WA_UNIX)
					continue;
				if (!web_listen_public(l, FAM_V4) && !web_listen_public(l, FAM_V6)) {
					if (private == NULL)
						private = l;
					continue;
				}
				public = true;
				if (l->proxy_protocol && proxied == NULL &&
				    !proxy_exempt(a, w->servers[i])) {
					proxied = l;
					proxied_srv = w->servers[i];
				}
				if (l->ssl)
					tls = true;
				else if (plain == NULL)
					plain = l;
			}
		}
	if (!public) {
		struct finding *f;

		if (private)
			f = audit_finding(a, "CF521-LISTEN-NONE", private->loc,
					  "port %u listens on %s only, which Cloudflare cannot reach; "
					  "nothing listens on a public address on port %u, where "
					  "Cloudflare connects in SSL mode %s (visitors get 521)",
					  need->port, private->text, need->port,
					  ssl_mode_name(a->opt.ssl_mode));
		else
			f = audit_finding(a, "CF521-LISTEN-NONE", w->servers[0]->loc,
					  "no %s server listens on port %u, where Cloudflare connects "
					  "in SSL mode %s (visitors get 521)",
					  w->servers[0]->software, need->port,
					  ssl_mode_name(a->opt.ssl_mode));
		finding_add_port(f, need->port);
		return;
	}
	if (proxied)
		proxy_protocol_finding(a, need, proxied, proxied_srv);
	if (need->https && !tls && plain) {
		struct finding *f = audit_finding(
			a, "CF525-LISTEN-PLAIN", plain->loc,
			"port %u is served without TLS (listen %s has no ssl): Cloudflare's TLS "
			"handshake in SSL mode %s fails (visitors get 525)",
			need->port, plain->text, ssl_mode_name(a->opt.ssl_mode));

		finding_add_port(f, need->port);
	}
}

void
check_web_listen(struct audit *a)
{
	struct port_need need[ARRAY_LEN(a->opt.ports) + 1];
	size_t n;
	size_t i;

	if (!have_web(a))
		return;
	n = needed_ports(a, need, ARRAY_LEN(need));
	for (i = 0; i < n; i++)
		listen_port(a, &need[i]);
}

/* ---- CF520-RETURN-444, CF520-RETURN-444-LOCATION ---- */

static void
return_444(struct audit *a, const struct web_location *l, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < l->nret; i++) {
		const struct web_return *r = &l->ret[i];
		struct buf where = {NULL, 0, 0};
		char *w;

		if (r->code != 444 || !vhost_reached(a, l->vhost))
			continue;
		place_text(&where, l);
		w = buf_take(&where);
		if (l->kind == WS_SERVER && !r->conditional)
			audit_finding(a, "CF520-RETURN-444", r->loc,
				      "%s closes every connection without a response (return 444): "
				      "Cloudflare gets no answer for any of its requests (visitors "
				      "get 520)",
				      w);
		else
			audit_finding(a, "CF520-RETURN-444-LOCATION", r->loc,
				      "%s closes the connection without a response (return 444): "
				      "Cloudflare's requests there get no answer (visitors get 520 "
				      "instead of an error page)",
				      w);
		free(w);
	}
}

void
check_web_return(struct audit *a)
{
	each_scope(a, return_444, NULL);
}

/* ---- CF520-KEEPALIVE-OFF, CF520-KEEPALIVE-REQUESTS ---- */

struct by_setting {
	struct seen seen;
	size_t n;
	struct setting_use {
		const struct web_value *v;
		struct places places;
	} *v;
	size_t cap;
};

/* Group the scopes by the setting in effect there (its directive). */
static void
group_add(struct by_setting *g, const struct web_value *v, const struct web_location *l)
{
	size_t i;

	if (!seen_loc(&g->seen, v->loc)) {
		struct setting_use u;

		memset(&u, 0, sizeof(u));
		u.v = v;
		VEC_PUSH(g->v, g->n, g->cap, u);
		places_add(&g->v[g->n - 1].places, l);
		return;
	}
	for (i = g->n; i-- > 0;)
		if (g->v[i].v->loc.file == v->loc.file && g->v[i].v->loc.line == v->loc.line) {
			places_add(&g->v[i].places, l);
			return;
		}
}

static void
group_free(struct by_setting *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		buf_free(&g->v[i].places.text);
	free(g->v);
	seen_free(&g->seen);
}

struct keepalive {
	struct by_setting off;
	struct by_setting few;
};

static void
keepalive_scope(struct audit *a, const struct web_location *l, void *arg)
{
	struct keepalive *k = arg;

	(void)a;
	if (!vhost_reached(a, l->vhost))
		return;
	if (l->s->keepalive_timeout.set && l->s->keepalive_timeout.v == 0)
		group_add(&k->off, &l->s->keepalive_timeout, l);
	else if (l->s->keepalive_requests.set &&
		 l->s->keepalive_requests.v < KEEPALIVE_REQUESTS_MIN)
		group_add(&k->few, &l->s->keepalive_requests, l);
}

void
check_web_keepalive(struct audit *a)
{
	struct keepalive k;
	size_t i;

	memset(&k, 0, sizeof(k));
	each_scope(a, keepalive_scope, &k);
	for (i = 0; i < k.off.n; i++) {
		char *where = places_take(&k.off.v[i].places);

		audit_finding(a, "CF520-KEEPALIVE-OFF", k.off.v[i].v->loc,
			      "%s %s disables keep-alive (in effect for %s): Cloudflare, which "
			      "reuses origin connections for up to %ld s, races the close (520) "
			      "and opens a new connection for every request (522 under load)",
			      k.off.v[i].v->name, k.off.v[i].v->text ? k.off.v[i].v->text : "0",
			      where, a->cf.limit[LIM_IDLE_TIMEOUT]);
		free(where);
	}
	for (i = 0; i < k.few.n; i++) {
		char *where = places_take(&k.few.v[i].places);

		audit_finding(a, "CF520-KEEPALIVE-REQUESTS", k.few.v[i].v->loc,
			      "%s %lld%s (in effect for %s) closes each connection after %lld "
			      "requests: Cloudflare's busy reused connections are closed under "
			      "it (520 when a request races the close; at least %d is safe)",
			      k.few.v[i].v->name, k.few.v[i].v->v,
			      k.few.v[i].v->dflt ? " (default)" : "", where, k.few.v[i].v->v,
			      KEEPALIVE_REQUESTS_MIN);
		free(where);
	}
	group_free(&k.off);
	group_free(&k.few);
}

/* ---- CF524-TIMEOUT-READ ---- */

struct timeouts {
	struct by_setting g;
	long long limit_ms;
};

static void
timeout_scope(struct audit *a, const struct web_location *l, void *arg)
{
	struct timeouts *t = arg;
	const struct web_value *v;

	(void)a;
	if (l->backend == WB_NONE || !vhost_reached(a, l->vhost))
		return;
	v = &l->s->backend_read[l->backend];
	if (v->set && v->v > t->limit_ms)
		group_add(&t->g, v, l);
}

void
check_web_timeout_read(struct audit *a)
{
	struct timeouts t;
	size_t i;

	memset(&t, 0, sizeof(t));
	t.limit_ms = a->cf.limit[LIM_READ_TIMEOUT] * 1000LL;
	each_scope(a, timeout_scope, &t);
	for (i = 0; i < t.g.n; i++) {
		const struct web_value *v = t.g.v[i].v;
		char *where = places_take(&t.g.v[i].places);
		char *secs = seconds_text(v->v);

		audit_finding(a, "CF524-TIMEOUT-READ", v->loc,
			      "%s%s %s lets the backend take longer than Cloudflare's %ld s proxy "
			      "read timeout (in effect for %s): a response slower than %ld s "
			      "reaches nobody (visitors get 524)",
			      v->name, v->dflt ? " (default)" : "", secs,
			      a->cf.limit[LIM_READ_TIMEOUT], where, a->cf.limit[LIM_READ_TIMEOUT]);
		free(secs);
		free(where);
	}
	group_free(&t.g);
}

/* ---- real-IP trust ---- */

/* Whether the header names the visitor address in Cloudflare's requests:
 * CF-Connecting-IP, or X-Forwarded-For (Cloudflare appends the visitor's
 * address as the last entry, the one read without recursion). */
static bool
header_ok(const struct web_text *h)
{
	return h->text && (strcasecmp(h->text, "CF-Connecting-IP") == 0 ||
			   strcasecmp(h->text, "X-Forwarded-For") == 0);
}

/* Whether t trusts any Cloudflare address, current or retired. */
static bool
trust_is_cloudflare(const struct audit *a, const struct web_trust *t)
{
	size_t i;
	int f;

	for (f = 0; f < FAM_COUNT; f++)
		for (i = 0; i < a->cf.all[f].n; i++)
			if (ivset_overlaps(&t->set[f], a->cf.all[f].v[i].lo, a->cf.all[f].v[i].hi))
				return true;
	for (i = 0; i < a->cf.nretired; i++)
		if (ivset_overlaps(&t->set[a->cf.retired[i].cidr.fam], a->cf.retired[i].cidr.lo,
				   a->cf.retired[i].cidr.hi))
			return true;
	return false;
}

static bool
trust_covers_all(const struct audit *a, const struct web_trust *t)
{
	size_t i;
	int f;

	for (f = 0; f < FAM_COUNT; f++)
		for (i = 0; i < a->cf.n[f]; i++)
			if (!ivset_covers(&t->set[f], a->cf.v[f][i].lo, a->cf.v[f][i].hi))
				return false;
	return true;
}

/* The real-IP configuration of a scope makes every Cloudflare request
 * carry the visitor's address. */
static bool
realip_complete(const struct audit *a, const struct web_settings *s)
{
	return s->trust && header_ok(&s->real_ip_header) && trust_covers_all(a, s->trust);
}

struct realip {
	struct seen trusts;
	struct seen headers;
	bool any_cloudflare;
};

static void
realip_missing(struct audit *a, const struct web_trust *t)
{
	struct buf b = {NULL, 0, 0};
	size_t shown = 0;
	size_t missing = 0;
	struct finding *f;
	char text[2 * ADDR_STRLEN + 8];
	size_t i;
	int fam;

	for (fam = 0; fam < FAM_COUNT; fam++)
		for (i = 0; i < a->cf.n[fam]; i++) {
			const struct cidr *c = &a->cf.v[fam][i];

			if (ivset_covers(&t->set[fam], c->lo, c->hi))
				continue;
			if (missing++ < MSG_MAX_RANGES) {
				interval_format((enum family)fam, c->lo, c->hi, text, sizeof(text));
				buf_addf(&b, "%s%s", shown++ ? ", " : "", text);
			}
		}
	if (missing == 0) {
		buf_free(&b);
		return;
	}
	if (missing > MSG_MAX_RANGES)
		buf_addf(&b, " and %zu more", missing - MSG_MAX_RANGES);
	f = audit_finding(a, "CF000-REALIP-MISSING-RANGES", t->loc,
			  "the real-IP trust list (%zu entr%s from here) misses Cloudflare %s: "
			  "requests through %s keep Cloudflare's address as the client address "
			  "(logs, access rules and limits see Cloudflare, not the visitor)",
			  t->n, t->n == 1 ? "y" : "ies", b.p, missing == 1 ? "it" : "them");
	for (fam = 0; fam < FAM_COUNT; fam++)
		for (i = 0; i < a->cf.n[fam]; i++) {
			const struct cidr *c = &a->cf.v[fam][i];

			if (ivset_covers(&t->set[fam], c->lo, c->hi))
				continue;
			interval_format((enum family)fam, c->lo, c->hi, text, sizeof(text));
			finding_add_range(f, text);
		}
	buf_free(&b);
}

static void
realip_retired(struct audit *a, const struct web_trust *t)
{
	size_t i;
	size_t r;

	for (i = 0; i < t->n; i++) {
		const struct web_addr_entry *e = &t->v[i];

		if (e->unix_socket)
			continue;
		for (r = 0; r < a->cf.nretired; r++) {
			const struct retired_range *rr = &a->cf.retired[r];
			struct finding *f;

			if (rr->cidr.fam != e->cidr.fam ||
			    !(e->cidr.lo <= rr->cidr.hi && rr->cidr.lo <= e->cidr.hi) ||
			    ivset_covers(&a->cf.all[e->cidr.fam], e->cidr.lo, e->cidr.hi))
				continue;
			{
				char text[2 * ADDR_STRLEN + 8];

				interval_format(rr->cidr.fam, rr->cidr.lo, rr->cidr.hi, text,
						sizeof(text));
				f = audit_finding(a, "CF000-REALIP-RETIRED-RANGE", e->loc,
						  "the real-IP trust list trusts %s, which overlaps "
						  "%s, retired by Cloudflare (%s%s%s): clients at "
						  "the addresses Cloudflare no longer uses can set their "
						  "own client address with the header",
						  e->text, text, rr->when, *rr->note ? ": " : "",
						  rr->note);
			}
			finding_add_range(f, e->text);
			break;
		}
	}
}

static void
realip_scope(struct audit *a, const struct web_location *l, void *arg)
{
	struct realip *r = arg;
	const struct web_settings *s = l->s;

	if (s->trust == NULL || !vhost_reached(a, l->vhost) || !trust_is_cloudflare(a, s->trust))
		return;
	r->any_cloudflare = true;
	if (!seen_add(&r->trusts, s->trust, 0)) {
		realip_missing(a, s->trust);
		realip_retired(a, s->trust);
	}
	if (!header_ok(&s->real_ip_header) && !seen_loc(&r->headers, s->real_ip_header.loc)) {
		struct buf where = {NULL, 0, 0};
		char *w;

		place_text(&where, l);
		w = buf_take(&where);
		if (s->real_ip_header.dflt)
			audit_finding(a, "CF000-REALIP-HEADER", s->trust->loc,
				      "Cloudflare's addresses are trusted but the header is the "
				      "default %s, which Cloudflare does not send (in effect for %s): "
				      "the client address stays Cloudflare's; set %s CF-Connecting-IP",
				      s->real_ip_header.text, w, s->real_ip_header.name);
		else
			audit_finding(a, "CF000-REALIP-HEADER", s->real_ip_header.loc,
				      "%s %s (in effect for %s) is not a header Cloudflare fills with "
				      "the visitor's address: use CF-Connecting-IP",
				      s->real_ip_header.name, s->real_ip_header.text, w);
		free(w);
	}
}

void
check_web_realip(struct audit *a)
{
	struct realip r;
	size_t i;

	if (!have_web(a))
		return;
	memset(&r, 0, sizeof(r));
	each_scope(a, realip_scope, &r);
	if (!r.any_cloudflare)
		for (i = 0; i < a->origin.web->nserver; i++) {
			const struct web_server *s = a->origin.web->servers[i];

			if (s->nvhost == 0)
				continue;
			audit_finding(a, "CF000-REALIP-NONE", s->loc,
				      "%s does not restore the visitor's address from Cloudflare's "
				      "CF-Connecting-IP header: logs, access rules and limits see "
				      "Cloudflare's addresses",
				      s->software);
		}
	seen_free(&r.trusts);
	seen_free(&r.headers);
}

/* ---- CF503-LIMIT-CLIENT-ADDR ---- */

static void
limit_scope(struct audit *a, const struct web_location *l, void *arg)
{
	struct seen *seen = arg;
	const struct web_limits *ls = l->s->limits;
	size_t i;

	if (ls == NULL || !vhost_reached(a, l->vhost))
		return;
	for (i = 0; i < ls->n; i++) {
		const struct web_limit *m = &ls->v[i];
		struct buf where = {NULL, 0, 0};
		char *w;

		if (!m->key_peer_addr && !(m->key_client_addr && !realip_complete(a, l->s)))
			continue;
		if (seen_loc(seen, m->loc))
			continue;
		place_text(&where, l);
		w = buf_take(&where);
		audit_finding(a, "CF503-LIMIT-CLIENT-ADDR", m->loc,
			      "%s (zone %s, keyed by %s; in effect for %s) counts Cloudflare's "
			      "addresses, not visitors': %s, so everyone behind one Cloudflare "
			      "address shares the limit and the excess gets %lld",
			      m->name, m->zone, m->key, w,
			      m->key_peer_addr ? "that key is the connecting address even with "
						 "real-IP restoration"
					       : "the real-IP configuration there is incomplete",
			      m->status);
		free(w);
	}
}

void
check_web_limits(struct audit *a)
{
	struct seen seen;

	memset(&seen, 0, sizeof(seen));
	each_scope(a, limit_scope, &seen);
	seen_free(&seen);
}

/* ---- CF403-ACCESS-DENY ---- */

static void
intersect(struct ivset *out, const struct ivset *x, const struct ivset *y)
{
	struct ivset tmp;

	ivset_subtract(&tmp, x, y);
	ivset_normalize(&tmp);
	ivset_subtract(out, x, &tmp);
	ivset_normalize(out);
	ivset_free(&tmp);
}

/* The Cloudflare ranges (or parts) inside set, for the message. */
static void
ranges_inside(const struct audit *a, enum family fam, const struct ivset *set, struct buf *b,
	      size_t *count, struct finding *f)
{
	char text[2 * ADDR_STRLEN + 8];
	size_t i;

	for (i = 0; i < a->cf.n[fam]; i++) {
		const struct cidr *c = &a->cf.v[fam][i];

		if (!ivset_overlaps(set, c->lo, c->hi))
			continue;
		interval_format(fam, c->lo, c->hi, text, sizeof(text));
		if (f) {
			finding_add_range(f, text);
			continue;
		}
		if (*count < MSG_MAX_RANGES)
			buf_addf(b, "%s%s%s", *count ? ", " : "",
				 ivset_covers(set, c->lo, c->hi) ? "" : "part of ", text);
		(*count)++;
	}
}

/* The addresses of family f a rule matches, into *out (normalised); false
 * when it matches none of that family. */
static bool
rule_set(const struct web_acl_rule *r, enum family f, struct ivset *out)
{
	if (r->unix_socket || r->other || (!r->all && !r->set && r->cidr.fam != f))
		return false;
	if (r->set) {
		ivset_copy(out, &r->set[f]);
	} else {
		ivset_init(out, f);
		if (r->all)
			ivset_add(out, 0, fam_max(f));
		else
			ivset_add_cidr(out, &r->cidr);
	}
	ivset_normalize(out);
	return true;
}

/* Addresses no internet visitor has: loopback, private, link-local,
 * shared, multicast and reserved space. */
static const char *const non_internet[] = {
	"0.0.0.0/8",   "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3", "::/127",  "fc00::/7",
	"fe80::/10",     "ff00::/8",
};

/* The addresses internet visitors can have: everything but non_internet. */
static void
internet_sets(struct ivset open[FAM_COUNT])
{
	size_t i;
	int f;

	for (f = 0; f < FAM_COUNT; f++) {
		ivset_init(&open[f], (enum family)f);
		ivset_add(&open[f], 0, fam_max((enum family)f));
		ivset_normalize(&open[f]);
	}
	for (i = 0; i < ARRAY_LEN(non_internet); i++) {
		struct cidr c;
		struct ivset rest;
		struct ivset left;

		if (!cidr_parse(non_internet[i], &c))
			continue;
		ivset_init(&rest, c.fam);
		ivset_add_cidr(&rest, &c);
		ivset_normalize(&rest);
		ivset_subtract(&left, &open[c.fam], &rest);
		ivset_normalize(&left);
		ivset_free(&open[c.fam]);
		open[c.fam] = left;
		ivset_free(&rest);
	}
}

/* Whether the list lets some internet client in: an allow (or the end of
 * the list) that some public address reaches, or a rule admitting clients
 * by name. A list that lets in nobody from the internet (nginx "deny all"
 * alone, Apache "Require all denied" on files nobody may fetch, "Require
 * local" on a status page) refuses visitors with or without Cloudflare:
 * not Cloudflare's doing, and not reported. internet: internet_sets. */
static bool
acl_admits_someone(const struct web_acl *acl, const struct ivset internet[FAM_COUNT])
{
	struct ivset open[FAM_COUNT];
	bool any = false;
	size_t i;
	int f;

	for (f = 0; f < FAM_COUNT; f++)
		ivset_copy(&open[f], &internet[f]);
	for (i = 0; i < acl->n && !any; i++) {
		const struct web_acl_rule *r = &acl->v[i];

		if (r->allow && (r->other || r->unix_socket)) {
			any = true;
			break;
		}
		for (f = 0; f < FAM_COUNT; f++) {
			struct ivset rule;
			struct ivset rest;

			if (!rule_set(r, (enum family)f, &rule))
				continue;
			if (r->allow) {
				struct ivset inside;

				/* some of the rule's addresses are still open */
				intersect(&inside, &rule, &open[f]);
				any |= inside.n > 0;
				ivset_free(&inside);
			}
			ivset_subtract(&rest, &open[f], &rule);
			ivset_normalize(&rest);
			ivset_free(&open[f]);
			open[f] = rest;
			ivset_free(&rule);
		}
	}
	for (f = 0; f < FAM_COUNT; f++) {
		any |= open[f].n > 0;
		ivset_free(&open[f]);
	}
	return any;
}

/* Walk the rules in order, first match wins, over the addresses the rules
 * see as Cloudflare's (its own address where real-IP restoration does not
 * replace it); each deny that catches some of them is reported once. */

/* Access lists by what decides whether they refuse Cloudflare (acl_key),
 * the bytes in full (no hash alone: two lists with one key must be the
 * same). */
struct acl_keys {
	size_t n;
	size_t cap;
	struct acl_key {
		unsigned char *bytes;
		size_t len;
		uint64_t hash;
	} *v;
};

#define ACL_KEY_MAX 4096

static uint64_t
key_hash(const unsigned char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* The slot of the key, or the empty one where it goes. */
static struct acl_key *
keys_slot(const struct acl_keys *k, const unsigned char *p, size_t len, uint64_t h)
{
	size_t i;

	for (i = h & (k->cap - 1); k->v[i].bytes; i = (i + 1) & (k->cap - 1))
		if (k->v[i].hash == h && k->v[i].len == len && memcmp(k->v[i].bytes, p, len) == 0)
			break;
	return &k->v[i];
}

static bool
keys_has(const struct acl_keys *k, const unsigned char *p, size_t len)
{
	return k->cap > 0 && keys_slot(k, p, len, key_hash(p, len))->bytes != NULL;
}

static void
keys_add(struct acl_keys *k, const unsigned char *p, size_t len)
{
	uint64_t h = key_hash(p, len);
	struct acl_key *slot;
	size_t i;

	if ((k->n + 1) * 2 > k->cap) {
		struct acl_keys old = *k;

		k->cap = old.cap ? 2 * old.cap : 64;
		k->v = xcalloc(k->cap, sizeof(*k->v));
		for (i = 0; i < old.cap; i++)
			if (old.v[i].bytes)
				*keys_slot(k, old.v[i].bytes, old.v[i].len, old.v[i].hash) = old.v[i];
		free(old.v);
	}
	slot = keys_slot(k, p, len, h);
	if (slot->bytes)
		return;
	slot->bytes = xmalloc(len ? len : 1);
	memcpy(slot->bytes, p, len);
	slot->len = len;
	slot->hash = h;
	k->n++;
}

static void
keys_free(struct acl_keys *k)
{
	size_t i;

	for (i = 0; i < k->cap; i++)
		free(k->v[i].bytes);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static bool
key_put(unsigned char *key, size_t *len, const void *p, size_t n)
{
	if (n > ACL_KEY_MAX - *len)
		return false;
	memcpy(key + *len, p, n);
	*len += n;
	return true;
}

/* What decides whether a list refuses Cloudflare: each rule's kind and
 * addresses, whether the real-IP module restores the client's address and
 * from which trusted proxies (by identity). false: too big to keep. */
static bool
acl_key(const struct web_acl *acl, bool restored, const struct web_trust *trust,
	unsigned char key[ACL_KEY_MAX], size_t *len)
{
	const void *t = restored ? (const void *)trust : NULL;
	bool ok;
	size_t i;
	size_t j;
	int f;

	*len = 0;
	ok = key_put(key, len, &restored, sizeof(restored)) && key_put(key, len, &t, sizeof(t));
	for (i = 0; ok && i < acl->n; i++) {
		const struct web_acl_rule *r = &acl->v[i];
		unsigned char kind[5] = {r->allow, r->all, r->unix_socket, r->other, r->set != NULL};

		ok = key_put(key, len, kind, sizeof(kind));
		if (!ok || r->all)
			continue;
		if (r->set == NULL) {
			int fam = (int)r->cidr.fam;

			ok = key_put(key, len, &fam, sizeof(fam)) &&
			     key_put(key, len, &r->cidr.lo, sizeof(r->cidr.lo)) &&
			     key_put(key, len, &r->cidr.hi, sizeof(r->cidr.hi));
			continue;
		}
		for (f = 0; ok && f < FAM_COUNT; f++) {
			ok = key_put(key, len, &r->set[f].n, sizeof(r->set[f].n));
			for (j = 0; ok && j < r->set[f].n; j++)
				ok = key_put(key, len, &r->set[f].v[j].lo, sizeof(u128)) &&
				     key_put(key, len, &r->set[f].v[j].hi, sizeof(u128));
		}
	}
	return ok;
}

struct access {
	struct seen seen;
	struct ivset internet[FAM_COUNT];
	/* access lists (acl_key) that refuse none of Cloudflare's addresses:
	 * a scope with the same rules again (a WordPress .htaccess repeated on
	 * every site) is not worked out again */
	struct acl_keys quiet;
};

static void
access_scope(struct audit *a, const struct web_location *l, void *arg)
{
	struct access *ac = arg;
	struct seen *seen = &ac->seen;
	const struct web_acl *acl = l->acl;
	bool restored = l->s->trust && header_ok(&l->s->real_ip_header);
	struct ivset open[FAM_COUNT];
	bool refuses = false;
	unsigned char key[ACL_KEY_MAX];
	size_t len;
	bool keyed;
	size_t i;
	int f;

	if (acl == NULL || !vhost_reached(a, l->vhost))
		return;
	keyed = acl_key(acl, restored, l->s->trust, key, &len);
	if (keyed && keys_has(&ac->quiet, key, len))
		return;
	if (!acl_admits_someone(acl, ac->internet)) {
		if (keyed)
			keys_add(&ac->quiet, key, len);
		return;
	}
	for (f = 0; f < FAM_COUNT; f++) {
		if (restored) {
			ivset_subtract(&open[f], &a->cf.all[f], &l->s->trust->set[f]);
			ivset_normalize(&open[f]);
		} else {
			ivset_copy(&open[f], &a->cf.all[f]);
		}
	}
	for (i = 0; i < acl->n; i++) {
		const struct web_acl_rule *r = &acl->v[i];
		struct ivset denied[FAM_COUNT];
		bool any = false;

		for (f = 0; f < FAM_COUNT; f++) {
			struct ivset rule;
			struct ivset rest;

			ivset_init(&denied[f], (enum family)f);
			if (!rule_set(r, (enum family)f, &rule))
				continue;
			if (!r->allow) {
				ivset_free(&denied[f]);
				intersect(&denied[f], &open[f], &rule);
				any |= denied[f].n > 0;
				refuses |= denied[f].n > 0;
			}
			ivset_subtract(&rest, &open[f], &rule);
			ivset_normalize(&rest);
			ivset_free(&open[f]);
			open[f] = rest;
			ivset_free(&rule);
		}
		if (any && !seen_loc(seen, r->loc)) {
			struct buf b = {NULL, 0, 0};
			struct buf where = {NULL, 0, 0};
			size_t count = 0;
			struct finding *fd;
			char *w;

			for (f = 0; f < FAM_COUNT; f++)
				ranges_inside(a, (enum family)f, &denied[f], &b, &count, NULL);
			if (count > MSG_MAX_RANGES)
				buf_addf(&b, " and %zu more", count - MSG_MAX_RANGES);
			place_text(&where, l);
			w = buf_take(&where);
			fd = audit_finding(a, "CF403-ACCESS-DENY", r->loc,
					   "%s%s (in effect for %s) refuses Cloudflare %s: the rule "
					   "sees Cloudflare's address%s, so visitors get 403",
					   r->what ? "" : "deny ", r->what ? r->what : r->text, w, b.p,
					   l->s->trust ? " where real-IP restoration does not replace it"
						      : " (no real-IP restoration)");
			for (f = 0; f < FAM_COUNT; f++)
				ranges_inside(a, (enum family)f, &denied[f], NULL, NULL, fd);
			free(w);
			buf_free(&b);
		}
		for (f = 0; f < FAM_COUNT; f++)
			ivset_free(&denied[f]);
	}
	for (f = 0; f < FAM_COUNT; f++)
		ivset_free(&open[f]);
	if (keyed && !refuses)
		keys_add(&ac->quiet, key, len);
}

void
check_web_access(struct audit *a)
{
	struct access ac;
	int f;

	memset(&ac, 0, sizeof(ac));
	internet_sets(ac.internet);
	each_scope(a, access_scope, &ac);
	seen_free(&ac.seen);
	keys_free(&ac.quiet);
	for (f = 0; f < FAM_COUNT; f++)
		ivset_free(&ac.internet[f]);
}

/* ---- CF000-TIMEOUT-BODY ---- */

struct body_timeouts {
	struct by_setting g;
	long long limit_ms;
};

static void
body_scope(struct audit *a, const struct web_location *l, void *arg)
{
	struct body_timeouts *t = arg;
	const struct web_value *v = &l->s->client_body_timeout;

	(void)a;
	if (l->kind != WS_SERVER || !vhost_reached(a, l->vhost))
		return;
	/* a default is the software's, not a choice to report */
	if (v->set && !v->dflt && v->v < t->limit_ms)
		group_add(&t->g, v, l);
}

void
check_web_body_timeout(struct audit *a)
{
	struct body_timeouts t;
	size_t i;

	memset(&t, 0, sizeof(t));
	t.limit_ms = a->cf.limit[LIM_WRITE_TIMEOUT] * 1000LL;
	each_scope(a, body_scope, &t);
	for (i = 0; i < t.g.n; i++) {
		const struct web_value *v = t.g.v[i].v;
		char *where = places_take(&t.g.v[i].places);
		char *secs = seconds_text(v->v);

		audit_finding(a, "CF000-TIMEOUT-BODY", v->loc,
			      "%s %s%s (in effect for %s) gives up on a request body after %s without "
			      "data, sooner than Cloudflare's %ld s proxy write timeout: uploads "
			      "Cloudflare relays from slow or stalling visitors are cut off (408)",
			      v->name, v->text ? v->text : secs, v->dflt ? " (default)" : "", where,
			      secs, a->cf.limit[LIM_WRITE_TIMEOUT]);
		free(secs);
		free(where);
	}
	group_free(&t.g);
}

/* Rows whose findings another row's function makes (one walk per family). */
void
check_web_none(struct audit *a)
{
	(void)a;
}
