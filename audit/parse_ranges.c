/* --ranges FILE: Cloudflare's ranges as plain CIDR lines (v4 and v6 mixed,
 * '#' comments) or as the API's JSON ({"result":{"ipv4_cidrs":[...],
 * "ipv6_cidrs":[...]}}), parsed with jansson. */
#include <jansson.h>
#include <string.h>

#include "parse.h"
#include "ranges.h"
#include "util.h"

static void
json_cidrs(struct cf_ranges *r, struct input *in, json_t *arr, const char *key, enum family fam)
{
	size_t i;
	json_t *v;

	if (arr == NULL)
		return;
	if (!json_is_array(arr)) {
		input_error(in, 1, "\"result.%s\" is not an array", key);
		return;
	}
	json_array_foreach(arr, i, v) {
		struct cidr c;

		if (!json_is_string(v) || !cidr_parse(json_string_value(v), &c) || c.fam != fam) {
			input_error(in, 1, "\"result.%s[%zu]\" is not an %s CIDR", key, i,
				    fam_name(fam));
			continue;
		}
		ranges_add(r, &c);
	}
}

static void
parse_json(struct cf_ranges *r, struct input *in, const char *data, size_t len)
{
	json_error_t err;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	json_t *result;

	if (root == NULL) {
		input_error(in, (unsigned)(err.line > 0 ? err.line : 1), "invalid JSON: %s",
			    err.text);
		return;
	}
	result = json_object_get(root, "result");
	if (!json_is_object(result)) {
		input_error(in, 1, "no \"result\" object (expected the API's /ips response)");
	} else {
		json_cidrs(r, in, json_object_get(result, "ipv4_cidrs"), "ipv4_cidrs", FAM_V4);
		json_cidrs(r, in, json_object_get(result, "ipv6_cidrs"), "ipv6_cidrs", FAM_V6);
	}
	json_decref(root);
}

static void
parse_plain(struct cf_ranges *r, struct input *in, const char *data, size_t len)
{
	size_t off = 0;
	unsigned line = 0;

	while (off < len) {
		const char *p = data + off;
		const char *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off;
		char *text;
		char *hash;
		char *s;
		char *e;
		struct cidr c;

		line++;
		off += n + 1;
		if (memchr(p, '\0', n)) {
			input_error(in, line, "NUL byte in text");
			continue;
		}
		text = xstrndup(p, n);
		if ((hash = strchr(text, '#')) != NULL)
			*hash = '\0';
		for (s = text; *s == ' ' || *s == '\t'; s++)
			;
		for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
			*--e = '\0';
		if (*s && !cidr_parse(s, &c))
			input_error(in, line, "not a CIDR: \"%.60s\"", s);
		else if (*s)
			ranges_add(r, &c);
		free(text);
	}
}

void
parse_ranges(struct cf_ranges *r, struct input *in, const char *data, size_t len)
{
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r'))
		i++;
	if (i < len && data[i] == '{')
		parse_json(r, in, data, len);
	else
		parse_plain(r, in, data, len);
	ranges_finish(r);
	if (r->n[FAM_V4] + r->n[FAM_V6] == 0 && in->status == IN_OK)
		input_error(in, 0, "no Cloudflare ranges in the file");
}
