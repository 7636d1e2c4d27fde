/* Small helpers every module uses: allocation that never returns NULL,
 * growable arrays with a cap, bounded string building, checked number parsing. */
#ifndef CFAUDIT_UTIL_H
#define CFAUDIT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation failure ends the program with status 3 (mandoc_aux style). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Grow *v (holding *len of *cap elements of size) so one more fits. */
void grow(void **v, size_t *cap, size_t len, size_t size);
#define VEC_PUSH(arr, len, cap, val)                                                               \
	do {                                                                                       \
		grow((void **)&(arr), &(cap), (len), sizeof(*(arr)));                              \
		(arr)[(len)++] = (val);                                                            \
	} while (0)

/* A growable byte buffer (curl dynbuf): appends fail past cap. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};
void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_take(struct buf *b); /* NUL-terminated; b is reset */
void buf_free(struct buf *b);

/* strtonum-like: parse all of s as a decimal in [min, max]. */
bool parse_uint(const char *s, unsigned long long min, unsigned long long max,
		unsigned long long *out);

/* Intern a string for the lifetime of the run (file names in struct loc). */
const char *intern(const char *s);

#endif
