/* Cloudflare's data: the ranges its proxy connects from, the retired ranges
 * old allowlists still hold, the ports it proxies and its limits profile.
 * Built in from ipranges/ (dated, sourced); --ranges replaces the ranges. */
#ifndef CFAUDIT_RANGES_H
#define CFAUDIT_RANGES_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

struct retired_range {
	struct cidr cidr;
	char *when;
	char *note;
};

enum limit_id {
	LIM_CONNECT_TIMEOUT,
	LIM_ACK_TIMEOUT,
	LIM_KEEPALIVE_INTERVAL,
	LIM_IDLE_TIMEOUT,
	LIM_READ_TIMEOUT,
	LIM_WRITE_TIMEOUT,
	LIM_RESPONSE_HEADERS,
	LIM_COUNT
};

struct cf_ranges {
	char *source; /* "builtin" or the --ranges file */
	char *date;   /* YYYY-MM-DD of the snapshot; "" when unknown */
	size_t n[FAM_COUNT];
	struct cidr *v[FAM_COUNT]; /* as listed */
	struct ivset all[FAM_COUNT]; /* normalised union */

	size_t nretired;
	struct retired_range *retired;

	size_t nport[2]; /* [0]: http, [1]: https */
	uint16_t port[2][16];

	long limit[LIM_COUNT];
};

const char *limit_name(enum limit_id id); /* "read_timeout", ... */

/* Load the built-in data. */
void ranges_builtin(struct cf_ranges *r);
/* Replace only the ranges (v4, v6) with those parsed from a --ranges file;
 * false (with input errors recorded by the parser) when none was usable. */
void ranges_clear(struct cf_ranges *r);
void ranges_add(struct cf_ranges *r, const struct cidr *c);
void ranges_finish(struct cf_ranges *r);
void ranges_free(struct cf_ranges *r);

/* Whether port is one Cloudflare proxies; *https tells the scheme. */
bool cf_port_proxied(const struct cf_ranges *r, uint16_t port, bool *https);

#endif
