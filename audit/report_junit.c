/* JUnit XML output (--format junit) for CI test reports (GitLab, Jenkins),
 * written with libxml2's xmlwriter so it is always well formed; it follows
 * ../shared/schemas/JUnit.xsd (one failure or skipped element per testcase,
 * properties, system-out and system-err in every testsuite).
 *
 * One testsuite per check family (the AREA of CF<code>-<AREA>-<WHAT>), plus
 * "inputs": one testcase per input (an error when it could not be read or
 * understood: the audit is incomplete). In a family, one testcase per check
 * and target: a check that found nothing passes once; each finding is a
 * testcase of its own, named by its file:line, holding a <failure> with the
 * explanation (or <skipped> when suppressed or baselined). */
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "report.h"
#include "util.h"

/* Decode the UTF-8 sequence at s: its length, or 0 when invalid. */
static size_t
utf8_decode(const unsigned char *s, unsigned long *cp)
{
	size_t n;
	size_t i;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return n;
}

/* XML 1.0's Char production: no C0 controls but tab and newlines, no
 * surrogates, no U+FFFE/U+FFFF. */
static bool
xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* Text from hostile configs made fit for XML: what XML cannot hold (and
 * invalid UTF-8) is written as \xNN, as on the terminal. libxml2 escapes
 * the rest (<, &, quotes). */
static char *
xml_clean(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	struct buf b = {NULL, 0, 0};

	while (*s) {
		unsigned long c;
		size_t n = utf8_decode(s, &c);

		if (n == 0 || !xml_char(c)) {
			size_t i;

			for (i = 0; i < (n ? n : 1); i++)
				buf_addf(&b, "\\x%02x", s[i]);
			s += n ? n : 1;
		} else {
			buf_add(&b, (const char *)s, n);
			s += n;
		}
	}
	return buf_take(&b);
}

struct junit {
	xmlTextWriterPtr w;
	const struct audit *a;
	bool failed; /* a libxml2 call failed */
	char timestamp[20];
	char hostname[256];
	int suite_id;
};

static void
check_rc(struct junit *j, int rc)
{
	if (rc < 0)
		j->failed = true;
}

static void
start(struct junit *j, const char *element)
{
	check_rc(j, xmlTextWriterStartElement(j->w, BAD_CAST element));
}

static void
end(struct junit *j)
{
	check_rc(j, xmlTextWriterEndElement(j->w));
}

static void
attr(struct junit *j, const char *name, const char *value)
{
	char *clean = xml_clean(value);

	check_rc(j, xmlTextWriterWriteAttribute(j->w, BAD_CAST name, BAD_CAST clean));
	free(clean);
}

static void
attr_num(struct junit *j, const char *name, size_t n)
{
	check_rc(j, xmlTextWriterWriteFormatAttribute(j->w, BAD_CAST name, "%zu", n));
}

static void
text(struct junit *j, const char *s)
{
	char *clean = xml_clean(s);

	check_rc(j, xmlTextWriterWriteString(j->w, BAD_CAST clean));
	free(clean);
}

static bool
same_family(const char *x, const char *y)
{
	size_t nx;
	size_t ny;
	const char *fx = check_area(x, &nx);
	const char *fy = check_area(y, &ny);

	return nx == ny && memcmp(fx, fy, nx) == 0;
}

struct counts {
	size_t tests;
	size_t failures;
	size_t errors;
	size_t skipped;
};

static void
count_check(const struct audit *a, const struct check *c, struct counts *n)
{
	size_t i;
	size_t found = 0;

	for (i = 0; i < a->nfinding; i++) {
		const struct finding *f = &a->findings[i];

		if (f->check != c)
			continue;
		found++;
		if (finding_counts(f))
			n->failures++;
		else
			n->skipped++;
	}
	n->tests += found ? found : 1;
}

