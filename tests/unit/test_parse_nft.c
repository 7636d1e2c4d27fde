/* parse_nft: the model for representative rules (each lowered as the
 * evaluator needs it), the exact messages of must-fail input, includes
 * inside the root, and nftables' own dumps and bogons from ../shared/corpus. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "parse.h"
#include "root.h"
#include "unit.h"
#include "util.h"

/* parse_nft.c: its bsearch tables are in order */
bool nft_tables_sorted(void);

static struct origin O;
static struct input *IN;

static void
reset(void)
{
	origin_free(&O);
}

/* A fresh origin holding the ruleset text as /etc/nftables.conf. */
static void
parse(const char *text)
{
	reset();
	IN = origin_add_input(&O, IN_NFTABLES, "/etc/nftables.conf");
	parse_nft(&O, IN, text, strlen(text), NULL);
	origin_finish(&O);
}

static struct chain *
chain_of(const char *table, const char *name)
{
	size_t i;

	for (i = 0; i < O.fw.nchain; i++)
		if (strcmp(O.fw.chains[i]->table, table) == 0 &&
		    strcmp(O.fw.chains[i]->name, name) == 0)
			return O.fw.chains[i];
	return NULL;
}

/* The diagnostics, "line: message" joined with " | ". */
static char diag_text[8192];

static const char *
diags(void)
{
	size_t i;
	size_t n = 0;

	diag_text[0] = '\0';
	for (i = 0; i < O.ndiag && n < sizeof(diag_text); i++)
		n += (size_t)snprintf(diag_text + n, sizeof(diag_text) - n, "%s%u: %s",
		                      i ? " | " : "", O.diags[i].loc.line, O.diags[i].msg);
	return diag_text;
}

/* "table inet t { chain c { type filter hook input priority 0; RULE } }":
 * the model rules of c (NULL with a message when the ruleset has errors). */
static struct chain *
rules_of(const char *family, const char *rule)
{
	char text[4096];

	snprintf(text, sizeof(text),
	         "table %s t {\n"
	         "\tchain o {\n\t}\n"
	         "\tchain c {\n"
	         "\t\ttype filter hook input priority 0; policy accept;\n"
	         "\t\t%s\n"
	         "\t}\n"
	         "}\n",
	         family, rule);
	parse(text);
	if (O.ndiag != 0) {
		printf("# %s: unexpected diag: %s\n", unit_name, diags());
		return NULL;
	}
	return chain_of("t", "c");
}

static const struct match *
find_match(const struct rule *r, enum match_kind k)
{
	size_t i;

	for (i = 0; i < r->nmatch; i++)
		if (r->m[i].kind == k)
			return &r->m[i];
	return NULL;
}

static u128
v4(const char *s)
{
	enum family f;
	u128 a = 0;

	addr_parse(s, &f, &a);
	return a;
}

/* The error of a one-rule ruleset: "line: message". */
static const char *
rule_error(const char *rule)
{
	char text[4096];

	snprintf(
	    text, sizeof(text),
	    "table inet t {\n\tchain c {\n\t\ttype filter hook input priority 0;\n\t\t%s\n\t}\n}\n",
	    rule);
	parse(text);
	return diags();
}

static void
test_tables_sorted(void)
{
	CHECK(nft_tables_sorted());
}

static void
test_base_chains(void)
{
	struct chain *c;

	parse(
	    "table inet filter {\n"
	    "\tchain a { type filter hook input priority filter + 10; policy drop; }\n"
	    "\tchain b { type filter hook prerouting priority raw; }\n"
	    "\tchain n { type nat hook prerouting priority dstnat - 5; }\n"
	    "\tchain s { type nat hook postrouting priority srcnat; policy accept; }\n"
	    "\tchain r { type route hook output priority mangle; }\n"
	    "\tchain u { }\n"
	    "}\n"
	    "table ip v4only { chain i { type filter hook input priority -7; } }\n"
	    "table ip6 v6only { chain i { type filter hook output priority security; } }\n"
	    "table bridge br { chain i { type filter hook input priority filter; } }\n"
	    "table netdev nd { chain i { type filter hook ingress device \"eth0\" priority 0; } }\n"
	    "table arp a { chain i { type filter hook input priority filter; } }\n");
	CHECK_STR(diags(), "");
	CHECK((c = chain_of("filter", "a")) != NULL);
	CHECK(c->hook == HOOK_INPUT && c->priority == 10 && c->policy == A_DROP);
	CHECK(c->families == FAM_BOTH && c->type == CT_FILTER);
	CHECK(c->policy_loc.line == 2);
	CHECK((c = chain_of("filter", "b")) != NULL);
	CHECK(c->hook == HOOK_PREROUTING && c->priority == -300 && c->policy == A_ACCEPT);
	CHECK((c = chain_of("filter", "n")) != NULL);
	CHECK(c->type == CT_NAT && c->priority == -105);
	CHECK((c = chain_of("filter", "s")) != NULL);
	CHECK(c->hook == HOOK_POSTROUTING && c->priority == 100);
	CHECK((c = chain_of("filter", "r")) != NULL);
	CHECK(c->type == CT_ROUTE && c->hook == HOOK_OUTPUT && c->priority == -150);
	CHECK((c = chain_of("filter", "u")) != NULL);
	CHECK(c->hook == HOOK_NONE);
	CHECK((c = chain_of("v4only", "i")) != NULL);
	CHECK(c->families == FAM_BIT(FAM_V4) && c->priority == -7);
	CHECK((c = chain_of("v6only", "i")) != NULL);
	CHECK(c->families == FAM_BIT(FAM_V6) && c->priority == 50 && c->hook == HOOK_OUTPUT);
	/* arp and bridge: read, not on the path; netdev: a device's ingress */
	CHECK(chain_of("br", "i") == NULL && chain_of("a", "i") == NULL);
	CHECK((c = chain_of("nd", "i")) != NULL);
	CHECK(c->hook == HOOK_INGRESS && c->families == FAM_BOTH && c->ndev == 1);
	CHECK(strcmp(c->dev[0], "eth0") == 0);
	CHECK(O.fw_seen[FAM_V4] && O.fw_seen[FAM_V6]);
}

