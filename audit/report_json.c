/* JSON output (DESIGN.md), written with jansson so it is always valid: any
 * byte sequence from a hostile config is escaped by the library (invalid
 * UTF-8 is first replaced, since jansson refuses it). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "hosts.h"
#include "jsonout.h"
#include "report.h"
#include "suppress.h"
#include "tls_eval.h"
#include "util.h"

static json_t *
jaddr(enum family fam, u128 a)
{
	char buf[ADDR_STRLEN];

	addr_format(fam, a, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_file(struct loc loc)
{
	return loc.file ? json_text(loc.file) : json_null();
}

static json_t *
json_tool(void)
{
	return json_pack("{s:s, s:s}", "name", "cfaudit", "version", CFAUDIT_VERSION);
}

static json_t *
json_ranges(const struct audit *a)
{
	return json_pack("{s:o, s:o, s:I, s:I}", "source", json_text(a->cf.source), "date",
			 *a->cf.date ? json_text(a->cf.date) : json_null(), "ipv4",
			 (json_int_t)a->cf.n[FAM_V4], "ipv6", (json_int_t)a->cf.n[FAM_V6]);
}

static json_t *
json_settings(const struct audit *a)
{
	json_t *limits = json_object();
	json_t *ports = json_array();
	json_t *sevs = json_object();
	json_t *o;
	size_t i;

	for (i = 0; i < LIM_COUNT; i++)
		json_object_set_new(limits, limit_name((enum limit_id)i),
				    json_integer(a->cf.limit[i]));
	for (i = 0; i < a->opt.nport; i++)
		json_array_append_new(ports, json_integer(a->opt.ports[i]));
	for (i = 0; i < a->opt.nsev; i++)
		json_object_set_new(sevs, a->opt.sevs[i].check->id,
				    json_string(severity_name(a->opt.sevs[i].sev)));
	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s}", "ssl_mode", ssl_mode_name(a->opt.ssl_mode),
		      "at", a->opt.at_text, "limits", limits, "ports", ports, "public_iface",
		      a->opt.public_iface ? json_text(a->opt.public_iface) : json_null(), "fail_on",
		      severity_name(a->opt.fail_on));
	/* what changes which findings count (--severity, --baseline) */
	json_object_set_new(o, "severity", sevs);
	json_object_set_new(o, "baseline", json_text(a->opt.baseline));
	return o;
}

static json_t *
json_inputs(const struct audit *a)
{
	json_t *arr = json_array();
	size_t i;
	size_t j;

	for (i = 0; i < a->origin.ninput; i++) {
		const struct input *in = a->origin.inputs[i];
		json_t *errs = json_array();

		for (j = 0; j < a->origin.ndiag; j++) {
			const struct diag *d = &a->origin.diags[j];

			if (d->loc.file == in->file)
				json_array_append_new(errs, json_pack("{s:I, s:o}", "line",
								      (json_int_t)d->loc.line,
								      "message", json_text(d->msg)));
		}
		json_array_append_new(arr, json_pack("{s:s, s:o, s:s, s:o}", "kind",
						     input_kind_name(in->kind), "file",
						     json_text(in->file), "status",
						     input_status_name(in->status), "errors", errs));
	}
	return arr;
}

