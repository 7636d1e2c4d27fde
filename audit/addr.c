#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

u128
fam_max(enum family fam)
{
	return fam == FAM_V4 ? (u128)0xffffffffu : ~(u128)0;
}

const char *
fam_name(enum family fam)
{
	return fam == FAM_V4 ? "ipv4" : "ipv6";
}

static unsigned
fam_bits(enum family fam)
{
	return fam == FAM_V4 ? 32 : 128;
}

/* Addresses with all bits below the prefix set. */
static u128
host_mask(enum family fam, unsigned prefix)
{
	unsigned bits = fam_bits(fam) - prefix;

	if (bits == 0)
		return 0;
	if (bits >= 128)
		return ~(u128)0;
	return ((u128)1 << bits) - 1;
}

bool
ip4_parse(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	unsigned cur = 0;
	unsigned octets = 0;
	bool saw_digit = false;
	size_t i;

	/* inet_pton4 of glibc and the BSDs, step by step: what the parsers
	 * accepted through inet_pton, on the bytes in place */
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch >= '0' && ch <= '9') {
			unsigned nv = cur * 10 + (unsigned)(ch - '0');

			if (saw_digit && cur == 0)
				return false;
			if (nv > 255)
				return false;
			cur = nv;
			if (!saw_digit) {
				if (++octets > 4)
					return false;
				saw_digit = true;
			}
		} else if (ch == '.' && saw_digit) {
			if (octets == 4)
				return false;
			v = (v << 8) | cur;
			cur = 0;
			saw_digit = false;
		} else {
			return false;
		}
	}
	if (octets < 4)
		return false;
	*out = (v << 8) | cur;
	return true;
}

bool
addr_parse(const char *s, enum family *fam, u128 *out)
{
	unsigned char b[16];
	u128 a = 0;
	int i;

	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, b) != 1)
			return false;
		for (i = 0; i < 16; i++)
			a = (a << 8) | b[i];
		*fam = FAM_V6;
	} else {
		/* inet_pton refuses the short forms iptables accepts only via
		 * getaddrinfo; iptables-save always prints four octets. */
		uint32_t v4;

		if (!ip4_parse(s, strlen(s), &v4))
			return false;
		a = v4;
		*fam = FAM_V4;
	}
	*out = a;
	return true;
}

/* A dotted mask must be contiguous ones; returns its prefix length or -1. */
static int
mask_prefix(const char *s)
{
	enum family fam;
	u128 m;
	int len = 0;

	if (!addr_parse(s, &fam, &m) || fam != FAM_V4)
		return -1;
	while (len < 32 && (m & ((u128)1 << (31 - len))))
		len++;
	if (m != ((u128)0xffffffffu & ~host_mask(FAM_V4, (unsigned)len)))
		return -1;
	return len;
}

bool
cidr_parse(const char *s, struct cidr *out)
{
	char tmp[128];
	char *slash;
	unsigned long long plen;
	int dotted;

	if (strlen(s) >= sizeof(tmp))
		return false;
	memcpy(tmp, s, strlen(s) + 1);
	slash = strchr(tmp, '/');
	if (slash)
		*slash++ = '\0';
	if (!addr_parse(tmp, &out->fam, &out->lo))
		return false;
	out->prefix = fam_bits(out->fam);
	if (slash) {
		if (strchr(slash, '.')) {
			if (out->fam != FAM_V4 || (dotted = mask_prefix(slash)) < 0)
				return false;
			out->prefix = (unsigned)dotted;
		} else {
			if (!parse_uint(slash, 0, fam_bits(out->fam), &plen))
				return false;
			out->prefix = (unsigned)plen;
		}
	}
	out->lo &= ~host_mask(out->fam, out->prefix) & fam_max(out->fam);
	out->hi = out->lo | host_mask(out->fam, out->prefix);
	return true;
}

bool
range_parse(const char *s, struct cidr *out)
{
	char tmp[160];
	char *dash;
	enum family f2;

	if (strlen(s) >= sizeof(tmp))
		return false;
	memcpy(tmp, s, strlen(s) + 1);
	dash = strchr(tmp, '-');
	if (dash == NULL)
		return cidr_parse(s, out);
	*dash++ = '\0';
	if (!addr_parse(tmp, &out->fam, &out->lo) || !addr_parse(dash, &f2, &out->hi))
		return false;
	if (f2 != out->fam || out->hi < out->lo)
		return false;
	out->prefix = 0;
	return true;
}