static void
test_addresses(void)
{
	struct chain *c = rules_of("inet", "ip saddr { 10.0.0.0/8, 192.0.2.1-192.0.2.9 } accept");
	const struct match *m;

	CHECK(c && c->nrule == 1);
	/* the inet table: the ip header implies IPv4 */
	CHECK((m = find_match(c->rules[0], M_FAMILY)) != NULL && m->u.bits == FAM_BIT(FAM_V4));
	CHECK((m = find_match(c->rules[0], M_SADDR)) != NULL && !m->neg);
	CHECK(m->u.addrs.fam == FAM_V4 && m->u.addrs.n == 2);
	CHECK(ivset_contains(&m->u.addrs, v4("10.1.2.3")) &&
	      ivset_contains(&m->u.addrs, v4("192.0.2.9")));
	CHECK(!ivset_contains(&m->u.addrs, v4("192.0.2.10")));
	CHECK(c->rules[0]->act.kind == A_ACCEPT && c->rules[0]->loc.line == 6);

	c = rules_of("ip", "ip daddr != 203.0.113.0/24 drop");
	CHECK(c && c->nrule == 1 && c->rules[0]->nmatch == 1);
	CHECK((m = find_match(c->rules[0], M_DADDR)) != NULL && m->neg);
	CHECK(find_match(c->rules[0], M_FAMILY) == NULL);

	c = rules_of("inet", "ip6 saddr 2001:db8::/32 ip6 daddr [2001:db8::1] accept");
	CHECK(c && c->nrule == 1);
	CHECK((m = find_match(c->rules[0], M_SADDR)) != NULL && m->u.addrs.fam == FAM_V6);
	CHECK((m = find_match(c->rules[0], M_FAMILY)) != NULL && m->u.bits == FAM_BIT(FAM_V6));

	/* a mask that is a prefix is exact; another is not */
	c = rules_of("ip", "ip saddr & 255.255.0.0 == 10.1.0.0 accept");
	CHECK(c && (m = find_match(c->rules[0], M_SADDR)) != NULL);
	CHECK(ivset_contains(&m->u.addrs, v4("10.1.255.255")) &&
	      !ivset_contains(&m->u.addrs, v4("10.2.0.0")));
	c = rules_of("ip", "ip saddr & 0.255.0.255 == 0.1.0.1 accept");
	CHECK(c && find_match(c->rules[0], M_UNKNOWN) != NULL);
}

static void
test_ports_and_protocols(void)
{
	struct chain *c = rules_of("inet", "tcp dport { 80, https, 8000-8099 } accept");
	const struct match *m;

	CHECK(c && c->nrule == 1);
	CHECK((m = find_match(c->rules[0], M_PROTO)) != NULL && m->u.proto == PROTO_TCP);
	CHECK(strcmp(m->text, "meta l4proto tcp") == 0);
	CHECK((m = find_match(c->rules[0], M_DPORT)) != NULL && m->u.ports.n == 3);
	CHECK(m->u.ports.v[1].lo == 443 && m->u.ports.v[2].hi == 8099);
	CHECK(strcmp(m->text, "tcp dport { 80, https, 8000-8099 }") == 0);

	c = rules_of("inet", "udp sport != 53 drop");
	CHECK(c && (m = find_match(c->rules[0], M_SPORT)) != NULL && m->neg);
	CHECK((m = find_match(c->rules[0], M_PROTO)) != NULL && m->u.proto == PROTO_UDP);

	/* th: any transport protocol, no dependency */
	c = rules_of("inet", "meta l4proto { tcp, udp } th dport 443 accept");
	CHECK(c && c->nrule == 2);
	CHECK(find_match(c->rules[0], M_DPORT) && c->rules[0]->nmatch == 2);

	/* a set of protocols: one rule each; negated: all in one rule */
	c = rules_of("inet", "meta l4proto != { icmp, ipv6-icmp } drop");
	CHECK(c && c->nrule == 1 && c->rules[0]->nmatch == 2);
	CHECK(c->rules[0]->m[0].kind == M_PROTO && c->rules[0]->m[0].neg);

	c = rules_of("inet", "ip protocol tcp accept");
	CHECK(c && c->nrule == 1 && c->rules[0]->nmatch == 2);
	CHECK(c->rules[0]->m[0].kind == M_FAMILY && c->rules[0]->m[1].kind == M_PROTO);

	/* sctp: its protocol decides a TCP packet; the field is not modelled */
	c = rules_of("inet", "sctp vtag 7 drop");
	CHECK(c && (m = find_match(c->rules[0], M_PROTO)) != NULL && m->u.proto == 132);
	CHECK(find_match(c->rules[0], M_UNKNOWN) != NULL);
}

static void
test_ct_state_and_vmap(void)
{
	struct chain *c = rules_of("inet", "ct state established,related accept");
	const struct match *m;

	CHECK(c && c->nrule == 1);
	CHECK((m = find_match(c->rules[0], M_CTSTATE)) != NULL);
	CHECK(m->u.bits == (CTS_ESTABLISHED | CTS_RELATED) && !m->neg);

	/* a verdict map: one rule per verdict, keys grouped */
	c = rules_of("inet",
	             "ct state vmap { established : accept, related : accept, invalid : drop, "
	             "new : jump o }");
	CHECK(c && c->nrule == 3);
	CHECK(c->rules[0]->act.kind == A_ACCEPT);
	CHECK((m = find_match(c->rules[0], M_CTSTATE)) &&
	      m->u.bits == (CTS_ESTABLISHED | CTS_RELATED));
	CHECK(c->rules[1]->act.kind == A_DROP);
	CHECK(c->rules[2]->act.kind == A_JUMP && c->rules[2]->act.target == chain_of("t", "o"));

	/* a key the map lacks goes on with the rest of the rule */
	c = rules_of("inet", "tcp dport vmap { 22 : drop, 80 : continue } counter accept");
	CHECK(c && c->nrule == 2);
	CHECK(c->rules[0]->act.kind == A_DROP);
	CHECK((m = find_match(c->rules[1], M_DPORT)) != NULL && m->neg && m->u.ports.n == 1);
	CHECK(m->u.ports.v[0].lo == 22 && c->rules[1]->act.kind == A_ACCEPT);

	/* a named verdict map, elements added after the rule */
	parse("table inet t {\n"
	      "\tmap ports { type inet_service : verdict; }\n"
	      "\tchain c { type filter hook input priority 0; tcp dport vmap @ports; }\n"
	      "}\n"
	      "add element inet t ports { 443 : drop, 8443 : drop }\n");
	CHECK_STR(diags(), "");
	CHECK((c = chain_of("t", "c")) != NULL && c->nrule == 1);
	CHECK(c->rules[0]->act.kind == A_DROP);
	CHECK((m = find_match(c->rules[0], M_DPORT)) != NULL && m->u.ports.n == 2);
}

