/* A tiny unit-test harness: each TEST prints "ok NAME" or "not ok NAME: why";
 * tests/run.sh counts them. */
#ifndef CFAUDIT_UNIT_H
#define CFAUDIT_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failed;
static const char *unit_name;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("not ok %s: %s:%d: %s\n", unit_name, __FILE__, __LINE__, #cond);   \
			unit_failed = 1;                                                           \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a);                                                              \
		const char *b_ = (b);                                                              \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                             \
			printf("not ok %s: %s:%d: \"%s\" != \"%s\"\n", unit_name, __FILE__,        \
			       __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                  \
			unit_failed = 1;                                                           \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		int before_ = unit_failed;                                                         \
		unit_failed = 0;                                                                   \
		unit_name = #fn;                                                                   \
		fn();                                                                              \
		if (!unit_failed)                                                                  \
			printf("ok %s\n", #fn);                                                    \
		unit_failed |= before_;                                                            \
	} while (0)

#endif
