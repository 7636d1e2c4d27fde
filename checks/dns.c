/* The DNS checks: what the proxied records of --dns tell about reaching
 * this origin, record by record and name by name (through the per-hostname
 * verdicts of audit/hosts.c). DNS-only records never reach Cloudflare's
 * proxy and are not checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "hosts.h"
#include "util.h"

static bool
proxied(const struct dns_record *r)
{
	return r->proxy != DNS_DNS_ONLY;
}

static bool
address_record(const struct dns_record *r)
{
	return r->type == DNS_A || r->type == DNS_AAAA;
}

static const char *
type_name(const struct dns_record *r)
{
	return r->type == DNS_A ? "A" : r->type == DNS_AAAA ? "AAAA" : "CNAME";
}

/* A finding at record r: fmt takes the name, the type, the address (text)
 * and, when it has a fourth %s, what. */
static struct finding *
record_finding(struct audit *a, const char *id, const struct dns_record *r, const char *fmt,
	       const char *text, const char *what)
{
	struct finding *f = audit_finding(a, id, r->loc, fmt, r->name, type_name(r), text, what);

	finding_set_host(f, r->name);
	f->fam = r->fam;
	f->has_fam = true;
	return f;
}

/* ---- CF523-DNS-PRIVATE-ADDR, CF403-DNS-CLOUDFLARE-ADDR, CF522-DNS-ELSEWHERE ---- */

static void
record_address(struct audit *a, const struct dns_record *r, bool unknown_said[FAM_COUNT])
{
	char text[ADDR_STRLEN];
	const char *what;
	bool known;

	addr_format(r->fam, r->addr, text, sizeof(text));
	if ((what = addr_special(r->fam, r->addr)) != NULL) {
		record_finding(a, "CF523-DNS-PRIVATE-ADDR", r,
			       "proxied %s %s %s is %s, which Cloudflare can never reach "
			       "(visitors get 523)",
			       text, what);
	} else if (addr_is_cloudflare(a, r->fam, r->addr)) {
		record_finding(a, "CF403-DNS-CLOUDFLARE-ADDR", r,
			       "proxied %s %s %s is one of Cloudflare's own addresses: Cloudflare "
			       "refuses to loop to itself (visitors get error 1000, a 403)",
			       text, NULL);
	} else if (!origin_has_addr(a, r->fam, r->addr, &known) && known) {
		record_finding(a, "CF522-DNS-ELSEWHERE", r,
			       "proxied %s %s %s is not one of this origin's addresses: Cloudflare "
			       "connects to another host (visitors get 522 or 521 unless it serves "
			       "the site)",
			       text, NULL);
	} else if (!known && !unknown_said[r->fam]) {
		unknown_said[r->fam] = true;
		record_finding(a, "CF000-DNS-ORIGIN-UNKNOWN", r,
			       "proxied %s %s %s: this origin's %s addresses are not known, so "
			       "whether the records point here is not checked (give --host-addr)",
			       text, r->fam == FAM_V4 ? "IPv4" : "IPv6");
	}
}

static void
records(struct audit *a)
{
	bool unknown_said[FAM_COUNT] = {false, false};
	size_t i;

	for (i = 0; i < a->origin.ndns; i++) {
		const struct dns_record *r = &a->origin.dns[i];

		if (proxied(r) && address_record(r))
			record_address(a, r, unknown_said);
	}
}

/* ---- CF000-DNS-PROXY-UNKNOWN ---- */

/* An export without cf_tags (the older style) does not say which records
 * are proxied: they are all taken as proxied, once said per file. */
static void
proxy_unknown(struct audit *a)
{
	const char *said = NULL;
	size_t i;

	for (i = 0; i < a->origin.ndns; i++) {
		const struct dns_record *r = &a->origin.dns[i];

		if (r->proxy != DNS_PROXY_UNKNOWN || r->loc.file == said)
			continue;
		said = r->loc.file;
		finding_set_host(audit_finding(a, "CF000-DNS-PROXY-UNKNOWN", r->loc,
					       "%s %s: the file does not say whether its records are "
					       "proxied (no cf_tags): every A, AAAA and CNAME record is "
					       "checked as proxied",
					       r->name, type_name(r)),
				 r->name);
	}
}

/* ---- per name: CNAME chains, IPv6 ---- */

/* The first view of each name (the schemes share the records stage). */
static bool
first_of_name(const struct host_table *t, size_t i)
{
	return i == 0 || strcmp(t->v[i - 1].name, t->v[i].name) != 0;
}

static void
cname_chain(struct audit *a, const struct host_view *h)
{
	struct finding *f = NULL;

	switch (h->res) {
	case RES_EXTERNAL:
		f = audit_finding(a, "CF000-DNS-CNAME-EXTERNAL", h->rec->loc,
				  "proxied %s leads to %s, outside the zones read: where Cloudflare "
				  "connects is not checked",
				  h->name, h->last);
		break;
	case RES_DANGLING:
		f = audit_finding(a, "CF530-DNS-UNRESOLVED", h->rec->loc,
				  "proxied %s leads to %s, which has no A or AAAA record in the "
				  "zone: Cloudflare cannot resolve the origin (visitors get error "
				  "1016, a 530)",
				  h->name, h->last);
		break;
	case RES_LOOP:
		f = audit_finding(a, "CF530-DNS-UNRESOLVED", h->rec->loc,
				  "proxied %s: its CNAME chain loops at %s (or is longer than %d): "
				  "Cloudflare cannot resolve the origin (visitors get error 1016, a 530)",
				  h->name, h->last, CNAME_MAX_HOPS);
		break;
	case RES_OK:
		break;
	}
	if (f)
		finding_set_host(f, h->name);
}