static void
test_named_sets(void)
{
	struct chain *c;
	const struct match *m;
	struct ipset *s;

	parse("table inet t {\n"
	      "\tset cf4 {\n"
	      "\t\ttype ipv4_addr\n"
	      "\t\tflags interval\n"
	      "\t\telements = { 173.245.48.0/20, 103.21.244.0/22 }\n"
	      "\t}\n"
	      "\tset pairs { type ipv4_addr . inet_service; }\n"
	      "\tchain c {\n"
	      "\t\ttype filter hook input priority 0;\n"
	      "\t\tip saddr @cf4 accept\n"
	      "\t\tip saddr . tcp dport @pairs drop\n"
	      "\t}\n"
	      "}\n"
	      "add element inet t cf4 { 198.41.128.0/17 }\n"
	      "add element inet t pairs { 192.0.2.1 . 443 }\n");
	CHECK_STR(diags(), "");
	CHECK((c = chain_of("t", "c")) != NULL && c->nrule == 2);
	CHECK((m = find_match(c->rules[0], M_SET)) != NULL && (s = m->u.set.set) != NULL);
	CHECK(strcmp(s->name, "inet t @cf4") == 0 && strcmp(m->u.set.name, s->name) == 0);
	CHECK(s->ndim == 1 && s->dim[0] == DIM_ADDR && set_size(s) == 3 && s->addrs_ready);
	CHECK(addrset_contains(&s->addrs, v4("198.41.200.1")));
	CHECK(set_member(s, 0).line == 5 && set_member(s, 2).line == 14);
	CHECK(m->u.set.ndir == 1 && m->u.set.dir[0] == SD_SRC);
	CHECK((m = find_match(c->rules[1], M_SET)) != NULL && (s = m->u.set.set) != NULL);
	CHECK(s->ndim == 2 && s->dim[1] == DIM_PORT && s->nelem == 1);
	CHECK(m->u.set.dir[0] == SD_SRC && m->u.set.dir[1] == SD_DST);
	CHECK(s->elem[0].plo == 443 && s->elem[0].lo == v4("192.0.2.1"));

	/* ranges need "flags interval" */
	parse("table ip t { set s { type ipv4_addr; elements = { 10.0.0.0/8 } } }\n");
	CHECK_STR(diags(), "1: You must add 'flags interval' to your set declaration if you want "
	                   "to add range elements");

	/* a set of a type the evaluator has no dimension for: expanded */
	c = rules_of("inet", "tcp flags { syn, ack } accept");
	CHECK(c && c->nrule == 2 && find_match(c->rules[1], M_TCPFLAGS)->u.flags.comp == TCPF_ACK);
}

static void
test_interfaces(void)
{
	struct chain *c = rules_of("inet", "iifname \"eth*\" oif lo accept");
	const struct match *m;

	CHECK(c && c->nrule == 1);
	CHECK((m = find_match(c->rules[0], M_IIF)) != NULL && strcmp(m->u.ifname, "eth+") == 0);
	CHECK((m = find_match(c->rules[0], M_OIF)) != NULL && strcmp(m->u.ifname, "lo") == 0);
	c = rules_of("inet", "iifname != { \"lo\", \"docker0\" } accept");
	CHECK(c && c->nrule == 1 && c->rules[0]->nmatch == 2 && c->rules[0]->m[1].neg);
	/* many names: one model set */
	c = rules_of("inet", "iifname { a, b, c, d, e, f, g, h, i } accept");
	CHECK(c && c->nrule == 1 && (m = find_match(c->rules[0], M_SET)) != NULL);
	CHECK(m->u.set.set->dim[0] == DIM_IFACE && m->u.set.set->nelem == 9);
}

static void
test_marks(void)
{
	struct chain *c = rules_of("inet", "meta mark & 0xff == 0x10 ct mark 0x2 accept");
	const struct match *m;

	CHECK(c && c->nrule == 1);
	CHECK((m = find_match(c->rules[0], M_MARK)) && m->u.mark.mask == 0xff &&
	      m->u.mark.value == 0x10);
	CHECK((m = find_match(c->rules[0], M_CONNMARK)) && m->u.mark.mask == 0xffffffffu);

	c = rules_of("inet", "meta mark set 0x10 ct mark set 0x2 accept");
	CHECK(c && c->nrule == 1 && c->rules[0]->npre == 2);
	CHECK(c->rules[0]->pre[0].kind == A_SETMARK && c->rules[0]->pre[0].value == 0x10);
	CHECK(c->rules[0]->pre[1].kind == A_CONNMARK_SET && c->rules[0]->act.kind == A_ACCEPT);

	c = rules_of("inet", "meta mark set ct mark");
	CHECK(c && c->nrule == 1 && c->rules[0]->pre[0].kind == A_CONNMARK_RESTORE);
	CHECK(c->rules[0]->act.kind == A_CONTINUE);

	/* a mark from a map: one rule per value */
	c = rules_of("ip", "meta mark set ip saddr map { 10.0.0.1 : 0x1, 10.0.0.2 : 0x2 }");
	CHECK(c && c->nrule == 2 && c->rules[1]->pre[0].value == 2);
	CHECK(find_match(c->rules[1], M_SADDR) != NULL);

	/* a mark the model cannot compute: what follows cannot be decided,
	 * unless the rule drops */
	c = rules_of("ip", "meta mark set ip dscp << 2 accept");
	CHECK(c && c->nrule == 1 && c->rules[0]->act.kind == A_UNKNOWN);
	c = rules_of("ip", "meta mark set ip dscp << 2 drop");
	CHECK(c && c->nrule == 1 && c->rules[0]->act.kind == A_DROP);
}

