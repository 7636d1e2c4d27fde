/* nftables ruleset files: the language of `nft list ruleset` output and of
 * /etc/nftables.conf as `nft -f` reads it (scanner.l -> parser_bison.y ->
 * evaluate.c in nftables). Three stages, like nft's own:
 *
 *   tokens   a scanner that cuts what flex cuts (longest match among
 *            addresses, time strings, numbers, strings); `define`d variables
 *            are token lists expanded where $name is used; `include` pushes
 *            the files its glob matches (inside --root) onto the input;
 *   commands table/chain/set/map/object blocks and the command forms (add,
 *            create, insert, replace, delete, destroy, flush, rename) build
 *            the ruleset as nft would leave it: tables, chains, rules as
 *            statements with typed constants, named sets and maps;
 *   model    after the last file, each rule of an ip, ip6 or inet table is
 *            lowered into the origin model: matches the evaluator decides,
 *            anonymous sets and verdict maps expanded into one rule per
 *            alternative (their keys are disjoint, so this is exact), and
 *            M_UNKNOWN, with the expression as written, for every expression
 *            that cannot be modelled exactly.
 *
 * Errors are "file:line: message", as nft words them where it can; the
 * parser resynchronises at the end of the statement and stops after 10
 * errors (nft's limit). Tables of family arp, bridge and netdev are read and
 * checked but are not on the path of Cloudflare's TCP to the origin. */

#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "root.h"
#include "suppress.h"
#include "util.h"

#define NFT_MAX_ERRORS 10               /* nft's parser gives up after as many */
#define NFT_NAME_MAXLEN 256             /* NFT_NAME_MAXLEN: table, chain, set, object names */
#define NFT_IFNAME_MAXLEN 15            /* IFNAMSIZ - 1 */
#define NFT_COMMENT_MAXLEN 128          /* NFT_USERDATA_MAXLEN for comments */
#define NFT_INCLUDE_DEPTH 16            /* MAX_INCLUDE_DEPTH */
#define NFT_MAX_CONCAT 16               /* components of a concatenation */
#define NFT_MAX_RAW_BITS 128            /* one register: raw payload and constants */
#define NFT_DEFINE_TOKENS 100000u       /* tokens one variable may expand to */
/* Tokens all variables may hold, and supply where they are used, in one
 * ruleset: nft shares a variable's expression, we copy its tokens, so a
 * chain of defines each using the last twice would otherwise grow without
 * bound in memory and time. */
#define NFT_DEFINES_TOTAL 4000000u
#define NFT_EXPANDED_TOTAL 10000000u
#define NFT_EXPAND_DEPTH 64             /* variables within variables */
#define NFT_BLOCK_DEPTH 64              /* nested braces ({ } sets, anonymous chains) */
#define NFT_MAX_EXPANSION 1024u         /* model rules one nft rule may expand to */
#define NFT_DEFAULT_INCLUDE_PATH "/etc" /* nft's DEFAULT_INCLUDE_PATH */

/* ---- name tables (sorted; searched with bsearch) ---- */

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

#define FIND(tab, key) bsearch((key), (tab), ARRAY_LEN(tab), sizeof((tab)[0]), cmp_name)

struct sym {
	const char *name;
	unsigned val;
};

enum nfam { NF_ARP, NF_BRIDGE, NF_INET, NF_IP, NF_IP6, NF_NETDEV };

static const struct sym fam_names[] = {
    {"arp", NF_ARP}, {"bridge", NF_BRIDGE}, {"inet", NF_INET},
    {"ip", NF_IP},   {"ip6", NF_IP6},       {"netdev", NF_NETDEV},
};

static const char *
nfam_name(enum nfam f)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fam_names); i++)
		if (fam_names[i].val == f)
			return fam_names[i].name;
	abort();
}

/* Whether a family's tables are on the path of Cloudflare's TCP (netdev:
 * the ingress and egress hooks of a device). */
static bool
nfam_on_path(enum nfam f)
{
	return f == NF_IP || f == NF_IP6 || f == NF_INET || f == NF_NETDEV;
}

static unsigned
nfam_bits(enum nfam f)
{
	return f == NF_IP ? FAM_BIT(FAM_V4) : f == NF_IP6 ? FAM_BIT(FAM_V6) : FAM_BOTH;
}

/* Hooks; the model's for ip/ip6/inet, nft's others kept apart. */
enum nhook {
	NH_PREROUTING,
	NH_INPUT,
	NH_FORWARD,
	NH_OUTPUT,
	NH_POSTROUTING,
	NH_INGRESS,
	NH_EGRESS
};

static const struct sym hook_names[] = {
    {"egress", NH_EGRESS},         {"forward", NH_FORWARD}, {"ingress", NH_INGRESS},
    {"input", NH_INPUT},           {"output", NH_OUTPUT},   {"postrouting", NH_POSTROUTING},
    {"prerouting", NH_PREROUTING},
};

static bool
hook_valid(enum nfam f, enum nhook h)
{
	switch (f) {
	case NF_IP:
	case NF_IP6:
	case NF_BRIDGE:
		return h <= NH_POSTROUTING;
	case NF_INET:
		return h <= NH_INGRESS;
	case NF_ARP:
		return h == NH_INPUT || h == NH_OUTPUT;
	case NF_NETDEV:
		return h == NH_INGRESS || h == NH_EGRESS;
	}
	abort();
}

/* Standard priority names (nft's std_prios and bridge_std_prios) and the
 * hooks they are valid at (std_prio_family_hook_compat). */
enum {
	PRIO_RAW = -300,
	PRIO_MANGLE = -150,
	PRIO_DSTNAT = -100,
	PRIO_FILTER = 0,
	PRIO_SECURITY = 50,
	PRIO_SRCNAT = 100,
	PRIO_BR_DSTNAT = -300,
	PRIO_BR_FILTER = -200,
	PRIO_BR_OUT = 100,
	PRIO_BR_SRCNAT = 300
};

static bool
std_prio(const char *name, enum nfam f, enum nhook h, int *out)
{
	bool inet = f == NF_IP || f == NF_IP6 || f == NF_INET;

	if (f == NF_BRIDGE) {
		if (strcmp(name, "dstnat") == 0 && h == NH_PREROUTING)
			*out = PRIO_BR_DSTNAT;
		else if (strcmp(name, "filter") == 0)
			*out = PRIO_BR_FILTER;
		else if (strcmp(name, "out") == 0 && h == NH_OUTPUT)
			*out = PRIO_BR_OUT;
		else if (strcmp(name, "srcnat") == 0 && h == NH_POSTROUTING)
			*out = PRIO_BR_SRCNAT;
		else
			return false;
		return true;
	}
	if (strcmp(name, "filter") == 0)
		*out = PRIO_FILTER;
	else if (inet && strcmp(name, "raw") == 0)
		*out = PRIO_RAW;
	else if (inet && strcmp(name, "mangle") == 0)
		*out = PRIO_MANGLE;
	else if (inet && strcmp(name, "security") == 0)
		*out = PRIO_SECURITY;
	else if (inet && strcmp(name, "dstnat") == 0 && (h == NH_PREROUTING || h == NH_OUTPUT))
		*out = PRIO_DSTNAT;
	else if (inet && strcmp(name, "srcnat") == 0 && (h == NH_INPUT || h == NH_POSTROUTING))
		*out = PRIO_SRCNAT;
	else
		return false;
	return true;
}

/* /etc/protocols names nft prints (and accepts). */
static const struct sym protos[] = {
    {"ah", 51},          {"comp", 108},      {"dccp", 33},
    {"egp", 8},          {"encap", 98},      {"esp", 50},
    {"etherip", 97},     {"ggp", 3},         {"gre", 47},
    {"hip", 139},        {"hmp", 20},        {"hopopt", 0},
    {"icmp", 1},         {"icmpv6", 58},     {"idrp", 45},
    {"igmp", 2},         {"igp", 9},         {"ip", 0},
    {"ipcomp", 108},     {"ipencap", 4},     {"ipip", 94},
    {"ipv6", 41},        {"ipv6-frag", 44},  {"ipv6-icmp", 58},
    {"ipv6-mh", 135},    {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
    {"ipv6-route", 43},  {"isis", 124},      {"l2tp", 115},
    {"manet", 138},      {"mh", 135},        {"mobility-header", 135},
    {"mpls-in-ip", 137}, {"ospf", 89},       {"pim", 103},
    {"pup", 12},         {"rdp", 27},        {"rohc", 142},
    {"rspf", 73},        {"rsvp", 46},       {"sctp", 132},
    {"shim6", 140},      {"skip", 57},       {"st", 5},
    {"tcp", 6},          {"udp", 17},        {"udplite", 136},
    {"vmtp", 81},        {"vrrp", 112},      {"wesp", 141},
    {"xns-idp", 22},     {"xtp", 36},
};

/* /etc/services names for the ports a server uses (nft resolves them with
 * getservbyname; a name not here is reported rather than guessed). */
static const struct sym services[] = {
    {"bgp", 179},           {"bootpc", 68},          {"bootps", 67},     {"dhcpv6-client", 546},
    {"dhcpv6-server", 547}, {"domain", 53},          {"domain-s", 853},  {"ftp", 21},
    {"ftp-data", 20},       {"ftps", 990},           {"ftps-data", 989}, {"git", 9418},
    {"http", 80},           {"http-alt", 8080},      {"https", 443},     {"imap", 143},
    {"imap2", 143},         {"imaps", 993},          {"ipp", 631},       {"isakmp", 500},
    {"kerberos", 88},       {"ldap", 389},           {"ldaps", 636},     {"mdns", 5353},
    {"microsoft-ds", 445},  {"ms-wbt-server", 3389}, {"mysql", 3306},    {"netbios-dgm", 138},
    {"netbios-ns", 137},    {"netbios-ssn", 139},    {"nfs", 2049},      {"ntp", 123},
    {"openvpn", 1194},      {"pop3", 110},           {"pop3s", 995},     {"postgresql", 5432},
    {"printer", 515},       {"rdp", 3389},           {"redis", 6379},    {"rsync", 873},
    {"sieve", 4190},        {"sip", 5060},           {"sip-tls", 5061},  {"smtp", 25},
    {"snmp", 161},          {"snmp-trap", 162},      {"ssh", 22},        {"submission", 587},
    {"submissions", 465},   {"sunrpc", 111},         {"syslog", 514},    {"telnet", 23},
    {"tftp", 69},           {"webcache", 8080},      {"www", 80},        {"xmpp-client", 5222},
    {"xmpp-server", 5269},
};

/* Bit per conntrack state, as nft's ct_state_tbl values map onto the
 * model's CTS_* bits. */
static const struct sym ct_states[] = {
    {"established", CTS_ESTABLISHED}, {"invalid", CTS_INVALID},     {"new", CTS_NEW},
    {"related", CTS_RELATED},         {"untracked", CTS_UNTRACKED},
};

/* ct status bits (IPS_*) the model knows as states */
#define CTSTATUS_SNAT (1u << 4)
#define CTSTATUS_DNAT (1u << 5)

static const struct sym ct_statuses[] = {
    {"assured", 1u << 2},  {"confirmed", 1u << 3},  {"dnat", CTSTATUS_DNAT}, {"dying", 1u << 9},
    {"expected", 1u << 0}, {"seen-reply", 1u << 1}, {"snat", CTSTATUS_SNAT},
};

static const struct sym ct_events[] = {
    {"assured", 1u << 3}, {"destroy", 1u << 2}, {"helper", 1u << 5},    {"label", 1u << 10},
    {"mark", 1u << 6},    {"new", 1u << 0},     {"protoinfo", 1u << 4}, {"related", 1u << 1},
    {"secmark", 1u << 8}, {"seqadj", 1u << 7},
};

static const struct sym ct_dirs[] = {
    {"original", 0},
    {"reply", 1},
};

static const struct sym tcp_flags[] = {
    {"ack", TCPF_ACK}, {"cwr", TCPF_CWR}, {"ecn", TCPF_ECE}, {"fin", TCPF_FIN},
    {"psh", TCPF_PSH}, {"rst", TCPF_RST}, {"syn", TCPF_SYN}, {"urg", TCPF_URG},
};

static const struct sym nfprotos[] = {
    {"ipv4", 2},
    {"ipv6", 10},
};

/* fib type values (RTN_*) */
static const struct sym fib_types[] = {
    {"anycast", 4},  {"blackhole", 6}, {"broadcast", 3},   {"local", 2},  {"multicast", 5},
    {"prohibit", 8}, {"unicast", 1},   {"unreachable", 7}, {"unspec", 0},
};

static const struct sym pkttypes[] = {
    {"broadcast", 1}, {"host", 0}, {"multicast", 2}, {"other", 3}, {"unicast", 0},
};

static const struct sym icmp_types[] = {
    {"address-mask-reply", 18},  {"address-mask-request", 17}, {"destination-unreachable", 3},
    {"echo-reply", 0},           {"echo-request", 8},          {"info-reply", 16},
    {"info-request", 15},        {"parameter-problem", 12},    {"redirect", 5},
    {"router-advertisement", 9}, {"router-solicitation", 10},  {"source-quench", 4},
    {"time-exceeded", 11},       {"timestamp-reply", 14},      {"timestamp-request", 13},
};

static const struct sym icmp6_types[] = {
    {"destination-unreachable", 1}, {"echo-reply", 129},
    {"echo-request", 128},          {"ind-neighbor-advert", 142},
    {"ind-neighbor-solicit", 141},  {"mld-listener-done", 132},
    {"mld-listener-query", 130},    {"mld-listener-reduction", 132},
    {"mld-listener-report", 131},   {"mld2-listener-report", 143},
    {"nd-neighbor-advert", 136},    {"nd-neighbor-solicit", 135},
    {"nd-redirect", 137},           {"nd-router-advert", 134},
    {"nd-router-solicit", 133},     {"packet-too-big", 2},
    {"parameter-problem", 4},       {"router-renumbering", 138},
    {"time-exceeded", 3},
};

static const struct sym icmp_codes[] = {
    {"admin-prohibited", 13}, {"frag-needed", 4},      {"host-prohibited", 10},
    {"host-unreachable", 1},  {"net-prohibited", 9},   {"net-unreachable", 0},
    {"port-unreachable", 3},  {"prot-unreachable", 2},
};

static const struct sym icmp6_codes[] = {
    {"addr-unreachable", 3}, {"admin-prohibited", 1}, {"no-route", 0},
    {"policy-fail", 5},      {"port-unreachable", 4}, {"reject-route", 6},
};

static const struct sym icmpx_codes[] = {
    {"admin-prohibited", 3},
    {"host-unreachable", 2},
    {"no-route", 1},
    {"port-unreachable", 0},
};

static const struct sym ether_types[] = {
    {"8021ad", 0x88a8}, {"8021q", 0x8100}, {"arp", 0x0806},
    {"ip", 0x0800},     {"ip6", 0x86dd},   {"vlan", 0x8100},
};

static const struct sym arp_ops[] = {
    {"inreply", 9}, {"inrequest", 8}, {"nak", 10},     {"reply", 2},
    {"request", 1}, {"rreply", 4},    {"rrequest", 3},
};

static const struct sym dscps[] = {
    {"af11", 10}, {"af12", 12}, {"af13", 14}, {"af21", 18}, {"af22", 20},
    {"af23", 22}, {"af31", 26}, {"af32", 28}, {"af33", 30}, {"af41", 34},
    {"af42", 36}, {"af43", 38}, {"be", 0},    {"cs0", 0},   {"cs1", 8},
    {"cs2", 16},  {"cs3", 24},  {"cs4", 32},  {"cs5", 40},  {"cs6", 48},
    {"cs7", 56},  {"ef", 46},   {"le", 1},    {"lephb", 1}, {"va", 44},
};

static const struct sym ecns[] = {
    {"ce", 3},
    {"ect0", 2},
    {"ect1", 1},
    {"not-ect", 0},
};

static const struct sym iftypes[] = {
    {"ether", 1},      {"ipgre", 778}, {"ipip", 768}, {"ipip6", 769},
    {"loopback", 772}, {"ppp", 512},   {"sit", 776},
};

static const struct sym days[] = {
    {"Friday", 5},   {"Monday", 1},  {"Saturday", 6},  {"Sunday", 0},
    {"Thursday", 4}, {"Tuesday", 2}, {"Wednesday", 3},
};

static const struct sym booleans[] = {
    {"exists", 1},
    {"false", 0},
    {"missing", 0},
    {"true", 1},
};

static const struct sym igmp_types[] = {
    {"leave-group", 0x17},          {"membership-query", 0x11},     {"membership-report-v1", 0x12},
    {"membership-report-v2", 0x16}, {"membership-report-v3", 0x22},
};

static const struct sym dccp_types[] = {
    {"ack", 3},     {"close", 6}, {"closereq", 5}, {"data", 2}, {"dataack", 4},
    {"request", 0}, {"reset", 7}, {"response", 1}, {"sync", 8}, {"syncack", 9},
};

static const struct sym mh_types[] = {
    {"binding-acknowledgement", 6},
    {"binding-error", 7},
    {"binding-refresh-request", 0},
    {"binding-update", 5},
    {"care-of-test", 4},
    {"care-of-test-init", 2},
    {"fast-binding-acknowledgement", 9},
    {"fast-binding-advertisement", 10},
    {"fast-binding-update", 8},
    {"fast-neighbor-advertisement", 11},
    {"handover-acknowledge-message", 15},
    {"handover-initiate-message", 14},
    {"home-agent-switch-message", 12},
    {"home-test", 3},
    {"home-test-init", 1},
    {"location-update", 16},
    {"location-update-ack", 17},
    {"mobile-prefix-advertisement", 13},
};

static const struct sym mptcp_subtypes[] = {
    {"add-addr", 3},   {"dss", 2},       {"fail", 6},         {"fastclose", 7},
    {"mp-capable", 0}, {"mp-fail", 6},   {"mp-fastclose", 7}, {"mp-join", 1},
    {"mp-prio", 5},    {"mp-tcprst", 8}, {"remove-addr", 4},  {"tcprst", 8},
};

static const struct sym ct_l3protos[] = {
    {"inet", 1},
    {"ip", 2},
    {"ip6", 10},
};

/* ---- datatypes: how a constant is read, for each type nft knows ---- */

enum dtype {
	DT_INVALID,
	DT_INTEGER,
	DT_BITMASK,
	DT_STRING,
	DT_IPV4,
	DT_IPV6,
	DT_ETHER,
	DT_INET_SERVICE,
	DT_INET_PROTO,
	DT_IFNAME,
	DT_IFINDEX,
	DT_MARK,
	DT_CT_STATE,
	DT_CT_STATUS,
	DT_CT_EVENT,
	DT_CT_DIR,
	DT_CT_LABEL,
	DT_ICMP_TYPE,
	DT_ICMP_CODE,
	DT_ICMP6_TYPE,
	DT_ICMP6_CODE,
	DT_ICMPX_CODE,
	DT_TCP_FLAG,
	DT_ETHERTYPE,
	DT_NFPROTO,
	DT_PKTTYPE,
	DT_FIB_ADDRTYPE,
	DT_ARPOP,
	DT_DSCP,
	DT_ECN,
	DT_IFTYPE,
	DT_DAY,
	DT_HOUR,
	DT_TIME,
	DT_BOOLEAN,
	DT_IGMP_TYPE,
	DT_DCCP_TYPE,
	DT_MH_TYPE,
	DT_MPTCP_SUBTYPE,
	DT_UID,
	DT_GID,
	DT_DEVGROUP,
	DT_REALM,
	DT_CLASSID,
	DT_CGROUPV2,
	DT_VERDICT,
	DT_DURATION, /* ct expiration: a time string or milliseconds */
	DT_COUNT
};

struct dtinfo {
	const char *name; /* as `type NAME` writes it (NULL: not declarable) */
	unsigned bits;    /* 0: variable (strings) */
	const struct sym *tab;
	size_t ntab;
	bool bitmask; /* values combine with '|' and ',' (flag tests) */
	bool numeric; /* ranges and prefixes apply */
};

#define TAB(t) (t), ARRAY_LEN(t)

static const struct dtinfo dtinfo[DT_COUNT] = {
    [DT_INVALID] = {"invalid", 0, NULL, 0, false, false},
    [DT_INTEGER] = {NULL, 32, NULL, 0, false, true},
    [DT_BITMASK] = {NULL, 8, NULL, 0, true, true},
    [DT_STRING] = {NULL, 0, NULL, 0, false, false},
    [DT_IPV4] = {"ipv4_addr", 32, NULL, 0, false, true},
    [DT_IPV6] = {"ipv6_addr", 128, NULL, 0, false, true},
    [DT_ETHER] = {"ether_addr", 48, NULL, 0, false, true},
    [DT_INET_SERVICE] = {"inet_service", 16, TAB(services), false, true},
    [DT_INET_PROTO] = {"inet_proto", 8, TAB(protos), false, true},
    [DT_IFNAME] = {"ifname", 0, NULL, 0, false, false},
    [DT_IFINDEX] = {"iface_index", 32, NULL, 0, false, false},
    [DT_MARK] = {"mark", 32, NULL, 0, false, true},
    [DT_CT_STATE] = {"ct_state", 32, TAB(ct_states), true, true},
    [DT_CT_STATUS] = {"ct_status", 32, TAB(ct_statuses), true, true},
    [DT_CT_EVENT] = {"ct_event", 32, TAB(ct_events), true, true},
    [DT_CT_DIR] = {"ct_dir", 8, TAB(ct_dirs), false, true},
    [DT_CT_LABEL] = {"ct_label", 128, NULL, 0, true, true},
    [DT_ICMP_TYPE] = {"icmp_type", 8, TAB(icmp_types), false, true},
    [DT_ICMP_CODE] = {"icmp_code", 8, TAB(icmp_codes), false, true},
    [DT_ICMP6_TYPE] = {"icmpv6_type", 8, TAB(icmp6_types), false, true},
    [DT_ICMP6_CODE] = {"icmpv6_code", 8, TAB(icmp6_codes), false, true},
    [DT_ICMPX_CODE] = {"icmpx_code", 8, TAB(icmpx_codes), false, true},
    [DT_TCP_FLAG] = {"tcp_flag", 8, TAB(tcp_flags), true, true},
    [DT_ETHERTYPE] = {"ether_type", 16, TAB(ether_types), false, true},
    [DT_NFPROTO] = {"nf_proto", 8, TAB(nfprotos), false, true},
    [DT_PKTTYPE] = {"pkt_type", 8, TAB(pkttypes), false, true},
    [DT_FIB_ADDRTYPE] = {"fib_addrtype", 32, TAB(fib_types), false, true},
    [DT_ARPOP] = {"arp_op", 16, TAB(arp_ops), false, true},
    [DT_DSCP] = {"dscp", 6, TAB(dscps), false, true},
    [DT_ECN] = {"ecn", 2, TAB(ecns), false, true},
    [DT_IFTYPE] = {"iface_type", 16, TAB(iftypes), false, true},
    [DT_DAY] = {"day", 8, TAB(days), false, true},
    [DT_HOUR] = {"hour", 32, NULL, 0, false, true},
    [DT_TIME] = {"time", 64, NULL, 0, false, true},
    [DT_BOOLEAN] = {"boolean", 1, TAB(booleans), false, true},
    [DT_IGMP_TYPE] = {"igmp_type", 8, TAB(igmp_types), false, true},
    [DT_DCCP_TYPE] = {"dccp_pkttype", 4, TAB(dccp_types), false, true},
    [DT_MH_TYPE] = {"mh_type", 8, TAB(mh_types), false, true},
    [DT_MPTCP_SUBTYPE] = {NULL, 4, TAB(mptcp_subtypes), false, true},
    [DT_UID] = {"uid", 32, NULL, 0, false, true},
    [DT_GID] = {"gid", 32, NULL, 0, false, true},
    [DT_DEVGROUP] = {"devgroup", 32, NULL, 0, false, true},
    [DT_REALM] = {"realm", 32, NULL, 0, false, true},
    [DT_CLASSID] = {"classid", 32, NULL, 0, false, true},
    [DT_CGROUPV2] = {"cgroupsv2", 64, NULL, 0, false, false},
    [DT_VERDICT] = {"verdict", 0, NULL, 0, false, false},
    [DT_DURATION] = {NULL, 32, NULL, 0, false, true},
};

/* A type as a set key or a selector has it: the datatype and its width
 * (integers and raw payloads carry their own). */
struct ntype {
	enum dtype dt;
	unsigned bits;
};

static struct ntype
ntype_of(enum dtype dt)
{
	struct ntype t = {dt, dtinfo[dt].bits};

	return t;
}

static enum dtype
dtype_by_name(const char *name)
{
	int i;

	for (i = 0; i < DT_COUNT; i++)
		if (dtinfo[i].name && strcmp(dtinfo[i].name, name) == 0 && i != DT_INVALID)
			return (enum dtype)i;
	return DT_INVALID;
}

static const char *
dtype_name(enum dtype dt)
{
	if (dtinfo[dt].name)
		return dtinfo[dt].name;
	return dt == DT_STRING ? "string" : dt == DT_BITMASK ? "bitmask" : "integer";
}

static u128
bits_max(unsigned bits)
{
	return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

/* ---- tokens ---- */

enum tt {
	T_EOF,
	T_NL,
	T_SEMI,
	T_LBRACE,
	T_RBRACE,
	T_LPAREN,
	T_RPAREN,
	T_LBRACKET,
	T_RBRACKET,
	T_COMMA,
	T_DOT,
	T_COLON,
	T_ASSIGN,
	T_EQ,
	T_NE,
	T_LT,
	T_GT,
	T_LE,
	T_GE,
	T_LSHIFT,
	T_RSHIFT,
	T_XOR,
	T_AND,
	T_OR,
	T_NOT,
	T_SLASH,
	T_DASH,
	T_PLUS,
	T_STAR,
	T_AT,
	T_WORD,     /* strings, addresses, time strings, classids */
	T_NUM,      /* numbers (v) */
	T_QUOTED,   /* "..." (s, len: without the quotes) */
	T_ASTERISK, /* string* (a wildcard interface name) */
	T_VAR,      /* $name (s, len: the name) */
	T_JUNK
};

struct srcfile;

struct tok {
	enum tt t;
	uint32_t len;
	const char *s;
	uint64_t v; /* T_NUM */
	const struct srcfile *src;
	unsigned line;
	bool reported; /* a bad token already reported: what fails on it says nothing */
};

/* One file being read: its input (errors go there) and its text. */
struct srcfile {
	struct input *in;
	const char *name; /* as the server sees it (interned) */
	char *data;
	size_t len;
	unsigned depth; /* include depth: 1 for the file given */
	struct srcfile *parent;
	unsigned include_line;
	unsigned errors;
	unsigned cr_line; /* the first line with a carriage return outside a comment */
};

static const char *
tt_name(enum tt t)
{
	static const char *const names[] = {
	    [T_EOF] = "end of file", [T_NL] = "newline",   [T_SEMI] = "';'",
	    [T_LBRACE] = "'{'",      [T_RBRACE] = "'}'",   [T_LPAREN] = "'('",
	    [T_RPAREN] = "')'",      [T_LBRACKET] = "'['", [T_RBRACKET] = "']'",
	    [T_COMMA] = "','",       [T_DOT] = "'.'",      [T_COLON] = "':'",
	    [T_ASSIGN] = "'='",      [T_EQ] = "'=='",      [T_NE] = "'!='",
	    [T_LT] = "'<'",          [T_GT] = "'>'",       [T_LE] = "'<='",
	    [T_GE] = "'>='",         [T_LSHIFT] = "'<<'",  [T_RSHIFT] = "'>>'",
	    [T_XOR] = "'^'",         [T_AND] = "'&'",      [T_OR] = "'|'",
	    [T_NOT] = "'!'",         [T_SLASH] = "'/'",    [T_DASH] = "'-'",
	    [T_PLUS] = "'+'",        [T_STAR] = "'*'",     [T_AT] = "'@'",
	    [T_WORD] = "string",     [T_NUM] = "number",   [T_QUOTED] = "quoted string",
	    [T_ASTERISK] = "string", [T_VAR] = "variable", [T_JUNK] = "junk",
	};

	return names[t];
}

/* ---- the scanner (scanner.l's patterns, longest match wins) ---- */

struct lexer {
	struct srcfile *src;
	size_t pos;
	unsigned line;
	size_t line_start;  /* where the current line starts (its length is capped) */
	unsigned long_line; /* the last line reported as too long */
};

static bool
is_hex(int c)
{
	return isxdigit((unsigned char)c) != 0;
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* {string}: ({letter}|[_.])({letter}|{digit}|[/\-_\.])* */
static size_t
scan_string(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !(is_letter(s[0]) || s[0] == '_' || s[0] == '.'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(is_letter(s[i]) || is_digit(s[i]) || s[i] == '/' || s[i] == '-' ||
		      s[i] == '_' || s[i] == '.'))
			break;
	return i;
}

/* {ip4addr}: ([0-9]{1,3}\.){3}[0-9]{1,3} */
static size_t
scan_ip4(const char *s, size_t n)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t d = 0;

		while (i < n && d < 3 && is_digit(s[i])) {
			i++;
			d++;
		}
		if (d == 0)
			return 0;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i;
}

/* {ip6addr}: the longest prefix inet_pton accepts among the characters an
 * IPv6 address is written with (the flex patterns accept the same forms). */
static size_t
scan_ip6(const char *s, size_t n)
{
	char tmp[64];
	struct in6_addr a;
	size_t run = 0;
	size_t k;

	while (run < n && run < 45 && (is_hex(s[run]) || s[run] == ':' || s[run] == '.'))
		run++;
	if (run < 2 || memchr(s, ':', run) == NULL)
		return 0;
	for (k = run; k >= 2; k--) {
		memcpy(tmp, s, k);
		tmp[k] = '\0';
		if (inet_pton(AF_INET6, tmp, &a) == 1)
			return k;
	}
	return 0;
}

/* {macaddr}: ([[:xdigit:]]{1,2}:){5}[[:xdigit:]]{1,2} */
static size_t
scan_mac(const char *s, size_t n)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 6; part++) {
		size_t d = 0;

		while (i < n && d < 2 && is_hex(s[i])) {
			i++;
			d++;
		}
		if (d == 0)
			return 0;
		if (part < 5) {
			if (i >= n || s[i] != ':')
				return 0;
			i++;
		}
	}
	return i;
}

/* {timestring}: ([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)? */
static size_t
scan_time(const char *s, size_t n)
{
	static const char *const units[] = {"d", "h", "m", "s", "ms"};
	size_t i = 0;
	size_t u = 0;

	while (u < ARRAY_LEN(units)) {
		size_t j = i;
		size_t k;

		while (j < n && is_digit(s[j]))
			j++;
		if (j == i || j >= n)
			break;
		for (k = u; k < ARRAY_LEN(units); k++) {
			const char *w = units[k];

			if (s[j] != w[0])
				continue;
			if (w[1] == '\0') {
				/* "1ms": the last unit, not minutes */
				if (w[0] == 'm' && j + 1 < n && s[j + 1] == 's')
					continue;
				break;
			}
			if (j + 1 < n && s[j + 1] == w[1])
				break;
		}
		if (k == ARRAY_LEN(units))
			break;
		i = j + strlen(units[k]);
		u = k + 1;
	}
	return i;
}

/* {classid}/[ \t\n:\-},]: hex{1,4}:hex{1,4} followed by one of those */
static size_t
scan_classid(const char *s, size_t n)
{
	size_t i = 0;
	size_t d = 0;

	while (i < n && d < 4 && is_hex(s[i])) {
		i++;
		d++;
	}
	if (d == 0 || i >= n || s[i] != ':')
		return 0;
	i++;
	d = 0;
	while (i < n && d < 4 && is_hex(s[i])) {
		i++;
		d++;
	}
	if (d == 0)
		return 0;
	if (i < n && strchr(" \t\n:-},", s[i]) == NULL)
		return 0;
	return i;
}

static size_t
scan_number(const char *s, size_t n, bool *hex)
{
	size_t i = 0;

	*hex = false;
	if (n >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && is_hex(s[2])) {
		*hex = true;
		for (i = 2; i < n && is_hex(s[i]); i++)
			;
		return i;
	}
	while (i < n && is_digit(s[i]))
		i++;
	return i;
}

/* A number as nft reads it: hex, octal after a leading 0, decimal; one that
 * does not fit (or an octal with 8 or 9) is a string. */
static bool
number_value(const char *s, size_t n, bool hex, uint64_t *v)
{
	char tmp[80];
	char *end;

	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*v = strtoull(tmp, &end, hex ? 16 : tmp[0] == '0' ? 8 : 10);
	return errno == 0 && *end == '\0';
}

static void
tok_set(struct tok *t, enum tt type, const char *s, size_t len)
{
	t->t = type;
	t->s = s;
	t->len = (uint32_t)len;
}

/* Operators spelled as words ("eq", "and", ...) are operators everywhere. */
static enum tt
word_operator(const char *s, size_t n)
{
	static const struct {
		const char *w;
		enum tt t;
	} ops[] = {
	    {"and", T_AND}, {"eq", T_EQ},         {"ge", T_GE},         {"gt", T_GT},
	    {"le", T_LE},   {"lshift", T_LSHIFT}, {"lt", T_LT},         {"ne", T_NE},
	    {"not", T_NOT}, {"or", T_OR},         {"rshift", T_RSHIFT}, {"xor", T_XOR},
	};
	size_t i;

	if (n < 2 || n > 6 || strchr("aeglnorx", s[0]) == NULL)
		return T_WORD;
	for (i = 0; i < ARRAY_LEN(ops); i++)
		if (strlen(ops[i].w) == n && memcmp(ops[i].w, s, n) == 0)
			return ops[i].t;
	return T_WORD;
}

/* Skip blanks, comments and line continuations. */
static void
lex_skip(struct lexer *lx)
{
	const char *d = lx->src->data;
	size_t n = lx->src->len;

	while (lx->pos < n) {
		char c = d[lx->pos];

		if (c == '\r' && lx->src->cr_line == 0)
			lx->src->cr_line = lx->line;
		if (c == ' ' || c == '\t' || c == '\r') {
			lx->pos++;
		} else if (c == '\\' && lx->pos + 1 < n && d[lx->pos + 1] == '\n') {
			lx->pos += 2;
			lx->line++;
			lx->line_start = lx->pos;
		} else if (c == '\\' && lx->pos + 2 < n && d[lx->pos + 1] == '\r' &&
		           d[lx->pos + 2] == '\n') {
			if (lx->src->cr_line == 0)
				lx->src->cr_line = lx->line;
			lx->pos += 3;
			lx->line++;
			lx->line_start = lx->pos;
		} else if (c == '#') {
			while (lx->pos < n && d[lx->pos] != '\n')
				lx->pos++;
		} else {
			break;
		}
	}
}

/* The next token of the file; *err is set for a token that cannot be read
 * (an unterminated string, a NUL byte, an overlong line). */
static void
lex_next(struct lexer *lx, struct tok *t, const char **err)
{
	const char *d = lx->src->data;
	size_t n = lx->src->len;
	const char *s;
	size_t rest;
	size_t best = 0;
	enum tt bt = T_WORD;
	size_t k;
	bool hex;

	*err = NULL;
	lex_skip(lx);
	memset(t, 0, sizeof(*t));
	t->src = lx->src;
	t->line = lx->line;
	if (lx->pos >= n) {
		tok_set(t, T_EOF, d + n, 0);
		return;
	}
	s = d + lx->pos;
	rest = n - lx->pos;
	if (lx->pos - lx->line_start > CAP_LINE_LEN && lx->long_line != lx->line) {
		/* reported once; the statement fails on it and the rest of the
		 * line is skipped with it */
		lx->long_line = lx->line;
		*err = "line longer than the 1 MiB cap (nft list ruleset wraps long sets)";
		tok_set(t, T_JUNK, s, 1);
		lx->pos++;
		return;
	}
	switch (s[0]) {
	case '\n':
		lx->pos++;
		lx->line++;
		lx->line_start = lx->pos;
		tok_set(t, T_NL, s, 1);
		return;
	case '\0':
		*err = "NUL byte in the file";
		lx->pos++;
		tok_set(t, T_JUNK, s, 1);
		return;
	case '"': {
		const char *q = memchr(s + 1, '"', rest - 1);
		const char *nl = memchr(s + 1, '\n', rest - 1);

		if (q == NULL || (nl && nl < q)) {
			*err = "unterminated quoted string";
			k = nl ? (size_t)(nl - s) : rest;
			lx->pos += k;
			tok_set(t, T_JUNK, s, k);
			return;
		}
		tok_set(t, T_QUOTED, s + 1, (size_t)(q - s - 1));
		lx->pos += (size_t)(q - s) + 1;
		return;
	}
	case '[': {
		/* {ip6addr_rfc2732}: [addr] is the address */
		k = scan_ip6(s + 1, rest - 1);
		if (k > 0 && k + 1 < rest && s[k + 1] == ']') {
			tok_set(t, T_WORD, s + 1, k);
			lx->pos += k + 2;
			return;
		}
		break;
	}
	case '$':
		k = scan_string(s + 1, rest - 1);
		if (k == 0 && rest > 1 && is_digit(s[1]))
			for (k = 0; k + 1 < rest &&
			            (is_digit(s[k + 1]) || is_letter(s[k + 1]) || s[k + 1] == '_');
			     k++)
				;
		tok_set(t, k ? T_VAR : T_JUNK, s + 1, k);
		if (k == 0)
			*err = "'$' without a variable name";
		lx->pos += k + 1;
		return;
	default:
		break;
	}
	/* the patterns that compete on length (those that can start here) */
	if ((is_hex(s[0]) || s[0] == ':') && (k = scan_ip6(s, rest)) > best) {
		best = k;
		bt = T_WORD;
	}
	if (is_hex(s[0]) && (k = scan_mac(s, rest)) > best) {
		best = k;
		bt = T_WORD;
	}
	if (is_digit(s[0])) {
		if ((k = scan_ip4(s, rest)) > best) {
			best = k;
			bt = T_WORD;
		}
		if ((k = scan_time(s, rest)) > best) {
			best = k;
			bt = T_WORD;
		}
		if ((k = scan_number(s, rest, &hex)) > best) {
			best = k;
			bt = T_NUM;
		}
	}
	if (is_hex(s[0]) && (k = scan_classid(s, rest)) > best) {
		best = k;
		bt = T_WORD;
	}
	if ((k = scan_string(s, rest)) > best) {
		best = k;
		bt = T_WORD;
	}
	/* {asteriskstring}: string* (and the escaped forms) */
	k = scan_string(s, rest);
	if (k > 0 && k < rest && s[k] == '*' && k + 1 > best) {
		best = k + 1;
		bt = T_ASTERISK;
	} else if (k > 0 && k + 1 < rest && s[k] == '\\' && s[k + 1] == '*' && k + 2 > best) {
		best = k + 2 + scan_string(s + k + 2, rest - k - 2);
		bt = T_ASTERISK;
	}
	/* "8021q" and "8021ad" are strings to nft's scanner */
	if (s[0] == '8' &&
	    ((rest >= 5 && memcmp(s, "8021q", 5) == 0 && (rest == 5 || !is_letter(s[5]))) ||
	     (rest >= 6 && memcmp(s, "8021ad", 6) == 0 && (rest == 6 || !is_letter(s[6]))))) {
		best = s[4] == 'q' ? 5 : 6;
		bt = T_WORD;
	}
	/* flex prefers the earlier rule on a tie: "." is the concatenation */
	if (best == 1 && s[0] == '.')
		best = 0;
	if (best > 0) {
		tok_set(t, bt, s, best);
		if (bt == T_NUM) {
			scan_number(s, best, &hex);
			if (!number_value(s, best, hex, &t->v))
				t->t = T_WORD; /* as nft: an unreadable number is a string */
		} else if (bt == T_WORD) {
			t->t = word_operator(s, best);
		}
		lx->pos += best;
		return;
	}
	/* punctuation */
	{
		char c2 = rest > 1 ? s[1] : '\0';
		enum tt pt = T_JUNK;
		size_t pl = 1;

		switch (s[0]) {
		case '=':
			pt = c2 == '=' ? T_EQ : T_ASSIGN;
			pl = c2 == '=' ? 2 : 1;
			break;
		case '!':
			pt = c2 == '=' ? T_NE : T_NOT;
			pl = c2 == '=' ? 2 : 1;
			break;
		case '<':
			pt = c2 == '=' ? T_LE : c2 == '<' ? T_LSHIFT : T_LT;
			pl = c2 == '=' || c2 == '<' ? 2 : 1;
			break;
		case '>':
			pt = c2 == '=' ? T_GE : c2 == '>' ? T_RSHIFT : T_GT;
			pl = c2 == '=' || c2 == '>' ? 2 : 1;
			break;
		case ';':
			pt = T_SEMI;
			break;
		case '{':
			pt = T_LBRACE;
			break;
		case '}':
			pt = T_RBRACE;
			break;
		case '(':
			pt = T_LPAREN;
			break;
		case ')':
			pt = T_RPAREN;
			break;
		case '[':
			pt = T_LBRACKET;
			break;
		case ']':
			pt = T_RBRACKET;
			break;
		case ',':
			pt = T_COMMA;
			break;
		case '.':
			pt = T_DOT;
			break;
		case ':':
			pt = T_COLON;
			break;
		case '^':
			pt = T_XOR;
			break;
		case '&':
			pt = T_AND;
			break;
		case '|':
			pt = T_OR;
			break;
		case '/':
			pt = T_SLASH;
			break;
		case '-':
			pt = T_DASH;
			break;
		case '+':
			pt = T_PLUS;
			break;
		case '*':
			pt = T_STAR;
			break;
		case '@':
			pt = T_AT;
			break;
		default:
			break;
		}
		if (pt != T_JUNK) {
			tok_set(t, pt, s, pl);
			lx->pos += pl;
			return;
		}
	}
	tok_set(t, T_JUNK, s, 1);
	lx->pos++;
}

/* ---- a string-keyed hash map (tables, chains, sets and objects by name:
 * no linear search per rule) ---- */

struct hent {
	const char *key; /* NULL: empty; &tomb: deleted */
	void *val;
};

struct hmap {
	struct hent *v;
	size_t cap; /* a power of two */
	size_t n;   /* live and deleted slots */
};

static const char tomb;

static size_t
hash_str(const char *s)
{
	size_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct hent *
hmap_slot(const struct hmap *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = hash_str(key) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		if (m->v[i].key != &tomb && strcmp(m->v[i].key, key) == 0)
			return &m->v[i];
	return NULL;
}

static void *
hmap_get(const struct hmap *m, const char *key)
{
	struct hent *e = hmap_slot(m, key);

	return e ? e->val : NULL;
}

static void hmap_put(struct hmap *m, const char *key, void *val);

static void
hmap_grow(struct hmap *m)
{
	struct hmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 16;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.v[i].key && old.v[i].key != &tomb)
			hmap_put(m, old.v[i].key, old.v[i].val);
	free(old.v);
}

/* key must live as long as the entry (it is the object's own name). */
static void
hmap_put(struct hmap *m, const char *key, void *val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		hmap_grow(m);
	for (i = hash_str(key) & (m->cap - 1); m->v[i].key && m->v[i].key != &tomb;
	     i = (i + 1) & (m->cap - 1))
		;
	if (m->v[i].key == NULL)
		m->n++;
	m->v[i].key = key;
	m->v[i].val = val;
}

static void
hmap_del(struct hmap *m, const char *key)
{
	struct hent *e = hmap_slot(m, key);

	if (e) {
		e->key = &tomb;
		e->val = NULL;
	}
}

/* ---- the ruleset as nft builds it ---- */

struct nval { /* one component of a constant: [lo, hi] or a string */
	u128 lo;
	u128 hi;
	char *str; /* string types (an interface name without its '*') */
	bool wild; /* "eth*": a prefix */
};

struct ndata { /* what a map element maps to */
	bool verdict;
	enum action_kind vk; /* A_ACCEPT ... A_GOTO */
	char *chain;         /* jump/goto target */
	struct nval *v;      /* data values (one per data component) */
	unsigned nv;
	char *obj; /* an object map: the object's name */
};

struct nelem {
	unsigned line;
	bool catchall; /* "*" */
	unsigned nk;
	struct nval *k;
	struct ndata *d;
	bool rate; /* a limit/ct count on the element: struct rate r */
	struct rate r;
};

enum set_flag {
	SF_CONSTANT = 1 << 0,
	SF_INTERVAL = 1 << 1,
	SF_TIMEOUT = 1 << 2,
	SF_DYNAMIC = 1 << 3,
	SF_EVAL = 1 << 4
};

enum objkind {
	OBJ_NONE,
	OBJ_COUNTER,
	OBJ_QUOTA,
	OBJ_LIMIT,
	OBJ_CT_HELPER,
	OBJ_CT_TIMEOUT,
	OBJ_CT_EXPECT,
	OBJ_SECMARK,
	OBJ_SYNPROXY,
	OBJ_TUNNEL,
	OBJ_KIND_COUNT
};

static const char *const objkind_names[OBJ_KIND_COUNT] = {
    [OBJ_NONE] = "",
    [OBJ_COUNTER] = "counter",
    [OBJ_QUOTA] = "quota",
    [OBJ_LIMIT] = "limit",
    [OBJ_CT_HELPER] = "ct helper",
    [OBJ_CT_TIMEOUT] = "ct timeout",
    [OBJ_CT_EXPECT] = "ct expectation",
    [OBJ_SECMARK] = "secmark",
    [OBJ_SYNPROXY] = "synproxy",
    [OBJ_TUNNEL] = "tunnel",
};

struct ntable;

struct nset {
	struct ntable *t;
	char *name;
	struct loc loc;
	bool is_map;
	bool has_key;
	unsigned nkey;
	struct ntype key[NFT_MAX_CONCAT];
	unsigned ndata;
	struct ntype data[NFT_MAX_CONCAT];
	bool data_verdict;
	bool data_interval;
	enum objkind objtype; /* an object map */
	unsigned flags;
	struct ipset *model; /* address/port/interface keys: the elements are there */
	size_t nmodel;
	size_t ne;
	size_t ecap;
	struct nelem *ev; /* the elements of every other set and map */
};

struct nobj {
	enum objkind kind;
	char *name;
	char *key; /* "kind name" */
	struct loc loc;
	bool over; /* limit/quota "over" */
};

/* An item of a rule, in order; lowering turns them into model matches. */
enum ikind {
	IK_COND,    /* sel (op) constant, anonymous set or @set */
	IK_VMAP,    /* sel vmap { } / vmap @map */
	IK_DMAP,    /* a statement whose value is sel map { } (mark set, dnat to) */
	IK_MATCH,   /* a ready model match (dependencies, rates, unknowns) */
	IK_PRE,     /* a statement applied before the verdict */
	IK_VERDICT, /* the rule's action */
	IK_JUMP     /* jump/goto: the chain is looked up when lowering */
};

enum relop {
	OP_IMPLICIT,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_GT,
	OP_LE,
	OP_GE,
	OP_NEG /* "!" before a bitmask value */
};

/* What a selector is in the model. */
enum smk {
	SM_NONE,
	SM_SADDR,
	SM_DADDR,
	SM_SPORT,
	SM_DPORT,
	SM_L4PROTO,
	SM_NFPROTO,
	SM_ETHERTYPE, /* meta protocol: the packet's L3 protocol */
	SM_IIF,
	SM_IIFNAME,
	SM_OIF,
	SM_OIFNAME,
	SM_CTSTATE,
	SM_MARK,
	SM_CTMARK,
	SM_TCPFLAGS,
	SM_ICMPTYPE,
	SM_ICMP6TYPE,
	SM_TTL,
	SM_HOPLIMIT,
	SM_FIBDTYPE, /* fib daddr [. iif] type */
	SM_FIBRPF,   /* fib saddr [. mark] . iif oif: the route back */
	SM_PKTTYPE,
	SM_SECPATH, /* meta ipsec / meta secpath: Cloudflare's SYN has none */
	SM_CTSTATUS /* ct status: its snat/dnat bits are the model's CTS_SNAT/DNAT */
};

struct nsel {
	enum smk mk;
	struct ntype type;
	uint8_t l4;  /* the transport protocol it reads (0: none) */
	bool l4any;  /* th: any transport protocol */
	int8_t l3;   /* -1, or the family whose header it reads */
	bool l2;     /* a link-layer header */
	bool masked; /* sel & mask (mask) */
	u128 mask;
	bool shifted; /* another operation on it: not modelled */
	bool isconst; /* a constant in a concatenation ("lo" in ip saddr . "lo") */
	struct tok ctok;
	size_t ta; /* its tokens in the statement log: [ta, tb) */
	size_t tb;
	char *text; /* made from them when a message needs it (sel_text) */
};

enum dmap_use {
	DM_MARK,      /* meta mark set */
	DM_CTMARK,    /* ct mark set */
	DM_DNAT,      /* dnat to: address */
	DM_DNAT_PORT, /* dnat to addr : port map */
	DM_REDIRECT   /* redirect to : port map */
};

struct item {
	enum ikind k;
	char *text;
	unsigned nsel;
	struct nsel *sel;
	enum relop op;
	bool setref; /* rhs is @name (name) */
	char *name;
	unsigned line;
	size_t ne;
	struct nelem *ev; /* anonymous constant(s) / set / map elements */
	bool mask_form;   /* bitmask "value / mask" */
	u128 maskv;
	union {
		struct match m;  /* IK_MATCH */
		struct action a; /* IK_PRE, IK_VERDICT, IK_JUMP, IK_DMAP (the template) */
	} u;
	enum dmap_use use;
	enum objkind objk; /* IK_MATCH M_RATE of a named limit or quota (name) */
};

struct nrule {
	struct loc loc;
	size_t nit;
	size_t itcap;
	struct item *it;
	char *comment;
};

struct nchain {
	struct ntable *t;
	char *name;
	struct loc loc;
	bool base;
	enum nhook hook;
	enum chain_type type;
	int prio;
	enum action_kind policy;
	struct loc policy_loc;
	bool anon;
	bool deleted;
	/* ingress/egress: the devices it is bound to (device, devices =) */
	size_t ndev;
	char **dev;
	size_t nrule;
	size_t rcap;
	struct nrule **rules;
	struct chain *model;
};

struct ntable {
	enum nfam fam;
	char *name;
	char *key; /* "family name" */
	struct loc loc;
	bool dormant;
	struct hmap chains;
	size_t nch;
	size_t chcap;
	struct nchain **ch; /* in the order they were created */
	struct hmap sets;
	size_t nset;
	size_t setcap;
	struct nset **setv;
	struct hmap objs;
	size_t nobj;
	size_t objcap;
	struct nobj **objv;
	struct hmap flowtables;
	size_t nft;
	size_t ftcap;
	char **ftv;
	unsigned nanon;
};

/* ---- the parser state ---- */

struct objref;

struct frame {
	bool is_file;
	struct lexer lx;
	struct tok *v; /* an expansion */
	size_t n;
	size_t i;
};

struct var {
	char *name;
	struct tok *v;
	size_t n;
};

struct scope {
	size_t n;
	size_t cap;
	struct var *v;
};

#define LOOKAHEAD 8

struct P {
	struct origin *o;  /* the model */
	struct origin *io; /* inputs and diagnostics */
	unsigned errors;
	bool stop;

	size_t nfr;
	size_t frcap;
	struct frame *fr;
	struct tok la[LOOKAHEAD];
	size_t nla;
	struct tok last; /* the last token taken */

	size_t nsc;
	size_t sccap;
	struct scope *sc;

	size_t nfile;
	size_t filecap;
	struct srcfile **files;

	struct hmap tables;
	size_t ntab;
	size_t tabcap;
	struct ntable **tabv; /* in creation order (deleted ones are NULL) */
	size_t nrules;

	/* the statement being read */
	size_t nlog;
	size_t logcap;
	struct tok *log; /* its tokens, for the text of its expressions */
	bool logging;
	unsigned edepth;   /* parenthesised expressions being read */
	unsigned depth;    /* braces open (tokens taken) */
	enum nfam fam_ctx; /* the family of the table whose rule is read */
	const struct nchain *chain_ctx; /* the chain whose rule is read */
	size_t nref;
	size_t refcap;
	struct objref *refs; /* references checked once every file is read */
	unsigned blockd;     /* the depth of the block being read */
	unsigned bdepth;     /* anonymous chains being read */
	size_t defined;      /* tokens held by variables (NFT_DEFINES_TOTAL) */
	size_t expanded;     /* tokens supplied by variables (NFT_EXPANDED_TOTAL) */
};

static bool perr(struct P *p, const struct tok *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
perr(struct P *p, const struct tok *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	const struct srcfile *src = at && at->src ? at->src : p->files[0];
	const struct srcfile *up;

	if (at && at->reported)
		return false;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(src->in, at ? at->line : 0, "%s", msg);
	free(msg);
	/* the files that include it are incomplete too */
	for (up = src->parent; up; up = up->parent) {
		if (up->in->status == IN_OK)
			up->in->status = IN_ERROR;
		if (up->in->detail == NULL)
			up->in->detail = xasprintf("errors in the included file %s", src->name);
	}
	if (++p->errors >= NFT_MAX_ERRORS)
		p->stop = true;
	return false;
}

/* nft takes a carriage return outside a comment or string for junk: a file
 * with CRLF line endings is refused whole ("syntax error, unexpected junk"),
 * so it does not load at boot. Said once per file, at its first such line;
 * the file is still read as if it had none, for what it means to say. */
static void
report_crlf(struct P *p)
{
	size_t i;

	for (i = 0; i < p->nfile; i++) {
		struct tok at;

		if (p->files[i]->cr_line == 0)
			continue;
		memset(&at, 0, sizeof(at));
		at.src = p->files[i];
		at.line = p->files[i]->cr_line;
		perr(p, &at,
		     "carriage return (CRLF line endings): nft refuses the file (\"unexpected "
		     "junk\"), so it does not load as written");
	}
}

/* ---- the token supply: files, includes, variables ---- */

static struct var *
var_find(struct P *p, const char *s, size_t len)
{
	size_t i;
	size_t j;

	for (i = p->nsc; i-- > 0;)
		for (j = 0; j < p->sc[i].n; j++)
			if (strlen(p->sc[i].v[j].name) == len &&
			    memcmp(p->sc[i].v[j].name, s, len) == 0)
				return &p->sc[i].v[j];
	return NULL;
}

static void
push_frame(struct P *p, struct frame f)
{
	VEC_PUSH(p->fr, p->nfr, p->frcap, f);
}

static void
pop_frame(struct P *p)
{
	struct frame *f = &p->fr[--p->nfr];

	if (!f->is_file)
		free(f->v);
}

/* $name: its tokens, where $name is written. */
static bool
expand_var(struct P *p, const struct tok *t)
{
	struct var *v = var_find(p, t->s, t->len);
	struct frame f;
	size_t i;

	if (v == NULL)
		return perr(p, t, "unknown identifier '%.*s'", (int)t->len, t->s);
	if (p->nfr > NFT_EXPAND_DEPTH + NFT_INCLUDE_DEPTH)
		return perr(p, t, "variables nest too deep");
	if (v->n > NFT_EXPANDED_TOTAL - p->expanded) {
		perr(p, t, "variables expand to more than %u tokens in all", NFT_EXPANDED_TOTAL);
		p->stop = true;
		return false;
	}
	p->expanded += v->n;
	memset(&f, 0, sizeof(f));
	f.v = xreallocarray(NULL, v->n ? v->n : 1, sizeof(*f.v));
	f.n = v->n;
	for (i = 0; i < v->n; i++) {
		f.v[i] = v->v[i];
		f.v[i].src = t->src;
		f.v[i].line = t->line;
	}
	push_frame(p, f);
	return true;
}

static void
fill(struct P *p, struct tok *t)
{
	const char *err;

	for (;;) {
		struct frame *f;

		if (p->nfr == 0) {
			memset(t, 0, sizeof(*t));
			t->t = T_EOF;
			t->src = p->files[0];
			t->line = p->last.line;
			return;
		}
		f = &p->fr[p->nfr - 1];
		if (!f->is_file) {
			if (f->i < f->n) {
				*t = f->v[f->i++];
				return;
			}
			pop_frame(p);
			continue;
		}
		lex_next(&f->lx, t, &err);
		if (err) {
			/* reported here; the statement fails on it quietly */
			perr(p, t, "%s", err);
			t->t = T_JUNK;
			t->reported = true;
			return;
		}
		if (t->t == T_EOF && p->nfr > 1) {
			/* the end of an included file ends its last statement */
			pop_frame(p);
			t->t = T_NL;
			return;
		}
		if (t->t == T_VAR) {
			if (expand_var(p, t))
				continue;
			t->t = T_JUNK;
			t->reported = true;
		}
		return;
	}
}

static const struct tok *
peek(struct P *p, size_t k)
{
	while (p->nla <= k)
		fill(p, &p->la[p->nla++]);
	return &p->la[k];
}

static struct tok
next(struct P *p)
{
	struct tok t;

	peek(p, 0);
	t = p->la[0];
	memmove(&p->la[0], &p->la[1], (p->nla - 1) * sizeof(p->la[0]));
	p->nla--;
	p->last = t;
	if (t.t == T_LBRACE)
		p->depth++;
	else if (t.t == T_RBRACE && p->depth > 0)
		p->depth--;
	if (p->logging)
		VEC_PUSH(p->log, p->nlog, p->logcap, t);
	return t;
}

static bool
tok_is(const struct tok *t, const char *w)
{
	return (t->t == T_WORD || t->t == T_NUM) && t->len > 0 && t->s[0] == w[0] &&
	       strlen(w) == t->len && memcmp(t->s, w, t->len) == 0;
}

static bool
at_word(struct P *p, const char *w)
{
	return tok_is(peek(p, 0), w);
}

static bool
accept_word(struct P *p, const char *w)
{
	if (!at_word(p, w))
		return false;
	next(p);
	return true;
}

static bool
atk(struct P *p, enum tt t)
{
	return peek(p, 0)->t == t;
}

static bool
accept_tok(struct P *p, enum tt t)
{
	if (!atk(p, t))
		return false;
	next(p);
	return true;
}

static bool
at_end(struct P *p)
{
	enum tt t = peek(p, 0)->t;

	return t == T_NL || t == T_SEMI || t == T_RBRACE || t == T_EOF;
}

/* "syntax error, unexpected X[, expecting Y]" as bison says it. */
static bool
unexpected(struct P *p, const char *expecting)
{
	const struct tok *t = peek(p, 0);

	if (t->reported)
		return false;
	if (t->t == T_WORD || t->t == T_ASTERISK)
		return perr(p, t, "syntax error, unexpected %.*s%s%s", (int)t->len, t->s,
		            expecting ? ", expecting " : "", expecting ? expecting : "");
	if (t->t == T_QUOTED)
		return perr(p, t, "syntax error, unexpected quoted string \"%.*s\"%s%s",
		            (int)t->len, t->s, expecting ? ", expecting " : "",
		            expecting ? expecting : "");
	if (t->t == T_NUM)
		return perr(p, t, "syntax error, unexpected number %.*s%s%s", (int)t->len, t->s,
		            expecting ? ", expecting " : "", expecting ? expecting : "");
	return perr(p, t, "syntax error, unexpected %s%s%s", tt_name(t->t),
	            expecting ? ", expecting " : "", expecting ? expecting : "");
}

static bool
expect(struct P *p, enum tt t)
{
	if (accept_tok(p, t))
		return true;
	return unexpected(p, tt_name(t));
}

/* After an error: skip to the end of the statement (a newline or ';' at this
 * depth, or the '}' that closes the block, which is left). */
static void
resync(struct P *p)
{
	for (;;) {
		const struct tok *t = peek(p, 0);

		if (t->t == T_EOF)
			return;
		if (p->depth <= p->blockd) {
			if (t->t == T_RBRACE)
				return;
			if (t->t == T_NL || t->t == T_SEMI) {
				next(p);
				return;
			}
		}
		next(p);
	}
}

/* The end of a statement: a newline, ';', or the '}' that follows. */
static bool
end_stmt(struct P *p)
{
	if (accept_tok(p, T_NL) || accept_tok(p, T_SEMI) || atk(p, T_RBRACE) || atk(p, T_EOF))
		return true;
	return unexpected(p, "end of file or newline or semicolon");
}

static char *
tok_str(const struct tok *t)
{
	return xstrndup(t->s, t->len);
}

/* A name (table, chain, set...): a string or a quoted string. */
static bool
take_name(struct P *p, const char *what, char **out)
{
	const struct tok *t = peek(p, 0);

	if (t->t != T_WORD && t->t != T_QUOTED && t->t != T_NUM) {
		char *e = xasprintf("%s name", what);

		unexpected(p, e);
		free(e);
		return false;
	}
	if (t->len == 0)
		return perr(p, t, "empty %s name", what);
	if (t->len >= NFT_NAME_MAXLEN)
		return perr(p, t, "%s name is longer than %u characters", what,
		            NFT_NAME_MAXLEN - 1);
	*out = tok_str(t);
	next(p);
	return true;
}

/* Where a token's text starts and ends in its source (a quoted string's
 * quotes included). */
static const char *
tok_begin(const struct tok *t)
{
	return t->t == T_QUOTED || t->t == T_VAR ? t->s - 1 : t->s;
}

static const char *
tok_end(const struct tok *t)
{
	return t->s + t->len + (t->t == T_QUOTED ? 1 : 0);
}

/* Text of tokens [a, b) of the statement log, spaced as written (one space
 * where the source had blanks). */
static char *
log_text(struct P *p, size_t a, size_t b)
{
	struct buf out = {0};
	size_t i;

	for (i = a; i < b && i < p->nlog; i++) {
		const struct tok *t = &p->log[i];
		const struct tok *pr = i > a ? &p->log[i - 1] : NULL;

		if (pr && tok_end(pr) != tok_begin(t))
			buf_add(&out, " ", 1);
		if (t->t == T_QUOTED) {
			buf_add(&out, "\"", 1);
			buf_add(&out, t->s, t->len);
			buf_add(&out, "\"", 1);
		} else {
			buf_add(&out, t->s, t->len);
		}
	}
	return out.p ? buf_take(&out) : xstrdup("");
}

/* ---- tables, chains, sets, objects ---- */

static struct loc
tok_loc(const struct tok *t)
{
	struct loc l = {t->src ? t->src->name : NULL, t->line};

	return l;
}

static char *
table_key(enum nfam f, const char *name)
{
	return xasprintf("%s %s", nfam_name(f), name);
}

static struct ntable *
table_find(struct P *p, enum nfam f, const char *name)
{
	char *key = table_key(f, name);
	struct ntable *t = hmap_get(&p->tables, key);

	free(key);
	return t;
}

static struct ntable *
table_add(struct P *p, enum nfam f, const char *name, struct loc loc)
{
	struct ntable *t = xcalloc(1, sizeof(*t));

	t->fam = f;
	t->name = xstrdup(name);
	t->key = table_key(f, name);
	t->loc = loc;
	hmap_put(&p->tables, t->key, t);
	VEC_PUSH(p->tabv, p->ntab, p->tabcap, t);
	return t;
}

static void
nval_free(struct nval *v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		free(v[i].str);
	free(v);
}

static void
ndata_free(struct ndata *d)
{
	if (d == NULL)
		return;
	free(d->chain);
	nval_free(d->v, d->nv);
	free(d->obj);
	free(d);
}

static void
nelem_release(struct nelem *e)
{
	nval_free(e->k, e->nk);
	ndata_free(e->d);
	memset(e, 0, sizeof(*e));
}

static void
nelems_free(struct nelem *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		nelem_release(&v[i]);
	free(v);
}

static void
item_release(struct item *it)
{
	unsigned i;

	free(it->text);
	for (i = 0; i < it->nsel; i++)
		free(it->sel[i].text);
	free(it->sel);
	free(it->name);
	nelems_free(it->ev, it->ne);
	if (it->k == IK_MATCH) {
		match_release(&it->u.m);
	} else {
		free(it->u.a.name);
		free(it->u.a.detail);
		free(it->u.a.target_name);
	}
	memset(it, 0, sizeof(*it));
}

static void
nrule_free(struct nrule *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nit; i++)
		item_release(&r->it[i]);
	free(r->it);
	free(r->comment);
	free(r);
}

static void
chain_flush_rules(struct P *p, struct nchain *c)
{
	size_t i;

	for (i = 0; i < c->nrule; i++)
		nrule_free(c->rules[i]);
	p->nrules -= c->nrule < p->nrules ? c->nrule : p->nrules;
	c->nrule = 0;
}

static void
set_flush(struct nset *s)
{
	size_t i;

	for (i = 0; i < s->ne; i++)
		nelem_release(&s->ev[i]);
	s->ne = 0;
	if (s->model)
		set_clear(s->model);
	s->nmodel = 0;
}

static void
chain_free(struct P *p, struct nchain *c)
{
	size_t i;

	chain_flush_rules(p, c);
	free(c->rules);
	for (i = 0; i < c->ndev; i++)
		free(c->dev[i]);
	free(c->dev);
	free(c->name);
	free(c);
}

/* The nft side of a set; its model set (the origin's) is left alone. */
static void
set_free(struct nset *s)
{
	size_t i;

	for (i = 0; i < s->ne; i++)
		nelem_release(&s->ev[i]);
	free(s->ev);
	free(s->name);
	free(s);
}

/* A set the file deletes: its model set is emptied (the origin owns it). */
static void
set_drop(struct nset *s)
{
	set_flush(s);
	if (s->model) {
		char *name = xasprintf("(deleted) %s", s->model->name);

		free(s->model->name);
		s->model->name = name;
	}
	set_free(s);
}

static void
table_free(struct P *p, struct ntable *t, bool dropped)
{
	size_t i;

	for (i = 0; i < t->nch; i++)
		if (t->ch[i])
			chain_free(p, t->ch[i]);
	free(t->ch);
	free(t->chains.v);
	for (i = 0; i < t->nset; i++) {
		if (t->setv[i] == NULL)
			continue;
		if (dropped)
			set_drop(t->setv[i]);
		else
			set_free(t->setv[i]);
	}
	free(t->setv);
	free(t->sets.v);
	for (i = 0; i < t->nobj; i++)
		if (t->objv[i]) {
			free(t->objv[i]->name);
			free(t->objv[i]->key);
			free(t->objv[i]);
		}
	free(t->objv);
	free(t->objs.v);
	for (i = 0; i < t->nft; i++)
		free(t->ftv[i]);
	free(t->ftv);
	free(t->flowtables.v);
	free(t->name);
	free(t->key);
	free(t);
}

static void
table_delete(struct P *p, struct ntable *t)
{
	size_t i;

	hmap_del(&p->tables, t->key);
	for (i = 0; i < p->ntab; i++)
		if (p->tabv[i] == t)
			p->tabv[i] = NULL;
	table_free(p, t, true);
}

static struct nchain *
chain_find(const struct ntable *t, const char *name)
{
	return hmap_get(&t->chains, name);
}

static struct nchain *
chain_add(struct ntable *t, const char *name, struct loc loc)
{
	struct nchain *c = xcalloc(1, sizeof(*c));

	c->t = t;
	c->name = xstrdup(name);
	c->loc = loc;
	c->hook = NH_INPUT;
	c->type = CT_FILTER;
	c->policy = A_ACCEPT;
	hmap_put(&t->chains, c->name, c);
	VEC_PUSH(t->ch, t->nch, t->chcap, c);
	return c;
}

static void
chain_delete(struct P *p, struct nchain *c)
{
	struct ntable *t = c->t;
	size_t i;

	hmap_del(&t->chains, c->name);
	for (i = 0; i < t->nch; i++)
		if (t->ch[i] == c)
			t->ch[i] = NULL;
	chain_free(p, c);
}

static struct nset *
set_find(const struct ntable *t, const char *name)
{
	return hmap_get(&t->sets, name);
}

static struct nset *
set_add(struct ntable *t, const char *name, struct loc loc)
{
	struct nset *s = xcalloc(1, sizeof(*s));

	s->t = t;
	s->name = xstrdup(name);
	s->loc = loc;
	hmap_put(&t->sets, s->name, s);
	VEC_PUSH(t->setv, t->nset, t->setcap, s);
	return s;
}

static void
set_delete(struct nset *s)
{
	struct ntable *t = s->t;
	size_t i;

	hmap_del(&t->sets, s->name);
	for (i = 0; i < t->nset; i++)
		if (t->setv[i] == s)
			t->setv[i] = NULL;
	set_drop(s);
}

static char *
obj_key(enum objkind k, const char *name)
{
	return xasprintf("%s %s", objkind_names[k], name);
}

static struct nobj *
obj_find(const struct ntable *t, enum objkind k, const char *name)
{
	char *key = obj_key(k, name);
	struct nobj *o = hmap_get(&t->objs, key);

	free(key);
	return o;
}

static struct nobj *
obj_add(struct ntable *t, enum objkind k, const char *name, struct loc loc)
{
	struct nobj *o = xcalloc(1, sizeof(*o));

	o->kind = k;
	o->name = xstrdup(name);
	o->key = obj_key(k, name);
	o->loc = loc;
	hmap_put(&t->objs, o->key, o);
	VEC_PUSH(t->objv, t->nobj, t->objcap, o);
	return o;
}

static void
obj_delete(struct ntable *t, struct nobj *o)
{
	size_t i;

	hmap_del(&t->objs, o->key);
	for (i = 0; i < t->nobj; i++)
		if (t->objv[i] == o)
			t->objv[i] = NULL;
	free(o->name);
	free(o->key);
	free(o);
}

static bool
flowtable_exists(const struct ntable *t, const char *name)
{
	return hmap_get(&t->flowtables, name) != NULL;
}

static void
flowtable_add(struct ntable *t, const char *name)
{
	char *n = xstrdup(name);

	VEC_PUSH(t->ftv, t->nft, t->ftcap, n);
	hmap_put(&t->flowtables, n, n);
}

static void
flowtable_delete(struct ntable *t, const char *name)
{
	size_t i;

	hmap_del(&t->flowtables, name);
	for (i = 0; i < t->nft; i++)
		if (t->ftv[i] && strcmp(t->ftv[i], name) == 0) {
			free(t->ftv[i]);
			t->ftv[i] = NULL;
		}
}

/* ---- specs: [family] table [chain|set|object] ---- */

static bool
take_family(struct P *p, enum nfam *f)
{
	const struct tok *t = peek(p, 0);
	const struct sym *s;
	char w[16];

	*f = NF_IP;
	if (t->t != T_WORD || t->len >= sizeof(w))
		return false;
	memcpy(w, t->s, t->len);
	w[t->len] = '\0';
	if ((s = FIND(fam_names, w)) == NULL)
		return false;
	*f = (enum nfam)s->val;
	next(p);
	return true;
}

struct spec {
	enum nfam fam;
	char *table;
	char *name; /* chain, set or object */
	struct tok at;
	struct tok name_at;
};

static void
spec_free(struct spec *s)
{
	free(s->table);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

static bool
take_table_spec(struct P *p, struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->at = *peek(p, 0);
	take_family(p, &s->fam);
	return take_name(p, "table", &s->table);
}

static bool
take_spec(struct P *p, struct spec *s, const char *what)
{
	if (!take_table_spec(p, s))
		return false;
	s->name_at = *peek(p, 0);
	return take_name(p, what, &s->name);
}

static struct ntable *
spec_table(struct P *p, const struct spec *s)
{
	struct ntable *t = table_find(p, s->fam, s->table);

	if (t == NULL)
		perr(p, &s->at, "table %s %s does not exist", nfam_name(s->fam), s->table);
	return t;
}

/* ---- forward declarations of the rule and set grammar ---- */

static bool parse_rule_into(struct P *p, struct nchain *c, size_t pos, bool insert);
static bool set_block(struct P *p, struct nset *s, bool fresh);
static bool elements_block(struct P *p, struct nset *s, bool del);
static bool parse_time(struct P *p, uint64_t *ms);
static bool table_block_item(struct P *p, struct ntable *t);
static bool object_block(struct P *p, struct ntable *t, enum objkind k, const char *name,
                         const struct tok *at, bool create);

/* ---- include and define (nft's common_block) ---- */

static bool
file_on_stack(const struct srcfile *src, const char *name)
{
	for (; src; src = src->parent)
		if (strcmp(src->name, name) == 0)
			return true;
	return false;
}

static struct srcfile *
file_find(struct P *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nfile; i++)
		if (strcmp(p->files[i]->name, name) == 0)
			return p->files[i];
	return NULL;
}

/* Whether path names a directory inside the root (glob results that are
 * directories are skipped, as nft's GLOB_MARK filter does). */
static bool
is_root_dir(const char *path)
{
	char **names = NULL;
	size_t n = 0;
	char *err = NULL;
	enum read_result rr = root_list(path, &names, &n, &err);

	names_free(names, n);
	free(err);
	return rr == READ_OK;
}

static bool
include_one(struct P *p, const struct tok *at, const char *path, struct srcfile **out)
{
	const struct srcfile *from = at->src;
	struct srcfile *f;
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	enum read_result rr;
	const char *name = intern(path);

	*out = NULL;
	if (from->depth >= NFT_INCLUDE_DEPTH)
		return perr(p, at, "include nested too deeply, max %u levels", NFT_INCLUDE_DEPTH);
	if (file_on_stack(from, name)) {
		struct buf b = {0};
		const struct srcfile *s;
		size_t n = 0;
		const struct srcfile *chain[NFT_INCLUDE_DEPTH + 1];

		for (s = from; s && n < ARRAY_LEN(chain); s = s->parent)
			chain[n++] = s;
		while (n-- > 0) {
			buf_adds(&b, chain[n]->name);
			buf_adds(&b, " -> ");
		}
		buf_adds(&b, name);
		perr(p, at, "include loop: %s", b.p);
		buf_free(&b);
		return false;
	}
	rr = root_read(path, &data, &len, &err);
	if (rr == READ_MISSING) {
		free(err);
		return perr(p, at, "File not found: %s", path);
	}
	if (rr == READ_FAILED) {
		perr(p, at, "cannot include %s: %s", path, err ? err : "cannot be read");
		free(err);
		return false;
	}
	f = xcalloc(1, sizeof(*f));
	f->name = name;
	f->data = data;
	f->len = len;
	f->depth = from->depth + 1;
	f->parent = (struct srcfile *)from;
	f->include_line = at->line;
	{
		struct srcfile *seen = file_find(p, name);

		if (seen) {
			f->in = seen->in;
		} else {
			/* its own input: errors and suppressions name it */
			f->in = origin_add_input(p->io, IN_NFTABLES, name);
			suppress_scan(f->in, data, len);
		}
	}
	VEC_PUSH(p->files, p->nfile, p->filecap, f);
	*out = f;
	return true;
}

/* "./x" and "../x" are relative to the directory nft runs in: "/" for the
 * boot service; a plain name is searched in nft's include path (/etc). */
/* "/a/./b/../c" -> "/a/c", as the kernel resolves it from "/" (".." at the
 * top stays there), so that a file has one name. */
static char *
normalize_path(const char *in)
{
	char *out = xmalloc(strlen(in) + 2);
	size_t n = 0;
	const char *s = in;

	out[n++] = '/';
	while (*s) {
		const char *e;
		size_t len;

		while (*s == '/')
			s++;
		e = strchr(s, '/');
		len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0)
			break;
		if (len == 1 && s[0] == '.') {
			/* nothing */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
			while (n > 1 && out[n - 1] != '/')
				n--;
		} else {
			if (n > 1 && out[n - 1] != '/')
				out[n++] = '/';
			memcpy(out + n, s, len);
			n += len;
		}
		s += len;
	}
	if (n > 1 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
	return out;
}

static char *
include_path(const char *pat)
{
	char *raw;
	char *norm;

	if (pat[0] == '/')
		raw = xstrdup(pat);
	else if (strncmp(pat, "./", 2) == 0 || strncmp(pat, "../", 3) == 0)
		raw = xasprintf("/%s", pat);
	else
		raw = xasprintf("%s/%s", NFT_DEFAULT_INCLUDE_PATH, pat);
	norm = normalize_path(raw);
	free(raw);
	return norm;
}

static void
do_include(struct P *p)
{
	next(p); /* include */
	struct tok q;
	char *pat;
	char *path;
	char **match = NULL;
	size_t nmatch = 0;
	char *err = NULL;
	size_t i;
	struct srcfile **files;
	size_t nf = 0;

	if (!atk(p, T_QUOTED)) {
		unexpected(p, "quoted string");
		resync(p);
		return;
	}
	q = next(p);
	if (!end_stmt(p)) {
		resync(p);
		return;
	}
	if (q.len == 0) {
		perr(p, &q, "include of an empty file name");
		return;
	}
	pat = xstrndup(q.s, q.len);
	path = include_path(pat);
	if (!glob_magic(path)) {
		match = xcalloc(1, sizeof(*match));
		match[0] = xstrdup(path);
		nmatch = 1;
	} else if (root_glob(path, &match, &nmatch, &err) != READ_OK) {
		perr(p, &q, "Failed to glob the pattern %s: %s", pat, err ? err : "error");
		free(err);
		free(pat);
		free(path);
		return;
	}
	files = xcalloc(nmatch ? nmatch : 1, sizeof(*files));
	for (i = 0; i < nmatch && !p->stop; i++) {
		struct srcfile *f;

		if (nmatch > 1 || glob_magic(path)) {
			if (is_root_dir(match[i]))
				continue;
		}
		if (include_one(p, &q, match[i], &f))
			files[nf++] = f;
	}
	/* the first match is read first: push in reverse order */
	while (nf-- > 0) {
		struct frame fr;

		memset(&fr, 0, sizeof(fr));
		fr.is_file = true;
		fr.lx.src = files[nf];
		fr.lx.line = 1;
		push_frame(p, fr);
	}
	free(files);
	root_glob_free(match, nmatch);
	free(pat);
	free(path);
}

static void
scope_push(struct P *p)
{
	struct scope s = {0, 0, NULL};

	VEC_PUSH(p->sc, p->nsc, p->sccap, s);
}

static void
scope_pop(struct P *p)
{
	struct scope *s;
	size_t i;

	if (p->nsc <= 1)
		return;
	s = &p->sc[--p->nsc];
	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].v);
	}
	free(s->v);
}

/* define NAME = TOKENS (variables in them expanded now, as nft evaluates
 * the expression where it is defined). */
static void
do_define(struct P *p)
{
	struct tok kw = next(p);
	bool redefine = tok_is(&kw, "redefine");
	bool undefine = tok_is(&kw, "undefine");
	struct tok nt;
	struct var v;
	struct var *old;
	struct scope *sc = &p->sc[p->nsc - 1];
	size_t cap = 0;
	int depth = 0;

	nt = *peek(p, 0);
	if (nt.t != T_WORD) {
		unexpected(p, "string");
		resync(p);
		return;
	}
	next(p);
	old = var_find(p, nt.s, nt.len);
	if (undefine) {
		if (old == NULL)
			perr(p, &nt, "undefined symbol '%.*s'", (int)nt.len, nt.s);
		else
			old->name[0] = '\0'; /* no longer found */
		if (!end_stmt(p))
			resync(p);
		return;
	}
	if (!expect(p, T_ASSIGN)) {
		resync(p);
		return;
	}
	memset(&v, 0, sizeof(v));
	for (;;) {
		const struct tok *t = peek(p, 0);

		if (t->t == T_EOF || ((t->t == T_NL || t->t == T_SEMI) && depth == 0) ||
		    (t->t == T_RBRACE && depth == 0))
			break;
		if (t->t == T_LBRACE)
			depth++;
		if (t->t == T_RBRACE)
			depth--;
		if (v.n >= NFT_DEFINE_TOKENS) {
			perr(p, t, "variable '%.*s' expands to more than %u tokens", (int)nt.len,
			     nt.s, NFT_DEFINE_TOKENS);
			free(v.v);
			resync(p);
			return;
		}
		VEC_PUSH(v.v, v.n, cap, *t);
		next(p);
	}
	if (v.n == 0) {
		unexpected(p, "expression");
		free(v.v);
		resync(p);
		return;
	}
	if (v.n > NFT_DEFINES_TOTAL - p->defined) {
		perr(p, &nt, "variables hold more than %u tokens in all", NFT_DEFINES_TOTAL);
		p->stop = true;
		free(v.v);
		return;
	}
	p->defined += v.n;
	end_stmt(p);
	/* old is in this scope (an empty scope has no array: NULL + 0 is
	 * undefined) */
	if (old && (sc->n == 0 || old < sc->v || old >= sc->v + sc->n))
		old = NULL;
	if (old && !redefine && old->name[0]) {
		perr(p, &nt, "redefinition of symbol '%.*s'", (int)nt.len, nt.s);
		free(v.v);
		return;
	}
	if (old) {
		free(old->v);
		old->v = v.v;
		old->n = v.n;
		return;
	}
	v.name = xstrndup(nt.s, nt.len);
	VEC_PUSH(sc->v, sc->n, sc->cap, v);
}

/* include, define, redefine, undefine: true when the statement was one. */
static bool
common_block(struct P *p)
{
	if (at_word(p, "include")) {
		do_include(p);
		return true;
	}
	if (at_word(p, "define") || at_word(p, "redefine") || at_word(p, "undefine")) {
		do_define(p);
		return true;
	}
	return false;
}

/* ---- chains ---- */

static bool
parse_int(struct P *p, long long min, long long max, long long *out, const char *what)
{
	bool neg = accept_tok(p, T_DASH);
	const struct tok *t = peek(p, 0);

	if (t->t == T_WORD && t->len > 0 && strspn(t->s, "0123456789") >= t->len)
		return perr(p, t, "%s %.*s is out of range", what, (int)t->len, t->s);
	if (t->t != T_NUM)
		return unexpected(p, "number");
	if (t->v > (uint64_t)LLONG_MAX)
		return perr(p, t, "%s %.*s is out of range", what, (int)t->len, t->s);
	*out = neg ? -(long long)t->v : (long long)t->v;
	if (*out < min || *out > max)
		return perr(p, t, "%s %s%.*s is out of range (%lld to %lld)", what, neg ? "-" : "",
		            (int)t->len, t->s, min, max);
	next(p);
	return true;
}

/* priority NUM | NAME [(+|-) NUM] */
static bool
parse_prio(struct P *p, enum nfam f, enum nhook h, int *out)
{
	const struct tok *t;
	long long v;

	if (atk(p, T_NUM) || atk(p, T_DASH)) {
		if (!parse_int(p, INT_MIN, INT_MAX, &v, "priority"))
			return false;
		*out = (int)v;
		return true;
	}
	t = peek(p, 0);
	if (t->t == T_WORD || t->t == T_QUOTED) {
		char name[32];
		int base;
		struct tok nt = next(p);

		if (nt.len >= sizeof(name) ||
		    (memcpy(name, nt.s, nt.len), name[nt.len] = '\0', !std_prio(name, f, h, &base)))
			return perr(p, &nt, "invalid priority expression %.*s in this context.",
			            nt.len > 64 ? 64 : (int)nt.len, nt.s);
		if (atk(p, T_PLUS) || atk(p, T_DASH)) {
			bool minus = next(p).t == T_DASH;

			if (!parse_int(p, 0, INT_MAX, &v, "priority offset"))
				return false;
			base = minus ? base - (int)v : base + (int)v;
		}
		*out = base;
		return true;
	}
	return unexpected(p, "priority");
}

/* One more device for chain c (NULL: a flowtable's, not kept). */
static void
chain_add_dev(struct nchain *c, const struct tok *t)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ndev; i++)
		if (strlen(c->dev[i]) == t->len && memcmp(c->dev[i], t->s, t->len) == 0)
			return;
	c->dev = xreallocarray(c->dev, c->ndev + 1, sizeof(*c->dev));
	c->dev[c->ndev++] = tok_str(t);
}

/* device "x" | devices = { "x", ... } (netdev and inet ingress chains,
 * flowtables), kept in c when given */
static bool
parse_devices(struct P *p, bool plural, struct nchain *c)
{
	if (!plural) {
		const struct tok *t = peek(p, 0);

		if (t->t != T_WORD && t->t != T_QUOTED)
			return unexpected(p, "device name");
		if (t->len == 0)
			return perr(p, t, "empty device name");
		if (t->len > NFT_IFNAME_MAXLEN)
			return perr(p, t, "device name %.*s is longer than %u characters",
			            (int)t->len, t->s, NFT_IFNAME_MAXLEN);
		chain_add_dev(c, t);
		next(p);
		return true;
	}
	if (!expect(p, T_ASSIGN))
		return false;
	if (!accept_tok(p, T_LBRACE))
		return parse_devices(p, false, c);
	for (;;) {
		while (accept_tok(p, T_NL))
			;
		if (!parse_devices(p, false, c))
			return false;
		while (accept_tok(p, T_NL))
			;
		if (accept_tok(p, T_COMMA)) {
			while (accept_tok(p, T_NL))
				;
			if (accept_tok(p, T_RBRACE))
				return true;
			continue;
		}
		return expect(p, T_RBRACE);
	}
}

/* type T hook H [device D | devices = {...}] priority P */
static bool
hook_spec(struct P *p, struct nchain *c, bool fresh)
{
	struct tok tt;
	struct tok ht;
	char w[32];
	const struct sym *s;
	enum chain_type type;
	enum nhook hook;
	int prio = 0;
	enum nfam f = c->t->fam;

	next(p); /* type */
	tt = *peek(p, 0);
	if (tok_is(&tt, "filter"))
		type = CT_FILTER;
	else if (tok_is(&tt, "nat"))
		type = CT_NAT;
	else if (tok_is(&tt, "route"))
		type = CT_ROUTE;
	else
		return unexpected(p, "filter or nat or route");
	next(p);
	if (!accept_word(p, "hook"))
		return unexpected(p, "hook");
	ht = *peek(p, 0);
	if ((ht.t != T_WORD && ht.t != T_QUOTED) || ht.len >= sizeof(w))
		return unexpected(p, "hook name");
	memcpy(w, ht.s, ht.len);
	w[ht.len] = '\0';
	next(p);
	if ((s = FIND(hook_names, w)) == NULL)
		return perr(p, &ht, "unknown chain hook");
	hook = (enum nhook)s->val;
	if (!hook_valid(f, hook))
		return perr(p, &ht, "The %s family does not support this hook", nfam_name(f));
	if (type == CT_NAT && (f == NF_ARP || f == NF_NETDEV || f == NF_BRIDGE))
		return perr(p, &tt, "nat chains are not supported in the %s family", nfam_name(f));
	if (type == CT_NAT && (hook == NH_FORWARD || hook == NH_INGRESS || hook == NH_EGRESS))
		return perr(p, &tt, "nat chains cannot use the %s hook", w);
	if (type == CT_ROUTE && (hook != NH_OUTPUT || !(f == NF_IP || f == NF_IP6 || f == NF_INET)))
		return perr(p, &tt,
		            "route chains are only valid at the output hook of ip, ip6 "
		            "and inet tables");
	if (accept_word(p, "device")) {
		if (!parse_devices(p, false, c))
			return false;
	} else if (accept_word(p, "devices")) {
		if (!parse_devices(p, true, c))
			return false;
	} else if (hook == NH_INGRESS || hook == NH_EGRESS) {
		if (f == NF_NETDEV || f == NF_INET)
			return perr(p, &ht, "the %s hook needs a device", w);
	}
	if (!accept_word(p, "priority"))
		return unexpected(p, "priority");
	if (!parse_prio(p, f, hook, &prio))
		return false;
	if (!fresh && c->base && (c->hook != hook || c->type != type || c->prio != prio))
		return perr(p, &tt, "chain %s already exists with another type, hook or priority",
		            c->name);
	if (!fresh && !c->base && c->nrule > 0)
		return perr(p, &tt, "chain %s is a regular chain: it cannot become a base chain",
		            c->name);
	c->base = true;
	c->type = type;
	c->hook = hook;
	c->prio = prio;
	if (c->policy_loc.file == NULL)
		c->policy_loc = tok_loc(&tt);
	return true;
}

static bool
policy_spec(struct P *p, struct nchain *c)
{
	struct tok at = next(p); /* policy */
	const struct tok *t = peek(p, 0);

	if (!c->base)
		return perr(p, &at,
		            "policy on chain %s, which has no hook: only base chains have "
		            "a policy",
		            c->name);
	if (tok_is(t, "accept"))
		c->policy = A_ACCEPT;
	else if (tok_is(t, "drop"))
		c->policy = A_DROP;
	else if (t->t == T_WORD || t->t == T_QUOTED)
		return perr(p, t, "invalid policy \"%.*s\" (accept or drop)", (int)t->len, t->s);
	else
		return unexpected(p, "accept or drop");
	next(p);
	c->policy_loc = tok_loc(&at);
	return true;
}

static bool
comment_spec(struct P *p)
{
	const struct tok *t;

	next(p); /* comment */
	t = peek(p, 0);
	if (t->t != T_QUOTED && t->t != T_WORD)
		return unexpected(p, "quoted string");
	if (t->len > NFT_COMMENT_MAXLEN)
		return perr(p, t, "comment too long, %u characters maximum allowed",
		            NFT_COMMENT_MAXLEN);
	next(p);
	return true;
}

/* The items of a chain block: hook, policy, flags, devices, comment, rules. */
static void
chain_block(struct P *p, struct nchain *c, bool fresh)
{
	unsigned saved = p->blockd;

	p->blockd = p->depth;
	scope_push(p);
	for (;;) {
		bool ok = true;

		if (p->stop)
			break;
		while (accept_tok(p, T_NL) || accept_tok(p, T_SEMI))
			;
		if (atk(p, T_RBRACE) || atk(p, T_EOF))
			break;
		if (common_block(p))
			continue;
		if (at_word(p, "type")) {
			ok = hook_spec(p, c, fresh);
		} else if (at_word(p, "policy")) {
			ok = policy_spec(p, c);
		} else if (at_word(p, "comment") && (peek(p, 1)->t == T_QUOTED) &&
		           (peek(p, 2)->t == T_NL || peek(p, 2)->t == T_SEMI ||
		            peek(p, 2)->t == T_RBRACE)) {
			ok = comment_spec(p);
		} else if (at_word(p, "devices") && peek(p, 1)->t == T_ASSIGN) {
			struct tok d = next(p);

			ok = parse_devices(p, true, c);
			if (ok && !(c->t->fam == NF_NETDEV ||
			            (c->t->fam == NF_INET && c->base && c->hook == NH_INGRESS)))
				ok = perr(p, &d, "This chain type cannot be bound to device");
		} else if (at_word(p, "flags")) {
			struct tok ft = next(p);

			if (!accept_word(p, "offload"))
				ok = perr(p, &ft, "unknown chain flag");
		} else {
			if (!parse_rule_into(p, c, SIZE_MAX, false))
				ok = false;
			if (ok)
				continue;
			resync(p);
			continue;
		}
		if (ok)
			ok = end_stmt(p);
		if (!ok)
			resync(p);
	}
	scope_pop(p);
	p->blockd = saved;
}

static bool
valid_name_len(struct P *p, const struct tok *at, const char *what, const char *name)
{
	if (strlen(name) >= NFT_NAME_MAXLEN)
		return perr(p, at, "%s name is longer than %u characters", what,
		            NFT_NAME_MAXLEN - 1);
	return true;
}

/* chain NAME [{ ... }] in table t; create: it must not exist. */
static void
chain_decl(struct P *p, struct ntable *t, const char *name, const struct tok *at, bool create,
           bool block)
{
	struct nchain *c = chain_find(t, name);
	bool fresh = c == NULL;

	if (c && create) {
		perr(p, at, "chain %s already exists in table %s %s", name, nfam_name(t->fam),
		     t->name);
		if (block && accept_tok(p, T_LBRACE)) {
			chain_block(p, c, false);
			expect(p, T_RBRACE);
		}
		return;
	}
	if (c == NULL) {
		if (t->nch >= CAP_CHAINS) {
			perr(p, at, "more than %u chains in table %s", CAP_CHAINS, t->name);
			p->stop = true;
			return;
		}
		c = chain_add(t, name, tok_loc(at));
	}
	if (block) {
		if (!expect(p, T_LBRACE)) {
			resync(p);
			return;
		}
		chain_block(p, c, fresh);
		if (!expect(p, T_RBRACE))
			return;
	}
}

/* ---- tables ---- */

static bool
table_flags(struct P *p, struct ntable *t)
{
	next(p); /* flags */
	for (;;) {
		const struct tok *f = peek(p, 0);

		if (tok_is(f, "dormant"))
			t->dormant = true;
		else if (!tok_is(f, "owner") && !tok_is(f, "persist"))
			return perr(p, f, "unknown table flag \"%.*s\"", (int)f->len, f->s);
		next(p);
		if (!accept_tok(p, T_COMMA))
			return true;
	}
}

static void
table_block(struct P *p, struct ntable *t)
{
	unsigned saved = p->blockd;

	p->blockd = p->depth;
	scope_push(p);
	for (;;) {
		if (p->stop)
			break;
		while (accept_tok(p, T_NL) || accept_tok(p, T_SEMI))
			;
		if (atk(p, T_RBRACE) || atk(p, T_EOF))
			break;
		if (common_block(p))
			continue;
		if (!table_block_item(p, t))
			resync(p);
	}
	scope_pop(p);
	p->blockd = saved;
}

static enum objkind
objkind_at(struct P *p, size_t *ntok)
{
	*ntok = 1;
	if (at_word(p, "counter"))
		return OBJ_COUNTER;
	if (at_word(p, "quota"))
		return OBJ_QUOTA;
	if (at_word(p, "limit"))
		return OBJ_LIMIT;
	if (at_word(p, "secmark"))
		return OBJ_SECMARK;
	if (at_word(p, "synproxy"))
		return OBJ_SYNPROXY;
	if (at_word(p, "tunnel"))
		return OBJ_TUNNEL;
	if (at_word(p, "ct")) {
		*ntok = 2;
		if (tok_is(peek(p, 1), "helper"))
			return OBJ_CT_HELPER;
		if (tok_is(peek(p, 1), "timeout"))
			return OBJ_CT_TIMEOUT;
		if (tok_is(peek(p, 1), "expectation"))
			return OBJ_CT_EXPECT;
	}
	return OBJ_NONE;
}

static void set_decl(struct P *p, struct ntable *t, const char *name, const struct tok *at,
                     bool map, bool create);
static void flowtable_decl(struct P *p, struct ntable *t, const char *name, const struct tok *at,
                           bool create);

static bool
table_block_item(struct P *p, struct ntable *t)
{
	struct tok kw = *peek(p, 0);
	enum objkind ok;
	size_t n;
	char *name = NULL;
	struct tok nt;

	if (tok_is(&kw, "flags")) {
		if (!table_flags(p, t))
			return false;
		return end_stmt(p);
	}
	if (tok_is(&kw, "comment") && peek(p, 1)->t == T_QUOTED)
		return comment_spec(p) && end_stmt(p);
	if (tok_is(&kw, "chain")) {
		next(p);
		nt = *peek(p, 0);
		if (!take_name(p, "chain", &name))
			return false;
		chain_decl(p, t, name, &nt, false, true);
		free(name);
		return true;
	}
	if (tok_is(&kw, "set") || tok_is(&kw, "map")) {
		next(p);
		nt = *peek(p, 0);
		if (!take_name(p, tok_is(&kw, "map") ? "map" : "set", &name))
			return false;
		set_decl(p, t, name, &nt, tok_is(&kw, "map"), false);
		free(name);
		return true;
	}
	if (tok_is(&kw, "flowtable")) {
		next(p);
		nt = *peek(p, 0);
		if (!take_name(p, "flowtable", &name))
			return false;
		flowtable_decl(p, t, name, &nt, false);
		free(name);
		return true;
	}
	ok = objkind_at(p, &n);
	if (ok != OBJ_NONE) {
		bool r;

		while (n-- > 0)
			next(p);
		nt = *peek(p, 0);
		if (!take_name(p, objkind_names[ok], &name))
			return false;
		r = object_block(p, t, ok, name, &nt, false);
		free(name);
		return r;
	}
	return unexpected(p, NULL);
}

static void
table_decl(struct P *p, struct spec *s, bool create, bool block)
{
	struct ntable *t = table_find(p, s->fam, s->table);

	if (t && create) {
		perr(p, &s->at, "table %s %s already exists", nfam_name(s->fam), s->table);
		return;
	}
	if (t == NULL) {
		if (!valid_name_len(p, &s->at, "table", s->table))
			return;
		t = table_add(p, s->fam, s->table, tok_loc(&s->at));
	}
	if (nfam_on_path(s->fam)) {
		if (s->fam != NF_IP6)
			p->o->fw_seen[FAM_V4] = true;
		if (s->fam != NF_IP)
			p->o->fw_seen[FAM_V6] = true;
	}
	if (!block)
		return;
	if (!expect(p, T_LBRACE)) {
		resync(p);
		return;
	}
	table_block(p, t);
	expect(p, T_RBRACE);
}

/* ---- constants ---- */

static bool
tok_cstr(const struct tok *t, char *buf, size_t cap)
{
	if (t->len >= cap)
		return false;
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	return true;
}

static const struct sym *
sym_find(const struct sym *tab, size_t n, const char *name)
{
	if (tab == NULL)
		return NULL;
	return bsearch(name, tab, n, sizeof(*tab), cmp_name);
}

/* A hex or decimal integer written as a string because it is wider than 64
 * bits (raw payloads, ct labels). */
static bool
wide_number(const char *s, unsigned bits, u128 *out)
{
	u128 v = 0;
	const char *q;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || s[2] == '\0')
		return false;
	for (q = s + 2; *q; q++) {
		int d =
		    isdigit((unsigned char)*q) ? *q - '0' : tolower((unsigned char)*q) - 'a' + 10;

		if (!is_hex(*q) || (v >> 124) != 0)
			return false;
		v = (v << 4) | (u128)d;
	}
	*out = v;
	return v <= bits_max(bits);
}

/* "8080": a decimal number in quotes (the lexer reads it unquoted). */
static bool
quoted_decimal(const char *s, u128 *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return false;
	*out = v;
	return true;
}

static bool
out_of_range(struct P *p, const struct tok *t, struct ntype ty)
{
	if (ty.bits > 64)
		return perr(p, t, "Value %.*s exceeds the %u bits of its type", (int)t->len, t->s,
		            ty.bits);
	if (ty.bits == 64)
		return perr(p, t, "Value %.*s exceeds valid range 0-%llu", (int)t->len, t->s,
		            (unsigned long long)~0ull);
	return perr(p, t, "Value %.*s exceeds valid range 0-%llu", (int)t->len, t->s,
	            (unsigned long long)bits_max(ty.bits));
}

/* "HH:MM[:SS]" (meta hour) */
static bool
hour_value(const char *s, u128 *out)
{
	unsigned h = 0;
	unsigned m = 0;
	unsigned sec = 0;
	int n = 0;
	int got = sscanf(s, "%2u:%2u%n:%2u%n", &h, &m, &n, &sec, &n);

	if (got < 2 || s[n] != '\0' || h > 23 || m > 59 || sec > 59)
		return false;
	*out = h * 3600 + m * 60 + sec;
	return true;
}

static bool
string_value(struct P *p, const struct tok *t, struct ntype ty, struct nval *v)
{
	size_t len = t->len;
	bool wild = false;

	if (t->t != T_WORD && t->t != T_QUOTED && t->t != T_ASTERISK)
		return perr(p, t, "%s expects a string, not %s", dtype_name(ty.dt), tt_name(t->t));
	if (ty.dt == DT_IFNAME && len > 0 && t->s[len - 1] == '*' &&
	    (len < 2 || t->s[len - 2] != '\\')) {
		wild = true;
		len--;
	}
	if (ty.dt == DT_IFNAME || ty.dt == DT_IFINDEX) {
		if (len == 0 && !wild)
			return perr(p, t, "empty interface name");
		if (len > NFT_IFNAME_MAXLEN)
			return perr(p, t, "interface name %.*s is longer than %u characters",
			            (int)t->len, t->s, NFT_IFNAME_MAXLEN);
	} else if (len >= NFT_NAME_MAXLEN) {
		return perr(p, t, "string %.*s... is longer than %u characters", 32, t->s,
		            NFT_NAME_MAXLEN - 1);
	}
	v->str = xstrndup(t->s, len);
	v->wild = wild;
	return true;
}

/* One token as a constant of type ty. */
static bool
value_from_tok(struct P *p, const struct tok *t, struct ntype ty, struct nval *v)
{
	const struct dtinfo *di = &dtinfo[ty.dt];
	char buf[NFT_NAME_MAXLEN];
	const struct sym *s;

	memset(v, 0, sizeof(*v));
	switch (ty.dt) {
	case DT_INVALID:
		return perr(p, t, "Can't parse symbolic invalid expressions");
	case DT_VERDICT:
		return perr(p, t, "a verdict is not a value");
	case DT_IFNAME:
	case DT_STRING:
	case DT_CGROUPV2:
		return string_value(p, t, ty, v);
	case DT_IFINDEX:
		if (t->t == T_NUM) {
			v->lo = v->hi = t->v;
			if (t->v > 0xffffffffu)
				return out_of_range(p, t, ty);
			return true;
		}
		if (t->t == T_ASTERISK)
			return perr(p, t,
			            "iface_index cannot be a wildcard: use iifname or oifname");
		return string_value(p, t, ty, v);
	case DT_IPV4:
	case DT_IPV6: {
		unsigned char a[16];
		int af = ty.dt == DT_IPV4 ? AF_INET : AF_INET6;
		size_t i;

		/* nft takes a quoted string for the symbol it holds:
		 * define IP = "192.0.2.1" */
		if ((t->t != T_WORD && t->t != T_QUOTED) || !tok_cstr(t, buf, sizeof(buf)) ||
		    inet_pton(af, buf, a) != 1) {
			if (t->t == T_WORD && tok_cstr(t, buf, sizeof(buf)) &&
			    scan_string(buf, strlen(buf)) == strlen(buf) &&
			    strchr(buf, ':') == NULL)
				return perr(p, t,
				            "\"%.*s\" is not an %s address (host names are not "
				            "resolved)",
				            (int)t->len, t->s, af == AF_INET ? "IPv4" : "IPv6");
			return perr(p, t, "\"%.*s\" is not an %s address", (int)t->len, t->s,
			            af == AF_INET ? "IPv4" : "IPv6");
		}
		for (i = 0; i < (af == AF_INET ? 4u : 16u); i++)
			v->lo = (v->lo << 8) | a[i];
		v->hi = v->lo;
		return true;
	}
	case DT_ETHER: {
		unsigned b[6];
		int n = 0;
		int i;

		if (t->t != T_WORD || !tok_cstr(t, buf, sizeof(buf)) ||
		    sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4],
		           &b[5], &n) != 6 ||
		    buf[n] != '\0')
			return perr(p, t, "\"%.*s\" is not an Ethernet address", (int)t->len, t->s);
		for (i = 0; i < 6; i++)
			v->lo = (v->lo << 8) | b[i];
		v->hi = v->lo;
		return true;
	}
	case DT_HOUR:
		if (t->t == T_NUM) {
			v->lo = v->hi = t->v;
			return true;
		}
		if (t->t != T_WORD || !tok_cstr(t, buf, sizeof(buf)) || !hour_value(buf, &v->lo))
			return perr(p, t, "\"%.*s\" is not an hour (HH:MM[:SS])", (int)t->len,
			            t->s);
		v->hi = v->lo;
		return true;
	case DT_DURATION:
		if (t->t == T_WORD && tok_cstr(t, buf, sizeof(buf)) &&
		    scan_time(buf, strlen(buf)) == strlen(buf)) {
			uint64_t ms = 0;
			const char *q = buf;

			while (*q) {
				uint64_t n = 0;

				while (isdigit((unsigned char)*q))
					n = n * 10 + (uint64_t)(*q++ - '0');
				ms += n * (strncmp(q, "ms", 2) == 0 ? 1
				           : *q == 's'              ? 1000
				           : *q == 'm'              ? 60000
				           : *q == 'h'              ? 3600000
				                                    : 86400000);
				q += strncmp(q, "ms", 2) == 0 ? 2 : 1;
			}
			v->lo = v->hi = ms;
			return true;
		}
		break;
	case DT_TIME:
		if (t->t == T_NUM) {
			v->lo = v->hi = t->v;
			return true;
		}
		if (t->t != T_QUOTED && t->t != T_WORD)
			return perr(p, t, "\"%.*s\" is not a date", (int)t->len, t->s);
		v->str = tok_str(t);
		return true;
	case DT_UID:
	case DT_GID:
	case DT_DEVGROUP:
	case DT_REALM:
	case DT_CT_LABEL:
		/* names from the server's /etc/passwd, /etc/iproute2...: kept
		 * as written (they only decide matches nothing here models) */
		if (t->t == T_WORD || t->t == T_QUOTED) {
			v->str = tok_str(t);
			return true;
		}
		break;
	case DT_CLASSID:
		if (t->t == T_WORD && tok_cstr(t, buf, sizeof(buf))) {
			unsigned maj;
			unsigned min;
			int n = 0;

			if (strcmp(buf, "root") == 0 || strcmp(buf, "none") == 0) {
				v->lo = v->hi = strcmp(buf, "root") == 0 ? 0xffffffffu : 0;
				return true;
			}
			if (sscanf(buf, "%4x:%4x%n", &maj, &min, &n) == 2 && buf[n] == '\0' &&
			    buf[0] != ':' && scan_classid(buf, strlen(buf)) == strlen(buf)) {
				v->lo = v->hi = ((u128)maj << 16) | min;
				return true;
			}
			return perr(p, t,
			            "\"%.*s\" is not a class id (major:minor in hex, root or "
			            "none)",
			            (int)t->len, t->s);
		}
		break;
	default:
		break;
	}
	/* numeric types, with or without symbolic names */
	if (t->t == T_NUM) {
		if ((u128)t->v > bits_max(ty.bits))
			return out_of_range(p, t, ty);
		v->lo = v->hi = t->v;
		return true;
	}
	/* a quoted string stands for the symbol or number it holds */
	if ((t->t == T_WORD || t->t == T_QUOTED) && tok_cstr(t, buf, sizeof(buf))) {
		if ((s = sym_find(di->tab, di->ntab, buf)) != NULL) {
			v->lo = v->hi = s->val;
			return true;
		}
		if (ty.dt == DT_DAY) {
			size_t i;

			for (i = 0; i < di->ntab; i++)
				if (strcasecmp(di->tab[i].name, buf) == 0 ||
				    (strlen(buf) >= 3 &&
				     strncasecmp(di->tab[i].name, buf, strlen(buf)) == 0)) {
					v->lo = v->hi = di->tab[i].val;
					return true;
				}
		}
		if (wide_number(buf, ty.bits, &v->lo)) {
			v->hi = v->lo;
			return true;
		}
		if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
			return out_of_range(p, t, ty);
		if (t->t == T_QUOTED && quoted_decimal(buf, &v->lo)) {
			if (v->lo > bits_max(ty.bits))
				return out_of_range(p, t, ty);
			v->hi = v->lo;
			return true;
		}
	}
	if (ty.dt == DT_INET_SERVICE && t->t == T_WORD)
		return perr(p, t, "unknown port or service \"%.*s\"", (int)t->len, t->s);
	if (ty.dt == DT_INET_PROTO && t->t == T_WORD)
		return perr(p, t, "unknown protocol \"%.*s\"", (int)t->len, t->s);
	if (di->tab && (t->t == T_WORD || t->t == T_QUOTED))
		return perr(p, t, "unknown %s \"%.*s\"", dtype_name(ty.dt), (int)t->len, t->s);
	if (t->t == T_WORD || t->t == T_QUOTED || t->t == T_ASTERISK)
		return perr(p, t, "\"%.*s\" is not a valid %s value", (int)t->len, t->s,
		            dtype_name(ty.dt));
	return unexpected(p, dtype_name(ty.dt));
}

static bool
is_value_tok(const struct tok *t)
{
	return t->t == T_WORD || t->t == T_NUM || t->t == T_QUOTED || t->t == T_ASTERISK;
}

/* A basic constant: a value, a parenthesised one, and for bitmask types
 * values joined with '|'. */
static bool
parse_basic_ops(struct P *p, struct ntype ty, struct nval *v, bool ops)
{
	const struct tok *t = peek(p, 0);

	if (t->t == T_LPAREN) {
		next(p);
		if (p->edepth >= NFT_BLOCK_DEPTH)
			return perr(p, t, "expression nests too deep");
		p->edepth++;
		if (!parse_basic_ops(p, ty, v, true)) {
			p->edepth--;
			return false;
		}
		p->edepth--;
		if (!expect(p, T_RPAREN)) {
			/* a failed value holds nothing (the callers free only
			 * what succeeded) */
			free(v->str);
			v->str = NULL;
			return false;
		}
		return true;
	}
	if (!is_value_tok(t))
		return unexpected(p, dtype_name(ty.dt));
	if (!value_from_tok(p, t, ty, v))
		return false;
	next(p);
	while (ops && (atk(p, T_OR) || atk(p, T_AND) || atk(p, T_XOR) || atk(p, T_LSHIFT) ||
	               atk(p, T_RSHIFT))) {
		struct tok op = *peek(p, 0);
		struct nval w;

		if (op.t != T_OR || !dtinfo[ty.dt].bitmask || v->str) {
			free(v->str);
			v->str = NULL;
			return perr(p, &op,
			            "binary operation %.*s on constants: only '|' of %s "
			            "values is supported",
			            (int)op.len, op.s,
			            dtinfo[ty.dt].bitmask ? dtype_name(ty.dt) : "bitmask");
		}
		next(p);
		if (!parse_basic_ops(p, ty, &w, false))
			return false;
		v->lo |= w.lo;
		v->hi = v->lo;
	}
	return true;
}

static bool
parse_basic(struct P *p, struct ntype ty, struct nval *v)
{
	return parse_basic_ops(p, ty, v, true);
}

/* A component: basic [- basic | / len]; ranges and prefixes need a numeric
 * type, and a prefix no longer than the type. */
static bool
parse_component(struct P *p, struct ntype ty, struct nval *v, bool *ranged)
{
	struct tok at0 = *peek(p, 0);

	*ranged = false;
	if (!parse_basic(p, ty, v))
		return false;
	if (atk(p, T_DASH)) {
		struct tok d = next(p);
		struct nval w;

		if (!dtinfo[ty.dt].numeric || v->str)
			return perr(p, &d, "a range needs an integer or address type, not %s",
			            dtype_name(ty.dt));
		if (!parse_basic(p, ty, &w))
			return false;
		if (w.lo < v->lo)
			return perr(p, &at0, "Range has zero or negative size");
		v->hi = w.lo;
		*ranged = true;
		return true;
	}
	if (atk(p, T_SLASH)) {
		struct tok sl = next(p);
		const struct tok *n = peek(p, 0);
		unsigned w = ty.bits;

		if (!(ty.dt == DT_IPV4 || ty.dt == DT_IPV6 || ty.dt == DT_INTEGER ||
		      ty.dt == DT_MARK || ty.dt == DT_CT_LABEL) ||
		    v->str)
			return perr(p, &sl, "a prefix needs an address or integer type, not %s",
			            dtype_name(ty.dt));
		if (n->t != T_NUM)
			return unexpected(p, "prefix length");
		if (n->v > w)
			return perr(p, n, "Prefix length %llu is invalid for type of %u bits",
			            (unsigned long long)n->v, w);
		if (n->v < w) {
			u128 host = bits_max(w - (unsigned)n->v);

			v->lo &= ~host;
			v->hi = v->lo | host;
		}
		next(p);
		*ranged = n->v < w;
		return true;
	}
	return true;
}

/* ---- time specifications ---- */

/* "1h30m", "10s", "100ms", a number of seconds; "never" */
static bool
parse_time(struct P *p, uint64_t *ms)
{
	const struct tok *t = peek(p, 0);
	char buf[64];
	const char *s = buf;
	uint64_t total = 0;

	if (t->t == T_NUM) {
		*ms = t->v * 1000;
		next(p);
		return true;
	}
	if (t->t != T_WORD || !tok_cstr(t, buf, sizeof(buf)))
		return unexpected(p, "time");
	if (strcmp(buf, "never") == 0) {
		*ms = UINT64_MAX;
		next(p);
		return true;
	}
	while (*s) {
		uint64_t n = 0;
		uint64_t mul;

		if (!isdigit((unsigned char)*s))
			return perr(p, t, "wrong time format \"%s\"", buf);
		while (isdigit((unsigned char)*s))
			n = n * 10 + (uint64_t)(*s++ - '0');
		if (strncmp(s, "ms", 2) == 0) {
			mul = 1;
			s += 2;
		} else if (*s == 's') {
			mul = 1000;
			s++;
		} else if (*s == 'm') {
			mul = 60000;
			s++;
		} else if (*s == 'h') {
			mul = 3600000;
			s++;
		} else if (*s == 'd') {
			mul = 86400000;
			s++;
		} else {
			return perr(p, t, "wrong time format \"%s\"", buf);
		}
		total += n * mul;
	}
	*ms = total;
	next(p);
	return true;
}

/* ---- stateful statements (counter, limit, quota, ct count, last) ---- */

enum stateful { ST_NONE, ST_COUNTER, ST_LIMIT, ST_QUOTA, ST_CTCOUNT, ST_LAST };

static enum stateful
stateful_at(struct P *p)
{
	if (at_word(p, "counter"))
		return ST_COUNTER;
	if (at_word(p, "limit") && tok_is(peek(p, 1), "rate"))
		return ST_LIMIT;
	if (at_word(p, "quota"))
		return ST_QUOTA;
	if (at_word(p, "ct") && tok_is(peek(p, 1), "count"))
		return ST_CTCOUNT;
	if (at_word(p, "last"))
		return ST_LAST;
	return ST_NONE;
}

static bool
byte_unit(struct P *p)
{
	if (accept_word(p, "bytes") || accept_word(p, "kbytes") || accept_word(p, "mbytes"))
		return true;
	return unexpected(p, "bytes or kbytes or mbytes");
}

static bool
time_unit(struct P *p)
{
	static const char *const units[] = {"second", "minute", "hour", "day", "week"};
	size_t i;

	for (i = 0; i < ARRAY_LEN(units); i++)
		if (accept_word(p, units[i]))
			return true;
	return unexpected(p, "second or minute or hour or day or week");
}

/* "mbytes/second" is one string to nft's scanner (strings take '/'), or
 * "mbytes" "/" "second" when spaced */
static bool
byte_rate(struct P *p)
{
	static const char *const bu[] = {"bytes", "kbytes", "mbytes"};
	static const char *const tu[] = {"second", "minute", "hour", "day", "week"};
	const struct tok *t = peek(p, 0);
	char w[32];
	char *slash;
	size_t i;
	size_t j;

	if (t->t == T_WORD && tok_cstr(t, w, sizeof(w)) && (slash = strchr(w, '/')) != NULL) {
		*slash++ = '\0';
		for (i = 0; i < ARRAY_LEN(bu); i++)
			for (j = 0; j < ARRAY_LEN(tu); j++)
				if (strcmp(w, bu[i]) == 0 && strcmp(slash, tu[j]) == 0) {
					next(p);
					return true;
				}
		return perr(p, t, "wrong rate format \"%.*s\"", (int)t->len, t->s);
	}
	return byte_unit(p) && expect(p, T_SLASH) && time_unit(p);
}

/* rate [over] N[/unit | bytes/unit] [burst N packets|bytes] */
static bool
limit_rate_body(struct P *p, bool *over)
{
	long long v;

	*over = accept_word(p, "over");
	if (!parse_int(p, 0, LLONG_MAX, &v, "rate"))
		return false;
	if (atk(p, T_SLASH)) {
		next(p);
		if (!time_unit(p))
			return false;
	} else if (!byte_rate(p)) {
		return false;
	}
	if (accept_word(p, "burst")) {
		if (!parse_int(p, 0, LLONG_MAX, &v, "burst"))
			return false;
		if (!accept_word(p, "packets") && !byte_unit(p))
			return false;
	}
	return true;
}

/* quota [over|until] N unit [used N unit] */
static bool
quota_body(struct P *p, bool *over)
{
	long long v;

	*over = accept_word(p, "over");
	if (!*over)
		accept_word(p, "until");
	if (!parse_int(p, 0, LLONG_MAX, &v, "quota") || !byte_unit(p))
		return false;
	if (accept_word(p, "used"))
		return parse_int(p, 0, LLONG_MAX, &v, "quota") && byte_unit(p);
	return true;
}

/* One stateful statement; *r tells whether (and how) it limits. */
static bool
parse_stateful(struct P *p, enum stateful k, bool *is_rate, struct rate *r)
{
	long long v;
	bool over = false;

	*is_rate = false;
	switch (k) {
	case ST_COUNTER:
		next(p);
		if (accept_word(p, "packets")) {
			if (!parse_int(p, 0, LLONG_MAX, &v, "packets") || !accept_word(p, "bytes"))
				return at_word(p, "bytes") ? false : unexpected(p, "bytes");
			return parse_int(p, 0, LLONG_MAX, &v, "bytes");
		}
		return true;
	case ST_LIMIT:
		next(p);
		next(p); /* rate */
		if (!limit_rate_body(p, &over))
			return false;
		break;
	case ST_QUOTA:
		next(p);
		if (!quota_body(p, &over))
			return false;
		break;
	case ST_CTCOUNT:
		next(p);
		next(p);
		over = accept_word(p, "over");
		if (!parse_int(p, 0, 0xffffffffll, &v, "ct count"))
			return false;
		break;
	case ST_LAST:
		next(p);
		if (accept_word(p, "used")) {
			uint64_t ms;

			if (!accept_word(p, "never") && !parse_time(p, &ms))
				return false;
		}
		return true;
	case ST_NONE:
		abort();
	}
	/* under the limit it matches when Cloudflare is quiet; over it, when
	 * Cloudflare's many visitors share few addresses */
	*is_rate = true;
	r->light = !over;
	r->heavy = over;
	return true;
}

/* ---- set elements ---- */

struct mapspec {
	bool verdict;
	enum objkind obj;
	unsigned ndata;
	const struct ntype *data;
	bool data_interval;
	bool flex; /* 1 to ndata components (nat: address [. port]) */
};

/* Where parsed elements go. */
struct esink {
	struct nset *set; /* a named set with a model set: straight there */
	size_t ne;
	size_t cap;
	struct nelem *ev;
	bool del; /* delete element: remove them */
};

static bool parse_verdict_data(struct P *p, struct ndata *d);

static bool
parse_elem_data(struct P *p, const struct mapspec *ms, struct ndata *d)
{
	unsigned i;
	bool ranged;

	memset(d, 0, sizeof(*d));
	if (ms->verdict)
		return parse_verdict_data(p, d);
	if (ms->obj != OBJ_NONE) {
		const struct tok *t = peek(p, 0);

		if (t->t != T_QUOTED && t->t != T_WORD)
			return unexpected(p, "object name");
		if (t->t == T_WORD && scan_string(t->s, t->len) != t->len)
			return perr(p, t, "\"%.*s\" is not a %s name", (int)t->len, t->s,
			            objkind_names[ms->obj]);
		if (t->len == 0 || memchr(t->s, '*', t->len))
			return perr(p, t, "\"%.*s\" is not a %s name", (int)t->len, t->s,
			            objkind_names[ms->obj]);
		d->obj = tok_str(t);
		next(p);
		return true;
	}
	d->v = xcalloc(ms->ndata, sizeof(*d->v));
	for (i = 0; i < ms->ndata; i++) {
		struct tok at0 = *peek(p, 0);

		if (i > 0 && ms->flex && !atk(p, T_DOT))
			break;
		if (i > 0 && !expect(p, T_DOT))
			return false;
		if (!parse_component(p, ms->data[i], &d->v[i], &ranged)) {
			d->nv = i + 1;
			return false;
		}
		d->nv = i + 1;
		if (ranged && !ms->data_interval)
			return perr(p, &at0,
			            "a range or prefix as a map value needs \"interval\" "
			            "in the map's data type");
	}
	if (atk(p, T_DOT))
		return perr(p, peek(p, 0),
		            "the value has more components than the map's data "
		            "type");
	return true;
}

static void
model_elem_add(struct nset *s, const struct nelem *e)
{
	struct set_elem m;
	unsigned i;
	unsigned naddr = 0;

	memset(&m, 0, sizeof(m));
	m.line = e->line;
	for (i = 0; i < e->nk; i++) {
		switch (s->key[i].dt) {
		case DT_IPV4:
		case DT_IPV6:
			if (naddr++ == 0) {
				m.lo = e->k[i].lo;
				m.hi = e->k[i].hi;
			} else {
				m.lo2 = e->k[i].lo;
				m.hi2 = e->k[i].hi;
			}
			break;
		case DT_INET_SERVICE:
			m.plo = (uint16_t)e->k[i].lo;
			m.phi = (uint16_t)e->k[i].hi;
			break;
		default: /* DT_IFNAME, DT_IFINDEX */
			m.iface = e->k[i].str
			              ? xasprintf("%s%s", e->k[i].str, e->k[i].wild ? "+" : "")
			              : xasprintf("#%llu", (unsigned long long)e->k[i].lo);
			break;
		}
	}
	set_add_elem(s->model, &m);
	s->nmodel++;
}

static bool
nval_equal(const struct nval *a, const struct nval *b)
{
	if (a->lo != b->lo || a->hi != b->hi || a->wild != b->wild)
		return false;
	if (a->str == NULL || b->str == NULL)
		return a->str == b->str;
	return strcmp(a->str, b->str) == 0;
}

/* delete element: remove the members equal to e (linear: rare). */
static void
elem_remove(struct nset *s, const struct nelem *e)
{
	size_t i;
	unsigned k;

	if (s->model && s->model->mem.n > 0 && e->nk == 1 &&
	    (s->key[0].dt == DT_IPV4 || s->key[0].dt == DT_IPV6)) {
		/* the first equal member; the last one takes its place */
		i = set_find_member(s->model, e->k[0].lo, e->k[0].hi, false);
		if (i != SIZE_MAX) {
			set_remove_member(s->model, i, false);
			s->nmodel--;
		}
		return;
	}
	if (s->model) {
		for (i = 0; i < s->model->nelem; i++) {
			struct set_elem *m = &s->model->elem[i];
			bool same = true;
			unsigned naddr = 0;

			for (k = 0; k < e->nk && same; k++) {
				switch (s->key[k].dt) {
				case DT_IPV4:
				case DT_IPV6:
					same = naddr++ == 0
					           ? m->lo == e->k[k].lo && m->hi == e->k[k].hi
					           : m->lo2 == e->k[k].lo && m->hi2 == e->k[k].hi;
					break;
				case DT_INET_SERVICE:
					same = m->plo == e->k[k].lo && m->phi == e->k[k].hi;
					break;
				default:
					same = m->iface && e->k[k].str &&
					       strncmp(m->iface, e->k[k].str,
					               strlen(e->k[k].str)) == 0;
					break;
				}
			}
			if (same) {
				free(m->iface);
				free(m->member);
				s->model->elem[i] = s->model->elem[--s->model->nelem];
				s->nmodel--;
				return;
			}
		}
		return;
	}
	for (i = 0; i < s->ne; i++) {
		bool same = s->ev[i].nk == e->nk && s->ev[i].catchall == e->catchall;

		for (k = 0; k < e->nk && same; k++)
			same = nval_equal(&s->ev[i].k[k], &e->k[k]);
		if (same) {
			nelem_release(&s->ev[i]);
			s->ev[i] = s->ev[--s->ne];
			return;
		}
	}
}

static bool
sink_add(struct P *p, struct esink *sk, struct nelem *e, const struct tok *at)
{
	if (sk->del) {
		if (sk->set)
			elem_remove(sk->set, e);
		nelem_release(e);
		return true;
	}
	if (sk->set) {
		if (sk->set->ne + sk->set->nmodel >= CAP_SET_ELEMS) {
			nelem_release(e);
			p->stop = true;
			return perr(p, at, "more than %u elements in set %s", CAP_SET_ELEMS,
			            sk->set->name);
		}
		if (sk->set->model) {
			model_elem_add(sk->set, e);
			nelem_release(e);
			return true;
		}
		VEC_PUSH(sk->set->ev, sk->set->ne, sk->set->ecap, *e);
		return true;
	}
	if (sk->ne >= CAP_SET_ELEMS) {
		nelem_release(e);
		return perr(p, at, "more than %u elements in a set", CAP_SET_ELEMS);
	}
	VEC_PUSH(sk->ev, sk->ne, sk->cap, *e);
	return true;
}

static bool
skip_nl(struct P *p)
{
	while (accept_tok(p, T_NL))
		;
	return true;
}

/* An element of a model set: its components on the stack, straight into
 * the model (a 1,000,000-element set allocates nothing per element here). */
static bool
model_elem_fast(struct P *p, struct esink *sk, const struct ntype *key, unsigned nkey,
                bool interval, struct nelem *e)
{
	struct nval k[NFT_MAX_CONCAT];
	struct tok at0 = *peek(p, 0);
	unsigned i;
	bool ok = true;

	memset(k, 0, sizeof(k));
	e->k = k;
	for (i = 0; i < nkey && ok; i++) {
		struct tok ct;
		bool ranged;

		if (i > 0 && !accept_tok(p, T_DOT)) {
			if (atk(p, T_COMMA) || atk(p, T_RBRACE) || atk(p, T_COLON))
				ok = perr(p, &at0, "the element has %u component%s, the key has %u",
				          i, i == 1 ? "" : "s", nkey);
			else
				ok = unexpected(p, "'.'");
			break;
		}
		ct = *peek(p, 0);
		e->nk = i + 1;
		if (!parse_component(p, key[i], &k[i], &ranged)) {
			ok = false;
			break;
		}
		if (ranged && !interval)
			ok = perr(p, &ct,
			          "You must add 'flags interval' to your set declaration if "
			          "you want to add range elements");
	}
	if (ok && atk(p, T_DOT))
		ok = perr(p, peek(p, 0), "the element has more components than the key (%u)", nkey);
	/* element options and stateful statements */
	while (ok) {
		enum stateful st;
		uint64_t ms_;

		if (accept_word(p, "timeout") || accept_word(p, "expires")) {
			ok = parse_time(p, &ms_);
		} else if (at_word(p, "comment")) {
			ok = comment_spec(p);
		} else if ((st = stateful_at(p)) != ST_NONE) {
			bool is_rate;
			struct rate r;

			ok = parse_stateful(p, st, &is_rate, &r);
		} else {
			break;
		}
	}
	if (ok && atk(p, T_COLON))
		ok = perr(p, &at0, "a set element cannot map to a value: this is not a map");
	if (ok) {
		model_elem_add(sk->set, e);
	}
	for (i = 0; i < e->nk; i++)
		free(k[i].str);
	e->k = NULL;
	return ok;
}

static bool parse_elem_list(struct P *p, const struct ntype *key, unsigned nkey,
                            const struct mapspec *ms, bool interval, struct esink *sk,
                            unsigned depth);

/* One element: [* | key] [options/stateful] [: data [options]]. A '{' is a
 * nested set (a variable holding one), flattened. */
static bool
parse_elem(struct P *p, const struct ntype *key, unsigned nkey, const struct mapspec *ms,
           bool interval, struct esink *sk, unsigned depth)
{
	struct nelem e;
	struct tok at0 = *peek(p, 0);
	unsigned i;

	if (atk(p, T_LBRACE)) {
		if (depth >= NFT_BLOCK_DEPTH)
			return perr(p, &at0, "sets nest too deep");
		next(p);
		if (!parse_elem_list(p, key, nkey, ms, interval, sk, depth + 1))
			return false;
		return true;
	}
	memset(&e, 0, sizeof(e));
	e.line = at0.line;
	if (atk(p, T_STAR)) {
		next(p);
		e.catchall = true;
	} else if (sk->set && sk->set->model && !sk->del && ms == NULL &&
	           sk->set->ne + sk->set->nmodel < CAP_SET_ELEMS) {
		return model_elem_fast(p, sk, key, nkey, interval, &e);
	} else {
		e.k = xcalloc(nkey, sizeof(*e.k));
		for (i = 0; i < nkey; i++) {
			struct tok ct = *peek(p, 0);
			bool ranged;

			if (i > 0 && !accept_tok(p, T_DOT)) {
				nelem_release(&e);
				if (atk(p, T_COMMA) || atk(p, T_RBRACE) || atk(p, T_COLON))
					return perr(p, &at0,
					            "the element has %u component%s, the key "
					            "has %u",
					            i, i == 1 ? "" : "s", nkey);
				return unexpected(p, "'.'");
			}
			ct = *peek(p, 0);
			e.nk = i + 1;
			if (!parse_component(p, key[i], &e.k[i], &ranged)) {
				nelem_release(&e);
				return false;
			}
			if (ranged && !interval) {
				nelem_release(&e);
				return perr(p, &ct,
				            "You must add 'flags interval' to your set "
				            "declaration if you want to add range elements");
			}
		}
		if (atk(p, T_DOT)) {
			nelem_release(&e);
			return perr(p, peek(p, 0),
			            "the element has more components than the "
			            "key (%u)",
			            nkey);
		}
	}
	/* element options and stateful statements */
	for (;;) {
		enum stateful st;
		uint64_t ms_;

		if (accept_word(p, "timeout") || accept_word(p, "expires")) {
			if (!parse_time(p, &ms_)) {
				nelem_release(&e);
				return false;
			}
		} else if (at_word(p, "comment")) {
			if (!comment_spec(p)) {
				nelem_release(&e);
				return false;
			}
		} else if ((st = stateful_at(p)) != ST_NONE) {
			bool is_rate;
			struct rate r;

			if (!parse_stateful(p, st, &is_rate, &r)) {
				nelem_release(&e);
				return false;
			}
			if (is_rate) {
				e.rate = true;
				e.r = r;
			}
		} else {
			break;
		}
	}
	if (accept_tok(p, T_COLON)) {
		if (ms == NULL) {
			nelem_release(&e);
			return perr(p, &at0,
			            "a set element cannot map to a value: this is not a map");
		}
		e.d = xcalloc(1, sizeof(*e.d));
		if (!parse_elem_data(p, ms, e.d)) {
			nelem_release(&e);
			return false;
		}
		while (accept_word(p, "timeout") || accept_word(p, "expires")) {
			uint64_t ms_;

			if (!parse_time(p, &ms_)) {
				nelem_release(&e);
				return false;
			}
		}
	} else if (ms && !sk->del) {
		nelem_release(&e);
		return perr(p, &at0, "this map element has no value (key : value)");
	}
	return sink_add(p, sk, &e, &at0);
}

/* After '{': elements separated by ',' (newlines allowed), up to '}'. */
static bool
parse_elem_list(struct P *p, const struct ntype *key, unsigned nkey, const struct mapspec *ms,
                bool interval, struct esink *sk, unsigned depth)
{
	skip_nl(p);
	if (accept_tok(p, T_RBRACE))
		return true;
	for (;;) {
		skip_nl(p);
		if (!parse_elem(p, key, nkey, ms, interval, sk, depth))
			return false;
		skip_nl(p);
		if (accept_tok(p, T_COMMA)) {
			skip_nl(p);
			if (accept_tok(p, T_RBRACE))
				return true;
			continue;
		}
		if (accept_tok(p, T_RBRACE))
			return true;
		return unexpected(p, "comma or '}'");
	}
}

/* verdict: accept | drop | continue | return | jump NAME | goto NAME | queue */
static bool
parse_verdict_data(struct P *p, struct ndata *d)
{
	const struct tok *t = peek(p, 0);

	d->verdict = true;
	if (tok_is(t, "accept"))
		d->vk = A_ACCEPT;
	else if (tok_is(t, "drop"))
		d->vk = A_DROP;
	else if (tok_is(t, "continue"))
		d->vk = A_CONTINUE;
	else if (tok_is(t, "return"))
		d->vk = A_RETURN;
	else if (tok_is(t, "queue"))
		d->vk = A_QUEUE;
	else if (tok_is(t, "jump") || tok_is(t, "goto")) {
		struct tok kw = next(p);

		d->vk = tok_is(&kw, "jump") ? A_JUMP : A_GOTO;
		return take_name(p, "chain", &d->chain);
	} else
		return unexpected(p, "verdict");
	next(p);
	return true;
}

/* ---- set and map declarations ---- */

/* type T [. T]... */
static bool
parse_type_list(struct P *p, struct ntype *out, unsigned *n)
{
	*n = 0;
	for (;;) {
		const struct tok *t = peek(p, 0);
		char name[64];
		enum dtype dt;

		if (t->t != T_WORD || !tok_cstr(t, name, sizeof(name)))
			return unexpected(p, "data type");
		if (strcmp(name, "integer") == 0 || strcmp(name, "string") == 0)
			return perr(p, t,
			            "unqualified type %s specified in set definition. Try "
			            "\"typeof expression\" instead of \"type datatype\".",
			            name);
		dt = dtype_by_name(name);
		if (dt == DT_INVALID)
			return perr(p, t, "unknown datatype %s", name);
		if (dt == DT_VERDICT)
			return perr(p, t, "verdict is only valid as the data of a map");
		if (*n >= NFT_MAX_CONCAT)
			return perr(p, t, "too many components in a concatenation");
		out[(*n)++] = ntype_of(dt);
		next(p);
		if (!accept_tok(p, T_DOT))
			return true;
	}
}

static bool parse_sel_concat(struct P *p, struct nsel *sels, unsigned *n, bool typeof_ctx);

static void
sels_free(struct nsel *s, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		free(s[i].text);
}

/* typeof EXPR [. EXPR]: the types of the expressions. */
static bool
parse_typeof(struct P *p, struct ntype *out, unsigned *n)
{
	struct nsel sel[NFT_MAX_CONCAT];
	unsigned i;

	if (!parse_sel_concat(p, sel, n, true))
		return false;
	for (i = 0; i < *n; i++)
		out[i] = sel[i].type;
	sels_free(sel, *n);
	return true;
}

static bool
key_equal(const struct ntype *a, unsigned na, const struct ntype *b, unsigned nb)
{
	unsigned i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].dt != b[i].dt || a[i].bits != b[i].bits)
			return false;
	return true;
}

/* The key of a map: "type K : [interval] V", "type K : OBJTYPE",
 * "typeof E : E | OBJTYPE". */
static bool
map_type(struct P *p, struct nset *s, bool typeof_, struct ntype *key, unsigned *nkey,
         struct ntype *data, unsigned *ndata, bool *verdict, bool *interval, enum objkind *obj)
{
	size_t n;

	*verdict = false;
	*interval = false;
	*obj = OBJ_NONE;
	*ndata = 0;
	if (typeof_ ? !parse_typeof(p, key, nkey) : !parse_type_list(p, key, nkey))
		return false;
	if (!s->is_map)
		return true;
	if (!expect(p, T_COLON))
		return false;
	if (accept_word(p, "interval"))
		*interval = true;
	if (at_word(p, "verdict")) {
		next(p);
		*verdict = true;
		return true;
	}
	if (at_word(p, "queue")) {
		next(p);
		data[0] = ntype_of(DT_INTEGER);
		data[0].bits = 16;
		*ndata = 1;
		return true;
	}
	*obj = objkind_at(p, &n);
	if (*obj != OBJ_NONE && (*obj != OBJ_CT_HELPER || !typeof_ || n == 2)) {
		/* "typeof ... : ct helper" names the helper object type too */
		while (n-- > 0)
			next(p);
		return true;
	}
	*obj = OBJ_NONE;
	if (typeof_ ? !parse_typeof(p, data, ndata) : !parse_type_list(p, data, ndata))
		return false;
	return true;
}

static const char *
set_kind(const struct nset *s)
{
	return s->is_map ? "map" : "set";
}

/* The model set for keys the evaluator can look up: addresses (one family,
 * at most two), ports, interfaces. */
static void
set_make_model(struct P *p, struct nset *s)
{
	struct ipset *m;
	unsigned i;
	unsigned naddr = 0;
	int fam = -1;

	if (s->is_map || s->nkey > 3)
		return;
	for (i = 0; i < s->nkey; i++) {
		switch (s->key[i].dt) {
		case DT_IPV4:
		case DT_IPV6: {
			int f = s->key[i].dt == DT_IPV4 ? FAM_V4 : FAM_V6;

			if (fam >= 0 && fam != f)
				return;
			fam = f;
			if (++naddr > 2)
				return;
			break;
		}
		case DT_INET_SERVICE:
		case DT_IFNAME:
			break;
		default:
			return;
		}
	}
	m = origin_add_set(p->o, "", s->loc);
	free(m->name);
	m->name = xasprintf("%s %s @%s", nfam_name(s->t->fam), s->t->name, s->name);
	free(m->type);
	m->type = xstrdup("nft set");
	m->fam = fam < 0 ? FAM_V4 : (enum family)fam;
	m->ndim = s->nkey;
	for (i = 0; i < s->nkey; i++)
		m->dim[i] = s->key[i].dt == DT_IPV4 || s->key[i].dt == DT_IPV6 ? DIM_ADDR
		            : s->key[i].dt == DT_INET_SERVICE                  ? DIM_PORT
		                                                               : DIM_IFACE;
	s->model = m;
}

static bool
set_flags(struct P *p, unsigned *flags)
{
	*flags = 0;
	for (;;) {
		const struct tok *t = peek(p, 0);

		if (tok_is(t, "constant"))
			*flags |= SF_CONSTANT;
		else if (tok_is(t, "interval"))
			*flags |= SF_INTERVAL;
		else if (tok_is(t, "timeout"))
			*flags |= SF_TIMEOUT;
		else if (tok_is(t, "dynamic"))
			*flags |= SF_DYNAMIC;
		else if (tok_is(t, "eval"))
			*flags |= SF_EVAL;
		else
			return unexpected(p, "set flag");
		next(p);
		if (!accept_tok(p, T_COMMA))
			return true;
	}
}

/* The elements of a one-address-key model set read straight from the text
 * (a million-element blocklist is mostly "a.b.c.d/len, "): the same values
 * and lines the token path gives. Anything else (a comment, a variable, an
 * element option, a value the token path would refuse) stops it where that
 * element starts, and the token path reads on from there. */
static void
fast_addr_elems(struct P *p, struct nset *s)
{
	struct frame *f;
	struct lexer *lx;
	const char *d;
	size_t n;
	int af = s->key[0].dt == DT_IPV4 ? AF_INET : AF_INET6;
	unsigned bits = af == AF_INET ? 32 : 128;

	if (p->nla != 0 || p->nfr == 0 || !p->fr[p->nfr - 1].is_file || p->logging)
		return;
	f = &p->fr[p->nfr - 1];
	lx = &f->lx;
	d = lx->src->data;
	n = lx->src->len;
	for (;;) {
		size_t pos = lx->pos;
		unsigned line = lx->line;
		u128 lo = 0;
		u128 hi = 0;
		bool ranged = false;
		int part;
		size_t ls = lx->line_start;

		/* blanks and newlines before the element */
		while (pos < n &&
		       (d[pos] == ' ' || d[pos] == '\t' || d[pos] == '\r' || d[pos] == '\n')) {
			if (d[pos] == '\n') {
				line++;
				ls = pos + 1;
			}
			pos++;
		}
		lx->pos = pos;
		lx->line = line;
		lx->line_start = ls;
		for (part = 0; part < 2; part++) {
			char buf[64];
			unsigned char a[16];
			size_t k = 0;
			u128 v = 0;
			size_t i;

			while (pos + k < n && k < sizeof(buf) - 1 &&
			       (is_hex(d[pos + k]) || d[pos + k] == ':' || d[pos + k] == '.'))
				k++;
			if (k == 0 || k >= sizeof(buf) - 1)
				return;
			if (af == AF_INET) {
				uint32_t v4;

				if (!ip4_parse(d + pos, k, &v4))
					return;
				v = v4;
			} else {
				memcpy(buf, d + pos, k);
				buf[k] = '\0';
				if (inet_pton(af, buf, a) != 1)
					return;
				for (i = 0; i < bits / 8; i++)
					v = (v << 8) | a[i];
			}
			pos += k;
			if (part == 0) {
				lo = hi = v;
			} else {
				if (v < lo)
					return;
				hi = v;
				ranged = true;
				break;
			}
			if (pos < n && d[pos] == '/') {
				unsigned len = 0;
				size_t j = pos + 1;

				while (j < n && is_digit(d[j]) && len <= bits)
					len = len * 10 + (unsigned)(d[j++] - '0');
				if (j == pos + 1 || len > bits ||
				    (j < n && (is_letter(d[j]) || d[j] == '_')))
					return;
				if (len < bits) {
					u128 host = bits_max(bits - len);

					lo &= ~host;
					hi = lo | host;
					ranged = true;
				}
				pos = j;
				break;
			}
			if (pos < n && d[pos] == '-')
				pos++;
			else
				break;
		}
		if (ranged && !(s->flags & SF_INTERVAL))
			return;
		/* after the element: blanks, then ',' or the closing '}' */
		while (pos < n &&
		       (d[pos] == ' ' || d[pos] == '\t' || d[pos] == '\r' || d[pos] == '\n')) {
			if (d[pos] == '\n') {
				line++;
				ls = pos + 1;
			}
			pos++;
		}
		if (pos >= n || (d[pos] != ',' && d[pos] != '}') || pos - ls > CAP_LINE_LEN)
			return;
		if (s->ne + s->nmodel >= CAP_SET_ELEMS)
			return; /* the token path reports the cap */
		set_add_addr(s->model, lo, hi, lx->line);
		s->nmodel++;
		if (d[pos] == ',')
			pos++;
		lx->pos = pos;
		lx->line = line;
		lx->line_start = ls;
		if (d[pos - 1] != ',')
			return; /* at '}' */
	}
}

static bool
elements_into(struct P *p, struct nset *s, bool del)
{
	struct esink sk;
	struct mapspec ms;
	bool ok;

	memset(&sk, 0, sizeof(sk));
	sk.set = s;
	sk.del = del;
	memset(&ms, 0, sizeof(ms));
	ms.verdict = s->data_verdict;
	ms.obj = s->objtype;
	ms.ndata = s->ndata;
	ms.data = s->data;
	ms.data_interval = s->data_interval;
	if (!expect(p, T_LBRACE))
		return false;
	if (s->model && s->nkey == 1 && !del && !s->is_map &&
	    (s->key[0].dt == DT_IPV4 || s->key[0].dt == DT_IPV6))
		fast_addr_elems(p, s);
	ok = parse_elem_list(p, s->key, s->nkey, s->is_map ? &ms : NULL,
	                     (s->flags & SF_INTERVAL) != 0, &sk, 0);
	return ok;
}

static bool
elements_block(struct P *p, struct nset *s, bool del)
{
	return elements_into(p, s, del);
}

/* The items of a set or map block. fresh: the set is new (its type may be
 * set); otherwise a repeated type must be the same. */
static bool
set_block(struct P *p, struct nset *s, bool fresh)
{
	bool typed = s->has_key;
	struct tok at0 = *peek(p, 0);
	unsigned saved = p->blockd;

	p->blockd = p->depth;
	scope_push(p);
	for (;;) {
		bool ok = true;
		struct tok kw;

		if (p->stop)
			break;
		while (accept_tok(p, T_NL) || accept_tok(p, T_SEMI))
			;
		if (atk(p, T_RBRACE) || atk(p, T_EOF))
			break;
		if (common_block(p))
			continue;
		kw = *peek(p, 0);
		if (tok_is(&kw, "type") || tok_is(&kw, "typeof")) {
			struct ntype key[NFT_MAX_CONCAT];
			struct ntype data[NFT_MAX_CONCAT];
			unsigned nkey = 0;
			unsigned ndata = 0;
			bool verdict;
			bool interval;
			enum objkind obj;

			next(p);
			ok = map_type(p, s, tok_is(&kw, "typeof"), key, &nkey, data, &ndata,
			              &verdict, &interval, &obj);
			if (ok && typed) {
				if (!key_equal(key, nkey, s->key, s->nkey) ||
				    !key_equal(data, ndata, s->data, s->ndata) ||
				    verdict != s->data_verdict || obj != s->objtype)
					ok = perr(p, &kw, "%s %s already exists with another type",
					          set_kind(s), s->name);
			} else if (ok) {
				unsigned i;

				for (i = 0; i < nkey && ok; i++)
					if (key[i].dt == DT_VERDICT || key[i].dt == DT_INVALID)
						ok = perr(p, &kw, "%s cannot be part of a set key",
						          dtype_name(key[i].dt));
				for (i = 0; i < ndata && ok; i++)
					if ((ndata > 1 && data[i].dt == DT_VERDICT) ||
					    data[i].dt == DT_INVALID)
						ok = perr(p, &kw, "%s cannot be map data",
						          dtype_name(data[i].dt));
				if (ok) {
					memcpy(s->key, key, sizeof(key));
					s->nkey = nkey;
					memcpy(s->data, data, sizeof(data));
					s->ndata = ndata;
					s->data_verdict = verdict;
					s->data_interval = interval;
					s->objtype = obj;
					s->has_key = typed = true;
					set_make_model(p, s);
				}
			}
		} else if (tok_is(&kw, "flags")) {
			unsigned f;

			next(p);
			ok = set_flags(p, &f);
			if (ok && !fresh && s->flags != f && (s->ne + s->nmodel) > 0 &&
			    ((s->flags ^ f) & SF_INTERVAL))
				ok = perr(p, &kw, "%s %s already exists with other flags",
				          set_kind(s), s->name);
			if (ok)
				s->flags |= f;
		} else if (tok_is(&kw, "timeout") || tok_is(&kw, "gc-interval")) {
			uint64_t ms;

			next(p);
			ok = parse_time(p, &ms);
		} else if (tok_is(&kw, "size")) {
			long long v;

			next(p);
			ok = parse_int(p, 0, 0xffffffffll, &v, "size");
		} else if (tok_is(&kw, "policy")) {
			next(p);
			if (!accept_word(p, "performance") && !accept_word(p, "memory"))
				ok = unexpected(p, "performance or memory");
		} else if (tok_is(&kw, "auto-merge")) {
			next(p);
		} else if (tok_is(&kw, "comment")) {
			ok = comment_spec(p);
		} else if (tok_is(&kw, "elements")) {
			next(p);
			if (!typed)
				ok = perr(p, &kw, "set definition does not specify key");
			else
				ok = expect(p, T_ASSIGN) && elements_into(p, s, false);
		} else if (stateful_at(p) != ST_NONE) {
			bool is_rate;
			struct rate r;

			do {
				ok = parse_stateful(p, stateful_at(p), &is_rate, &r);
			} while (ok && stateful_at(p) != ST_NONE);
		} else {
			ok = unexpected(p, NULL);
		}
		if (ok)
			ok = end_stmt(p);
		if (!ok)
			resync(p);
	}
	scope_pop(p);
	p->blockd = saved;
	if (!typed) {
		perr(p, &at0, "set definition does not specify key");
		return false;
	}
	return true;
}

static void
set_decl(struct P *p, struct ntable *t, const char *name, const struct tok *at, bool map,
         bool create)
{
	struct nset *s = set_find(t, name);
	bool fresh = s == NULL;

	if (s && create) {
		perr(p, at, "%s %s already exists", map ? "map" : "set", name);
		resync(p);
		return;
	}
	if (s && s->is_map != map) {
		perr(p, at, "%s is a %s, not a %s", name, set_kind(s), map ? "map" : "set");
		resync(p);
		return;
	}
	if (s == NULL) {
		if (!valid_name_len(p, at, map ? "map" : "set", name))
			return;
		s = set_add(t, name, tok_loc(at));
		s->is_map = map;
	}
	if (!expect(p, T_LBRACE)) {
		resync(p);
		return;
	}
	if (!set_block(p, s, fresh) && fresh && !s->has_key) {
		/* a set without a key is not created */
		expect(p, T_RBRACE);
		set_delete(s);
		return;
	}
	expect(p, T_RBRACE);
}

/* ---- flowtables ---- */

static void
flowtable_decl(struct P *p, struct ntable *t, const char *name, const struct tok *at, bool create)
{
	bool has_hook = false;
	unsigned saved = p->blockd;

	if (flowtable_exists(t, name) && create) {
		perr(p, at, "flowtable %s already exists", name);
		resync(p);
		return;
	}
	if (!expect(p, T_LBRACE)) {
		resync(p);
		return;
	}
	p->blockd = p->depth;
	for (;;) {
		bool ok = true;
		struct tok kw;

		if (p->stop)
			break;
		while (accept_tok(p, T_NL) || accept_tok(p, T_SEMI))
			;
		if (atk(p, T_RBRACE) || atk(p, T_EOF))
			break;
		if (common_block(p))
			continue;
		kw = *peek(p, 0);
		if (tok_is(&kw, "hook")) {
			struct tok h;
			int prio;

			next(p);
			h = *peek(p, 0);
			if (!tok_is(&h, "ingress"))
				ok = h.t == T_WORD ? perr(p, &h, "unknown chain hook")
				                   : unexpected(p, "ingress");
			else {
				next(p);
				ok = accept_word(p, "priority")
				         ? parse_prio(p, NF_NETDEV, NH_INGRESS, &prio)
				         : unexpected(p, "priority");
				has_hook = ok;
			}
		} else if (tok_is(&kw, "devices")) {
			next(p);
			ok = parse_devices(p, true, NULL);
		} else if (tok_is(&kw, "flags")) {
			next(p);
			if (!accept_word(p, "offload"))
				ok = unexpected(p, "offload");
		} else if (tok_is(&kw, "counter")) {
			next(p);
		} else {
			ok = unexpected(p, NULL);
		}
		if (ok)
			ok = end_stmt(p);
		if (!ok)
			resync(p);
	}
	p->blockd = saved;
	if (!expect(p, T_RBRACE))
		return;
	if (!flowtable_exists(t, name)) {
		if (!has_hook)
			perr(p, at,
			     "flowtable %s has no hook: \"hook ingress priority N\" is needed",
			     name);
		else
			flowtable_add(t, name);
	}
}

/* ---- stateful and other objects ---- */

static bool
obj_proto(struct P *p)
{
	const struct tok *t = peek(p, 0);
	struct nval v;

	if (!value_from_tok(p, t, ntype_of(DT_INET_PROTO), &v))
		return false;
	next(p);
	return true;
}

static bool
obj_l3proto(struct P *p)
{
	const struct tok *t = peek(p, 0);
	char w[16];

	if (!tok_cstr(t, w, sizeof(w)) || sym_find(TAB(ct_l3protos), w) == NULL)
		return perr(p, t, "unknown l3proto \"%.*s\"", (int)t->len, t->s);
	next(p);
	return true;
}

/* ct timeout policy = { state : time, ... } */
static bool
ct_timeout_policy(struct P *p)
{
	static const char *const states[] = {
	    "close",     "close_wait",     "established", "fin_wait", "last_ack",
	    "replied",   "retrans",        "syn_recv",    "syn_sent", "syn_sent2",
	    "time_wait", "unacknowledged", "unreplied",
	};

	if (!expect(p, T_ASSIGN) || !expect(p, T_LBRACE))
		return false;
	for (;;) {
		const struct tok *t;
		char w[32];
		uint64_t ms;
		bool known = false;
		size_t i;

		skip_nl(p);
		if (accept_tok(p, T_RBRACE))
			return true;
		t = peek(p, 0);
		if (t->t != T_WORD && t->t != T_QUOTED)
			return unexpected(p, "state");
		for (i = 0; tok_cstr(t, w, sizeof(w)) && i < ARRAY_LEN(states); i++)
			known |= strcmp(states[i], w) == 0;
		if (!known)
			return perr(p, t, "invalid state \"%.*s\" for a ct timeout policy",
			            (int)t->len, t->s);
		next(p);
		if (!expect(p, T_COLON))
			return false;
		if (!atk(p, T_NUM) && !atk(p, T_WORD))
			return unexpected(p, "number");
		if (!parse_time(p, &ms))
			return false;
		skip_nl(p);
		if (accept_tok(p, T_COMMA))
			continue;
		skip_nl(p);
		return expect(p, T_RBRACE);
	}
}

/* tunnel options: vxlan { gbp N }, geneve { class X opt-type X data "..." ...},
 * erspan { version N; index N | direction D; id N } */
static bool
tunnel_opts(struct P *p, const struct tok *kw)
{
	bool geneve = tok_is(kw, "geneve");
	bool erspan = tok_is(kw, "erspan");
	unsigned n = 0;

	if (!expect(p, T_LBRACE))
		return false;
	for (;;) {
		long long v;
		const struct tok *t;
		bool ok = true;

		while (accept_tok(p, T_NL) || accept_tok(p, T_SEMI))
			;
		if (accept_tok(p, T_RBRACE))
			break;
		t = peek(p, 0);
		if (!geneve && !erspan && tok_is(t, "gbp")) {
			next(p);
			ok = parse_int(p, 0, 0xffffffffll, &v, "gbp");
		} else if (geneve && tok_is(t, "class")) {
			next(p);
			ok = parse_int(p, 0, 0xffff, &v, "class") && accept_word(p, "opt-type") &&
			     parse_int(p, 0, 0xff, &v, "opt-type") && accept_word(p, "data");
			if (ok && !atk(p, T_QUOTED))
				ok = unexpected(p, "quoted string");
			else if (ok)
				next(p);
		} else if (erspan && tok_is(t, "version")) {
			next(p);
			ok = parse_int(p, 1, 2, &v, "version");
		} else if (erspan && tok_is(t, "index")) {
			next(p);
			ok = parse_int(p, 0, 0xffffffffll, &v, "index");
		} else if (erspan && tok_is(t, "direction")) {
			next(p);
			if (!accept_word(p, "ingress") && !accept_word(p, "egress"))
				ok = unexpected(p, "ingress or egress");
		} else if (erspan && tok_is(t, "id")) {
			next(p);
			ok = parse_int(p, 0, 0x3f, &v, "id");
		} else {
			ok = unexpected(p, NULL);
		}
		if (!ok)
			return false;
		n++;
	}
	if (n == 0)
		return perr(p, kw, "empty %.*s tunnel options", (int)kw->len, kw->s);
	return true;
}

/* The body of an object ({ ... }) or the inline form of the add command. */
static bool
object_body(struct P *p, enum objkind k, struct nobj *o, const struct tok *at0)
{
	bool block = accept_tok(p, T_LBRACE);
	unsigned saved = p->blockd;
	bool seen_type = false;
	bool tunnel_type = false;
	bool has_id = false;
	unsigned nitem = 0;

	for (;;) {
		struct tok kw;
		bool ok = true;
		long long v;
		uint64_t ms;

		if (block) {
			while (accept_tok(p, T_NL) || accept_tok(p, T_SEMI))
				;
			if (accept_tok(p, T_RBRACE))
				break;
			if (atk(p, T_EOF))
				return unexpected(p, "'}'");
		} else if (at_end(p)) {
			break;
		}
		kw = *peek(p, 0);
		nitem++;
		switch (k) {
		case OBJ_COUNTER:
			if (tok_is(&kw, "packets")) {
				next(p);
				ok = parse_int(p, 0, LLONG_MAX, &v, "packets") &&
				     (accept_word(p, "bytes") || unexpected(p, "bytes")) &&
				     parse_int(p, 0, LLONG_MAX, &v, "bytes");
			} else if (tok_is(&kw, "comment")) {
				ok = comment_spec(p);
			} else {
				ok = unexpected(p, "packets");
			}
			break;
		case OBJ_QUOTA:
			if (tok_is(&kw, "comment"))
				ok = comment_spec(p);
			else
				ok = quota_body(p, &o->over);
			break;
		case OBJ_LIMIT:
			if (tok_is(&kw, "comment"))
				ok = comment_spec(p);
			else if (accept_word(p, "rate"))
				ok = limit_rate_body(p, &o->over);
			else
				ok = unexpected(p, "rate");
			break;
		case OBJ_CT_HELPER:
			if (tok_is(&kw, "type")) {
				next(p);
				if (!atk(p, T_QUOTED))
					ok = unexpected(p, "quoted string");
				else {
					next(p);
					ok = accept_word(p, "protocol") ? obj_proto(p)
					                                : unexpected(p, "protocol");
				}
				seen_type = ok;
			} else if (tok_is(&kw, "l3proto")) {
				next(p);
				ok = obj_l3proto(p);
			} else if (tok_is(&kw, "comment")) {
				ok = comment_spec(p);
			} else {
				ok = unexpected(p, "type or l3proto");
			}
			break;
		case OBJ_CT_TIMEOUT:
			if (tok_is(&kw, "protocol")) {
				next(p);
				ok = obj_proto(p);
			} else if (tok_is(&kw, "l3proto")) {
				next(p);
				ok = obj_l3proto(p);
			} else if (tok_is(&kw, "policy")) {
				next(p);
				ok = ct_timeout_policy(p);
			} else if (tok_is(&kw, "comment")) {
				ok = comment_spec(p);
			} else {
				ok = unexpected(p, "protocol or l3proto or policy");
			}
			break;
		case OBJ_CT_EXPECT:
			if (tok_is(&kw, "protocol")) {
				next(p);
				ok = obj_proto(p);
			} else if (tok_is(&kw, "l3proto")) {
				next(p);
				ok = obj_l3proto(p);
			} else if (tok_is(&kw, "dport")) {
				next(p);
				ok = parse_int(p, 0, 65535, &v, "dport");
			} else if (tok_is(&kw, "timeout")) {
				next(p);
				ok = parse_time(p, &ms);
			} else if (tok_is(&kw, "size")) {
				next(p);
				ok = parse_int(p, 0, 255, &v, "size");
			} else if (tok_is(&kw, "comment")) {
				ok = comment_spec(p);
			} else {
				ok = unexpected(p,
				                "protocol or dport or timeout or size or l3proto");
			}
			break;
		case OBJ_SECMARK:
			if (kw.t == T_QUOTED) {
				next(p);
			} else if (tok_is(&kw, "comment")) {
				ok = comment_spec(p);
			} else {
				ok = unexpected(p, "quoted string");
			}
			break;
		case OBJ_SYNPROXY:
			if (tok_is(&kw, "mss") || tok_is(&kw, "maxseg")) {
				next(p);
				ok = parse_int(p, 0, 65535, &v, "mss");
			} else if (tok_is(&kw, "wscale")) {
				next(p);
				ok = parse_int(p, 0, 14, &v, "wscale");
			} else if (tok_is(&kw, "timestamp") || tok_is(&kw, "sack-perm") ||
			           tok_is(&kw, "sack-permitted")) {
				next(p);
				while (accept_word(p, "timestamp") || accept_word(p, "sack-perm") ||
				       accept_word(p, "sack-permitted"))
					;
			} else if (tok_is(&kw, "comment")) {
				ok = comment_spec(p);
			} else {
				ok = unexpected(p, "mss or wscale or timestamp or sack-perm");
			}
			break;
		case OBJ_TUNNEL:
			if (tok_is(&kw, "id")) {
				next(p);
				ok = parse_int(p, 0, 0xffffffffll, &v, "id");
				has_id = ok;
			} else if (tok_is(&kw, "ip") || tok_is(&kw, "ip6")) {
				struct ntype ty = ntype_of(tok_is(&kw, "ip") ? DT_IPV4 : DT_IPV6);
				struct nval val;

				next(p);
				if (!accept_word(p, "saddr") && !accept_word(p, "daddr"))
					ok = unexpected(p, "saddr or daddr");
				else if ((ok = value_from_tok(p, peek(p, 0), ty, &val)))
					next(p);
			} else if (tok_is(&kw, "sport") || tok_is(&kw, "dport")) {
				next(p);
				ok = parse_int(p, 0, 65535, &v, "port");
			} else if (tok_is(&kw, "ttl") || tok_is(&kw, "tos")) {
				next(p);
				ok = parse_int(p, 0, 255, &v, "ttl");
			} else if (tok_is(&kw, "vxlan") || tok_is(&kw, "geneve") ||
			           tok_is(&kw, "erspan")) {
				next(p);
				if (tunnel_type)
					ok = perr(p, &kw,
					          "a tunnel has one type: %.*s after another",
					          (int)kw.len, kw.s);
				else
					ok = tunnel_opts(p, &kw);
				tunnel_type = true;
			} else if (tok_is(&kw, "comment")) {
				ok = comment_spec(p);
			} else {
				ok = unexpected(p, NULL);
			}
			break;
		default:
			abort();
		}
		if (ok && block && !atk(p, T_RBRACE))
			ok = end_stmt(p);
		if (!ok) {
			if (block) {
				p->blockd = p->depth;
				resync(p);
				p->blockd = saved;
				if (atk(p, T_RBRACE))
					next(p);
			}
			return false;
		}
	}
	if (k == OBJ_CT_HELPER && !seen_type)
		return perr(p, at0, "ct helper %s needs \"type NAME protocol PROTO\"", o->name);
	if (k == OBJ_TUNNEL && !has_id)
		return perr(p, at0, "tunnel %s needs an id", o->name);
	if ((k == OBJ_QUOTA || k == OBJ_LIMIT || k == OBJ_SECMARK) && nitem == 0)
		return perr(p, at0, "%s %s has no %s", objkind_names[k], o->name,
		            k == OBJ_QUOTA   ? "quota"
		            : k == OBJ_LIMIT ? "rate"
		                             : "context");
	return true;
}

static bool
object_block(struct P *p, struct ntable *t, enum objkind k, const char *name, const struct tok *at,
             bool create)
{
	struct nobj *o = obj_find(t, k, name);
	struct nobj tmp;
	bool ok;

	if (o && create)
		return perr(p, at, "%s %s already exists", objkind_names[k], name);
	if (!valid_name_len(p, at, objkind_names[k], name))
		return false;
	memset(&tmp, 0, sizeof(tmp));
	tmp.name = (char *)name;
	ok = object_body(p, k, &tmp, at);
	if (!ok)
		return false;
	if (o == NULL)
		o = obj_add(t, k, name, tok_loc(at));
	o->over = tmp.over;
	return atk(p, T_RBRACE) || end_stmt(p);
}

/* ---- selectors: the expressions a rule reads from the packet ---- */

struct field {
	const char *name;
	enum dtype dt;
	unsigned bits;
	enum smk mk;
};

/* Fields of the headers nft knows (proto.c, exthdr.c). */
static const struct field ip_fields[] = {
    {"checksum", DT_INTEGER, 16, SM_NONE},
    {"daddr", DT_IPV4, 32, SM_DADDR},
    {"dscp", DT_DSCP, 6, SM_NONE},
    {"ecn", DT_ECN, 2, SM_NONE},
    {"frag-off", DT_INTEGER, 16, SM_NONE},
    {"hdrlength", DT_INTEGER, 4, SM_NONE},
    {"id", DT_INTEGER, 16, SM_NONE},
    {"length", DT_INTEGER, 16, SM_NONE},
    {"protocol", DT_INET_PROTO, 8, SM_L4PROTO},
    {"saddr", DT_IPV4, 32, SM_SADDR},
    {"ttl", DT_INTEGER, 8, SM_TTL},
    {"version", DT_INTEGER, 4, SM_NONE},
};

static const struct field ip6_fields[] = {
    {"daddr", DT_IPV6, 128, SM_DADDR},
    {"dscp", DT_DSCP, 6, SM_NONE},
    {"ecn", DT_ECN, 2, SM_NONE},
    {"flowlabel", DT_INTEGER, 20, SM_NONE},
    {"hoplimit", DT_INTEGER, 8, SM_HOPLIMIT},
    {"length", DT_INTEGER, 16, SM_NONE},
    {"nexthdr", DT_INET_PROTO, 8, SM_L4PROTO},
    {"saddr", DT_IPV6, 128, SM_SADDR},
    {"version", DT_INTEGER, 4, SM_NONE},
};

static const struct field tcp_fields[] = {
    {"ackseq", DT_INTEGER, 32, SM_NONE},    {"checksum", DT_INTEGER, 16, SM_NONE},
    {"doff", DT_INTEGER, 4, SM_NONE},       {"dport", DT_INET_SERVICE, 16, SM_DPORT},
    {"flags", DT_TCP_FLAG, 8, SM_TCPFLAGS}, {"reserved", DT_INTEGER, 4, SM_NONE},
    {"sequence", DT_INTEGER, 32, SM_NONE},  {"sport", DT_INET_SERVICE, 16, SM_SPORT},
    {"urgptr", DT_INTEGER, 16, SM_NONE},    {"window", DT_INTEGER, 16, SM_NONE},
};

static const struct field udp_fields[] = {
    {"checksum", DT_INTEGER, 16, SM_NONE},
    {"dport", DT_INET_SERVICE, 16, SM_DPORT},
    {"length", DT_INTEGER, 16, SM_NONE},
    {"sport", DT_INET_SERVICE, 16, SM_SPORT},
};

static const struct field udplite_fields[] = {
    {"checksum", DT_INTEGER, 16, SM_NONE},
    {"csumcov", DT_INTEGER, 16, SM_NONE},
    {"dport", DT_INET_SERVICE, 16, SM_DPORT},
    {"sport", DT_INET_SERVICE, 16, SM_SPORT},
};

static const struct field th_fields[] = {
    {"dport", DT_INET_SERVICE, 16, SM_DPORT},
    {"sport", DT_INET_SERVICE, 16, SM_SPORT},
};

static const struct field icmp_fields[] = {
    {"checksum", DT_INTEGER, 16, SM_NONE},  {"code", DT_ICMP_CODE, 8, SM_NONE},
    {"gateway", DT_INTEGER, 32, SM_NONE},   {"id", DT_INTEGER, 16, SM_NONE},
    {"mtu", DT_INTEGER, 16, SM_NONE},       {"sequence", DT_INTEGER, 16, SM_NONE},
    {"type", DT_ICMP_TYPE, 8, SM_ICMPTYPE},
};

static const struct field icmp6_fields[] = {
    {"checksum", DT_INTEGER, 16, SM_NONE},
    {"code", DT_ICMP6_CODE, 8, SM_NONE},
    {"daddr", DT_IPV6, 128, SM_NONE},
    {"id", DT_INTEGER, 16, SM_NONE},
    {"max-delay", DT_INTEGER, 16, SM_NONE},
    {"mtu", DT_INTEGER, 32, SM_NONE},
    {"parameter-problem", DT_INTEGER, 32, SM_NONE},
    {"sequence", DT_INTEGER, 16, SM_NONE},
    {"taddr", DT_IPV6, 128, SM_NONE},
    {"type", DT_ICMP6_TYPE, 8, SM_ICMP6TYPE},
};

static const struct field igmp_fields[] = {
    {"checksum", DT_INTEGER, 16, SM_NONE},
    {"group", DT_INTEGER, 32, SM_NONE},
    {"mrt", DT_INTEGER, 8, SM_NONE},
    {"type", DT_IGMP_TYPE, 8, SM_NONE},
};

static const struct field ether_fields[] = {
    {"daddr", DT_ETHER, 48, SM_NONE},
    {"saddr", DT_ETHER, 48, SM_NONE},
    {"type", DT_ETHERTYPE, 16, SM_NONE},
};

static const struct field vlan_fields[] = {
    {"cfi", DT_INTEGER, 1, SM_NONE},     {"dei", DT_INTEGER, 1, SM_NONE},
    {"id", DT_INTEGER, 12, SM_NONE},     {"pcp", DT_INTEGER, 3, SM_NONE},
    {"type", DT_ETHERTYPE, 16, SM_NONE},
};

static const struct field arp_fields[] = {
    {"hlen", DT_INTEGER, 8, SM_NONE},     {"htype", DT_INTEGER, 16, SM_NONE},
    {"operation", DT_ARPOP, 16, SM_NONE}, {"plen", DT_INTEGER, 8, SM_NONE},
    {"ptype", DT_ETHERTYPE, 16, SM_NONE},
};

static const struct field sctp_fields[] = {
    {"checksum", DT_INTEGER, 32, SM_NONE},
    {"dport", DT_INET_SERVICE, 16, SM_DPORT},
    {"sport", DT_INET_SERVICE, 16, SM_SPORT},
    {"vtag", DT_INTEGER, 32, SM_NONE},
};

static const struct field dccp_fields[] = {
    {"dport", DT_INET_SERVICE, 16, SM_DPORT},
    {"sport", DT_INET_SERVICE, 16, SM_SPORT},
    {"type", DT_DCCP_TYPE, 4, SM_NONE},
};

static const struct field ah_fields[] = {
    {"hdrlength", DT_INTEGER, 8, SM_NONE}, {"nexthdr", DT_INET_PROTO, 8, SM_NONE},
    {"reserved", DT_INTEGER, 16, SM_NONE}, {"sequence", DT_INTEGER, 32, SM_NONE},
    {"spi", DT_INTEGER, 32, SM_NONE},
};

static const struct field esp_fields[] = {
    {"sequence", DT_INTEGER, 32, SM_NONE},
    {"spi", DT_INTEGER, 32, SM_NONE},
};

static const struct field comp_fields[] = {
    {"cpi", DT_INTEGER, 16, SM_NONE},
    {"flags", DT_BITMASK, 8, SM_NONE},
    {"nexthdr", DT_INET_PROTO, 8, SM_NONE},
};

static const struct field gre_fields[] = {
    {"flags", DT_INTEGER, 5, SM_NONE},
    {"protocol", DT_ETHERTYPE, 16, SM_NONE},
    {"version", DT_INTEGER, 3, SM_NONE},
};

static const struct field vxlan_fields[] = {
    {"flags", DT_BITMASK, 8, SM_NONE},
    {"vni", DT_INTEGER, 24, SM_NONE},
};

static const struct field geneve_fields[] = {
    {"type", DT_ETHERTYPE, 16, SM_NONE},
    {"vni", DT_INTEGER, 24, SM_NONE},
};

/* IPv6 extension headers */
static const struct field hbh_fields[] = {
    {"hdrlength", DT_INTEGER, 8, SM_NONE},
    {"nexthdr", DT_INET_PROTO, 8, SM_NONE},
};

static const struct field rt_fields[] = {
    {"hdrlength", DT_INTEGER, 8, SM_NONE},
    {"nexthdr", DT_INET_PROTO, 8, SM_NONE},
    {"seg-left", DT_INTEGER, 8, SM_NONE},
    {"type", DT_INTEGER, 8, SM_NONE},
};

static const struct field rt2_fields[] = {
    {"addr", DT_IPV6, 128, SM_NONE},
};

static const struct field srh_fields[] = {
    {"flags", DT_INTEGER, 8, SM_NONE},
    {"last-entry", DT_INTEGER, 8, SM_NONE},
    {"tag", DT_INTEGER, 16, SM_NONE},
};

static const struct field frag_fields[] = {
    {"frag-off", DT_INTEGER, 13, SM_NONE},      {"id", DT_INTEGER, 32, SM_NONE},
    {"more-fragments", DT_INTEGER, 1, SM_NONE}, {"nexthdr", DT_INET_PROTO, 8, SM_NONE},
    {"reserved", DT_INTEGER, 8, SM_NONE},       {"reserved2", DT_INTEGER, 2, SM_NONE},
};

static const struct field mh_fields[] = {
    {"checksum", DT_INTEGER, 16, SM_NONE},  {"hdrlength", DT_INTEGER, 8, SM_NONE},
    {"nexthdr", DT_INET_PROTO, 8, SM_NONE}, {"reserved", DT_INTEGER, 8, SM_NONE},
    {"type", DT_MH_TYPE, 8, SM_NONE},
};

#define FIELDS(f) (f), ARRAY_LEN(f)

enum hdrkind {
	HK_PAYLOAD, /* a protocol header */
	HK_EXTHDR,  /* an IPv6 extension header (fields, or "exists") */
	HK_TUNNEL   /* a header that may be followed by an inner header */
};

struct header {
	const char *name;
	const struct field *f;
	size_t nf;
	enum hdrkind kind;
	int l3;     /* -1, FAM_V4, FAM_V6 */
	uint8_t l4; /* transport protocol */
	bool l4any;
	bool l2;
};

static const struct header headers[] = {
    {"ah", FIELDS(ah_fields), HK_PAYLOAD, -1, 51, false, false},
    {"arp", FIELDS(arp_fields), HK_PAYLOAD, -1, 0, false, true},
    {"comp", FIELDS(comp_fields), HK_PAYLOAD, -1, 108, false, false},
    {"dccp", FIELDS(dccp_fields), HK_PAYLOAD, -1, 33, false, false},
    {"dst", FIELDS(hbh_fields), HK_EXTHDR, FAM_V6, 0, false, false},
    {"esp", FIELDS(esp_fields), HK_PAYLOAD, -1, 50, false, false},
    {"ether", FIELDS(ether_fields), HK_PAYLOAD, -1, 0, false, true},
    {"frag", FIELDS(frag_fields), HK_EXTHDR, FAM_V6, 0, false, false},
    {"geneve", FIELDS(geneve_fields), HK_TUNNEL, -1, PROTO_UDP, false, false},
    {"gre", FIELDS(gre_fields), HK_TUNNEL, -1, 47, false, false},
    {"gretap", FIELDS(gre_fields), HK_TUNNEL, -1, 47, false, false},
    {"hbh", FIELDS(hbh_fields), HK_EXTHDR, FAM_V6, 0, false, false},
    {"icmp", FIELDS(icmp_fields), HK_PAYLOAD, -1, PROTO_ICMP, false, false},
    {"icmpv6", FIELDS(icmp6_fields), HK_PAYLOAD, -1, PROTO_ICMPV6, false, false},
    {"igmp", FIELDS(igmp_fields), HK_PAYLOAD, -1, 2, false, false},
    {"ip", FIELDS(ip_fields), HK_PAYLOAD, FAM_V4, 0, false, false},
    {"ip6", FIELDS(ip6_fields), HK_PAYLOAD, FAM_V6, 0, false, false},
    {"mh", FIELDS(mh_fields), HK_EXTHDR, FAM_V6, 0, false, false},
    {"rt", FIELDS(rt_fields), HK_EXTHDR, FAM_V6, 0, false, false},
    {"rt0", FIELDS(rt_fields), HK_EXTHDR, FAM_V6, 0, false, false},
    {"rt2", FIELDS(rt2_fields), HK_EXTHDR, FAM_V6, 0, false, false},
    {"sctp", FIELDS(sctp_fields), HK_PAYLOAD, -1, 132, false, false},
    {"srh", FIELDS(srh_fields), HK_EXTHDR, FAM_V6, 0, false, false},
    {"tcp", FIELDS(tcp_fields), HK_PAYLOAD, -1, PROTO_TCP, false, false},
    {"th", FIELDS(th_fields), HK_PAYLOAD, -1, 0, true, false},
    {"udp", FIELDS(udp_fields), HK_PAYLOAD, -1, PROTO_UDP, false, false},
    {"udplite", FIELDS(udplite_fields), HK_PAYLOAD, -1, 136, false, false},
    {"vlan", FIELDS(vlan_fields), HK_PAYLOAD, -1, 0, false, true},
    {"vxlan", FIELDS(vxlan_fields), HK_TUNNEL, -1, PROTO_UDP, false, false},
};

struct metakey {
	const char *name;
	enum dtype dt;
	unsigned bits;
	enum smk mk;
	bool unqualified; /* may be written without "meta" */
};

static const struct metakey meta_keys[] = {
    {"broute", DT_INTEGER, 8, SM_NONE, false},
    {"cgroup", DT_INTEGER, 32, SM_NONE, true},
    {"cpu", DT_INTEGER, 32, SM_NONE, true},
    {"day", DT_DAY, 8, SM_NONE, true},
    {"hour", DT_HOUR, 32, SM_NONE, true},
    {"ibrhwaddr", DT_ETHER, 48, SM_NONE, false},
    {"ibriport", DT_IFNAME, 0, SM_NONE, true},
    {"ibrname", DT_IFNAME, 0, SM_NONE, true},
    {"ibrpvid", DT_INTEGER, 16, SM_NONE, false},
    {"ibrvproto", DT_ETHERTYPE, 16, SM_NONE, false},
    {"iif", DT_IFINDEX, 32, SM_IIF, true},
    {"iifgroup", DT_DEVGROUP, 32, SM_NONE, true},
    {"iifkind", DT_STRING, 0, SM_NONE, false},
    {"iifname", DT_IFNAME, 0, SM_IIFNAME, true},
    {"iiftype", DT_IFTYPE, 16, SM_NONE, true},
    {"ipsec", DT_BOOLEAN, 1, SM_SECPATH, false},
    {"l4proto", DT_INET_PROTO, 8, SM_L4PROTO, false},
    {"length", DT_INTEGER, 32, SM_NONE, false},
    {"mark", DT_MARK, 32, SM_MARK, true},
    {"nfproto", DT_NFPROTO, 8, SM_NFPROTO, false},
    {"nftrace", DT_INTEGER, 1, SM_NONE, true},
    {"obriport", DT_IFNAME, 0, SM_NONE, true},
    {"obrname", DT_IFNAME, 0, SM_NONE, true},
    {"oif", DT_IFINDEX, 32, SM_OIF, true},
    {"oifgroup", DT_DEVGROUP, 32, SM_NONE, true},
    {"oifkind", DT_STRING, 0, SM_NONE, false},
    {"oifname", DT_IFNAME, 0, SM_OIFNAME, true},
    {"oiftype", DT_IFTYPE, 16, SM_NONE, true},
    {"pkttype", DT_PKTTYPE, 8, SM_PKTTYPE, true},
    {"priority", DT_CLASSID, 32, SM_NONE, false},
    {"protocol", DT_ETHERTYPE, 16, SM_ETHERTYPE, false},
    {"random", DT_INTEGER, 32, SM_NONE, false},
    {"rtclassid", DT_REALM, 32, SM_NONE, true},
    {"sdif", DT_IFINDEX, 32, SM_NONE, false},
    {"sdifname", DT_IFNAME, 0, SM_NONE, false},
    {"secmark", DT_INTEGER, 32, SM_NONE, false},
    {"secpath", DT_BOOLEAN, 1, SM_SECPATH, false},
    {"skgid", DT_GID, 32, SM_NONE, true},
    {"skuid", DT_UID, 32, SM_NONE, true},
    {"time", DT_TIME, 64, SM_NONE, true},
};

struct ctkey {
	const char *name;
	enum dtype dt;
	unsigned bits;
	enum smk mk;
	bool dir; /* may follow original/reply */
};

static const struct ctkey ct_keys[] = {
    {"avgpkt", DT_INTEGER, 64, SM_NONE, true},
    {"bytes", DT_INTEGER, 64, SM_NONE, true},
    {"daddr", DT_INVALID, 0, SM_NONE, true},
    {"direction", DT_CT_DIR, 8, SM_NONE, false},
    {"event", DT_CT_EVENT, 32, SM_NONE, false},
    {"expiration", DT_DURATION, 32, SM_NONE, false},
    {"helper", DT_STRING, 0, SM_NONE, false},
    {"id", DT_INTEGER, 32, SM_NONE, false},
    {"l3proto", DT_NFPROTO, 8, SM_NONE, true},
    {"label", DT_CT_LABEL, 128, SM_NONE, false},
    {"mark", DT_MARK, 32, SM_CTMARK, false},
    {"packets", DT_INTEGER, 64, SM_NONE, true},
    {"proto-dst", DT_INET_SERVICE, 16, SM_NONE, true},
    {"proto-src", DT_INET_SERVICE, 16, SM_NONE, true},
    {"protocol", DT_INET_PROTO, 8, SM_NONE, true},
    {"saddr", DT_INVALID, 0, SM_NONE, true},
    {"secmark", DT_INTEGER, 32, SM_NONE, false},
    {"state", DT_CT_STATE, 32, SM_CTSTATE, false},
    {"status", DT_CT_STATUS, 32, SM_CTSTATUS, false},
    {"zone", DT_INTEGER, 16, SM_NONE, true},
};

static bool
word_of(const struct tok *t, char *buf, size_t cap)
{
	return t->t == T_WORD && tok_cstr(t, buf, cap);
}

static const struct field *
field_find(const struct field *f, size_t n, const char *name)
{
	return bsearch(name, f, n, sizeof(*f), cmp_name);
}

static void
sel_set(struct nsel *s, enum dtype dt, unsigned bits, enum smk mk)
{
	s->type.dt = dt;
	s->type.bits = bits;
	s->mk = mk;
}

static bool parse_sel(struct P *p, struct nsel *s, unsigned depth);
static bool is_sel_start(const struct tok *t);
static bool expr_is_sel(struct P *p);

static bool
sel_header(struct P *p, struct nsel *s, const struct header *h, unsigned depth)
{
	char w[32];
	const struct tok *t;
	const struct field *f;

	s->l3 = (int8_t)h->l3;
	s->l4 = h->l4;
	s->l4any = h->l4any;
	s->l2 = h->l2;
	t = peek(p, 0);
	/* inner headers of a tunnel: vxlan ip saddr, gre ip6 daddr... */
	if (h->kind == HK_TUNNEL && word_of(t, w, sizeof(w)) &&
	    field_find(h->f, h->nf, w) == NULL && (FIND(headers, w) != NULL)) {
		struct nsel inner;

		if (depth > 2)
			return perr(p, t, "inner headers nest too deep");
		memset(&inner, 0, sizeof(inner));
		if (!parse_sel(p, &inner, depth + 1))
			return false;
		free(inner.text);
		sel_set(s, inner.type.dt, inner.type.bits, SM_NONE);
		return true;
	}
	if (strcmp(h->name, "ip") == 0 && tok_is(t, "option")) {
		static const char *const opts[] = {"lsrr", "ra", "rr", "ssrr"};
		static const char *const ofields[] = {"addr", "length", "ptr", "type", "value"};
		size_t i;
		bool ok = false;

		next(p);
		t = peek(p, 0);
		for (i = 0; i < ARRAY_LEN(opts); i++)
			ok |= tok_is(t, opts[i]);
		if (!ok)
			return unexpected(p, "ip option name");
		next(p);
		t = peek(p, 0);
		for (i = 0; i < ARRAY_LEN(ofields); i++)
			if (tok_is(t, ofields[i])) {
				next(p);
				sel_set(s, DT_INTEGER, i == 0 || i == 4 ? 32 : 8, SM_NONE);
				return true;
			}
		sel_set(s, DT_BOOLEAN, 1, SM_NONE);
		return true;
	}
	if (strcmp(h->name, "tcp") == 0 && tok_is(t, "option")) {
		static const char *const opts[] = {
		    "eol",   "fastopen", "maxseg", "md5sig",    "mptcp",          "mss",
		    "nop",   "noop",     "sack",   "sack-perm", "sack-permitted", "sack0",
		    "sack1", "sack2",    "sack3",  "timestamp", "window",
		};
		static const struct field ofields[] = {
		    {"count", DT_INTEGER, 8, SM_NONE},         {"kind", DT_INTEGER, 8, SM_NONE},
		    {"left", DT_INTEGER, 32, SM_NONE},         {"length", DT_INTEGER, 8, SM_NONE},
		    {"right", DT_INTEGER, 32, SM_NONE},        {"size", DT_INTEGER, 16, SM_NONE},
		    {"subtype", DT_MPTCP_SUBTYPE, 4, SM_NONE}, {"tsecr", DT_INTEGER, 32, SM_NONE},
		    {"tsval", DT_INTEGER, 32, SM_NONE},
		};
		size_t i;
		bool ok = false;

		next(p);
		t = peek(p, 0);
		if (t->t == T_AT) {
			long long v;

			next(p);
			if (!parse_int(p, 0, 255, &v, "option kind") || !expect(p, T_COMMA) ||
			    !parse_int(p, 0, 255 * 8, &v, "offset") || !expect(p, T_COMMA) ||
			    !parse_int(p, 1, NFT_MAX_RAW_BITS, &v, "length"))
				return false;
			sel_set(s, DT_INTEGER, (unsigned)v, SM_NONE);
			return true;
		}
		for (i = 0; i < ARRAY_LEN(opts); i++)
			ok |= tok_is(t, opts[i]);
		if (!ok && t->t != T_NUM)
			return unexpected(p, "tcp option name");
		if (t->t == T_NUM && t->v > 255)
			return perr(p, t, "tcp option kind %.*s is out of range", (int)t->len,
			            t->s);
		next(p);
		t = peek(p, 0);
		if (word_of(t, w, sizeof(w)) && (f = field_find(FIELDS(ofields), w)) != NULL) {
			next(p);
			sel_set(s, f->dt, f->bits, SM_NONE);
			return true;
		}
		sel_set(s, DT_BOOLEAN, 1, SM_NONE);
		return true;
	}
	if (strcmp(h->name, "sctp") == 0 && tok_is(t, "chunk")) {
		static const char *const types[] = {
		    "abort",       "asconf",       "asconf-ack",
		    "cookie-ack",  "cookie-echo",  "cwr",
		    "data",        "ecne",         "error",
		    "forward-tsn", "heartbeat",    "heartbeat-ack",
		    "init",        "init-ack",     "sack",
		    "shutdown",    "shutdown-ack", "shutdown-complete",
		};
		static const char *const cfields[] = {
		    "a-rwnd",
		    "cum-tsn-ack",
		    "flags",
		    "init-tag",
		    "initial-tsn",
		    "length",
		    "lowest-tsn",
		    "new-cum-tsn",
		    "num-dup-tsns",
		    "num-gap-ack-blocks",
		    "num-inbound-streams",
		    "num-outbound-streams",
		    "ppid",
		    "seqno",
		    "ssn",
		    "stream",
		    "tsn",
		    "type",
		};
		size_t i;
		bool ok = false;

		next(p);
		t = peek(p, 0);
		for (i = 0; i < ARRAY_LEN(types); i++)
			ok |= tok_is(t, types[i]);
		if (!ok)
			return unexpected(p, "sctp chunk type");
		next(p);
		t = peek(p, 0);
		for (i = 0; i < ARRAY_LEN(cfields); i++)
			if (tok_is(t, cfields[i])) {
				next(p);
				sel_set(s, DT_INTEGER, 32, SM_NONE);
				return true;
			}
		sel_set(s, DT_BOOLEAN, 1, SM_NONE);
		return true;
	}
	if (strcmp(h->name, "dccp") == 0 && tok_is(t, "option")) {
		long long v;

		next(p);
		if (!parse_int(p, 0, 255, &v, "dccp option"))
			return false;
		sel_set(s, DT_BOOLEAN, 1, SM_NONE);
		return true;
	}
	if (strcmp(h->name, "arp") == 0 && (tok_is(t, "saddr") || tok_is(t, "daddr"))) {
		next(p);
		if (accept_word(p, "ether"))
			sel_set(s, DT_ETHER, 48, SM_NONE);
		else if (accept_word(p, "ip"))
			sel_set(s, DT_IPV4, 32, SM_NONE);
		else
			return unexpected(p, "ether or ip");
		return true;
	}
	if ((strcmp(h->name, "rt0") == 0 && tok_is(t, "addr")) ||
	    (strcmp(h->name, "srh") == 0 && tok_is(t, "sid"))) {
		long long v;

		next(p);
		if (!expect(p, T_LBRACKET) || !parse_int(p, 0, 255, &v, "index") ||
		    !expect(p, T_RBRACKET))
			return false;
		sel_set(s, DT_IPV6, 128, SM_NONE);
		return true;
	}
	if (!word_of(t, w, sizeof(w)) || (f = field_find(h->f, h->nf, w)) == NULL) {
		if (h->kind == HK_EXTHDR && (tok_is(t, "exists") || tok_is(t, "missing"))) {
			sel_set(s, DT_BOOLEAN, 1, SM_NONE);
			return true;
		}
		if (t->t == T_WORD)
			return perr(p, t, "syntax error, unexpected %.*s: not a field of %s",
			            (int)t->len, t->s, h->name);
		return unexpected(p, "field name");
	}
	next(p);
	sel_set(s, f->dt, f->bits, f->mk);
	/* icmp and icmpv6 "type" also decide the family's protocol */
	return true;
}

/* meta KEY, or KEY alone for the keys nft takes unqualified. */
static bool
sel_meta(struct P *p, struct nsel *s, bool qualified)
{
	char w[32];
	const struct tok *t = peek(p, 0);
	size_t i;

	if (!word_of(t, w, sizeof(w)))
		return unexpected(p, "meta key");
	for (i = 0; i < ARRAY_LEN(meta_keys); i++) {
		if (strcmp(meta_keys[i].name, w) != 0)
			continue;
		if (!qualified && !meta_keys[i].unqualified)
			break;
		next(p);
		/* a netdev chain's hook family is NFPROTO_NETDEV, never ipv4 or
		 * ipv6 (nft refuses it there) */
		if (meta_keys[i].mk == SM_NFPROTO && p->fam_ctx == NF_NETDEV)
			return perr(p, &p->last, "meta nfproto is only useful in the inet family");
		sel_set(s, meta_keys[i].dt, meta_keys[i].bits, meta_keys[i].mk);
		return true;
	}
	return perr(p, t,
	            "syntax error, unexpected %.*s, known keys are length, protocol, "
	            "priority, mark, iif, oif, iifname, oifname, iiftype, oiftype, skuid, "
	            "skgid, nftrace, rtclassid, ibrname, obrname, pkttype, cpu, iifgroup, "
	            "oifgroup, cgroup, random, ipsec, iifkind, oifkind, ibrpvid, ibrvproto, "
	            "time, day, hour, nfproto, l4proto, secmark, sdif, sdifname, broute",
	            (int)t->len, t->s);
}

/* ct [original|reply] KEY, ct [original|reply] ip|ip6 saddr|daddr */
static bool
sel_ct(struct P *p, struct nsel *s)
{
	char w[32];
	const struct tok *t;
	bool dir = false;
	size_t i;

	/* nf_ct_netns_get knows no netdev family: the kernel refuses the rule */
	if (p->fam_ctx == NF_NETDEV)
		return perr(p, &p->last,
		            "Could not process rule: Protocol error (no conntrack in the netdev "
		            "family)");
	if (accept_word(p, "original") || accept_word(p, "reply"))
		dir = true;
	t = peek(p, 0);
	if ((tok_is(t, "ip") || tok_is(t, "ip6")) &&
	    (tok_is(peek(p, 1), "saddr") || tok_is(peek(p, 1), "daddr"))) {
		bool v6 = tok_is(t, "ip6");

		next(p);
		next(p);
		sel_set(s, v6 ? DT_IPV6 : DT_IPV4, v6 ? 128 : 32, SM_NONE);
		return true;
	}
	if (!word_of(t, w, sizeof(w)))
		return unexpected(p, "ct key");
	for (i = 0; i < ARRAY_LEN(ct_keys); i++) {
		if (strcmp(ct_keys[i].name, w) != 0)
			continue;
		if (dir && !ct_keys[i].dir)
			return perr(p, t, "ct %s does not take a direction", w);
		next(p);
		sel_set(s, ct_keys[i].dt, ct_keys[i].bits, ct_keys[i].mk);
		if (ct_keys[i].dt == DT_INVALID) {
			/* the table's family gives the address type */
			if (p->fam_ctx == NF_IP)
				sel_set(s, DT_IPV4, 32, SM_NONE);
			else if (p->fam_ctx == NF_IP6)
				sel_set(s, DT_IPV6, 128, SM_NONE);
		}
		return true;
	}
	return perr(p, t, "syntax error, unexpected %.*s: not a ct key", (int)t->len, t->s);
}

/* fib FLAG [. FLAG]... RESULT */
static bool
sel_fib(struct P *p, struct nsel *s)
{
	unsigned flags = 0;
	enum { F_SADDR = 1, F_DADDR = 2, F_MARK = 4, F_IIF = 8, F_OIF = 16 };
	const struct nchain *c = p->chain_ctx;

	/* nft_fib_inet validates no ingress hook (the netdev family has its own) */
	if (c && c->base && c->t->fam == NF_INET && c->hook == NH_INGRESS)
		return perr(p, &p->last,
		            "Could not process rule: Operation not supported (fib in an inet "
		            "ingress chain)");

	for (;;) {
		const struct tok *t = peek(p, 0);
		unsigned f = tok_is(t, "saddr")               ? F_SADDR
		             : tok_is(t, "daddr")             ? F_DADDR
		             : tok_is(t, "mark")              ? F_MARK
		             : tok_is(t, "iif")               ? F_IIF
		             : tok_is(t, "oif") && flags == 0 ? F_OIF
		                                              : 0;

		if (f == 0)
			return unexpected(p, "saddr or daddr or mark or iif or oif");
		if (flags & f)
			return perr(p, t, "fib: %.*s given twice", (int)t->len, t->s);
		flags |= f;
		next(p);
		if (!accept_tok(p, T_DOT))
			break;
	}
	if (!(flags & (F_SADDR | F_DADDR)) || ((flags & F_SADDR) && (flags & F_DADDR)))
		return perr(p, &p->last, "fib: exactly one of saddr and daddr is needed");
	if ((flags & F_IIF) && (flags & F_OIF))
		return perr(p, &p->last, "fib: iif and oif cannot be combined");
	if (accept_word(p, "type")) {
		sel_set(s, DT_FIB_ADDRTYPE, 32,
		        (flags & F_DADDR) && !(flags & (F_MARK | F_OIF)) ? SM_FIBDTYPE : SM_NONE);
	} else if (accept_word(p, "oif")) {
		sel_set(s, DT_IFINDEX, 32, (flags & F_SADDR) ? SM_FIBRPF : SM_NONE);
	} else if (accept_word(p, "oifname")) {
		sel_set(s, DT_IFNAME, 0, SM_NONE);
	} else if (accept_word(p, "check")) {
		sel_set(s, DT_BOOLEAN, 1, (flags & F_SADDR) ? SM_FIBRPF : SM_NONE);
		return true;
	} else {
		return unexpected(p, "oif or oifname or type or check");
	}
	/* "oif missing", "oif exists", "check": whether a route exists */
	if (accept_word(p, "check") || at_word(p, "exists") || at_word(p, "missing"))
		sel_set(s, DT_BOOLEAN, 1, s->mk);
	return true;
}

/* numgen inc|random mod N [offset N] */
static bool
sel_numgen(struct P *p, struct nsel *s)
{
	long long v;

	if (!accept_word(p, "inc") && !accept_word(p, "random"))
		return unexpected(p, "inc or random");
	if (!accept_word(p, "mod"))
		return unexpected(p, "mod");
	if (!parse_int(p, 1, 0xffffffffll, &v, "modulus"))
		return false;
	if (accept_word(p, "offset") && !parse_int(p, 0, 0xffffffffll, &v, "offset"))
		return false;
	sel_set(s, DT_INTEGER, 32, SM_NONE);
	return true;
}

/* jhash EXPR mod N [seed N] [offset N]; symhash mod N [offset N] */
static bool
sel_hash(struct P *p, struct nsel *s, bool sym)
{
	long long v;

	if (!sym) {
		struct nsel in[NFT_MAX_CONCAT];
		unsigned n;

		if (!parse_sel_concat(p, in, &n, false))
			return false;
		sels_free(in, n);
	}
	if (!accept_word(p, "mod"))
		return unexpected(p, "mod");
	if (!parse_int(p, 1, 0xffffffffll, &v, "modulus"))
		return false;
	if (!sym && accept_word(p, "seed") && !parse_int(p, 0, 0xffffffffll, &v, "seed"))
		return false;
	if (accept_word(p, "offset") && !parse_int(p, 0, 0xffffffffll, &v, "offset"))
		return false;
	sel_set(s, DT_INTEGER, 32, SM_NONE);
	return true;
}

/* @base,offset,length */
static bool
sel_raw(struct P *p, struct nsel *s)
{
	long long off;
	long long len;
	const struct tok *t = peek(p, 0);
	struct tok lt;

	if (!(tok_is(t, "ll") || tok_is(t, "nh") || tok_is(t, "th") || tok_is(t, "ih")))
		return unexpected(p, "ll or nh or th or ih");
	next(p);
	if (!expect(p, T_COMMA) || !parse_int(p, 0, 0xffffffffll, &off, "offset") ||
	    !expect(p, T_COMMA))
		return false;
	lt = *peek(p, 0);
	if (!parse_int(p, 0, 0xffffffffll, &len, "length"))
		return false;
	if (len == 0)
		return perr(p, &lt, "raw payload length must be at least 1 bit");
	if (len > NFT_MAX_RAW_BITS)
		return perr(p, &lt, "raw payload length %lld exceeds the maximum of %u bits", len,
		            NFT_MAX_RAW_BITS);
	sel_set(s, DT_INTEGER, (unsigned)len, SM_NONE);
	return true;
}

/* One selector (no operators). */
static bool
parse_sel(struct P *p, struct nsel *s, unsigned depth)
{
	const struct tok *t = peek(p, 0);
	char w[32];
	const struct header *h;
	size_t i;

	s->l3 = -1;
	if (t->t == T_AT) {
		next(p);
		return sel_raw(p, s);
	}
	if (!word_of(t, w, sizeof(w)))
		return unexpected(p, "expression");
	/* rt: the routing expression, or the routing header */
	if (strcmp(w, "rt") == 0) {
		const struct tok *n = peek(p, 1);

		if (tok_is(n, "classid") || tok_is(n, "nexthop") || tok_is(n, "mtu") ||
		    tok_is(n, "ipsec") ||
		    ((tok_is(n, "ip") || tok_is(n, "ip6")) && tok_is(peek(p, 2), "nexthop"))) {
			next(p);
			if (accept_word(p, "classid"))
				sel_set(s, DT_REALM, 32, SM_NONE);
			else if (accept_word(p, "mtu"))
				sel_set(s, DT_INTEGER, 16, SM_NONE);
			else if (accept_word(p, "ipsec"))
				sel_set(s, DT_BOOLEAN, 1, SM_NONE);
			else {
				bool v6 = accept_word(p, "ip6");

				if (!v6)
					accept_word(p, "ip");
				next(p); /* nexthop */
				sel_set(s, v6 ? DT_IPV6 : DT_IPV4, v6 ? 128 : 32, SM_NONE);
			}
			return true;
		}
	}
	if ((h = FIND(headers, w)) != NULL) {
		next(p);
		return sel_header(p, s, h, depth);
	}
	if (strcmp(w, "exthdr") == 0) {
		next(p);
		t = peek(p, 0);
		if (!word_of(t, w, sizeof(w)) || (h = FIND(headers, w)) == NULL ||
		    h->kind != HK_EXTHDR)
			return unexpected(p, "extension header name");
		next(p);
		s->l3 = FAM_V6;
		sel_set(s, DT_BOOLEAN, 1, SM_NONE);
		return true;
	}
	if (strcmp(w, "meta") == 0) {
		next(p);
		return sel_meta(p, s, true);
	}
	for (i = 0; i < ARRAY_LEN(meta_keys); i++)
		if (meta_keys[i].unqualified && strcmp(meta_keys[i].name, w) == 0)
			return sel_meta(p, s, false);
	if (strcmp(w, "ct") == 0) {
		next(p);
		return sel_ct(p, s);
	}
	if (strcmp(w, "fib") == 0) {
		next(p);
		return sel_fib(p, s);
	}
	if (strcmp(w, "numgen") == 0) {
		next(p);
		return sel_numgen(p, s);
	}
	if (strcmp(w, "jhash") == 0 || strcmp(w, "symhash") == 0) {
		next(p);
		return sel_hash(p, s, w[0] == 's');
	}
	if (strcmp(w, "socket") == 0) {
		long long v;

		next(p);
		if (accept_word(p, "transparent") || accept_word(p, "wildcard"))
			sel_set(s, DT_INTEGER, 1, SM_NONE);
		else if (accept_word(p, "mark"))
			sel_set(s, DT_MARK, 32, SM_NONE);
		else if (accept_word(p, "cgroupv2")) {
			if (!accept_word(p, "level"))
				return unexpected(p, "level");
			if (!parse_int(p, 0, 255, &v, "level"))
				return false;
			sel_set(s, DT_CGROUPV2, 64, SM_NONE);
		} else
			return unexpected(p, "transparent or mark or wildcard or cgroupv2");
		return true;
	}
	if (strcmp(w, "osf") == 0) {
		next(p);
		if (accept_word(p, "ttl") && !accept_word(p, "loose") && !accept_word(p, "skip"))
			return unexpected(p, "loose or skip");
		if (accept_word(p, "name") || accept_word(p, "version")) {
			sel_set(s, DT_STRING, 0, SM_NONE);
			return true;
		}
		return unexpected(p, "name or version");
	}
	if (strcmp(w, "ipsec") == 0) {
		long long v;

		next(p);
		if (!accept_word(p, "in") && !accept_word(p, "out"))
			return unexpected(p, "in or out");
		if (accept_word(p, "spnum") && !parse_int(p, 0, 255, &v, "spnum"))
			return false;
		if (accept_word(p, "reqid") || accept_word(p, "spi"))
			sel_set(s, DT_INTEGER, 32, SM_NONE);
		else if (accept_word(p, "ip") || accept_word(p, "ip6")) {
			bool v6 = tok_is(&p->last, "ip6");

			if (!accept_word(p, "saddr") && !accept_word(p, "daddr"))
				return unexpected(p, "saddr or daddr");
			sel_set(s, v6 ? DT_IPV6 : DT_IPV4, v6 ? 128 : 32, SM_NONE);
		} else
			return unexpected(p, "reqid or spi or ip or ip6");
		return true;
	}
	if (strcmp(w, "tunnel") == 0) {
		next(p);
		if (accept_word(p, "path"))
			sel_set(s, DT_BOOLEAN, 1, SM_NONE);
		else if (accept_word(p, "id"))
			sel_set(s, DT_INTEGER, 32, SM_NONE);
		else
			return unexpected(p, "path or id");
		return true;
	}
	return perr(p, t, "syntax error, unexpected %.*s", (int)t->len, t->s);
}

/* A selector with its text and the operators that may follow it in a
 * relation (sel & mask, sel >> n...). */
static bool parse_sel_full(struct P *p, struct nsel *s, bool typeof_ctx);

/* An operand: a selector, or a parenthesised expression of one. */
static bool
parse_operand(struct P *p, struct nsel *s, bool typeof_ctx)
{
	struct tok lp;

	if (typeof_ctx || !atk(p, T_LPAREN))
		return parse_sel(p, s, 0);
	lp = next(p);
	if (p->edepth >= NFT_BLOCK_DEPTH)
		return perr(p, &lp, "expression nests too deep");
	p->edepth++;
	if (!parse_sel_full(p, s, false)) {
		p->edepth--;
		return false;
	}
	p->edepth--;
	free(s->text);
	s->text = NULL;
	return expect(p, T_RPAREN);
}

static bool
parse_sel_full(struct P *p, struct nsel *s, bool typeof_ctx)
{
	size_t a = p->nlog;

	memset(s, 0, sizeof(*s));
	if (!parse_operand(p, s, typeof_ctx))
		return false;
	while (!typeof_ctx && (atk(p, T_AND) || atk(p, T_OR) || atk(p, T_XOR) || atk(p, T_LSHIFT) ||
	                       atk(p, T_RSHIFT))) {
		struct tok op = next(p);
		struct nval v;

		if (op.t == T_LSHIFT || op.t == T_RSHIFT) {
			long long n;

			if (!parse_int(p, 0, 127, &n, "shift"))
				return false;
			s->shifted = true;
			s->type = ntype_of(DT_INTEGER);
			continue;
		}
		if (expr_is_sel(p)) {
			/* an operation between two selectors */
			struct nsel other;

			memset(&other, 0, sizeof(other));
			if (!parse_operand(p, &other, false))
				return false;
			free(other.text);
			s->shifted = true;
			continue;
		}
		if (!parse_basic_ops(p, s->type, &v, false))
			return false;
		free(v.str);
		if (op.t == T_AND && !s->masked && !s->shifted) {
			s->masked = true;
			s->mask = v.lo;
		} else {
			s->shifted = true;
		}
	}
	s->ta = a;
	s->tb = p->nlog;
	return true;
}

/* The selector as written (while its statement is being read). */
static const char *
sel_text(struct P *p, struct nsel *s)
{
	if (s->text == NULL)
		s->text = log_text(p, s->ta, s->tb);
	return s->text;
}

/* SEL [. SEL]... (typeof keys take no operators). */
static bool
parse_sel_concat(struct P *p, struct nsel *sels, unsigned *n, bool typeof_ctx)
{
	*n = 0;
	for (;;) {
		const struct tok *t = peek(p, 0);

		if (*n >= NFT_MAX_CONCAT) {
			sels_free(sels, *n);
			return perr(p, t, "too many components in a concatenation");
		}
		if (typeof_ctx && (t->t == T_NUM || t->t == T_QUOTED ||
		                   (t->t == T_WORD && isdigit((unsigned char)t->s[0])))) {
			sels_free(sels, *n);
			return perr(p, t, "typeof needs expressions, not the constant %.*s",
			            (int)t->len, t->s);
		}
		if (!typeof_ctx && !is_sel_start(t) &&
		    (t->t == T_WORD || t->t == T_NUM || t->t == T_QUOTED)) {
			/* a constant in a concatenation: typed by the set it is
			 * looked up in */
			struct nsel *c = &sels[*n];

			if (*n == 0 && peek(p, 1)->t != T_DOT) {
				sels_free(sels, *n);
				return unexpected(p, "expression");
			}
			memset(c, 0, sizeof(*c));
			c->isconst = true;
			c->ctok = next(p);
			c->l3 = -1;
			c->type = ntype_of(DT_INVALID);
			c->text = tok_str(&c->ctok);
			(*n)++;
			if (!accept_tok(p, T_DOT))
				return true;
			continue;
		}
		if (!parse_sel_full(p, &sels[*n], typeof_ctx)) {
			sels_free(sels, *n);
			return false;
		}
		if (sels[*n].type.dt == DT_INVALID && typeof_ctx) {
			(*n)++;
			sels_free(sels, *n);
			return perr(p, t,
			            "unqualified type invalid in set definition: specify ip "
			            "or ip6 for ct addresses");
		}
		(*n)++;
		if (!accept_tok(p, T_DOT))
			return true;
	}
}

/* ---- rules ---- */

struct rstate {
	struct nchain *c;
	struct nrule *r;
	enum nfam fam;
	uint8_t l4ctx; /* the transport protocol an equality established */
	bool l4given;  /* some transport protocol test (a set of them, th...) */
	int l3ctx;     /* -1, FAM_V4, FAM_V6 */
	bool terminal;
};

enum refkind { REF_OBJ, REF_SET, REF_MAP, REF_FLOWTABLE };

struct objref {
	struct ntable *t;
	enum refkind what;
	enum objkind kind;
	char *name;
	struct tok at;
};

static void
objref_add(struct P *p, struct ntable *t, enum refkind what, enum objkind k, const char *name,
           const struct tok *at)
{
	struct objref r;

	r.t = t;
	r.what = what;
	r.kind = k;
	r.name = xstrdup(name);
	r.at = *at;
	VEC_PUSH(p->refs, p->nref, p->refcap, r);
}

static struct item *
rs_item(struct rstate *rs, enum ikind k)
{
	struct nrule *r = rs->r;
	struct item *it;

	grow((void **)&r->it, &r->itcap, r->nit, sizeof(*r->it));
	it = &r->it[r->nit++];
	memset(it, 0, sizeof(*it));
	it->k = k;
	return it;
}

static struct match *
rs_match(struct rstate *rs, enum match_kind k, bool neg, const char *text)
{
	struct item *it = rs_item(rs, IK_MATCH);

	it->u.m.kind = k;
	it->u.m.neg = neg;
	it->u.m.text = xstrdup(text ? text : "");
	return &it->u.m;
}

static const char *
proto_name(uint8_t n, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(protos); i++)
		if (protos[i].val == n && strcmp(protos[i].name, "hopopt") != 0 &&
		    strcmp(protos[i].name, "ip") != 0)
			return protos[i].name;
	snprintf(buf, cap, "%u", n);
	return buf;
}

/* The matches nft adds for an expression: the family of an ip/ip6 header in
 * an inet table, the transport protocol of a transport header. */
static bool
add_deps(struct P *p, struct rstate *rs, const struct nsel *s, const struct tok *at)
{
	char a[16];
	char b[16];

	if (s->l3 >= 0) {
		if ((rs->fam == NF_IP && s->l3 == FAM_V6) || (rs->fam == NF_IP6 && s->l3 == FAM_V4))
			return perr(p, at, "conflicting protocols specified: %s vs. %s",
			            rs->fam == NF_IP ? "ip" : "ip6",
			            s->l3 == FAM_V4 ? "ip" : "ip6");
		if (rs->l3ctx >= 0 && rs->l3ctx != s->l3)
			return perr(p, at, "conflicting protocols specified: %s vs. %s",
			            rs->l3ctx == FAM_V4 ? "ip" : "ip6",
			            s->l3 == FAM_V4 ? "ip" : "ip6");
		if (rs->l3ctx < 0 && rs->fam != NF_IP && rs->fam != NF_IP6) {
			struct match *m =
			    rs_match(rs, M_FAMILY, false,
			             s->l3 == FAM_V4 ? "meta nfproto ipv4" : "meta nfproto ipv6");

			m->u.bits = FAM_BIT(s->l3);
		}
		rs->l3ctx = s->l3;
	}
	if (s->l4 && !s->l4any) {
		if (rs->l4ctx && rs->l4ctx != s->l4)
			return perr(p, at, "conflicting protocols specified: %s vs. %s",
			            proto_name(rs->l4ctx, a, sizeof(a)),
			            proto_name(s->l4, b, sizeof(b)));
		if (!rs->l4ctx) {
			const char *txt = s->l4 == PROTO_TCP   ? "meta l4proto tcp"
			                  : s->l4 == PROTO_UDP ? "meta l4proto udp"
			                                       : NULL;
			char *own =
			    txt ? NULL
			        : xasprintf("meta l4proto %s", proto_name(s->l4, a, sizeof(a)));
			struct match *m = rs_match(rs, M_PROTO, false, txt ? txt : own);

			free(own);
			m->u.proto = s->l4;
		}
		rs->l4ctx = s->l4;
	}
	if (s->l4 || s->l4any)
		rs->l4given = true;
	return true;
}

static bool
is_sel_start(const struct tok *t)
{
	static const char *const words[] = {"ct",     "exthdr",  "fib",    "ipsec",
	                                    "jhash",  "meta",    "numgen", "osf",
	                                    "socket", "symhash", "tunnel"};
	char w[32];
	size_t i;

	if (t->t == T_AT)
		return true;
	if (!word_of(t, w, sizeof(w)))
		return false;
	if (FIND(headers, w))
		return true;
	for (i = 0; i < ARRAY_LEN(words); i++)
		if (strcmp(words[i], w) == 0)
			return true;
	for (i = 0; i < ARRAY_LEN(meta_keys); i++)
		if (meta_keys[i].unqualified && strcmp(meta_keys[i].name, w) == 0)
			return true;
	return false;
}

/* Whether an expression starts here (after any '('), not a constant. */
static bool
expr_is_sel(struct P *p)
{
	size_t k = 0;

	while (peek(p, k)->t == T_LPAREN && k + 1 < LOOKAHEAD)
		k++;
	return is_sel_start(peek(p, k));
}

static enum relop
parse_relop(struct P *p)
{
	switch (peek(p, 0)->t) {
	case T_EQ:
		next(p);
		return OP_EQ;
	case T_NE:
		next(p);
		return OP_NE;
	case T_LT:
		next(p);
		return OP_LT;
	case T_GT:
		next(p);
		return OP_GT;
	case T_LE:
		next(p);
		return OP_LE;
	case T_GE:
		next(p);
		return OP_GE;
	case T_NOT:
		next(p);
		return OP_NEG;
	default:
		return OP_IMPLICIT;
	}
}

static struct ntype *
sel_types(const struct nsel *s, unsigned n, struct ntype *out)
{
	unsigned i;

	for (i = 0; i < n; i++)
		out[i] = s[i].type;
	return out;
}

/* A bitmask constant: VALUE[,VALUE]... [/ MASK[,MASK]...] */
static bool
parse_bitmask(struct P *p, struct ntype ty, struct nval *v, bool *mask_form, u128 *mask)
{
	*mask_form = false;
	if (!parse_basic(p, ty, v))
		return false;
	while (accept_tok(p, T_COMMA)) {
		struct nval w;

		if (!parse_basic(p, ty, &w))
			return false;
		v->lo |= w.lo;
		v->hi = v->lo;
	}
	if (accept_tok(p, T_SLASH)) {
		struct nval m;

		if (!parse_basic(p, ty, &m))
			return false;
		*mask = m.lo;
		while (accept_tok(p, T_COMMA)) {
			if (!parse_basic(p, ty, &m))
				return false;
			*mask |= m.lo;
		}
		*mask_form = true;
	}
	return true;
}

/* The right side of a relation: @set, { set }, or one constant. */
static bool
parse_rhs(struct P *p, struct item *it, const struct tok *opt)
{
	struct ntype ty[NFT_MAX_CONCAT];
	unsigned i;

	sel_types(it->sel, it->nsel, ty);
	if (atk(p, T_AT)) {
		struct tok at0 = next(p);

		if (it->op != OP_IMPLICIT && it->op != OP_EQ && it->op != OP_NE)
			return perr(p, &at0, "a set lookup takes == or !=");
		it->setref = true;
		it->line = at0.line;
		return take_name(p, "set", &it->name);
	}
	if (atk(p, T_LBRACE)) {
		struct esink sk;
		struct tok at0 = next(p);

		if (it->op != OP_IMPLICIT && it->op != OP_EQ && it->op != OP_NE)
			return perr(p, &at0, "a set takes == or !=");
		memset(&sk, 0, sizeof(sk));
		if (!parse_elem_list(p, ty, it->nsel, NULL, true, &sk, 0)) {
			nelems_free(sk.ev, sk.ne);
			return false;
		}
		if (sk.ne == 0) {
			nelems_free(sk.ev, sk.ne);
			return perr(p, &at0, "Set is empty");
		}
		it->ev = sk.ev;
		it->ne = sk.ne;
		return true;
	}
	it->ev = xcalloc(1, sizeof(*it->ev));
	it->ne = 1;
	it->ev[0].line = peek(p, 0)->line;
	it->ev[0].k = xcalloc(it->nsel, sizeof(struct nval));
	it->ev[0].nk = it->nsel;
	if (it->nsel == 1 && dtinfo[ty[0].dt].bitmask) {
		if (!parse_bitmask(p, ty[0], &it->ev[0].k[0], &it->mask_form, &it->maskv))
			return false;
		if (it->mask_form && it->op != OP_IMPLICIT && it->op != OP_EQ && it->op != OP_NE)
			return perr(p, opt, "a masked value takes == or !=");
		return true;
	}
	if (it->op == OP_NEG)
		return perr(p, opt,
		            "negation can only be used with singleton bitmask values.  Did "
		            "you mean \"!=\"?");
	for (i = 0; i < it->nsel; i++) {
		bool ranged;
		struct tok ct;

		if (i > 0 && !expect(p, T_DOT))
			return false;
		ct = *peek(p, 0);
		if (!parse_component(p, ty[i], &it->ev[0].k[i], &ranged))
			return false;
		if (ranged && it->op != OP_IMPLICIT && it->op != OP_EQ && it->op != OP_NE)
			return perr(p, &ct, "Relational expression is undefined for ranges");
		if (it->nsel > 1 && it->op != OP_IMPLICIT && it->op != OP_EQ && it->op != OP_NE)
			return perr(p, &ct,
			            "Relational expression is undefined for concatenations");
	}
	if (atk(p, T_COMMA))
		return perr(p, peek(p, 0),
		            "a list of values needs { } (a set): %s is not a bitmask",
		            dtype_name(ty[0].dt));
	return true;
}

/* After a relation: what it tells about the packet's protocols. */
static bool
note_context(struct P *p, struct rstate *rs, const struct item *it, const struct tok *at)
{
	const struct nsel *s = &it->sel[0];
	bool single = !it->setref && it->ne == 1 && it->nsel == 1 &&
	              (it->op == OP_IMPLICIT || it->op == OP_EQ) && it->ev[0].k &&
	              it->ev[0].k[0].lo == it->ev[0].k[0].hi && !s->masked && !s->shifted;
	char a[16];
	char b[16];

	if (it->nsel == 1 && s->mk == SM_L4PROTO) {
		rs->l4given = true;
		if (single) {
			uint8_t v = (uint8_t)it->ev[0].k[0].lo;

			if (rs->l4ctx && rs->l4ctx != v)
				return perr(p, at, "conflicting protocols specified: %s vs. %s",
				            proto_name(rs->l4ctx, a, sizeof(a)),
				            proto_name(v, b, sizeof(b)));
			rs->l4ctx = v;
		}
	}
	if (it->nsel == 1 && single && (s->mk == SM_NFPROTO || s->mk == SM_ETHERTYPE)) {
		u128 v = it->ev[0].k[0].lo;
		int f = s->mk == SM_NFPROTO ? (v == 2    ? FAM_V4
		                               : v == 10 ? FAM_V6
		                                         : -1)
		                            : (v == 0x0800   ? FAM_V4
		                               : v == 0x86dd ? FAM_V6
		                                             : -1);

		if (f >= 0)
			rs->l3ctx = f;
	}
	return true;
}

static bool
check_terminal(struct P *p, struct rstate *rs)
{
	if (rs->terminal)
		return perr(p, peek(p, 0), "Statement after terminal statement has no effect");
	return true;
}

static void
set_terminal(struct rstate *rs)
{
	rs->terminal = true;
}

/* ---- statement values (the right side of "set", nat addresses) ---- */

struct sval {
	bool isconst;
	unsigned nc;
	struct nval c[NFT_MAX_CONCAT];
	bool ranged;
	bool plain; /* one selector, nothing done to it */
	unsigned nkey;
	struct nsel key[NFT_MAX_CONCAT];
	bool ismap;
	bool mapref;
	char *mapname;
	size_t ne;
	struct nelem *ev;
	char *text;
	struct tok at;
};

static void
sval_free(struct sval *v)
{
	unsigned i;

	for (i = 0; i < v->nc; i++)
		free(v->c[i].str);
	sels_free(v->key, v->nkey);
	free(v->mapname);
	nelems_free(v->ev, v->ne);
	free(v->text);
	memset(v, 0, sizeof(*v));
}

/* A constant (nc components joined by '.' or, for nat, given) or an
 * expression [map { } | map @m] whose values have the types dt. */
static bool
parse_sval(struct P *p, struct rstate *rs, const struct ntype *dt, unsigned ndt, bool range_ok,
           bool flex, struct sval *v)
{
	size_t a = p->nlog;

	memset(v, 0, sizeof(*v));
	v->at = *peek(p, 0);
	if (!expr_is_sel(p)) {
		unsigned i;

		v->isconst = true;
		for (i = 0; i < (flex ? 1 : ndt); i++) {
			bool ranged;
			struct tok ct;

			if (i > 0 && !expect(p, T_DOT))
				return false;
			ct = *peek(p, 0);
			if (dtinfo[dt[i].dt].bitmask && ndt == 1) {
				bool mf;
				u128 m;

				if (!parse_bitmask(p, dt[i], &v->c[i], &mf, &m))
					return false;
				v->nc = i + 1;
				continue;
			}
			if (!parse_component(p, dt[i], &v->c[i], &ranged))
				return false;
			v->nc = i + 1;
			if (ranged && !range_ok)
				return perr(p, &ct,
				            "a range or prefix is not a value a statement can set");
			v->ranged |= ranged;
		}
		v->text = log_text(p, a, p->nlog);
		return true;
	}
	if (!parse_sel_concat(p, v->key, &v->nkey, false))
		return false;
	if (rs) {
		unsigned i;

		for (i = 0; i < v->nkey; i++)
			if (!add_deps(p, rs, &v->key[i], &v->at))
				return false;
	}
	v->plain = v->nkey == 1 && !v->key[0].masked && !v->key[0].shifted;
	if (accept_word(p, "map")) {
		struct ntype kt[NFT_MAX_CONCAT];

		v->ismap = true;
		v->plain = false;
		sel_types(v->key, v->nkey, kt);
		if (atk(p, T_AT)) {
			next(p);
			v->mapref = true;
			if (!take_name(p, "map", &v->mapname))
				return false;
		} else if (accept_tok(p, T_LBRACE)) {
			struct esink sk;
			struct mapspec ms;

			memset(&sk, 0, sizeof(sk));
			memset(&ms, 0, sizeof(ms));
			ms.ndata = ndt;
			ms.data = dt;
			ms.data_interval = range_ok;
			ms.flex = flex;
			if (!parse_elem_list(p, kt, v->nkey, &ms, true, &sk, 0)) {
				nelems_free(sk.ev, sk.ne);
				return false;
			}
			v->ev = sk.ev;
			v->ne = sk.ne;
		} else {
			return unexpected(p, "'{' or '@'");
		}
	}
	v->text = log_text(p, a, p->nlog);
	return true;
}

/* ---- statements ---- */

static bool parse_rule_block(struct P *p, struct nchain *c);

static bool
stmt_jump(struct P *p, struct rstate *rs)
{
	struct tok kw = next(p);
	struct item *it;
	bool go = tok_is(&kw, "goto");

	if (!check_terminal(p, rs))
		return false;
	set_terminal(rs);
	it = rs_item(rs, IK_JUMP);
	it->u.a.kind = go ? A_GOTO : A_JUMP;
	it->u.a.name = xstrdup(go ? "goto" : "jump");
	it->line = kw.line;
	if (atk(p, T_LBRACE)) {
		/* an anonymous chain */
		struct ntable *t = rs->c->t;
		struct nchain *c;
		char name[32];

		if (p->bdepth >= NFT_BLOCK_DEPTH)
			return perr(p, &kw, "anonymous chains nest too deep");
		next(p);
		snprintf(name, sizeof(name), "__chain%u", t->nanon++);
		c = chain_add(t, name, tok_loc(&kw));
		c->anon = true;
		it->u.a.target_name = xstrdup(name);
		return parse_rule_block(p, c);
	}
	return take_name(p, "chain", &it->u.a.target_name);
}

static bool
stmt_verdict(struct P *p, struct rstate *rs, enum action_kind k)
{
	struct tok kw = next(p);
	struct item *it;

	if (!check_terminal(p, rs))
		return false;
	if (k != A_CONTINUE)
		set_terminal(rs);
	it = rs_item(rs, IK_VERDICT);
	it->u.a.kind = k;
	it->u.a.name = tok_str(&kw);
	return true;
}

/* reject [with tcp reset | icmp [type] X | icmpv6 [type] X | icmpx [type] X] */
static bool
stmt_reject(struct P *p, struct rstate *rs, size_t a)
{
	struct tok kw = next(p);
	struct item *it;
	struct nsel dep;

	if (!check_terminal(p, rs))
		return false;
	set_terminal(rs);
	memset(&dep, 0, sizeof(dep));
	dep.l3 = -1;
	if (accept_word(p, "with")) {
		const struct tok *t = peek(p, 0);
		struct ntype ty;
		struct nval v;

		if (tok_is(t, "tcp")) {
			next(p);
			if (!accept_word(p, "reset"))
				return unexpected(p, "reset");
			dep.l4 = PROTO_TCP;
		} else if (tok_is(t, "icmp") || tok_is(t, "icmpv6") || tok_is(t, "icmpx")) {
			bool v6 = tok_is(t, "icmpv6");
			bool x = tok_is(t, "icmpx");

			next(p);
			accept_word(p, "type");
			ty = ntype_of(x ? DT_ICMPX_CODE : v6 ? DT_ICMP6_CODE : DT_ICMP_CODE);
			if (!value_from_tok(p, peek(p, 0), ty, &v))
				return false;
			next(p);
			if (!x)
				dep.l3 = v6 ? FAM_V6 : FAM_V4;
		} else {
			return unexpected(p, "tcp or icmp or icmpv6 or icmpx");
		}
	}
	if (!add_deps(p, rs, &dep, &kw))
		return false;
	it = rs_item(rs, IK_VERDICT);
	it->u.a.kind = A_REJECT;
	it->u.a.name = xstrdup("reject");
	it->u.a.detail = log_text(p, a, p->nlog);
	return true;
}

/* log [prefix S] [level L] [group N] [snaplen N] [queue-threshold N] [flags F,...] */
static bool
stmt_log(struct P *p)
{
	static const char *const levels[] = {"alert", "audit", "crit",   "debug", "emerg",
	                                     "err",   "info",  "notice", "warn"};
	static const char *const flags[] = {"all", "ether", "ip", "skuid", "tcp"};
	long long v;

	next(p);
	for (;;) {
		const struct tok *t = peek(p, 0);
		size_t i;
		bool ok = false;

		if (tok_is(t, "prefix")) {
			next(p);
			t = peek(p, 0);
			if (t->t != T_QUOTED && t->t != T_WORD)
				return unexpected(p, "quoted string");
			if (t->len > 127)
				return perr(p, t,
				            "log prefix is too long (127 characters at most)");
			next(p);
		} else if (tok_is(t, "level")) {
			next(p);
			for (i = 0; i < ARRAY_LEN(levels); i++)
				ok |= tok_is(peek(p, 0), levels[i]);
			if (!ok)
				return unexpected(p, "log level");
			next(p);
		} else if (tok_is(t, "group") || tok_is(t, "snaplen") ||
		           tok_is(t, "queue-threshold")) {
			next(p);
			if (!parse_int(p, 0, 0xffffffffll, &v, "log option"))
				return false;
		} else if (tok_is(t, "flags")) {
			next(p);
			for (;;) {
				t = peek(p, 0);
				ok = false;
				for (i = 0; i < ARRAY_LEN(flags); i++)
					ok |= tok_is(t, flags[i]);
				if (!ok)
					return unexpected(p, "log flag");
				next(p);
				if (tok_is(&p->last, "tcp") || tok_is(&p->last, "ip")) {
					if (!accept_word(p, "sequence") &&
					    !accept_word(p, "options"))
						return unexpected(p, "sequence or options");
					while (accept_tok(p, T_COMMA))
						if (!accept_word(p, "sequence") &&
						    !accept_word(p, "options"))
							return unexpected(p, "sequence or options");
				}
				if (!accept_tok(p, T_COMMA))
					break;
			}
		} else {
			return true;
		}
	}
}

/* queue [flags bypass,fanout] [num N | to N[-M] | to EXPR] */
static bool
stmt_queue(struct P *p, struct rstate *rs)
{
	struct item *it;
	struct ntype ty = {DT_INTEGER, 16};

	next(p); /* queue */
	if (!check_terminal(p, rs))
		return false;
	set_terminal(rs);
	for (;;) {
		if (accept_word(p, "flags")) {
			do {
				if (!accept_word(p, "bypass") && !accept_word(p, "fanout"))
					return unexpected(p, "bypass or fanout");
			} while (accept_tok(p, T_COMMA));
		} else if (accept_word(p, "bypass") || accept_word(p, "fanout")) {
			accept_tok(p, T_COMMA); /* the older form: flags without "flags" */
		} else if (accept_word(p, "num") || accept_word(p, "to")) {
			struct sval v;

			if (!parse_sval(p, rs, &ty, 1, true, false, &v)) {
				sval_free(&v);
				return false;
			}
			sval_free(&v);
		} else {
			break;
		}
	}
	it = rs_item(rs, IK_VERDICT);
	it->u.a.kind = A_QUEUE;
	it->u.a.name = xstrdup("queue");
	return true;
}

static bool
nat_flags(struct P *p)
{
	for (;;) {
		if (accept_word(p, "random") || accept_word(p, "fully-random") ||
		    accept_word(p, "persistent") || accept_word(p, "netmap")) {
			accept_tok(p, T_COMMA);
			continue;
		}
		return true;
	}
}

/* The model's DNAT/REDIRECT from constants. */
static void
nat_action(struct action *a, const struct sval *addr, int fam, const struct sval *port)
{
	if (addr && addr->isconst && addr->nc > 0 && fam >= 0) {
		a->has_addr = true;
		a->to_fam = (enum family)fam;
		a->to_addr = addr->c[0].lo;
	}
	if (port && port->isconst && port->nc > 0)
		a->to_port = (uint16_t)port->c[0].lo;
}

/* dnat|snat [ip|ip6] [prefix] to ADDR[:PORT] | :PORT | EXPR map {...};
 * masquerade [to :PORT]; redirect [to :PORT] */
static bool
stmt_nat(struct P *p, struct rstate *rs, size_t a0)
{
	struct tok kw = next(p);
	bool dnat = tok_is(&kw, "dnat");
	bool snat = tok_is(&kw, "snat");
	bool redirect = tok_is(&kw, "redirect");
	int fam = -1;
	struct sval addr;
	struct sval port;
	bool has_addr = false;
	bool has_port = false;
	struct item *it;
	struct ntype ty[2];
	struct nsel dep;

	memset(&addr, 0, sizeof(addr));
	memset(&port, 0, sizeof(port));
	if (!check_terminal(p, rs))
		return false;
	set_terminal(rs);
	if (dnat || snat) {
		if (accept_word(p, "ip"))
			fam = FAM_V4;
		else if (accept_word(p, "ip6"))
			fam = FAM_V6;
		accept_word(p, "prefix");
	}
	if (accept_word(p, "to")) {
		if (!(dnat || snat) && !atk(p, T_COLON))
			return unexpected(p, "':'");
		if (!atk(p, T_COLON)) {
			/* the address: its family from the table, ip/ip6, or itself */
			const struct tok *t = peek(p, 0);
			int f = fam >= 0            ? fam
			        : rs->fam == NF_IP  ? FAM_V4
			        : rs->fam == NF_IP6 ? FAM_V6
			                            : rs->l3ctx;
			unsigned char buf[16];
			char w[64];

			if (f < 0 && t->t == T_WORD && tok_cstr(t, w, sizeof(w)))
				f = inet_pton(AF_INET, w, buf) == 1    ? FAM_V4
				    : inet_pton(AF_INET6, w, buf) == 1 ? FAM_V6
				                                       : -1;
			ty[0] = ntype_of(f == FAM_V6 ? DT_IPV6 : DT_IPV4);
			ty[1] = ntype_of(DT_INET_SERVICE);
			if (f < 0 && !is_sel_start(t))
				return perr(p, t,
				            "specify `%s ip' or '%s ip6' in %s table to "
				            "disambiguate",
				            kw.s[0] == 'd' ? "dnat" : "snat",
				            kw.s[0] == 'd' ? "dnat" : "snat", nfam_name(rs->fam));
			if (!parse_sval(p, rs, ty, 2, true, true, &addr))
				goto fail;
			if (addr.ismap && addr.mapref == false && addr.ne > 0 && addr.ev[0].d &&
			    addr.ev[0].d->nv == 0)
				goto fail;
			has_addr = true;
			fam = f;
		}
		if (atk(p, T_COLON) && has_addr && addr.ismap) {
			perr(p, peek(p, 0),
			     "a port after an address map: the map gives both "
			     "(address . port)");
			goto fail;
		}
		if (accept_tok(p, T_COLON)) {
			ty[0] = ntype_of(DT_INET_SERVICE);
			if (!parse_sval(p, rs, ty, 1, true, false, &port))
				goto fail;
			has_port = true;
		}
	}
	nat_flags(p);
	if (has_port && !rs->l4given) {
		perr(p, &kw,
		     "transport protocol mapping is only valid after transport protocol "
		     "match");
		goto fail;
	}
	memset(&dep, 0, sizeof(dep));
	dep.l3 = (int8_t)(rs->fam == NF_INET && fam >= 0 ? fam : -1);
	if (!add_deps(p, rs, &dep, &kw))
		goto fail;
	if (snat || tok_is(&kw, "masquerade")) {
		if (has_addr && addr.ismap && addr.mapref)
			objref_add(p, rs->c->t, REF_MAP, OBJ_NONE, addr.mapname, &addr.at);
		it = rs_item(rs, IK_VERDICT);
		it->u.a.kind = A_ACCEPT;
		it->u.a.name = tok_str(&kw);
		sval_free(&addr);
		sval_free(&port);
		return true;
	}
	if ((has_addr && !addr.isconst) || (has_port && !port.isconst)) {
		/* the address or the port comes from a map keyed on the packet */
		struct sval *m = has_addr && !addr.isconst ? &addr : &port;

		if (!m->ismap) {
			it = rs_item(rs, IK_VERDICT);
			it->u.a.kind = A_UNKNOWN;
			it->u.a.name = log_text(p, a0, p->nlog);
		} else {
			it = rs_item(rs, IK_DMAP);
			it->use = m == &addr ? DM_DNAT : redirect ? DM_REDIRECT : DM_DNAT_PORT;
			it->nsel = m->nkey;
			it->sel = xcalloc(m->nkey, sizeof(*it->sel));
			memcpy(it->sel, m->key, m->nkey * sizeof(*it->sel));
			m->nkey = 0;
			it->setref = m->mapref;
			it->name = m->mapname;
			m->mapname = NULL;
			it->ev = m->ev;
			it->ne = m->ne;
			m->ev = NULL;
			m->ne = 0;
			it->line = kw.line;
			it->u.a.kind = redirect ? A_REDIRECT : A_DNAT;
			it->u.a.name = log_text(p, a0, p->nlog);
			nat_action(&it->u.a, m == &addr ? NULL : &addr, fam, NULL);
		}
		it->text = log_text(p, a0, p->nlog);
		sval_free(&addr);
		sval_free(&port);
		return true;
	}
	it = rs_item(rs, IK_VERDICT);
	it->u.a.kind = redirect ? A_REDIRECT : A_DNAT;
	it->u.a.name = log_text(p, a0, p->nlog);
	nat_action(&it->u.a, has_addr ? &addr : NULL, fam, has_port ? &port : NULL);
	sval_free(&addr);
	sval_free(&port);
	return true;
fail:
	sval_free(&addr);
	sval_free(&port);
	return false;
}

/* tproxy [ip|ip6] to [ADDR][:PORT] */
static bool
stmt_tproxy(struct P *p, struct rstate *rs, size_t a0)
{
	struct tok kw = next(p);
	struct item *it;
	struct sval v;
	struct ntype ty;
	int fam = -1;

	if (accept_word(p, "ip"))
		fam = FAM_V4;
	else if (accept_word(p, "ip6"))
		fam = FAM_V6;
	if (!accept_word(p, "to"))
		return unexpected(p, "to");
	if (!atk(p, T_COLON)) {
		ty = ntype_of(fam == FAM_V6 || (fam < 0 && rs->fam == NF_IP6) ? DT_IPV6 : DT_IPV4);
		if (!parse_sval(p, rs, &ty, 1, false, false, &v)) {
			sval_free(&v);
			return false;
		}
		sval_free(&v);
	}
	if (accept_tok(p, T_COLON)) {
		ty = ntype_of(DT_INET_SERVICE);
		if (!parse_sval(p, rs, &ty, 1, false, false, &v)) {
			sval_free(&v);
			return false;
		}
		sval_free(&v);
	}
	if (!rs->l4given)
		return perr(p, &kw, "transparent proxy support requires transport protocol match");
	it = rs_item(rs, IK_VERDICT);
	it->u.a.kind = A_UNKNOWN;
	it->u.a.name = log_text(p, a0, p->nlog);
	return true;
}

/* fwd [ip|ip6] to EXPR [device EXPR]; dup [to EXPR] [device EXPR]. fwd
 * takes the packet out of the hook (nft_fwd_netdev: NF_STOLEN): what then
 * happens to it is decided elsewhere; dup sends a copy and goes on. */
static bool
stmt_fwd_dup(struct P *p, struct rstate *rs, size_t a0)
{
	struct tok kw = next(p);
	bool fwd = tok_is(&kw, "fwd");
	int fam = -1;
	struct sval v;
	struct ntype ty;

	if (fwd) {
		if (!check_terminal(p, rs))
			return false;
		set_terminal(rs);
	}
	if (accept_word(p, "ip"))
		fam = FAM_V4;
	else if (accept_word(p, "ip6"))
		fam = FAM_V6;
	if (accept_word(p, "to")) {
		ty = ntype_of(fam == FAM_V4                 ? DT_IPV4
		              : fam == FAM_V6               ? DT_IPV6
		              : rs->fam == NF_NETDEV && fwd ? DT_IFNAME
		              : rs->fam == NF_IP            ? DT_IPV4
		              : rs->fam == NF_IP6           ? DT_IPV6
		                                            : DT_IFNAME);
		if (!parse_sval(p, rs, &ty, 1, false, false, &v)) {
			sval_free(&v);
			return false;
		}
		sval_free(&v);
	}
	if (accept_word(p, "device")) {
		ty = ntype_of(DT_IFNAME);
		if (!parse_sval(p, rs, &ty, 1, false, false, &v)) {
			sval_free(&v);
			return false;
		}
		sval_free(&v);
	}
	if (fwd) {
		struct item *it = rs_item(rs, IK_VERDICT);

		it->u.a.kind = A_UNKNOWN;
		it->u.a.name = log_text(p, a0, p->nlog);
	}
	return true;
}

static bool objref_value(struct P *p, struct rstate *rs, enum objkind k);

/* synproxy [mss N] [wscale N] [timestamp] [sack-perm] | synproxy name X */
static bool
stmt_synproxy(struct P *p, struct rstate *rs, size_t a0)
{
	struct item *it;
	long long v;

	next(p);
	if (accept_word(p, "name")) {
		if (!objref_value(p, rs, OBJ_SYNPROXY))
			return false;
	} else {
		for (;;) {
			if (accept_word(p, "mss") || accept_word(p, "maxseg")) {
				if (!parse_int(p, 0, 65535, &v, "mss"))
					return false;
			} else if (accept_word(p, "wscale")) {
				if (!parse_int(p, 0, 14, &v, "wscale"))
					return false;
			} else if (!accept_word(p, "timestamp") && !accept_word(p, "sack-perm") &&
			           !accept_word(p, "sack-permitted")) {
				break;
			}
		}
	}
	/* SYNPROXY answers the SYN itself and opens the real connection later */
	it = rs_item(rs, IK_VERDICT);
	it->u.a.kind = A_UNKNOWN;
	it->u.a.name = log_text(p, a0, p->nlog);
	return true;
}

/* Statements whose value is an object's name: ct helper/timeout/expectation
 * set, counter/quota/limit/synproxy name. */
static bool
objref_value(struct P *p, struct rstate *rs, enum objkind k)
{
	struct sval v;
	struct ntype ty = ntype_of(DT_STRING);

	if (!parse_sval(p, rs, &ty, 1, false, false, &v)) {
		sval_free(&v);
		return false;
	}
	if (v.isconst && v.c[0].str) {
		if (v.c[0].wild || strchr(v.c[0].str, '*')) {
			perr(p, &v.at, "\"%s\" is not a %s name", v.c[0].str, objkind_names[k]);
			sval_free(&v);
			return false;
		}
		objref_add(p, rs->c->t, REF_OBJ, k, v.c[0].str, &v.at);
	}
	if (v.ismap && v.mapref)
		objref_add(p, rs->c->t, REF_MAP, k, v.mapname, &v.at);
	if (v.ismap && !v.mapref) {
		size_t i;

		for (i = 0; i < v.ne; i++) {
			const char *name =
			    v.ev[i].d && v.ev[i].d->nv > 0 ? v.ev[i].d->v[0].str : NULL;

			if (name == NULL)
				continue;
			if (strchr(name, '*')) {
				perr(p, &v.at, "\"%s\" is not a %s name", name, objkind_names[k]);
				sval_free(&v);
				return false;
			}
			objref_add(p, rs->c->t, REF_OBJ, k, name, &v.at);
		}
	}
	sval_free(&v);
	return true;
}

/* A rate statement: the M_RATE match (under a limit: it matches quiet
 * traffic; over it: crowded traffic). */
static void
rate_item(struct rstate *rs, const struct rate *r, char *text)
{
	struct match *m = rs_match(rs, M_RATE, false, text);

	m->u.rate = *r;
	free(text);
}

/* counter|quota|limit name NAME | name EXPR map {...} */
static bool
stmt_objname(struct P *p, struct rstate *rs, enum objkind k, size_t a0)
{
	const struct tok *t;

	next(p); /* counter, quota, limit */
	next(p); /* name */
	t = peek(p, 0);
	if (!is_sel_start(t)) {
		struct item *it;
		char *name;

		if (t->t != T_QUOTED && t->t != T_WORD)
			return unexpected(p, "object name");
		name = tok_str(t);
		objref_add(p, rs->c->t, REF_OBJ, k, name, t);
		next(p);
		if (k == OBJ_COUNTER) {
			free(name);
			return true;
		}
		/* the object's rate: looked up when the rule is lowered */
		it = rs_item(rs, IK_MATCH);
		it->u.m.kind = M_RATE;
		it->u.m.text = log_text(p, a0, p->nlog);
		it->name = name;
		it->objk = k;
		return true;
	}
	/* which object applies depends on the packet */
	if (!objref_value(p, rs, k))
		return false;
	if (k != OBJ_COUNTER) {
		char *txt = log_text(p, a0, p->nlog);

		rs_match(rs, M_UNKNOWN, false, txt);
		free(txt);
	}
	return true;
}

static bool
stmt_stateful(struct P *p, struct rstate *rs, enum stateful k, size_t a0)
{
	bool is_rate;
	struct rate r;

	if (tok_is(peek(p, 1), "name") && (k == ST_COUNTER || k == ST_QUOTA || k == ST_NONE))
		return stmt_objname(p, rs,
		                    k == ST_COUNTER ? OBJ_COUNTER
		                    : k == ST_QUOTA ? OBJ_QUOTA
		                                    : OBJ_LIMIT,
		                    a0);
	if (!parse_stateful(p, k, &is_rate, &r))
		return false;
	if (is_rate)
		rate_item(rs, &r, log_text(p, a0, p->nlog));
	return true;
}

/* The key of a set statement against the set's own (when it is known). */
static bool
setop_key_fits(struct P *p, const struct nset *s, const struct nsel *key, unsigned nkey,
               const char *name, const struct tok *nt)
{
	unsigned i;

	if (s == NULL || !s->has_key)
		return true;
	for (i = 0; i < nkey && i < s->nkey; i++)
		if (key[i].type.dt != s->key[i].dt && key[i].type.dt != DT_INTEGER &&
		    s->key[i].dt != DT_INTEGER &&
		    !(key[i].type.dt == DT_IFNAME && s->key[i].dt == DT_IFINDEX))
			return perr(p, nt, "datatype mismatch: set %s has type %s, the key has %s",
			            name, dtype_name(s->key[i].dt), dtype_name(key[i].type.dt));
	if (nkey != s->nkey)
		return perr(p, nt, "the key has %u component%s, set %s has %u", nkey,
		            nkey == 1 ? "" : "s", name, s->nkey);
	return true;
}

/* add|update|delete @set { KEY [timeout T] [stateful...] [: DATA] }, and
 * the older form nft still reads, set add|update|delete KEY [timeout T] @set
 * (legacy: the set is named after the key, and there is no data). */
static bool
stmt_setop(struct P *p, struct rstate *rs, size_t a0)
{
	struct tok nt;
	char *name = NULL;
	struct nset *s = NULL;
	struct nsel key[NFT_MAX_CONCAT];
	unsigned nkey = 0;
	bool rate = false;
	struct rate r = {false, false};
	bool legacy = accept_word(p, "set");

	next(p); /* add, update, delete */
	memset(&nt, 0, sizeof(nt));
	if (!legacy) {
		if (!expect(p, T_AT))
			return false;
		nt = *peek(p, 0);
		if (!take_name(p, "set", &name))
			return false;
		if (!expect(p, T_LBRACE))
			goto fail;
		s = set_find(rs->c->t, name);
	}
	/* the key: expressions, or constants in their place */
	for (;;) {
		const struct tok *t = peek(p, 0);

		if (nkey >= NFT_MAX_CONCAT) {
			perr(p, t, "too many components in a concatenation");
			goto fail;
		}
		if (expr_is_sel(p)) {
			if (!parse_sel_full(p, &key[nkey], false))
				goto fail;
			if (!add_deps(p, rs, &key[nkey], t)) {
				nkey++;
				goto fail;
			}
		} else {
			struct nval v;
			struct ntype ty = s && nkey < s->nkey ? s->key[nkey] : ntype_of(DT_INTEGER);
			bool ranged;

			memset(&key[nkey], 0, sizeof(key[nkey]));
			if (s == NULL && (t->t == T_WORD || t->t == T_QUOTED)) {
				next(p);
			} else if (!parse_component(p, ty, &v, &ranged)) {
				goto fail;
			} else {
				free(v.str);
			}
			key[nkey].type = ty;
		}
		nkey++;
		if (!accept_tok(p, T_DOT))
			break;
	}
	if (!legacy && !setop_key_fits(p, s, key, nkey, name, &nt))
		goto fail;
	for (;;) {
		enum stateful st = stateful_at(p);
		uint64_t ms;

		if (accept_word(p, "timeout") || accept_word(p, "expires")) {
			if (!parse_time(p, &ms))
				goto fail;
		} else if (st != ST_NONE) {
			bool is_rate;
			struct rate rr;

			if (!parse_stateful(p, st, &is_rate, &rr))
				goto fail;
			if (is_rate) {
				rate = true;
				r = rr;
			}
		} else {
			break;
		}
	}
	if (legacy) {
		if (!expect(p, T_AT))
			goto fail;
		nt = *peek(p, 0);
		if (!take_name(p, "set", &name))
			goto fail;
		s = set_find(rs->c->t, name);
		if (!setop_key_fits(p, s, key, nkey, name, &nt))
			goto fail;
		if (s && s->is_map && !s->objtype) {
			perr(p, &nt, "map %s needs a value for its elements (key : value)", name);
			goto fail;
		}
	} else if (atk(p, T_COLON)) {
		struct tok c = next(p);
		struct sval v;

		if (s && !s->is_map) {
			perr(p, &c, "set %s is not a map: its elements have no value", name);
			goto fail;
		}
		if (s && s->has_key && s->ndata > 0) {
			if (!parse_sval(p, rs, s->data, s->ndata, s->data_interval, false, &v)) {
				sval_free(&v);
				goto fail;
			}
		} else {
			struct ntype ty = ntype_of(DT_INTEGER);

			ty.bits = 128;
			if (!parse_sval(p, rs, &ty, 1, true, false, &v)) {
				sval_free(&v);
				goto fail;
			}
		}
		sval_free(&v);
	} else if (s && s->is_map && !s->objtype) {
		perr(p, &nt, "map %s needs a value for its elements (key : value)", name);
		goto fail;
	}
	if (!legacy && !expect(p, T_RBRACE))
		goto fail;
	if (s == NULL)
		objref_add(p, rs->c->t, REF_SET, OBJ_NONE, name, &nt);
	if (rate)
		rate_item(rs, &r, log_text(p, a0, p->nlog));
	sels_free(key, nkey);
	free(name);
	return true;
fail:
	sels_free(key, nkey);
	free(name);
	return false;
}

/* meter NAME [size N] { KEY [timeout T] STMT } ; flow table NAME { ... } */
static bool
stmt_meter(struct P *p, struct rstate *rs, size_t a0)
{
	char *name = NULL;
	long long v;
	struct nsel key[NFT_MAX_CONCAT];
	unsigned nkey = 0;
	enum stateful st;
	bool is_rate = false;
	struct rate r;
	uint64_t ms;

	if (accept_word(p, "flow"))
		accept_word(p, "table");
	else
		next(p);
	if (!take_name(p, "meter", &name))
		return false;
	free(name);
	if (accept_word(p, "size") && !parse_int(p, 0, 0xffffffffll, &v, "size"))
		return false;
	if (!expect(p, T_LBRACE))
		return false;
	if (!parse_sel_concat(p, key, &nkey, false))
		return false;
	sels_free(key, nkey);
	if (accept_word(p, "timeout") && !parse_time(p, &ms))
		return false;
	st = stateful_at(p);
	if (st == ST_NONE)
		return unexpected(p, "limit or counter or quota or ct count");
	if (!parse_stateful(p, st, &is_rate, &r))
		return false;
	if (!expect(p, T_RBRACE))
		return false;
	if (is_rate)
		rate_item(rs, &r, log_text(p, a0, p->nlog));
	return true;
}

/* SEL set VALUE: meta/ct keys and header fields written by the rule. */
static bool
stmt_set(struct P *p, struct rstate *rs, struct nsel *target, const struct tok *at0, size_t a0)
{
	static const char *const meta_settable[] = {"broute",  "mark",     "nftrace",
	                                            "pkttype", "priority", "secmark"};
	static const char *const ct_settable[] = {"event", "label", "mark", "secmark", "zone"};
	const char *txt = sel_text(p, target);
	struct sval v;
	struct item *it;
	bool ok = false;
	size_t i;

	next(p); /* set */
	if (strcmp(txt, "meta secmark") == 0 &&
	    !(is_sel_start(peek(p, 0)) &&
	      (tok_is(peek(p, 0), "ct") || tok_is(peek(p, 1), "secmark"))))
		return objref_value(p, rs, OBJ_SECMARK);
	if (strncmp(txt, "meta ", 5) == 0 || strchr(txt, ' ') == NULL) {
		const char *k = strncmp(txt, "meta ", 5) == 0 ? txt + 5 : txt;

		for (i = 0; i < ARRAY_LEN(meta_settable); i++)
			ok |= strcmp(k, meta_settable[i]) == 0;
	} else if (strncmp(txt, "ct ", 3) == 0) {
		for (i = 0; i < ARRAY_LEN(ct_settable); i++)
			ok |= strcmp(txt + 3, ct_settable[i]) == 0;
	} else if (!(strncmp(txt, "fib ", 4) == 0 || strncmp(txt, "numgen", 6) == 0 ||
	             strncmp(txt, "jhash", 5) == 0 || strncmp(txt, "symhash", 7) == 0 ||
	             strncmp(txt, "rt ", 3) == 0 || strncmp(txt, "socket", 6) == 0 ||
	             strncmp(txt, "osf", 3) == 0 || strncmp(txt, "ipsec", 5) == 0)) {
		ok = true; /* a header field */
	}
	if (!ok || target->masked || target->shifted)
		return perr(p, at0, "%s cannot be set", txt);
	if (!parse_sval(p, rs, &target->type, 1, false, false, &v)) {
		sval_free(&v);
		return false;
	}
	if (target->mk == SM_MARK || target->mk == SM_CTMARK) {
		bool conn = target->mk == SM_CTMARK;

		if (v.isconst) {
			it = rs_item(rs, IK_PRE);
			it->u.a.kind = conn ? A_CONNMARK_SET : A_SETMARK;
			it->u.a.value = (uint32_t)v.c[0].lo;
			it->u.a.mask = 0xffffffffu;
			it->u.a.name = log_text(p, a0, p->nlog);
		} else if (!conn && v.plain && v.key[0].mk == SM_CTMARK) {
			it = rs_item(rs, IK_PRE);
			it->u.a.kind = A_CONNMARK_RESTORE;
			it->u.a.mask = 0xffffffffu;
			it->u.a.name = log_text(p, a0, p->nlog);
		} else if (conn && v.plain && v.key[0].mk == SM_MARK) {
			/* ct mark set meta mark: the reply path reads it */
			it = rs_item(rs, IK_PRE);
			it->u.a.kind = A_CONNMARK_SAVE;
			it->u.a.mask = 0xffffffffu;
			it->u.a.name = log_text(p, a0, p->nlog);
		} else if (v.ismap) {
			it = rs_item(rs, IK_DMAP);
			it->use = conn ? DM_CTMARK : DM_MARK;
			it->nsel = v.nkey;
			it->sel = xcalloc(v.nkey, sizeof(*it->sel));
			memcpy(it->sel, v.key, v.nkey * sizeof(*it->sel));
			v.nkey = 0;
			it->setref = v.mapref;
			it->name = v.mapname;
			v.mapname = NULL;
			it->ev = v.ev;
			it->ne = v.ne;
			v.ev = NULL;
			v.ne = 0;
			it->line = at0->line;
			it->text = log_text(p, a0, p->nlog);
		} else {
			/* a mark computed from the packet: later tests of it cannot
			 * be decided */
			it = rs_item(rs, IK_VERDICT);
			it->u.a.kind = A_UNKNOWN;
			it->u.a.name = log_text(p, a0, p->nlog);
			it->u.a.detail = xstrdup("mark");
		}
	} else if (target->mk == SM_DADDR || target->mk == SM_DPORT) {
		/* the packet is rewritten where the walk reads it */
		it = rs_item(rs, IK_VERDICT);
		it->u.a.kind = A_UNKNOWN;
		it->u.a.name = log_text(p, a0, p->nlog);
		it->u.a.detail = xstrdup("rewrite");
	}
	sval_free(&v);
	return true;
}

/* SEL vmap { k : verdict, ... } | SEL vmap @map */
static bool
stmt_vmap(struct P *p, struct item *it, size_t a0)
{
	struct ntype ty[NFT_MAX_CONCAT];
	struct tok kw = next(p); /* vmap */

	it->k = IK_VMAP;
	it->line = kw.line;
	sel_types(it->sel, it->nsel, ty);
	if (atk(p, T_AT)) {
		next(p);
		it->setref = true;
		if (!take_name(p, "map", &it->name))
			return false;
	} else if (accept_tok(p, T_LBRACE)) {
		struct esink sk;
		struct mapspec ms;

		memset(&sk, 0, sizeof(sk));
		memset(&ms, 0, sizeof(ms));
		ms.verdict = true;
		if (!parse_elem_list(p, ty, it->nsel, &ms, true, &sk, 0)) {
			nelems_free(sk.ev, sk.ne);
			return false;
		}
		it->ev = sk.ev;
		it->ne = sk.ne;
	} else {
		return unexpected(p, "'{' or '@'");
	}
	it->text = log_text(p, a0, p->nlog);
	return true;
}

/* A statement that starts with an expression: a relation, SEL set VALUE,
 * SEL vmap MAP. */
static bool
stmt_expr(struct P *p, struct rstate *rs, size_t a0)
{
	struct tok at0 = *peek(p, 0);
	struct item it;
	unsigned i;

	memset(&it, 0, sizeof(it));
	it.k = IK_COND;
	{
		struct nsel sel[NFT_MAX_CONCAT];

		if (!parse_sel_concat(p, sel, &it.nsel, false))
			return false;
		it.sel = xreallocarray(NULL, it.nsel, sizeof(*it.sel));
		memcpy(it.sel, sel, it.nsel * sizeof(*it.sel));
	}
	for (i = 0; i < it.nsel; i++) {
		if (it.sel[i].isconst)
			continue;
		if (it.sel[i].type.dt == DT_INVALID) {
			perr(p, &at0,
			     "%s in a %s table: specify either ip or ip6 for address "
			     "matching",
			     sel_text(p, &it.sel[i]), nfam_name(rs->fam));
			goto fail;
		}
		if (!add_deps(p, rs, &it.sel[i], &at0))
			goto fail;
	}
	for (i = 0; i < it.nsel && it.sel[i].isconst; i++)
		;
	if (i == it.nsel) {
		perr(p, &at0, "Relational expression has constant value");
		goto fail;
	}
	if (at_word(p, "set")) {
		bool ok = it.nsel == 1 ? stmt_set(p, rs, &it.sel[0], &at0, a0)
		                       : perr(p, &at0, "a concatenation cannot be set");

		item_release(&it);
		return ok;
	}
	if (at_word(p, "vmap")) {
		struct item *dst;

		if (!check_terminal(p, rs))
			goto fail;
		if (!stmt_vmap(p, &it, a0))
			goto fail;
		dst = rs_item(rs, IK_VMAP);
		*dst = it;
		return true;
	}
	if (at_word(p, "map")) {
		perr(p, peek(p, 0), "a map lookup is a value: it needs a statement (set, dnat...)");
		goto fail;
	}
	{
		struct tok opt = *peek(p, 0);

		it.op = parse_relop(p);
		if (at_end(p)) {
			perr(p, &opt, "syntax error, %s needs a value to compare with",
			     sel_text(p, &it.sel[0]));
			goto fail;
		}
		for (i = 0; i < it.nsel; i++)
			if (it.sel[i].isconst && !atk(p, T_AT)) {
				perr(p, &it.sel[i].ctok,
				     "the constant %s in a concatenation needs a "
				     "named set to give its type",
				     it.sel[i].text);
				goto fail;
			}
		if (!parse_rhs(p, &it, &opt))
			goto fail;
		if (it.op == OP_NEG && !dtinfo[it.sel[0].type.dt].bitmask) {
			perr(p, &opt,
			     "negation can only be used with singleton bitmask values.  "
			     "Did you mean \"!=\"?");
			goto fail;
		}
	}
	it.text = log_text(p, a0, p->nlog);
	it.line = at0.line;
	if (!note_context(p, rs, &it, &at0))
		goto fail;
	*rs_item(rs, IK_COND) = it;
	return true;
fail:
	item_release(&it);
	return false;
}

static bool
parse_stmt(struct P *p, struct rstate *rs)
{
	size_t a0 = p->nlog;
	const struct tok *t = peek(p, 0);
	enum stateful st;

	if (t->t != T_WORD && t->t != T_AT && t->t != T_LPAREN)
		return unexpected(p, NULL);
	if (tok_is(t, "accept"))
		return stmt_verdict(p, rs, A_ACCEPT);
	if (tok_is(t, "drop"))
		return stmt_verdict(p, rs, A_DROP);
	if (tok_is(t, "continue"))
		return stmt_verdict(p, rs, A_CONTINUE);
	if (tok_is(t, "return"))
		return stmt_verdict(p, rs, A_RETURN);
	if (tok_is(t, "jump") || tok_is(t, "goto"))
		return stmt_jump(p, rs);
	if (tok_is(t, "comment")) {
		next(p);
		t = peek(p, 0);
		if (t->t != T_QUOTED && t->t != T_WORD)
			return unexpected(p, "quoted string");
		if (t->len > NFT_COMMENT_MAXLEN)
			return perr(p, t, "comment too long, %u characters maximum allowed",
			            NFT_COMMENT_MAXLEN);
		free(rs->r->comment);
		rs->r->comment = tok_str(t);
		next(p);
		return true;
	}
	if (!check_terminal(p, rs))
		return false;
	if (tok_is(t, "reject"))
		return stmt_reject(p, rs, a0);
	if (tok_is(t, "queue"))
		return stmt_queue(p, rs);
	if (tok_is(t, "dnat") || tok_is(t, "snat") || tok_is(t, "masquerade") ||
	    tok_is(t, "redirect"))
		return stmt_nat(p, rs, a0);
	if (tok_is(t, "tproxy"))
		return stmt_tproxy(p, rs, a0);
	if (tok_is(t, "fwd") || tok_is(t, "dup"))
		return stmt_fwd_dup(p, rs, a0);
	if (tok_is(t, "synproxy"))
		return stmt_synproxy(p, rs, a0);
	if (tok_is(t, "log"))
		return stmt_log(p);
	if (tok_is(t, "notrack")) {
		struct item *it = rs_item(rs, IK_PRE);

		next(p);
		it->u.a.kind = A_NOTRACK;
		it->u.a.name = xstrdup("notrack");
		return true;
	}
	if (tok_is(t, "comment")) {
		next(p);
		t = peek(p, 0);
		if (t->t != T_QUOTED && t->t != T_WORD)
			return unexpected(p, "quoted string");
		if (t->len > NFT_COMMENT_MAXLEN)
			return perr(p, t, "comment too long, %u characters maximum allowed",
			            NFT_COMMENT_MAXLEN);
		free(rs->r->comment);
		rs->r->comment = tok_str(t);
		next(p);
		return true;
	}
	if (tok_is(t, "xt"))
		return perr(p, t,
		            "unsupported xtables compat expression, use iptables-nft with "
		            "this ruleset");
	if (tok_is(t, "meter") || (tok_is(t, "flow") && tok_is(peek(p, 1), "table")))
		return stmt_meter(p, rs, a0);
	if (tok_is(t, "flow")) {
		struct tok nt;
		char *name = NULL;

		next(p);
		if (!accept_word(p, "add") && !accept_word(p, "offload"))
			return unexpected(p, "add or offload");
		if (!expect(p, T_AT))
			return false;
		nt = *peek(p, 0);
		if (!take_name(p, "flowtable", &name))
			return false;
		objref_add(p, rs->c->t, REF_FLOWTABLE, OBJ_NONE, name, &nt);
		free(name);
		return true;
	}
	if ((tok_is(t, "add") || tok_is(t, "update") || tok_is(t, "delete")) &&
	    peek(p, 1)->t == T_AT)
		return stmt_setop(p, rs, a0);
	if (tok_is(t, "set") && (tok_is(peek(p, 1), "add") || tok_is(peek(p, 1), "update") ||
	                         tok_is(peek(p, 1), "delete")))
		return stmt_setop(p, rs, a0);
	if (tok_is(t, "limit") && tok_is(peek(p, 1), "name"))
		return stmt_stateful(p, rs, ST_NONE, a0);
	if (tok_is(t, "tunnel") && tok_is(peek(p, 1), "name")) {
		next(p);
		next(p);
		return objref_value(p, rs, OBJ_TUNNEL);
	}
	if ((st = stateful_at(p)) != ST_NONE)
		return stmt_stateful(p, rs, st, a0);
	if (tok_is(t, "ct") &&
	    (tok_is(peek(p, 1), "helper") || tok_is(peek(p, 1), "timeout") ||
	     tok_is(peek(p, 1), "expectation")) &&
	    tok_is(peek(p, 2), "set")) {
		enum objkind k = tok_is(peek(p, 1), "helper")    ? OBJ_CT_HELPER
		                 : tok_is(peek(p, 1), "timeout") ? OBJ_CT_TIMEOUT
		                                                 : OBJ_CT_EXPECT;

		next(p);
		next(p);
		next(p);
		return objref_value(p, rs, k);
	}
	if (tok_is(t, "reset") && tok_is(peek(p, 1), "tcp")) {
		next(p);
		next(p);
		if (!accept_word(p, "option"))
			return unexpected(p, "option");
		if (!atk(p, T_WORD) && !atk(p, T_NUM))
			return unexpected(p, "tcp option name");
		next(p);
		return true;
	}
	if (expr_is_sel(p))
		return stmt_expr(p, rs, a0);
	return perr(p, t, "syntax error, unexpected %.*s", (int)t->len, t->s);
}

/* A rule nft refuses stands where it was written, as unreadable: what
 * reaches it is undecided (A_UNREADABLE), never let through. */
static void
nrule_make_unreadable(struct nrule *r)
{
	struct item *it;
	size_t i;

	for (i = 0; i < r->nit; i++)
		item_release(&r->it[i]);
	r->nit = 0;
	grow((void **)&r->it, &r->itcap, r->nit, sizeof(*r->it));
	it = &r->it[r->nit++];
	memset(it, 0, sizeof(*it));
	it->k = IK_VERDICT;
	it->line = r->loc.line;
	it->u.a.kind = A_UNREADABLE;
}

/* A rule: statements up to the end of the line; added to c at pos (the
 * end when SIZE_MAX), or before pos when insert. A refused rule is added
 * too, as unreadable, and false returned. */
static bool
parse_rule_into(struct P *p, struct nchain *c, size_t pos, bool insert)
{
	struct rstate rs;
	struct nrule *r;
	size_t base = p->nlog;
	bool was_logging = p->logging;
	enum nfam saved = p->fam_ctx;
	const struct nchain *saved_chain = p->chain_ctx;
	bool ok = true;

	memset(&rs, 0, sizeof(rs));
	r = xcalloc(1, sizeof(*r));
	r->loc = tok_loc(peek(p, 0));
	rs.c = c;
	rs.r = r;
	rs.fam = c->t->fam;
	rs.l3ctx = rs.fam == NF_IP ? FAM_V4 : rs.fam == NF_IP6 ? FAM_V6 : -1;
	p->fam_ctx = c->t->fam;
	p->chain_ctx = c;
	p->logging = true;
	if (at_end(p))
		ok = unexpected(p, "statement");
	while (ok && !at_end(p) && !p->stop)
		ok = parse_stmt(p, &rs);
	p->fam_ctx = saved;
	p->chain_ctx = saved_chain;
	p->logging = was_logging;
	p->nlog = base;
	if (!ok)
		nrule_make_unreadable(r);
	if (p->nrules >= CAP_RULES) {
		nrule_free(r);
		p->stop = true;
		return perr(p, peek(p, 0), "more than %u rules: the rest is not read", CAP_RULES);
	}
	p->nrules++;
	if (r->nit < r->itcap) {
		r->it = xreallocarray(r->it, r->nit ? r->nit : 1, sizeof(*r->it));
		r->itcap = r->nit;
	}
	grow((void **)&c->rules, &c->rcap, c->nrule, sizeof(*c->rules));
	if (pos == SIZE_MAX || pos >= c->nrule) {
		c->rules[c->nrule++] = r;
	} else {
		size_t at_ = insert ? pos : pos + 1;

		memmove(&c->rules[at_ + 1], &c->rules[at_], (c->nrule - at_) * sizeof(*c->rules));
		c->rules[at_] = r;
		c->nrule++;
	}
	if (insert && pos == SIZE_MAX) {
		/* insert without a position: the rule goes first */
		memmove(&c->rules[1], &c->rules[0], (c->nrule - 1) * sizeof(*c->rules));
		c->rules[0] = r;
	}
	return ok;
}

/* The rules of an anonymous chain, up to its '}'. */
static bool
parse_rule_block(struct P *p, struct nchain *c)
{
	bool ok = true;
	unsigned saved = p->blockd;

	p->bdepth++;
	p->blockd = p->depth;
	for (;;) {
		while (accept_tok(p, T_NL) || accept_tok(p, T_SEMI))
			;
		if (accept_tok(p, T_RBRACE))
			break;
		if (atk(p, T_EOF) || p->stop) {
			ok = unexpected(p, "'}'");
			break;
		}
		if (!parse_rule_into(p, c, SIZE_MAX, false) ||
		    (!atk(p, T_RBRACE) && !end_stmt(p))) {
			ok = false;
			break;
		}
	}
	p->bdepth--;
	p->blockd = saved;
	return ok;
}

/* ---- commands ---- */

static bool
reject_handle(struct P *p)
{
	if (at_word(p, "handle") || at_word(p, "position"))
		return perr(p, peek(p, 0),
		            "rule and object handles are given by the kernel when the "
		            "ruleset is loaded: \"%.*s\" cannot be audited",
		            (int)peek(p, 0)->len, peek(p, 0)->s);
	return true;
}

/* [add|insert] rule [family] table chain [index N] STATEMENTS */
static void
rule_cmd(struct P *p, bool insert)
{
	struct spec s;
	struct ntable *t;
	struct nchain *c;
	size_t pos = SIZE_MAX;

	if (!take_spec(p, &s, "chain")) {
		spec_free(&s);
		resync(p);
		return;
	}
	if ((t = table_find(p, s.fam, s.table)) == NULL) {
		perr(p, &s.at, "table %s %s does not exist", nfam_name(s.fam), s.table);
		spec_free(&s);
		resync(p);
		return;
	}
	if ((c = chain_find(t, s.name)) == NULL) {
		perr(p, &s.name_at, "chain %s does not exist in table %s %s", s.name,
		     nfam_name(s.fam), s.table);
		spec_free(&s);
		resync(p);
		return;
	}
	spec_free(&s);
	if (!reject_handle(p)) {
		resync(p);
		return;
	}
	if (at_word(p, "index")) {
		long long v;
		struct tok it = next(p);

		if (!parse_int(p, 0, 0xffffffffll, &v, "index")) {
			resync(p);
			return;
		}
		if ((size_t)v >= c->nrule) {
			perr(p, &it, "index %lld: chain %s has %zu rules", v, c->name, c->nrule);
			resync(p);
			return;
		}
		pos = (size_t)v;
	}
	if (!parse_rule_into(p, c, pos, insert)) {
		resync(p);
		return;
	}
	if (!end_stmt(p))
		resync(p);
}

static void
add_cmd(struct P *p, bool create, bool implicit)
{
	struct tok kw = *peek(p, 0);
	struct spec s;
	struct ntable *t;
	enum objkind ok;
	size_t n;

	memset(&s, 0, sizeof(s));
	if (tok_is(&kw, "table")) {
		next(p);
		if (!take_table_spec(p, &s))
			goto fail;
		table_decl(p, &s, create, atk(p, T_LBRACE));
		spec_free(&s);
		if (!end_stmt(p))
			resync(p);
		return;
	}
	if (tok_is(&kw, "chain")) {
		next(p);
		if (!take_spec(p, &s, "chain") || (t = spec_table(p, &s)) == NULL)
			goto fail;
		if (!valid_name_len(p, &s.name_at, "chain", s.name))
			goto fail;
		chain_decl(p, t, s.name, &s.name_at, create, atk(p, T_LBRACE));
		spec_free(&s);
		if (!end_stmt(p))
			resync(p);
		return;
	}
	if (tok_is(&kw, "rule")) {
		next(p);
		rule_cmd(p, false);
		return;
	}
	if (tok_is(&kw, "set") || tok_is(&kw, "map")) {
		next(p);
		if (!take_spec(p, &s, tok_is(&kw, "map") ? "map" : "set") ||
		    (t = spec_table(p, &s)) == NULL)
			goto fail;
		set_decl(p, t, s.name, &s.name_at, tok_is(&kw, "map"), create);
		spec_free(&s);
		if (!end_stmt(p))
			resync(p);
		return;
	}
	if (tok_is(&kw, "element")) {
		struct nset *set;

		next(p);
		if (!take_spec(p, &s, "set") || (t = spec_table(p, &s)) == NULL)
			goto fail;
		if ((set = set_find(t, s.name)) == NULL) {
			perr(p, &s.name_at, "set %s does not exist in table %s %s", s.name,
			     nfam_name(s.fam), s.table);
			goto fail;
		}
		if (!elements_block(p, set, false))
			goto fail;
		spec_free(&s);
		if (!end_stmt(p))
			resync(p);
		return;
	}
	if (tok_is(&kw, "flowtable")) {
		next(p);
		if (!take_spec(p, &s, "flowtable") || (t = spec_table(p, &s)) == NULL)
			goto fail;
		flowtable_decl(p, t, s.name, &s.name_at, create);
		spec_free(&s);
		if (!end_stmt(p))
			resync(p);
		return;
	}
	ok = objkind_at(p, &n);
	if (ok != OBJ_NONE) {
		while (n-- > 0)
			next(p);
		if (!take_spec(p, &s, objkind_names[ok]) || (t = spec_table(p, &s)) == NULL)
			goto fail;
		if (!object_block(p, t, ok, s.name, &s.name_at, create))
			goto fail;
		spec_free(&s);
		return;
	}
	if (create) {
		unexpected(p, "table or chain or set or map or element or flowtable or object");
		resync(p);
		return;
	}
	/* [add] [family] table chain STATEMENTS */
	if (implicit) {
		const struct tok *t0 = peek(p, 0);
		char w[16];
		enum nfam f = NF_IP;
		bool famword = tok_cstr(t0, w, sizeof(w)) && FIND(fam_names, w) != NULL;
		const struct tok *tn = famword ? peek(p, 1) : t0;
		char *name = tn->t == T_WORD || tn->t == T_QUOTED ? tok_str(tn) : NULL;

		if (famword)
			f = (enum nfam)((const struct sym *)FIND(fam_names, w))->val;
		if (name == NULL || table_find(p, f, name) == NULL) {
			free(name);
			unexpected(p, NULL);
			resync(p);
			return;
		}
		free(name);
	}
	rule_cmd(p, false);
	return;
fail:
	spec_free(&s);
	resync(p);
}

static void
delete_cmd(struct P *p, bool destroy)
{
	struct tok kw = *peek(p, 0);
	struct spec s;
	struct ntable *t;
	enum objkind ok;
	size_t n;
	const char *verb = destroy ? "destroy" : "delete";

	memset(&s, 0, sizeof(s));
	if (tok_is(&kw, "table")) {
		next(p);
		if (at_word(p, "handle")) {
			reject_handle(p);
			goto fail;
		}
		if (!take_table_spec(p, &s))
			goto fail;
		/* deleting a table this file has not created is the reload idiom:
		 * what it leaves is the same either way */
		if ((t = table_find(p, s.fam, s.table)) != NULL)
			table_delete(p, t);
		goto done;
	}
	if (tok_is(&kw, "rule")) {
		next(p);
		if (take_spec(p, &s, "chain") && !reject_handle(p))
			goto fail;
		if (!at_end(p))
			unexpected(p, "handle");
		goto fail;
	}
	if (tok_is(&kw, "chain") || tok_is(&kw, "set") || tok_is(&kw, "map") ||
	    tok_is(&kw, "flowtable") || tok_is(&kw, "element")) {
		const char *what = tok_is(&kw, "chain")       ? "chain"
		                   : tok_is(&kw, "flowtable") ? "flowtable"
		                   : tok_is(&kw, "map")       ? "map"
		                                              : "set";

		next(p);
		if (!take_table_spec(p, &s))
			goto fail;
		if (at_word(p, "handle")) {
			reject_handle(p);
			goto fail;
		}
		s.name_at = *peek(p, 0);
		if (!take_name(p, what, &s.name))
			goto fail;
		if ((t = table_find(p, s.fam, s.table)) == NULL) {
			if (!destroy)
				perr(p, &s.at, "%s %s: table %s %s does not exist", verb, what,
				     nfam_name(s.fam), s.table);
			goto fail;
		}
		if (tok_is(&kw, "chain")) {
			struct nchain *c = chain_find(t, s.name);

			if (c == NULL) {
				if (!destroy)
					perr(p, &s.name_at,
					     "chain %s does not exist in table %s %s", s.name,
					     nfam_name(s.fam), s.table);
			} else if (c->nrule > 0) {
				perr(p, &s.name_at,
				     "chain %s is not empty: the kernel refuses to "
				     "delete it (flush it first)",
				     s.name);
			} else {
				chain_delete(p, c);
			}
		} else if (tok_is(&kw, "flowtable")) {
			if (flowtable_exists(t, s.name))
				flowtable_delete(t, s.name);
			else if (!destroy)
				perr(p, &s.name_at, "flowtable %s does not exist in table %s %s",
				     s.name, nfam_name(s.fam), s.table);
		} else {
			struct nset *set = set_find(t, s.name);

			if (set == NULL) {
				if (!destroy)
					perr(p, &s.name_at, "%s %s does not exist in table %s %s",
					     what, s.name, nfam_name(s.fam), s.table);
				if (tok_is(&kw, "element"))
					goto fail;
			} else if (tok_is(&kw, "element")) {
				if (!elements_block(p, set, true))
					goto fail;
			} else {
				set_delete(set);
			}
		}
		goto done;
	}
	ok = objkind_at(p, &n);
	if (ok != OBJ_NONE) {
		struct nobj *o;

		while (n-- > 0)
			next(p);
		if (!take_table_spec(p, &s))
			goto fail;
		if (at_word(p, "handle")) {
			reject_handle(p);
			goto fail;
		}
		s.name_at = *peek(p, 0);
		if (!take_name(p, objkind_names[ok], &s.name))
			goto fail;
		if ((t = table_find(p, s.fam, s.table)) == NULL) {
			if (!destroy)
				perr(p, &s.at, "%s %s: table %s %s does not exist", verb,
				     objkind_names[ok], nfam_name(s.fam), s.table);
			goto fail;
		}
		if ((o = obj_find(t, ok, s.name)) != NULL)
			obj_delete(t, o);
		else if (!destroy)
			perr(p, &s.name_at, "%s %s does not exist in table %s %s",
			     objkind_names[ok], s.name, nfam_name(s.fam), s.table);
		goto done;
	}
	unexpected(p, "table or chain or rule or set or map or element or flowtable or object");
	goto fail;
done:
	spec_free(&s);
	if (!end_stmt(p))
		resync(p);
	return;
fail:
	spec_free(&s);
	resync(p);
}

static void
flush_cmd(struct P *p)
{
	struct tok kw = *peek(p, 0);
	struct spec s;
	struct ntable *t;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (tok_is(&kw, "ruleset")) {
		enum nfam f;
		bool one;

		next(p);
		one = take_family(p, &f);
		for (i = 0; i < p->ntab; i++)
			if (p->tabv[i] && (!one || p->tabv[i]->fam == f))
				table_delete(p, p->tabv[i]);
		goto done;
	}
	if (tok_is(&kw, "table")) {
		next(p);
		if (!take_table_spec(p, &s) || (t = spec_table(p, &s)) == NULL)
			goto fail;
		for (i = 0; i < t->nch; i++)
			if (t->ch[i])
				chain_flush_rules(p, t->ch[i]);
		goto done;
	}
	if (tok_is(&kw, "chain")) {
		struct nchain *c;

		next(p);
		if (!take_spec(p, &s, "chain") || (t = spec_table(p, &s)) == NULL)
			goto fail;
		if ((c = chain_find(t, s.name)) == NULL) {
			perr(p, &s.name_at, "chain %s does not exist in table %s %s", s.name,
			     nfam_name(s.fam), s.table);
			goto fail;
		}
		chain_flush_rules(p, c);
		goto done;
	}
	if (tok_is(&kw, "set") || tok_is(&kw, "map") || tok_is(&kw, "meter")) {
		struct nset *set;

		next(p);
		if (!take_spec(p, &s, "set") || (t = spec_table(p, &s)) == NULL)
			goto fail;
		if ((set = set_find(t, s.name)) == NULL) {
			if (!tok_is(&kw, "meter"))
				perr(p, &s.name_at, "set %s does not exist in table %s %s", s.name,
				     nfam_name(s.fam), s.table);
			goto done;
		}
		set_flush(set);
		goto done;
	}
	unexpected(p, "ruleset or table or chain or set or map");
	goto fail;
done:
	spec_free(&s);
	if (!end_stmt(p))
		resync(p);
	return;
fail:
	spec_free(&s);
	resync(p);
}

static void
rename_cmd(struct P *p)
{
	struct spec s;
	struct ntable *t;
	struct nchain *c;
	char *to = NULL;

	memset(&s, 0, sizeof(s));
	if (!accept_word(p, "chain")) {
		unexpected(p, "chain");
		resync(p);
		return;
	}
	if (!take_spec(p, &s, "chain") || (t = spec_table(p, &s)) == NULL ||
	    !take_name(p, "chain", &to))
		goto out;
	if ((c = chain_find(t, s.name)) == NULL) {
		perr(p, &s.name_at, "chain %s does not exist in table %s %s", s.name,
		     nfam_name(s.fam), s.table);
		goto out;
	}
	if (chain_find(t, to)) {
		perr(p, &s.name_at, "chain %s already exists in table %s %s", to, nfam_name(s.fam),
		     s.table);
		goto out;
	}
	hmap_del(&t->chains, c->name);
	free(c->name);
	c->name = to;
	to = NULL;
	hmap_put(&t->chains, c->name, c);
	spec_free(&s);
	if (!end_stmt(p))
		resync(p);
	return;
out:
	free(to);
	spec_free(&s);
	resync(p);
}

static void
command(struct P *p)
{
	const struct tok *t = peek(p, 0);
	static const char *const queries[] = {"describe", "export",  "get",  "import",
	                                      "list",     "monitor", "reset"};
	size_t i;

	if (common_block(p))
		return;
	for (i = 0; i < ARRAY_LEN(queries); i++)
		if (tok_is(t, queries[i])) {
			perr(p, t,
			     "\"%s\" is a query, not part of a ruleset: not supported in a "
			     "ruleset file",
			     queries[i]);
			resync(p);
			return;
		}
	if (t->t == T_LBRACE && tok_is(peek(p, 1), "nftables") == false && p->last.t == T_EOF) {
		perr(p, t,
		     "a JSON ruleset (nft -j) is not supported: give the ruleset in nft "
		     "syntax");
		p->stop = true;
		return;
	}
	if (t->t != T_WORD) {
		unexpected(p, NULL);
		resync(p);
		return;
	}
	if (accept_word(p, "add")) {
		add_cmd(p, false, false);
	} else if (accept_word(p, "create")) {
		add_cmd(p, true, false);
	} else if (accept_word(p, "insert")) {
		if (!accept_word(p, "rule")) {
			unexpected(p, "rule");
			resync(p);
			return;
		}
		rule_cmd(p, true);
	} else if (accept_word(p, "replace")) {
		if (!accept_word(p, "rule")) {
			unexpected(p, "rule");
			resync(p);
			return;
		}
		perr(p, &p->last,
		     "replace rule needs a rule handle, given by the kernel when the "
		     "ruleset is loaded: cannot be audited");
		resync(p);
	} else if (accept_word(p, "delete")) {
		delete_cmd(p, false);
	} else if (accept_word(p, "destroy")) {
		delete_cmd(p, true);
	} else if (accept_word(p, "flush")) {
		flush_cmd(p);
	} else if (accept_word(p, "rename")) {
		rename_cmd(p);
	} else {
		add_cmd(p, false, true);
	}
}

/* ---- lowering: nft rules into model rules ---- */

/* A condition as alternatives of conjunctions. */
struct alt {
	size_t n;
	size_t cap;
	struct match *m;
};

struct dnf {
	size_t n;
	size_t cap;
	struct alt *v;
	bool toobig;
};

struct low {
	struct P *p;
	struct ntable *t;
	struct nchain *c;
	struct loc loc; /* the rule */
	unsigned anon;  /* anonymous model sets made for this rule */
};

static void
alt_free(struct alt *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		match_release(&a->m[i]);
	free(a->m);
	memset(a, 0, sizeof(*a));
}

static void
dnf_free(struct dnf *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		alt_free(&d->v[i]);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static struct match *
alt_push(struct alt *a, enum match_kind k, bool neg, const char *text)
{
	struct match *m;

	grow((void **)&a->m, &a->cap, a->n, sizeof(*a->m));
	m = &a->m[a->n++];
	memset(m, 0, sizeof(*m));
	m->kind = k;
	m->neg = neg;
	m->text = xstrdup(text ? text : "");
	return m;
}

static struct alt *
dnf_add(struct dnf *d)
{
	struct alt *a;

	grow((void **)&d->v, &d->cap, d->n, sizeof(*d->v));
	a = &d->v[d->n++];
	memset(a, 0, sizeof(*a));
	return a;
}

/* One alternative holding one match. */
static struct match *
dnf_one(struct dnf *d, enum match_kind k, bool neg, const char *text)
{
	return alt_push(dnf_add(d), k, neg, text);
}

static void
dnf_const(struct dnf *d, bool yes, const char *text)
{
	dnf_one(d, yes ? M_ALWAYS : M_NEVER, false, text);
}

static void
alt_append_copy(struct alt *dst, const struct alt *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		grow((void **)&dst->m, &dst->cap, dst->n, sizeof(*dst->m));
		match_copy(&dst->m[dst->n++], &src->m[i]);
	}
}

/* d = d OR e (e is consumed) */
static void
dnf_or(struct dnf *d, struct dnf *e)
{
	size_t i;

	if (d->n + e->n > NFT_MAX_EXPANSION || e->toobig)
		d->toobig = true;
	for (i = 0; i < e->n && !d->toobig; i++)
		*dnf_add(d) = e->v[i];
	if (!d->toobig)
		e->n = 0;
	dnf_free(e);
}

/* d = d AND e (e is consumed): the product of the alternatives. */
static void
dnf_and(struct dnf *d, struct dnf *e)
{
	struct dnf out;
	size_t i;
	size_t j;

	memset(&out, 0, sizeof(out));
	if (d->toobig || e->toobig || d->n * e->n > NFT_MAX_EXPANSION) {
		d->toobig = true;
		dnf_free(e);
		return;
	}
	for (i = 0; i < d->n; i++)
		for (j = 0; j < e->n; j++) {
			struct alt *a = dnf_add(&out);

			alt_append_copy(a, &d->v[i]);
			alt_append_copy(a, &e->v[j]);
		}
	dnf_free(d);
	dnf_free(e);
	*d = out;
}

static enum family
sel_fam(const struct nsel *s)
{
	return s->type.dt == DT_IPV6 ? FAM_V6 : FAM_V4;
}

static unsigned
fib_bit(u128 v)
{
	static const unsigned bits[] = {AT_UNSPEC,    AT_UNICAST,     AT_LOCAL,
	                                AT_BROADCAST, AT_ANYCAST,     AT_MULTICAST,
	                                AT_BLACKHOLE, AT_UNREACHABLE, AT_PROHIBIT};

	return v < ARRAY_LEN(bits) ? bits[(size_t)v] : 0;
}

static unsigned
fam_of_value(const struct nsel *s, u128 v)
{
	if (s->mk == SM_NFPROTO)
		return v == 2 ? FAM_BIT(FAM_V4) : v == 10 ? FAM_BIT(FAM_V6) : 0;
	return v == 0x0800 ? FAM_BIT(FAM_V4) : v == 0x86dd ? FAM_BIT(FAM_V6) : 0;
}

static char *
iface_pattern(const struct nval *v)
{
	return xasprintf("%s%s", v->str, v->wild ? "+" : "");
}

/* sel == v, or sel != v when neg. */
static void
comp_dnf(const struct nsel *s, const struct nval *v, bool neg, const char *text, struct dnf *d)
{
	struct match *m;
	u128 x;

	if (s->shifted || s->isconst) {
		dnf_one(d, M_UNKNOWN, false, text);
		return;
	}
	switch (s->mk) {
	case SM_SADDR:
	case SM_DADDR: {
		u128 lo = v->lo;
		u128 hi = v->hi;

		if (s->masked) {
			/* addr & mask == v: a prefix when the mask is one */
			u128 host = ~s->mask & bits_max(s->type.bits);

			if (((host + 1) & host) != 0 || v->lo != v->hi || (v->lo & host) != 0) {
				dnf_one(d, M_UNKNOWN, false, text);
				return;
			}
			hi = lo | host;
		}
		m = dnf_one(d, s->mk == SM_SADDR ? M_SADDR : M_DADDR, neg, text);
		ivset_init(&m->u.addrs, sel_fam(s));
		ivset_add(&m->u.addrs, lo, hi);
		return;
	}
	case SM_SPORT:
	case SM_DPORT:
		if (s->masked)
			break;
		m = dnf_one(d, s->mk == SM_SPORT ? M_SPORT : M_DPORT, neg, text);
		m->u.ports.n = 1;
		m->u.ports.v = xmalloc(sizeof(*m->u.ports.v));
		m->u.ports.v[0].lo = (uint16_t)v->lo;
		m->u.ports.v[0].hi = (uint16_t)v->hi;
		return;
	case SM_L4PROTO:
	case SM_ICMPTYPE:
	case SM_ICMP6TYPE: {
		struct alt *a = NULL;

		if (s->masked)
			break;
		if (neg)
			a = dnf_add(d);
		for (x = v->lo; x <= v->hi && x <= 255; x++) {
			if (!neg)
				a = dnf_add(d);
			m = alt_push(a, s->mk == SM_L4PROTO ? M_PROTO : M_ICMP, neg, text);
			if (s->mk == SM_L4PROTO) {
				m->u.proto = (uint8_t)x;
			} else {
				m->u.icmp.type = (int)x;
				m->u.icmp.code = -1;
			}
		}
		return;
	}
	case SM_NFPROTO:
	case SM_ETHERTYPE: {
		unsigned bits = 0;

		if (s->masked || v->hi - v->lo > 0xffff)
			break;
		for (x = v->lo; x <= v->hi; x++)
			bits |= fam_of_value(s, x);
		m = dnf_one(d, M_FAMILY, neg, text);
		m->u.bits = bits;
		return;
	}
	case SM_IIF:
	case SM_IIFNAME:
	case SM_OIF:
	case SM_OIFNAME:
		if (v->str == NULL)
			break; /* an interface index: which one is not known here */
		m = dnf_one(d, s->mk == SM_IIF || s->mk == SM_IIFNAME ? M_IIF : M_OIF, neg, text);
		m->u.ifname = iface_pattern(v);
		return;
	case SM_CTSTATE:
		if (s->masked || v->lo != v->hi)
			break;
		if (v->lo == 0 || (v->lo & (v->lo - 1)) != 0) {
			/* the state is one bit: equal to several never */
			dnf_const(d, neg, text);
			return;
		}
		m = dnf_one(d, M_CTSTATE, neg, text);
		m->u.bits = (unsigned)v->lo;
		return;
	case SM_MARK:
	case SM_CTMARK:
		if (v->lo != v->hi)
			break;
		m = dnf_one(d, s->mk == SM_MARK ? M_MARK : M_CONNMARK, neg, text);
		m->u.mark.mask = s->masked ? (uint32_t)s->mask : 0xffffffffu;
		m->u.mark.value = (uint32_t)v->lo & m->u.mark.mask;
		if (m->u.mark.value != (uint32_t)v->lo) {
			/* (mark & mask) == v with bits outside the mask: never */
			match_release(m);
			d->v[d->n - 1].n = 0;
			alt_push(&d->v[d->n - 1], neg ? M_ALWAYS : M_NEVER, false, text);
		}
		return;
	case SM_TCPFLAGS:
		if (v->lo != v->hi)
			break;
		m = dnf_one(d, M_TCPFLAGS, neg, text);
		m->u.flags.mask = s->masked ? (uint8_t)s->mask : 0xff;
		m->u.flags.comp = (uint8_t)v->lo;
		return;
	case SM_TTL:
	case SM_HOPLIMIT:
		if (s->masked)
			break;
		if (v->lo == v->hi) {
			m = dnf_one(d, M_TTL, false, text);
			m->u.ttl.op = neg ? TTL_NE : TTL_EQ;
			m->u.ttl.value = (uint8_t)v->lo;
			return;
		}
		if (!neg) {
			struct alt *a = dnf_add(d);

			if (v->lo > 0) {
				m = alt_push(a, M_TTL, false, text);
				m->u.ttl.op = TTL_GT;
				m->u.ttl.value = (uint8_t)(v->lo - 1);
			}
			if (v->hi < 255) {
				m = alt_push(a, M_TTL, false, text);
				m->u.ttl.op = TTL_LT;
				m->u.ttl.value = (uint8_t)(v->hi + 1);
			}
			if (a->n == 0)
				alt_push(a, M_ALWAYS, false, text);
			return;
		}
		if (v->lo > 0) {
			m = dnf_one(d, M_TTL, false, text);
			m->u.ttl.op = TTL_LT;
			m->u.ttl.value = (uint8_t)v->lo;
		}
		if (v->hi < 255) {
			m = dnf_one(d, M_TTL, false, text);
			m->u.ttl.op = TTL_GT;
			m->u.ttl.value = (uint8_t)v->hi;
		}
		if (d->n == 0)
			dnf_const(d, false, text);
		return;
	case SM_FIBDTYPE: {
		unsigned bits = 0;

		if (s->masked || v->hi - v->lo > 64)
			break;
		for (x = v->lo; x <= v->hi; x++)
			bits |= fib_bit(x);
		m = dnf_one(d, M_ADDRTYPE, false, text);
		m->u.addrtype.dst = bits;
		m->u.addrtype.dst_neg = neg;
		if (bits == 0) {
			match_release(m);
			d->v[d->n - 1].n = 0;
			alt_push(&d->v[d->n - 1], neg ? M_ALWAYS : M_NEVER, false, text);
		}
		return;
	}
	case SM_FIBRPF:
		/* the route back to Cloudflare's address exists, through the
		 * interface it came in on (as the iptables rpfilter reading) */
		if (s->type.dt == DT_BOOLEAN || (v->str == NULL && v->lo == 0 && v->hi == 0)) {
			bool exists = s->type.dt == DT_BOOLEAN ? v->lo != 0 : false;

			dnf_const(d, exists != neg, text);
			return;
		}
		break;
	case SM_PKTTYPE:
		/* Cloudflare's SYN is addressed to this host (PACKET_HOST) */
		if (v->lo != v->hi)
			break;
		dnf_const(d, (v->lo == 0) != neg, text);
		return;
	case SM_SECPATH:
		/* Cloudflare's SYN comes without IPsec */
		dnf_const(d, (v->lo == 0) != neg, text);
		return;
	case SM_CTSTATUS: /* the whole status word: more than the model follows */
	case SM_NONE:
		break;
	}
	dnf_one(d, M_UNKNOWN, false, text);
}

/* The element e: all its components (AND), or, when neg, any of them not
 * matching (OR). */
static void
elem_dnf(const struct nsel *sel, unsigned nsel, const struct nelem *e, bool neg, const char *text,
         struct dnf *d)
{
	unsigned i;

	if (e->catchall) {
		dnf_const(d, !neg, text);
		return;
	}
	if (!neg)
		dnf_add(d);
	for (i = 0; i < nsel && i < e->nk; i++) {
		struct dnf c;

		memset(&c, 0, sizeof(c));
		comp_dnf(&sel[i], &e->k[i], neg, text, &c);
		if (neg)
			dnf_or(d, &c);
		else
			dnf_and(d, &c);
	}
}

static bool
sels_modelable_dims(const struct nsel *sel, unsigned nsel, enum set_dim *dim, enum set_dir *dir,
                    int *fam)
{
	unsigned i;
	unsigned naddr = 0;

	*fam = -1;
	if (nsel > 3)
		return false;
	for (i = 0; i < nsel; i++) {
		const struct nsel *s = &sel[i];

		if (s->masked || s->shifted || s->isconst)
			return false;
		switch (s->mk) {
		case SM_SADDR:
		case SM_DADDR:
			if (*fam >= 0 && *fam != (int)sel_fam(s))
				return false;
			*fam = (int)sel_fam(s);
			if (++naddr > 2)
				return false;
			dim[i] = DIM_ADDR;
			dir[i] = s->mk == SM_SADDR ? SD_SRC : SD_DST;
			break;
		case SM_SPORT:
		case SM_DPORT:
			dim[i] = DIM_PORT;
			dir[i] = s->mk == SM_SPORT ? SD_SRC : SD_DST;
			break;
		case SM_IIFNAME:
		case SM_OIFNAME:
		case SM_IIF:
		case SM_OIF:
			dim[i] = DIM_IFACE;
			dir[i] = s->mk == SM_IIF || s->mk == SM_IIFNAME ? SD_SRC : SD_DST;
			break;
		default:
			return false;
		}
	}
	return true;
}

/* A model set for the elements (an anonymous nft set the evaluator looks up
 * as an ipset). */
static bool
anon_set_match(struct low *l, const struct nsel *sel, unsigned nsel, struct nelem *const *ev,
               size_t n, bool neg, const char *text, struct dnf *d)
{
	enum set_dim dim[3];
	enum set_dir dir[3];
	int fam;
	struct ipset *s;
	struct match *m;
	size_t i;
	unsigned k;

	if (!sels_modelable_dims(sel, nsel, dim, dir, &fam))
		return false;
	for (i = 0; i < n; i++) {
		if (ev[i]->catchall)
			return false;
		for (k = 0; k < nsel; k++)
			if (dim[k] == DIM_IFACE && ev[i]->k[k].str == NULL)
				return false;
	}
	s = origin_add_set(l->p->o, "", l->loc);
	free(s->name);
	s->name = xasprintf("anonymous set at %s:%u #%u", l->loc.file, l->loc.line, ++l->anon);
	free(s->type);
	s->type = xstrdup("nft anonymous set");
	s->fam = fam < 0 ? FAM_V4 : (enum family)fam;
	s->ndim = nsel;
	for (k = 0; k < nsel; k++)
		s->dim[k] = dim[k];
	for (i = 0; i < n; i++) {
		struct set_elem e;
		unsigned naddr = 0;

		memset(&e, 0, sizeof(e));
		e.line = ev[i]->line;
		for (k = 0; k < nsel; k++) {
			const struct nval *v = &ev[i]->k[k];

			if (dim[k] == DIM_ADDR) {
				if (naddr++ == 0) {
					e.lo = v->lo;
					e.hi = v->hi;
				} else {
					e.lo2 = v->lo;
					e.hi2 = v->hi;
				}
			} else if (dim[k] == DIM_PORT) {
				e.plo = (uint16_t)v->lo;
				e.phi = (uint16_t)v->hi;
			} else {
				e.iface = iface_pattern(v);
			}
		}
		set_add_elem(s, &e);
	}
	m = dnf_one(d, M_SET, neg, text);
	m->u.set.set = s;
	m->u.set.name = xstrdup(s->name);
	m->u.set.ndir = nsel;
	for (k = 0; k < nsel; k++)
		m->u.set.dir[k] = dir[k];
	return true;
}

/* sel in { ev }, or not in it when neg. */
static void
set_dnf(struct low *l, const struct nsel *sel, unsigned nsel, struct nelem *const *ev, size_t n,
        bool neg, const char *text, struct dnf *d)
{
	size_t i;

	if (n == 0) {
		dnf_const(d, neg, text);
		return;
	}
	for (i = 0; i < n; i++)
		if (ev[i]->catchall) {
			dnf_const(d, !neg, text);
			return;
		}
	if (nsel == 1 && !sel[0].masked && !sel[0].shifted) {
		const struct nsel *s = &sel[0];
		struct match *m;

		switch (s->mk) {
		case SM_SADDR:
		case SM_DADDR:
			m = dnf_one(d, s->mk == SM_SADDR ? M_SADDR : M_DADDR, neg, text);
			ivset_init(&m->u.addrs, sel_fam(s));
			for (i = 0; i < n; i++)
				ivset_add(&m->u.addrs, ev[i]->k[0].lo, ev[i]->k[0].hi);
			return;
		case SM_SPORT:
		case SM_DPORT:
			m = dnf_one(d, s->mk == SM_SPORT ? M_SPORT : M_DPORT, neg, text);
			m->u.ports.n = n;
			m->u.ports.v = xreallocarray(NULL, n, sizeof(*m->u.ports.v));
			for (i = 0; i < n; i++) {
				m->u.ports.v[i].lo = (uint16_t)ev[i]->k[0].lo;
				m->u.ports.v[i].hi = (uint16_t)ev[i]->k[0].hi;
			}
			return;
		case SM_CTSTATE: {
			unsigned bits = 0;

			for (i = 0; i < n; i++) {
				u128 v = ev[i]->k[0].lo;

				if (ev[i]->k[0].lo == ev[i]->k[0].hi && v && (v & (v - 1)) == 0)
					bits |= (unsigned)v;
			}
			m = dnf_one(d, M_CTSTATE, neg, text);
			m->u.bits = bits;
			return;
		}
		case SM_FIBDTYPE: {
			unsigned bits = 0;
			u128 x;

			for (i = 0; i < n; i++)
				for (x = ev[i]->k[0].lo; x <= ev[i]->k[0].hi && x < 64; x++)
					bits |= fib_bit(x);
			m = dnf_one(d, M_ADDRTYPE, false, text);
			m->u.addrtype.dst = bits;
			m->u.addrtype.dst_neg = neg;
			if (bits == 0)
				m->kind = neg ? M_ALWAYS : M_NEVER;
			return;
		}
		case SM_NFPROTO:
		case SM_ETHERTYPE: {
			unsigned bits = 0;
			u128 x;

			for (i = 0; i < n; i++)
				for (x = ev[i]->k[0].lo; x <= ev[i]->k[0].hi && x <= 0xffff; x++)
					bits |= fam_of_value(s, x);
			m = dnf_one(d, M_FAMILY, neg, text);
			m->u.bits = bits;
			return;
		}
		default:
			break;
		}
	}
	/* a big or negated set of interfaces or a concatenation: a model set */
	if ((n > 8 || (neg && nsel > 1)) && anon_set_match(l, sel, nsel, ev, n, neg, text, d))
		return;
	if (!neg) {
		for (i = 0; i < n && !d->toobig; i++) {
			struct dnf e;

			memset(&e, 0, sizeof(e));
			elem_dnf(sel, nsel, ev[i], false, text, &e);
			dnf_or(d, &e);
		}
	} else {
		dnf_add(d);
		for (i = 0; i < n && !d->toobig; i++) {
			struct dnf e;

			memset(&e, 0, sizeof(e));
			elem_dnf(sel, nsel, ev[i], true, text, &e);
			dnf_and(d, &e);
		}
	}
	if (d->toobig) {
		dnf_free(d);
		dnf_one(d, M_UNKNOWN, false, text);
	}
}

static struct nelem **
elem_ptrs(struct nelem *ev, size_t n)
{
	struct nelem **v = xreallocarray(NULL, n ? n : 1, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = &ev[i];
	return v;
}

static bool
types_match(struct P *p, const struct nsel *sel, unsigned nsel, const struct nset *s, bool *bad)
{
	unsigned i;

	*bad = false;
	if (nsel != s->nkey)
		return false;
	for (i = 0; i < nsel; i++) {
		enum dtype a = sel[i].type.dt;
		enum dtype b = s->key[i].dt;

		if (sel[i].isconst) {
			struct nval v;

			if (sel[i].ctok.t == T_ASTERISK ||
			    !value_from_tok(p, &sel[i].ctok, s->key[i], &v)) {
				if (sel[i].ctok.t == T_ASTERISK)
					perr(p, &sel[i].ctok, "a wildcard is not a value");
				*bad = true;
				return false;
			}
			free(v.str);
			continue;
		}

		if (a == b || (sel[i].shifted && b == DT_INTEGER))
			continue;
		if ((a == DT_INTEGER || b == DT_INTEGER) && sel[i].type.bits == s->key[i].bits)
			continue;
		if ((a == DT_MARK && b == DT_INTEGER) || (a == DT_INTEGER && b == DT_MARK))
			continue;
		return false;
	}
	return true;
}

static struct nset *
lookup_set(struct low *l, const struct item *it, bool want_map)
{
	struct nset *s = set_find(l->t, it->name);
	struct tok at;
	bool bad;

	memset(&at, 0, sizeof(at));
	at.src = file_find(l->p, l->loc.file);
	at.line = it->line ? it->line : l->loc.line;
	if (s == NULL) {
		perr(l->p, &at, "%s %s does not exist in table %s %s", want_map ? "map" : "set",
		     it->name, nfam_name(l->t->fam), l->t->name);
		return NULL;
	}
	if (want_map && !s->is_map) {
		perr(l->p, &at, "%s is a set, not a map", it->name);
		return NULL;
	}
	if (!types_match(l->p, it->sel, it->nsel, s, &bad)) {
		if (bad)
			return NULL;
		perr(l->p, &at, "datatype mismatch: %s %s has type %s%s, the expression has %s%s",
		     set_kind(s), s->name, dtype_name(s->key[0].dt), s->nkey > 1 ? " . ..." : "",
		     dtype_name(it->sel[0].type.dt), it->nsel > 1 ? " . ..." : "");
		return NULL;
	}
	return s;
}

/* The condition of a relation (IK_COND). */
static void
cond_dnf(struct low *l, const struct item *it, struct dnf *d)
{
	const struct nsel *s = &it->sel[0];
	bool neg = it->op == OP_NE;
	struct nelem **ev;

	if (it->setref) {
		struct nset *set = lookup_set(l, it, false);
		enum set_dim dim[3];
		enum set_dir dir[3];
		int fam;
		unsigned k;

		if (set == NULL) {
			dnf_one(d, M_UNKNOWN, false, it->text);
			return;
		}
		if (set->model && sels_modelable_dims(it->sel, it->nsel, dim, dir, &fam)) {
			struct match *m = dnf_one(d, M_SET, neg, it->text);

			m->u.set.set = set->model;
			m->u.set.name = xstrdup(set->model->name);
			m->u.set.ndir = it->nsel;
			for (k = 0; k < it->nsel; k++)
				m->u.set.dir[k] = dir[k];
			return;
		}
		if (set->model) {
			dnf_one(d, M_UNKNOWN, false, it->text);
			return;
		}
		ev = elem_ptrs(set->ev, set->ne);
		set_dnf(l, it->sel, it->nsel, ev, set->ne, neg, it->text, d);
		free(ev);
		return;
	}
	if (it->ne == 1 && it->nsel == 1 && s->mk == SM_TCPFLAGS && !s->shifted &&
	    (it->op == OP_IMPLICIT || it->op == OP_NEG || it->mask_form) && !s->masked) {
		uint8_t v = (uint8_t)it->ev[0].k[0].lo;
		struct match *m;
		unsigned b;

		if (it->mask_form) {
			/* flags / mask: (flags & mask) == flags */
			m = dnf_one(d, M_TCPFLAGS, it->op == OP_NE, it->text);
			m->u.flags.mask = (uint8_t)it->maskv;
			m->u.flags.comp = v;
			return;
		}
		if (it->op == OP_NEG) {
			m = dnf_one(d, M_TCPFLAGS, false, it->text);
			m->u.flags.mask = v;
			m->u.flags.comp = 0;
			return;
		}
		/* an implicit test of flags: any of them set */
		for (b = 1; b < 0x100; b <<= 1) {
			if (!(v & b))
				continue;
			m = dnf_one(d, M_TCPFLAGS, false, it->text);
			m->u.flags.mask = (uint8_t)b;
			m->u.flags.comp = (uint8_t)b;
		}
		if (d->n == 0)
			dnf_const(d, false, it->text);
		return;
	}
	if (it->ne == 1 && it->nsel == 1 && s->mk == SM_CTSTATE && !s->masked && !s->shifted &&
	    (it->op == OP_IMPLICIT || it->op == OP_NEG)) {
		struct match *m = dnf_one(d, M_CTSTATE, it->op == OP_NEG, it->text);

		m->u.bits = (unsigned)it->ev[0].k[0].lo;
		return;
	}
	if (it->ne == 1 && it->nsel == 1 && s->mk == SM_CTSTATUS && !s->masked && !s->shifted &&
	    !it->mask_form && (it->op == OP_IMPLICIT || it->op == OP_NEG) &&
	    (it->ev[0].k[0].lo & ~(u128)(CTSTATUS_SNAT | CTSTATUS_DNAT)) == 0) {
		/* the NAT bits of the status are states the model tracks */
		struct match *m = dnf_one(d, M_CTSTATE, it->op == OP_NEG, it->text);
		u128 v = it->ev[0].k[0].lo;

		m->u.bits =
		    ((v & CTSTATUS_SNAT) ? CTS_SNAT : 0) | ((v & CTSTATUS_DNAT) ? CTS_DNAT : 0);
		return;
	}
	if (it->ne == 1 && it->nsel == 1 && dtinfo[s->type.dt].bitmask &&
	    (it->op == OP_IMPLICIT || it->op == OP_NEG || it->mask_form)) {
		dnf_one(d, M_UNKNOWN, false, it->text);
		return;
	}
	if (it->ne == 1 && it->nsel == 1 &&
	    (it->op == OP_LT || it->op == OP_GT || it->op == OP_LE || it->op == OP_GE)) {
		struct nelem e = it->ev[0];
		struct nval v = e.k[0];
		u128 max = bits_max(s->type.bits);
		struct nelem tmp;
		struct nval tv = v;

		memset(&tmp, 0, sizeof(tmp));
		tmp.nk = 1;
		tmp.k = &tv;
		switch (it->op) {
		case OP_LT:
			if (v.lo == 0) {
				dnf_const(d, false, it->text);
				return;
			}
			tv.lo = 0;
			tv.hi = v.lo - 1;
			break;
		case OP_LE:
			tv.lo = 0;
			tv.hi = v.lo;
			break;
		case OP_GT:
			if (v.lo >= max) {
				dnf_const(d, false, it->text);
				return;
			}
			tv.lo = v.lo + 1;
			tv.hi = max;
			break;
		default:
			tv.lo = v.lo;
			tv.hi = max;
			break;
		}
		comp_dnf(s, &tv, false, it->text, d);
		return;
	}
	ev = elem_ptrs(it->ev, it->ne);
	set_dnf(l, it->sel, it->nsel, ev, it->ne, neg, it->text, d);
	free(ev);
}

/* ---- the rules being built from one nft rule ---- */

struct part {
	struct rule r; /* matches and statements so far */
	size_t mcap;   /* room in r.m */
	bool unknown;  /* an effect the model cannot follow */
	char *unknown_text;
	bool unknown_mark; /* only a mark: a drop after it is still exact */
};

struct parts {
	size_t n;
	size_t cap;
	struct part *v;
	size_t emitted;
	bool toobig;
};

static void
part_release(struct part *pt)
{
	size_t i;

	for (i = 0; i < pt->r.nmatch; i++)
		match_release(&pt->r.m[i]);
	free(pt->r.m);
	for (i = 0; i < pt->r.npre; i++) {
		free(pt->r.pre[i].name);
		free(pt->r.pre[i].detail);
		free(pt->r.pre[i].target_name);
	}
	free(pt->r.pre);
	free(pt->unknown_text);
	memset(pt, 0, sizeof(*pt));
}

static void
action_copy(struct action *dst, const struct action *src)
{
	*dst = *src;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->detail = src->detail ? xstrdup(src->detail) : NULL;
	dst->target_name = src->target_name ? xstrdup(src->target_name) : NULL;
}

static void
part_copy(struct part *dst, const struct part *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->r.nmatch = src->r.nmatch;
	dst->mcap = src->r.nmatch ? src->r.nmatch : 1;
	dst->r.m = xreallocarray(NULL, dst->mcap, sizeof(*dst->r.m));
	for (i = 0; i < src->r.nmatch; i++)
		match_copy(&dst->r.m[i], &src->r.m[i]);
	dst->r.npre = src->r.npre;
	dst->r.pre = xreallocarray(NULL, src->r.npre ? src->r.npre : 1, sizeof(*dst->r.pre));
	for (i = 0; i < src->r.npre; i++)
		action_copy(&dst->r.pre[i], &src->r.pre[i]);
	dst->unknown = src->unknown;
	dst->unknown_mark = src->unknown_mark;
	dst->unknown_text = src->unknown_text ? xstrdup(src->unknown_text) : NULL;
}

static void
part_add_match(struct part *pt, const struct match *m)
{
	grow((void **)&pt->r.m, &pt->mcap, pt->r.nmatch, sizeof(*pt->r.m));
	match_copy(&pt->r.m[pt->r.nmatch++], m);
}

static void
part_add_alt(struct part *pt, const struct alt *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		part_add_match(pt, &a->m[i]);
}

static void
part_add_pre(struct part *pt, const struct action *a)
{
	pt->r.pre = xreallocarray(pt->r.pre, pt->r.npre + 1, sizeof(*pt->r.pre));
	action_copy(&pt->r.pre[pt->r.npre++], a);
}

static void
parts_free(struct parts *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		part_release(&ps->v[i]);
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

/* Every partial rule AND d: each forks into one per alternative. */
static void
parts_and(struct parts *ps, struct dnf *d)
{
	struct parts out;
	size_t i;
	size_t j;

	if (d->n == 1 && ps->n == 1) {
		/* nothing forks: the matches move (no copy) */
		struct part *pt = &ps->v[0];
		struct alt *a = &d->v[0];

		while (pt->mcap < pt->r.nmatch + a->n)
			grow((void **)&pt->r.m, &pt->mcap, pt->mcap, sizeof(*pt->r.m));
		memcpy(&pt->r.m[pt->r.nmatch], a->m, a->n * sizeof(*a->m));
		pt->r.nmatch += a->n;
		a->n = 0;
		return;
	}
	if (d->n == 1) {
		for (i = 0; i < ps->n; i++)
			part_add_alt(&ps->v[i], &d->v[0]);
		return;
	}
	memset(&out, 0, sizeof(out));
	out.emitted = ps->emitted;
	if (ps->n * d->n + ps->emitted > NFT_MAX_EXPANSION) {
		ps->toobig = true;
		return;
	}
	for (i = 0; i < ps->n; i++)
		for (j = 0; j < d->n; j++) {
			struct part np;

			part_copy(&np, &ps->v[i]);
			part_add_alt(&np, &d->v[j]);
			VEC_PUSH(out.v, out.n, out.cap, np);
		}
	parts_free(ps);
	*ps = out;
}

/* A finished model rule from a partial one and an action. */
static void
emit(struct low *l, struct parts *ps, struct part *pt, const struct action *a, const char *comment)
{
	struct rule *r;
	struct action act;

	if (++ps->emitted > NFT_MAX_EXPANSION) {
		ps->toobig = true;
		return;
	}
	action_copy(&act, a);
	if (pt->unknown && !(pt->unknown_mark && (a->kind == A_DROP || a->kind == A_REJECT))) {
		free(act.name);
		free(act.detail);
		free(act.target_name);
		memset(&act, 0, sizeof(act));
		act.kind = A_UNKNOWN;
		act.name = xstrdup(pt->unknown_text ? pt->unknown_text : "?");
	}
	r = chain_add_rule(l->c->model, l->loc);
	r->nmatch = pt->r.nmatch;
	/* the rule keeps its matches for the whole audit: no room to grow
	 * (grow starts at 8; a rule has two or three) */
	r->m = pt->r.nmatch ? xreallocarray(pt->r.m, pt->r.nmatch, sizeof(*pt->r.m)) : pt->r.m;
	r->npre = pt->r.npre;
	r->pre = pt->r.pre;
	r->act = act;
	r->comment = comment ? xstrdup(comment) : NULL;
	pt->r.m = NULL;
	pt->r.nmatch = 0;
	pt->mcap = 0;
	pt->r.pre = NULL;
	pt->r.npre = 0;
}

static bool
resolve_jump(struct low *l, const char *name, struct action *a, unsigned line)
{
	struct nchain *c = chain_find(l->t, name);
	struct tok at;

	memset(&at, 0, sizeof(at));
	at.src = file_find(l->p, l->loc.file);
	at.line = line ? line : l->loc.line;
	if (c == NULL)
		return perr(l->p, &at, "chain %s does not exist in table %s %s", name,
		            nfam_name(l->t->fam), l->t->name);
	if (c->base)
		return perr(l->p, &at, "cannot jump to base chain %s", name);
	a->target = c->model;
	if (a->target_name == NULL)
		a->target_name = xstrdup(name);
	return true;
}

static void
verdict_action(const struct ndata *d, struct action *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = d->vk;
	switch (d->vk) {
	case A_ACCEPT:
		a->name = xstrdup("accept");
		break;
	case A_DROP:
		a->name = xstrdup("drop");
		break;
	case A_RETURN:
		a->name = xstrdup("return");
		break;
	case A_QUEUE:
		a->name = xstrdup("queue");
		break;
	case A_JUMP:
	case A_GOTO:
		a->name = xstrdup(d->vk == A_JUMP ? "jump" : "goto");
		a->target_name = xstrdup(d->chain);
		break;
	default:
		a->name = xstrdup("continue");
		break;
	}
}

static bool
same_data(const struct ndata *a, const struct ndata *b)
{
	unsigned i;

	if (a->verdict != b->verdict || a->vk != b->vk || a->nv != b->nv)
		return false;
	if ((a->chain == NULL) != (b->chain == NULL) || (a->chain && strcmp(a->chain, b->chain)))
		return false;
	if ((a->obj == NULL) != (b->obj == NULL) || (a->obj && strcmp(a->obj, b->obj)))
		return false;
	for (i = 0; i < a->nv; i++)
		if (!nval_equal(&a->v[i], &b->v[i]))
			return false;
	return true;
}

struct group {
	const struct ndata *d;
	size_t n;
	size_t cap;
	struct nelem **ev;
};

/* The elements of a map grouped by what they map to (their keys are
 * disjoint, so one rule per group is exact). */
static size_t
group_elems(struct nelem *ev, size_t n, struct group **out, struct nelem **catchall)
{
	struct group *g = NULL;
	size_t ng = 0;
	size_t cap = 0;
	size_t i;
	size_t j;

	*catchall = NULL;
	for (i = 0; i < n; i++) {
		if (ev[i].d == NULL)
			continue;
		if (ev[i].catchall) {
			*catchall = &ev[i];
			continue;
		}
		for (j = 0; j < ng; j++)
			if (same_data(g[j].d, ev[i].d))
				break;
		if (j == ng) {
			struct group ng_;

			memset(&ng_, 0, sizeof(ng_));
			ng_.d = ev[i].d;
			VEC_PUSH(g, ng, cap, ng_);
		}
		VEC_PUSH(g[j].ev, g[j].n, g[j].cap, &ev[i]);
		if (ng > NFT_MAX_EXPANSION)
			break;
	}
	*out = g;
	return ng;
}

static void
groups_free(struct group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(g[i].ev);
	free(g);
}

/* The map of an IK_VMAP or IK_DMAP: its elements. */
static bool
map_elems(struct low *l, const struct item *it, struct nelem **ev, size_t *n, bool verdict)
{
	struct nset *s;

	if (!it->setref) {
		*ev = it->ev;
		*n = it->ne;
		return true;
	}
	if ((s = lookup_set(l, it, true)) == NULL)
		return false;
	if (verdict && !s->data_verdict) {
		struct tok at;

		memset(&at, 0, sizeof(at));
		at.src = file_find(l->p, l->loc.file);
		at.line = it->line;
		return perr(l->p, &at, "map %s does not map to verdicts: vmap needs one", s->name);
	}
	*ev = s->ev;
	*n = s->ne;
	return true;
}

static void
lower_vmap(struct low *l, struct parts *ps, const struct item *it, const char *comment)
{
	struct nelem *ev;
	size_t n;
	struct group *g;
	size_t ng;
	size_t i;
	size_t j;
	struct nelem *star;
	struct nelem **taken = NULL;
	size_t ntaken = 0;
	size_t tcap = 0;
	struct dnf miss;

	if (!map_elems(l, it, &ev, &n, true)) {
		parts_free(ps);
		return;
	}
	ng = group_elems(ev, n, &g, &star);
	if (ng > NFT_MAX_EXPANSION) {
		ps->toobig = true;
		groups_free(g, ng);
		return;
	}
	for (j = 0; j < ng && !ps->toobig; j++) {
		struct dnf d;
		struct action a;

		if (g[j].d->vk == A_CONTINUE)
			continue;
		memset(&d, 0, sizeof(d));
		set_dnf(l, it->sel, it->nsel, g[j].ev, g[j].n, false, it->text, &d);
		verdict_action(g[j].d, &a);
		if ((a.kind == A_JUMP || a.kind == A_GOTO) &&
		    !resolve_jump(l, g[j].d->chain, &a, it->line)) {
			free(a.name);
			free(a.target_name);
			dnf_free(&d);
			continue;
		}
		for (i = 0; i < ps->n && !ps->toobig; i++) {
			size_t k;

			for (k = 0; k < d.n && !ps->toobig; k++) {
				struct part np;

				part_copy(&np, &ps->v[i]);
				part_add_alt(&np, &d.v[k]);
				emit(l, ps, &np, &a, comment);
				part_release(&np);
			}
		}
		free(a.name);
		free(a.target_name);
		dnf_free(&d);
		for (i = 0; i < g[j].n; i++)
			VEC_PUSH(taken, ntaken, tcap, g[j].ev[i]);
	}
	/* the keys no group took go on with the rest of the rule */
	memset(&miss, 0, sizeof(miss));
	set_dnf(l, it->sel, it->nsel, taken, ntaken, true, it->text, &miss);
	free(taken);
	if (star && star->d->vk != A_CONTINUE) {
		struct action a;

		verdict_action(star->d, &a);
		if ((a.kind == A_JUMP || a.kind == A_GOTO) &&
		    !resolve_jump(l, star->d->chain, &a, it->line)) {
			free(a.name);
			free(a.target_name);
		} else {
			for (i = 0; i < ps->n && !ps->toobig; i++)
				for (j = 0; j < miss.n && !ps->toobig; j++) {
					struct part np;

					part_copy(&np, &ps->v[i]);
					part_add_alt(&np, &miss.v[j]);
					emit(l, ps, &np, &a, comment);
					part_release(&np);
				}
			free(a.name);
			free(a.target_name);
		}
		parts_free(ps);
	} else {
		parts_and(ps, &miss);
	}
	dnf_free(&miss);
	groups_free(g, ng);
}

/* A statement whose value comes from a map keyed on the packet: one
 * alternative per value; a key the map lacks ends the rule (NFT_BREAK). */
static void
lower_dmap(struct low *l, struct parts *ps, const struct item *it, const char *comment)
{
	struct nelem *ev;
	size_t n;
	struct group *g;
	size_t ng;
	size_t i;
	size_t j;
	struct nelem *star;
	struct parts out;
	bool terminal = it->use == DM_DNAT || it->use == DM_DNAT_PORT || it->use == DM_REDIRECT;

	if (!map_elems(l, it, &ev, &n, false)) {
		parts_free(ps);
		return;
	}
	ng = group_elems(ev, n, &g, &star);
	if (ng > NFT_MAX_EXPANSION || star) {
		/* a catch-all value: the rest of the keys, not worth exactness */
		groups_free(g, ng);
		if (ng <= NFT_MAX_EXPANSION) {
			struct dnf d;

			memset(&d, 0, sizeof(d));
			dnf_one(&d, M_UNKNOWN, false, it->text);
			parts_and(ps, &d);
			dnf_free(&d);
			return;
		}
		ps->toobig = true;
		return;
	}
	memset(&out, 0, sizeof(out));
	out.emitted = ps->emitted;
	for (j = 0; j < ng && !ps->toobig; j++) {
		struct dnf d;
		struct action a;
		const struct ndata *v = g[j].d;

		memset(&d, 0, sizeof(d));
		memset(&a, 0, sizeof(a));
		set_dnf(l, it->sel, it->nsel, g[j].ev, g[j].n, false, it->text, &d);
		action_copy(&a, &it->u.a);
		switch (it->use) {
		case DM_MARK:
		case DM_CTMARK:
			a.kind = it->use == DM_MARK ? A_SETMARK : A_CONNMARK_SET;
			a.value = v->nv ? (uint32_t)v->v[0].lo : 0;
			a.mask = 0xffffffffu;
			free(a.name);
			a.name = xstrdup(it->text);
			break;
		case DM_DNAT:
			if (v->nv >= 1 && !v->v[0].str) {
				a.has_addr = true;
				a.to_fam = it->sel[0].type.dt == DT_IPV6 ? FAM_V6 : FAM_V4;
				a.to_fam = v->v[0].hi > 0xffffffffu || a.to_fam == FAM_V6 ? FAM_V6
				                                                          : FAM_V4;
				a.to_addr = v->v[0].lo;
			}
			if (v->nv >= 2)
				a.to_port = (uint16_t)v->v[1].lo;
			break;
		default: /* DM_DNAT_PORT, DM_REDIRECT */
			if (v->nv >= 1)
				a.to_port = (uint16_t)v->v[0].lo;
			break;
		}
		for (i = 0; i < ps->n && !ps->toobig; i++) {
			size_t k;

			for (k = 0; k < d.n && !ps->toobig; k++) {
				struct part np;

				part_copy(&np, &ps->v[i]);
				part_add_alt(&np, &d.v[k]);
				if (terminal) {
					emit(l, ps, &np, &a, comment);
					part_release(&np);
				} else {
					part_add_pre(&np, &a);
					VEC_PUSH(out.v, out.n, out.cap, np);
				}
			}
		}
		free(a.name);
		free(a.detail);
		free(a.target_name);
		dnf_free(&d);
	}
	groups_free(g, ng);
	out.emitted = ps->emitted;
	out.toobig = ps->toobig;
	parts_free(ps);
	*ps = out;
}

static void
lower_rule(struct low *l, struct nrule *r)
{
	struct parts ps;
	struct part first;
	size_t i;
	bool ended = false;

	memset(&ps, 0, sizeof(ps));
	memset(&first, 0, sizeof(first));
	VEC_PUSH(ps.v, ps.n, ps.cap, first);
	l->loc = r->loc;
	l->anon = 0;
	for (i = 0; i < r->nit && !ps.toobig && ps.n > 0; i++) {
		struct item *it = &r->it[i];
		struct dnf d;
		size_t j;

		memset(&d, 0, sizeof(d));
		switch (it->k) {
		case IK_MATCH: {
			struct match m;

			if (ps.n == 1 && !(it->u.m.kind == M_RATE && it->name)) {
				/* the item is lowered once: its match moves */
				struct part *pt = &ps.v[0];

				grow((void **)&pt->r.m, &pt->mcap, pt->r.nmatch, sizeof(*pt->r.m));
				pt->r.m[pt->r.nmatch++] = it->u.m;
				memset(&it->u.m, 0, sizeof(it->u.m));
				it->u.m.kind = M_ALWAYS;
				break;
			}
			match_copy(&m, &it->u.m);
			if (m.kind == M_RATE && it->name) {
				struct nobj *o = obj_find(l->t, it->objk, it->name);

				m.u.rate.light = o ? !o->over : true;
				m.u.rate.heavy = o ? o->over : false;
			}
			for (j = 0; j < ps.n; j++)
				part_add_match(&ps.v[j], &m);
			match_release(&m);
			break;
		}
		case IK_COND:
			cond_dnf(l, it, &d);
			parts_and(&ps, &d);
			dnf_free(&d);
			break;
		case IK_PRE:
			for (j = 0; j < ps.n; j++)
				part_add_pre(&ps.v[j], &it->u.a);
			break;
		case IK_VMAP:
			lower_vmap(l, &ps, it, r->comment);
			break;
		case IK_DMAP:
			lower_dmap(l, &ps, it, r->comment);
			break;
		case IK_VERDICT:
			if (it->u.a.kind == A_CONTINUE)
				break;
			if (it->u.a.kind == A_UNKNOWN && !ended) {
				/* not terminal in nft: later statements still run, but
				 * the model cannot follow the packet past it */
				for (j = 0; j < ps.n; j++) {
					if (ps.v[j].unknown)
						continue;
					ps.v[j].unknown = true;
					ps.v[j].unknown_mark =
					    it->u.a.detail && strcmp(it->u.a.detail, "mark") == 0;
					ps.v[j].unknown_text = xstrdup(it->u.a.name);
				}
				if (i + 1 < r->nit)
					break;
			}
			/* fall through */
		case IK_JUMP: {
			struct action a;

			action_copy(&a, &it->u.a);
			if (it->k == IK_JUMP &&
			    !resolve_jump(l, it->u.a.target_name, &a, it->line)) {
				free(a.name);
				free(a.detail);
				free(a.target_name);
				parts_free(&ps);
				return;
			}
			for (j = 0; j < ps.n; j++)
				emit(l, &ps, &ps.v[j], &a, r->comment);
			free(a.name);
			free(a.detail);
			free(a.target_name);
			for (j = 0; j < ps.n; j++)
				part_release(&ps.v[j]);
			ps.n = 0;
			ended = true;
			break;
		}
		}
	}
	/* no verdict: what the rule did to the packet still counts */
	for (i = 0; i < ps.n && !ps.toobig; i++) {
		struct action cont;

		if (ps.v[i].r.npre == 0 && !ps.v[i].unknown)
			continue;
		memset(&cont, 0, sizeof(cont));
		cont.kind = A_CONTINUE;
		emit(l, &ps, &ps.v[i], &cont, r->comment);
	}
	if (ps.toobig) {
		/* more alternatives than the model should hold: one rule the
		 * evaluator cannot decide, named */
		struct rule *mr;
		char *why =
		    xasprintf("rule expands into more than %u alternatives", NFT_MAX_EXPANSION);

		while (l->c->model->nrule > 0 &&
		       l->c->model->rules[l->c->model->nrule - 1]->loc.line == r->loc.line &&
		       l->c->model->rules[l->c->model->nrule - 1]->loc.file == r->loc.file) {
			struct rule *last = l->c->model->rules[--l->c->model->nrule];
			size_t k;

			for (k = 0; k < last->nmatch; k++)
				match_release(&last->m[k]);
			free(last->m);
			for (k = 0; k < last->npre; k++) {
				free(last->pre[k].name);
				free(last->pre[k].detail);
				free(last->pre[k].target_name);
			}
			free(last->pre);
			free(last->act.name);
			free(last->act.detail);
			free(last->act.target_name);
			free(last->comment);
			free(last);
		}
		mr = chain_add_rule(l->c->model, r->loc);
		rule_add_match(mr, M_UNKNOWN, false, why);
		mr->act.kind = A_UNKNOWN;
		mr->act.name = why;
	}
	parts_free(&ps);
}

static enum hook
model_hook(enum nhook h)
{
	switch (h) {
	case NH_PREROUTING:
		return HOOK_PREROUTING;
	case NH_INPUT:
		return HOOK_INPUT;
	case NH_FORWARD:
		return HOOK_FORWARD;
	case NH_OUTPUT:
		return HOOK_OUTPUT;
	case NH_POSTROUTING:
		return HOOK_POSTROUTING;
	case NH_INGRESS:
		return HOOK_INGRESS;
	case NH_EGRESS:
		return HOOK_EGRESS;
	}
	abort();
}

/* Jump loops: the kernel refuses a ruleset with one (ELOOP). */
static bool
loop_visit(struct P *p, struct nchain *c, unsigned char *state, struct nchain **path,
           unsigned depth, size_t idx_of(const struct ntable *, const struct nchain *))
{
	size_t i;
	size_t self = idx_of(c->t, c);

	state[self] = 1;
	path[depth] = c;
	for (i = 0; i < c->nrule; i++) {
		const struct nrule *r = c->rules[i];
		size_t k;

		for (k = 0; k < r->nit; k++) {
			const struct item *it = &r->it[k];
			struct nchain *t;
			size_t ti;

			if (it->k != IK_JUMP || it->u.a.target_name == NULL)
				continue;
			t = chain_find(c->t, it->u.a.target_name);
			if (t == NULL || t->base)
				continue;
			ti = idx_of(c->t, t);
			if (state[ti] == 1) {
				struct buf b = {0};
				unsigned j = 0;
				struct tok at;

				while (j < depth && path[j] != t)
					j++;
				for (; j <= depth; j++)
					buf_addf(&b, "%s -> ", path[j]->name);
				buf_adds(&b, t->name);
				memset(&at, 0, sizeof(at));
				at.src = file_find(p, r->loc.file);
				at.line = r->loc.line;
				perr(p, &at, "jump loop: %s", b.p);
				buf_free(&b);
				state[self] = 2;
				return false;
			}
			if (state[ti] == 0 && depth + 1 < NFT_BLOCK_DEPTH * 4 &&
			    !loop_visit(p, t, state, path, depth + 1, idx_of))
				return false;
		}
	}
	state[self] = 2;
	return true;
}

static size_t
chain_index(const struct ntable *t, const struct nchain *c)
{
	size_t i;

	for (i = 0; i < t->nch; i++)
		if (t->ch[i] == c)
			return i;
	abort();
}

static void
check_loops(struct P *p, struct ntable *t)
{
	unsigned char *state = xcalloc(t->nch ? t->nch : 1, 1);
	struct nchain **path = xcalloc(NFT_BLOCK_DEPTH * 4 + 1, sizeof(*path));
	size_t i;
	bool any = false;

	for (i = 0; i < t->nch; i++)
		if (t->ch[i] && t->ch[i]->nrule)
			for (size_t k = 0; k < t->ch[i]->nrule && !any; k++)
				for (size_t m = 0; m < t->ch[i]->rules[k]->nit; m++)
					any |= t->ch[i]->rules[k]->it[m].k == IK_JUMP;
	for (i = 0; any && i < t->nch; i++)
		if (t->ch[i] && state[i] == 0 &&
		    !loop_visit(p, t->ch[i], state, path, 0, chain_index))
			break;
	free(state);
	free(path);
}

/* Every reference checked once all files are read. */
static void
check_refs(struct P *p)
{
	size_t i;

	for (i = 0; i < p->nref; i++) {
		struct objref *r = &p->refs[i];
		struct ntable *t = NULL;
		size_t k;
		bool ok;

		for (k = 0; k < p->ntab; k++)
			if (p->tabv[k] == r->t)
				t = r->t;
		if (t == NULL)
			continue; /* the table was deleted with the rule */
		switch (r->what) {
		case REF_SET:
			ok = set_find(t, r->name) != NULL;
			break;
		case REF_MAP: {
			struct nset *m = set_find(t, r->name);

			ok = m != NULL;
			if (m && !m->is_map) {
				perr(p, &r->at, "%s is a set, not a map", r->name);
				continue;
			}
			break;
		}
		case REF_FLOWTABLE:
			ok = flowtable_exists(t, r->name);
			break;
		default:
			ok = obj_find(t, r->kind, r->name) != NULL;
			break;
		}
		if (!ok)
			perr(p, &r->at, "%s %s does not exist in table %s %s",
			     r->what == REF_SET         ? "set"
			     : r->what == REF_MAP       ? "map"
			     : r->what == REF_FLOWTABLE ? "flowtable"
			                                : objkind_names[r->kind],
			     r->name, nfam_name(t->fam), t->name);
	}
	for (i = 0; i < p->nref; i++)
		free(p->refs[i].name);
	free(p->refs);
	p->refs = NULL;
	p->nref = p->refcap = 0;
}

/* A base chain's hook, priority, policy and (ingress/egress) devices. */
static void
lower_base(const struct nchain *c, struct chain *m)
{
	size_t i;

	m->hook = model_hook(c->hook);
	m->type = c->type;
	m->priority = c->prio;
	m->policy = c->policy;
	m->policy_loc = c->policy_loc;
	for (i = 0; i < c->ndev; i++)
		chain_add_device(m, c->dev[i]);
}

/* The tables on Cloudflare's path into the model. */
static void
lower_all(struct P *p)
{
	size_t i;
	size_t j;
	size_t k;

	for (i = 0; i < p->ntab; i++) {
		struct ntable *t = p->tabv[i];
		struct low l;

		if (t == NULL)
			continue;
		check_loops(p, t);
		if (!nfam_on_path(t->fam) || t->dormant)
			continue;
		for (j = 0; j < t->nch; j++) {
			struct nchain *c = t->ch[j];
			struct chain *m;

			if (c == NULL)
				continue;
			m = ruleset_add_chain(&p->o->fw, t->name, c->name, nfam_bits(t->fam),
			                      c->loc);
			if (c->base)
				lower_base(c, m);
			c->model = m;
		}
		memset(&l, 0, sizeof(l));
		l.p = p;
		l.t = t;
		for (j = 0; j < t->nch; j++) {
			struct nchain *c = t->ch[j];

			if (c == NULL || c->model == NULL)
				continue;
			l.c = c;
			for (k = 0; k < c->nrule; k++) {
				lower_rule(&l, c->rules[k]);
				/* lowered: the nft side is no longer needed */
				nrule_free(c->rules[k]);
				c->rules[k] = NULL;
			}
			c->nrule = 0;
		}
	}
}

/* ---- the entry point ---- */

/* For tests/unit/test_parse_nft.c (no header exports it): the bsearch
 * tables are in order. */
bool nft_tables_sorted(void);

static bool
syms_sorted(const struct sym *t, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(t[i - 1].name, t[i].name) >= 0)
			return false;
	return true;
}

#define SYMS_SORTED(t) syms_sorted((t), ARRAY_LEN(t))

bool
nft_tables_sorted(void)
{
	size_t i;

	if (!SYMS_SORTED(fam_names) || !SYMS_SORTED(hook_names) || !SYMS_SORTED(protos) ||
	    !SYMS_SORTED(services) || !SYMS_SORTED(ct_states) || !SYMS_SORTED(ct_statuses) ||
	    !SYMS_SORTED(ct_events) || !SYMS_SORTED(ct_dirs) || !SYMS_SORTED(tcp_flags) ||
	    !SYMS_SORTED(nfprotos) || !SYMS_SORTED(fib_types) || !SYMS_SORTED(pkttypes) ||
	    !SYMS_SORTED(icmp_types) || !SYMS_SORTED(icmp6_types) || !SYMS_SORTED(icmp_codes) ||
	    !SYMS_SORTED(icmp6_codes) || !SYMS_SORTED(icmpx_codes) || !SYMS_SORTED(ether_types) ||
	    !SYMS_SORTED(arp_ops) || !SYMS_SORTED(dscps) || !SYMS_SORTED(ecns) ||
	    !SYMS_SORTED(iftypes) || !SYMS_SORTED(days) || !SYMS_SORTED(booleans) ||
	    !SYMS_SORTED(igmp_types) || !SYMS_SORTED(dccp_types) || !SYMS_SORTED(mh_types) ||
	    !SYMS_SORTED(mptcp_subtypes) || !SYMS_SORTED(ct_l3protos))
		return false;
	for (i = 1; i < ARRAY_LEN(headers); i++)
		if (strcmp(headers[i - 1].name, headers[i].name) >= 0)
			return false;
	for (i = 0; i < ARRAY_LEN(headers); i++) {
		size_t k;

		for (k = 1; k < headers[i].nf; k++)
			if (strcmp(headers[i].f[k - 1].name, headers[i].f[k].name) >= 0)
				return false;
	}
	return true;
}

static void
parser_free(struct P *p)
{
	size_t i;

	while (p->nfr > 0)
		pop_frame(p);
	free(p->fr);
	while (p->nsc > 1)
		scope_pop(p);
	if (p->nsc == 1) {
		for (i = 0; i < p->sc[0].n; i++) {
			free(p->sc[0].v[i].name);
			free(p->sc[0].v[i].v);
		}
		free(p->sc[0].v);
	}
	free(p->sc);
	for (i = 0; i < p->ntab; i++)
		if (p->tabv[i])
			table_free(p, p->tabv[i], false);
	free(p->tabv);
	free(p->tables.v);
	for (i = 1; i < p->nfile; i++) {
		free(p->files[i]->data);
		free(p->files[i]);
	}
	if (p->nfile > 0)
		free(p->files[0]);
	free(p->files);
	free(p->log);
}

void
parse_nft(struct origin *o, struct input *in, const char *data, size_t len,
          const char *file_as_seen)
{
	struct P p;
	struct srcfile *root = xcalloc(1, sizeof(*root));
	struct frame f;

	memset(&p, 0, sizeof(p));
	p.o = o;
	p.io = in->origin;
	root->in = in;
	root->name = intern(file_as_seen ? file_as_seen : in->file);
	root->data = (char *)data;
	root->len = len;
	root->depth = 1;
	VEC_PUSH(p.files, p.nfile, p.filecap, root);
	memset(&f, 0, sizeof(f));
	f.is_file = true;
	f.lx.src = root;
	f.lx.line = 1;
	push_frame(&p, f);
	scope_push(&p);
	while (!p.stop) {
		const struct tok *t = peek(&p, 0);

		if (t->t == T_EOF)
			break;
		if (t->t == T_NL || t->t == T_SEMI) {
			next(&p);
			continue;
		}
		if (t->t == T_RBRACE) {
			unexpected(&p, NULL);
			next(&p);
			continue;
		}
		command(&p);
	}
	if (p.stop && p.errors >= NFT_MAX_ERRORS)
		input_error(in, 0, "too many errors: the rest of the ruleset is not read");
	report_crlf(&p);
	check_refs(&p);
	if (p.errors == 0)
		lower_all(&p);
	else
		lower_all(&p);
	parser_free(&p);
}
