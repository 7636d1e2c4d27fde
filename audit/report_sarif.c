/* SARIF 2.1.0 output (--format sarif) for code-scanning tools (GitHub code
 * scanning, GitLab, IDE viewers). Written with jansson, so it is always valid
 * JSON; tests/sarif.test.sh validates it against the OASIS schema.
 *
 * Artifact locations are relative to the audited root (uriBaseId "ROOT",
 * resolved by run.originalUriBaseIds), so a report made in CI on a checkout
 * that holds the server's tree points at the repository's files. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "jsonout.h"
#include "report.h"
#include "util.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define FINGERPRINT_KEY "cfaudit/v1"

/* SARIF levels: info is a "note". */
static const char *
sarif_level(enum severity s)
{
	switch (s) {
	case SEV_ERROR:
		return "error";
	case SEV_WARNING:
		return "warning";
	case SEV_INFO:
		return "note";
	case SEV_NEVER:
		break;
	}
	abort();
}

/* Percent-encode a path for a URI (RFC 3986): unreserved characters and '/'
 * stay, every other byte becomes %XX. */
static void
uri_path(struct buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			buf_add(b, (const char *)p, 1);
		} else {
			char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};

			buf_add(b, esc, 3);
		}
	}
}

/* "file:///abs/dir/" for a directory on this machine. */
static json_t *
dir_uri(const char *dir)
{
	char abs[PATH_MAX];
	struct buf b = {NULL, 0, 0};
	json_t *j;

	if (realpath(dir, abs) == NULL)
		return NULL;
	buf_adds(&b, "file://");
	uri_path(&b, abs);
	if (b.p[b.len - 1] != '/')
		buf_adds(&b, "/");
	j = json_pack("{s:s}", "uri", b.p);
	buf_free(&b);
	return j;
}

/* A file named on the command line is a path on this machine, not inside
 * the audited root. */
static bool
explicit_file(const struct audit *a, const char *file)
{
	size_t k;
	size_t i;

	for (k = 0; k < IN_KIND_COUNT; k++)
		for (i = 0; i < a->opt.nfile[k]; i++)
			if (strcmp(a->opt.file[k][i], file) == 0)
				return true;
	return a->opt.ranges_file && strcmp(a->opt.ranges_file, file) == 0;
}

/* artifactLocation: a server path relative to ROOT; a relative file from the
 * command line relative to CWD; an absolute one from the command line with
 * --root as a file: URI of its own. */
static json_t *
artifact_location(const struct audit *a, const char *file)
{
	struct buf b = {NULL, 0, 0};
	const char *base = "ROOT";
	json_t *j;

	if (explicit_file(a, file) && file[0] != '/') {
		base = "CWD";
	} else if (explicit_file(a, file) && a->opt.root) {
		base = NULL;
		buf_adds(&b, "file://");
	} else {
		while (*file == '/')
			file++;
	}
	uri_path(&b, file);
	j = json_pack("{s:s}", "uri", b.p ? b.p : "");
	if (base)
		json_object_set_new(j, "uriBaseId", json_string(base));
	buf_free(&b);
	return j;
}

/* The file a finding about no file (the built-in ranges' age) is shown at:
 * GitHub code scanning refuses a whole report when one result has no
 * location, so it goes to the first file audited (as a whole: no region). */
static const char *
anchor_file(const struct audit *a)
{
	size_t i;

	for (i = 0; i < a->origin.ninput; i++)
		if (a->origin.inputs[i]->kind != IN_RANGES)
			return a->origin.inputs[i]->file;
	return NULL;
}

/* A locations array holding one physicalLocation (empty only when nothing
 * was audited at all). */
static json_t *
locations(const struct audit *a, struct loc loc)
{
	json_t *arr = json_array();
	json_t *phys;

	if (loc.file == NULL) {
		loc.file = anchor_file(a);
		loc.line = 0;
	}
	if (loc.file == NULL)
		return arr;
	phys = json_pack("{s:o}", "artifactLocation", artifact_location(a, loc.file));
	if (loc.line)
		json_object_set_new(phys, "region", json_pack("{s:I}", "startLine",
							      (json_int_t)loc.line));
	json_array_append_new(arr, json_pack("{s:o}", "physicalLocation", phys));
	return arr;
}

/* "CF522-FW-DROP" -> "FwDrop": SARIF's name is an identifier-like word;
 * the code is in the id already. */
static char *
rule_name(const char *id)
{
	struct buf b = {NULL, 0, 0};
	const char *p = strchr(id, '-');
	bool upper = true;

	for (p = p ? p + 1 : id; *p; p++) {
		if (*p == '-') {
			upper = true;
			continue;
		}
		if (upper && *p >= 'a' && *p <= 'z')
			buf_addf(&b, "%c", *p - 'a' + 'A');
		else if (!upper && *p >= 'A' && *p <= 'Z')
			buf_addf(&b, "%c", *p - 'A' + 'a');
		else
			buf_add(&b, p, 1);
		upper = false;
	}
	return buf_take(&b);
}

static json_t *
sarif_rule(const struct check *c)
{
	char *name = rule_name(c->id);
	size_t len;
	const char *area = check_area(c->id, &len);
	char *family = xstrndup(area, len);
	char *help = xasprintf("%s\n\nRun 'cfaudit --explain %s' for this text.", c->explain, c->id);
	json_t *tags = json_pack("[s, s]", "cloudflare", family);
	json_t *props;
	json_t *r;

	if (c->code)
		json_array_append_new(tags, json_sprintf("%d", c->code));
	props = json_pack("{s:o, s:o}", "tags", tags, "code",
			  c->code ? json_integer(c->code) : json_null());
	r = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:s, s:{s:s}, s:o}", "id", c->id,
		      "name", name, "shortDescription", "text", c->title, "fullDescription",
		      "text", c->explain, "help", "text", help, "helpUri",
		      CFAUDIT_HELP_URL "#checks", "defaultConfiguration", "level",
		      sarif_level(c->sev), "properties", props);
	free(name);
	free(family);
	free(help);
	return r;
}

