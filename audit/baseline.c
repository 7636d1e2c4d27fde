/* Baselines (--baseline, --write-baseline), read and written with jansson. */
#include "baseline.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "root.h"
#include "util.h"

static int
fp_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* One element: a fingerprint string or an object holding one. */
static const char *
element_fingerprint(json_t *e)
{
	if (json_is_object(e))
		e = json_object_get(e, "fingerprint");
	return json_string_value(e);
}

static bool
load_list(struct baseline *b, json_t *list, const char *file, char **err)
{
	size_t i;
	json_t *e;

	b->fp = xcalloc(json_array_size(list) + 1, sizeof(*b->fp));
	json_array_foreach(list, i, e) {
		const char *fp = element_fingerprint(e);

		if (fp == NULL) {
			*err = xasprintf("%s: element %zu is not a fingerprint", file, i);
			return false;
		}
		b->fp[b->n++] = xstrdup(fp);
	}
	qsort(b->fp, b->n, sizeof(*b->fp), fp_cmp);
	return true;
}

bool
baseline_load(struct baseline *b, const char *file, char **err)
{
	char *data = NULL;
	size_t len = 0;
	char *rerr = NULL;
	json_error_t jerr;
	json_t *doc;
	json_t *list;
	bool ok;

	memset(b, 0, sizeof(*b));
	switch (host_read(file, &data, &len, &rerr)) {
	case READ_OK:
		break;
	case READ_MISSING:
		*err = xasprintf("%s: no such file", file);
		return false;
	case READ_FAILED:
		*err = xasprintf("%s: %s", file, rerr);
		free(rerr);
		return false;
	}
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	free(data);
	if (doc == NULL) {
		*err = xasprintf("%s:%d: not JSON: %s", file, jerr.line, jerr.text);
		return false;
	}
	/* a list, {"fingerprints": [...]}, or a cfaudit report's findings */
	list = doc;
	if (json_is_object(doc))
		list = json_object_get(doc, json_object_get(doc, "fingerprints") ? "fingerprints"
										 : "findings");
	if (!json_is_array(list)) {
		*err = xasprintf("%s: not a list of fingerprints", file);
		json_decref(doc);
		return false;
	}
	ok = load_list(b, list, file, err);
	json_decref(doc);
	if (!ok)
		baseline_free(b);
	return ok;
}

void
baseline_apply(struct audit *a, const struct baseline *b)
{
	size_t i;

	for (i = 0; i < a->nfinding; i++) {
		const char *key = a->findings[i].fingerprint;

		if (b->n && bsearch(&key, b->fp, b->n, sizeof(*b->fp), fp_cmp))
			a->findings[i].baselined = true;
	}
}

bool
baseline_write(const struct audit *a, const char *file, char **err)
{
	struct baseline b = {0, NULL};
	json_t *list = json_array();
	FILE *out;
	size_t i;
	bool ok;

	b.fp = xcalloc(a->nfinding + 1, sizeof(*b.fp));
	for (i = 0; i < a->nfinding; i++)
		if (a->findings[i].suppressed == NULL)
			b.fp[b.n++] = a->findings[i].fingerprint;
	qsort(b.fp, b.n, sizeof(*b.fp), fp_cmp);
	for (i = 0; i < b.n; i++)
		if (i == 0 || strcmp(b.fp[i - 1], b.fp[i]) != 0)
			json_array_append_new(list, json_string(b.fp[i]));
	free(b.fp);
	if ((out = fopen(file, "w")) == NULL) {
		*err = xasprintf("%s: %s", file, strerror(errno));
		json_decref(list);
		return false;
	}
	ok = json_dumpf(list, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF;
	ok &= fclose(out) == 0;
	json_decref(list);
	if (!ok)
		*err = xasprintf("%s: could not be written", file);
	return ok;
}

void
baseline_free(struct baseline *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->fp[i]);
	free(b->fp);
	memset(b, 0, sizeof(*b));
}
