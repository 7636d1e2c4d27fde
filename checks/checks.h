/* The check table: one row per check (mandoc's message table). IDs are
 * permanent: CF<code>-<AREA>-<WHAT>; CF000 predicts no 5xx but matters. */
#ifndef CFAUDIT_CHECKS_H
#define CFAUDIT_CHECKS_H

#include <stddef.h>

#include "audit.h"

struct check {
	const char *id;
	int code; /* HTTP status Cloudflare shows; 0 for CF000 */
	enum severity sev;
	const char *title;
	const char *explain; /* cause, evidence looked for, fix */
	void (*run)(struct audit *a);
};

/* The table, sorted by id (a unit test keeps it so). */
extern const struct check check_table[];
extern const size_t check_count;

const struct check *check_find(const char *id);
/* The family of a check: the AREA of CF<code>-<AREA>-<WHAT> ("FW" of
 * CF522-FW-DROP), *len bytes from the pointer returned. */
const char *check_area(const char *id, size_t *len);
/* Run every check over the evaluated model. */
void checks_run(struct audit *a);

/* One function per family of checks (checks/<family>.c). Each runs the
 * checks of its family; rows name them so --list-checks shows every ID. */
void check_fw_drop(struct audit *a);
void check_fw_reject(struct audit *a);
void check_fw_ratelimit(struct audit *a);
void check_fw_reply(struct audit *a);
void check_fw_undecided(struct audit *a);
void check_fw_ipv6_nd(struct audit *a);
void check_fw_retired(struct audit *a);
void check_fw_partial_allowlist(struct audit *a);
void check_ranges_stale(struct audit *a);
/* checks/web.c: nginx and Apache, through the web model */
void check_web_listen(struct audit *a);
void check_web_return(struct audit *a);
void check_web_keepalive(struct audit *a);
void check_web_timeout_read(struct audit *a);
void check_web_realip(struct audit *a);
void check_web_limits(struct audit *a);
void check_web_access(struct audit *a);
void check_web_body_timeout(struct audit *a);
void check_web_none(struct audit *a);
void check_suppress_expired(struct audit *a);
/* checks/tls.c: certificates and handshakes, through the TLS evaluation */
void check_tls(struct audit *a);
void check_tls_none(struct audit *a);
/* checks/dns.c: the proxied records of --dns and the per-hostname verdicts */
void check_dns(struct audit *a);

#endif
