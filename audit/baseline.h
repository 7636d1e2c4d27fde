/* Baselines: the fingerprints of accepted findings (--write-baseline FILE
 * writes them; --baseline FILE reads them). A finding whose fingerprint is in
 * the baseline is reported with "baselined": true and does not count for the
 * exit status, so CI fails only on new findings. Fingerprints leave out line
 * numbers (audit.c), so a baseline survives lines moving. */
#ifndef CFAUDIT_BASELINE_H
#define CFAUDIT_BASELINE_H

#include "audit.h"

struct baseline {
	size_t n;
	char **fp; /* sorted */
};

/* Read FILE: a JSON list of fingerprints (or of objects with a "fingerprint",
 * or a cfaudit JSON report). false with *err set (to free) when it cannot be
 * read or is not one. */
bool baseline_load(struct baseline *b, const char *file, char **err);
/* Mark the findings whose fingerprint b holds. */
void baseline_apply(struct audit *a, const struct baseline *b);
/* Write the fingerprints of a's findings that are not suppressed, sorted and
 * unique; false with *err set when it cannot be written. */
bool baseline_write(const struct audit *a, const char *file, char **err);
void baseline_free(struct baseline *b);

#endif