static json_t *
json_finding(const struct finding *f)
{
	json_t *o = json_object();
	json_t *ranges = json_array();
	json_t *ports = json_array();
	size_t i;

	json_object_set_new(o, "id", json_string(f->check->id));
	json_object_set_new(o, "code", f->check->code ? json_integer(f->check->code) : json_null());
	json_object_set_new(o, "severity", json_string(severity_name(f->sev)));
	json_object_set_new(o, "file", json_file(f->loc));
	json_object_set_new(o, "line", f->loc.line ? json_integer(f->loc.line) : json_null());
	json_object_set_new(o, "message", json_text(f->message));
	json_object_set_new(o, "title", json_string(f->check->title));
	json_object_set_new(o, "host", json_text(f->host));
	json_object_set_new(o, "port", f->port ? json_integer(f->port) : json_null());
	json_object_set_new(o, "family", f->has_fam ? json_string(fam_name(f->fam)) : json_null());
	for (i = 0; i < f->nrange; i++)
		json_array_append_new(ranges, json_text(f->ranges[i]));
	for (i = 0; i < f->nport; i++)
		json_array_append_new(ports, json_integer(f->ports[i]));
	json_object_set_new(o, "ranges", ranges);
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "suppressed", json_boolean(f->suppressed != NULL));
	if (f->suppressed)
		json_object_set_new(o, "suppression",
				    json_pack("{s:o, s:I, s:o, s:o}", "file",
					      json_file(f->suppressed->loc), "line",
					      (json_int_t)f->suppressed->loc.line, "reason",
					      json_text(f->suppressed->reason), "until",
					      f->suppressed->has_until
						      ? json_string(f->suppressed->until_text)
						      : json_null()));
	json_object_set_new(o, "baselined", json_boolean(f->baselined));
	json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
	return o;
}

/* Every inline suppression read, with how many findings it hid: an
 * exception nobody needs any more shows as used 0. */
static json_t *
json_suppressions(const struct audit *a)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < a->origin.nsupp; i++) {
		const struct suppression *s = &a->origin.supps[i];

		json_array_append_new(
			arr, json_pack("{s:s, s:o, s:I, s:o, s:o, s:b, s:I}", "id", s->id, "file",
				       json_file(s->loc), "line", (json_int_t)s->loc.line, "reason",
				       json_text(s->reason), "until",
				       s->has_until ? json_string(s->until_text) : json_null(),
				       "expired", suppression_expired(s, a->opt.at), "used",
				       (json_int_t)s->used));
	}
	return arr;
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

static json_t *
json_reach(const struct audit *a, const struct reach *r)
{
	const struct cidr *c = &a->cf.v[r->fam][r->range];
	char range[2 * ADDR_STRLEN + 8];
	json_t *o = json_object();
	json_t *path = json_array();
	unsigned i;

	interval_format(r->fam, c->lo, c->hi, range, sizeof(range));
	for (i = 0; i < r->v.npath; i++)
		json_array_append_new(path, json_text(r->v.path[i]->name));
	json_object_set_new(o, "family", json_string(fam_name(r->fam)));
	json_object_set_new(o, "range", json_string(range));
	json_object_set_new(o, "first", jaddr(r->fam, r->first));
	json_object_set_new(o, "last", jaddr(r->fam, r->last));
	json_object_set_new(o, "address", r->has_dst ? jaddr(r->fam, r->dst) : json_null());
	json_object_set_new(o, "port", json_integer(r->port));
	json_object_set_new(o, "verdict", json_string(verdict_name(r->v.kind)));
	json_object_set_new(o, "stage", json_string(stage_name(r->v.stage)));
	json_object_set_new(o, "file", json_file(r->v.loc));
	json_object_set_new(o, "line", r->v.loc.line ? json_integer(r->v.loc.line) : json_null());
	json_object_set_new(o, "path", path);
	json_object_set_new(o, "why", json_text(r->v.why));
	if (r->v.forwarded)
		json_object_set_new(o, "forwarded", json_true());
	return o;
}

static json_t *
json_loc(struct loc loc)
{
	if (loc.file == NULL)
		return json_null();
	return json_pack("{s:o, s:o}", "file", json_text(loc.file), "line",
			 loc.line ? json_integer(loc.line) : json_null());
}

/* "OK", "UNKNOWN" or the HTTP status as a number. */
static json_t *
json_status(int status)
{
	if (status == HOST_OK)
		return json_string("OK");
	if (status == HOST_UNKNOWN)
		return json_string("UNKNOWN");
	return json_integer(status);
}

/* The certificate presented to Cloudflare for the host, when a TLS
 * handshake was evaluated. */
static json_t *
json_presented(const struct host_view *h)
{
	const struct tls_outcome *o = h->tls_out;

	if (o == NULL || o->presented < 0)
		return json_null();
	return json_loc(o->uses[o->presented]->cert->loc);
}