static void
test_rates(void)
{
	struct chain *c = rules_of("inet", "limit rate 10/second accept");
	const struct match *m;

	CHECK(c && (m = find_match(c->rules[0], M_RATE)) && m->u.rate.light && !m->u.rate.heavy);
	c = rules_of("inet", "ct state new limit rate over 1 mbytes/second drop");
	CHECK(c && (m = find_match(c->rules[0], M_RATE)) && !m->u.rate.light && m->u.rate.heavy);
	CHECK(strcmp(m->text, "limit rate over 1 mbytes/second") == 0);
	c = rules_of("inet", "ct count over 20 reject");
	CHECK(c && (m = find_match(c->rules[0], M_RATE)) && m->u.rate.heavy);
	c = rules_of("inet", "quota over 25 mbytes drop");
	CHECK(c && (m = find_match(c->rules[0], M_RATE)) && m->u.rate.heavy);
	c = rules_of("inet", "meter m { ip saddr limit rate 5/second } accept");
	CHECK(c && (m = find_match(c->rules[0], M_RATE)) && m->u.rate.light);
	parse("table inet t {\n"
	      "\tset s { type ipv4_addr; flags dynamic; }\n"
	      "\tlimit l { rate over 10/minute }\n"
	      "\tchain c {\n"
	      "\t\ttype filter hook input priority 0;\n"
	      "\t\tadd @s { ip saddr limit rate over 3/second } drop\n"
	      "\t\tlimit name \"l\" drop\n"
	      "\t}\n"
	      "}\n");
	CHECK_STR(diags(), "");
	CHECK((c = chain_of("t", "c")) && c->nrule == 2);
	CHECK((m = find_match(c->rules[0], M_RATE)) && m->u.rate.heavy);
	CHECK((m = find_match(c->rules[1], M_RATE)) && m->u.rate.heavy && !m->u.rate.light);
	/* counters and logs change nothing */
	c = rules_of("inet", "counter log prefix \"x \" level info");
	CHECK(c && c->nrule == 0);
}

static void
test_tcp_flags_icmp_ttl_fib(void)
{
	struct chain *c = rules_of("inet", "tcp flags syn accept");
	const struct match *m;

	CHECK(c && (m = find_match(c->rules[0], M_TCPFLAGS)));
	CHECK(m->u.flags.mask == TCPF_SYN && m->u.flags.comp == TCPF_SYN);
	c = rules_of("inet", "tcp flags & (fin | syn | rst | ack) != syn drop");
	CHECK(c && (m = find_match(c->rules[0], M_TCPFLAGS)) && m->neg);
	CHECK(m->u.flags.mask == 0x17 && m->u.flags.comp == TCPF_SYN);
	c = rules_of("inet", "tcp flags syn / fin,syn,rst,ack accept");
	CHECK(c && (m = find_match(c->rules[0], M_TCPFLAGS)));
	CHECK(m->u.flags.mask == 0x17 && m->u.flags.comp == TCPF_SYN);
	c = rules_of("inet", "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept");
	CHECK(c && c->nrule == 2 && (m = find_match(c->rules[1], M_ICMP)));
	CHECK(m->u.icmp.type == 136 && m->u.icmp.code == -1);
	CHECK(find_match(c->rules[1], M_PROTO)->u.proto == PROTO_ICMPV6);
	c = rules_of("inet", "ip6 hoplimit 255 icmpv6 type nd-router-advert accept");
	CHECK(c && (m = find_match(c->rules[0], M_TTL)) && m->u.ttl.op == TTL_EQ);
	c = rules_of("inet", "ip ttl 1-10 drop");
	CHECK(c && c->rules[0]->nmatch == 3 && c->rules[0]->m[1].u.ttl.op == TTL_GT);
	CHECK(c->rules[0]->m[2].u.ttl.op == TTL_LT && c->rules[0]->m[2].u.ttl.value == 11);
	c = rules_of("inet", "fib daddr type local tcp dport 80 accept");
	CHECK(c && (m = find_match(c->rules[0], M_ADDRTYPE)) && m->u.addrtype.dst == AT_LOCAL);
	c = rules_of("inet", "fib daddr type != { broadcast, multicast } accept");
	CHECK(c && (m = find_match(c->rules[0], M_ADDRTYPE)) && m->u.addrtype.dst_neg);
	CHECK(m->u.addrtype.dst == (AT_BROADCAST | AT_MULTICAST));
	/* the reverse path of Cloudflare's SYN exists */
	c = rules_of("inet", "fib saddr . iif oif missing drop");
	CHECK(c && c->rules[0]->nmatch == 1 && c->rules[0]->m[0].kind == M_NEVER);
	/* the NAT bits of ct status are states the evaluator tracks */
	c = rules_of("inet", "ct status dnat tcp dport 8443 reject");
	CHECK(c && (m = find_match(c->rules[0], M_CTSTATE)) && m->u.bits == CTS_DNAT && !m->neg);
	c = rules_of("inet", "ct status assured accept");
	CHECK(c && find_match(c->rules[0], M_UNKNOWN) != NULL);
	c = rules_of("inet", "meta nfproto ipv6 accept");
	CHECK(c && (m = find_match(c->rules[0], M_FAMILY)) && m->u.bits == FAM_BIT(FAM_V6));
}

