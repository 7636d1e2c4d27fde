/* Addresses and interval sets. */
#include <arpa/inet.h>
#include <stdint.h>

#include "addr.h"
#include "unit.h"
#include "util.h"

static u128
A(const char *s)
{
	enum family f;
	u128 a = 0;

	addr_parse(s, &f, &a);
	return a;
}

static void
cidr_parsing(void)
{
	struct cidr c;
	char buf[128];

	CHECK(cidr_parse("173.245.48.0/20", &c));
	CHECK(c.fam == FAM_V4 && c.prefix == 20);
	CHECK(c.lo == A("173.245.48.0") && c.hi == A("173.245.63.255"));
	/* host bits are cleared, as iptables does */
	CHECK(cidr_parse("10.1.2.3/8", &c) && c.lo == A("10.0.0.0"));
	CHECK(cidr_parse("10.0.0.0/255.255.0.0", &c) && c.prefix == 16);
	CHECK(!cidr_parse("10.0.0.0/255.0.255.0", &c));
	CHECK(!cidr_parse("10.0.0.0/33", &c));
	CHECK(!cidr_parse("10.0.0/8", &c));
	CHECK(!cidr_parse("example.com", &c));
	CHECK(cidr_parse("2400:cb00::/32", &c) && c.fam == FAM_V6);
	interval_format(c.fam, c.lo, c.hi, buf, sizeof(buf));
	CHECK_STR(buf, "2400:cb00::/32");
	CHECK(range_parse("1.2.3.4-1.2.3.9", &c) && c.hi - c.lo == 5);
	interval_format(c.fam, c.lo, c.hi, buf, sizeof(buf));
	CHECK_STR(buf, "1.2.3.4-1.2.3.9");
	CHECK(!range_parse("1.2.3.9-1.2.3.4", &c));
	CHECK(!range_parse("1.2.3.4-::1", &c));
	CHECK(cidr_parse("0.0.0.0/0", &c) && c.lo == 0 && c.hi == 0xffffffffu);
	CHECK(cidr_parse("::/0", &c) && c.hi == ~(u128)0);
}

static void
ivset_merge(void)
{
	struct ivset s;
	struct cidr c;

	ivset_init(&s, FAM_V4);
	ivset_add(&s, 10, 20);
	ivset_add(&s, 21, 30); /* adjacent: merged */
	ivset_add(&s, 5, 12);  /* overlapping */
	ivset_add(&s, 40, 50);
	ivset_add(&s, 45, 45); /* inside */
	ivset_normalize(&s);
	CHECK(s.n == 2);
	CHECK(s.v[0].lo == 5 && s.v[0].hi == 30);
	CHECK(s.v[1].lo == 40 && s.v[1].hi == 50);
	CHECK(ivset_contains(&s, 5) && ivset_contains(&s, 30) && !ivset_contains(&s, 31));
	CHECK(ivset_covers(&s, 6, 29) && !ivset_covers(&s, 29, 41));
	CHECK(ivset_overlaps(&s, 29, 41) && !ivset_overlaps(&s, 31, 39));
	ivset_free(&s);
	ivset_init(&s, FAM_V6);
	cidr_parse("::/0", &c);
	ivset_add_cidr(&s, &c);
	ivset_add(&s, 7, 9);
	ivset_normalize(&s);
	CHECK(ivset_is_full(&s));
	ivset_free(&s);
}

static void
ivset_subtraction(void)
{
	struct ivset a;
	struct ivset b;
	struct ivset d;

	ivset_init(&a, FAM_V4);
	ivset_init(&b, FAM_V4);
	ivset_add(&a, 0, 100);
	ivset_add(&a, 200, 300);
	ivset_add(&b, 10, 20);
	ivset_add(&b, 90, 210);
	ivset_add(&b, 300, 400);
	ivset_normalize(&a);
	ivset_normalize(&b);
	ivset_subtract(&d, &a, &b);
	CHECK(d.n == 3);
	CHECK(d.v[0].lo == 0 && d.v[0].hi == 9);
	CHECK(d.v[1].lo == 21 && d.v[1].hi == 89);
	CHECK(d.v[2].lo == 211 && d.v[2].hi == 299);
	ivset_free(&a);
	ivset_free(&b);
	ivset_free(&d);
}

