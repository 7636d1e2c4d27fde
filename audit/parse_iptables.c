/* iptables-save / ip6tables-save output, which is iptables-restore input (and
 * ufw's rule files). What iptables-restore rejects we reject, with the line:
 * the tokeniser is its add_param_to_argv, options are dispatched as its
 * getopt loop does (core options, then the options of the -m matches loaded so
 * far, the -j target's, and the protocol match -p loads implicitly), and
 * unknown options, chains and malformed values are errors. A rule is built
 * aside and added only when the whole line is understood. */

#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "root.h"
#include "ufw.h"
#include "util.h"

#define CHAIN_MAXLEN 28    /* XT_EXTENSION_MAXNAMELEN - 1 */
#define IFNAME_MAXLEN 15   /* IFNAMSIZ - 1 */
#define PARAM_MAXLEN 1023  /* iptables-restore's parameter buffer */
#define COMMENT_MAXLEN 255 /* XT_MAX_COMMENT_LEN - 1 */
#define MULTIPORT_MAX 15   /* XT_MULTI_PORTS; a range counts twice */
#define SET_DIR_MAX 6      /* IPSET_DIM_MAX */
#define JUMP_DEPTH_MAX 64

/* ---- name tables (sorted; searched with bsearch) ---- */

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

static int
cmp_name_icase(const void *key, const void *elem)
{
	return strcasecmp((const char *)key, *(const char *const *)elem);
}

#define FIND(tab, key) bsearch((key), (tab), ARRAY_LEN(tab), sizeof((tab)[0]), cmp_name)
#define FIND_ICASE(tab, key) bsearch((key), (tab), ARRAY_LEN(tab), sizeof((tab)[0]), cmp_name_icase)

struct builtin {
	const char *name;
	enum hook hook;
	enum chain_type type;
	int priority;
};

/* iptables' tables and their built-in chains (in hook order), at the
 * priorities iptables-nft gives them (NF_IP_PRI_RAW -300, MANGLE -150,
 * NAT_DST -100, FILTER 0, SECURITY 50, NAT_SRC 100). */
struct table {
	const char *name;
	size_t n;
	struct builtin b[5];
};

static const struct table tables[] = {
    {"filter",
     3,
     {{"INPUT", HOOK_INPUT, CT_FILTER, 0},
      {"FORWARD", HOOK_FORWARD, CT_FILTER, 0},
      {"OUTPUT", HOOK_OUTPUT, CT_FILTER, 0}}},
    {"mangle",
     5,
     {{"PREROUTING", HOOK_PREROUTING, CT_FILTER, -150},
      {"INPUT", HOOK_INPUT, CT_FILTER, -150},
      {"FORWARD", HOOK_FORWARD, CT_FILTER, -150},
      {"OUTPUT", HOOK_OUTPUT, CT_ROUTE, -150},
      {"POSTROUTING", HOOK_POSTROUTING, CT_FILTER, -150}}},
    {"nat",
     4,
     {{"PREROUTING", HOOK_PREROUTING, CT_NAT, -100},
      {"INPUT", HOOK_INPUT, CT_NAT, 100},
      {"OUTPUT", HOOK_OUTPUT, CT_NAT, -100},
      {"POSTROUTING", HOOK_POSTROUTING, CT_NAT, 100}}},
    {"raw",
     2,
     {{"PREROUTING", HOOK_PREROUTING, CT_FILTER, -300}, {"OUTPUT", HOOK_OUTPUT, CT_FILTER, -300}}},
    {"security",
     3,
     {{"INPUT", HOOK_INPUT, CT_FILTER, 50},
      {"FORWARD", HOOK_FORWARD, CT_FILTER, 50},
      {"OUTPUT", HOOK_OUTPUT, CT_FILTER, 50}}},
};

static const struct builtin *
table_builtin(const struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->b[i].name, name) == 0)
			return &t->b[i];
	return NULL;
}

/* /etc/protocols names iptables-save prints, plus iptables' own aliases. */
struct proto {
	const char *name;
	uint8_t num;
};

static const struct proto protos[] = {
    {"ah", 51},          {"all", 0},        {"dccp", 33},       {"egp", 8},
    {"encap", 98},       {"esp", 50},       {"etherip", 97},    {"ggp", 3},
    {"gre", 47},         {"hip", 139},      {"hmp", 20},        {"icmp", 1},
    {"icmpv6", 58},      {"idrp", 45},      {"igmp", 2},        {"igp", 9},
    {"ip", 0},           {"ipcomp", 108},   {"ipencap", 4},     {"ipip", 94},
    {"ipv6", 41},        {"ipv6-frag", 44}, {"ipv6-icmp", 58},  {"ipv6-mh", 135},
    {"ipv6-nonxt", 59},  {"ipv6-opts", 60}, {"ipv6-route", 43}, {"isis", 124},
    {"l2tp", 115},       {"manet", 138},    {"mh", 135},        {"mobility-header", 135},
    {"mpls-in-ip", 137}, {"ospf", 89},      {"pim", 103},       {"pup", 12},
    {"rdp", 27},         {"rohc", 142},     {"rspf", 73},       {"rsvp", 46},
    {"sctp", 132},       {"shim6", 140},    {"skip", 57},       {"st", 5},
    {"tcp", 6},          {"udp", 17},       {"udplite", 136},   {"vmtp", 81},
    {"vrrp", 112},       {"wesp", 141},     {"xns-idp", 22},    {"xtp", 36},
};

/* /etc/services names for the ports an origin cares about. */
struct service {
	const char *name;
	uint16_t port;
};

static const struct service services[] = {
    {"bootpc", 68},
    {"bootps", 67},
    {"domain", 53},
    {"ftp", 21},
    {"ftp-data", 20},
    {"http", 80},
    {"http-alt", 8080},
    {"https", 443},
    {"imap", 143},
    {"imap2", 143},
    {"imaps", 993},
    {"isakmp", 500},
    {"kerberos", 88},
    {"ldap", 389},
    {"ldaps", 636},
    {"microsoft-ds", 445},
    {"ms-wbt-server", 3389},
    {"mysql", 3306},
    {"netbios-dgm", 138},
    {"netbios-ns", 137},
    {"netbios-ssn", 139},
    {"ntp", 123},
    {"pop3", 110},
    {"pop3s", 995},
    {"postgresql", 5432},
    {"rsync", 873},
    {"sip", 5060},
    {"smtp", 25},
    {"snmp", 161},
    {"ssh", 22},
    {"submission", 587},
    {"submissions", 465},
    {"syslog", 514},
    {"telnet", 23},
    {"tftp", 69},
    {"webcache", 8080},
    {"www", 80},
};

struct bitname {
	const char *name;
	unsigned bit;
};

/* libxt_tcp's flag names (ALL is its 0x3F), plus ECE and CWR. */
static const struct bitname tcp_flag_names[] = {
    {"ACK", TCPF_ACK}, {"ALL", 0x3f},     {"CWR", TCPF_CWR}, {"ECE", TCPF_ECE}, {"FIN", TCPF_FIN},
    {"NONE", 0},       {"PSH", TCPF_PSH}, {"RST", TCPF_RST}, {"SYN", TCPF_SYN}, {"URG", TCPF_URG},
};

static const struct bitname ct_states[] = {
    {"DNAT", CTS_DNAT},           {"ESTABLISHED", CTS_ESTABLISHED},
    {"INVALID", CTS_INVALID},     {"NEW", CTS_NEW},
    {"RELATED", CTS_RELATED},     {"SNAT", CTS_SNAT},
    {"UNTRACKED", CTS_UNTRACKED},
};

static const struct bitname addr_types[] = {
    {"ANYCAST", AT_ANYCAST},     {"BLACKHOLE", AT_BLACKHOLE},
    {"BROADCAST", AT_BROADCAST}, {"LOCAL", AT_LOCAL},
    {"MULTICAST", AT_MULTICAST}, {"NAT", AT_NAT},
    {"PROHIBIT", AT_PROHIBIT},   {"THROW", AT_THROW},
    {"UNICAST", AT_UNICAST},     {"UNREACHABLE", AT_UNREACHABLE},
    {"UNSPEC", AT_UNSPEC},       {"XRESOLVE", AT_XRESOLVE},
};

/* pkttype: whether Cloudflare's SYN (addressed to this host: PACKET_HOST)
 * has the type. */
static const struct bitname pkt_types[] = {
    {"broadcast", 0}, {"host", 1},     {"loopback", 0}, {"multicast", 0},
    {"otherhost", 0}, {"outgoing", 0}, {"unicast", 1},
};

struct icmpname {
	const char *name;
	int type;
	int code; /* -1: any code */
};

static const struct icmpname icmp4_names[] = {
    {"address-mask-reply", 18, -1},
    {"address-mask-request", 17, -1},
    {"any", -1, -1},
    {"communication-prohibited", 3, 13},
    {"destination-unreachable", 3, -1},
    {"echo-reply", 0, -1},
    {"echo-request", 8, -1},
    {"fragmentation-needed", 3, 4},
    {"host-precedence-violation", 3, 14},
    {"host-prohibited", 3, 10},
    {"host-redirect", 5, 1},
    {"host-unknown", 3, 7},
    {"host-unreachable", 3, 1},
    {"ip-header-bad", 12, 0},
    {"network-prohibited", 3, 9},
    {"network-redirect", 5, 0},
    {"network-unknown", 3, 6},
    {"network-unreachable", 3, 0},
    {"parameter-problem", 12, -1},
    {"ping", 8, -1},
    {"pong", 0, -1},
    {"port-unreachable", 3, 3},
    {"precedence-cutoff", 3, 15},
    {"protocol-unreachable", 3, 2},
    {"redirect", 5, -1},
    {"required-option-missing", 12, 1},
    {"router-advertisement", 9, -1},
    {"router-solicitation", 10, -1},
    {"source-quench", 4, -1},
    {"source-route-failed", 3, 5},
    {"time-exceeded", 11, -1},
    {"timestamp-reply", 14, -1},
    {"timestamp-request", 13, -1},
    {"TOS-host-redirect", 5, 3},
    {"TOS-host-unreachable", 3, 12},
    {"TOS-network-redirect", 5, 2},
    {"TOS-network-unreachable", 3, 11},
    {"ttl-exceeded", 11, -1},
    {"ttl-zero-during-reassembly", 11, 1},
    {"ttl-zero-during-transit", 11, 0},
};

static const struct icmpname icmp6_names[] = {
    {"address-unreachable", 1, 3},
    {"any", -1, -1},
    {"bad-header", 4, 0},
    {"beyond-scope", 1, 2},
    {"communication-prohibited", 1, 1},
    {"destination-unreachable", 1, -1},
    {"echo-reply", 129, -1},
    {"echo-request", 128, -1},
    {"failed-policy", 1, 5},
    {"group-membership-query", 130, -1},
    {"group-membership-reduction", 132, -1},
    {"group-membership-report", 131, -1},
    {"neighbor-advertisement", 136, -1},
    {"neighbor-solicitation", 135, -1},
    {"neighbour-advertisement", 136, -1},
    {"neighbour-solicitation", 135, -1},
    {"no-route", 1, 0},
    {"packet-too-big", 2, -1},
    {"parameter-problem", 4, -1},
    {"ping", 128, -1},
    {"pong", 129, -1},
    {"port-unreachable", 1, 4},
    {"redirect", 137, -1},
    {"reject-route", 1, 6},
    {"router-advertisement", 134, -1},
    {"router-solicitation", 133, -1},
    {"time-exceeded", 3, -1},
    {"ttl-exceeded", 3, -1},
    {"ttl-zero-during-reassembly", 3, 1},
    {"ttl-zero-during-transit", 3, 0},
    {"unknown-header-type", 4, 1},
    {"unknown-option", 4, 2},
};

/* REJECT --reject-with: iptables takes a prefix of a name or its alias, the
 * first in this (its) order; not sorted on purpose. */
struct reject_type {
	const char *name;
	const char *alias;
};

static const struct reject_type reject4[] = {
    {"icmp-net-unreachable", "net-unreach"},
    {"icmp-host-unreachable", "host-unreach"},
    {"icmp-proto-unreachable", "proto-unreach"},
    {"icmp-port-unreachable", "port-unreach"},
    {"icmp-net-prohibited", "net-prohib"},
    {"icmp-host-prohibited", "host-prohib"},
    {"tcp-reset", "tcp-rst"},
    {"icmp-admin-prohibited", "admin-prohib"},
};

static const struct reject_type reject6[] = {
    {"icmp6-no-route", "no-route"},
    {"icmp6-adm-prohibited", "adm-prohibited"},
    {"icmp6-addr-unreachable", "addr-unreach"},
    {"icmp6-port-unreachable", "port-unreach"},
    {"tcp-reset", "tcp-rst"},
    {"icmp6-policy-fail", "policy-fail"},
    {"icmp6-reject-route", "reject-route"},
};

/* ---- options, matches and targets ---- */

enum {
	OPT_INV = 1 /* may be negated with "!" */
};

struct optdef {
	const char *name;
	unsigned char nargs;
	unsigned char id;
	unsigned char flags;
};

#define OPTS(a) (a), ARRAY_LEN(a)

enum core_id {
	C_SRC,
	C_DST,
	C_PROTO,
	C_IIF,
	C_OIF,
	C_FRAG,
	C_JUMP,
	C_GOTO,
	C_MATCH,
	C_COUNTERS,
	C_V4,
	C_V6,
	C_TABLE
};

static const struct optdef core_opts[] = {
    {"--destination", 1, C_DST, OPT_INV},
    {"--dst", 1, C_DST, OPT_INV},
    {"--fragment", 0, C_FRAG, OPT_INV},
    {"--goto", 1, C_GOTO, 0},
    {"--in-interface", 1, C_IIF, OPT_INV},
    {"--ipv4", 0, C_V4, 0},
    {"--ipv6", 0, C_V6, 0},
    {"--jump", 1, C_JUMP, 0},
    {"--match", 1, C_MATCH, 0},
    {"--out-interface", 1, C_OIF, OPT_INV},
    {"--protocol", 1, C_PROTO, OPT_INV},
    {"--set-counters", 2, C_COUNTERS, 0},
    {"--source", 1, C_SRC, OPT_INV},
    {"--src", 1, C_SRC, OPT_INV},
    {"--table", 1, C_TABLE, 0},
    {"-4", 0, C_V4, 0},
    {"-6", 0, C_V6, 0},
    {"-c", 2, C_COUNTERS, 0},
    {"-d", 1, C_DST, OPT_INV},
    {"-f", 0, C_FRAG, OPT_INV},
    {"-g", 1, C_GOTO, 0},
    {"-i", 1, C_IIF, OPT_INV},
    {"-j", 1, C_JUMP, 0},
    {"-m", 1, C_MATCH, 0},
    {"-o", 1, C_OIF, OPT_INV},
    {"-p", 1, C_PROTO, OPT_INV},
    {"-s", 1, C_SRC, OPT_INV},
    {"-t", 1, C_TABLE, 0},
};