static void
test_verdicts_and_nat(void)
{
	struct chain *c = rules_of("inet", "reject with tcp reset");
	const struct match *m;

	CHECK(c && c->nrule == 1 && c->rules[0]->act.kind == A_REJECT);
	CHECK(strcmp(c->rules[0]->act.detail, "reject with tcp reset") == 0);
	/* a TCP reset only answers TCP */
	CHECK((m = find_match(c->rules[0], M_PROTO)) && m->u.proto == PROTO_TCP);
	c = rules_of("inet", "reject with icmp type host-prohibited");
	CHECK(c && (m = find_match(c->rules[0], M_FAMILY)) && m->u.bits == FAM_BIT(FAM_V4));
	c = rules_of("inet", "jump o");
	CHECK(c && c->rules[0]->act.kind == A_JUMP &&
	      c->rules[0]->act.target == chain_of("t", "o"));
	c = rules_of("inet", "goto o");
	CHECK(c && c->rules[0]->act.kind == A_GOTO);
	c = rules_of("inet", "queue num 3 bypass");
	CHECK(c && c->rules[0]->act.kind == A_QUEUE);
	c = rules_of("inet", "queue flags bypass num 3");
	CHECK(c && c->rules[0]->act.kind == A_QUEUE);
	c = rules_of("inet", "notrack");
	CHECK(c && c->rules[0]->npre == 1 && c->rules[0]->pre[0].kind == A_NOTRACK);
	c = rules_of("inet", "return");
	CHECK(c && c->rules[0]->act.kind == A_RETURN);
	c = rules_of("inet", "tcp dport 22 accept comment \"ssh\"");
	CHECK(c && c->rules[0]->comment && strcmp(c->rules[0]->comment, "ssh") == 0);
	/* an anonymous chain */
	c = rules_of("inet", "tcp dport 80 jump { ip saddr 10.0.0.0/8 accept; drop; }");
	CHECK(c && c->rules[0]->act.kind == A_JUMP && c->rules[0]->act.target != NULL);
	CHECK(c->rules[0]->act.target->nrule == 2);

	parse("table ip nat {\n"
	      "\tchain pre {\n"
	      "\t\ttype nat hook prerouting priority dstnat;\n"
	      "\t\ttcp dport 8443 dnat to 192.0.2.10:443\n"
	      "\t\ttcp dport 81 redirect to :80\n"
	      "\t\tdnat to ip saddr map { 10.0.0.1 : 192.0.2.1, 10.0.0.2 : 192.0.2.2 }\n"
	      "\t\tmasquerade\n"
	      "\t}\n"
	      "}\n");
	CHECK_STR(diags(), "");
	CHECK((c = chain_of("nat", "pre")) && c->nrule == 5);
	CHECK(c->rules[0]->act.kind == A_DNAT && c->rules[0]->act.has_addr);
	CHECK(c->rules[0]->act.to_addr == v4("192.0.2.10") && c->rules[0]->act.to_port == 443);
	CHECK(c->rules[1]->act.kind == A_REDIRECT && c->rules[1]->act.to_port == 80);
	CHECK(c->rules[3]->act.kind == A_DNAT && c->rules[3]->act.to_addr == v4("192.0.2.2"));
	CHECK(find_match(c->rules[3], M_SADDR) != NULL);
	CHECK(c->rules[4]->act.kind == A_ACCEPT);
}

static void
test_unknown_matches(void)
{
	struct chain *c = rules_of("inet", "meta skuid 0 ether saddr 00:11:22:33:44:55 accept");
	const struct match *m;

	CHECK(c && c->nrule == 1 && c->rules[0]->nmatch == 2);
	CHECK((m = &c->rules[0]->m[0])->kind == M_UNKNOWN && strcmp(m->text, "meta skuid 0") == 0);
	CHECK(strcmp(c->rules[0]->m[1].text, "ether saddr 00:11:22:33:44:55") == 0);
	c = rules_of("inet", "ip dscp cs1 tcp dport 443 tproxy to :8443 accept");
	CHECK(c && c->rules[0]->act.kind == A_UNKNOWN);
	CHECK(strcmp(c->rules[0]->act.name, "tproxy to :8443") == 0);
}

static void
test_define_and_scopes(void)
{
	struct chain *c;

	parse("define web = { 80, 443 }\n"
	      "define lan = 10.0.0.0/8\n"
	      "define both = { $lan, 192.168.0.0/16 }\n"
	      "table inet t {\n"
	      "\tdefine inner = 22\n"
	      "\tchain c {\n"
	      "\t\ttype filter hook input priority 0;\n"
	      "\t\tip saddr $both tcp dport $web accept\n"
	      "\t\ttcp dport $inner accept\n"
	      "\t}\n"
	      "}\n"
	      "add rule inet t c tcp dport $inner drop\n");
	CHECK_STR(diags(), "12: unknown identifier 'inner'");
	/* the refused rule stands last, as unreadable */
	CHECK((c = chain_of("t", "c")) && c->nrule == 3);
	CHECK(c->rules[2]->act.kind == A_UNREADABLE && c->rules[2]->loc.line == 12);
	CHECK(find_match(c->rules[0], M_SADDR)->u.addrs.n == 2);
	CHECK(find_match(c->rules[0], M_DPORT)->u.ports.n == 2);
	CHECK(c->rules[0]->loc.line == 8);
}