static json_t *
sarif_driver(void)
{
	json_t *rules = json_array();
	size_t i;

	for (i = 0; i < check_count; i++)
		json_array_append_new(rules, sarif_rule(&check_table[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", "cfaudit", "version",
			 CFAUDIT_VERSION, "semanticVersion", CFAUDIT_VERSION, "informationUri",
			 CFAUDIT_HELP_URL, "rules", rules);
}

static json_t *
sarif_suppressions(const struct audit *a, const struct suppression *s)
{
	json_t *one = json_pack("{s:s, s:s, s:o}", "kind", "inSource", "status", "accepted",
				"justification", json_text(s->reason));
	json_t *locs = locations(a, s->loc);

	if (json_array_size(locs))
		json_object_set(one, "location", json_array_get(locs, 0));
	json_decref(locs);
	return json_pack("[o]", one);
}

static json_t *
sarif_result(const struct audit *a, const struct finding *f, bool baseline_used)
{
	json_t *r = json_object();
	json_t *props = json_object();
	json_t *ranges = json_array();
	json_t *ports = json_array();
	size_t i;

	json_object_set_new(r, "ruleId", json_string(f->check->id));
	json_object_set_new(r, "ruleIndex", json_integer(f->check - check_table));
	json_object_set_new(r, "level", json_string(sarif_level(f->sev)));
	json_object_set_new(r, "message", json_pack("{s:o}", "text", json_text(f->message)));
	json_object_set_new(r, "locations", locations(a, f->loc));
	json_object_set_new(r, "partialFingerprints",
			    json_pack("{s:s}", FINGERPRINT_KEY, f->fingerprint));
	if (f->suppressed)
		json_object_set_new(r, "suppressions", sarif_suppressions(a, f->suppressed));
	if (baseline_used)
		json_object_set_new(r, "baselineState",
				    json_string(f->baselined ? "unchanged" : "new"));
	for (i = 0; i < f->nrange; i++)
		json_array_append_new(ranges, json_text(f->ranges[i]));
	for (i = 0; i < f->nport; i++)
		json_array_append_new(ports, json_integer(f->ports[i]));
	json_object_set_new(props, "code",
			    f->check->code ? json_integer(f->check->code) : json_null());
	json_object_set_new(props, "family",
			    f->has_fam ? json_string(fam_name(f->fam)) : json_null());
	json_object_set_new(props, "ranges", ranges);
	json_object_set_new(props, "ports", ports);
	json_object_set_new(props, "suppressed", json_boolean(f->suppressed != NULL));
	json_object_set_new(props, "baselined", json_boolean(f->baselined));
	json_object_set_new(r, "properties", props);
	return r;
}

/* Input errors are the tool's notifications: the audit is incomplete. */
static json_t *
sarif_invocation(const struct audit *a)
{
	json_t *notes = json_array();
	size_t i;

	for (i = 0; i < a->origin.ndiag; i++) {
		const struct diag *d = &a->origin.diags[i];

		json_array_append_new(notes, json_pack("{s:s, s:{s:o}, s:o}", "level", "error",
						       "message", "text", json_text(d->msg),
						       "locations", locations(a, d->loc)));
	}
	return json_pack("{s:b, s:i, s:o}", "executionSuccessful", audit_complete(a), "exitCode",
			 audit_exit_status(a), "toolExecutionNotifications", notes);
}

static bool
relative_file_given(const struct audit *a)
{
	size_t k;
	size_t i;

	for (k = 0; k < IN_KIND_COUNT; k++)
		for (i = 0; i < a->opt.nfile[k]; i++)
			if (a->opt.file[k][i][0] != '/')
				return true;
	return a->opt.ranges_file && a->opt.ranges_file[0] != '/';
}

/* ROOT always; CWD when a relative file from the command line needs it. */
static json_t *
sarif_base_ids(const struct audit *a)
{
	json_t *ids = json_object();
	json_t *root = dir_uri(a->opt.root ? a->opt.root : "/");
	json_t *cwd = relative_file_given(a) ? dir_uri(".") : NULL;

	if (root)
		json_object_set_new(ids, "ROOT", root);
	if (cwd)
		json_object_set_new(ids, "CWD", cwd);
	return ids;
}

bool
report_sarif(FILE *out, const struct audit *a)
{
	json_t *results = json_array();
	json_t *run;
	json_t *log;
	size_t i;
	bool baseline_used = a->opt.baseline || a->opt.write_baseline;
	bool ok;

	for (i = 0; i < a->nfinding; i++)
		json_array_append_new(results, sarif_result(a, &a->findings[i], baseline_used));
	run = json_pack("{s:{s:o}, s:o, s:o, s:s, s:o, s:{s:o}}", "tool", "driver", sarif_driver(),
			"invocations", json_pack("[o]", sarif_invocation(a)), "originalUriBaseIds",
			sarif_base_ids(a), "columnKind", "unicodeCodePoints", "results", results,
			"properties", "summary", json_summary(a));
	log = json_pack("{s:s, s:s, s:[o]}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs",
			run);
	ok = json_write(out, log);
	json_decref(log);
	return ok;
}