/* Why IPv6 fails, from a view that stopped at the firewall or listener. */
static bool
v6_fails(int status, enum host_stage stage)
{
	return (stage == HSTAGE_FIREWALL || stage == HSTAGE_LISTENER) &&
	       (status == 521 || status == 522);
}

static void
ipv6(struct audit *a, const struct host_view *h)
{
	struct finding *f;

	if (h->res != RES_OK)
		return;
	if (!h->has_v4 && h->has_v6 && v6_fails(h->status, h->stage)) {
		f = audit_finding(a, h->status == 521 ? "CF521-DNS-AAAA-REFUSED" : "CF522-DNS-AAAA-DROPPED",
				  h->loc.file ? h->loc : h->end->loc,
				  "proxied %s has only AAAA records, so Cloudflare connects over IPv6 "
				  "(%s port %u), and %s (visitors get %d)",
				  h->name, host_scheme_name(h->scheme), h->port, h->why, h->status);
		finding_set_host(f, h->name);
		f->fam = FAM_V6;
		f->has_fam = true;
		finding_add_port(f, h->port);
	} else if (h->has_v4 && h->has_v6 && v6_fails(h->v6_status, h->v6_stage)) {
		f = audit_finding(a, "CF000-DNS-IPV6-LATENT", h->v6_loc.file ? h->v6_loc : h->rec->loc,
				  "proxied %s has A and AAAA records; Cloudflare uses IPv4, but over "
				  "IPv6 (%s port %u) %s: removing the A records, or a Cloudflare "
				  "change, would give visitors %d",
				  h->name, host_scheme_name(h->scheme), h->port, h->v6_why,
				  h->v6_status);
		finding_set_host(f, h->name);
		f->fam = FAM_V6;
		f->has_fam = true;
		finding_add_port(f, h->port);
	}
}

/* The plain listeners already reported (by the web checks or for an
 * earlier name): few, however many names reach them. */
struct plain_seen {
	bool loaded; /* the web checks' findings are in */
	size_t n;
	size_t cap;
	struct loc *v;
};

static bool
plain_reported(struct plain_seen *s, const struct audit *a, struct loc loc)
{
	size_t i;

	if (!s->loaded) {
		for (i = 0; i < a->nfinding; i++)
			if (strcmp(a->findings[i].check->id, "CF525-LISTEN-PLAIN") == 0)
				VEC_PUSH(s->v, s->n, s->cap, a->findings[i].loc);
		s->loaded = true;
	}
	for (i = 0; i < s->n; i++)
		if (s->v[i].file == loc.file && s->v[i].line == loc.line)
			return true;
	VEC_PUSH(s->v, s->n, s->cap, loc);
	return false;
}

/* The listener checks look at ports; the records say which address a name
 * reaches: a plain listener on that one address, or none at all there. */
static void
listener(struct audit *a, const struct host_view *h, struct plain_seen *seen)
{
	struct finding *f = NULL;
	char text[ADDR_STRLEN];

	/* a PROXY protocol listener is reported by the listener checks */
	if (h->stage != HSTAGE_LISTENER || h->fam != FAM_V4 || h->status <= 0 ||
	    (h->listen && h->listen->proxy_protocol))
		return;
	addr_format(h->fam, h->addr, text, sizeof(text));
	if (h->status == 525 && !plain_reported(seen, a, h->loc))
		f = audit_finding(a, "CF525-LISTEN-PLAIN", h->loc,
				  "proxied %s reaches %s port %u, which this listener serves without "
				  "TLS: Cloudflare's TLS handshake fails (visitors get 525)",
				  h->name, text, h->served_port);
	else if (h->status == 521 && h->loc.file == NULL)
		f = audit_finding(a, "CF521-LISTEN-NONE", h->end->loc,
				  "proxied %s reaches %s port %u, where no web server listens "
				  "(visitors get 521)",
				  h->name, text, h->served_port);
	if (f == NULL)
		return;
	finding_set_host(f, h->name);
	f->fam = h->fam;
	f->has_fam = true;
	finding_add_port(f, h->served_port);
}

static void
names(struct audit *a)
{
	const struct host_table *t = a->hosts;
	struct plain_seen seen = {false, 0, 0, NULL};
	size_t i;

	for (i = 0; t && i < t->n; i++) {
		if (first_of_name(t, i))
			cname_chain(a, &t->v[i]);
		ipv6(a, &t->v[i]);
		listener(a, &t->v[i], &seen);
	}
	free(seen.v);
}

void
check_dns(struct audit *a)
{
	if (!hosts_wanted(a))
		return;
	records(a);
	proxy_unknown(a);
	names(a);
}
