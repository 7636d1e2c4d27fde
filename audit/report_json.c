/* JSON output (DESIGN.md), streamed with the writer of jsonw.h: jansson's
 * bytes, always valid (any byte sequence from a hostile config is escaped;
 * invalid UTF-8 is replaced), without building the whole report first. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "hosts.h"
#include "jsonout.h"
#include "jsonw.h"
#include "report.h"
#include "suppress.h"
#include "tls_eval.h"
#include "util.h"

static void
write_addr(struct jw *w, enum family fam, u128 a)
{
	char buf[ADDR_STRLEN];

	addr_format(fam, a, buf, sizeof(buf));
	jw_text(w, buf);
}

static void
write_file(struct jw *w, struct loc loc)
{
	jw_key_text(w, "file", loc.file);
}

/* "line": the number, or null for 0 (no line). */
static void
write_line(struct jw *w, unsigned line)
{
	jw_key(w, "line");
	if (line)
		jw_int(w, line);
	else
		jw_null(w);
}

static void
write_tool(struct jw *w)
{
	jw_object(w);
	jw_key_text(w, "name", "cfaudit");
	jw_key_text(w, "version", CFAUDIT_VERSION);
	jw_end(w);
}

static void
write_ranges(struct jw *w, const struct audit *a)
{
	jw_object(w);
	jw_key_text(w, "source", a->cf.source);
	jw_key_text(w, "date", *a->cf.date ? a->cf.date : NULL);
	jw_key_int(w, "ipv4", (long long)a->cf.n[FAM_V4]);
	jw_key_int(w, "ipv6", (long long)a->cf.n[FAM_V6]);
	jw_end(w);
}

static void
write_settings(struct jw *w, const struct audit *a)
{
	size_t i;

	jw_object(w);
	jw_key_text(w, "ssl_mode", ssl_mode_name(a->opt.ssl_mode));
	jw_key_text(w, "at", a->opt.at_text);
	jw_key(w, "limits");
	jw_object(w);
	for (i = 0; i < LIM_COUNT; i++)
		jw_key_int(w, limit_name((enum limit_id)i), a->cf.limit[i]);
	jw_end(w);
	jw_key(w, "ports");
	jw_array(w);
	for (i = 0; i < a->opt.nport; i++)
		jw_int(w, a->opt.ports[i]);
	jw_end(w);
	jw_key_text(w, "public_iface", a->opt.public_iface);
	jw_key_text(w, "fail_on", severity_name(a->opt.fail_on));
	/* what changes which findings count (--severity, --baseline) */
	jw_key(w, "severity");
	jw_object(w);
	for (i = 0; i < a->opt.nsev; i++)
		jw_key_text(w, a->opt.sevs[i].check->id, severity_name(a->opt.sevs[i].sev));
	jw_end(w);
	jw_key_text(w, "baseline", a->opt.baseline);
	jw_end(w);
}

/* The input errors in the order read, grouped by file: idx lists the
 * diagnostics' indexes sorted by file, then by index (qsort is not stable,
 * so the index is the second key). */
static const struct diag *diag_base;

static int
by_file_then_index(const void *x, const void *y)
{
	size_t i = *(const size_t *)x;
	size_t j = *(const size_t *)y;
	uintptr_t fi = (uintptr_t)diag_base[i].loc.file;
	uintptr_t fj = (uintptr_t)diag_base[j].loc.file;

	if (fi != fj)
		return fi < fj ? -1 : 1;
	return i < j ? -1 : i > j;
}

static size_t *
diags_by_file(const struct origin *o)
{
	size_t *idx = xreallocarray(NULL, o->ndiag ? o->ndiag : 1, sizeof(*idx));
	size_t i;

	for (i = 0; i < o->ndiag; i++)
		idx[i] = i;
	diag_base = o->diags;
	qsort(idx, o->ndiag, sizeof(*idx), by_file_then_index);
	return idx;
}

/* The first position in idx whose diagnostic is about file. */
static size_t
first_of_file(const struct origin *o, const size_t *idx, const char *file)
{
	size_t lo = 0;
	size_t hi = o->ndiag;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)o->diags[idx[mid]].loc.file < (uintptr_t)file)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