static void
test_commands(void)
{
	struct chain *c;

	parse("add table inet t\n"
	      "add chain inet t c { type filter hook input priority 0; policy drop; }\n"
	      "add rule inet t c tcp dport 1 accept\n"
	      "add rule inet t c tcp dport 3 accept\n"
	      "insert rule inet t c tcp dport 0 accept\n"
	      "add rule inet t c index 1 tcp dport 2 accept\n"
	      "add chain inet t d\n"
	      "add rule inet t d drop\n"
	      "flush chain inet t d\n"
	      "delete chain inet t d\n"
	      "inet t c tcp dport 4 accept\n"
	      "create table inet t\n"
	      "delete table ip never_created\n"
	      "table ip gone { chain x { type filter hook input priority 0; drop; } }\n"
	      "delete table ip gone\n"
	      "rename chain inet t c c2\n");
	CHECK_STR(diags(), "12: table inet t already exists");
	CHECK(chain_of("t", "d") == NULL && chain_of("gone", "x") == NULL);
	CHECK((c = chain_of("t", "c2")) && c->nrule == 5 && c->policy == A_DROP);
	CHECK(find_match(c->rules[0], M_DPORT)->u.ports.v[0].lo == 0);
	CHECK(find_match(c->rules[1], M_DPORT)->u.ports.v[0].lo == 1);
	CHECK(find_match(c->rules[2], M_DPORT)->u.ports.v[0].lo == 2);
	CHECK(find_match(c->rules[3], M_DPORT)->u.ports.v[0].lo == 3);
	CHECK(find_match(c->rules[4], M_DPORT)->u.ports.v[0].lo == 4);

	/* flush ruleset empties what came before */
	parse("table inet a { chain c { type filter hook input priority 0; drop; } }\n"
	      "flush ruleset\n"
	      "table inet b { chain c { type filter hook input priority 0; accept; } }\n");
	CHECK_STR(diags(), "");
	CHECK(chain_of("a", "c") == NULL && chain_of("b", "c") != NULL);
	/* a dormant table hooks nothing */
	parse("table inet a { flags dormant; chain c { type filter hook input priority 0; drop; } "
	      "}\n");
	CHECK_STR(diags(), "");
	CHECK(chain_of("a", "c") == NULL);
}

static void
test_errors(void)
{
	CHECK_STR(rule_error("tcp dport 80 acept"), "4: syntax error, unexpected acept");
	CHECK_STR(rule_error("ip saddr 10.0.0.300 accept"),
	          "4: \"10.0.0.300\" is not an IPv4 address");
	CHECK_STR(rule_error("ip saddr example.com accept"),
	          "4: \"example.com\" is not an IPv4 address (host names are not resolved)");
	CHECK_STR(rule_error("tcp dport 70000 accept"),
	          "4: Value 70000 exceeds valid range 0-65535");
	CHECK_STR(rule_error("tcp dport nosuchservice accept"),
	          "4: unknown port or service \"nosuchservice\"");
	CHECK_STR(rule_error("jump nowhere"), "4: chain nowhere does not exist in table inet t");
	CHECK_STR(rule_error("ip saddr @nope accept"),
	          "4: set nope does not exist in table inet t");
	CHECK_STR(rule_error("accept drop"), "4: Statement after terminal statement has no effect");
	CHECK_STR(rule_error("ip6 nexthdr udp tcp dport 1 accept"),
	          "4: conflicting protocols specified: udp vs. tcp");
	CHECK_STR(rule_error("dnat to 10.0.0.1:80"),
	          "4: transport protocol mapping is only valid after transport protocol match");
	CHECK_STR(rule_error("ct state estabished accept"), "4: unknown ct_state \"estabished\"");
	CHECK_STR(rule_error("meta l4proto tcp / 22 accept"),
	          "4: a prefix needs an address or integer type, not inet_proto");
	CHECK_STR(rule_error("@th,0,512 1 drop"),
	          "4: raw payload length 512 exceeds the maximum of 128 bits");
	CHECK_STR(rule_error("xt match \"comment\""),
	          "4: unsupported xtables compat expression, use iptables-nft with this ruleset");
	/* resynchronisation: the next statement is read */
	parse("table inet t {\n"
	      "\tchain c {\n"
	      "\t\ttype filter hook input priority 0;\n"
	      "\t\tbogus here\n"
	      "\t\ttcp dport 22 accept\n"
	      "\t}\n"
	      "\tchain d { policy drop; }\n"
	      "}\n"
	      "list ruleset\n");
	CHECK_STR(diags(),
	          "4: syntax error, unexpected bogus | "
	          "7: policy on chain d, which has no hook: only base chains have a policy | "
	          "9: \"list\" is a query, not part of a ruleset: not supported in a ruleset file");
	CHECK(chain_of("t", "c") && chain_of("t", "c")->nrule == 2);
	CHECK(chain_of("t", "c")->rules[0]->act.kind == A_UNREADABLE &&
	      chain_of("t", "c")->rules[0]->nmatch == 0 && chain_of("t", "c")->rules[0]->loc.line == 4);
	CHECK(IN->status == IN_ERROR);
	/* nft gives up after 10 errors */
	{
		struct buf b = {0};
		char *text;
		int i;

		for (i = 0; i < 15; i++)
			buf_adds(&b, "bogus\n");
		text = buf_take(&b);
		parse(text);
		free(text);
		CHECK(O.ndiag == DIAG_MAX_PER_INPUT);
		CHECK(IN->errors == 11);
	}
	/* jump loops are refused by the kernel */
	parse("table ip t {\n\tchain a { jump b; }\n\tchain b { jump a; }\n}\n");
	CHECK_STR(diags(), "3: jump loop: a -> b -> a");
	/* JSON */
	parse("{\"nftables\": []}\n");
	CHECK_STR(diags(), "1: a JSON ruleset (nft -j) is not supported: give the ruleset in nft "
	                   "syntax");
	/* NUL bytes and unterminated strings */
	{
		static const char nul[] = "table ip t {\0}\n";

		reset();
		IN = origin_add_input(&O, IN_NFTABLES, "/etc/nftables.conf");
		parse_nft(&O, IN, nul, sizeof(nul) - 1, NULL);
		CHECK(O.ndiag > 0 && strcmp(O.diags[0].msg, "NUL byte in the file") == 0);
	}
	CHECK_STR(rule_error("comment \"open"), "4: unterminated quoted string");
	/* lines have a cap */
	{
		struct buf b = {0};
		char *text;
		unsigned i;

		buf_adds(&b, "table ip t {\n\tset s {\n\t\ttype ipv4_addr\n\t\telements = { ");
		for (i = 0; i < 100000; i++)
			buf_addf(&b, "%s10.%u.%u.%u", i ? ", " : "", i >> 16, (i >> 8) & 255,
			         i & 255);
		buf_adds(&b, " }\n\t}\n}\ntable ip u { }\n");
		text = buf_take(&b);
		parse(text);
		free(text);
		CHECK_STR(diags(), "4: line longer than the 1 MiB cap (nft list ruleset wraps long "
		                   "sets)");
		CHECK(O.fw_seen[FAM_V4]);
	}
}