static json_t *
json_host(const struct host_view *h)
{
	json_t *o = json_object();
	json_t *ids = json_array();
	size_t i;

	for (i = 0; i < h->nfinding; i++)
		json_array_append_new(ids, json_string(h->findings[i]));
	json_object_set_new(o, "name", json_text(h->name));
	json_object_set_new(o, "scheme", json_string(host_scheme_name(h->scheme)));
	json_object_set_new(o, "family", h->res == RES_OK ? json_string(fam_name(h->fam))
							 : json_null());
	json_object_set_new(o, "address", h->end ? jaddr(h->fam, h->addr) : json_null());
	json_object_set_new(o, "port", json_integer(h->port));
	json_object_set_new(o, "record", json_loc(h->rec->loc));
	json_object_set_new(o, "vhost", h->vhost ? json_loc(h->vhost->loc) : json_null());
	json_object_set_new(o, "certificate", json_presented(h));
	json_object_set_new(o, "status", json_status(h->status));
	json_object_set_new(o, "stage", json_string(host_stage_name(h->stage)));
	json_object_set_new(o, "why", json_text(h->why));
	json_object_set_new(o, "file", json_file(h->loc));
	json_object_set_new(o, "line", h->loc.line ? json_integer(h->loc.line) : json_null());
	json_object_set_new(o, "findings", ids);
	if (h->v6_why)
		json_object_set_new(o, "ipv6",
				    json_pack("{s:o, s:o}", "status", json_status(h->v6_status),
					      "why", json_text(h->v6_why)));
	return o;
}

static json_t *
json_record(const struct dns_record *r)
{
	static const char *const types[] = {"A", "AAAA", "CNAME"};
	json_t *proxied = r->proxy == DNS_PROXY_UNKNOWN ? json_null()
							: json_boolean(r->proxy == DNS_PROXIED);

	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:i}", "name", json_text(r->name), "type",
			 types[r->type], "value",
			 r->type == DNS_CNAME ? json_text(r->target) : jaddr(r->fam, r->addr),
			 "proxied", proxied, "file", json_file(r->loc), "line", (json_int_t)r->loc.line);
}

/* The A, AAAA and CNAME records read (--dns), in file order; proxied null
 * when the file does not say. */
static json_t *
json_records(const struct audit *a)
{
	json_t *v = json_array();
	size_t i;

	for (i = 0; i < a->origin.ndns; i++)
		json_array_append_new(v, json_record(&a->origin.dns[i]));
	return v;
}

/* One entry per proxied hostname and scheme (--dns; empty without). */
json_t *
json_hosts(const struct audit *a)
{
	json_t *v = json_array();
	size_t i;

	for (i = 0; a->hosts && i < a->hosts->n; i++)
		json_array_append_new(v, json_host(&a->hosts->v[i]));
	return v;
}

bool
report_json(FILE *out, const struct audit *a)
{
	json_t *root = json_object();
	json_t *findings = json_array();
	json_t *reach = json_array();
	size_t i;
	bool ok;

	for (i = 0; i < a->nfinding; i++)
		json_array_append_new(findings, json_finding(&a->findings[i]));
	for (i = 0; i < a->reach.n; i++)
		json_array_append_new(reach, json_reach(a, &a->reach.v[i]));
	json_object_set_new(root, "tool", json_tool());
	json_object_set_new(root, "ranges", json_ranges(a));
	json_object_set_new(root, "settings", json_settings(a));
	json_object_set_new(root, "inputs", json_inputs(a));
	json_object_set_new(root, "findings", findings);
	json_object_set_new(root, "reachability", reach);
	json_object_set_new(root, "hosts", json_hosts(a));
	json_object_set_new(root, "dns", json_records(a));
	json_object_set_new(root, "suppressions", json_suppressions(a));
	json_object_set_new(root, "summary", json_summary(a));
	ok = json_write(out, root);
	json_decref(root);
	return ok;
}
