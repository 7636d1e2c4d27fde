/* The check table: every check cfaudit makes, sorted by ID. --list-checks
 * prints the rows, --explain ID prints one; a unit test keeps it sorted. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

const struct check check_table[] = {
	{"CF000-FW-ALLOWLIST-PARTIAL", 0, SEV_WARNING,
	 "a Cloudflare allowlist misses some of Cloudflare's ranges",
	 "Cause: an ipset, or the accept rules of one chain, list Cloudflare's ranges but not all\n"
	 "of them (lists copied years ago miss 131.0.72.0/22, added later). Cloudflare may\n"
	 "connect from any published range, so visitors routed through a missing one fail.\n"
	 "Evidence: a set or chain whose source addresses all lie inside Cloudflare's ranges (or\n"
	 "retired ones) and that does not cover every current range of its family.\n"
	 "Fix: refresh the list from https://www.cloudflare.com/ips/ (or the API) and reload;\n"
	 "automate it, since Cloudflare adds ranges before they carry traffic.",
	 check_fw_partial_allowlist},
	{"CF000-FW-RETIRED-RANGE", 0, SEV_WARNING,
	 "a firewall allowlist trusts a retired Cloudflare range",
	 "Cause: a rule or set trusts a range Cloudflare no longer publishes. 104.16.0.0/12 was\n"
	 "split on 2021-04-08 into 104.16.0.0/13 + 104.24.0.0/14; the freed 104.28.0.0/14\n"
	 "carries WARP/Gateway user traffic, so the /12 lets ordinary internet users through\n"
	 "an allowlist meant for Cloudflare's proxy (and past any 'origin only reachable\n"
	 "through Cloudflare' policy). 199.27.128.0/21 and 204.93.x ranges are long gone.\n"
	 "Evidence: an accepting rule's source, or a set member, inside a retired range and\n"
	 "not inside a current one.\n"
	 "Fix: replace it with the current ranges.",
	 check_fw_retired},
	{"CF000-FW-UNDECIDED", 0, SEV_WARNING,
	 "the firewall verdict for Cloudflare's traffic cannot be decided statically",
	 "Cause: a match or target on the path of Cloudflare's SYN depends on something a\n"
	 "static audit cannot know (time of day, packet contents, a userspace queue, an\n"
	 "interface name when --public-iface is not given) and the verdict differs with it.\n"
	 "cfaudit never treats such a packet as accepted: this finding says which rule and\n"
	 "what the two outcomes would be.\n"
	 "Evidence: the rule named, with both outcomes.\n"
	 "Fix: give --public-iface / --host-addr when the match is an interface or address;\n"
	 "otherwise check the rule by hand, or make Cloudflare's ranges bypass it.",
	 check_fw_undecided},
	{"CF000-RANGES-STALE", 0, SEV_INFO, "the built-in Cloudflare ranges are old",
	 "Cause: cfaudit's built-in snapshot of Cloudflare's ranges is more than 180 days\n"
	 "older than the audit time (--at, default now). Cloudflare rarely changes the list,\n"
	 "but a verdict is only as good as the ranges it checks.\n"
	 "Evidence: the snapshot's date against --at.\n"
	 "Fix: curl -s https://api.cloudflare.com/client/v4/ips > ips.json and run with\n"
	 "--ranges ips.json (or upgrade cfaudit).",
	 check_ranges_stale},
	{"CF521-FW-REJECT", 521, SEV_ERROR, "the firewall rejects Cloudflare's connections",
	 "Cause: a REJECT rule (or reject verdict) answers Cloudflare's SYN with a TCP reset or\n"
	 "an ICMP unreachable: Cloudflare sees the connection refused and shows 521 (Web\n"
	 "server is down).\n"
	 "Evidence: the firewall evaluator sends Cloudflare's first SYN (TCP, conntrack NEW,\n"
	 "from each Cloudflare range, to each origin port) through raw, mangle, nat and filter\n"
	 "as the kernel does; the deciding rule is named with the chain path.\n"
	 "Fix: accept Cloudflare's ranges before the reject (an ipset of the ranges from\n"
	 "https://www.cloudflare.com/ips/ matched early in INPUT), or remove the rule.",
	 check_fw_reject},
	{"CF522-FW-DROP", 522, SEV_ERROR, "the firewall drops Cloudflare's connections",
	 "Cause: a DROP rule or a DROP policy discards Cloudflare's SYN: Cloudflare waits for\n"
	 "the connect timeout and shows 522 (Connection timed out). Deny lists of fail2ban,\n"
	 "CSF or a WAF often ban Cloudflare's addresses, because behind the proxy every\n"
	 "visitor arrives from them.\n"
	 "Evidence: the deciding rule (or chain policy) for Cloudflare's first SYN, per range\n"
	 "and port, with the chain path.\n"
	 "Fix: accept Cloudflare's ranges before the deny lists; make fail2ban ban the real\n"
	 "visitor (CF-Connecting-IP with real-IP restoration, and action cloudflare) rather\n"
	 "than Cloudflare's address.",
	 check_fw_drop},
	{"CF522-FW-IPV6-ND", 522, SEV_ERROR,
	 "the IPv6 firewall drops neighbour discovery: no IPv6 connection can work",
	 "Cause: ICMPv6 neighbour solicitations and advertisements (types 135, 136) are not\n"
	 "accepted. They are UNTRACKED for conntrack, so 'ESTABLISHED,RELATED' does not let\n"
	 "them in; without them the origin cannot answer its router, and every IPv6\n"
	 "connection from Cloudflare times out (522) although the SYN would be accepted.\n"
	 "Evidence: neighbour discovery packets, in and out, evaluated through the IPv6\n"
	 "ruleset.\n"
	 "Fix: ip6tables -A INPUT -p ipv6-icmp -j ACCEPT (at least types 133-136) before the\n"
	 "drop, and the same on OUTPUT when it filters.",
	 check_fw_ipv6_nd},
	{"CF522-FW-RATELIMIT", 522, SEV_WARNING,
	 "the firewall accepts Cloudflare only under a rate or connection limit",
	 "Cause: Cloudflare's connections are accepted only while a limit, hashlimit,\n"
	 "connlimit, recent, quota or meter match allows them. Cloudflare concentrates many\n"
	 "visitors on few of its addresses and reuses connections, so a per-source limit\n"
	 "made for single visitors is reached under ordinary load: the excess SYNs are\n"
	 "dropped or refused and visitors get 522 (or 521).\n"
	 "Evidence: the first SYN is accepted under light load but the same rule path drops\n"
	 "or rejects it once the limit is exceeded.\n"
	 "Fix: exempt Cloudflare's ranges from the limit (accept them first), or limit on the\n"
	 "real visitor address at the web server.",
	 check_fw_ratelimit},
	{"CF522-FW-REPLY-DROP", 522, SEV_ERROR,
	 "the firewall drops the origin's replies to Cloudflare",
	 "Cause: the SYN is accepted, but an OUTPUT (or POSTROUTING) rule or policy drops or\n"
	 "rejects the SYN-ACK going back to Cloudflare (egress filtering without an\n"
	 "ESTABLISHED,RELATED accept): Cloudflare never sees the answer and shows 522.\n"
	 "Evidence: the reply (TCP SYN-ACK, conntrack ESTABLISHED) evaluated through the output\n"
	 "hooks.\n"
	 "Fix: -A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT before the drop.",
	 check_fw_reply},
};

const size_t check_count = sizeof(check_table) / sizeof(check_table[0]);

static int
check_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct check *)elem)->id);
}

const struct check *
check_find(const char *id)
{
	return bsearch(id, check_table, check_count, sizeof(check_table[0]), check_cmp);
}

/* Findings in file and line order (those without a file first), as a
 * compiler lists its diagnostics; ties keep the emission order (the check
 * table's order), so the sort runs on indices. */
