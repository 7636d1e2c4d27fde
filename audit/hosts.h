/* The per-hostname verdict: for each proxied name of the DNS records
 * (--dns) and each scheme a visitor uses, what Cloudflare meets on its way
 * to the origin, stage by stage, as a connection goes: the records (which
 * address, which family), the firewall (the evaluator's verdict for that
 * family and port), the listener and virtual host that answer, the TLS
 * handshake and certificate (the TLS evaluator's outcome for that name),
 * and the status visitors get. It reads the evaluated model only. */
#ifndef CFAUDIT_HOSTS_H
#define CFAUDIT_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "fw_eval.h"
#include "web.h"

struct tls_outcome;

enum host_scheme {
	SCHEME_HTTP,
	SCHEME_HTTPS
};

/* How the records of a name lead to an address. */
enum host_resolve {
	RES_OK,       /* A/AAAA records, directly or through CNAMEs in the file */
	RES_EXTERNAL, /* a CNAME chain leaves the zones read: not checkable */
	RES_DANGLING, /* a CNAME chain ends at a name of the zone without records */
	RES_LOOP      /* a CNAME chain loops (or is longer than DNS allows) */
};

/* The stage that decided the status. */
enum host_stage {
	HSTAGE_RECORDS,
	HSTAGE_FIREWALL,
	HSTAGE_LISTENER,
	HSTAGE_TLS,
	HSTAGE_HTTP,
	HSTAGE_NONE /* every stage passed: OK */
};

/* A CNAME chain longer than this is not followed (resolvers give up
 * sooner). */
#define CNAME_MAX_HOPS 16

#define HOST_OK 0
#define HOST_UNKNOWN (-1)

struct host_view {
	const char *name;
	const struct dns_record *rec; /* its first record */
	enum host_scheme scheme;
	bool tls;      /* Cloudflare speaks TLS to the origin */
	uint16_t port; /* the origin port Cloudflare connects to */

	enum host_resolve res;
	const char *last;             /* the last name of the CNAME chain */
	const struct dns_record *end; /* the A/AAAA record Cloudflare uses (NULL: none) */
	bool has_v4;
	bool has_v6;
	enum family fam;
	u128 addr;
	bool ours; /* addr is one of the origin's addresses */
	bool v6_only; /* evaluate IPv6 although A records exist (evaluate_v6) */

	const struct reach *fw; /* the worst firewall verdict for it (NULL: none) */
	uint16_t served_port;   /* port after a DNAT/REDIRECT */
	const struct web_server *server;
	const struct web_vhost *vhost;
	const struct web_listen *listen;
	bool by_default;
	const struct tls_outcome *tls_out;

	int status;      /* HOST_OK, HOST_UNKNOWN or the HTTP status visitors get */
	enum host_stage stage;
	char *why;       /* what decides it */
	struct loc loc;  /* the deciding line (file NULL: none) */
	size_t nfinding;
	const char **findings; /* the IDs of the findings that decide it */

	/* A name with A and AAAA records: what IPv6 would meet (the records,
	 * the firewall and the listener), which Cloudflare does not use while
	 * IPv4 works. v6_status HOST_OK when nothing fails, or not evaluated. */
	int v6_status;
	enum host_stage v6_stage;
	char *v6_why;
	struct loc v6_loc;
};

struct host_table {
	size_t n;
	size_t cap;
	struct host_view *v;
	size_t nrec;
	const struct dns_record **byname; /* the records sorted by name */
	/* indexes, so that tens of thousands of names cost n log n */
	size_t nout;
	const struct tls_outcome **outs; /* the TLS outcomes by host, port, family */
	size_t nreached;
	const struct web_vhost **reached; /* the virtual hosts names land in, sorted */
	struct {
		size_t n;
		u128 *v; /* sorted */
		bool known; /* these are all the origin's addresses of the family */
	} own[FAM_COUNT]; /* the origin's addresses (origin_has_addr) */
	size_t nmemo;
	struct reach_memo {
		enum family fam;
		uint16_t port;
		bool ours;
		u128 addr;
		const struct reach *r;
	} memo[64]; /* firewall verdicts already looked up */
};

/* Whether DNS records were given (the table is reported even when empty). */
bool hosts_wanted(const struct audit *a);
/* The records of each proxied name (before the TLS evaluation, which
 * needs the names that reach this origin), then the other stages (after
 * the firewall and TLS evaluations; before the checks). */
void hosts_resolve(struct audit *a);
void hosts_evaluate(struct audit *a);
/* Attach to each host the findings that decide its status (after the
 * checks and suppressions). */
void hosts_link_findings(struct audit *a);
void hosts_free(struct host_table *t);

/* "OK", "UNKNOWN" or the status ("522"): static storage per call site is
 * not needed, the string lives in buf. */
const char *host_status_text(int status, char *buf, size_t len);
const char *host_scheme_name(enum host_scheme s);
const char *host_stage_name(enum host_stage s); /* "dns", "firewall", ... */

/* The proxied names in the records, sorted, distinct; *n of them, in an
 * array the caller frees. */
const char **hosts_proxied_names(const struct origin *o, size_t *n);
/* A name whose records lead to this origin, and the address Cloudflare
 * connects to. */
struct host_target {
	const char *name;
	enum family fam;
	u128 addr;
};

/* The names whose records lead to this origin (after hosts_resolve), one
 * per name: the TLS evaluator's hostnames; *n of them, the array the
 * caller frees. */
struct host_target *hosts_reaching_names(const struct audit *a, size_t *n);

/* Whether some proxied name lands in v (a catch-all server is reached). */
bool hosts_reach_vhost(const struct audit *a, const struct web_vhost *v);

/* Special-purpose address space Cloudflare never connects to: what it is
 * ("RFC 1918 private", "loopback", ...) or NULL for a public address. */
const char *addr_special(enum family fam, u128 addr);
/* Whether addr is one of this origin's addresses (--host-addr, --live's
 * interfaces, the web servers' listen addresses); *known: all of fam's are
 * known (without, a record of fam cannot be said to point elsewhere).
 * After hosts_resolve. */
bool origin_has_addr(const struct audit *a, enum family fam, u128 addr, bool *known);
/* Whether addr is inside Cloudflare's ranges. */
bool addr_is_cloudflare(const struct audit *a, enum family fam, u128 addr);

/* The records of name (sorted table); *n of them. */
const struct dns_record **hosts_records_of(const struct audit *a, const char *name, size_t *n);

#endif