static void
suite_start(struct junit *j, const char *name, const struct counts *n)
{
	const char *root = j->a->opt.root ? j->a->opt.root : "/";

	start(j, "testsuite");
	attr(j, "name", name);
	attr(j, "package", "cfaudit");
	attr_num(j, "id", (size_t)j->suite_id++);
	attr(j, "timestamp", j->timestamp);
	attr(j, "hostname", j->hostname);
	attr_num(j, "tests", n->tests);
	attr_num(j, "failures", n->failures);
	attr_num(j, "errors", n->errors);
	attr_num(j, "skipped", n->skipped);
	attr(j, "time", "0");
	start(j, "properties");
	start(j, "property");
	attr(j, "name", "root");
	attr(j, "value", root);
	end(j);
	start(j, "property");
	attr(j, "name", "ssl_mode");
	attr(j, "value", ssl_mode_name(j->a->opt.ssl_mode));
	end(j);
	start(j, "property");
	attr(j, "name", "fail_on");
	attr(j, "value", severity_name(j->a->opt.fail_on));
	end(j);
	end(j);
}

static void
suite_end(struct junit *j)
{
	start(j, "system-out");
	end(j);
	start(j, "system-err");
	end(j);
	end(j);
}

static void
testcase_start(struct junit *j, const char *name, const char *classname)
{
	start(j, "testcase");
	attr(j, "name", name);
	attr(j, "classname", classname);
	attr(j, "time", "0");
}

/* The failure text: the gcc-style line editors jump to, then the
 * explanation (cause, evidence, fix). */
static char *
failure_text(const struct finding *f)
{
	struct buf b = {NULL, 0, 0};

	if (f->loc.file && f->loc.line)
		buf_addf(&b, "%s:%u: ", f->loc.file, f->loc.line);
	else if (f->loc.file)
		buf_addf(&b, "%s: ", f->loc.file);
	buf_addf(&b, "%s: %s: %s\n\n%s\n", severity_name(f->sev), f->check->id, f->message,
		 f->check->explain);
	return buf_take(&b);
}

static void
finding_case(struct junit *j, const struct finding *f, unsigned nth, const char *classname)
{
	struct buf name = {NULL, 0, 0};
	char *body;

	buf_adds(&name, f->check->id);
	if (f->loc.file)
		buf_addf(&name, " %s", f->loc.file);
	if (f->loc.line)
		buf_addf(&name, ":%u", f->loc.line);
	if (f->has_fam)
		buf_addf(&name, " (%s)", fam_name(f->fam));
	if (nth > 1)
		buf_addf(&name, " #%u", nth);
	testcase_start(j, name.p, classname);
	if (f->suppressed) {
		char *why = xasprintf("suppressed at %s:%u: %s", f->suppressed->loc.file,
				      f->suppressed->loc.line, f->suppressed->reason);

		start(j, "skipped");
		attr(j, "message", why);
		end(j);
		free(why);
	} else if (f->baselined) {
		start(j, "skipped");
		attr(j, "message", "in the baseline");
		end(j);
	} else {
		body = failure_text(f);
		start(j, "failure");
		attr(j, "type", severity_name(f->sev));
		attr(j, "message", f->message);
		text(j, body);
		end(j);
		free(body);
	}
	end(j);
	buf_free(&name);
}

/* How many earlier findings of the same check share f's file:line and
 * family: their testcases need distinct names. */
static unsigned
nth_at_loc(const struct audit *a, size_t k)
{
	const struct finding *f = &a->findings[k];
	unsigned n = 1;
	size_t i;

	for (i = 0; i < k; i++) {
		const struct finding *g = &a->findings[i];

		if (g->check == f->check && g->loc.file == f->loc.file &&
		    g->loc.line == f->loc.line && g->has_fam == f->has_fam &&
		    (!f->has_fam || g->fam == f->fam))
			n++;
	}
	return n;
}

static void
check_cases(struct junit *j, const struct check *c)
{
	const struct audit *a = j->a;
	char *classname = xasprintf("cfaudit.%s", c->id);
	bool found = false;
	size_t i;

	for (i = 0; i < a->nfinding; i++) {
		if (a->findings[i].check != c)
			continue;
		found = true;
		finding_case(j, &a->findings[i], nth_at_loc(a, i), classname);
	}
	if (!found) {
		testcase_start(j, c->id, classname);
		end(j);
	}
	free(classname);
}

/* The testsuite of the family of check_table[first] (the table is sorted
 * by ID, so a family's checks are not adjacent). */