/* Option ids of the matches (one enum: each match uses its own subset). */
enum {
	O_SPORT,
	O_DPORT,
	O_PORTS,
	O_SYN,
	O_TCPFLAGS,
	O_TCPOPTION,
	O_SRCRANGE,
	O_DSTRANGE,
	O_MATCHSET,
	O_SETIGNORE,
	O_SETCOUNTER,
	O_STATE,
	O_CTOTHER,
	O_RATE_UPTO,
	O_RATE_ABOVE,
	O_OTHER,
	O_R_SET,
	O_R_CHECK,
	O_R_REMOVE,
	O_SRCTYPE,
	O_DSTTYPE,
	O_MARK,
	O_ICMPTYPE,
	O_COMMENT,
	O_PKTTYPE,
	O_POL,
	O_INVERT,
	O_TTL_EQ,
	O_TTL_LT,
	O_TTL_GT
};

static const struct optdef tcp_opts[] = {
    {"--destination-port", 1, O_DPORT, OPT_INV},
    {"--dport", 1, O_DPORT, OPT_INV},
    {"--source-port", 1, O_SPORT, OPT_INV},
    {"--sport", 1, O_SPORT, OPT_INV},
    {"--syn", 0, O_SYN, OPT_INV},
    {"--tcp-flags", 2, O_TCPFLAGS, OPT_INV},
    {"--tcp-option", 1, O_TCPOPTION, OPT_INV},
};

static const struct optdef udp_opts[] = {
    {"--destination-port", 1, O_DPORT, OPT_INV},
    {"--dport", 1, O_DPORT, OPT_INV},
    {"--source-port", 1, O_SPORT, OPT_INV},
    {"--sport", 1, O_SPORT, OPT_INV},
};

static const struct optdef multiport_opts[] = {
    {"--destination-ports", 1, O_DPORT, OPT_INV},
    {"--dports", 1, O_DPORT, OPT_INV},
    {"--ports", 1, O_PORTS, OPT_INV},
    {"--source-ports", 1, O_SPORT, OPT_INV},
    {"--sports", 1, O_SPORT, OPT_INV},
};

static const struct optdef iprange_opts[] = {
    {"--dst-range", 1, O_DSTRANGE, OPT_INV},
    {"--src-range", 1, O_SRCRANGE, OPT_INV},
};

static const struct optdef set_opts[] = {
    {"--bytes-eq", 1, O_SETCOUNTER, OPT_INV},
    {"--bytes-gt", 1, O_SETCOUNTER, 0},
    {"--bytes-lt", 1, O_SETCOUNTER, 0},
    {"--match-set", 2, O_MATCHSET, OPT_INV},
    {"--packets-eq", 1, O_SETCOUNTER, OPT_INV},
    {"--packets-gt", 1, O_SETCOUNTER, 0},
    {"--packets-lt", 1, O_SETCOUNTER, 0},
    {"--return-nomatch", 0, O_SETIGNORE, 0},
    {"--set", 2, O_MATCHSET, OPT_INV},
    {"--update-counters", 0, O_SETIGNORE, OPT_INV},
    {"--update-subcounters", 0, O_SETIGNORE, OPT_INV},
};

static const struct optdef state_opts[] = {
    {"--state", 1, O_STATE, OPT_INV},
};

static const struct optdef conntrack_opts[] = {
    {"--ctdir", 1, O_CTOTHER, 0},
    {"--ctexpire", 1, O_CTOTHER, OPT_INV},
    {"--ctorigdst", 1, O_CTOTHER, OPT_INV},
    {"--ctorigdstport", 1, O_CTOTHER, OPT_INV},
    {"--ctorigsrc", 1, O_CTOTHER, OPT_INV},
    {"--ctorigsrcport", 1, O_CTOTHER, OPT_INV},
    {"--ctproto", 1, O_CTOTHER, OPT_INV},
    {"--ctrepldst", 1, O_CTOTHER, OPT_INV},
    {"--ctrepldstport", 1, O_CTOTHER, OPT_INV},
    {"--ctreplsrc", 1, O_CTOTHER, OPT_INV},
    {"--ctreplsrcport", 1, O_CTOTHER, OPT_INV},
    {"--ctstate", 1, O_STATE, OPT_INV},
    {"--ctstatus", 1, O_CTOTHER, OPT_INV},
};

static const struct optdef limit_opts[] = {
    {"--limit", 1, O_RATE_UPTO, 0},
    {"--limit-burst", 1, O_OTHER, 0},
};

static const struct optdef hashlimit_opts[] = {
    {"--hashlimit", 1, O_RATE_UPTO, 0},           {"--hashlimit-above", 1, O_RATE_ABOVE, 0},
    {"--hashlimit-burst", 1, O_OTHER, 0},         {"--hashlimit-dstmask", 1, O_OTHER, 0},
    {"--hashlimit-htable-expire", 1, O_OTHER, 0}, {"--hashlimit-htable-gcinterval", 1, O_OTHER, 0},
    {"--hashlimit-htable-max", 1, O_OTHER, 0},    {"--hashlimit-htable-size", 1, O_OTHER, 0},
    {"--hashlimit-mode", 1, O_OTHER, 0},          {"--hashlimit-name", 1, O_OTHER, 0},
    {"--hashlimit-rate-interval", 1, O_OTHER, 0}, {"--hashlimit-rate-match", 0, O_OTHER, 0},
    {"--hashlimit-srcmask", 1, O_OTHER, 0},       {"--hashlimit-upto", 1, O_RATE_UPTO, 0},
};

static const struct optdef connlimit_opts[] = {
    {"--connlimit-above", 1, O_RATE_ABOVE, OPT_INV},
    {"--connlimit-daddr", 0, O_OTHER, 0},
    {"--connlimit-mask", 1, O_OTHER, 0},
    {"--connlimit-saddr", 0, O_OTHER, 0},
    {"--connlimit-upto", 1, O_RATE_UPTO, OPT_INV},
};

static const struct optdef recent_opts[] = {
    {"--hitcount", 1, O_OTHER, 0},
    {"--mask", 1, O_OTHER, 0},
    {"--name", 1, O_OTHER, 0},
    {"--rcheck", 0, O_R_CHECK, OPT_INV},
    {"--rdest", 0, O_OTHER, 0},
    {"--reap", 0, O_OTHER, 0},
    {"--remove", 0, O_R_REMOVE, OPT_INV},
    {"--rsource", 0, O_OTHER, 0},
    {"--rttl", 0, O_OTHER, 0},
    {"--seconds", 1, O_OTHER, 0},
    {"--set", 0, O_R_SET, OPT_INV},
    {"--update", 0, O_R_CHECK, OPT_INV},
};

static const struct optdef quota_opts[] = {
    {"--quota", 1, O_RATE_UPTO, OPT_INV},
};

static const struct optdef addrtype_opts[] = {
    {"--dst-type", 1, O_DSTTYPE, OPT_INV},
    {"--limit-iface-in", 0, O_OTHER, 0},
    {"--limit-iface-out", 0, O_OTHER, 0},
    {"--src-type", 1, O_SRCTYPE, OPT_INV},
};

static const struct optdef mark_opts[] = {
    {"--mark", 1, O_MARK, OPT_INV},
};

static const struct optdef icmp_opts[] = {
    {"--icmp-type", 1, O_ICMPTYPE, OPT_INV},
};

static const struct optdef icmp6_opts[] = {
    {"--icmpv6-type", 1, O_ICMPTYPE, OPT_INV},
};

static const struct optdef comment_opts[] = {
    {"--comment", 1, O_COMMENT, 0},
};

static const struct optdef nfacct_opts[] = {
    {"--nfacct-name", 1, O_OTHER, 0},
};

static const struct optdef pkttype_opts[] = {
    {"--pkt-type", 1, O_PKTTYPE, OPT_INV},
};

static const struct optdef policy_opts[] = {
    {"--dir", 1, O_OTHER, 0},
    {"--mode", 1, O_OTHER, OPT_INV},
    {"--next", 0, O_OTHER, 0},
    {"--pol", 1, O_POL, 0},
    {"--proto", 1, O_OTHER, OPT_INV},
    {"--reqid", 1, O_OTHER, OPT_INV},
    {"--spi", 1, O_OTHER, OPT_INV},
    {"--strict", 0, O_OTHER, 0},
    {"--tunnel-dst", 1, O_OTHER, OPT_INV},
    {"--tunnel-src", 1, O_OTHER, OPT_INV},
};

static const struct optdef ttl_opts_m[] = {
    {"--ttl-eq", 1, O_TTL_EQ, OPT_INV},
    {"--ttl-gt", 1, O_TTL_GT, 0},
    {"--ttl-lt", 1, O_TTL_LT, 0},
};

static const struct optdef hl_opts_m[] = {
    {"--hl-eq", 1, O_TTL_EQ, OPT_INV},
    {"--hl-gt", 1, O_TTL_GT, 0},
    {"--hl-lt", 1, O_TTL_LT, 0},
};

static const struct optdef rpfilter_opts[] = {
    {"--accept-local", 0, O_OTHER, 0},
    {"--invert", 0, O_INVERT, 0},
    {"--loose", 0, O_OTHER, 0},
    {"--validmark", 0, O_OTHER, 0},
};

struct ipt;

struct moddef {
	const char *name;
	const struct optdef *opts; /* NULL: options are taken as written (a match
	                              that never matches a TCP SYN needs no more) */
	size_t nopts;
	bool (*build)(struct ipt *, size_t);
	uint8_t proto;     /* the -p the kernel requires (0: none) */
	unsigned families; /* FAM_BIT()s it exists for */
};

static bool build_tcpudp(struct ipt *, size_t);
static bool build_multiport(struct ipt *, size_t);
static bool build_iprange(struct ipt *, size_t);
static bool build_set(struct ipt *, size_t);
static bool build_state(struct ipt *, size_t);
static bool build_rate(struct ipt *, size_t);
static bool build_recent(struct ipt *, size_t);
static bool build_addrtype(struct ipt *, size_t);
static bool build_mark(struct ipt *, size_t);
static bool build_icmp(struct ipt *, size_t);
static bool build_comment(struct ipt *, size_t);
static bool build_always(struct ipt *, size_t);
static bool build_pkttype(struct ipt *, size_t);
static bool build_policy(struct ipt *, size_t);
static bool build_rpfilter(struct ipt *, size_t);
static bool build_never(struct ipt *, size_t);
static bool build_ttl(struct ipt *, size_t);

static const struct moddef matches[] = {
    {"addrtype", OPTS(addrtype_opts), build_addrtype, 0, FAM_BOTH},
    {"ah", NULL, 0, build_never, 51, FAM_BOTH},
    {"comment", OPTS(comment_opts), build_comment, 0, FAM_BOTH},
    {"connlimit", OPTS(connlimit_opts), build_rate, 0, FAM_BOTH},
    {"connmark", OPTS(mark_opts), build_mark, 0, FAM_BOTH},
    {"conntrack", OPTS(conntrack_opts), build_state, 0, FAM_BOTH},
    {"dccp", NULL, 0, build_never, 33, FAM_BOTH},
    {"esp", NULL, 0, build_never, 50, FAM_BOTH},
    {"frag", NULL, 0, build_never, 0, FAM_BIT(FAM_V6)},
    {"hashlimit", OPTS(hashlimit_opts), build_rate, 0, FAM_BOTH},
    {"hl", OPTS(hl_opts_m), build_ttl, 0, FAM_BIT(FAM_V6)},
    {"icmp", OPTS(icmp_opts), build_icmp, PROTO_ICMP, FAM_BIT(FAM_V4)},
    {"icmp6", OPTS(icmp6_opts), build_icmp, PROTO_ICMPV6, FAM_BIT(FAM_V6)},
    {"iprange", OPTS(iprange_opts), build_iprange, 0, FAM_BOTH},
    {"limit", OPTS(limit_opts), build_rate, 0, FAM_BOTH},
    {"mark", OPTS(mark_opts), build_mark, 0, FAM_BOTH},
    {"mh", NULL, 0, build_never, 135, FAM_BIT(FAM_V6)},
    {"multiport", OPTS(multiport_opts), build_multiport, 0, FAM_BOTH},
    {"nfacct", OPTS(nfacct_opts), build_always, 0, FAM_BOTH},
    {"pkttype", OPTS(pkttype_opts), build_pkttype, 0, FAM_BOTH},
    {"policy", OPTS(policy_opts), build_policy, 0, FAM_BOTH},
    {"quota", OPTS(quota_opts), build_rate, 0, FAM_BOTH},
    {"recent", OPTS(recent_opts), build_recent, 0, FAM_BOTH},
    {"rpfilter", OPTS(rpfilter_opts), build_rpfilter, 0, FAM_BOTH},
    {"rt", NULL, 0, build_never, 0, FAM_BIT(FAM_V6)},
    {"sctp", NULL, 0, build_never, 132, FAM_BOTH},
    {"set", OPTS(set_opts), build_set, 0, FAM_BOTH},
    {"state", OPTS(state_opts), build_state, 0, FAM_BOTH},
    {"tcp", OPTS(tcp_opts), build_tcpudp, PROTO_TCP, FAM_BOTH},
    {"ttl", OPTS(ttl_opts_m), build_ttl, 0, FAM_BIT(FAM_V4)},
    {"udp", OPTS(udp_opts), build_tcpudp, PROTO_UDP, FAM_BOTH},
};

/* The match a -p loads when an option none of the loaded matches knows
 * follows (iptables' implicit protocol match). */
static const struct moddef *
implicit_match(const char *name)
{
	return FIND(matches, name);
}

enum target_kind {
	TK_ACCEPT,
	TK_DROP,
	TK_RETURN,
	TK_REJECT,
	TK_CONTINUE,
	TK_NOTRACK,
	TK_CT,
	TK_MARK,
	TK_CONNMARK,
	TK_DNAT,
	TK_REDIRECT,
	TK_QUEUE,
	TK_TARPIT,
	TK_UNKNOWN
};

enum {
	T_REJECT_WITH,
	T_NOTRACK,
	T_SET_XMARK,
	T_SET_MARK,
	T_AND_MARK,
	T_OR_MARK,
	T_XOR_MARK,
	T_SAVE_MARK,
	T_RESTORE_MARK,
	T_MASK,
	T_NFMASK,
	T_CTMASK,
	T_SHIFT,
	T_TO,
	T_OTHER
};

