/* Reporters: one per output format. */
#ifndef CFAUDIT_REPORT_H
#define CFAUDIT_REPORT_H

#include <stdio.h>

#include "audit.h"

#define CFAUDIT_VERSION "0.1.0"

void report_text(FILE *out, const struct audit *a);
/* false when the JSON could not be written */
bool report_json(FILE *out, const struct audit *a);
/* SARIF 2.1.0 for code-scanning tools; false when it could not be written. */
bool report_sarif(FILE *out, const struct audit *a);
/* JUnit XML for CI test reports; false when it could not be written. */
bool report_junit(FILE *out, const struct audit *a);
/* The report in format f; false when it could not be written. */
bool report_write(FILE *out, const struct audit *a, enum out_format f);

/* Where SARIF rules point for help: the README's checks section. A
 * distribution sets it to where it publishes the README (make HELP_URL=...). */
#ifndef CFAUDIT_HELP_URL
#define CFAUDIT_HELP_URL "file:///usr/share/doc/cfaudit/README.md"
#endif

/* Input errors, "file:line: message", for the terminal. */
void report_diags(FILE *out, const struct audit *a);

/* Control bytes and invalid UTF-8 from hostile configs never reach a
 * terminal raw: they are written as \xNN. */
void fput_escaped(FILE *out, const char *s);

#endif
