#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(void)
{
	fputs("cfaudit: out of memory\n", stderr);
	exit(3);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* One formatting pass for the short strings most callers make (paths,
 * addresses): into a buffer on the stack, then copied; a second pass only
 * for what does not fit. */
char *
xvasprintf(const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		oom();
	if ((size_t)n < sizeof(small))
		return xstrndup(small, (size_t)n);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
grow(void **v, size_t *cap, size_t len, size_t size)
{
	size_t ncap;

	if (len < *cap)
		return;
	ncap = *cap ? *cap * 2 : 8;
	*v = xreallocarray(*v, ncap, size);
	*cap = ncap;
}

void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 64;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		b->p = xrealloc(b->p, ncap);
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_adds(b, s);
	free(s);
}

char *
buf_take(struct buf *b)
{
	char *p = b->p ? b->p : xstrdup("");

	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

bool
parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* A simple open-addressing table: file names are few, lookups many. The
 * firewall and the web servers' files are read on two threads
 * (discover.c): one lock, taken once per name. */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static char **interned;
static size_t interned_cap;
static size_t interned_len;

static size_t
str_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static const char *
intern_locked(const char *s)
{
	size_t i;

	if (interned_len * 2 >= interned_cap) {
		char **old = interned;
		size_t oldcap = interned_cap;

		interned_cap = oldcap ? oldcap * 2 : 64;
		interned = xcalloc(interned_cap, sizeof(*interned));
		for (i = 0; i < oldcap; i++) {
			size_t j;

			if (old[i] == NULL)
				continue;
			j = str_hash(old[i]) & (interned_cap - 1);
			while (interned[j])
				j = (j + 1) & (interned_cap - 1);
			interned[j] = old[i];
		}
		free(old);
	}
	i = str_hash(s) & (interned_cap - 1);
	while (interned[i]) {
		if (strcmp(interned[i], s) == 0)
			return interned[i];
		i = (i + 1) & (interned_cap - 1);
	}
	interned[i] = xstrdup(s);
	interned_len++;
	return interned[i];
}

const char *
intern(const char *s)
{
	const char *r;

	pthread_mutex_lock(&intern_lock);
	r = intern_locked(s);
	pthread_mutex_unlock(&intern_lock);
	return r;
}