static const struct optdef audit_opts[] = {{"--type", 1, T_OTHER, 0}};
static const struct optdef checksum_opts[] = {{"--checksum-fill", 0, T_OTHER, 0}};
static const struct optdef classify_opts[] = {{"--set-class", 1, T_OTHER, 0}};
static const struct optdef connmark_t_opts[] = {
    {"--and-mark", 1, T_AND_MARK, 0},
    {"--ctmask", 1, T_CTMASK, 0},
    {"--left-shift-mark", 1, T_SHIFT, 0},
    {"--mask", 1, T_MASK, 0},
    {"--nfmask", 1, T_NFMASK, 0},
    {"--or-mark", 1, T_OR_MARK, 0},
    {"--restore-mark", 0, T_RESTORE_MARK, 0},
    {"--right-shift-mark", 1, T_SHIFT, 0},
    {"--save-mark", 0, T_SAVE_MARK, 0},
    {"--set-mark", 1, T_SET_MARK, 0},
    {"--set-xmark", 1, T_SET_XMARK, 0},
    {"--xor-mark", 1, T_XOR_MARK, 0},
};
static const struct optdef connsecmark_opts[] = {
    {"--restore", 0, T_OTHER, 0},
    {"--save", 0, T_OTHER, 0},
};
static const struct optdef ct_opts[] = {
    {"--ctevents", 1, T_OTHER, 0},  {"--expevents", 1, T_OTHER, 0},  {"--helper", 1, T_OTHER, 0},
    {"--notrack", 0, T_NOTRACK, 0}, {"--timeout", 1, T_OTHER, 0},    {"--zone", 1, T_OTHER, 0},
    {"--zone-orig", 1, T_OTHER, 0}, {"--zone-reply", 1, T_OTHER, 0},
};
static const struct optdef dnat_opts[] = {
    {"--persistent", 0, T_OTHER, 0},
    {"--random", 0, T_OTHER, 0},
    {"--random-fully", 0, T_OTHER, 0},
    {"--to-destination", 1, T_TO, 0},
};
static const struct optdef dscp_opts[] = {
    {"--set-dscp", 1, T_OTHER, 0},
    {"--set-dscp-class", 1, T_OTHER, 0},
};
static const struct optdef hl_opts[] = {
    {"--hl-dec", 1, T_OTHER, 0},
    {"--hl-inc", 1, T_OTHER, 0},
    {"--hl-set", 1, T_OTHER, 0},
};
static const struct optdef idletimer_opts[] = {
    {"--alarm", 0, T_OTHER, 0},
    {"--label", 1, T_OTHER, 0},
    {"--timeout", 1, T_OTHER, 0},
};
static const struct optdef led_opts[] = {
    {"--led-always-blink", 0, T_OTHER, 0},
    {"--led-delay", 1, T_OTHER, 0},
    {"--led-trigger-id", 1, T_OTHER, 0},
};
static const struct optdef log_opts[] = {
    {"--log-ip-options", 0, T_OTHER, 0},  {"--log-level", 1, T_OTHER, 0},
    {"--log-macdecode", 0, T_OTHER, 0},   {"--log-prefix", 1, T_OTHER, 0},
    {"--log-tcp-options", 0, T_OTHER, 0}, {"--log-tcp-sequence", 0, T_OTHER, 0},
    {"--log-uid", 0, T_OTHER, 0},
};
static const struct optdef mark_t_opts[] = {
    {"--and-mark", 1, T_AND_MARK, 0}, {"--or-mark", 1, T_OR_MARK, 0},
    {"--set-mark", 1, T_SET_MARK, 0}, {"--set-xmark", 1, T_SET_XMARK, 0},
    {"--xor-mark", 1, T_XOR_MARK, 0},
};
static const struct optdef masquerade_opts[] = {
    {"--random", 0, T_OTHER, 0},
    {"--random-fully", 0, T_OTHER, 0},
    {"--to-ports", 1, T_OTHER, 0},
};
static const struct optdef netmap_opts[] = {{"--to", 1, T_OTHER, 0}};
static const struct optdef nflog_opts[] = {
    {"--nflog-group", 1, T_OTHER, 0},     {"--nflog-prefix", 1, T_OTHER, 0},
    {"--nflog-range", 1, T_OTHER, 0},     {"--nflog-size", 1, T_OTHER, 0},
    {"--nflog-threshold", 1, T_OTHER, 0},
};
static const struct optdef nfqueue_opts[] = {
    {"--fail-open", 0, T_OTHER, 0},    {"--queue-balance", 1, T_OTHER, 0},
    {"--queue-bypass", 0, T_OTHER, 0}, {"--queue-cpu-fanout", 0, T_OTHER, 0},
    {"--queue-num", 1, T_OTHER, 0},
};
static const struct optdef rateest_opts[] = {
    {"--rateest-ewmalog", 1, T_OTHER, 0},
    {"--rateest-interval", 1, T_OTHER, 0},
    {"--rateest-name", 1, T_OTHER, 0},
};
static const struct optdef redirect_opts[] = {
    {"--random", 0, T_OTHER, 0},
    {"--to-ports", 1, T_TO, 0},
};
static const struct optdef reject_opts[] = {{"--reject-with", 1, T_REJECT_WITH, 0}};
static const struct optdef secmark_opts[] = {{"--selctx", 1, T_OTHER, 0}};
static const struct optdef set_t_opts[] = {
    {"--add-set", 2, T_OTHER, 0},  {"--del-set", 2, T_OTHER, 0},  {"--exist", 0, T_OTHER, 0},
    {"--map-mark", 0, T_OTHER, 0}, {"--map-prio", 0, T_OTHER, 0}, {"--map-queue", 0, T_OTHER, 0},
    {"--map-set", 2, T_OTHER, 0},  {"--timeout", 1, T_OTHER, 0},
};
static const struct optdef snat_opts[] = {
    {"--persistent", 0, T_OTHER, 0},
    {"--random", 0, T_OTHER, 0},
    {"--random-fully", 0, T_OTHER, 0},
    {"--to-source", 1, T_OTHER, 0},
};
static const struct optdef synproxy_opts[] = {
    {"--ecn", 0, T_OTHER, 0},       {"--mss", 1, T_OTHER, 0},    {"--sack-perm", 0, T_OTHER, 0},
    {"--timestamp", 0, T_OTHER, 0}, {"--wscale", 1, T_OTHER, 0},
};
static const struct optdef tarpit_opts[] = {
    {"--honeypot", 0, T_OTHER, 0},
    {"--reset", 0, T_OTHER, 0},
    {"--tarpit", 0, T_OTHER, 0},
};
static const struct optdef tcpmss_opts[] = {
    {"--clamp-mss-to-pmtu", 0, T_OTHER, 0},
    {"--set-mss", 1, T_OTHER, 0},
};
static const struct optdef tcpoptstrip_opts[] = {{"--strip-options", 1, T_OTHER, 0}};
static const struct optdef tee_opts[] = {
    {"--gateway", 1, T_OTHER, 0},
    {"--oif", 1, T_OTHER, 0},
};
static const struct optdef tos_opts[] = {
    {"--and-tos", 1, T_OTHER, 0},
    {"--or-tos", 1, T_OTHER, 0},
    {"--set-tos", 1, T_OTHER, 0},
    {"--xor-tos", 1, T_OTHER, 0},
};
static const struct optdef tproxy_opts[] = {
    {"--on-ip", 1, T_OTHER, 0},
    {"--on-port", 1, T_OTHER, 0},
    {"--tproxy-mark", 1, T_OTHER, 0},
};
static const struct optdef ttl_opts[] = {
    {"--ttl-dec", 1, T_OTHER, 0},
    {"--ttl-inc", 1, T_OTHER, 0},
    {"--ttl-set", 1, T_OTHER, 0},
};
static const struct optdef ulog_opts[] = {
    {"--ulog-cprange", 1, T_OTHER, 0},
    {"--ulog-nlgroup", 1, T_OTHER, 0},
    {"--ulog-prefix", 1, T_OTHER, 0},
    {"--ulog-qthreshold", 1, T_OTHER, 0},
};

struct tgtdef {
	const char *name;
	const struct optdef *opts;
	size_t nopts;
	enum target_kind kind;
	const char *table; /* the only table the kernel accepts it in (NULL: any) */
};

static const struct tgtdef targets[] = {
    {"ACCEPT", NULL, 0, TK_ACCEPT, NULL},
    {"AUDIT", OPTS(audit_opts), TK_CONTINUE, NULL},
    {"CHECKSUM", OPTS(checksum_opts), TK_CONTINUE, "mangle"},
    {"CLASSIFY", OPTS(classify_opts), TK_CONTINUE, NULL},
    {"CONNMARK", OPTS(connmark_t_opts), TK_CONNMARK, NULL},
    {"CONNSECMARK", OPTS(connsecmark_opts), TK_CONTINUE, NULL},
    {"CT", OPTS(ct_opts), TK_CT, "raw"},
    {"DNAT", OPTS(dnat_opts), TK_DNAT, "nat"},
    {"DROP", NULL, 0, TK_DROP, NULL},
    {"DSCP", OPTS(dscp_opts), TK_CONTINUE, "mangle"},
    {"HL", OPTS(hl_opts), TK_CONTINUE, "mangle"},
    {"IDLETIMER", OPTS(idletimer_opts), TK_CONTINUE, NULL},
    {"LED", OPTS(led_opts), TK_CONTINUE, NULL},
    {"LOG", OPTS(log_opts), TK_CONTINUE, NULL},
    {"MARK", OPTS(mark_t_opts), TK_MARK, NULL},
    {"MASQUERADE", OPTS(masquerade_opts), TK_CONTINUE, "nat"},
    {"NETMAP", OPTS(netmap_opts), TK_CONTINUE, "nat"},
    {"NFLOG", OPTS(nflog_opts), TK_CONTINUE, NULL},
    {"NFQUEUE", OPTS(nfqueue_opts), TK_QUEUE, NULL},
    {"NOTRACK", NULL, 0, TK_NOTRACK, "raw"},
    {"QUEUE", NULL, 0, TK_QUEUE, NULL},
    {"RATEEST", OPTS(rateest_opts), TK_CONTINUE, NULL},
    {"REDIRECT", OPTS(redirect_opts), TK_REDIRECT, "nat"},
    {"REJECT", OPTS(reject_opts), TK_REJECT, NULL},
    {"RETURN", NULL, 0, TK_RETURN, NULL},
    {"SECMARK", OPTS(secmark_opts), TK_CONTINUE, NULL},
    {"SET", OPTS(set_t_opts), TK_CONTINUE, NULL},
    {"SNAT", OPTS(snat_opts), TK_CONTINUE, "nat"},
    {"SYNPROXY", OPTS(synproxy_opts), TK_UNKNOWN, NULL},
    {"TARPIT", OPTS(tarpit_opts), TK_TARPIT, NULL},
    {"TCPMSS", OPTS(tcpmss_opts), TK_CONTINUE, NULL},
    {"TCPOPTSTRIP", OPTS(tcpoptstrip_opts), TK_CONTINUE, "mangle"},
    {"TEE", OPTS(tee_opts), TK_CONTINUE, NULL},
    {"TOS", OPTS(tos_opts), TK_CONTINUE, "mangle"},
    {"TPROXY", OPTS(tproxy_opts), TK_UNKNOWN, "mangle"},
    {"TRACE", NULL, 0, TK_CONTINUE, "raw"},
    {"TTL", OPTS(ttl_opts), TK_CONTINUE, "mangle"},
    {"ULOG", OPTS(ulog_opts), TK_CONTINUE, NULL},
};

static bool
names_sorted(const void *base, size_t n, size_t size, bool icase)
{
	size_t i;

	for (i = 1; i < n; i++) {
		const char *a = *(const char *const *)((const char *)base + (i - 1) * size);
		const char *b = *(const char *const *)((const char *)base + i * size);

		if ((icase ? strcasecmp(a, b) : strcmp(a, b)) >= 0)
			return false;
	}
	return true;
}

#define SORTED(tab, icase) names_sorted((tab), ARRAY_LEN(tab), sizeof((tab)[0]), (icase))

/* For tests/unit/test_parse_iptables.c, which declares it (no header exports
 * it): every table searched with bsearch is in order. */
bool iptables_tables_sorted(void);

bool
iptables_tables_sorted(void)
{
	size_t i;

	if (!SORTED(tables, false) || !SORTED(protos, false) || !SORTED(services, false) ||
	    !SORTED(tcp_flag_names, true) || !SORTED(ct_states, true) ||
	    !SORTED(addr_types, true) || !SORTED(pkt_types, true) || !SORTED(icmp4_names, true) ||
	    !SORTED(icmp6_names, true) || !SORTED(core_opts, false) || !SORTED(matches, false) ||
	    !SORTED(targets, false))
		return false;
	for (i = 0; i < ARRAY_LEN(matches); i++)
		if (matches[i].opts &&
		    !names_sorted(matches[i].opts, matches[i].nopts, sizeof(struct optdef), false))
			return false;
	for (i = 0; i < ARRAY_LEN(targets); i++)
		if (targets[i].opts &&
		    !names_sorted(targets[i].opts, targets[i].nopts, sizeof(struct optdef), false))
			return false;
	return true;
}

static const struct optdef *
find_opt(const struct optdef *opts, size_t n, const char *name)
{
	if (opts == NULL)
		return NULL;
	return bsearch(name, opts, n, sizeof(*opts), cmp_name);
}

/* ---- the per-file chain map: (table, name) -> chain, no linear search ---- */

struct cmap_ent {
	struct chain *c; /* NULL: empty slot */
	unsigned tab;
	unsigned section; /* the *table section that declared it (0: earlier input) */
};

struct cmap {
	struct cmap_ent *v;
	size_t cap; /* a power of two */
	size_t n;
};

static size_t
cmap_hash(unsigned tab, const char *name)
{
	size_t h = 2166136261u ^ tab;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return h;
}

static struct cmap_ent *
cmap_find(const struct cmap *m, unsigned tab, const char *name)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = cmap_hash(tab, name) & (m->cap - 1); m->v[i].c; i = (i + 1) & (m->cap - 1))
		if (m->v[i].tab == tab && strcmp(m->v[i].c->name, name) == 0)
			return &m->v[i];
	return NULL;
}

static void cmap_put(struct cmap *m, unsigned tab, struct chain *c, unsigned section);

static void
cmap_grow(struct cmap *m)
{
	struct cmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.v[i].c)
			cmap_put(m, old.v[i].tab, old.v[i].c, old.v[i].section);
	free(old.v);
}

static void
cmap_put(struct cmap *m, unsigned tab, struct chain *c, unsigned section)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		cmap_grow(m);
	for (i = cmap_hash(tab, c->name) & (m->cap - 1); m->v[i].c; i = (i + 1) & (m->cap - 1))
		;
	m->v[i].c = c;
	m->v[i].tab = tab;
	m->v[i].section = section;
	m->n++;
}

/* ---- parser state ---- */

struct tok {
	const char *s;
	bool quoted; /* (partly) quoted: an argument, never an option or "!" */
};

enum {
	MOD_CORE,
	MOD_TARGET,
	MOD_FIRST /* mod[k] is MOD_FIRST + k */
};

/* One option of the rule as written: tokens [tok0, tok1) (with its "!"). */
struct oinst {
	size_t mod;
	const struct optdef *def; /* NULL: an option of an unknown match or target */
	bool neg;
	size_t tok0;
	size_t tok1;
	const char *arg[2];
};

/* One match of the rule: -m NAME, or the one -p loaded implicitly. */
struct minst {
	const struct moddef *def; /* NULL: a match we do not know */
	const char *name;
	bool implicit;
	size_t tok0; /* the -m token */
};

struct ipt {
	struct origin *o;
	struct input *in;
	enum family fam;
	unsigned line;
	bool stop;
	bool cr_seen; /* a carriage return was reported */
	size_t nrules;
	const struct table *tab; /* open table (NULL outside *table ... COMMIT) */
	bool tab_skip;           /* an unknown table: ignored up to its COMMIT */
	unsigned tab_line;
	unsigned section;
	size_t nchains[ARRAY_LEN(tables)];
	struct cmap map;

	/* the line's tokens */
	char *tbuf;
	size_t tbuf_cap;
	struct tok *tok;
	size_t ntok;
	size_t tok_cap;

