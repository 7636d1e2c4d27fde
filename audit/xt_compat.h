/* The x_tables extensions iptables-nft leaves in an nftables rule when it has
 * no native translation for them (nft_compat: the "match" and "target"
 * expressions, NFTA_MATCH_NAME/REV/INFO). INFO is the extension's own
 * structure from linux/netfilter/xt_*.h, in the layout its revision has;
 * this module decodes it into the model the way parse_iptables.c maps the
 * same iptables options. Netlink-free (audit/netlink.c hands it the bytes),
 * so the unit tests feed it structures made by hand. */
#ifndef CFAUDIT_XT_COMPAT_H
#define CFAUDIT_XT_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct xt_env {
	enum family fam; /* the table's family: ip -> FAM_V4, ip6 -> FAM_V6 */
	/* xt_set names an ipset by its kernel index: the name of set index
	 * (NULL when there is no such set). NULL: no ipsets are known. */
	const char *(*set_name)(void *arg, unsigned index);
	void *arg;
};

/* Add to r what match NAME (revision rev, info of len bytes) tests. A match
 * the model cannot decide, an extension or a revision this module does not
 * know, becomes an M_UNKNOWN match naming it (never nothing). false, with
 * *err (allocated), when info is too short for its revision. */
bool xt_match_add(struct rule *r, const struct xt_env *env, const char *name, unsigned rev,
                  const void *info, size_t len, char **err);

/* Fill the zeroed a with what target NAME does to the packet; A_UNKNOWN for
 * one this module does not know. Same contract as xt_match_add. */
bool xt_target_decode(struct action *a, const struct xt_env *env, const char *name, unsigned rev,
                      const void *info, size_t len, char **err);

#endif
