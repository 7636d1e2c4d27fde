/* ufw: its rule files are iptables-restore fragments (parse_iptables reads
 * them); what they do not hold is the framing ufw-init adds around them at
 * boot (src/ufw-init-functions, ufw_start): the links from the built-in
 * chains to ufw's chains, the reject/track/skip-to-policy chains that carry
 * DEFAULT_*_POLICY from /etc/default/ufw, the jump from ufw-before-input to
 * ufw-user-input, and the built-in chain policies. ufw_load adds that framing
 * as rules whose loc is the DEFAULT_*_POLICY line of /etc/default/ufw.
 *
 * Also here: the few iptables-model helpers parse_iptables.c shares with
 * ufw.c (built-in chains with their hooks and priorities, flushing). */
#ifndef CFAUDIT_UFW_H
#define CFAUDIT_UFW_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* ufw's rule files, in the order ufw-init restores them. */
enum ufw_part {
	UFW_BEFORE, /* /etc/ufw/before.rules, before6.rules */
	UFW_AFTER,  /* /etc/ufw/after.rules, after6.rules */
	UFW_USER,   /* /etc/ufw/user.rules, user6.rules */
	UFW_NPART
};

/* One file as the caller read it (root_read). in == NULL: the file is
 * missing (or could not be read: the caller reports that on its own input). */
struct ufw_text {
	struct input *in;
	const char *data;
	size_t len;
};

struct ufw_files {
	struct ufw_text conf;     /* /etc/ufw/ufw.conf: ENABLED */
	struct ufw_text defaults; /* /etc/default/ufw: IPV6, DEFAULT_*_POLICY, MANAGE_BUILTINS */
	struct ufw_text rules[FAM_COUNT][UFW_NPART];
};

enum ufw_state {
	UFW_LIVE,     /* ENABLED=yes: the framing and the rule files are in the model */
	UFW_DISABLED, /* ENABLED is not yes: nothing was loaded; the files are not live */
	UFW_NO_CONFIG /* ufw.conf or /etc/default/ufw missing or empty: ufw-init aborts
	                 before touching the firewall; nothing was loaded */
};

/* Load ufw as ufw-init start does, for both families: IPv4 always; IPv6 with
 * the v6 files when IPV6=yes, else ufw-init's IPv6 lock-down (policies DROP,
 * only loopback accepted). Problems go to the inputs as input errors: a bad
 * or missing DEFAULT_*_POLICY (defaults), a missing or empty rule file of a
 * live ufw (conf), anything in the rule files (their own inputs).
 *
 * Call it after the other iptables inputs of the same families: ufw-init
 * appends its links to the built-in chains (rules already there stay in front
 * of them) and, with MANAGE_BUILTINS=yes, first flushes the filter table and
 * the mangle (and IPv4 nat) built-in chains, as its flush_builtins does.
 * The executable hooks /etc/ufw/before.init and after.init are not run. */
enum ufw_state ufw_load(struct origin *o, const struct ufw_files *f);

/* ---- shared with parse_iptables.c ---- */

/* The built-in chain `name` of iptables table `table` for family fam: found in
 * o->fw, or created (policy ACCEPT, loc and policy_loc = loc) with the hook,
 * type and priority iptables-nft registers for it. NULL when `name` is not a
 * built-in chain of `table` (or `table` is not an iptables table). */
struct chain *ipt_builtin_chain(struct origin *o, const char *table, const char *name,
                                enum family fam, struct loc loc);

/* Free what one rule owns (not the rule itself). */
void ipt_rule_release(struct rule *r);
/* Remove (and free) every rule of c, as iptables -F does. */
void ipt_chain_flush(struct chain *c);

#endif