/* "a.b.c.d", as inet_ntop writes it; glibc's formats each byte with
 * sprintf, which was a third of writing a big JSON report. */
static void
ip4_format(uint32_t a, char *buf, size_t len)
{
	char text[INET_ADDRSTRLEN];
	char *p = text;
	int shift;

	for (shift = 24; shift >= 0; shift -= 8) {
		unsigned v = (a >> shift) & 0xff;

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = shift ? '.' : '\0';
	}
	if (len > 0) {
		size_t n = (size_t)(p - text);

		if (n > len)
			n = len;
		memcpy(buf, text, n);
		buf[n - 1] = '\0';
	}
}

void
addr_format(enum family fam, u128 a, char *buf, size_t len)
{
	unsigned char b[16];
	int i;

	if (fam == FAM_V4) {
		ip4_format((uint32_t)a, buf, len);
	} else {
		for (i = 15; i >= 0; i--, a >>= 8)
			b[i] = (unsigned char)(a & 0xff);
		inet_ntop(AF_INET6, b, buf, (socklen_t)len);
	}
}

void
interval_format(enum family fam, u128 lo, u128 hi, char *buf, size_t len)
{
	char a[ADDR_STRLEN];
	char b[ADDR_STRLEN];
	unsigned prefix;

	addr_format(fam, lo, a, sizeof(a));
	for (prefix = 0; prefix <= fam_bits(fam); prefix++) {
		u128 hm = host_mask(fam, prefix);

		if ((lo & hm) == 0 && (lo | hm) == hi) {
			snprintf(buf, len, "%s/%u", a, prefix);
			return;
		}
	}
	addr_format(fam, hi, b, sizeof(b));
	snprintf(buf, len, "%s-%s", a, b);
}

void
ivset_init(struct ivset *s, enum family fam)
{
	memset(s, 0, sizeof(*s));
	s->fam = fam;
	s->sorted = true;
}