static void
family_suite(struct junit *j, size_t first)
{
	const char *id = check_table[first].id;
	struct counts n;
	char *name;
	size_t len;
	const char *fam = check_area(id, &len);
	size_t i;

	memset(&n, 0, sizeof(n));
	for (i = first; i < check_count; i++)
		if (same_family(check_table[i].id, id))
			count_check(j->a, &check_table[i], &n);
	name = xstrndup(fam, len);
	suite_start(j, name, &n);
	for (i = first; i < check_count; i++)
		if (same_family(check_table[i].id, id))
			check_cases(j, &check_table[i]);
	suite_end(j);
	free(name);
}

static char *
input_errors(const struct audit *a, const struct input *in)
{
	struct buf b = {NULL, 0, 0};
	size_t i;

	for (i = 0; i < a->origin.ndiag; i++) {
		const struct diag *d = &a->origin.diags[i];

		if (d->loc.file != in->file)
			continue;
		if (d->loc.line)
			buf_addf(&b, "%s:%u: %s\n", d->loc.file, d->loc.line, d->msg);
		else
			buf_addf(&b, "%s: %s\n", d->loc.file, d->msg);
	}
	if (in->status == IN_UNSUPPORTED)
		buf_addf(&b, "%s: found, but this version of cfaudit cannot audit it\n", in->file);
	return buf_take(&b);
}

static void
inputs_suite(struct junit *j)
{
	const struct audit *a = j->a;
	struct counts n;
	size_t i;

	memset(&n, 0, sizeof(n));
	n.tests = a->origin.ninput ? a->origin.ninput : 1;
	for (i = 0; i < a->origin.ninput; i++)
		n.errors += a->origin.inputs[i]->status != IN_OK;
	if (a->origin.ninput == 0)
		n.errors = 1;
	suite_start(j, "inputs", &n);
	for (i = 0; i < a->origin.ninput; i++) {
		const struct input *in = a->origin.inputs[i];
		char *name = xasprintf("%s %s", input_kind_name(in->kind), in->file);
		char *body;

		testcase_start(j, name, "cfaudit.inputs");
		if (in->status != IN_OK) {
			body = input_errors(a, in);
			start(j, "error");
			attr(j, "type", input_status_name(in->status));
			attr(j, "message", in->detail ? in->detail : input_status_name(in->status));
			text(j, body);
			end(j);
			free(body);
		}
		end(j);
		free(name);
	}
	if (a->origin.ninput == 0) {
		testcase_start(j, "inputs found", "cfaudit.inputs");
		start(j, "error");
		attr(j, "type", "nothing");
		attr(j, "message", "no firewall, web server or DNS input was found");
		end(j);
		end(j);
	}
	suite_end(j);
}

static void
document(struct junit *j)
{
	size_t first;
	size_t i;

	/* the schema allows no attributes on testsuites: the counts are per
	 * testsuite */
	check_rc(j, xmlTextWriterStartDocument(j->w, NULL, "UTF-8", NULL));
	start(j, "testsuites");
	inputs_suite(j);
	/* each family once, in the order of its first check */
	for (first = 0; first < check_count; first++) {
		for (i = 0; i < first && !same_family(check_table[i].id, check_table[first].id); i++)
			;
		if (i == first)
			family_suite(j, first);
	}
	end(j);
	check_rc(j, xmlTextWriterEndDocument(j->w));
}

bool
report_junit(FILE *out, const struct audit *a)
{
	struct junit j;
	xmlBufferPtr xb = xmlBufferCreate();
	bool ok;

	memset(&j, 0, sizeof(j));
	j.a = a;
	/* the schema's timestamp has no zone: the audit time, in UTC */
	snprintf(j.timestamp, sizeof(j.timestamp), "%.19s", a->opt.at_text);
	if (gethostname(j.hostname, sizeof(j.hostname) - 1) != 0 || j.hostname[0] == '\0')
		snprintf(j.hostname, sizeof(j.hostname), "localhost");
	if (xb == NULL || (j.w = xmlNewTextWriterMemory(xb, 0)) == NULL) {
		xmlBufferFree(xb);
		return false;
	}
	check_rc(&j, xmlTextWriterSetIndent(j.w, 1));
	check_rc(&j, xmlTextWriterSetIndentString(j.w, BAD_CAST "  "));
	document(&j);
	xmlFreeTextWriter(j.w);
	ok = !j.failed && fwrite(xmlBufferContent(xb), 1, (size_t)xmlBufferLength(xb), out) ==
				  (size_t)xmlBufferLength(xb);
	xmlBufferFree(xb);
	return ok;
}
