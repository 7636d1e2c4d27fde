/* Reporters: one per output format. */
#ifndef CFAUDIT_REPORT_H
#define CFAUDIT_REPORT_H

#include <stdio.h>

#include "audit.h"

#define CFAUDIT_VERSION "0.1.0"

void report_text(FILE *out, const struct audit *a);
/* false when the JSON could not be written */
bool report_json(FILE *out, const struct audit *a);
/* Input errors, "file:line: message", for the terminal. */
void report_diags(FILE *out, const struct audit *a);

/* Control bytes and invalid UTF-8 from hostile configs never reach a
 * terminal raw: they are written as \xNN. */
void fput_escaped(FILE *out, const char *s);

#endif