	/* the rule being read */
	struct oinst *opt;
	size_t nopt;
	size_t opt_cap;
	struct minst *mod;
	size_t nmod;
	size_t mod_cap;
	struct rule r;
	unsigned seen_core; /* bit per enum core_id */
	int proto;          /* -1: no -p */
	bool proto_neg;
	bool skip_rule; /* -4 in ip6tables, -6 in iptables: the line is ignored */
	const char *tname;
	bool is_goto;
	size_t ttok;
	const struct tgtdef *tdef;
	struct chain *tchain;
	bool tpending; /* the target names a chain not declared yet */

	/* jumps to chains declared later in the table: iptables-restore
	 * resolves them at COMMIT, so do we */
	struct pending *pending;
	size_t npending;
	size_t pending_cap;
};

struct pending {
	struct rule *r;
	unsigned line;
};

static void flush_chain(struct ipt *p, struct chain *c);

static unsigned
tab_index(const struct table *t)
{
	return (unsigned)(t - tables);
}

static bool fail(struct ipt *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
fail(struct ipt *p, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(p->in, p->line, "%s", msg);
	free(msg);
	return false;
}

/* ---- the tokeniser: iptables-restore's add_param_to_argv ---- */

static bool
tokenize(struct ipt *p, const char *s, size_t len)
{
	char *out;
	char *start;
	size_t plen = 0;
	size_t i;
	bool quote = false;
	bool esc = false;
	bool quoted = false;

	if (p->tbuf_cap < 2 * len + 2) {
		p->tbuf_cap = 2 * len + 2;
		p->tbuf = xrealloc(p->tbuf, p->tbuf_cap);
	}
	p->ntok = 0;
	out = start = p->tbuf;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : ' ';
		bool emit = false;

		if (i == len && quote) /* unterminated: iptables keeps what it has */
			emit = plen > 0;
		else if (quote) {
			if (esc) {
				esc = false;
			} else if (c == '\\') {
				esc = true;
				continue;
			} else if (c == '"') {
				quote = false;
				emit = true; /* a closing quote ends the parameter, even "" */
			}
			if (!emit) {
				*out++ = c;
				plen++;
			}
		} else if (c == '"') {
			quote = quoted = true;
			continue;
		} else if (c == ' ' || c == '\t' || c == '\n') {
			emit = plen > 0;
		} else {
			*out++ = c;
			plen++;
		}
		if (plen > PARAM_MAXLEN)
			return fail(p, "parameter longer than %u bytes", PARAM_MAXLEN);
		if (!emit)
			continue;
		*out++ = '\0';
		grow((void **)&p->tok, &p->tok_cap, p->ntok, sizeof(*p->tok));
		p->tok[p->ntok].s = start;
		p->tok[p->ntok].quoted = quoted;
		p->ntok++;
		start = out;
		plen = 0;
		quoted = false;
		if (i == len)
			break;
	}
	return true;
}

static bool
is_bang(const struct tok *t)
{
	return !t->quoted && strcmp(t->s, "!") == 0;
}

static bool
is_option(const struct tok *t)
{
	return !t->quoted && t->s[0] == '-' && t->s[1] != '\0';
}

/* An option-like token for the options of unknown matches and targets,
 * whose arguments we cannot count: "-5" is a value, not an option. */
static bool
is_generic_option(const struct tok *t)
{
	return is_option(t) && !isdigit((unsigned char)t->s[1]);
}

/* ---- text as written, for messages ---- */

static void
buf_add_tok(struct buf *b, const struct tok *t)
{
	const char *s;

	if (b->len)
		buf_add(b, " ", 1);
	if (!t->quoted && t->s[0] != '\0' && strpbrk(t->s, " \t\"\\") == NULL) {
		buf_adds(b, t->s);
		return;
	}
	buf_add(b, "\"", 1);
	for (s = t->s; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_add(b, "\\", 1);
		buf_add(b, s, 1);
	}
	buf_add(b, "\"", 1);
}

static void
buf_add_opt(struct ipt *p, struct buf *b, const struct oinst *o)
{
	size_t i;

	for (i = o->tok0; i < o->tok1; i++)
		buf_add_tok(b, &p->tok[i]);
}

static char *
opt_text(struct ipt *p, const struct oinst *o)
{
	struct buf b = {0};

	buf_add_opt(p, &b, o);
	return buf_take(&b);
}

/* "-m NAME OPTIONS..." (an implicit match: its options only). */
static char *
mod_text(struct ipt *p, size_t k)
{
	struct buf b = {0};
	size_t i;

	if (!p->mod[k].implicit) {
		buf_add_tok(&b, &p->tok[p->mod[k].tok0]);
		buf_add_tok(&b, &p->tok[p->mod[k].tok0 + 1]);
	}
	for (i = 0; i < p->nopt; i++)
		if (p->opt[i].mod == MOD_FIRST + k)
			buf_add_opt(p, &b, &p->opt[i]);
	return buf_take(&b);
}

static struct match *
add_match(struct ipt *p, enum match_kind kind, bool neg, char *text)
{
	struct match *m = rule_add_match(&p->r, kind, neg, text);

	free(text);
	return m;
}

/* M_ALWAYS / M_NEVER carry no neg: a negated "always" is "never". */
static void
add_const(struct ipt *p, bool yes, char *text)
{
	add_match(p, yes ? M_ALWAYS : M_NEVER, false, text);
}

/* ---- values ---- */

static bool
lower_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	if (n >= cap)
		return false;
	for (i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[n] = '\0';
	return true;
}

static bool
parse_proto(struct ipt *p, const char *s, int *out)
{
	char name[32];
	const struct proto *pr;
	unsigned long long v;

	if (parse_uint(s, 0, 255, &v)) {
		*out = (int)v;
		return true;
	}
	if (!lower_copy(name, sizeof(name), s, strlen(s)) || (pr = FIND(protos, name)) == NULL)
		return fail(p, "unknown protocol \"%s\"", s);
	*out = pr->num;
	return true;
}

static bool
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0); /* xtables_strtoui: base 0, so 0x.. and 0.. */
	if (errno || *end != '\0' || v > 0xffffffffull)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "VALUE[/MASK]" (mask default all ones). */
static bool
parse_mark(struct ipt *p, const char *s, uint32_t *value, uint32_t *mask)
{
	char tmp[64];
	char *slash;

	if (strlen(s) >= sizeof(tmp))
		return fail(p, "bad mark \"%s\"", s);
	memcpy(tmp, s, strlen(s) + 1);
	slash = strchr(tmp, '/');
	if (slash)
		*slash++ = '\0';
	*mask = 0xffffffffu;
	if (!parse_u32(tmp, value) || (slash && !parse_u32(slash, mask)))
		return fail(p, "bad mark \"%s\"", s);
	return true;
}

static bool
parse_port(struct ipt *p, const char *s, size_t n, uint16_t *out)
{
	char tmp[32];
	unsigned long long v;
	const struct service *sv;

	if (n == 0 || !lower_copy(tmp, sizeof(tmp), s, n))
		return fail(p, "bad port \"%.*s\"", (int)n, s);
	if (parse_uint(tmp, 0, 65535, &v)) {
		*out = (uint16_t)v;
		return true;
	}
	if ((sv = FIND(services, tmp)) == NULL)
		return fail(p, "unknown port or service \"%.*s\"", (int)n, s);
	*out = sv->port;
	return true;
}

/* "a", "a:b", ":b" (0:b), "a:" (a:65535). */
static bool
parse_port_range(struct ipt *p, const char *s, size_t n, struct port_range *r)
{
	const char *colon = memchr(s, ':', n);

	if (colon == NULL) {
		if (!parse_port(p, s, n, &r->lo))
			return false;
		r->hi = r->lo;
		return true;
	}
	r->lo = 0;
	r->hi = 65535;
	if (colon > s && !parse_port(p, s, (size_t)(colon - s), &r->lo))
		return false;
	if (colon + 1 < s + n && !parse_port(p, colon + 1, (size_t)(s + n - colon - 1), &r->hi))
		return false;
	if (r->lo > r->hi)
		return fail(p, "invalid port range \"%.*s\" (min > max)", (int)n, s);
	return true;
}

/* One range (tcp/udp) or a multiport list "a,b,c:d" (15 ports at most, a
 * range counting two). */
