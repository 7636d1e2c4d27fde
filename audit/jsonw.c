/* The streaming JSON writer (jsonw.h): jansson's layout, byte for byte
 * (tests/unit/test_jsonw.c compares the two on generated values). */
#include "jsonw.h"

#include <stdint.h>
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
	static const char line[] = "\n                                                               ";
	size_t n;

	if (w->indent == 0)
		return;
	n = (size_t)(w->indent * depth);
	if (n < sizeof(line) - 1) {
		put(w, line, n + 1);
		return;
	}
	putc1(w, '\n');
	for (; n > 0; n--)
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

/* The bytes put_string copies as they are without a look: printable
 * ASCII but the quote and the backslash. */
static bool
plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Whether any of the 8 bytes of x is one plain_byte refuses: 0x80 or over,
 * under 0x20, '"' or '\\' ("has a byte less than n" and "has a zero
 * byte", Hacker's Delight 6-1: exact about whether there is one). */
static bool
any_special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;
	uint64_t quote = x ^ (ones * '"');
	uint64_t slash = x ^ (ones * '\\');

	return ((x | ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) |
		 ((slash - ones) & ~slash)) &
		highs) != 0;
}

/* s (len bytes before its NUL) escaped into d, which has room for it (6
 * bytes a byte at most); returns the end. jansson's escapes: the quote,
 * the backslash, and the control characters (\b \f \n \r \t, else
 * \u00XX in capitals); bytes that are not UTF-8 become U+FFFD. */
static char *
escape_into(char *d, const unsigned char *p, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *end = p + len;
	size_t n;

	while (*p) {
		while (end - p >= 8) {
			uint64_t x;

			memcpy(&x, p, 8);
			if (any_special8(x))
				break;
			memcpy(d, p, 8);
			d += 8;
			p += 8;
		}
		if (*p == '\0')
			break;
		if (plain_byte(*p)) {
			*d++ = (char)*p++;
			continue;
		}
		if (*p >= 0x80) {
			if ((n = utf8_len(p)) > 0) {
				memcpy(d, p, n);
				d += n;
				p += n;
			} else {
				memcpy(d, "\xef\xbf\xbd", 3); /* U+FFFD: not UTF-8 */
				d += 3;
				p++;
			}
			continue;
		}
		*d++ = '\\';
		switch (*p) {
		case '"':
		case '\\':
			*d++ = (char)*p;
			break;
		case '\b':
			*d++ = 'b';
			break;
		case '\f':
			*d++ = 'f';
			break;
		case '\n':
			*d++ = 'n';
			break;
		case '\r':
			*d++ = 'r';
			break;
		case '\t':
			*d++ = 't';
			break;
		default:
			memcpy(d, "u00", 3);
			d[3] = hex[*p >> 4];
			d[4] = hex[*p & 15];
			d += 5;
		}
		p++;
	}
	return d;
}

/* A quoted string, escaped straight into the buffer, which is first made
 * to hold the worst case (6 bytes a byte); a string too long for it is
 * escaped into memory of its own. */
static void
put_string(struct jw *w, const char *s)
{
	size_t len = strlen(s);
	size_t worst = 6 * len + 2;
	char *d;

	if (worst > sizeof(w->data)) {
		char *tmp = xmalloc(worst);

		d = escape_into(tmp + 1, (const unsigned char *)s, len);
		tmp[0] = '"';
		*d++ = '"';
		put(w, tmp, (size_t)(d - tmp));
		free(tmp);
		return;
	}
	if (sizeof(w->data) - w->len < worst)
		flush(w);
	d = w->data + w->len;
	*d++ = '"';
	d = escape_into(d, (const unsigned char *)s, len);
	*d++ = '"';
	w->len = (size_t)(d - w->data);
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

/* The member names are the reports' own words ("name", "line"): quoted
 * and followed by the separator in one copy when nothing needs escaping. */
static bool
plain_key(const char *key, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!plain_byte((unsigned char)key[i]))
			return false;
	return true;
}

void
jw_key(struct jw *w, const char *key)
{
	char quoted[64];
	size_t n = strlen(key);

	separate(w);
	if (n + 4 <= sizeof(quoted) && plain_key(key, n)) {
		quoted[0] = '"';
		memcpy(quoted + 1, key, n);
		memcpy(quoted + 1 + n, "\": ", 3);
		put(w, quoted, w->indent ? n + 4 : n + 3);
	} else {
		put_string(w, key);
		if (w->indent)
			put(w, ": ", 2);
		else
			putc1(w, ':');
	}
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
	char *p = num + sizeof(num);
	/* the magnitude as unsigned: LLONG_MIN has no positive twin */
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	value_start(w);
	put(w, p, (size_t)(num + sizeof(num) - p));
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
