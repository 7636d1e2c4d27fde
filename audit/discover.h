/* Discovery: which inputs to read (explicit files, or the places
 * distributions keep them under --root), reading them and handing each to its
 * parser. Every input found is listed with its status. */
#ifndef CFAUDIT_DISCOVER_H
#define CFAUDIT_DISCOVER_H

#include "audit.h"

/* Read every input into a->origin (and --ranges into a->cf). The
 * firewall's sets are not finished yet (origin_finish: evaluate() does it
 * on the firewall's thread). */
void discover_and_parse(struct audit *a);

#endif