/* A tree under /tmp for include tests. */
static char tree[64];

static void
put(const char *rel, const char *text)
{
	char path[512];
	char dir[512];
	char *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", tree, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(tree) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char sub[1024];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		remove_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static void
test_includes(void)
{
	struct chain *c;
	size_t i;
	int n;

	snprintf(tree, sizeof(tree), "/tmp/cfa-nft-test.XXXXXX");
	if (mkdtemp(tree) == NULL) {
		printf("skip test_includes: cannot make a directory\n");
		return;
	}
	put("/etc/nftables.d/10-base.nft",
	    "table inet t {\n\tchain c { type filter hook input priority 0; policy drop; }\n}\n");
	put("/etc/nftables.d/20-web.nft", "add rule inet t c tcp dport 443 accept\n");
	put("/etc/nftables.d/README", "not nft\n");
	put("/etc/rel.nft", "add rule inet t c tcp dport 80 accept\n");
	put("/etc/loop-a.nft", "include \"/etc/loop-b.nft\"\n");
	put("/etc/loop-b.nft", "include \"/etc/loop-a.nft\"\n");
	CHECK(root_open(tree));
	parse("include \"/etc/nftables.d/*.nft\"\n"
	      "include \"rel.nft\"\n"
	      "include \"/etc/nftables.d/none-*.nft\"\n"
	      "include \"/etc/missing.nft\"\n"
	      "include \"../../../etc/loop-a.nft\"\n");
	root_close();
	CHECK((c = chain_of("t", "c")) && c->nrule == 2);
	CHECK(c->rules[0]->loc.file &&
	      strcmp(c->rules[0]->loc.file, "/etc/nftables.d/20-web.nft") == 0);
	CHECK(c->rules[0]->loc.line == 1 &&
	      strcmp(c->loc.file, "/etc/nftables.d/10-base.nft") == 0);
	CHECK(strcmp(c->rules[1]->loc.file, "/etc/rel.nft") == 0);
	CHECK_STR(diags(), "4: File not found: /etc/missing.nft | "
	                   "1: include loop: /etc/nftables.conf -> /etc/loop-a.nft -> "
	                   "/etc/loop-b.nft -> /etc/loop-a.nft");
	/* every file read is an input; the loop's error is the file's own */
	for (i = 0, n = 0; i < O.ninput; i++)
		n += strcmp(O.inputs[i]->file, "/etc/nftables.d/20-web.nft") == 0;
	remove_tree(tree);
	CHECK(n == 1 && O.ninput == 6);
	CHECK(strcmp(O.diags[1].loc.file, "/etc/loop-b.nft") == 0);
	CHECK(IN->status == IN_ERROR);
}

/* 100,000 rules and a 1,000,000-element interval set. */
static void
test_performance(void)
{
	struct buf b = {0};
	struct timespec t0;
	struct timespec t1;
	double s;
	unsigned i;
	char *text;
	size_t len;

	buf_adds(&b, "table inet t {\n\tset big {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
	             "\t\telements = { ");
	/* wrapped as nft list ruleset prints sets: four elements a line */
	for (i = 0; i < 1000000; i++)
		buf_addf(&b, "%s%u.%u.%u.0/24",
		         i == 0  ? ""
		         : i % 4 ? ", "
		                 : ",\n\t\t\t     ",
		         10 + (i >> 16), (i >> 8) & 255, i & 255);
	buf_adds(&b, " }\n\t}\n\tchain c {\n\t\ttype filter hook input priority 0;\n");
	for (i = 0; i < 100000; i++)
		buf_addf(&b, "\t\tip saddr %u.%u.%u.%u tcp dport %u drop\n", 1 + (i >> 24),
		         (i >> 16) & 255, (i >> 8) & 255, i & 255, 1024 + i % 60000);
	buf_adds(&b, "\t\tip saddr @big accept\n\t}\n}\n");
	len = b.len;
	text = buf_take(&b);
	reset();
	IN = origin_add_input(&O, IN_NFTABLES, "/etc/nftables.conf");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	parse_nft(&O, IN, text, len, NULL);
	origin_finish(&O);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(text);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# test_performance: %.2f s for 100000 rules and 1000000 set elements\n", s);
	CHECK_STR(diags(), "");
	CHECK(chain_of("t", "c") && chain_of("t", "c")->nrule == 100001);
	CHECK(O.nset == 1 && set_size(O.sets[0]) == 1000000);
	/* generous: the ASan build is several times slower */
	CHECK(s < 30.0);
}

/* The corpus: nftables' dumps and examples parse, its bogons fail. */
static int
corpus_dir(const char *dir, const char *suffix, bool must_fail)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[1024];
		char *data = NULL;
		size_t len = 0;
		char *err = NULL;
		size_t sl = strlen(de->d_name);

		if (de->d_name[0] == '.' || sl < strlen(suffix) ||
		    strcmp(de->d_name + sl - strlen(suffix), suffix) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (host_read(path, &data, &len, &err) != READ_OK) {
			free(err);
			continue;
		}
		reset();
		IN = origin_add_input(&O, IN_NFTABLES, path);
		parse_nft(&O, IN, data, len, NULL);
		origin_finish(&O);
		free(data);
		n++;
		if (must_fail && O.ndiag == 0)
			printf("not ok %s: %s parsed without error\n", unit_name, path);
		if (!must_fail && O.ndiag != 0)
			printf("not ok %s: %s:%u: %s\n", unit_name, path, O.diags[0].loc.line,
			       O.diags[0].msg);
		if ((must_fail && O.ndiag == 0) || (!must_fail && O.ndiag != 0))
			unit_failed = 1;
	}
	closedir(d);
	return n;
}

