/* Helpers shared by the jansson reporters. */
#include "jsonout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A JSON string from bytes that may not be UTF-8: invalid bytes become
 * U+FFFD. */
json_t *
json_text(const char *s)
{
	json_t *j;
	struct buf b = {NULL, 0, 0};
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	while (*p) {
		json_t *one;
		size_t n;

		for (n = 1; n <= 4; n++) {
			char tmp[5];

			memcpy(tmp, p, n);
			tmp[n] = '\0';
			if (memchr(tmp, '\0', n))
				break;
			if ((one = json_stringn(tmp, n)) != NULL) {
				json_decref(one);
				break;
			}
		}
		if (n <= 4 && memchr(p, '\0', n) == NULL) {
			buf_add(&b, (const char *)p, n);
			p += n;
		} else {
			buf_adds(&b, "\xef\xbf\xbd");
			p++;
		}
	}
	j = json_string(b.p ? b.p : "");
	buf_free(&b);
	return j ? j : json_string("");
}

json_t *
json_summary(const struct audit *a)
{
	struct summary s;

	audit_summary(a, &s);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:b, s:i}", "error",
			 (json_int_t)s.n[SEV_ERROR], "warning", (json_int_t)s.n[SEV_WARNING],
			 "info", (json_int_t)s.n[SEV_INFO], "suppressed", (json_int_t)s.suppressed,
			 "baselined", (json_int_t)s.baselined, "complete", audit_complete(a),
			 "exit_status", audit_exit_status(a));
}

/* jansson hands the dump over in pieces of a few bytes (a key, a colon,
 * the indentation); json_dumpf calls fwrite for each, which costs more
 * than making them (20,000 inputs: a tenth of an Apache audit). They are
 * gathered here and written a buffer at a time. */
struct dump_out {
	FILE *out;
	size_t len;
	char data[64 * 1024];
};

static bool
dump_flush(struct dump_out *d)
{
	size_t n = d->len;

	d->len = 0;
	return fwrite(d->data, 1, n, d->out) == n;
}

static int
dump_piece(const char *piece, size_t size, void *arg)
{
	struct dump_out *d = arg;

	if (size > sizeof(d->data) - d->len) {
		if (!dump_flush(d))
			return -1;
		if (size > sizeof(d->data))
			return fwrite(piece, 1, size, d->out) == size ? 0 : -1;
	}
	memcpy(d->data + d->len, piece, size);
	d->len += size;
	return 0;
}

bool
json_write(FILE *out, json_t *j)
{
	struct dump_out *d;
	bool ok;

	if (j == NULL)
		return false;
	d = xmalloc(sizeof(*d));
	d->out = out;
	d->len = 0;
	ok = json_dump_callback(j, dump_piece, d, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
	     dump_flush(d);
	free(d);
	return ok && fputc('\n', out) != EOF;
}
