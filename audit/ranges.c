/* Cloudflare's data, compiled in from ipranges/ (build/ipranges_data.c). */
#include "ranges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipranges_data.h"
#include "util.h"

static const char *const limit_names[LIM_COUNT] = {
	[LIM_CONNECT_TIMEOUT] = "connect_timeout",
	[LIM_ACK_TIMEOUT] = "ack_timeout",
	[LIM_KEEPALIVE_INTERVAL] = "keepalive_interval",
	[LIM_IDLE_TIMEOUT] = "idle_timeout",
	[LIM_READ_TIMEOUT] = "read_timeout",
	[LIM_WRITE_TIMEOUT] = "write_timeout",
	[LIM_RESPONSE_HEADERS] = "response_headers",
};

const char *
limit_name(enum limit_id id)
{
	return limit_names[id];
}

/* Calls fn for each line of a data file with comments and blanks removed and
 * fields split on whitespace (at most 64). A "# date: " comment sets *date. */
static void
each_line(const char *text, char **date, void (*fn)(void *, char **, int), void *arg)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);
		char *fields[64];
		int n = 0;
		char *save = NULL;
		char *tok;

		if (date && strncmp(line, "# date: ", 8) == 0 && *date == NULL)
			*date = xstrndup(line + 8, 10);
		if (line[0] != '#') {
			for (tok = strtok_r(line, " \t\r", &save); tok && n < 64;
			     tok = strtok_r(NULL, " \t\r", &save)) {
				if (tok[0] == '#')
					break;
				fields[n++] = tok;
			}
			if (n > 0)
				fn(arg, fields, n);
		}
		free(line);
		p += len + (nl ? 1 : 0);
	}
}

/* The built-in data is ours: a line that does not parse is a build bug. */
static void
bad_data(const char *what, const char *line)
{
	fprintf(stderr, "cfaudit: built-in %s data is corrupt at \"%s\"\n", what, line);
	abort();
}

static void
range_line(void *arg, char **f, int n)
{
	struct cidr c;

	(void)n;
	if (!cidr_parse(f[0], &c))
		bad_data("ranges", f[0]);
	ranges_add(arg, &c);
}

static void
retired_line(void *arg, char **f, int n)
{
	struct cf_ranges *r = arg;
	struct retired_range rr;
	struct buf note = {NULL, 0, 0};
	int i;

	if (n < 2 || !cidr_parse(f[0], &rr.cidr))
		bad_data("retired", f[0]);
	for (i = 2; i < n; i++)
		buf_addf(&note, "%s%s", i > 2 ? " " : "", f[i]);
	rr.when = xstrdup(f[1]);
	rr.note = buf_take(&note);
	r->retired = xreallocarray(r->retired, r->nretired + 1, sizeof(*r->retired));
	r->retired[r->nretired++] = rr;
}

static void
port_line(void *arg, char **f, int n)
{
	struct cf_ranges *r = arg;
	int scheme = strcmp(f[0], "https") == 0;
	unsigned long long v;
	int i;

	for (i = 1; i < n; i++) {
		if (!parse_uint(f[i], 1, 65535, &v) || r->nport[scheme] >= ARRAY_LEN(r->port[0]))
			bad_data("ports", f[i]);
		r->port[scheme][r->nport[scheme]++] = (uint16_t)v;
	}
}

static void
limit_line(void *arg, char **f, int n)
{
	struct cf_ranges *r = arg;
	unsigned long long v;
	int i;

	if (n < 2 || !parse_uint(f[1], 0, 1000000000, &v))
		bad_data("limits", f[0]);
	for (i = 0; i < LIM_COUNT; i++)
		if (strcmp(f[0], limit_names[i]) == 0)
			r->limit[i] = (long)v;
}

void
ranges_builtin(struct cf_ranges *r)
{
	memset(r, 0, sizeof(*r));
	r->source = xstrdup("builtin");
	ivset_init(&r->all[FAM_V4], FAM_V4);
	ivset_init(&r->all[FAM_V6], FAM_V6);
	each_line(ipr_ips_v4_txt, &r->date, range_line, r);
	each_line(ipr_ips_v6_txt, NULL, range_line, r);
	each_line(ipr_retired_txt, NULL, retired_line, r);
	each_line(ipr_ports_txt, NULL, port_line, r);
	each_line(ipr_limits_txt, NULL, limit_line, r);
	if (r->date == NULL)
		r->date = xstrdup("");
	ranges_finish(r);
}

void
ranges_clear(struct cf_ranges *r)
{
	int f;

	for (f = 0; f < FAM_COUNT; f++) {
		free(r->v[f]);
		r->v[f] = NULL;
		r->n[f] = 0;
		ivset_free(&r->all[f]);
		ivset_init(&r->all[f], (enum family)f);
	}
}

void
ranges_add(struct cf_ranges *r, const struct cidr *c)
{
	size_t i;

	for (i = 0; i < r->n[c->fam]; i++)
		if (r->v[c->fam][i].lo == c->lo && r->v[c->fam][i].hi == c->hi)
			return;
	r->v[c->fam] = xreallocarray(r->v[c->fam], r->n[c->fam] + 1, sizeof(*c));
	r->v[c->fam][r->n[c->fam]++] = *c;
	ivset_add_cidr(&r->all[c->fam], c);
}

void
ranges_finish(struct cf_ranges *r)
{
	ivset_normalize(&r->all[FAM_V4]);
	ivset_normalize(&r->all[FAM_V6]);
}

void
ranges_free(struct cf_ranges *r)
{
	size_t i;

	ranges_clear(r);
	ivset_free(&r->all[FAM_V4]);
	ivset_free(&r->all[FAM_V6]);
	for (i = 0; i < r->nretired; i++) {
		free(r->retired[i].when);
		free(r->retired[i].note);
	}
	free(r->retired);
	free(r->source);
	free(r->date);
	memset(r, 0, sizeof(*r));
}

bool
cf_port_proxied(const struct cf_ranges *r, uint16_t port, bool *https)
{
	int s;
	size_t i;

	for (s = 0; s < 2; s++)
		for (i = 0; i < r->nport[s]; i++)
			if (r->port[s][i] == port) {
				if (https)
					*https = s == 1;
				return true;
			}
	return false;
}
