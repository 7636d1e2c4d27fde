/* The check table: sorted (check_find uses bsearch), IDs well formed, each row
 * complete. */
#include <ctype.h>

#include "checks.h"
#include "unit.h"

static void
table_sorted(void)
{
	size_t i;

	for (i = 1; i < check_count; i++)
		CHECK(strcmp(check_table[i - 1].id, check_table[i].id) < 0);
}

static void
ids_well_formed(void)
{
	size_t i;

	for (i = 0; i < check_count; i++) {
		const struct check *c = &check_table[i];
		char code[4];

		CHECK(strncmp(c->id, "CF", 2) == 0 && strlen(c->id) > 7 && c->id[5] == '-');
		memcpy(code, c->id + 2, 3);
		code[3] = '\0';
		CHECK(c->code == (int)strtol(code, NULL, 10));
		CHECK(c->title && *c->title && c->explain && strstr(c->explain, "Fix:"));
		CHECK(c->run != NULL);
		CHECK(check_find(c->id) == c);
	}
	CHECK(check_find("CF999-NOPE") == NULL);
}

int
main(void)
{
	RUN(table_sorted);
	RUN(ids_well_formed);
	return 0;
}