static u128 cut_seen[8];
static int ncut;

static void
record_cut(void *arg, u128 a)
{
	(void)arg;
	if (ncut < 8)
		cut_seen[ncut++] = a;
}

static void
ivset_cutting(void)
{
	struct ivset s;

	ivset_init(&s, FAM_V4);
	ivset_add(&s, 5, 15);
	ivset_add(&s, 50, 60);
	ivset_add(&s, 90, 200);
	ivset_normalize(&s);
	ncut = 0;
	ivset_cuts(&s, 10, 100, record_cut, NULL);
	/* [10,15] ends inside: cut at 16; [50,60]: 50 and 61; [90,..] starts: 90 */
	CHECK(ncut == 4);
	CHECK(cut_seen[0] == 16 && cut_seen[1] == 50 && cut_seen[2] == 61 && cut_seen[3] == 90);
	ivset_free(&s);
}

/* ip4_parse is inet_pton(AF_INET) without the copy: the same answer on
 * every string, the tricky ones and a million random ones over its
 * alphabet. */
static bool
same_as_inet_pton(const char *str)
{
	unsigned char b[4];
	uint32_t v = 0;
	bool want = inet_pton(AF_INET, str, b) == 1;
	bool got = ip4_parse(str, strlen(str), &v);

	return want == got &&
	       (!want || v == ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]));
}

static void
ip4_parse_as_inet_pton(void)
{
	static const char *const tricky[] = {
		"1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3.04",
		"1.2.3.0", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5", "", "1.2.3.4 ",
		"1.2.3.-4", "1.2.3.4a", "0x1.2.3.4", "300.300.300.300", "00.0.0.0", "1.2.3.255",
		"1.2.3.2555", "9.9.9.9", "1.2.3.",
	};
	static const char alphabet[] = "0123456789..a5";
	uint64_t x = 88172645463325252ull;
	char str[20];
	size_t i;
	size_t k;

	for (i = 0; i < ARRAY_LEN(tricky); i++)
		CHECK(same_as_inet_pton(tricky[i]));
	for (i = 0; i < 1000000; i++) {
		size_t n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = 1 + x % 16;
		for (k = 0; k < n; k++)
			str[k] = alphabet[(x >> (4 + 4 * (k % 14))) % (sizeof(alphabet) - 1)];
		str[n] = '\0';
		CHECK(same_as_inet_pton(str));
	}
}

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

struct cutlog {
	size_t n;
	u128 v[4096];
};

static void
log_cut(void *arg, u128 a)
{
	struct cutlog *l = arg;

	if (l->n < ARRAY_LEN(l->v))
		l->v[l->n++] = a;
}

/* An addrset answers as the ivset it was made from: compact IPv4 ones built
 * by addrset_take_v4 (qsort and radix sizes) and by addrset_take, IPv6 ones
 * by addrset_take, and views. */