void
ivset_free(struct ivset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

void
ivset_add(struct ivset *s, u128 lo, u128 hi)
{
	struct iv iv = {lo, hi};

	if (s->n > 0 && s->sorted && s->v[s->n - 1].hi < lo && s->v[s->n - 1].hi + 1 < lo) {
		/* appending in order keeps the set normalised */
	} else if (s->n > 0) {
		s->sorted = false;
	}
	/* most sets hold one interval (a rule's -s): start small */
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = iv;
}

void
ivset_add_cidr(struct ivset *s, const struct cidr *c)
{
	ivset_add(s, c->lo, c->hi);
}

static int
iv_cmp(const void *a, const void *b)
{
	const struct iv *x = a;
	const struct iv *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

/* IPv4 keys fit in 32 bits: two 16-bit LSD radix passes on lo beat qsort
 * with a 128-bit comparator by an order of magnitude on million-entry sets.
 * Intervals with equal lo keep their order; the merges do not care. One
 * body for both interval types (struct iv, 128-bit bounds holding an IPv4
 * address, and the compact struct iv4): the hot path stays a plain loop. */
#define RADIX_SORT_V4(name, type)                                                                  \
	static void name(type *v, size_t n)                                                        \
	{                                                                                          \
		type *tmp = xreallocarray(NULL, n, sizeof(*tmp));                                  \
		size_t *count = xcalloc(65536 + 1, sizeof(*count));                                \
		int pass;                                                                          \
		size_t i;                                                                          \
                                                                                                   \
		for (pass = 0; pass < 2; pass++) {                                                 \
			unsigned shift = pass * 16u;                                               \
			type *from = pass == 0 ? v : tmp;                                          \
			type *to = pass == 0 ? tmp : v;                                            \
                                                                                                   \
			memset(count, 0, (65536 + 1) * sizeof(*count));                            \
			for (i = 0; i < n; i++)                                                    \
				count[((unsigned)(from[i].lo >> shift) & 0xffff) + 1]++;           \
			for (i = 1; i <= 65536; i++)                                               \
				count[i] += count[i - 1];                                          \
			for (i = 0; i < n; i++)                                                    \
				to[count[(unsigned)(from[i].lo >> shift) & 0xffff]++] = from[i];   \
		}                                                                                  \
		free(count);                                                                       \
		free(tmp);                                                                         \
	}

RADIX_SORT_V4(radix_sort_v4, struct iv)
RADIX_SORT_V4(radix_sort_iv4, struct iv4)

void
ivset_normalize(struct ivset *s)
{
	size_t i;
	size_t out = 0;

	if (s->sorted)
		return;
	if (s->fam == FAM_V4 && s->n > 4096)
		radix_sort_v4(s->v, s->n);
	else
		qsort(s->v, s->n, sizeof(*s->v), iv_cmp);
	for (i = 0; i < s->n; i++) {
		/* merge overlapping and adjacent intervals (hi + 1 cannot wrap
		 * unless hi is the maximum, which then absorbs everything) */
		if (out > 0 && (s->v[out - 1].hi == ~(u128)0 || s->v[i].lo <= s->v[out - 1].hi + 1)) {
			if (s->v[i].hi > s->v[out - 1].hi)
				s->v[out - 1].hi = s->v[i].hi;
			continue;
		}
		s->v[out++] = s->v[i];
	}
	s->n = out;
	s->sorted = true;
}

void
ivset_copy(struct ivset *dst, const struct ivset *src)
{
	ivset_init(dst, src->fam);
	dst->n = dst->cap = src->n;
	dst->v = xreallocarray(NULL, src->n, sizeof(*src->v));
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->sorted = src->sorted;
}

/* Index of the first of the n sorted intervals at v whose hi >= a (n when
 * none). */
static size_t
first_iv_ending_at_or_after(const struct iv *v, size_t n, u128 a)
{
	size_t lo = 0;
	size_t hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].hi < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t
first_ending_at_or_after(const struct ivset *s, u128 a)
{
	return first_iv_ending_at_or_after(s->v, s->n, a);
}

bool
ivset_contains(const struct ivset *s, u128 a)
{
	size_t i = first_ending_at_or_after(s, a);

	return i < s->n && s->v[i].lo <= a;
}

bool
ivset_covers(const struct ivset *s, u128 lo, u128 hi)
{
	size_t i = first_ending_at_or_after(s, lo);

	return i < s->n && s->v[i].lo <= lo && s->v[i].hi >= hi;
}

bool
ivset_overlaps(const struct ivset *s, u128 lo, u128 hi)
{
	size_t i = first_ending_at_or_after(s, lo);

	return i < s->n && s->v[i].lo <= hi;
}

bool
ivset_is_full(const struct ivset *s)
{
	return s->n == 1 && s->v[0].lo == 0 && s->v[0].hi == fam_max(s->fam);
}

void
ivset_subtract(struct ivset *dst, const struct ivset *a, const struct ivset *b)
{
	size_t i;
	size_t j = 0;

	ivset_init(dst, a->fam);
	for (i = 0; i < a->n; i++) {
		u128 lo = a->v[i].lo;
		u128 hi = a->v[i].hi;
		bool empty = false;

		while (j < b->n && b->v[j].hi < lo)
			j++;
		for (size_t k = j; k < b->n && b->v[k].lo <= hi; k++) {
			if (b->v[k].lo > lo)
				ivset_add(dst, lo, b->v[k].lo - 1);
			if (b->v[k].hi >= hi) {
				empty = true;
				break;
			}
			lo = b->v[k].hi + 1;
		}
		if (!empty)
			ivset_add(dst, lo, hi);
	}
	dst->sorted = true;
}

void
ivset_cuts(const struct ivset *s, u128 lo, u128 hi, void (*cut)(void *, u128), void *arg)
{
	size_t i = first_ending_at_or_after(s, lo);

	for (; i < s->n && s->v[i].lo <= hi; i++) {
		if (s->v[i].lo > lo)
			cut(arg, s->v[i].lo);
		if (s->v[i].hi < hi)
			cut(arg, s->v[i].hi + 1);
	}
}

struct addrset
addrset_view(const struct ivset *s)
{
	struct addrset v = {s->fam, s->n, NULL, s->v};

	return v;
}

static int
iv4_cmp(const void *a, const void *b)
{
	const struct iv4 *x = a;
	const struct iv4 *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

void
addrset_take_v4(struct addrset *dst, struct iv4 *v, size_t n)
{
	size_t i;
	size_t out = 0;

	if (n > 4096)
		radix_sort_iv4(v, n);
	else if (n > 1)
		qsort(v, n, sizeof(*v), iv4_cmp);
	for (i = 0; i < n; i++) {
		/* as ivset_normalize: overlapping and adjacent ones merge */
		if (out > 0 && (v[out - 1].hi == UINT32_MAX || v[i].lo <= v[out - 1].hi + 1)) {
			if (v[i].hi > v[out - 1].hi)
				v[out - 1].hi = v[i].hi;
			continue;
		}
		v[out++] = v[i];
	}
	memset(dst, 0, sizeof(*dst));
	dst->fam = FAM_V4;
	dst->n = out;
	if (out == 0) {
		free(v);
		return;
	}
	dst->v4 = xreallocarray(v, out, sizeof(*v));
}

void
addrset_take(struct addrset *dst, struct ivset *src)
{
	size_t i;

	ivset_normalize(src);
	memset(dst, 0, sizeof(*dst));
	dst->fam = src->fam;
	dst->n = src->n;
	if (src->n == 0) {
		free(src->v);
	} else if (src->fam == FAM_V4) {
		/* IPv4 addrsets are always compact */
		dst->v4 = xreallocarray(NULL, src->n, sizeof(*dst->v4));
		for (i = 0; i < src->n; i++) {
			dst->v4[i].lo = (uint32_t)src->v[i].lo;
			dst->v4[i].hi = (uint32_t)src->v[i].hi;
		}
		free(src->v);
	} else {
		dst->v = xreallocarray(src->v, src->n, sizeof(*src->v));
	}
	src->v = NULL;
	src->n = src->cap = 0;
}

void
addrset_free(struct addrset *s)
{
	free(s->v4);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

struct iv
addrset_at(const struct addrset *s, size_t i)
{
	struct iv iv;

	if (s->v4 == NULL)
		return s->v[i];
	iv.lo = s->v4[i].lo;
	iv.hi = s->v4[i].hi;
	return iv;
}

/* first_ending_at_or_after for an addrset. */
static size_t
addrset_first_ending(const struct addrset *s, u128 a)
{
	size_t lo = 0;
	size_t hi = s->n;

	if (s->v4 == NULL)
		return first_iv_ending_at_or_after(s->v, s->n, a);
	if (a > UINT32_MAX)
		return s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v4[mid].hi < (uint32_t)a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
addrset_contains(const struct addrset *s, u128 a)
{
	size_t i = addrset_first_ending(s, a);

	return i < s->n && addrset_at(s, i).lo <= a;
}

bool
addrset_covers(const struct addrset *s, u128 lo, u128 hi)
{
	size_t i = addrset_first_ending(s, lo);
	struct iv iv;

	if (i == s->n)
		return false;
	iv = addrset_at(s, i);
	return iv.lo <= lo && iv.hi >= hi;
}

bool
addrset_overlaps(const struct addrset *s, u128 lo, u128 hi)
{
	size_t i = addrset_first_ending(s, lo);

	return i < s->n && addrset_at(s, i).lo <= hi;
}

void
addrset_cuts(const struct addrset *s, u128 lo, u128 hi, void (*cut)(void *, u128), void *arg)
{
	size_t i = addrset_first_ending(s, lo);

	for (; i < s->n; i++) {
		struct iv iv = addrset_at(s, i);

		if (iv.lo > hi)
			break;
		if (iv.lo > lo)
			cut(arg, iv.lo);
		if (iv.hi < hi)
			cut(arg, iv.hi + 1);
	}
}

bool
addr_is_loopback(enum family fam, u128 a)
{
	if (fam == FAM_V4)
		return (a >> 24) == 127;
	return a == 1;
}
