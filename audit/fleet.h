/* Fleet runs: several --root DIR audited in parallel (one child process per
 * root, at most --jobs at once), each writing its own report files, and an
 * aggregate in JSON Lines (one line per root, in the order given) on stdout
 * or --aggregate FILE. */
#ifndef CFAUDIT_FLEET_H
#define CFAUDIT_FLEET_H

#include "audit.h"

/* Audits a (whose options name the roots) one root at a time in children:
 * run(a) runs the whole pipeline for a->opt.root with a->opt.output and
 * a->opt.outputs set to the root's files and returns its exit status. The
 * fleet's exit status is the worst of the roots' (2 > 1 > 0; a root that
 * could not be audited at all counts as 2), or 3 when the aggregate cannot
 * be written. */
int fleet_run(struct audit *a, int (*run)(struct audit *a));

/* The file name a root's reports start with: the path with '/' as '_'
 * ("/srv/snap/web01/" -> "srv_snap_web01"; "/" -> "root"). */
char *fleet_root_name(const char *root);

/* Usage checks before anything runs: names distinct, options that name one
 * server's facts not given. NULL, or the problem (to free). */
char *fleet_check(const struct options *opt);

#endif