static int
finding_cmp(const void *x, const void *y, void *arg)
{
	const struct finding *v = arg;
	size_t i = *(const size_t *)x;
	size_t j = *(const size_t *)y;
	const struct finding *a = &v[i];
	const struct finding *b = &v[j];
	int c;

	if (a->loc.file != b->loc.file) {
		if (a->loc.file == NULL || b->loc.file == NULL)
			return a->loc.file == NULL ? -1 : 1;
		if ((c = strcmp(a->loc.file, b->loc.file)) != 0)
			return c;
	}
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	return i < j ? -1 : i > j;
}

static void
sort_findings(struct audit *a)
{
	size_t *idx = xreallocarray(NULL, a->nfinding ? a->nfinding : 1, sizeof(*idx));
	struct finding *sorted = xreallocarray(NULL, a->nfinding ? a->nfinding : 1,
					       sizeof(*sorted));
	size_t i;

	for (i = 0; i < a->nfinding; i++)
		idx[i] = i;
	qsort_r(idx, a->nfinding, sizeof(*idx), finding_cmp, a->findings);
	for (i = 0; i < a->nfinding; i++)
		sorted[i] = a->findings[idx[i]];
	if (a->nfinding)
		memcpy(a->findings, sorted, a->nfinding * sizeof(*sorted));
	free(sorted);
	free(idx);
}

void
checks_run(struct audit *a)
{
	size_t i;

	for (i = 0; i < check_count; i++)
		check_table[i].run(a);
	sort_findings(a);
}