static void
test_corpus(void)
{
	const char *base = "../shared/corpus/nftables/tests/shell/testcases";
	DIR *d = opendir(base);
	struct dirent *de;
	int dumps = 0;
	int bogons;

	if (d == NULL) {
		printf("skip test_corpus: ../shared/corpus/nftables is absent\n");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char dir[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s/dumps", base, de->d_name);
		dumps += corpus_dir(dir, ".nft", false);
	}
	closedir(d);
	dumps += corpus_dir("../shared/corpus/nftables/files/examples", ".nft", false);
	bogons =
	    corpus_dir("../shared/corpus/nftables/tests/shell/testcases/bogons/nft-f", "", true);
	printf("# test_corpus: %d dumps and examples parsed, %d bogons refused\n", dumps, bogons);
	CHECK(dumps > 400 && bogons > 80);
}

/* Ingress (netdev, inet) and egress (netdev) chains keep their devices;
 * what the kernel refuses there is an input error; fwd is decided
 * elsewhere. */
static void
test_device_hooks(void)
{
	struct chain *c;

	parse("define WAN = \"eth0\"\n"
	      "table netdev nd {\n"
	      "\tchain i { type filter hook ingress device $WAN priority -500; policy drop; }\n"
	      "\tchain e { type filter hook egress devices = { eth0, \"eth1\" } priority 0; }\n"
	      "\tchain f { type filter hook ingress device lo priority 0; fwd to \"eth1\"; }\n"
	      "}\n"
	      "table inet t {\n"
	      "\tchain i {\n"
	      "\t\ttype filter hook ingress device eth1 priority 0;\n"
	      "\t\tct state established accept\n"
	      "\t}\n"
	      "}\n");
	CHECK_STR(diags(), "");
	CHECK((c = chain_of("nd", "i")) != NULL);
	CHECK(c->hook == HOOK_INGRESS && c->priority == -500 && c->policy == A_DROP);
	CHECK(c->ndev == 1 && strcmp(c->dev[0], "eth0") == 0);
	CHECK((c = chain_of("nd", "e")) != NULL);
	CHECK(c->hook == HOOK_EGRESS && c->ndev == 2);
	CHECK(strcmp(c->dev[0], "eth0") == 0 && strcmp(c->dev[1], "eth1") == 0);
	CHECK((c = chain_of("nd", "f")) != NULL);
	CHECK(c->nrule == 1 && c->rules[0]->act.kind == A_UNKNOWN);
	CHECK(c->rules[0]->act.name && strstr(c->rules[0]->act.name, "fwd") != NULL);
	CHECK((c = chain_of("t", "i")) != NULL);
	CHECK(c->hook == HOOK_INGRESS && c->families == FAM_BOTH && c->ndev == 1);
	CHECK(c->nrule == 1 && c->rules[0]->m[0].kind == M_CTSTATE);
	parse("table netdev nd {\n"
	      "\tchain i {\n"
	      "\t\ttype filter hook ingress device eth0 priority 0;\n"
	      "\t\tct state established accept\n"
	      "\t\tmeta nfproto ipv4 accept\n"
	      "\t}\n"
	      "}\n");
	CHECK_STR(diags(),
	          "4: Could not process rule: Protocol error (no conntrack in the netdev family)"
	          " | 5: meta nfproto is only useful in the inet family");
	parse("table inet t {\n"
	      "\tchain i {\n"
	      "\t\ttype filter hook ingress device eth0 priority 0;\n"
	      "\t\tfib daddr type local accept\n"
	      "\t}\n"
	      "}\n");
	CHECK_STR(diags(), "4: Could not process rule: Operation not supported (fib in an inet "
	                   "ingress chain)");
}

/* Forms nft reads that its listings do not print: the older set statement
 * (set add KEY @set), quoted values (define IP = "192.0.2.1"), CRLF. */
static void
test_older_and_quoted_forms(void)
{
	const struct chain *c;
	const struct match *m;

	parse("define IP = \"192.0.2.10\"\n"
	      "table inet t {\n"
	      "\tset s { type ipv4_addr; flags dynamic, timeout; timeout 1m; }\n"
	      "\tchain c {\n"
	      "\t\ttype filter hook input priority 0;\n"
	      "\t\ttcp dport 22 set update ip saddr timeout 10s @s\n"
	      "\t\tip daddr $IP tcp dport { \"443\", http } drop\n"
	      "\t\tset add tcp dport @s\n"
	      "\t}\n"
	      "}\n");
	CHECK_STR(diags(), "8: datatype mismatch: set s has type ipv4_addr, the key has "
	                   "inet_service");
	/* the set update gives no model rule: it only continues */
	CHECK((c = chain_of("t", "c")) && c->nrule == 2);
	CHECK((m = find_match(c->rules[0], M_DADDR)) != NULL && m->u.addrs.v[0].lo == 0xc000020au);
	CHECK((m = find_match(c->rules[0], M_DPORT)) != NULL && m->u.ports.n == 2);
	CHECK(c->rules[1]->act.kind == A_UNREADABLE && c->rules[1]->loc.line == 8);
	parse("table inet t {\r\n\tchain c { type filter hook input priority 0; }\r\n}\r\n");
	CHECK_STR(diags(), "1: carriage return (CRLF line endings): nft refuses the file "
	                   "(\"unexpected junk\"), so it does not load as written");
}

int
main(void)
{
	RUN(test_tables_sorted);
	RUN(test_base_chains);
	RUN(test_device_hooks);
	RUN(test_addresses);
	RUN(test_ports_and_protocols);
	RUN(test_ct_state_and_vmap);
	RUN(test_named_sets);
	RUN(test_interfaces);
	RUN(test_marks);
	RUN(test_rates);
	RUN(test_tcp_flags_icmp_ttl_fib);
	RUN(test_verdicts_and_nat);
	RUN(test_unknown_matches);
	RUN(test_define_and_scopes);
	RUN(test_commands);
	RUN(test_errors);
	RUN(test_older_and_quoted_forms);
	RUN(test_includes);
	RUN(test_performance);
	RUN(test_corpus);
	reset();
	return 0;
}
