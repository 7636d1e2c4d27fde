/* Helpers shared by the jansson reporters. */
#include "jsonout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
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

bool
json_write(FILE *out, json_t *j)
{
	struct jw *w;

	if (j == NULL)
		return false;
	w = jw_new(out, 2);
	jw_json(w, json_incref(j));
	return jw_finish(w);
}
