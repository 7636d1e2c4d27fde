/* Checks on the Cloudflare data itself. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks.h"

#define STALE_DAYS 180

/* Days from the civil date (proleptic Gregorian) to 1970-01-01. */
static long
days_from_civil(int y, int m, int d)
{
	long era;
	long yoe;
	long doy;
	long doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
check_ranges_stale(struct audit *a)
{
	int y;
	int m;
	int d;
	long age;

	if (strcmp(a->cf.source, "builtin") != 0 ||
	    sscanf(a->cf.date, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return;
	age = (long)(a->opt.at / 86400) - days_from_civil(y, m, d);
	if (age <= STALE_DAYS)
		return;
	audit_finding(a, "CF000-RANGES-STALE", (struct loc){NULL, 0},
		      "the built-in Cloudflare ranges date from %s, %ld days before the audit "
		      "time: refresh them with --ranges (curl -s "
		      "https://api.cloudflare.com/client/v4/ips > ips.json)",
		      a->cf.date, age);
}
