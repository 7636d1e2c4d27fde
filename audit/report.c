/* The one entry point for reports in any format (the main report and every
 * --output FORMAT:FILE go through it). */
#include "report.h"

#include <stdlib.h>

bool
report_write(FILE *out, const struct audit *a, enum out_format f)
{
	switch (f) {
	case FMT_TEXT:
		report_text(out, a);
		return !ferror(out);
	case FMT_JSON:
		return report_json(out, a);
	case FMT_SARIF:
		return report_sarif(out, a);
	case FMT_JUNIT:
		return report_junit(out, a);
	}
	abort();
}
