/* Findings and the exit status of one audit run. */
#include "audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "hosts.h"
#include "tls_eval.h"
#include "util.h"

const char *
severity_name(enum severity s)
{
	switch (s) {
	case SEV_INFO:
		return "info";
	case SEV_WARNING:
		return "warning";
	case SEV_ERROR:
		return "error";
	case SEV_NEVER:
		return "never";
	}
	abort();
}

bool
severity_parse(const char *s, enum severity *out)
{
	static const enum severity all[] = {SEV_INFO, SEV_WARNING, SEV_ERROR, SEV_NEVER};
	size_t i;

	for (i = 0; i < ARRAY_LEN(all); i++)
		if (strcmp(s, severity_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	return false;
}

const char *
out_format_name(enum out_format f)
{
	switch (f) {
	case FMT_TEXT:
		return "text";
	case FMT_JSON:
		return "json";
	case FMT_SARIF:
		return "sarif";
	case FMT_JUNIT:
		return "junit";
	}
	abort();
}

bool
out_format_parse(const char *s, enum out_format *out)
{
	static const enum out_format all[] = {FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_JUNIT};
	size_t i;

	for (i = 0; i < ARRAY_LEN(all); i++)
		if (strcmp(s, out_format_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	return false;
}

const char *
ssl_mode_name(enum ssl_mode m)
{
	switch (m) {
	case SSL_OFF:
		return "off";
	case SSL_FLEXIBLE:
		return "flexible";
	case SSL_FULL:
		return "full";
	case SSL_STRICT:
		return "strict";
	}
	abort();
}

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static uint64_t
fnv_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * FNV_PRIME;
}

/* A path followed by ":LINE" inside a message (the undecidable match at
 * "/etc/iptables/rules.v4:15") hashes as the path alone, so the fingerprint
 * survives lines moving. A path is a word that starts with '/'; addresses
 * ("2400:cb00::/32") and ports ("tcp/80") never do. */
static uint64_t
fnv_message(uint64_t h, const char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;
	bool word_start = true;
	bool in_path = false;

	for (; *p; p++) {
		if (in_path && *p == ':' && p[1] >= '0' && p[1] <= '9') {
			while (p[1] >= '0' && p[1] <= '9')
				p++;
			continue;
		}
		if (word_start)
			in_path = *p == '/';
		word_start = strchr(" \t([\"',", *p) != NULL;
		if (word_start)
			in_path = false;
		h = fnv_byte(h, *p);
	}
	return h;
}

/* FNV-1a over the parts that identify a finding without its line number, so
 * the fingerprint survives lines moving: the check, the file and the message
 * (without the line numbers it quotes). */
static char *
fingerprint(const char *id, const struct loc *loc, const char *message)
{
	uint64_t h = FNV_OFFSET;
	const char *parts[2] = {id, loc->file ? loc->file : ""};
	const unsigned char *p;
	size_t i;

	for (i = 0; i < ARRAY_LEN(parts); i++) {
		for (p = (const unsigned char *)parts[i]; *p; p++)
			h = fnv_byte(h, *p);
		h = fnv_byte(h, 0xff);
	}
	h = fnv_byte(fnv_message(h, message), 0xff);
	return xasprintf("%016llx", (unsigned long long)h);
}

struct finding *
audit_finding(struct audit *a, const char *id, struct loc loc, const char *fmt, ...)
{
	const struct check *chk = check_find(id);
	struct finding f;
	va_list ap;
	size_t i;

	if (chk == NULL) {
		fprintf(stderr, "cfaudit: internal error: no check %s\n", id);
		abort();
	}
	memset(&f, 0, sizeof(f));
	f.check = chk;
	f.sev = chk->sev;
	for (i = 0; i < a->opt.nsev; i++)
		if (a->opt.sevs[i].check == chk)
			f.sev = a->opt.sevs[i].sev;
	f.loc = loc;
	va_start(ap, fmt);
	f.message = xvasprintf(fmt, ap);
	va_end(ap);
	f.fingerprint = fingerprint(id, &loc, f.message);
	VEC_PUSH(a->findings, a->nfinding, a->finding_cap, f);
	return &a->findings[a->nfinding - 1];
}

void
finding_add_range(struct finding *f, const char *range)
{
	size_t i;

	for (i = 0; i < f->nrange; i++)
		if (strcmp(f->ranges[i], range) == 0)
			return;
	f->ranges = xreallocarray(f->ranges, f->nrange + 1, sizeof(*f->ranges));
	f->ranges[f->nrange++] = xstrdup(range);
}

void
finding_set_host(struct finding *f, const char *host)
{
	free(f->host);
	f->host = host ? xstrdup(host) : NULL;
}

void
finding_add_port(struct finding *f, uint16_t port)
{
	size_t i;

	for (i = 0; i < f->nport; i++)
		if (f->ports[i] == port)
			return;
	f->ports = xreallocarray(f->ports, f->nport + 1, sizeof(*f->ports));
	f->ports[f->nport++] = port;
	f->port = f->nport == 1 ? port : 0;
}

bool
audit_complete(const struct audit *a)
{
	size_t i;
	bool any = false;

	for (i = 0; i < a->origin.ninput; i++) {
		if (a->origin.inputs[i]->status != IN_OK)
			return false;
		if (a->origin.inputs[i]->kind != IN_RANGES)
			any = true;
	}
	return any;
}

bool
finding_counts(const struct finding *f)
{
	return f->suppressed == NULL && !f->baselined;
}

void
audit_summary(const struct audit *a, struct summary *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < a->nfinding; i++) {
		const struct finding *f = &a->findings[i];

		if (f->suppressed)
			s->suppressed++;
		else if (f->baselined)
			s->baselined++;
		else
			s->n[f->sev]++;
	}
}

int
audit_exit_status(const struct audit *a)
{
	size_t i;

	if (!audit_complete(a))
		return 2;
	if (a->opt.fail_on == SEV_NEVER)
		return 0;
	for (i = 0; i < a->nfinding; i++)
		if (finding_counts(&a->findings[i]) && a->findings[i].sev >= a->opt.fail_on)
			return 1;
	return 0;
}

void
audit_free(struct audit *a)
{
	size_t i;
	size_t j;

	for (i = 0; i < a->nfinding; i++) {
		struct finding *f = &a->findings[i];

		free(f->message);
		free(f->fingerprint);
		for (j = 0; j < f->nrange; j++)
			free(f->ranges[j]);
		free(f->ranges);
		free(f->ports);
		free(f->host);
	}
	free(a->findings);
	tls_eval_free(a->tls);
	hosts_free(a->hosts);
	reach_free(&a->reach);
	origin_free(&a->origin);
	ranges_free(&a->cf);
	for (i = 0; i < IN_KIND_COUNT; i++)
		free(a->opt.file[i]);
	free(a->opt.outputs);
	free(a->opt.sevs);
	free(a->opt.roots);
}
