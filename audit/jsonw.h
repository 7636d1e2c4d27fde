/* A streaming JSON writer whose bytes are exactly jansson's dump of the same
 * value (JSON_INDENT(n) | JSON_PRESERVE_ORDER, or JSON_COMPACT): the big
 * report arrays (40,000 hosts, 20,000 inputs) are written as they are walked
 * instead of being built as a jansson tree, dumped and freed (0.6 s of a
 * 2 s audit). Small parts can still be jansson values (jw_json).
 *
 * Strings go through jw_text: bytes that are not UTF-8 become U+FFFD, as
 * json_text does, so the output is always valid JSON. Errors stick: once a
 * write fails the writer writes nothing more and jw_finish says false. */
#ifndef CFAUDIT_JSONW_H
#define CFAUDIT_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

struct jw {
	FILE *out;
	int indent; /* spaces per level; 0: compact */
	int depth;
	bool empty[JW_MAX_DEPTH]; /* the open container has no member yet */
	char close[JW_MAX_DEPTH]; /* its closing bracket */
	bool after_key;           /* the next value is a member's */
	bool failed;
	size_t len;
	char data[64 * 1024];
};

/* indent 0 writes compact JSON (jansson's JSON_COMPACT). */
struct jw *jw_new(FILE *out, int indent);
/* Flush, end with a newline, free w: false if anything failed. */
bool jw_finish(struct jw *w);

void jw_object(struct jw *w);
void jw_array(struct jw *w);
void jw_end(struct jw *w); /* the object or array opened last */

/* The member name for the next value. */
void jw_key(struct jw *w, const char *key);

/* NULL writes null. */
void jw_text(struct jw *w, const char *s);
void jw_int(struct jw *w, long long v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A jansson value, at the writer's depth; j is released (NULL: null). */
void jw_json(struct jw *w, json_t *j);

/* key and value in one call */
void jw_key_text(struct jw *w, const char *key, const char *s);
void jw_key_int(struct jw *w, const char *key, long long v);

#endif
