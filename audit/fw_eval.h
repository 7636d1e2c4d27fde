/* The firewall evaluator: what happens to Cloudflare's first SYN, per family,
 * Cloudflare range (split only where some rule cuts it), destination and port. */
#ifndef CFAUDIT_FW_EVAL_H
#define CFAUDIT_FW_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "ranges.h"

enum verdict_kind {
	V_ACCEPT,
	V_RATELIMIT, /* accepted only under a rate condition */
	V_UNDECIDED, /* a match we cannot decide: named in why */
	V_REJECT,    /* refused: 521 */
	V_DROP,      /* silence: 522 */
};

const char *verdict_name(enum verdict_kind v);
/* How bad a verdict is for Cloudflare: accept 0 < ratelimit < undecided <
 * reject < drop. */
int verdict_rank(enum verdict_kind k);

#define FW_MAX_PATH 16

/* Which packet of the connection was decided. */
enum probe_stage {
	STAGE_SYN,   /* Cloudflare's SYN, inbound */
	STAGE_REPLY, /* the origin's SYN-ACK, outbound */
	STAGE_ND     /* IPv6 neighbour discovery, inbound */
};

struct verdict {
	enum verdict_kind kind;
	enum probe_stage stage;
	struct loc loc;            /* the deciding rule, or the chain's policy */
	const struct rule *rule;   /* NULL when a policy decided */
	const struct chain *chain; /* the chain where it was decided */
	unsigned npath;
	const struct chain *path[FW_MAX_PATH]; /* base chain first */
	char *why; /* reject-with; the rate match; the undecidable match */
	bool forwarded; /* DNAT sent it to another host; accept means "forwarded" */
	const struct rule *nat_rule; /* the DNAT/REDIRECT that changed the port, if any */
	uint16_t orig_port;
	/* the packet as it left the ruleset (after DNAT), for the reply */
	uint16_t final_port;
	bool final_dst_known;
	u128 final_dst;
	uint32_t final_connmark;
};

struct reach {
	enum family fam;
	size_t range;   /* index into cf_ranges.v[fam] */
	u128 first;
	u128 last;      /* the piece of the range this verdict holds for */
	bool has_dst;
	u128 dst;       /* the origin address probed, when known */
	uint16_t port;
	struct verdict v;
};

struct eval_opts {
	const char *public_iface; /* NULL: unknown */
	size_t nport;
	const uint16_t *ports;
	unsigned long budget; /* rule visits per probe before giving up (0: default) */
	bool walk_all; /* no source-address index: every rule walked (tests compare) */
};

struct reach_table {
	size_t n;
	size_t cap;
	struct reach *v;
	bool nd_checked[FAM_COUNT];
	struct verdict nd[FAM_COUNT]; /* IPv6 only: neighbour discovery */
};

/* Evaluate o's firewall for every Cloudflare range piece x destination x port. */
void fw_evaluate(const struct origin *o, const struct cf_ranges *cf, const struct eval_opts *opt,
		 struct reach_table *out);
void reach_free(struct reach_table *t);

#endif
