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

/* A writer into memory, to hold against jansson's dump of the same value. */
struct pair {
	char *text;
	size_t len;
	FILE *mem;
	struct jw *w;
	int indent;
};

static bool
pair_open(struct pair *p, int indent)
{
	p->text = NULL;
	p->len = 0;
	p->indent = indent;
	p->mem = open_memstream(&p->text, &p->len);
	p->w = p->mem ? jw_new(p->mem, indent) : NULL;
	return p->w != NULL;
}

/* Finish the writer and compare its bytes with jansson's dump of j (then
 * released): NULL when they are the same, else the two, to print. */
static char *
pair_differs(struct pair *p, json_t *j)
{
	size_t flags = JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
		       (p->indent ? JSON_INDENT(p->indent) : JSON_COMPACT);
	char *dump = json_dumps(j, flags);
	bool ok = jw_finish(p->w);
	char *why = NULL;

	fclose(p->mem);
	if (!ok || dump == NULL || strlen(p->text) != strlen(dump) + 1 ||
	    strncmp(p->text, dump, strlen(dump)) != 0 || p->text[strlen(dump)] != '\n')
		why = xasprintf("jw:\n%s\njansson:\n%s\n", p->text, dump ? dump : "(none)");
	free(dump);
	free(p->text);
	json_decref(j);
	return why;
}

#define CHECK_PAIR(p, j)                                                                           \
	do {                                                                                       \
		char *why_ = pair_differs((p), (j));                                               \
		if (why_)                                                                          \
			printf("# %s", why_);                                                      \
		free(why_);                                                                        \
		CHECK(why_ == NULL);                                                               \
	} while (0)

static void
same_as_jansson(int indent)
{
	int round;

	for (round = 0; round < 2000; round++) {
		struct pair p;
		json_t *j;

		CHECK(pair_open(&p, indent));
		/* the reports' top level is an object */
		jw_object(p.w);
		jw_key(p.w, "v");
		j = json_pack("{s:o}", "v", gen_value(p.w, 0));
		jw_end(p.w);
		CHECK_PAIR(&p, j);
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
	struct pair p;
	json_t *j = json_array();
	int i;

	CHECK(pair_open(&p, 2));
	jw_array(p.w);
	for (i = 0; i < 20000; i++)
		json_array_append_new(j, gen_value(p.w, 1));
	jw_end(p.w);
	CHECK_PAIR(&p, j);
	CHECK(p.len > 4 * 64 * 1024); /* several of the writer's buffers */
}

/* Strings of every length around the writer's 8-byte steps, plain and
 * with a byte to escape at each place. */
static void
lengths_as_jansson(void)
{
	struct pair p;
	json_t *j = json_array();
	char s[40];
	size_t n;
	size_t at;

	CHECK(pair_open(&p, 2));
	jw_array(p.w);
	for (n = 0; n < sizeof(s); n++)
		for (at = 0; at <= n; at++) {
			memset(s, 'a' + (int)(n % 26), n);
			s[n] = '\0';
			if (at < n)
				s[at] = "\"\\\n\x01\x7f\xc3"[at % 6];
			jw_text(p.w, s);
			json_array_append_new(j, json_text(s));
		}
	jw_end(p.w);
	CHECK_PAIR(&p, j);
}

/* Empty containers, the smallest integer, null, and a string longer than
 * the buffer. */
static void
edges(void)
{
	char *big = xmalloc(200000);
	struct pair p;
	json_t *j;

	memset(big, 'x', 199999);
	big[199999] = '\0';
	CHECK(pair_open(&p, 2));
	jw_object(p.w);
	jw_key(p.w, "a");
	jw_array(p.w);
	jw_end(p.w);
	jw_key(p.w, "o");
	jw_object(p.w);
	jw_end(p.w);
	jw_key_text(p.w, "big", big);
	jw_key_int(p.w, "n", -9223372036854775807LL - 1);
	jw_key_text(p.w, "null", NULL);
	jw_end(p.w);
	j = json_pack("{s:[], s:{}, s:s, s:I, s:n}", "a", "o", "big", big, "n",
		      (json_int_t)(-9223372036854775807LL - 1), "null");
	free(big);
	CHECK_PAIR(&p, j);
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
