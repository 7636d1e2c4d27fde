/* The streaming JSON writer against its oracle, jansson: the same value
 * written both ways must be the same bytes (indented and compact), for
 * generated values with hostile strings (invalid UTF-8, control
 * characters, quotes), and with jansson values embedded at any depth. */
#include <jansson.h>
#include <stdint.h>

#include "jsonout.h"
#include "jsonw.h"
#include "unit.h"
#include "util.h"

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % n);
}

/* Bytes chosen to hit every branch of the escaping and the UTF-8 checks:
 * ASCII, escapes, controls, DEL, lead and continuation bytes, overlong
 * and surrogate forms, and valid two to four byte characters. */
static void
random_string(char *s, size_t cap)
{
	static const char *const pieces[] = {
		"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\b", "\f", "\r", "\x01", "\x1f",
		"\x7f", "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2\xa9", "\xdf", "\xe0\x80\x80",
		"\xe2\x82\xac", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xed\xa0\x80", "\xef\xbf\xbd", "\xf0\x9f\x98\x80", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xff", "\xe2\x82", "\xf0\x9f\x98",
	};
	size_t len = 0;
	unsigned n = rnd(12);

	s[0] = '\0';
	while (n-- > 0) {
		const char *p = pieces[rnd(ARRAY_LEN(pieces))];
		size_t pl = strlen(p);

		if (len + pl + 1 > cap)
			break;
		memcpy(s + len, p, pl + 1);
		len += pl;
	}
}

/* One generated value written to w and returned as jansson's. Depth-first
 * so that both see the same sequence of random choices. */
static json_t *
gen_value(struct jw *w, int depth)
{
	char s[128];
	unsigned kind = depth >= 4 ? rnd(5) : rnd(8);
	json_t *j;
	unsigned n;
	long long v;

	switch (kind) {
	case 0:
		random_string(s, sizeof(s));
		jw_text(w, s);
		return json_text(s);
	case 1:
		v = (long long)rnd(2000000) - 1000000;
		jw_int(w, v);
		return json_integer(v);
	case 2:
		n = rnd(2);
		jw_bool(w, n);
		return json_boolean(n);
	case 3:
		jw_null(w);
		return json_null();
	case 4:
		/* an embedded jansson value */
		j = json_pack("{s:[i, s, {}], s:{s:b}}", "x", (int)rnd(9), "y\n", "e", "k", 1);
		jw_json(w, json_incref(j));
		return j;
	case 5:
	case 6:
		j = json_array();
		jw_array(w);
		for (n = rnd(4); n > 0; n--)
			json_array_append_new(j, gen_value(w, depth + 1));
		jw_end(w);
		return j;
	default:
		j = json_object();
		jw_object(w);
		for (n = rnd(4); n > 0; n--) {
			char key[32];

			snprintf(key, sizeof(key), "k%u\t%u", n, rnd(100));
			jw_key(w, key);
			json_object_set_new(j, key, gen_value(w, depth + 1));
		}
		jw_end(w);
		return j;
	}
}

static char *
jansson_bytes(json_t *j, size_t flags)
{
	char *text = json_dumps(j, flags | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	char *line = xasprintf("%s\n", text);

	free(text);
	return line;
}

static void
same_as_jansson(int indent)
{
	int round;

	for (round = 0; round < 2000; round++) {
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		struct jw *w = jw_new(mem, indent);
		json_t *j;
		char *want;

		CHECK(mem != NULL);
		/* the reports' top level is an object */
		jw_object(w);
		jw_key(w, "v");
		j = json_pack("{s:o}", "v", gen_value(w, 0));
		jw_end(w);
		CHECK(jw_finish(w));
		fclose(mem);
		want = jansson_bytes(j, indent ? JSON_INDENT(indent) : JSON_COMPACT);
		if (strcmp(text, want) != 0)
			printf("# jw:\n%s# jansson:\n%s", text, want);
		CHECK_STR(text, want);
		free(want);
		free(text);
		json_decref(j);
	}
}

static void
indented_as_jansson(void)
{
	same_as_jansson(2);
}

static void
compact_as_jansson(void)
{
	same_as_jansson(0);
}

/* One report far bigger than the writer's buffer: every flush point. */
static void
long_report_as_jansson(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct jw *w = jw_new(mem, 2);
	json_t *j = json_array();
	char *want;
	int i;

	CHECK(mem != NULL);
	jw_array(w);
	for (i = 0; i < 20000; i++)
		json_array_append_new(j, gen_value(w, 1));
	jw_end(w);
	CHECK(jw_finish(w));
	fclose(mem);
	CHECK(len > 4 * 64 * 1024);
	want = jansson_bytes(j, JSON_INDENT(2));
	CHECK_STR(text, want);
	free(want);
	free(text);
	json_decref(j);
}

/* Strings of every length around the writer's 8-byte steps, plain and
 * with a byte to escape at each place. */
static void
lengths_as_jansson(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct jw *w = jw_new(mem, 2);
	json_t *j = json_array();
	char s[40];
	char *want;
	size_t n;
	size_t at;

	CHECK(mem != NULL);
	jw_array(w);
	for (n = 0; n < sizeof(s); n++)
		for (at = 0; at <= n; at++) {
			memset(s, 'a' + (int)(n % 26), n);
			s[n] = '\0';
			if (at < n)
				s[at] = "\"\\\n\x01\x7f\xc3"[at % 6];
			jw_text(w, s);
			json_array_append_new(j, json_text(s));
		}
	jw_end(w);
	CHECK(jw_finish(w));
	fclose(mem);
	want = jansson_bytes(j, JSON_INDENT(2));
	CHECK_STR(text, want);
	free(want);
	free(text);
	json_decref(j);
}

/* Empty containers and a long string that passes the buffer. */
static void
edges(void)
{
	char *big = xmalloc(200000);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct jw *w = jw_new(mem, 2);
	json_t *j;
	char *want;

	memset(big, 'x', 199999);
	big[199999] = '\0';
	jw_object(w);
	jw_key(w, "a");
	jw_array(w);
	jw_end(w);
	jw_key(w, "o");
	jw_object(w);
	jw_end(w);
	jw_key_text(w, "big", big);
	jw_key_int(w, "n", -9223372036854775807LL - 1);
	jw_key_text(w, "null", NULL);
	jw_end(w);
	CHECK(jw_finish(w));
	fclose(mem);
	j = json_pack("{s:[], s:{}, s:s, s:I, s:n}", "a", "o", "big", big, "n",
		      (json_int_t)(-9223372036854775807LL - 1), "null");
	want = jansson_bytes(j, JSON_INDENT(2));
	CHECK_STR(text, want);
	free(want);
	free(text);
	free(big);
	json_decref(j);
}

int
main(void)
{
	RUN(indented_as_jansson);
	RUN(compact_as_jansson);
	RUN(long_report_as_jansson);
	RUN(lengths_as_jansson);
	RUN(edges);
	return unit_failed;
}
