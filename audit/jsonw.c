/* The streaming JSON writer (jsonw.h): jansson's layout, byte for byte
 * (tests/unit/test_jsonw.c compares the two on generated values). */
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct jw *
jw_new(FILE *out, int indent)
{
	struct jw *w = xmalloc(sizeof(*w));

	w->out = out;
	w->indent = indent;
	w->depth = 0;
	w->after_key = false;
	w->failed = false;
	w->len = 0;
	return w;
}

static void
flush(struct jw *w)
{
	if (!w->failed && w->len && fwrite(w->data, 1, w->len, w->out) != w->len)
		w->failed = true;
	w->len = 0;
}

static void
put(struct jw *w, const char *p, size_t n)
{
	if (n > sizeof(w->data) - w->len) {
		flush(w);
		if (n > sizeof(w->data)) {
			if (!w->failed && fwrite(p, 1, n, w->out) != n)
				w->failed = true;
			return;
		}
	}
	memcpy(w->data + w->len, p, n);
	w->len += n;
}

static void
putc1(struct jw *w, char c)
{
	if (w->len == sizeof(w->data))
		flush(w);
	w->data[w->len++] = c;
}

/* jansson's dump_indent: a newline and the depth's spaces, or nothing when
 * compact. */
static void
newline(struct jw *w, int depth)
{
	int n;

	if (w->indent == 0)
		return;
	putc1(w, '\n');
	for (n = w->indent * depth; n > 0; n--)
		putc1(w, ' ');
}

/* Before a member or an element: the separator from the one before, and
 * the indentation. */
static void
separate(struct jw *w)
{
	if (w->depth == 0)
		return;
	if (!w->empty[w->depth - 1])
		putc1(w, ',');
	w->empty[w->depth - 1] = false;
	newline(w, w->depth);
}

static void
value_start(struct jw *w)
{
	if (w->after_key)
		w->after_key = false;
	else
		separate(w);
}

/* The length of the UTF-8 sequence at p that jansson accepts (utf8.c:
 * no overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n;
	size_t i;
	unsigned long v;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, v = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, v = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, v = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf) /* the NUL ending s too */
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		return 0;
	return n;
}

/* jansson's escapes: the quote, the backslash, and the control
 * characters (\b \f \n \r \t, else \u00XX in capitals). */
static void
put_escape(struct jw *w, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char seq[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

	switch (c) {
	case '"':
		put(w, "\\\"", 2);
		break;
	case '\\':
		put(w, "\\\\", 2);
		break;
	case '\b':
		put(w, "\\b", 2);
		break;
	case '\f':
		put(w, "\\f", 2);
		break;
	case '\n':
		put(w, "\\n", 2);
		break;
	case '\r':
		put(w, "\\r", 2);
		break;
	case '\t':
		put(w, "\\t", 2);
		break;
	default:
		put(w, seq, sizeof(seq));
	}
}

/* The bytes put_string copies as they are without a look: printable
 * ASCII but the quote and the backslash. */
static bool
plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static void
put_string(struct jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;
	size_t n;

	putc1(w, '"');
	while (*p) {
		while (plain_byte(p[0]) && plain_byte(p[1]) && plain_byte(p[2]) && plain_byte(p[3]))
			p += 4;
		if (plain_byte(*p)) {
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		if (*p >= 0x80 && (n = utf8_len(p)) > 0) {
			p += n;
			continue;
		}
		put(w, (const char *)run, (size_t)(p - run));
		if (*p < 0x80)
			put_escape(w, *p);
		else
			put(w, "\xef\xbf\xbd", 3); /* U+FFFD for a byte that is not UTF-8 */
		run = ++p;
	}
	put(w, (const char *)run, (size_t)(p - run));
	putc1(w, '"');
}

static void
open_container(struct jw *w, char open, char close)
{
	value_start(w);
	putc1(w, open);
	if (w->depth == JW_MAX_DEPTH)
		abort(); /* the reports nest a few levels: a programming error */
	w->close[w->depth] = close;
	w->empty[w->depth++] = true;
}

void
jw_object(struct jw *w)
{
	open_container(w, '{', '}');
}

void
jw_array(struct jw *w)
{
	open_container(w, '[', ']');
}

void
jw_end(struct jw *w)
{
	w->depth--;
	if (!w->empty[w->depth])
		newline(w, w->depth);
	putc1(w, w->close[w->depth]);
}

void
jw_key(struct jw *w, const char *key)
{
	separate(w);
	put_string(w, key);
	if (w->indent)
		put(w, ": ", 2);
	else
		putc1(w, ':');
	w->after_key = true;
}

void
jw_text(struct jw *w, const char *s)
{
	if (s == NULL) {
		jw_null(w);
		return;
	}
	value_start(w);
	put_string(w, s);
}

void
jw_int(struct jw *w, long long v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", v);

	value_start(w);
	put(w, num, (size_t)n);
}

void
jw_bool(struct jw *w, bool v)
{
	value_start(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void
jw_null(struct jw *w)
{
	value_start(w);
	put(w, "null", 4);
}

void
jw_key_text(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_text(w, s);
}

void
jw_key_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

/* jansson's pieces of a value dumped at depth 0: each newline (only
 * indentation makes one; strings are escaped) gets the writer's depth's
 * spaces too. */
static int
json_piece(const char *piece, size_t size, void *arg)
{
	struct jw *w = arg;

	put(w, piece, size);
	if (size == 1 && piece[0] == '\n') {
		int n;

		for (n = w->indent * w->depth; n > 0; n--)
			putc1(w, ' ');
	}
	return 0;
}

void
jw_json(struct jw *w, json_t *j)
{
	size_t flags = JSON_ENCODE_ANY | JSON_PRESERVE_ORDER;

	if (j == NULL) {
		jw_null(w);
		return;
	}
	flags |= w->indent ? JSON_INDENT(w->indent) : JSON_COMPACT;
	value_start(w);
	if (json_dump_callback(j, json_piece, w, flags) != 0)
		w->failed = true;
	json_decref(j);
}

bool
jw_finish(struct jw *w)
{
	bool ok;

	putc1(w, '\n');
	flush(w);
	ok = !w->failed;
	free(w);
	return ok;
}
