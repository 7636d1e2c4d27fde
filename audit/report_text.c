/* Text output: gcc-style lines editors jump to, then what was audited. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "hosts.h"
#include "report.h"
#include "util.h"

/* Length of the valid UTF-8 sequence at s (0 when invalid). */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	size_t i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void
fput_escaped(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n = utf8_len(s);

		if (n == 1 && (*s < 0x20 || *s == 0x7f)) {
			fprintf(out, "\\x%02x", *s);
			s++;
		} else if (n == 0) {
			fprintf(out, "\\x%02x", *s);
			s++;
		} else if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
			/* C1 controls (U+0080..U+009F) are terminal commands too */
			fprintf(out, "\\x%02x\\x%02x", s[0], s[1]);
			s += 2;
		} else {
			fwrite(s, 1, n, out);
			s += n;
		}
	}
}

static const char *
sev_color(enum severity s)
{
	switch (s) {
	case SEV_ERROR:
		return "\033[1;31m";
	case SEV_WARNING:
		return "\033[1;35m";
	default:
		return "\033[1;36m";
	}
}

static void
print_loc(FILE *out, struct loc loc)
{
	if (loc.file == NULL) {
		fputs("cfaudit", out);
		return;
	}
	fput_escaped(out, loc.file);
	if (loc.line)
		fprintf(out, ":%u", loc.line);
}

void
report_diags(FILE *out, const struct audit *a)
{
	size_t i;

	for (i = 0; i < a->origin.ndiag; i++) {
		print_loc(out, a->origin.diags[i].loc);
		fputs(": ", out);
		fput_escaped(out, a->origin.diags[i].msg);
		fputc('\n', out);
	}
}

static void
print_finding(FILE *out, const struct audit *a, const struct finding *f)
{
	print_loc(out, f->loc);
	if (a->opt.color)
		fprintf(out, ": %s%s:\033[0m ", sev_color(f->sev), severity_name(f->sev));
	else
		fprintf(out, ": %s: ", severity_name(f->sev));
	fprintf(out, "%s: ", f->check->id);
	fput_escaped(out, f->message);
	fputc('\n', out);
}

static void
print_inputs(FILE *out, const struct audit *a)
{
	size_t i;

	for (i = 0; i < a->origin.ninput; i++) {
		const struct input *in = a->origin.inputs[i];

		fprintf(out, "  %-11s %-10s ", input_status_name(in->status),
			input_kind_name(in->kind));
		fput_escaped(out, in->file);
		if (in->status == IN_UNSUPPORTED)
			fputs(" (found; not audited by this version)", out);
		else if (in->errors)
			fprintf(out, " (%u error%s)", in->errors, in->errors == 1 ? "" : "s");
		else if (in->detail) {
			fputs(" (", out);
			fput_escaped(out, in->detail);
			fputc(')', out);
		}
		fputc('\n', out);
	}
	if (a->origin.ninput == 0)
		fputs("  nothing: no firewall, web server or DNS input was found\n", out);
}

static void
print_reach_summary(FILE *out, const struct audit *a)
{
	size_t count[FAM_COUNT][V_DROP + 1];
	size_t i;
	int f;
	int k;

	memset(count, 0, sizeof(count));
	for (i = 0; i < a->reach.n; i++)
		count[a->reach.v[i].fam][a->reach.v[i].v.kind]++;
	for (f = 0; f < FAM_COUNT; f++) {
		if (!a->origin.fw_seen[f]) {
			fprintf(out, "firewall %s: no ruleset found, not evaluated\n",
				fam_name((enum family)f));
			continue;
		}
		fprintf(out, "firewall %s: Cloudflare range x port verdicts:", fam_name((enum family)f));
		for (k = 0; k <= V_DROP; k++)
			if (count[f][k])
				fprintf(out, " %zu %s", count[f][k], verdict_name((enum verdict_kind)k));
		fputc('\n', out);
	}
}

/* Where a status is decided: "file:line" and the findings behind it. */
static void
print_host_evidence(FILE *out, const struct host_view *h)
{
	size_t i;

	if (h->loc.file == NULL && h->nfinding == 0)
		return;
	fputs(" (", out);
	if (h->loc.file) {
		fput_escaped(out, h->loc.file);
		if (h->loc.line)
			fprintf(out, ":%u", h->loc.line);
	}
	for (i = 0; i < h->nfinding; i++)
		fprintf(out, "%s%s", i == 0 && h->loc.file == NULL ? "" : i ? ", " : "; ",
			h->findings[i]);
	fputc(')', out);
}

/* The per-hostname verdicts (--dns): one line per proxied name and scheme,
 * after the findings. */
static void
print_hosts(FILE *out, const struct audit *a)
{
	const struct host_table *t = a->hosts;
	size_t i;

	if (t == NULL)
		return;
	fprintf(out, "\nhosts (ssl mode %s):\n", ssl_mode_name(a->opt.ssl_mode));
	if (t->n == 0)
		fputs("  none: the DNS records hold no proxied name\n", out);
	for (i = 0; i < t->n; i++) {
		const struct host_view *h = &t->v[i];
		char buf[16];

		fprintf(out, "  %-7s %-5s %-4s ", host_status_text(h->status, buf, sizeof(buf)),
			host_scheme_name(h->scheme),
			h->res == RES_OK ? (h->fam == FAM_V4 ? "ipv4" : "ipv6") : "-");
		fput_escaped(out, h->name);
		fputs(": ", out);
		fput_escaped(out, h->why ? h->why : "");
		print_host_evidence(out, h);
		fputc('\n', out);
	}
}

/* Suppressed and baselined findings are not printed (JSON and SARIF keep
 * them); the summary counts them. */
static void
print_not_counted(FILE *out, const struct summary *s)
{
	if (s->suppressed)
		fprintf(out, "; %zu suppressed", s->suppressed);
	if (s->baselined)
		fprintf(out, "; %zu in the baseline", s->baselined);
}

void
report_text(FILE *out, const struct audit *a)
{
	struct summary s;
	size_t i;

	audit_summary(a, &s);
	for (i = 0; i < a->nfinding; i++)
		if (finding_counts(&a->findings[i]))
			print_finding(out, a, &a->findings[i]);
	print_hosts(out, a);
	fprintf(out, "\naudited (root %s):\n", a->opt.root ? a->opt.root : "/");
	print_inputs(out, a);
	fprintf(out, "ranges: %s%s%s, %zu IPv4 + %zu IPv6; ssl mode %s; ports ", a->cf.source,
		*a->cf.date ? " " : "", a->cf.date, a->cf.n[FAM_V4], a->cf.n[FAM_V6],
		ssl_mode_name(a->opt.ssl_mode));
	for (i = 0; i < a->opt.nport; i++)
		fprintf(out, "%s%u", i ? "," : "", a->opt.ports[i]);
	fputc('\n', out);
	print_reach_summary(out, a);
	fprintf(out, "summary: %zu error%s, %zu warning%s, %zu info", s.n[SEV_ERROR],
		s.n[SEV_ERROR] == 1 ? "" : "s", s.n[SEV_WARNING], s.n[SEV_WARNING] == 1 ? "" : "s",
		s.n[SEV_INFO]);
	print_not_counted(out, &s);
	fprintf(out, "; audit %s\n", audit_complete(a) ? "complete" : "INCOMPLETE (exit status 2)");
}
