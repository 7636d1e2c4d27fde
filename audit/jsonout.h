/* Helpers shared by the reporters written with jansson (JSON, SARIF, the
 * fleet aggregate): strings from hostile configs and the summary. */
#ifndef CFAUDIT_JSONOUT_H
#define CFAUDIT_JSONOUT_H

#include <jansson.h>

#include "audit.h"

/* A JSON string from bytes that may not be UTF-8 (invalid bytes become
 * U+FFFD, since jansson refuses them); JSON null for NULL. */
json_t *json_text(const char *s);

/* The summary object of DESIGN.md: counts, complete, exit status. */
json_t *json_summary(const struct audit *a);

/* The hosts array of DESIGN.md (one entry per proxied hostname and scheme,
 * with --dns), written to w (report_json.c). */
struct jw;
void write_hosts(struct jw *w, const struct audit *a);

/* Write j to out, pretty-printed, with a final newline; false on error. */
bool json_write(FILE *out, json_t *j);

#endif
