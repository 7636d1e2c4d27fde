/* One audit run: the options, the model, the evaluated results and the
 * findings. Checks read it; reporters print it. */
#ifndef CFAUDIT_AUDIT_H
#define CFAUDIT_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fw_eval.h"
#include "model.h"
#include "ranges.h"

enum severity {
	SEV_INFO,
	SEV_WARNING,
	SEV_ERROR,
	SEV_NEVER /* --fail-on never */
};

const char *severity_name(enum severity s);
bool severity_parse(const char *s, enum severity *out);

enum ssl_mode {
	SSL_OFF,
	SSL_FLEXIBLE,
	SSL_FULL,
	SSL_STRICT
};

const char *ssl_mode_name(enum ssl_mode m);

enum out_format {
	FMT_TEXT,
	FMT_JSON,
	FMT_SARIF,
	FMT_JUNIT
};

const char *out_format_name(enum out_format f);
bool out_format_parse(const char *s, enum out_format *out);

/* One report file: --output FORMAT:FILE (or --format F --output FILE). */
struct output {
	enum out_format format;
	const char *file;
};

struct check;

/* --severity ID=LEVEL */
struct sev_override {
	const struct check *check;
	enum severity sev;
};

struct options {
	const char *root; /* NULL: "/" */
	size_t nroot;
	size_t root_cap;
	const char **roots; /* every --root: more than one is a fleet run */
	unsigned jobs;           /* --jobs: children at once in a fleet run */
	const char *output_dir;  /* --output-dir: where a fleet run's reports go */
	const char *aggregate;   /* --aggregate FILE (default: stdout) */
	const char *diag_prefix; /* a fleet child's root, before its input errors */
	size_t nfile[IN_KIND_COUNT];
	const char **file[IN_KIND_COUNT]; /* explicit inputs, by kind */
	const char *ranges_file;
	const char *public_iface;
	size_t nport;
	uint16_t ports[64];
	bool ports_given;
	enum ssl_mode ssl_mode;
	time_t at;
	char at_text[32];
	enum out_format format;
	const char *output; /* NULL: stdout */
	size_t noutput;
	size_t output_cap;
	struct output *outputs; /* --output FORMAT:FILE, besides the main report */
	size_t nsev;
	size_t sev_cap;
	struct sev_override *sevs;
	enum severity fail_on;
	const char *baseline;       /* --baseline FILE */
	const char *write_baseline; /* --write-baseline FILE */
	long limit[8]; /* -1: profile default; indexed by enum limit_id */
	bool color;
	bool live; /* --live: the firewall is the running kernel's (netlink.c) */
	const char *ca_file;  /* --ca: Cloudflare's custom origin trust store */
	const char *crl_file; /* --crl: revocation lists */
	int expiry_warn;      /* --expiry-warn: days */
};

struct suppression;
struct tls_eval;
struct host_table;

struct finding {
	const struct check *check;
	enum severity sev;
	struct loc loc;
	char *message;
	enum family fam;
	bool has_fam;
	uint16_t port; /* 0: none */
	size_t nport;
	uint16_t *ports;
	size_t nrange;
	char **ranges; /* the Cloudflare ranges (or pieces) it affects */
	char *fingerprint;
	/* An inline "cfaudit: ignore" that applies; a suppressed finding is
	 * reported (JSON, SARIF) but never counts. */
	const struct suppression *suppressed;
	bool baselined; /* its fingerprint is in --baseline: does not count */
	char *host; /* the hostname it concerns (the first of them); NULL: none */
};

/* What a report's summary counts: findings that count by severity, and the
 * ones that do not. */
struct summary {
	size_t n[SEV_ERROR + 1];
	size_t suppressed;
	size_t baselined;
};

struct audit {
	struct options opt;
	struct origin origin;
	struct cf_ranges cf;
	struct reach_table reach;
	bool fw_evaluated;
	struct tls_eval *tls; /* the TLS evaluation (tls_eval.h); NULL: none */
	struct host_table *hosts; /* the per-hostname verdicts (hosts.h); NULL: no --dns */

	size_t nfinding;
	size_t finding_cap;
	struct finding *findings;
};

/* Add a finding of check id (must exist in the check table) at loc. */
struct finding *audit_finding(struct audit *a, const char *id, struct loc loc, const char *fmt,
			      ...) __attribute__((format(printf, 4, 5)));
void finding_add_range(struct finding *f, const char *range);
void finding_add_port(struct finding *f, uint16_t port);
void finding_set_host(struct finding *f, const char *host);

/* Whether f counts for the exit status and the summary's severities. */
bool finding_counts(const struct finding *f);
void audit_summary(const struct audit *a, struct summary *s);

/* Whether the audit read everything it found (exit 2 otherwise). */
bool audit_complete(const struct audit *a);
/* Exit status of DESIGN.md. */
int audit_exit_status(const struct audit *a);

void audit_free(struct audit *a);

#endif
