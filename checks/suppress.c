/* Checks on the audit's own exceptions: inline suppressions past their
 * until= date stop working, and say so. */
#include "checks.h"
#include "suppress.h"

void
check_suppress_expired(struct audit *a)
{
	size_t i;

	for (i = 0; i < a->origin.nsupp; i++) {
		const struct suppression *s = &a->origin.supps[i];

		if (!suppression_expired(s, a->opt.at))
			continue;
		audit_finding(a, "CF000-SUPPRESS-EXPIRED", s->loc,
			      "the suppression of %s (until=%s, reason: %s) has expired: its "
			      "findings count again",
			      s->id, s->until_text, s->reason);
	}
}