static bool
parse_ports(struct ipt *p, const char *s, bool list, struct portset *ps)
{
	const char *item = s;
	unsigned count = 0;

	ps->n = 0;
	ps->v = NULL;
	for (;;) {
		const char *comma = list ? strchr(item, ',') : NULL;
		size_t n = comma ? (size_t)(comma - item) : strlen(item);
		struct port_range r;
		size_t cap = ps->n;

		if (!parse_port_range(p, item, n, &r)) {
			free(ps->v);
			ps->v = NULL;
			return false;
		}
		count += r.lo == r.hi ? 1 : 2;
		VEC_PUSH(ps->v, ps->n, cap, r);
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	if (list && count > MULTIPORT_MAX) {
		free(ps->v);
		ps->v = NULL;
		return fail(p, "too many ports in \"%s\" (%u at most)", s, MULTIPORT_MAX);
	}
	return true;
}

/* A comma list of names from tab (case-insensitive), OR-ed. */
static bool
parse_bits(struct ipt *p, const char *s, const struct bitname *tab, size_t n, const char *what,
           unsigned *out)
{
	char tmp[64];
	const char *item = s;

	*out = 0;
	for (;;) {
		const char *comma = strchr(item, ',');
		size_t len = comma ? (size_t)(comma - item) : strlen(item);
		const struct bitname *b = NULL;

		if (len < sizeof(tmp)) {
			memcpy(tmp, item, len);
			tmp[len] = '\0';
			b = bsearch(tmp, tab, n, sizeof(*tab), cmp_name_icase);
		}
		if (b == NULL)
			return fail(p, "unknown %s \"%.*s\"", what, (int)len, item);
		*out |= b->bit;
		if (comma == NULL)
			return true;
		item = comma + 1;
	}
}

static bool
parse_tcp_flags(struct ipt *p, const char *s, uint8_t *out)
{
	unsigned v;

	if (!parse_bits(p, s, tcp_flag_names, ARRAY_LEN(tcp_flag_names), "TCP flag", &v))
		return false;
	*out = (uint8_t)v;
	return true;
}

/* One number of a dotted IPv4 address or mask as xtables_strtoui reads it:
 * C notation (0x1f hex, 017 octal), the whole of [s, s + n), at most 255. */
static bool
xt_ip4_byte(const char *s, size_t n, uint32_t *out)
{
	char tmp[24];
	char *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtoull(tmp, &end, 0);
	if (end == tmp || *end != '\0' || errno != 0 || v > 255)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* An IPv4 address as iptables reads it (xtables' numeric_to_ipaddr), not
 * as inet_pton does: up to four numbers, and a network address may stop
 * early, its missing parts zero ("10/8" is 10.0.0.0/8, "0/0" any address,
 * "172.16.0/24" 172.16.0.0/24); a dotted mask needs all four. */
static bool
xt_ip4_parse(const char *s, bool is_mask, uint32_t *out)
{
	uint32_t v = 0;
	uint32_t byte;
	unsigned i;

	for (i = 0; i < 4; i++) {
		const char *dot = i < 3 ? strchr(s, '.') : NULL;
		size_t n = dot ? (size_t)(dot - s) : strlen(s);

		if (!xt_ip4_byte(s, n, &byte) || (dot == NULL && i < 3 && is_mask))
			return false;
		v = v << 8 | byte;
		if (dot == NULL) {
			*out = i < 3 ? v << (8 * (3 - i)) : v;
			return true;
		}
		s = dot + 1;
	}
	return false;
}

/* "ADDR[/MASK]" in an IPv4 rule, as iptables reads it: MASK is a prefix
 * length in C notation or a dotted mask; the address is masked. A dotted
 * mask that is not a prefix (iptables takes any) is refused: the addresses
 * it selects are not an interval. */
static bool
xt_cidr4_parse(const char *s, struct cidr *out)
{
	char tmp[64];
	char *slash;
	uint32_t addr;
	uint32_t mask = 0xffffffffu;

	if (strlen(s) >= sizeof(tmp))
		return false;
	memcpy(tmp, s, strlen(s) + 1);
	if ((slash = strrchr(tmp, '/')) != NULL)
		*slash++ = '\0';
	if (!xt_ip4_parse(tmp, false, &addr))
		return false;
	if (slash && strchr(slash, '.')) {
		if (!xt_ip4_parse(slash, true, &mask) || (mask & (~mask >> 1)) != 0)
			return false;
	} else if (slash) {
		uint32_t bits;

		if (!xt_ip4_byte(slash, strlen(slash), &bits) || bits > 32)
			return false;
		mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	}
	out->fam = FAM_V4;
	out->lo = addr & mask;
	out->hi = out->lo | (~mask & 0xffffffffu);
	out->prefix = (unsigned)__builtin_popcount(mask);
	return true;
}

/* -s/-d and iprange values: a comma list of addresses with an optional /len
 * or dotted mask (iprange: a-b). iptables makes one rule per list entry; all
 * share the action, so a packet meets the expansion when it meets one entry:
 * the union, and a negated list when it is outside one entry: outside the
 * intersection (entries are intervals, so is their intersection). */
static bool
parse_addrs(struct ipt *p, const char *s, bool neg, bool range, struct ivset *out)
{
	const char *item = s;
	u128 lo = 0;
	u128 hi = fam_max(p->fam);

	ivset_init(out, p->fam);
	for (;;) {
		const char *comma = range ? NULL : strchr(item, ',');
		size_t n = comma ? (size_t)(comma - item) : strlen(item);
		char tmp[160];
		struct cidr c;
		bool ok = false;

		if (n > 0 && n < sizeof(tmp)) {
			memcpy(tmp, item, n);
			tmp[n] = '\0';
			if (range)
				ok = range_parse(tmp, &c);
			else if (p->fam == FAM_V4)
				/* an IPv6 address passes, for the message below */
				ok = xt_cidr4_parse(tmp, &c) ||
				     (cidr_parse(tmp, &c) && c.fam == FAM_V6);
			else
				ok = cidr_parse(tmp, &c);
		}
		if (!ok) {
			enum family f;
			u128 a;
			uint32_t mask;
			size_t alen = n < sizeof(tmp) ? strcspn(tmp, range ? "-/" : "/") : 0;

			ivset_free(out);
			if (n == 0 || n >= sizeof(tmp))
				return fail(p, "bad address \"%.*s\"", (int)n, item);
			if (!range && p->fam == FAM_V4 && tmp[alen] == '/' && strchr(tmp + alen, '.'))
				return fail(p, "bad mask in \"%.*s\"%s", (int)n, item,
				            xt_ip4_parse(tmp + alen + 1, true, &mask)
				                ? " (a dotted mask that is not a prefix selects no "
				                  "interval of addresses: not modelled)"
				                : "");
			tmp[alen] = '\0';
			if (!addr_parse(tmp, &f, &a))
				return fail(p,
				            "\"%.*s\" is not an IP address (host names are not "
				            "resolved)",
				            (int)n, item);
			return fail(p, "bad address \"%.*s\"", (int)n, item);
		}
		if (c.fam != p->fam) {
			ivset_free(out);
			return fail(p, "\"%.*s\" is an %s address in an %s ruleset", (int)n, item,
			            c.fam == FAM_V6 ? "IPv6" : "IPv4",
			            p->fam == FAM_V6 ? "IPv6" : "IPv4");
		}
		if (!neg) {
			ivset_add(out, c.lo, c.hi);
		} else {
			lo = c.lo > lo ? c.lo : lo;
			hi = c.hi < hi ? c.hi : hi;
		}
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	if (neg && lo <= hi)
		ivset_add(out, lo, hi);
	return true;
}

static bool
parse_icmp_type(struct ipt *p, const char *s, bool v6, int *type, int *code)
{
	const struct icmpname *n;
	char tmp[32];
	char *slash;
	unsigned long long t;
	unsigned long long c;

	n = v6 ? FIND_ICASE(icmp6_names, s) : FIND_ICASE(icmp4_names, s);
	if (n) {
		*type = n->type;
		*code = n->code;
		return true;
	}
	if (strlen(s) >= sizeof(tmp))
		return fail(p, "unknown ICMP type \"%s\"", s);
	memcpy(tmp, s, strlen(s) + 1);
	slash = strchr(tmp, '/');
	if (slash)
		*slash++ = '\0';
	if (!parse_uint(tmp, 0, 255, &t) || (slash && !parse_uint(slash, 0, 255, &c)))
		return fail(p, "unknown ICMP type \"%s\"", s);
	*type = (int)t;
	*code = slash ? (int)c : -1;
	return true;
}

/* RATE[/second|minute|hour|day] (a unit may be any prefix); hashlimit also
 * takes byte rates (1mb/s). */
static bool
valid_rate(const char *s, bool bytes)
{
	static const char *const units[] = {"second", "minute", "hour", "day"};
	const char *q = s;
	const char *slash;
	size_t i;

	while (isdigit((unsigned char)*q))
		q++;
	if (q == s)
		return false;
	if (bytes && (strncasecmp(q, "kb", 2) == 0 || strncasecmp(q, "mb", 2) == 0))
		q += 2;
	else if (bytes && (*q == 'b' || *q == 'B'))
		q++;
	if (*q == '\0')
		return true;
	if (*q != '/')
		return false;
	slash = q + 1;
	if (*slash == '\0')
		return false;
	for (i = 0; i < ARRAY_LEN(units); i++)
		if (strncasecmp(units[i], slash, strlen(slash)) == 0)
			return true;
	return false;
}

/* ---- the syntax pass: which option belongs to which match or target ---- */

static bool
take_args(struct ipt *p, size_t *pi, const struct optdef *d, bool neg, size_t negtok, size_t mod)
{
	struct oinst o;
	size_t i = *pi;
	size_t j = i + 1;
	unsigned k;

	memset(&o, 0, sizeof(o));
	o.mod = mod;
	o.def = d;
	o.neg = neg;
	o.tok0 = neg ? negtok : i;
	/* the old form "--dport ! 22" */
	if (d->nargs > 0 && (d->flags & OPT_INV) && j < p->ntok && is_bang(&p->tok[j])) {
		if (neg)
			return fail(p, "multiple \"!\" flags not allowed");
		o.neg = true;
		j++;
	}
	if (o.neg && !(d->flags & OPT_INV))
		return fail(p, "option \"%s\" cannot be negated", p->tok[i].s);
	for (k = 0; k < d->nargs; k++, j++) {
		if (j >= p->ntok)
			return fail(p, "option \"%s\" requires %s", p->tok[i].s,
			            d->nargs == 1 ? "an argument" : "two arguments");
		o.arg[k] = p->tok[j].s;
	}
	o.tok1 = j;
	VEC_PUSH(p->opt, p->nopt, p->opt_cap, o);
	*pi = j;
	return true;
}

/* An option of an unknown match or target: it and the arguments that
 * follow it, up to the next option. */
static void
take_generic(struct ipt *p, size_t *pi, bool neg, size_t negtok, size_t mod)
{
	struct oinst o;
	size_t j = *pi + 1;

	memset(&o, 0, sizeof(o));
	o.mod = mod;
	o.neg = neg;
	o.tok0 = neg ? negtok : *pi;
	while (j < p->ntok) {
		if (is_bang(&p->tok[j])) {
			if (j + 1 < p->ntok && !is_generic_option(&p->tok[j + 1])) {
				j += 2;
				continue;
			}
			break;
		}
		if (is_generic_option(&p->tok[j]))
			break;
		j++;
	}
	o.tok1 = j;
	VEC_PUSH(p->opt, p->nopt, p->opt_cap, o);
	*pi = j;
}

static const struct moddef *
find_match(const char *name)
{
	return FIND(matches, name);
}

static bool
scan_core(struct ipt *p, const struct optdef *d, size_t *pi, bool neg, size_t negtok, size_t *cur)
{
	size_t i = *pi;
	const char *arg = i + 1 < p->ntok ? p->tok[i + 1].s : NULL;

	if (neg && !(d->flags & OPT_INV))
		return fail(p, "\"!\" not allowed before \"%s\"", p->tok[i].s);
	if (d->nargs > 0 && arg == NULL)
		return fail(p, "option \"%s\" requires an argument", p->tok[i].s);
	switch (d->id) {
	case C_MATCH: {
		struct minst m;

		m.def = find_match(arg);
		m.name = arg;
		m.implicit = false;
		m.tok0 = i;
		if (m.def && !(m.def->families & FAM_BIT(p->fam)))
			return fail(p, "match \"%s\" is for %s only", arg,
			            p->fam == FAM_V4 ? "IPv6" : "IPv4");
		VEC_PUSH(p->mod, p->nmod, p->mod_cap, m);
		*cur = MOD_FIRST + p->nmod - 1;
		*pi = i + 2;
		return true;
	}
	case C_JUMP:
	case C_GOTO: {
		struct cmap_ent *e;

		if (p->tname)
			return fail(p, "multiple -j/-g flags not allowed");
		p->tname = arg;
		p->is_goto = d->id == C_GOTO;
		p->ttok = i;
		e = cmap_find(&p->map, tab_index(p->tab), arg);
		if (e)
			p->tchain = e->c;
		else if (!p->is_goto)
			p->tdef = FIND(targets, arg);
		*cur = MOD_TARGET;
		*pi = i + 2;
		return true;
	}
	case C_V4:
	case C_V6:
		/* iptables-restore skips a line meant for the other family */
		if ((d->id == C_V6) != (p->fam == FAM_V6))
			p->skip_rule = true;
		*pi = i + 1;
		return true;
	case C_TABLE:
		return fail(p, "the -t option cannot be used in a rules file");
	default:
		break;
	}
	if (p->seen_core & (1u << d->id))
		return fail(p, "multiple %s flags not allowed", p->tok[i].s);
	p->seen_core |= 1u << d->id;
	*cur = MOD_CORE; /* a core option ends the options of an unknown match */
	if (!take_args(p, pi, d, neg, negtok, MOD_CORE))
		return false;
	if (d->id == C_PROTO) {
		const struct oinst *o = &p->opt[p->nopt - 1];

		p->proto_neg = o->neg;
		return parse_proto(p, o->arg[0], &p->proto);
	}
	return true;
}

/* The name -p gives the implicit match of its protocol. */
static const char *
proto_match_name(struct ipt *p)
{
	switch (p->proto) {
	case PROTO_TCP:
		return "tcp";
	case PROTO_UDP:
		return "udp";
	case PROTO_ICMP:
		return p->fam == FAM_V4 ? "icmp" : NULL;
	case PROTO_ICMPV6:
		return p->fam == FAM_V6 ? "icmp6" : NULL;
	case 33:
		return "dccp";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 132:
		return "sctp";
	case 135:
		return p->fam == FAM_V6 ? "mh" : NULL;
	default:
		return NULL;
	}
}

static bool
scan_ext(struct ipt *p, size_t *pi, bool neg, size_t negtok, size_t cur)
{
	const char *name = p->tok[*pi].s;
	const struct optdef *d = NULL;
	size_t mod = 0;
	size_t k;

	if (cur == MOD_TARGET && p->tdef == NULL && p->tchain == NULL) {
		take_generic(p, pi, neg, negtok, MOD_TARGET);
		return true;
	}
	if (cur == MOD_TARGET && p->tdef) {
		d = find_opt(p->tdef->opts, p->tdef->nopts, name);
		mod = MOD_TARGET;
	} else if (cur >= MOD_FIRST) {
		const struct moddef *def = p->mod[cur - MOD_FIRST].def;

		if (def == NULL || def->opts == NULL) {
			take_generic(p, pi, neg, negtok, cur);
			return true;
		}
		d = find_opt(def->opts, def->nopts, name);
		mod = cur;
	}
	/* getopt knows the options of every match loaded so far */
	for (k = p->nmod; d == NULL && k-- > 0;) {
		const struct moddef *def = p->mod[k].def;

		if (def && def->opts && (d = find_opt(def->opts, def->nopts, name)) != NULL)
			mod = MOD_FIRST + k;
	}
	if (d == NULL && p->tdef && (d = find_opt(p->tdef->opts, p->tdef->nopts, name)) != NULL)
		mod = MOD_TARGET;
	if (d == NULL && p->proto >= 0 && !p->proto_neg) {
		const char *pm = proto_match_name(p);
		const struct moddef *def = pm ? implicit_match(pm) : NULL;
		bool loaded = false;

		for (k = 0; def && k < p->nmod; k++)
			loaded |= p->mod[k].def == def;
		if (def && !loaded && def->opts && (d = find_opt(def->opts, def->nopts, name))) {
			struct minst m = {def, def->name, true, 0};

			VEC_PUSH(p->mod, p->nmod, p->mod_cap, m);
			mod = MOD_FIRST + p->nmod - 1;
		}
	}
	if (d == NULL)
		return fail(p, "unknown option \"%s\"", name);
	return take_args(p, pi, d, neg, negtok, mod);
}

static bool
scan_rule(struct ipt *p, size_t i)
{
	size_t cur = MOD_CORE;
	bool neg = false;
	size_t negtok = 0;

	while (i < p->ntok) {
		const struct tok *t = &p->tok[i];
		const struct optdef *d;

		if (is_bang(t)) {
			if (neg)
				return fail(p, "multiple \"!\" flags not allowed");
			neg = true;
			negtok = i++;
			continue;
		}
		if (!is_option(t))
			return fail(p, "unexpected argument \"%s\"", t->s);
		if ((d = FIND(core_opts, t->s)) != NULL) {
			if (!scan_core(p, d, &i, neg, negtok, &cur))
				return false;
		} else if (t->s[1] != '-') {
			return fail(p, "unknown option \"%s\"", t->s);
		} else if (!scan_ext(p, &i, neg, negtok, cur)) {
			return false;
		}
		neg = false;
	}
	if (neg)
		return fail(p, "\"!\" not followed by an option");
	return true;
}

/* ---- the semantic pass: options -> model matches ---- */

#define FOR_OPTS(p, k, o)                                                                          \
	for (struct oinst *o = (p)->opt; o < (p)->opt + (p)->nopt; o++)                            \
		if (o->mod == MOD_FIRST + (k))

static bool
needs_proto(struct ipt *p, size_t k)
{
	const struct moddef *def = p->mod[k].def;
	const struct proto *pr;
	const char *pname = "?";

	if (def->proto == 0 || (p->proto == def->proto && !p->proto_neg))
		return true;
	for (pr = protos; pr < protos + ARRAY_LEN(protos); pr++)
		if (pr->num == def->proto) {
			pname = pr->name;
			break;
		}
	return fail(p, "match \"%s\" needs \"-p %s\"", def->name, pname);
}

static bool
build_core(struct ipt *p)
{
	struct oinst *o;

	for (o = p->opt; o < p->opt + p->nopt; o++) {
		struct match *m;
		struct ivset s;

		if (o->mod != MOD_CORE)
			continue;
		switch (o->def->id) {
		case C_SRC:
		case C_DST:
			if (!parse_addrs(p, o->arg[0], o->neg, false, &s))
				return false;
			m = add_match(p, o->def->id == C_SRC ? M_SADDR : M_DADDR, o->neg,
			              opt_text(p, o));
			m->u.addrs = s;
			break;
		case C_PROTO:
			if (p->proto == PROTO_ANY) {
				/* "-p all" matches everything; "! -p all" nothing */
				if (o->neg)
					add_const(p, false, opt_text(p, o));
				break;
			}
			m = add_match(p, M_PROTO, o->neg, opt_text(p, o));
			m->u.proto = (uint8_t)p->proto;
			break;
		case C_IIF:
		case C_OIF:
			if (strlen(o->arg[0]) > IFNAME_MAXLEN || o->arg[0][0] == '\0')
				return fail(p, "bad interface name \"%s\" (%u characters at most)",
				            o->arg[0], IFNAME_MAXLEN);
			m = add_match(p, o->def->id == C_IIF ? M_IIF : M_OIF, o->neg,
			              opt_text(p, o));
			m->u.ifname = xstrdup(o->arg[0]);
			break;
		case C_FRAG:
			if (p->fam == FAM_V6)
				return fail(p, "unknown option \"%s\"", p->tok[o->tok1 - 1].s);
			/* -f: second and later fragments; a SYN is never one */
			add_const(p, o->neg, opt_text(p, o));
			break;
		case C_COUNTERS:
			break;
		default:
			abort();
		}
	}
	return true;
}

static bool
build_tcpudp(struct ipt *p, size_t k)
{
	if (!needs_proto(p, k))
		return false;
	FOR_OPTS(p, k, o)
	{
		struct match *m;
		struct portset ps;
		uint8_t mask;
		uint8_t comp;

		switch (o->def->id) {
		case O_SPORT:
		case O_DPORT:
			if (!parse_ports(p, o->arg[0], false, &ps))
				return false;
			m = add_match(p, o->def->id == O_SPORT ? M_SPORT : M_DPORT, o->neg,
			              opt_text(p, o));
			m->u.ports = ps;
			break;
		case O_SYN:
			m = add_match(p, M_TCPFLAGS, o->neg, opt_text(p, o));
			m->u.flags.mask = TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_ACK;
			m->u.flags.comp = TCPF_SYN;
			break;
		case O_TCPFLAGS:
			if (!parse_tcp_flags(p, o->arg[0], &mask) ||
			    !parse_tcp_flags(p, o->arg[1], &comp))
				return false;
			m = add_match(p, M_TCPFLAGS, o->neg, opt_text(p, o));
			m->u.flags.mask = mask;
			m->u.flags.comp = comp;
			break;
		case O_TCPOPTION:
			add_match(p, M_UNKNOWN, false, opt_text(p, o));
			break;
		default:
			abort();
		}
	}
	return true;
}

static bool
build_multiport(struct ipt *p, size_t k)
{
	unsigned n = 0;

	if (p->proto < 0 || p->proto_neg ||
	    (p->proto != PROTO_TCP && p->proto != PROTO_UDP && p->proto != 136 && p->proto != 132 &&
	     p->proto != 33))
		return fail(p, "match \"multiport\" needs \"-p tcp\", udp, udplite, sctp or dccp");
	FOR_OPTS(p, k, o)
	{
		struct match *m;
		struct portset ps;

		if (n++ > 0)
			return fail(p, "match \"multiport\" takes only one option");
		if (o->def->id == O_PORTS) {
			/* source or destination: the source port of Cloudflare's
			 * SYN is not known */
			add_match(p, M_UNKNOWN, false, opt_text(p, o));
			continue;
		}
		if (!parse_ports(p, o->arg[0], true, &ps))
			return false;
		m = add_match(p, o->def->id == O_SPORT ? M_SPORT : M_DPORT, o->neg, opt_text(p, o));
		m->u.ports = ps;
	}
	if (n == 0)
		return fail(p, "match \"multiport\" needs --dports, --sports or --ports");
	return true;
}

static bool
build_iprange(struct ipt *p, size_t k)
{
	FOR_OPTS(p, k, o)
	{
		struct ivset s;
		struct match *m;

		if (!parse_addrs(p, o->arg[0], false, true, &s))
			return false;
		m = add_match(p, o->def->id == O_SRCRANGE ? M_SADDR : M_DADDR, o->neg,
		              opt_text(p, o));
		m->u.addrs = s;
	}
	return true;
}

static bool
build_set(struct ipt *p, size_t k)
{
	struct oinst *ms = NULL;
	struct match *m;
	const char *dir;
	unsigned n = 0;

	FOR_OPTS(p, k, o)
	{
		if (o->def->id == O_MATCHSET) {
			if (ms)
				return fail(p, "--match-set may be given only once per -m set");
			ms = o;
		} else if (o->def->id == O_SETCOUNTER) {
			/* packet and byte counters of the set entry: not known */
			add_match(p, M_UNKNOWN, false, opt_text(p, o));
		}
	}
	if (ms == NULL)
		return fail(p, "match \"set\" needs --match-set");
	m = add_match(p, M_SET, ms->neg, opt_text(p, ms));
	m->u.set.name = xstrdup(ms->arg[0]);
	for (dir = ms->arg[1];;) {
		size_t len = strcspn(dir, ",");

		if (len == 3 && strncmp(dir, "src", 3) == 0) {
			if (n < 3)
				m->u.set.dir[n] = SD_SRC;
		} else if (len == 3 && strncmp(dir, "dst", 3) == 0) {
			if (n < 3)
				m->u.set.dir[n] = SD_DST;
		} else {
			return fail(p, "bad set flags \"%s\" (src or dst, comma separated)",
			            ms->arg[1]);
		}
		if (++n > SET_DIR_MAX)
			return fail(p, "too many set flags in \"%s\"", ms->arg[1]);
		if (dir[len] == '\0')
			break;
		dir += len + 1;
	}
	m->u.set.ndir = n < 3 ? n : 3;
	if (n > 3) /* only list:set members can take more: not modelled */
		add_match(p, M_UNKNOWN, false, opt_text(p, ms));
	return true;
}

static bool
build_state(struct ipt *p, size_t k)
{
	bool conntrack = strcmp(p->mod[k].def->name, "conntrack") == 0;

	FOR_OPTS(p, k, o)
	{
		unsigned bits;
		struct match *m;

		if (o->def->id == O_CTOTHER) {
			add_match(p, M_UNKNOWN, false, opt_text(p, o));
			continue;
		}
		if (!parse_bits(p, o->arg[0], ct_states, ARRAY_LEN(ct_states),
		                conntrack ? "ctstate" : "state", &bits))
			return false;
		if (!conntrack && (bits & (CTS_SNAT | CTS_DNAT)))
			return fail(p, "state \"%s\": SNAT and DNAT need -m conntrack --ctstate",
			            o->arg[0]);
		m = add_match(p, M_CTSTATE, o->neg, opt_text(p, o));
		m->u.bits = bits;
	}
	return true;
}

/* limit, hashlimit, connlimit, quota: one rate condition per match. Whether
 * it matches the first SYN of a quiet moment (light) and under Cloudflare's
 * concentrated load (heavy); neg is left to the evaluator. */
static bool
build_rate(struct ipt *p, size_t k)
{
	const char *name = p->mod[k].def->name;
	struct oinst *mode = NULL;
	struct match *m;

	FOR_OPTS(p, k, o)
	{
		if (o->def->id != O_RATE_UPTO && o->def->id != O_RATE_ABOVE)
			continue;
		if (mode)
			return fail(p, "match \"%s\": only one of its rate options may be given",
			            name);
		mode = o;
		if (strcmp(name, "limit") == 0 || strcmp(name, "hashlimit") == 0) {
			if (!valid_rate(o->arg[0], name[0] == 'h'))
				return fail(p, "bad rate \"%s\"", o->arg[0]);
		}
	}
	if (mode == NULL)
		return fail(p, "match \"%s\" needs a rate option", name);
	m = add_match(p, M_RATE, mode->neg, mod_text(p, k));
	m->u.rate.light = mode->def->id == O_RATE_UPTO;
	m->u.rate.heavy = mode->def->id == O_RATE_ABOVE;
	return true;
}

static bool
build_recent(struct ipt *p, size_t k)
{
	struct oinst *mode = NULL;
	struct match *m;

	FOR_OPTS(p, k, o)
	{
		if (o->def->id != O_R_SET && o->def->id != O_R_CHECK && o->def->id != O_R_REMOVE)
			continue;
		if (mode)
			return fail(p, "match \"recent\": only one of --set, --rcheck, --update "
			               "and --remove may be given");
		mode = o;
	}
	if (mode == NULL)
		return fail(p, "match \"recent\" needs --set, --rcheck, --update or --remove");
	switch (mode->def->id) {
	case O_R_SET: /* adds the source and matches */
		add_const(p, !mode->neg, mod_text(p, k));
		break;
	case O_R_CHECK: /* the source was seen (hitcount times): under load */
		m = add_match(p, M_RATE, mode->neg, mod_text(p, k));
		m->u.rate.light = false;
		m->u.rate.heavy = true;
		break;
	default:
		add_match(p, M_UNKNOWN, false, mod_text(p, k));
		break;
	}
	return true;
}

static bool
build_addrtype(struct ipt *p, size_t k)
{
	struct match *m = NULL;
	unsigned src = 0;
	unsigned dst = 0;
	bool src_neg = false;
	bool dst_neg = false;

	FOR_OPTS(p, k, o)
	{
		unsigned bits;

		if (o->def->id == O_OTHER)
			continue;
		if (!parse_bits(p, o->arg[0], addr_types, ARRAY_LEN(addr_types), "address type",
		                &bits))
			return false;
		if (o->def->id == O_SRCTYPE) {
			src = bits;
			src_neg = o->neg;
		} else {
			dst = bits;
			dst_neg = o->neg;
		}
	}
	if (src == 0 && dst == 0)
		return fail(p, "match \"addrtype\" needs --src-type or --dst-type");
	m = add_match(p, M_ADDRTYPE, false, mod_text(p, k));
	m->u.addrtype.src = src;
	m->u.addrtype.dst = dst;
	m->u.addrtype.src_neg = src_neg;
	m->u.addrtype.dst_neg = dst_neg;
	return true;
}

static bool
build_mark(struct ipt *p, size_t k)
{
	bool conn = strcmp(p->mod[k].def->name, "connmark") == 0;
	unsigned n = 0;

	FOR_OPTS(p, k, o)
	{
		struct match *m;
		uint32_t v;
		uint32_t mask;

		n++;
		if (!parse_mark(p, o->arg[0], &v, &mask))
			return false;
		m = add_match(p, conn ? M_CONNMARK : M_MARK, o->neg, mod_text(p, k));
		m->u.mark.value = v;
		m->u.mark.mask = mask;
	}
	if (n != 1)
		return fail(p, "match \"%s\" needs one --mark", p->mod[k].def->name);
	return true;
}

static bool
build_icmp(struct ipt *p, size_t k)
{
	if (!needs_proto(p, k))
		return false;
	FOR_OPTS(p, k, o)
	{
		struct match *m;
		int type = -1;
		int code = -1;

		if (!parse_icmp_type(p, o->arg[0], p->fam == FAM_V6, &type, &code))
			return false;
		m = add_match(p, M_ICMP, o->neg, opt_text(p, o));
		m->u.icmp.type = type;
		m->u.icmp.code = code;
	}
	return true;
}

static bool
build_comment(struct ipt *p, size_t k)
{
	FOR_OPTS(p, k, o)
	{
		if (strlen(o->arg[0]) > COMMENT_MAXLEN)
			return fail(p, "comment longer than %u characters", COMMENT_MAXLEN);
		if (p->r.comment) {
			char *both = xasprintf("%s; %s", p->r.comment, o->arg[0]);

			free(p->r.comment);
			p->r.comment = both;
		} else {
			p->r.comment = xstrdup(o->arg[0]);
		}
	}
	return true;
}

static bool
build_always(struct ipt *p, size_t k)
{
	add_const(p, true, mod_text(p, k));
	return true;
}

static bool
build_pkttype(struct ipt *p, size_t k)
{
	FOR_OPTS(p, k, o)
	{
		const struct bitname *b = FIND_ICASE(pkt_types, o->arg[0]);

		if (b == NULL)
			return fail(p, "unknown packet type \"%s\"", o->arg[0]);
		add_const(p, (b->bit != 0) != o->neg, mod_text(p, k));
		return true;
	}
	return fail(p, "match \"pkttype\" needs --pkt-type");
}

static bool
build_policy(struct ipt *p, size_t k)
{
	FOR_OPTS(p, k, o)
	{
		if (o->def->id != O_POL)
			continue;
		if (strcmp(o->arg[0], "none") == 0) /* Cloudflare's SYN is not IPsec */
			add_const(p, true, mod_text(p, k));
		else if (strcmp(o->arg[0], "ipsec") == 0)
			add_const(p, false, mod_text(p, k));
		else
			return fail(p, "bad --pol \"%s\" (none or ipsec)", o->arg[0]);
		return true;
	}
	return fail(p, "match \"policy\" needs --pol");
}

static bool
build_rpfilter(struct ipt *p, size_t k)
{
	bool invert = false;

	FOR_OPTS(p, k, o)
	{
		invert |= o->def->id == O_INVERT;
	}
	/* Cloudflare's SYN comes in on the interface the route back uses */
	add_const(p, !invert, mod_text(p, k));
	return true;
}

/* ttl (IPv4) and hl (IPv6): one comparison; "! --ttl-eq" is "not equal",
 * as libxt_ttl stores it. */
static bool
build_ttl(struct ipt *p, size_t k)
{
	struct oinst *mode = NULL;
	unsigned long long v;
	struct match *m;

	FOR_OPTS(p, k, o)
	{
		if (mode)
			return fail(p, "match \"%s\" takes one comparison", p->mod[k].def->name);
		mode = o;
	}
	if (mode == NULL)
		return fail(p, "match \"%s\" needs a comparison", p->mod[k].def->name);
	if (!parse_uint(mode->arg[0], 0, 255, &v))
		return fail(p, "bad %s value \"%s\" (0 to 255)", p->mod[k].def->name, mode->arg[0]);
	m = add_match(p, M_TTL, false, mod_text(p, k));
	m->u.ttl.value = (uint8_t)v;
	switch (mode->def->id) {
	case O_TTL_EQ:
		m->u.ttl.op = mode->neg ? TTL_NE : TTL_EQ;
		break;
	case O_TTL_LT:
		m->u.ttl.op = TTL_LT;
		break;
	default:
		m->u.ttl.op = TTL_GT;
		break;
	}
	return true;
}

/* esp, ah, sctp, dccp, mh need their protocol (never a TCP SYN's); frag and
 * rt need an IPv6 fragment or routing header (a SYN carries neither). */
static bool
build_never(struct ipt *p, size_t k)
{
	if (!needs_proto(p, k))
		return false;
	add_const(p, false, mod_text(p, k));
	return true;
}

static bool
build_match(struct ipt *p, size_t k)
{
	if (p->mod[k].def == NULL) {
		add_match(p, M_UNKNOWN, false, mod_text(p, k));
		return true;
	}
	return p->mod[k].def->build(p, k);
}

/* ---- the target ---- */

static struct oinst *
target_opt(struct ipt *p, unsigned id)
{
	struct oinst *o;

	for (o = p->opt; o < p->opt + p->nopt; o++)
		if (o->mod == MOD_TARGET && o->def && o->def->id == id)
			return o;
	return NULL;
}

static char *
target_text(struct ipt *p)
{
	struct buf b = {0};
	struct oinst *o;

	for (o = p->opt; o < p->opt + p->nopt; o++)
		if (o->mod == MOD_TARGET)
			buf_add_opt(p, &b, o);
	if (b.len == 0)
		return NULL;
	return buf_take(&b);
}

static bool
build_reject(struct ipt *p, struct action *a)
{
	const struct reject_type *tab = p->fam == FAM_V6 ? reject6 : reject4;
	size_t n = p->fam == FAM_V6 ? ARRAY_LEN(reject6) : ARRAY_LEN(reject4);
	struct oinst *o = target_opt(p, T_REJECT_WITH);
	size_t len;
	size_t i;

	a->kind = A_REJECT;
	if (o == NULL) {
		a->detail = xstrdup(tab[3].name); /* icmp(6)-port-unreachable */
		return true;
	}
	len = strlen(o->arg[0]);
	for (i = 0; len > 0 && i < n; i++)
		if (strncasecmp(tab[i].name, o->arg[0], len) == 0 ||
		    strncasecmp(tab[i].alias, o->arg[0], len) == 0) {
			a->detail = xstrdup(tab[i].name);
			return true;
		}
	return fail(p, "unknown --reject-with type \"%s\"", o->arg[0]);
}

/* MARK and CONNMARK set forms as the kernel applies them:
 * new = (old & ~mask) ^ value (libxt_MARK's translation). */
static bool
build_setmark(struct ipt *p, struct action *a, bool conn)
{
	static const unsigned forms[] = {T_SET_XMARK, T_SET_MARK, T_AND_MARK, T_OR_MARK,
	                                 T_XOR_MARK};
	struct oinst *o = NULL;
	uint32_t v;
	uint32_t m;
	size_t i;

	for (i = 0; i < ARRAY_LEN(forms); i++) {
		struct oinst *f = target_opt(p, forms[i]);

		if (f && o)
			return fail(p, "target %s takes one of its mark options", p->tname);
		if (f)
			o = f;
	}
	if (o == NULL)
		return fail(p, "target %s needs a mark option", p->tname);
	if (!parse_mark(p, o->arg[0], &v, &m))
		return false;
	if ((o->def->id == T_AND_MARK || o->def->id == T_OR_MARK || o->def->id == T_XOR_MARK) &&
	    strchr(o->arg[0], '/'))
		return fail(p, "bad mark \"%s\" (no mask here)", o->arg[0]);
	switch (o->def->id) {
	case T_SET_XMARK:
		a->value = v;
		a->mask = m;
		break;
	case T_SET_MARK:
		a->value = v;
		a->mask = v | m;
		break;
	case T_AND_MARK:
		a->value = 0;
		a->mask = ~v;
		break;
	case T_OR_MARK:
		a->value = v;
		a->mask = v;
		break;
	default: /* T_XOR_MARK */
		a->value = v;
		a->mask = 0;
		break;
	}
	a->kind = conn ? A_CONNMARK_SET : A_SETMARK;
	return true;
}

static bool
build_connmark(struct ipt *p, struct action *a)
{
	struct oinst *mask = target_opt(p, T_MASK);
	struct oinst *nf = target_opt(p, T_NFMASK);
	struct oinst *ct = target_opt(p, T_CTMASK);
	uint32_t nfmask = 0xffffffffu;
	uint32_t ctmask = 0xffffffffu;

	if (target_opt(p, T_SAVE_MARK) && target_opt(p, T_RESTORE_MARK))
		return fail(p, "target CONNMARK: --save-mark and --restore-mark together");
	if (!target_opt(p, T_SAVE_MARK) && !target_opt(p, T_RESTORE_MARK))
		return build_setmark(p, a, true);
	if ((mask && !parse_u32(mask->arg[0], &nfmask)) ||
	    (nf && !parse_u32(nf->arg[0], &nfmask)) || (ct && !parse_u32(ct->arg[0], &ctmask)))
		return fail(p, "bad mask in CONNMARK");
	if (mask)
		ctmask = nfmask;
	if (nfmask != ctmask || target_opt(p, T_SHIFT)) {
		/* mark = (mark & ~nfmask) ^ ((ctmark & ctmask) shifted), and the
		 * same the other way for --save-mark: more than one mask can say */
		a->kind = A_UNKNOWN;
		return true;
	}
	/* the reply path reads the conntrack mark the SYN left */
	a->kind = target_opt(p, T_SAVE_MARK) ? A_CONNMARK_SAVE : A_CONNMARK_RESTORE;
	a->mask = ctmask;
	return true;
}

static bool
parse_nat_port(struct ipt *p, const char *s, struct action *a, struct buf *note)
{
	const char *dash = strchr(s, '-');
	size_t n = dash ? (size_t)(dash - s) : strlen(s);
	struct port_range r;

	if (!parse_port_range(p, s, n, &r) || r.lo != r.hi || r.lo == 0)
		return fail(p, "bad port \"%s\"", s);
	a->to_port = r.lo;
	if (dash) {
		uint16_t hi;

		if (!parse_port(p, dash + 1, strlen(dash + 1), &hi) || hi < r.lo)
			return fail(p, "bad port range \"%s\"", s);
		if (hi != r.lo)
			buf_addf(note, "%sport range %s: the first port is used",
			         note->len ? "; " : "", s);
	}
	return true;
}

/* DNAT --to-destination [addr[-addr]][:port[-port]] (IPv6: [addr]:port). */
static bool
build_dnat(struct ipt *p, struct action *a)
{
	struct oinst *o = target_opt(p, T_TO);
	char tmp[128];
	char *addr = tmp;
	char *port = NULL;
	struct buf note = {0};
	size_t i;

	if (o == NULL)
		return fail(p, "target DNAT needs --to-destination");
	for (i = 0; i < p->nopt; i++)
		if (&p->opt[i] != o && p->opt[i].mod == MOD_TARGET && p->opt[i].def &&
		    p->opt[i].def->id == T_TO)
			return fail(p, "target DNAT takes one --to-destination");
	if (strlen(o->arg[0]) >= sizeof(tmp))
		return fail(p, "bad --to-destination \"%s\"", o->arg[0]);
	memcpy(tmp, o->arg[0], strlen(o->arg[0]) + 1);
	if (p->fam == FAM_V6 && tmp[0] == '[') {
		char *close = strchr(tmp, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return fail(p, "bad --to-destination \"%s\"", o->arg[0]);
		*close = '\0';
		addr = tmp + 1;
		if (close[1] == ':')
			port = close + 2;
	} else if (p->fam == FAM_V4 && (port = strchr(tmp, ':')) != NULL) {
		*port++ = '\0';
	}
	a->kind = A_DNAT;
	if (*addr) {
		struct cidr c;
		char *dash = strchr(addr, '-');

		if (!range_parse(addr, &c) || c.fam != p->fam || strchr(addr, '/'))
			return fail(p, "bad address in --to-destination \"%s\"", o->arg[0]);
		a->has_addr = true;
		a->to_fam = c.fam;
		a->to_addr = c.lo;
		if (dash && c.lo != c.hi)
			buf_addf(&note, "address range %s: the first address is used", addr);
	}
	if (port && !parse_nat_port(p, port, a, &note)) {
		buf_free(&note);
		return false;
	}
	if (!a->has_addr && port == NULL) {
		buf_free(&note);
		return fail(p, "bad --to-destination \"%s\"", o->arg[0]);
	}
	if (note.len)
		a->detail = buf_take(&note);
	return true;
}

static bool
build_redirect(struct ipt *p, struct action *a)
{
	struct oinst *o = target_opt(p, T_TO);
	struct buf note = {0};

	a->kind = A_REDIRECT;
	if (o == NULL)
		return true; /* to_port 0: the port is kept */
	if (!parse_nat_port(p, o->arg[0], a, &note)) {
		buf_free(&note);
		return false;
	}
	if (note.len)
		a->detail = buf_take(&note);
	return true;
}

/* Names of target extensions are upper case (user chains need not be): an
 * undeclared upper-case name is a target we do not know, anything else a
 * jump to a chain that does not exist. */
static bool
looks_like_target(const char *s)
{
	if (!isupper((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool
build_target(struct ipt *p)
{
	struct action *a = &p->r.act;

	if (p->tname == NULL)
		return true; /* A_CONTINUE */
	if (p->tchain) {
		if (p->tchain->hook != HOOK_NONE)
			return fail(p, "cannot jump to built-in chain \"%s\"", p->tname);
		a->kind = p->is_goto ? A_GOTO : A_JUMP;
		a->target = p->tchain;
		a->target_name = xstrdup(p->tname);
		a->name = xstrdup(p->tname);
		return true;
	}
	if (p->tdef == NULL) {
		/* a chain declared later in the table, or a target extension
		 * we do not know: decided at COMMIT (resolve_pending) */
		a->kind = p->is_goto ? A_GOTO : A_JUMP;
		a->name = xstrdup(p->tname);
		a->target_name = xstrdup(p->tname);
		a->detail = target_text(p);
		p->tpending = true;
		return true;
	}
	if (p->tdef->table && strcmp(p->tdef->table, p->tab->name) != 0)
		return fail(p, "target %s is valid only in the %s table", p->tdef->name,
		            p->tdef->table);
	a->name = xstrdup(p->tname);
	switch (p->tdef->kind) {
	case TK_ACCEPT:
		a->kind = A_ACCEPT;
		return true;
	case TK_DROP:
		a->kind = A_DROP;
		return true;
	case TK_RETURN:
		a->kind = A_RETURN;
		return true;
	case TK_REJECT:
		return build_reject(p, a);
	case TK_CONTINUE:
		a->kind = A_CONTINUE;
		a->detail = target_text(p);
		return true;
	case TK_NOTRACK:
		a->kind = A_NOTRACK;
		return true;
	case TK_CT:
		a->kind = target_opt(p, T_NOTRACK) ? A_NOTRACK : A_CONTINUE;
		a->detail = target_text(p);
		return true;
	case TK_MARK:
		return build_setmark(p, a, false);
	case TK_CONNMARK:
		if (!build_connmark(p, a))
			return false;
		if (a->kind == A_UNKNOWN || a->kind == A_CONTINUE)
			a->detail = target_text(p);
		return true;
	case TK_DNAT:
		return build_dnat(p, a);
	case TK_REDIRECT:
		return build_redirect(p, a);
	case TK_QUEUE:
		a->kind = A_QUEUE;
		a->detail = target_text(p);
		return true;
	case TK_TARPIT: /* holds the connection open: Cloudflare times out */
		a->kind = A_DROP;
		a->detail = target_text(p);
		return true;
	case TK_UNKNOWN:
		a->kind = A_UNKNOWN;
		a->detail = target_text(p);
		return true;
	}
	abort();
}

/* ---- freeing a rule built aside ---- */

void
ipt_rule_release(struct rule *r)
{
	rule_release(r);
}

void
ipt_chain_flush(struct chain *c)
{
	size_t i;

	for (i = 0; i < c->nrule; i++) {
		ipt_rule_release(c->rules[i]);
		free(c->rules[i]);
	}
	c->nrule = 0;
}

/* ---- chains ---- */

struct chain *
ipt_builtin_chain(struct origin *o, const char *table, const char *name, enum family fam,
                  struct loc loc)
{
	const struct table *t = FIND(tables, table);
	const struct builtin *b = t ? table_builtin(t, name) : NULL;
	struct chain *c;

	if (b == NULL)
		return NULL;
	c = ruleset_find_chain(&o->fw, table, name, FAM_BIT(fam));
	if (c)
		return c;
	c = ruleset_add_chain(&o->fw, table, name, FAM_BIT(fam), loc);
	c->hook = b->hook;
	c->type = b->type;
	c->priority = b->priority;
	c->policy = A_ACCEPT;
	c->policy_loc = loc;
	return c;
}

static bool
count_chain(struct ipt *p)
{
	if (++p->nchains[tab_index(p->tab)] > CAP_CHAINS) {
		p->stop = true;
		return fail(p,
		            "more than %u chains in table \"%s\": the rest of the file is "
		            "not read",
		            CAP_CHAINS, p->tab->name);
	}
	return true;
}

static void
open_table(struct ipt *p, const char *name)
{
	const struct table *t = FIND(tables, name);
	struct loc loc = {p->in->file, p->line};
	size_t i;

	if (t == NULL) {
		fail(p, "unknown table \"%s\"", name);
		p->tab_skip = true;
		return;
	}
	p->tab = t;
	p->tab_line = p->line;
	p->section++;
	p->o->fw_seen[p->fam] = true;
	for (i = 0; i < t->n; i++) {
		struct chain *c;

		if (cmap_find(&p->map, tab_index(t), t->b[i].name))
			continue;
		c = ipt_builtin_chain(p->o, t->name, t->b[i].name, p->fam, loc);
		cmap_put(&p->map, tab_index(t), c, 0);
		count_chain(p);
	}
}

static bool
valid_chain_name(struct ipt *p, const char *name)
{
	if (name[0] == '\0' || name[0] == '-' || name[0] == '!')
		return fail(p, "invalid chain name \"%s\"", name);
	if (strlen(name) > CHAIN_MAXLEN)
		return fail(p, "chain name \"%s\" is longer than %u characters", name,
		            CHAIN_MAXLEN);
	if (strcmp(name, "ACCEPT") == 0 || strcmp(name, "DROP") == 0 ||
	    strcmp(name, "QUEUE") == 0 || strcmp(name, "RETURN") == 0)
		return fail(p, "invalid chain name \"%s\" (a verdict)", name);
	return true;
}

static void
new_chain(struct ipt *p, const char *name, bool must_be_new)
{
	struct cmap_ent *e = cmap_find(&p->map, tab_index(p->tab), name);
	struct loc loc = {p->in->file, p->line};
	struct chain *c;

	if (!valid_chain_name(p, name))
		return;
	if (e && (must_be_new || e->section == p->section)) {
		fail(p, "chain \"%s\" already exists", name);
		return;
	}
	if (e) { /* declared by an earlier input (ufw's fragments): the same chain */
		e->section = p->section;
		return;
	}
	/* not in the map, so not in the ruleset either (seed_map) */
	c = ruleset_add_chain(&p->o->fw, p->tab->name, name, FAM_BIT(p->fam), loc);
	cmap_put(&p->map, tab_index(p->tab), c, p->section);
	count_chain(p);
}

static bool
set_policy(struct ipt *p, const char *name, const char *policy)
{
	struct cmap_ent *e = cmap_find(&p->map, tab_index(p->tab), name);
	struct chain *c = e ? e->c : NULL;

	if (c == NULL || c->hook == HOOK_NONE)
		return fail(p,
		            "cannot set a policy on \"%s\": not a built-in chain of table \"%s\"",
		            name, p->tab->name);
	if (strcmp(policy, "ACCEPT") == 0)
		c->policy = A_ACCEPT;
	else if (strcmp(policy, "DROP") == 0)
		c->policy = A_DROP;
	else
		return fail(p, "bad policy \"%s\" for chain \"%s\" (ACCEPT or DROP)", policy, name);
	c->policy_loc.file = p->in->file;
	c->policy_loc.line = p->line;
	return true;
}

static bool
valid_counters(const char *s)
{
	size_t n = strlen(s);
	size_t a;
	size_t b;

	if (n < 5 || s[0] != '[' || s[n - 1] != ']')
		return false;
	a = strspn(s + 1, "0123456789");
	if (a == 0 || s[1 + a] != ':')
		return false;
	b = strspn(s + 2 + a, "0123456789");
	return b > 0 && 2 + a + b == n - 1;
}

/* ":NAME POLICY [packets:bytes]" */
static void
chain_line(struct ipt *p)
{
	const char *name = p->tok[0].s + 1;
	const char *policy = p->ntok > 1 ? p->tok[1].s : NULL;

	if (policy == NULL) {
		fail(p, "chain \"%s\" has no policy (\"-\" for a user chain)", name);
		return;
	}
	if (p->ntok > 3 || (p->ntok == 3 && !valid_counters(p->tok[2].s))) {
		fail(p, "bad chain line: \"%s\" after the policy", p->tok[2].s);
		return;
	}
	if (table_builtin(p->tab, name)) {
		if (strcmp(policy, "-") == 0)
			fail(p, "built-in chain \"%s\" needs a policy (ACCEPT or DROP)", name);
		else
			set_policy(p, name, policy);
		return;
	}
	if (strcmp(policy, "-") != 0) {
		fail(p, "cannot set policy \"%s\" on user chain \"%s\"", policy, name);
		return;
	}
	new_chain(p, name, false);
}

/* ---- rules ---- */

static void
rule_reset(struct ipt *p)
{
	memset(&p->r, 0, sizeof(p->r));
	p->r.act.kind = A_CONTINUE;
	p->nopt = 0;
	p->nmod = 0;
	p->seen_core = 0;
	p->proto = -1;
	p->proto_neg = false;
	p->skip_rule = false;
	p->tname = NULL;
	p->is_goto = false;
	p->tdef = NULL;
	p->tchain = NULL;
	p->tpending = false;
}

static bool
build_rule(struct ipt *p)
{
	size_t k;

	if (!build_core(p))
		return false;
	for (k = 0; k < p->nmod; k++)
		if (!build_match(p, k))
			return false;
	return build_target(p);
}

/* Parse the rule's options from token i and append (or insert at pos, 1-based)
 * the rule to c. */
static void
add_rule(struct ipt *p, struct chain *c, size_t i, size_t pos)
{
	struct rule *r;

	rule_reset(p);
	if (!scan_rule(p, i) || p->skip_rule || !build_rule(p)) {
		bool refused = !p->skip_rule;

		ipt_rule_release(&p->r);
		/* a refused rule leaves no silent gap in its chain */
		if (refused)
			p->r.act.kind = A_UNREADABLE;
		else
			return;
	}
	if (p->nrules >= CAP_RULES) {
		ipt_rule_release(&p->r);
		fail(p, "more than %u rules: the rest of the file is not read", CAP_RULES);
		p->stop = true;
		return;
	}
	p->nrules++;
	r = chain_add_rule(c, (struct loc){p->in->file, p->line});
	r->nmatch = p->r.nmatch;
	r->m = p->r.m;
	r->act = p->r.act;
	r->comment = p->r.comment;
	memset(&p->r, 0, sizeof(p->r));
	if (p->tpending) {
		struct pending pd = {r, p->line};

		VEC_PUSH(p->pending, p->npending, p->pending_cap, pd);
	}
	if (pos > 0 && pos < c->nrule) {
		memmove(&c->rules[pos], &c->rules[pos - 1], (c->nrule - pos) * sizeof(*c->rules));
		c->rules[pos - 1] = r;
	}
}

static struct chain *
rule_chain(struct ipt *p, const char *cmd)
{
	struct cmap_ent *e;

	if (p->ntok < 2) {
		fail(p, "%s needs a chain", cmd);
		return NULL;
	}
	e = cmap_find(&p->map, tab_index(p->tab), p->tok[1].s);
	if (e == NULL) {
		fail(p, "chain \"%s\" does not exist in table \"%s\"", p->tok[1].s, p->tab->name);
		return NULL;
	}
	return e->c;
}

static void
command_line(struct ipt *p)
{
	const char *cmd;
	struct chain *c;

	/* "-4 -A ...": a line for one family only (iptables-restore skips the
	 * other family's lines) */
	while (p->ntok > 0 && !p->tok[0].quoted &&
	       (strcmp(p->tok[0].s, "-4") == 0 || strcmp(p->tok[0].s, "--ipv4") == 0 ||
	        strcmp(p->tok[0].s, "-6") == 0 || strcmp(p->tok[0].s, "--ipv6") == 0)) {
		bool v6 = strchr(p->tok[0].s, '6') != NULL;

		if (v6 != (p->fam == FAM_V6))
			return;
		memmove(&p->tok[0], &p->tok[1], (p->ntok - 1) * sizeof(*p->tok));
		p->ntok--;
	}
	if (p->ntok == 0)
		return;
	cmd = p->tok[0].s;

	if (strcmp(cmd, "-A") == 0 || strcmp(cmd, "--append") == 0) {
		if ((c = rule_chain(p, cmd)) != NULL)
			add_rule(p, c, 2, 0);
	} else if (strcmp(cmd, "-I") == 0 || strcmp(cmd, "--insert") == 0) {
		unsigned long long pos = 1;
		size_t i = 2;

		if ((c = rule_chain(p, cmd)) == NULL)
			return;
		if (p->ntok > 2 && !p->tok[2].quoted && isdigit((unsigned char)p->tok[2].s[0])) {
			if (!parse_uint(p->tok[2].s, 1, c->nrule + 1, &pos)) {
				fail(p,
				     "bad position \"%s\" to insert at in chain \"%s\" (%zu rules)",
				     p->tok[2].s, c->name, c->nrule);
				return;
			}
			i = 3;
		}
		add_rule(p, c, i, (size_t)pos);
	} else if (strcmp(cmd, "-N") == 0 || strcmp(cmd, "--new-chain") == 0) {
		if (p->ntok != 2)
			fail(p, "%s needs one chain name", cmd);
		else
			new_chain(p, p->tok[1].s, true);
	} else if (strcmp(cmd, "-P") == 0 || strcmp(cmd, "--policy") == 0) {
		if (p->ntok != 3)
			fail(p, "%s needs a chain and a policy", cmd);
		else
			set_policy(p, p->tok[1].s, p->tok[2].s);
	} else if (strcmp(cmd, "-F") == 0 || strcmp(cmd, "--flush") == 0) {
		if (p->ntok > 2)
			fail(p, "%s takes at most one chain", cmd);
		else if (p->ntok == 2 && (c = rule_chain(p, cmd)) != NULL)
			flush_chain(p, c);
		else if (p->ntok == 1)
			for (size_t i = 0; i < p->map.cap; i++)
				if (p->map.v[i].c && p->map.v[i].tab == tab_index(p->tab))
					flush_chain(p, p->map.v[i].c);
	} else if (strcmp(cmd, "-Z") == 0 || strcmp(cmd, "--zero") == 0) {
		/* counters only */
	} else if (cmd[0] == '-' && !p->tok[0].quoted) {
		fail(p, "command \"%s\" is not supported in a rules file", cmd);
	} else {
		fail(p, "unexpected \"%s\" (a rule starts with -A)", cmd);
	}
}

/* ---- lines ---- */

/* -F: the flushed rules' forward jumps are no longer pending. */
static void
flush_chain(struct ipt *p, struct chain *c)
{
	size_t i;
	size_t out = 0;

	for (i = 0; i < p->npending; i++)
		if (p->pending[i].r->chain != c)
			p->pending[out++] = p->pending[i];
	p->npending = out;
	ipt_chain_flush(c);
}

/* A rule whose jump cannot be resolved leaves its chain, as any rule with
 * an error does (iptables-restore would reject the table). */
/* A rule iptables-restore refuses stays where it stands, as unreadable:
 * what reaches it is undecided (A_UNREADABLE), never let through. */
static void
make_unreadable(struct rule *r)
{
	struct loc loc = r->loc;
	struct chain *c = r->chain;

	ipt_rule_release(r);
	r->loc = loc;
	r->chain = c;
	r->act.kind = A_UNREADABLE;
}

/* One jump whose chain was not declared when the rule was read. */
static void
resolve_one(struct ipt *p, struct rule *r)
{
	struct action *a = &r->act;
	struct cmap_ent *e = cmap_find(&p->map, tab_index(p->tab), a->target_name);

	if (e && e->c->hook == HOOK_NONE) {
		a->target = e->c;
		free(a->detail);
		a->detail = NULL;
		return;
	}
	if (e || a->kind == A_GOTO || !looks_like_target(a->target_name)) {
		if (e)
			fail(p, "cannot jump to built-in chain \"%s\"", a->target_name);
		else
			fail(p, "%s to undefined chain \"%s\"",
			     a->kind == A_GOTO ? "goto" : "jump", a->target_name);
		make_unreadable(r);
		return;
	}
	/* an upper-case name that is no chain: a target extension we do not
	 * know (the evaluator reports it as undecided) */
	a->kind = A_UNKNOWN;
	free(a->target_name);
	a->target_name = NULL;
}

/* At COMMIT (or the end of the file): resolve the table's forward jumps.
 * A jump left unresolved keeps a NULL target: undecided, and an error. */
static void
resolve_pending(struct ipt *p)
{
	unsigned line = p->line;
	size_t i;

	if (p->tab == NULL) {
		p->npending = 0;
		return;
	}
	for (i = 0; i < p->npending; i++) {
		p->line = p->pending[i].line;
		resolve_one(p, p->pending[i].r);
	}
	p->npending = 0;
	p->line = line;
}

static void
close_table(struct ipt *p)
{
	resolve_pending(p);
	p->tab = NULL;
	p->tab_skip = false;
}

/* iptables-restore splits a line at blanks and newlines only: a carriage
 * return (CRLF line endings) ends up in a word, and the file is refused
 * ("Bad argument", "table name 'filter\r' invalid"), so it does not load at
 * boot. Said once per file; the lines are still read without it, for what
 * they mean to say. Comment lines are skipped whole, as iptables-restore
 * does. */
static void
check_cr(struct ipt *p, const char *s, size_t n)
{
	if (p->cr_seen || n == 0 || s[0] == '#' || memchr(s, '\r', n) == NULL)
		return;
	p->cr_seen = true;
	fail(p, "carriage return (CRLF line endings): iptables-restore refuses the file, so "
	        "it does not load as written");
}

static void
parse_line(struct ipt *p, const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0 || s[0] == '#')
		return;
	if (n == 6 && memcmp(s, "COMMIT", 6) == 0) {
		if (p->tab == NULL && !p->tab_skip)
			fail(p, "COMMIT outside a table");
		close_table(p);
		return;
	}
	if (p->tab_skip)
		return;
	if (s[0] == '*') {
		char name[32];
		size_t len = 0;

		while (len + 1 < n && s[len + 1] != ' ' && s[len + 1] != '\t')
			len++;

		if (p->tab)
			fail(p, "COMMIT expected: table \"%s\" (line %u) is not committed",
			     p->tab->name, p->tab_line);
		close_table(p);
		if (len == 0 || len >= sizeof(name) || len + 1 != n) {
			fail(p, "bad table line \"%.*s\"", (int)n, s);
			p->tab_skip = true;
			return;
		}
		memcpy(name, s + 1, len);
		name[len] = '\0';
		open_table(p, name);
		return;
	}
	if (p->tab == NULL) {
		fail(p, "\"%.*s\" outside a table (no *filter or other table line before it)",
		     n > 40 ? 40 : (int)n, s);
		return;
	}
	if (s[0] == '[') { /* "[packets:bytes] -A ..." */
		const char *close = memchr(s, ']', n);
		char cnt[64];
		size_t clen = close ? (size_t)(close - s) + 1 : 0;

		if (close == NULL || clen >= sizeof(cnt)) {
			fail(p, "bad counters: need \"[packets:bytes]\"");
			return;
		}
		memcpy(cnt, s, clen);
		cnt[clen] = '\0';
		if (!valid_counters(cnt)) {
			fail(p, "bad counters \"%s\"", cnt);
			return;
		}
		n -= clen;
		s += clen;
	}
	if (!tokenize(p, s, n) || p->ntok == 0)
		return;
	if (s[0] == ':')
		chain_line(p);
	else
		command_line(p);
}

/* ---- after the file: jump loops and nesting ---- */

enum { WHITE, GREY, BLACK };

struct dfs {
	struct ipt *p;
	unsigned char *state; /* per map slot */
	unsigned *height;     /* longest jump path below the chain */
	const struct chain *path[JUMP_DEPTH_MAX + 2];
	unsigned depth;
	bool depth_reported;
};

static size_t
slot_of(struct ipt *p, unsigned tab, const struct chain *c)
{
	struct cmap_ent *e = cmap_find(&p->map, tab, c->name);

	return e && e->c == c ? (size_t)(e - p->map.v) : SIZE_MAX;
}

static void
report_loop(struct dfs *d, const struct rule *r, const struct chain *target)
{
	struct buf b = {0};
	unsigned i = 0;

	while (i < d->depth && d->path[i] != target)
		i++;
	buf_addf(&b, "chain %s: jump loop (", target->name);
	for (; i < d->depth; i++)
		buf_addf(&b, "%s -> ", d->path[i]->name);
	buf_adds(&b, target->name);
	buf_adds(&b, ")");
	if (r->loc.file == d->p->in->file)
		input_error(d->p->in, r->loc.line, "%s", b.p);
	buf_free(&b);
}

static void
dfs_visit(struct dfs *d, size_t slot)
{
	struct ipt *p = d->p;
	const struct chain *c = p->map.v[slot].c;
	unsigned tab = p->map.v[slot].tab;
	unsigned h = 0;
	size_t i;

	d->state[slot] = GREY;
	d->path[d->depth++] = c;
	for (i = 0; i < c->nrule; i++) {
		const struct rule *r = c->rules[i];
		size_t t;

		if ((r->act.kind != A_JUMP && r->act.kind != A_GOTO) || r->act.target == NULL)
			continue;
		if ((t = slot_of(p, tab, r->act.target)) == SIZE_MAX)
			continue;
		if (d->state[t] == GREY) {
			report_loop(d, r, r->act.target);
			continue;
		}
		if (d->state[t] == WHITE) {
			if (d->depth > JUMP_DEPTH_MAX) {
				/* too deep to follow: reported, and explored later
				 * from a shallower start */
				if (!d->depth_reported && r->loc.file == p->in->file) {
					d->depth_reported = true;
					input_error(p->in, r->loc.line,
					            "chain %s: jumps nest deeper than %u chains",
					            d->path[0]->name, JUMP_DEPTH_MAX);
				}
				continue;
			}
			dfs_visit(d, t);
		}
		if (d->state[t] == BLACK && d->height[t] + 1 > h)
			h = d->height[t] + 1;
	}
	d->height[slot] = h;
	d->state[slot] = BLACK;
	d->depth--;
	if (h > JUMP_DEPTH_MAX && !d->depth_reported && c->loc.file == p->in->file) {
		d->depth_reported = true;
		input_error(p->in, c->loc.line, "chain %s: jumps nest deeper than %u chains",
		            c->name, JUMP_DEPTH_MAX);
	}
}

static void
check_jumps(struct ipt *p)
{
	struct dfs d;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.p = p;
	d.state = xcalloc(p->map.cap, 1);
	d.height = xcalloc(p->map.cap, sizeof(*d.height));
	/* in creation order (built-in chains first), so that the rule a loop
	 * is reported at does not depend on hashing */
	for (i = 0; i < p->o->fw.nchain; i++) {
		const struct chain *c = p->o->fw.chains[i];
		const struct table *t;
		struct cmap_ent *e;

		if (c->families != FAM_BIT(p->fam) || (t = FIND(tables, c->table)) == NULL)
			continue;
		e = cmap_find(&p->map, tab_index(t), c->name);
		if (e && e->c == c && d.state[e - p->map.v] == WHITE)
			dfs_visit(&d, (size_t)(e - p->map.v));
	}
	free(d.state);
	free(d.height);
}

/* Every chain this family already has in iptables' tables (an earlier file,
 * ufw's framing): the same (table, chain, family) is the same chain. */
static void
seed_map(struct ipt *p)
{
	size_t i;

	for (i = 0; i < p->o->fw.nchain; i++) {
		struct chain *c = p->o->fw.chains[i];
		const struct table *t;

		if (c->families != FAM_BIT(p->fam) || (t = FIND(tables, c->table)) == NULL)
			continue;
		if (cmap_find(&p->map, tab_index(t), c->name) == NULL) {
			cmap_put(&p->map, tab_index(t), c, 0);
			p->nchains[tab_index(t)]++;
		}
	}
}

void
parse_iptables(struct origin *o, struct input *in, const char *data, size_t len, enum family fam)
{
	struct ipt p;
	const char *s = data;
	const char *end = data + len;

	memset(&p, 0, sizeof(p));
	p.o = o;
	p.in = in;
	p.fam = fam;
	/* never NULL: the option loops do pointer arithmetic on it */
	p.opt_cap = 16;
	p.opt = xreallocarray(NULL, p.opt_cap, sizeof(*p.opt));
	seed_map(&p);
	while (s < end && !p.stop) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		p.line++;
		if (n > CAP_LINE_LEN) {
			fail(&p, "line longer than %u bytes", CAP_LINE_LEN);
		} else if (memchr(s, '\0', n)) {
			fail(&p, "NUL byte in the line");
		} else {
			check_cr(&p, s, n);
			parse_line(&p, s, n);
		}
		s = nl ? nl + 1 : end;
	}
	if (p.tab && !p.stop) {
		p.line = p.tab_line;
		fail(&p, "missing COMMIT for table \"%s\" (iptables-restore rejects the file)",
		     p.tab->name);
	}
	resolve_pending(&p);
	check_jumps(&p);
	free(p.pending);
	free(p.map.v);
	free(p.tbuf);
	free(p.tok);
	free(p.opt);
	free(p.mod);
}
