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
	FMT_JSON
};

struct options {
	const char *root; /* NULL: "/" */
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
	enum severity fail_on;
	long limit[8]; /* -1: profile default; indexed by enum limit_id */
	bool color;
};

struct check;

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
};

struct audit {
	struct options opt;
	struct origin origin;
	struct cf_ranges cf;
	struct reach_table reach;
	bool fw_evaluated;

	size_t nfinding;
	size_t finding_cap;
	struct finding *findings;
};

/* Add a finding of check id (must exist in the check table) at loc. */
struct finding *audit_finding(struct audit *a, const char *id, struct loc loc, const char *fmt,
			      ...) __attribute__((format(printf, 4, 5)));
void finding_add_range(struct finding *f, const char *range);
void finding_add_port(struct finding *f, uint16_t port);

/* Whether the audit read everything it found (exit 2 otherwise). */
bool audit_complete(const struct audit *a);
/* Exit status of DESIGN.md. */
int audit_exit_status(const struct audit *a);

void audit_free(struct audit *a);

#endif