write_inputs(struct jw *w, const struct audit *a)
{
	const struct origin *o = &a->origin;
	size_t *idx = diags_by_file(o);
	size_t i;
	size_t k;

	jw_array(w);
	for (i = 0; i < o->ninput; i++) {
		const struct input *in = o->inputs[i];

		jw_object(w);
		jw_key_text(w, "kind", input_kind_name(in->kind));
		jw_key_text(w, "file", in->file);
		jw_key_text(w, "status", input_status_name(in->status));
		jw_key(w, "errors");
		jw_array(w);
		for (k = first_of_file(o, idx, in->file);
		     k < o->ndiag && o->diags[idx[k]].loc.file == in->file; k++) {
			const struct diag *d = &o->diags[idx[k]];

			jw_object(w);
			jw_key_int(w, "line", (long long)d->loc.line);
			jw_key_text(w, "message", d->msg);
			jw_end(w);
		}
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
	free(idx);
}

static void
write_finding(struct jw *w, const struct finding *f)
{
	size_t i;

	jw_object(w);
	jw_key_text(w, "id", f->check->id);
	jw_key(w, "code");
	if (f->check->code)
		jw_int(w, f->check->code);
	else
		jw_null(w);
	jw_key_text(w, "severity", severity_name(f->sev));
	write_file(w, f->loc);
	write_line(w, f->loc.line);
	jw_key_text(w, "message", f->message);
	jw_key_text(w, "title", f->check->title);
	jw_key_text(w, "host", f->host);
	jw_key(w, "port");
	if (f->port)
		jw_int(w, f->port);
	else
		jw_null(w);
	jw_key_text(w, "family", f->has_fam ? fam_name(f->fam) : NULL);
	jw_key(w, "ranges");
	jw_array(w);
	for (i = 0; i < f->nrange; i++)
		jw_text(w, f->ranges[i]);
	jw_end(w);
	jw_key(w, "ports");
	jw_array(w);
	for (i = 0; i < f->nport; i++)
		jw_int(w, f->ports[i]);
	jw_end(w);
	jw_key(w, "suppressed");
	jw_bool(w, f->suppressed != NULL);
	if (f->suppressed) {
		jw_key(w, "suppression");
		jw_object(w);
		write_file(w, f->suppressed->loc);
		jw_key_int(w, "line", (long long)f->suppressed->loc.line);
		jw_key_text(w, "reason", f->suppressed->reason);
		jw_key_text(w, "until",
			    f->suppressed->has_until ? f->suppressed->until_text : NULL);
		jw_end(w);
	}
	jw_key(w, "baselined");
	jw_bool(w, f->baselined);
	jw_key_text(w, "fingerprint", f->fingerprint);
	jw_end(w);
}

/* Every inline suppression read, with how many findings it hid: an
 * exception nobody needs any more shows as used 0. */
static void
write_suppressions(struct jw *w, const struct audit *a)
{
	size_t i;

	jw_array(w);
	for (i = 0; i < a->origin.nsupp; i++) {
		const struct suppression *s = &a->origin.supps[i];

		jw_object(w);
		jw_key_text(w, "id", s->id);
		write_file(w, s->loc);
		jw_key_int(w, "line", (long long)s->loc.line);
		jw_key_text(w, "reason", s->reason);
		jw_key_text(w, "until", s->has_until ? s->until_text : NULL);
		jw_key(w, "expired");
		jw_bool(w, suppression_expired(s, a->opt.at));
		jw_key_int(w, "used", (long long)s->used);
		jw_end(w);
	}
	jw_end(w);
}

static const char *
stage_name(enum probe_stage s)
{
	switch (s) {
	case STAGE_SYN:
		return "syn";
	case STAGE_REPLY:
		return "reply";
	case STAGE_ND:
		return "nd";
	}
	abort();
}

static void
write_reach(struct jw *w, const struct audit *a, const struct reach *r)
{
	const struct cidr *c = &a->cf.v[r->fam][r->range];
	char range[2 * ADDR_STRLEN + 8];
	unsigned i;

	interval_format(r->fam, c->lo, c->hi, range, sizeof(range));
	jw_object(w);
	jw_key_text(w, "family", fam_name(r->fam));
	jw_key_text(w, "range", range);
	jw_key(w, "first");
	write_addr(w, r->fam, r->first);
	jw_key(w, "last");
	write_addr(w, r->fam, r->last);
	jw_key(w, "address");
	if (r->has_dst)
		write_addr(w, r->fam, r->dst);
	else
		jw_null(w);
	jw_key_int(w, "port", r->port);
	jw_key_text(w, "verdict", verdict_name(r->v.kind));
	jw_key_text(w, "stage", stage_name(r->v.stage));
	write_file(w, r->v.loc);
	write_line(w, r->v.loc.line);
	jw_key(w, "path");
	jw_array(w);
	for (i = 0; i < r->v.npath; i++)
		jw_text(w, r->v.path[i]->name);
	jw_end(w);
	jw_key_text(w, "why", r->v.why);
	if (r->v.forwarded) {
		jw_key(w, "forwarded");
		jw_bool(w, true);
	}
	jw_end(w);
}

/* {"file", "line"}, or null without a file. */
static void
write_loc(struct jw *w, struct loc loc)
{
	if (loc.file == NULL) {
		jw_null(w);
		return;
	}
	jw_object(w);
	write_file(w, loc);
	write_line(w, loc.line);
	jw_end(w);
}

/* "OK", "UNKNOWN" or the HTTP status as a number. */
static void
write_status(struct jw *w, int status)
{
	if (status == HOST_OK)
		jw_text(w, "OK");
	else if (status == HOST_UNKNOWN)
		jw_text(w, "UNKNOWN");
	else
		jw_int(w, status);
}

/* The certificate presented to Cloudflare for the host, when a TLS
 * handshake was evaluated. */
static void
write_presented(struct jw *w, const struct host_view *h)
{
	const struct tls_outcome *o = h->tls_out;

	if (o == NULL || o->presented < 0)
		jw_null(w);
	else
		write_loc(w, o->uses[o->presented]->cert->loc);
}

static void
write_host(struct jw *w, const struct host_view *h)
{
	size_t i;

	jw_object(w);
	jw_key_text(w, "name", h->name);
	jw_key_text(w, "scheme", host_scheme_name(h->scheme));
	jw_key_text(w, "family", h->res == RES_OK ? fam_name(h->fam) : NULL);
	jw_key(w, "address");
	if (h->end)
		write_addr(w, h->fam, h->addr);
	else
		jw_null(w);
	jw_key_int(w, "port", h->port);
	jw_key(w, "record");
	write_loc(w, h->rec->loc);
	jw_key(w, "vhost");
	if (h->vhost)
		write_loc(w, h->vhost->loc);
	else
		jw_null(w);
	jw_key(w, "certificate");
	write_presented(w, h);
	jw_key(w, "status");
	write_status(w, h->status);
	jw_key_text(w, "stage", host_stage_name(h->stage));
	jw_key_text(w, "why", h->why);
	write_file(w, h->loc);
	write_line(w, h->loc.line);
	jw_key(w, "findings");
	jw_array(w);
	for (i = 0; i < h->nfinding; i++)
		jw_text(w, h->findings[i]);
	jw_end(w);
	if (h->v6_why) {
		jw_key(w, "ipv6");
		jw_object(w);
		jw_key(w, "status");
		write_status(w, h->v6_status);
		jw_key_text(w, "why", h->v6_why);
		jw_end(w);
	}
	jw_end(w);
}

static void
write_record(struct jw *w, const struct dns_record *r)
{
	static const char *const types[] = {"A", "AAAA", "CNAME"};

	jw_object(w);
	jw_key_text(w, "name", r->name);
	jw_key_text(w, "type", types[r->type]);
	jw_key(w, "value");
	if (r->type == DNS_CNAME)
		jw_text(w, r->target);
	else
		write_addr(w, r->fam, r->addr);
	jw_key(w, "proxied");
	if (r->proxy == DNS_PROXY_UNKNOWN)
		jw_null(w);
	else
		jw_bool(w, r->proxy == DNS_PROXIED);
	write_file(w, r->loc);
	jw_key_int(w, "line", (long long)r->loc.line);
	jw_end(w);
}

/* The A, AAAA and CNAME records read (--dns), in file order; proxied null
 * when the file does not say. */
static void
write_records(struct jw *w, const struct audit *a)
{
	size_t i;

	jw_array(w);
	for (i = 0; i < a->origin.ndns; i++)
		write_record(w, &a->origin.dns[i]);
	jw_end(w);
}

/* One entry per proxied hostname and scheme (--dns; empty without). */
void
write_hosts(struct jw *w, const struct audit *a)
{
	size_t i;

	jw_array(w);
	for (i = 0; a->hosts && i < a->hosts->n; i++)
		write_host(w, &a->hosts->v[i]);
	jw_end(w);
}

bool
report_json(FILE *out, const struct audit *a)
{
	struct jw *w = jw_new(out, 2);
	size_t i;

	jw_object(w);
	jw_key(w, "tool");
	write_tool(w);
	jw_key(w, "ranges");
	write_ranges(w, a);
	jw_key(w, "settings");
	write_settings(w, a);
	jw_key(w, "inputs");
	write_inputs(w, a);
	jw_key(w, "findings");
	jw_array(w);
	for (i = 0; i < a->nfinding; i++)
		write_finding(w, &a->findings[i]);
	jw_end(w);
	jw_key(w, "reachability");
	jw_array(w);
	for (i = 0; i < a->reach.n; i++)
		write_reach(w, a, &a->reach.v[i]);
	jw_end(w);
	jw_key(w, "hosts");
	write_hosts(w, a);
	jw_key(w, "dns");
	write_records(w, a);
	jw_key(w, "suppressions");
	write_suppressions(w, a);
	jw_key(w, "summary");
	jw_json(w, json_summary(a));
	jw_end(w);
	return jw_finish(w);
}
