/* IP addresses as 128-bit keys and sets of them as sorted, merged intervals
 * (nftables intervals.c). IPv4 addresses are the low 32 bits of the key; a set
 * holds one family only. */
#ifndef CFAUDIT_ADDR_H
#define CFAUDIT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 u128;

enum family {
	FAM_V4 = 0,
	FAM_V6 = 1,
	FAM_COUNT
};

#define FAM_BIT(f) (1u << (f))
#define FAM_BOTH (FAM_BIT(FAM_V4) | FAM_BIT(FAM_V6))

struct cidr {
	enum family fam;
	u128 lo;
	u128 hi;
	unsigned prefix; /* prefix length when the interval is one CIDR block */
};

/* Largest address of a family. */
u128 fam_max(enum family fam);
const char *fam_name(enum family fam); /* "ipv4" / "ipv6" */

/* Parse "a.b.c.d", "a.b.c.d/len", "a.b.c.d/m.m.m.m" (contiguous masks only),
 * "x::y", "x::y/len"; host bits are cleared as iptables does. */
bool cidr_parse(const char *s, struct cidr *out);
/* Parse a single address of either family. */
bool addr_parse(const char *s, enum family *fam, u128 *out);
/* The n bytes at s as inet_pton(AF_INET) reads a string: four decimal
 * octets, none above 255, no leading zero. */
bool ip4_parse(const char *s, size_t n, uint32_t *out);
/* Parse "a-b" (iprange, ipset ranges). */
bool range_parse(const char *s, struct cidr *out);

/* Format into buf (at least ADDR_STRLEN bytes). */
#define ADDR_STRLEN 64
void addr_format(enum family fam, u128 a, char *buf, size_t len);
/* "lo/len" when [lo, hi] is one block, else "lo-hi". */
void interval_format(enum family fam, u128 lo, u128 hi, char *buf, size_t len);

/* A set of addresses: after ivset_normalize the intervals are sorted, disjoint
 * and not adjacent. */
struct iv {
	u128 lo;
	u128 hi;
};

struct ivset {
	enum family fam;
	size_t n;
	size_t cap;
	struct iv *v;
	bool sorted; /* normalised since the last add */
};

void ivset_init(struct ivset *s, enum family fam);
void ivset_free(struct ivset *s);
void ivset_add(struct ivset *s, u128 lo, u128 hi);
void ivset_add_cidr(struct ivset *s, const struct cidr *c);
void ivset_normalize(struct ivset *s);
void ivset_copy(struct ivset *dst, const struct ivset *src);
/* The following need a normalised set. */
bool ivset_contains(const struct ivset *s, u128 a);
bool ivset_covers(const struct ivset *s, u128 lo, u128 hi);   /* [lo, hi] wholly inside */
bool ivset_overlaps(const struct ivset *s, u128 lo, u128 hi); /* some of [lo, hi] inside */
bool ivset_is_full(const struct ivset *s);
/* dst = a - b (both normalised). */
void ivset_subtract(struct ivset *dst, const struct ivset *a, const struct ivset *b);
/* Every boundary of s that falls inside [lo, hi] (as "a new piece starts here")
 * is handed to cut(). */
void ivset_cuts(const struct ivset *s, u128 lo, u128 hi, void (*cut)(void *, u128), void *arg);

/* An IPv4 interval in 32 bits: a quarter of a struct iv. */
struct iv4 {
	uint32_t lo;
	uint32_t hi;
};

/* A normalised address set frozen for lookups. What an ipset's members
 * become (a million of them in a big deny list), so IPv4 intervals are kept
 * in 32-bit pairs (v4); otherwise v holds them, which is also how an ivset
 * is looked at as an addrset (addrset_view) so one set of questions serves
 * both. */
struct addrset {
	enum family fam;
	size_t n;
	struct iv4 *v4; /* the intervals when not NULL */
	struct iv *v;   /* the intervals when v4 is NULL */
};

/* A normalised ivset seen as an addrset (nothing copied: s must outlive it). */
struct addrset addrset_view(const struct ivset *s);
/* dst owns the n IPv4 intervals at v, given in any order, overlapping or
 * not: v is sorted and merged in place (and shrunk). */
void addrset_take_v4(struct addrset *dst, struct iv4 *v, size_t n);
/* dst owns src's intervals (src is normalised first, then left empty). */
void addrset_take(struct addrset *dst, struct ivset *src);
void addrset_free(struct addrset *s);
/* Interval i (i < n). */
struct iv addrset_at(const struct addrset *s, size_t i);
bool addrset_contains(const struct addrset *s, u128 a);
bool addrset_covers(const struct addrset *s, u128 lo, u128 hi);
bool addrset_overlaps(const struct addrset *s, u128 lo, u128 hi);
/* As ivset_cuts. */
void addrset_cuts(const struct addrset *s, u128 lo, u128 hi, void (*cut)(void *, u128), void *arg);

/* Loopback, as the rule "a rule on lo never matches" needs. */
bool addr_is_loopback(enum family fam, u128 a);

#endif
