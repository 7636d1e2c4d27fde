/* firewalld: its XML configuration (firewalld.conf, zones, services, ipsets,
 * policies, user files in /etc/firewalld over the stock ones in
 * /usr/lib/firewalld) read as firewalld 1.x reads it, and turned into the
 * rules firewalld's nftables backend loads from it (table inet firewalld:
 * filter_INPUT, filter_INPUT_ZONES, filter_IN_<zone>, filter_IN_<zone>_allow,
 * ...), in the same firewall model as every other ruleset. Each synthesized
 * rule's loc is the XML element that causes it, or firewalld.conf's
 * DefaultZone line for the framing and the default zone's dispatch.
 *
 * Only this module includes libxml2. */
#ifndef CFAUDIT_FIREWALLD_H
#define CFAUDIT_FIREWALLD_H

#include <stdbool.h>

#include "model.h"

struct firewalld_dirs {
	/* the /etc/firewalld-like directory: the name findings show, and where
	 * it is read (inside the root, or on the host with etc_on_host) */
	const char *etc;
	bool etc_on_host;
	/* the stock configuration, inside the root ("/usr/lib/firewalld") */
	const char *usr;
};

enum firewalld_state {
	FWD_LIVE,     /* the configuration is in the model as firewalld builds it */
	FWD_FALLBACK, /* firewalld refuses the user configuration (errors reported):
			 its stock configuration, as its failsafe start loads it, is
			 in the model */
	FWD_DEAD      /* firewalld cannot start at all (errors reported): nothing
			 was added to the model */
};

/* Load firewalld's configuration into o (inputs, errors, chains, sets). */
enum firewalld_state firewalld_load(struct origin *o, const struct firewalld_dirs *d);

#endif