static void
addrset_as_ivset(void)
{
	static const size_t sizes[] = {0, 1, 2, 17, 300, 5000, 70000};
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t z;
	size_t i;
	int f;

	for (z = 0; z < ARRAY_LEN(sizes); z++) {
		for (f = 0; f < FAM_COUNT; f++) {
			size_t n = sizes[z];
			/* a narrow space for small sets, so intervals touch and overlap */
			uint32_t span = n < 100 ? 4096 : UINT32_MAX;
			struct ivset iv;
			struct ivset copy;
			struct addrset a;
			struct addrset b;
			struct addrset view;
			struct iv4 *v4 = xreallocarray(NULL, n ? n : 1, sizeof(*v4));
			struct cutlog *l1 = xcalloc(1, sizeof(*l1));
			struct cutlog *l2 = xcalloc(1, sizeof(*l2));

			ivset_init(&iv, (enum family)f);
			for (i = 0; i < n; i++) {
				uint32_t lo = (uint32_t)(xorshift(&x) % span);
				uint32_t len = (uint32_t)(xorshift(&x) % (i % 7 == 0 ? 4096 : 4));
				uint32_t hi = lo + len < lo ? UINT32_MAX : lo + len;

				if (i == 3)
					hi = UINT32_MAX;
				v4[i].lo = lo;
				v4[i].hi = hi;
				ivset_add(&iv, lo, hi);
			}
			ivset_normalize(&iv);
			ivset_copy(&copy, &iv);
			if (f == FAM_V4)
				addrset_take_v4(&a, v4, n);
			else
				free(v4);
			addrset_take(&b, &copy);
			view = addrset_view(&iv);
			if (f == FAM_V6)
				a = view;
			CHECK(a.n == iv.n && b.n == iv.n && view.n == iv.n);
			CHECK(iv.n == 0 || (f == FAM_V4) == (b.v4 != NULL));
			for (i = 0; i < iv.n; i++) {
				CHECK(addrset_at(&a, i).lo == iv.v[i].lo &&
				      addrset_at(&a, i).hi == iv.v[i].hi);
				CHECK(addrset_at(&b, i).lo == iv.v[i].lo &&
				      addrset_at(&b, i).hi == iv.v[i].hi);
			}
			for (i = 0; i < 20000; i++) {
				u128 p = xorshift(&x) % ((u128)span + 2);
				u128 q = p + xorshift(&x) % 64;

				if (i % 5 == 0 && iv.n)
					p = iv.v[i % iv.n].lo - (i % 2);
				if (i % 1000 == 0)
					p = (u128)1 << 40; /* beyond IPv4 */
				CHECK(addrset_contains(&a, p) == ivset_contains(&iv, p));
				CHECK(addrset_contains(&b, p) == ivset_contains(&iv, p));
				CHECK(addrset_covers(&a, p, q) == ivset_covers(&iv, p, q));
				CHECK(addrset_overlaps(&b, p, q) == ivset_overlaps(&iv, p, q));
			}
			l1->n = l2->n = 0;
			ivset_cuts(&iv, 1000, 3000000, log_cut, l1);
			addrset_cuts(&b, 1000, 3000000, log_cut, l2);
			CHECK(l1->n == l2->n && memcmp(l1->v, l2->v, l1->n * sizeof(u128)) == 0);
			if (f == FAM_V4)
				addrset_free(&a);
			addrset_free(&b);
			ivset_free(&iv);
			free(l1);
			free(l2);
		}
	}
}

/* IPv4 addresses are formatted without inet_ntop: the same text, on edge
 * values and a spread of others. */
static void
ip4_format_as_inet_ntop(void)
{
	static const uint32_t edges[] = {0, 1, 9, 10, 99, 100, 255, 256, 0x0a000001, 0x7f000001,
					 0xc0a80001, 0xffffffff, 0x01020304, 0x64646464};
	uint32_t x = 0x12345678;
	size_t i;

	for (i = 0; i < ARRAY_LEN(edges) + 100000; i++) {
		uint32_t a = i < ARRAY_LEN(edges) ? edges[i] : (x = x * 1103515245u + 12345u);
		unsigned char b[4] = {a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff};
		char want[INET_ADDRSTRLEN];
		char got[ADDR_STRLEN];

		inet_ntop(AF_INET, b, want, sizeof(want));
		addr_format(FAM_V4, a, got, sizeof(got));
		CHECK_STR(got, want);
	}
}

int
main(void)
{
	RUN(ip4_parse_as_inet_pton);
	RUN(cidr_parsing);
	RUN(ip4_format_as_inet_ntop);
	RUN(ivset_merge);
	RUN(ivset_subtraction);
	RUN(ivset_cutting);
	RUN(addrset_as_ivset);
	return 0;
}
