/* xt_compat: the x_tables structures iptables-nft leaves in nftables rules,
 * made by hand here as the kernel would hand them over (NFTA_MATCH_INFO,
 * NFTA_TARGET_INFO), decoded into the model as parse_iptables.c maps the same
 * options. Netlink-free: no namespace or privilege needed. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_CONNMARK.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_connlimit.h>
#include <linux/netfilter/xt_connmark.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_hashlimit.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_pkttype.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_set.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_hl.h>

#include "model.h"
#include "unit.h"
#include "xt_compat.h"

/* xt_compat.c and netlink.c: their bsearch tables are in order */
bool xt_tables_sorted(void);
bool live_tables_sorted(void);

static struct rule R;
static struct action A;

static const char *
set_name(void *arg, unsigned index)
{
	(void)arg;
	return index == 3 ? "cloudflare4" : NULL;
}

static const struct xt_env ENV4 = {FAM_V4, set_name, NULL};
static const struct xt_env ENV6 = {FAM_V6, set_name, NULL};

static void
reset(void)
{
	size_t i;

	for (i = 0; i < R.nmatch; i++)
		match_release(&R.m[i]);
	free(R.m);
	free(R.comment);
	memset(&R, 0, sizeof(R));
	free(A.name);
	free(A.detail);
	memset(&A, 0, sizeof(A));
}

/* Decode match name/rev from the bytes of v: true when it decoded. */
#define MATCH(env, name, rev, v) match_((env), (name), (rev), &(v), sizeof(v))
#define TARGET(env, name, rev, v) target_((env), (name), (rev), &(v), sizeof(v))

static bool
match_(const struct xt_env *env, const char *name, unsigned rev, const void *info, size_t len)
{
	char *err = NULL;
	bool ok;

	reset();
	ok = xt_match_add(&R, env, name, rev, info, len, &err);
	free(err);
	return ok;
}

static bool
target_(const struct xt_env *env, const char *name, unsigned rev, const void *info, size_t len)
{
	char *err = NULL;
	bool ok;

	reset();
	ok = xt_target_decode(&A, env, name, rev, info, len, &err);
	free(err);
	return ok;
}

static void
test_tables_sorted(void)
{
	CHECK(xt_tables_sorted());
	CHECK(live_tables_sorted());
}

static void
test_tcp(void)
{
	struct xt_tcp t;

	memset(&t, 0, sizeof(t));
	t.spts[0] = 0;
	t.spts[1] = 0xffff; /* any source port: no match at all */
	t.dpts[0] = t.dpts[1] = 22;
	t.invflags = XT_TCP_INV_DSTPT;
	t.flg_mask = TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_ACK;
	t.flg_cmp = TCPF_SYN;
	CHECK(MATCH(&ENV4, "tcp", 0, t));
	CHECK(R.nmatch == 2);
	CHECK(R.m[0].kind == M_DPORT && R.m[0].neg);
	CHECK(R.m[0].u.ports.n == 1 && R.m[0].u.ports.v[0].lo == 22 &&
	      R.m[0].u.ports.v[0].hi == 22);
	CHECK_STR(R.m[0].text, "! --dport 22");
	CHECK(R.m[1].kind == M_TCPFLAGS && !R.m[1].neg);
	CHECK(R.m[1].u.flags.mask == 0x17 && R.m[1].u.flags.comp == TCPF_SYN);
	CHECK_STR(R.m[1].text, "--tcp-flags FIN,SYN,RST,ACK SYN");

	t.option = 2; /* --tcp-option: not decided */
	t.flg_mask = 0;
	t.invflags = 0;
	CHECK(MATCH(&ENV4, "tcp", 0, t));
	CHECK(R.nmatch == 2 && R.m[1].kind == M_UNKNOWN);
}

static void
test_udp_and_short(void)
{
	struct xt_udp u;
	char *err = NULL;

	memset(&u, 0, sizeof(u));
	u.spts[0] = 1000;
	u.spts[1] = 2000;
	u.dpts[1] = 0xffff;
	CHECK(MATCH(&ENV4, "udp", 0, u));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_SPORT);
	CHECK_STR(R.m[0].text, "--sport 1000:2000");
	/* a structure shorter than the revision's: an error, nothing added */
	reset();
	CHECK(!xt_match_add(&R, &ENV4, "udp", 0, &u, 3, &err));
	CHECK(err != NULL && strstr(err, "udp") != NULL);
	CHECK(R.nmatch == 0);
	free(err);
}

static void
test_multiport(void)
{
	struct xt_multiport_v1 v1;
	struct xt_multiport v0;

	memset(&v1, 0, sizeof(v1));
	v1.flags = XT_MULTIPORT_DESTINATION;
	v1.count = 4;
	v1.ports[0] = 80;
	v1.ports[1] = 2053; /* pflags[1]: 2053..2096 */
	v1.pflags[1] = 1;
	v1.ports[2] = 2096;
	v1.ports[3] = 8443;
	v1.invert = 1;
	CHECK(MATCH(&ENV4, "multiport", 1, v1));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_DPORT && R.m[0].neg);
	CHECK(R.m[0].u.ports.n == 3);
	CHECK(R.m[0].u.ports.v[1].lo == 2053 && R.m[0].u.ports.v[1].hi == 2096);
	CHECK_STR(R.m[0].text, "! --dports 80,2053:2096,8443");

	v1.flags = XT_MULTIPORT_EITHER; /* source or destination: undecided */
	CHECK(MATCH(&ENV4, "multiport", 1, v1));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_UNKNOWN);

	memset(&v0, 0, sizeof(v0));
	v0.flags = XT_MULTIPORT_SOURCE;
	v0.count = 2;
	v0.ports[0] = 1;
	v0.ports[1] = 3;
	CHECK(MATCH(&ENV4, "multiport", 0, v0));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_SPORT && !R.m[0].neg && R.m[0].u.ports.n == 2);

	v1.count = 16; /* more than XT_MULTI_PORTS: malformed */
	CHECK(!MATCH(&ENV4, "multiport", 1, v1));
}

static void
test_conntrack(void)
{
	struct xt_conntrack_mtinfo3 c3;
	struct xt_conntrack_mtinfo1 c1;
	struct xt_state_info s;

	memset(&c3, 0, sizeof(c3));
	c3.match_flags = XT_CONNTRACK_STATE | XT_CONNTRACK_ORIGDST;
	c3.state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
	                XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) | XT_CONNTRACK_STATE_DNAT;
	CHECK(MATCH(&ENV4, "conntrack", 3, c3));
	CHECK(R.nmatch == 2);
	CHECK(R.m[0].kind == M_CTSTATE && !R.m[0].neg);
	CHECK(R.m[0].u.bits == (CTS_ESTABLISHED | CTS_RELATED | CTS_DNAT));
	CHECK(R.m[1].kind == M_UNKNOWN); /* --ctorigdst: not decided */
	CHECK_STR(R.m[1].text, "--ctorigdst");

	/* revision 1: an 8-bit state mask, at another offset */
	memset(&c1, 0, sizeof(c1));
	c1.match_flags = XT_CONNTRACK_STATE;
	c1.invert_flags = XT_CONNTRACK_STATE;
	c1.state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_NEW);
	CHECK(MATCH(&ENV4, "conntrack", 1, c1));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_CTSTATE && R.m[0].neg && R.m[0].u.bits == CTS_NEW);

	memset(&s, 0, sizeof(s));
	s.statemask = XT_STATE_INVALID | XT_STATE_UNTRACKED;
	CHECK(MATCH(&ENV4, "state", 0, s));
	CHECK(R.nmatch == 1 && R.m[0].u.bits == (CTS_INVALID | CTS_UNTRACKED));
}

static void
test_rates(void)
{
	struct xt_rateinfo li;
	struct xt_hashlimit_mtinfo3 h3;
	struct xt_hashlimit_mtinfo1 h1;
	struct xt_connlimit_info cl;
	struct xt_recent_mtinfo_v1 rc;

	memset(&li, 0, sizeof(li));
	li.avg = XT_LIMIT_SCALE / 50;
	li.burst = 100;
	CHECK(MATCH(&ENV4, "limit", 0, li));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_RATE);
	CHECK(R.m[0].u.rate.light && !R.m[0].u.rate.heavy);
	CHECK_STR(R.m[0].text, "-m limit --limit 50/sec --limit-burst 100");

	memset(&h3, 0, sizeof(h3));
	snprintf(h3.name, sizeof(h3.name), "cfh");
	h3.cfg.mode = XT_HASHLIMIT_HASH_SIP | XT_HASHLIMIT_INVERT;
	CHECK(MATCH(&ENV4, "hashlimit", 3, h3));
	CHECK(R.nmatch == 1 && !R.m[0].u.rate.light && R.m[0].u.rate.heavy);
	CHECK(strstr(R.m[0].text, "--hashlimit-above") && strstr(R.m[0].text, "cfh"));

	memset(&h1, 0, sizeof(h1));
	h1.cfg.mode = XT_HASHLIMIT_HASH_SIP;
	CHECK(MATCH(&ENV4, "hashlimit", 1, h1));
	CHECK(R.nmatch == 1 && R.m[0].u.rate.light && !R.m[0].u.rate.heavy);

	/* connlimit: (connections > limit) ^ invert; --connlimit-upto inverts */
	memset(&cl, 0, sizeof(cl));
	cl.limit = 50;
	CHECK(MATCH(&ENV4, "connlimit", 1, cl));
	CHECK(R.nmatch == 1 && R.m[0].u.rate.heavy && !R.m[0].u.rate.light);
	cl.flags = XT_CONNLIMIT_INVERT;
	CHECK(MATCH(&ENV4, "connlimit", 1, cl));
	CHECK(R.m[0].u.rate.light && !R.m[0].u.rate.heavy);

	memset(&rc, 0, sizeof(rc));
	rc.check_set = XT_RECENT_CHECK;
	snprintf(rc.name, sizeof(rc.name), "bad");
	CHECK(MATCH(&ENV4, "recent", 1, rc));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_RATE && R.m[0].u.rate.heavy);
	rc.check_set = XT_RECENT_SET;
	CHECK(MATCH(&ENV4, "recent", 1, rc));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_ALWAYS);
	rc.check_set = XT_RECENT_REMOVE;
	CHECK(MATCH(&ENV4, "recent", 1, rc));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_UNKNOWN);
}

static void
test_set(void)
{
	struct xt_set_info_match_v4 s4;
	struct xt_set_info_match_v0 s0;

	memset(&s4, 0, sizeof(s4));
	s4.match_set.index = 3;
	s4.match_set.dim = 2;
	s4.match_set.flags = IPSET_INV_MATCH | IPSET_DIM_ONE_SRC; /* ! src,dst */
	CHECK(MATCH(&ENV4, "set", 4, s4));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_SET && R.m[0].neg);
	CHECK_STR(R.m[0].u.set.name, "cloudflare4");
	CHECK(R.m[0].u.set.ndir == 2 && R.m[0].u.set.dir[0] == SD_SRC &&
	      R.m[0].u.set.dir[1] == SD_DST);
	CHECK_STR(R.m[0].text, "! --match-set cloudflare4 src,dst");

	s4.packets.op = IPSET_COUNTER_GT; /* entry counters: not known */
	CHECK(MATCH(&ENV4, "set", 4, s4));
	CHECK(R.nmatch == 2 && R.m[1].kind == M_UNKNOWN);

	s4.packets.op = IPSET_COUNTER_NONE;
	s4.match_set.index = 9; /* no such set */
	CHECK(MATCH(&ENV4, "set", 4, s4));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_UNKNOWN);

	memset(&s0, 0, sizeof(s0));
	s0.match_set.index = 3;
	s0.match_set.u.flags[0] = IPSET_DST;
	CHECK(MATCH(&ENV4, "set", 0, s0));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_SET && !R.m[0].neg && R.m[0].u.set.ndir == 1 &&
	      R.m[0].u.set.dir[0] == SD_DST);
}

static void
test_misc_matches(void)
{
	struct xt_comment_info c;
	struct xt_addrtype_info_v1 at;
	struct xt_mark_mtinfo1 mk;
	struct ipt_icmp ic;
	struct xt_iprange_mtinfo ir;
	struct xt_pkttype_info pt;
	struct ip6t_hl_info hl;
	unsigned char junk[8] = {0};

	memset(&c, 0, sizeof(c));
	snprintf(c.comment, sizeof(c.comment), "cloudflare");
	CHECK(MATCH(&ENV4, "comment", 0, c));
	CHECK(R.nmatch == 0);
	CHECK_STR(R.comment, "cloudflare");

	memset(&at, 0, sizeof(at));
	at.dest = XT_ADDRTYPE_LOCAL;
	at.flags = XT_ADDRTYPE_INVERT_DEST;
	CHECK(MATCH(&ENV4, "addrtype", 1, at));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_ADDRTYPE);
	CHECK(R.m[0].u.addrtype.dst == AT_LOCAL && R.m[0].u.addrtype.dst_neg);
	CHECK(R.m[0].u.addrtype.src == 0);

	memset(&mk, 0, sizeof(mk));
	mk.mark = 0x10;
	mk.mask = 0xff;
	mk.invert = 1;
	CHECK(MATCH(&ENV4, "connmark", 1, mk));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_CONNMARK && R.m[0].neg);
	CHECK(R.m[0].u.mark.value == 0x10 && R.m[0].u.mark.mask == 0xff);

	memset(&ic, 0, sizeof(ic));
	ic.type = 8;
	ic.code[1] = 0xff;
	CHECK(MATCH(&ENV4, "icmp", 0, ic));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_ICMP && R.m[0].u.icmp.type == 8 &&
	      R.m[0].u.icmp.code == -1);
	ic.code[0] = 1;
	ic.code[1] = 3; /* a code range: not modelled */
	CHECK(MATCH(&ENV4, "icmp", 0, ic));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_UNKNOWN);
	ic.type = 0xff; /* any */
	CHECK(MATCH(&ENV6, "icmp6", 0, ic));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_ICMP && R.m[0].u.icmp.type == -1);

	memset(&ir, 0, sizeof(ir));
	ir.src_min.ip = htonl(0x67150000); /* 103.21.0.0 */
	ir.src_max.ip = htonl(0x671501ff);
	ir.flags = IPRANGE_SRC | IPRANGE_SRC_INV;
	CHECK(MATCH(&ENV4, "iprange", 1, ir));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_SADDR && R.m[0].neg);
	CHECK(R.m[0].u.addrs.n == 1 && R.m[0].u.addrs.v[0].lo == 0x67150000 &&
	      R.m[0].u.addrs.v[0].hi == 0x671501ff);
	CHECK_STR(R.m[0].text, "! --src-range 103.21.0.0-103.21.1.255");

	memset(&pt, 0, sizeof(pt));
	pt.pkttype = 0; /* PACKET_HOST, inverted: never Cloudflare's SYN */
	pt.invert = 1;
	CHECK(MATCH(&ENV4, "pkttype", 0, pt));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_NEVER);

	memset(&hl, 0, sizeof(hl));
	hl.mode = IP6T_HL_EQ;
	hl.hop_limit = 255;
	CHECK(MATCH(&ENV6, "hl", 0, hl));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_TTL && R.m[0].u.ttl.op == TTL_EQ &&
	      R.m[0].u.ttl.value == 255);

	CHECK(MATCH(&ENV4, "esp", 0, junk)); /* never a TCP SYN */
	CHECK(R.nmatch == 1 && R.m[0].kind == M_NEVER);

	/* an extension (or revision) not known: named, never dropped */
	CHECK(MATCH(&ENV4, "string", 1, junk));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_UNKNOWN);
	CHECK_STR(R.m[0].text, "-m string");
	CHECK(MATCH(&ENV4, "conntrack", 9, junk));
	CHECK(R.nmatch == 1 && R.m[0].kind == M_UNKNOWN);
}

static void
test_targets(void)
{
	struct ipt_reject_info rj4;
	struct ip6t_reject_info rj6;
	struct nf_nat_ipv4_multi_range_compat mr;
	struct nf_nat_range2 r2;
	struct xt_mark_tginfo2 mk;
	struct xt_connmark_tginfo2 cm;
	struct xt_ct_target_info_v1 ct;
	struct xt_NFQ_info_v3 q;
	unsigned char junk[8] = {0};

	rj4.with = IPT_TCP_RESET;
	CHECK(TARGET(&ENV4, "REJECT", 0, rj4));
	CHECK(A.kind == A_REJECT);
	CHECK_STR(A.detail, "tcp-reset");
	CHECK_STR(A.name, "REJECT");
	rj6.with = IP6T_ICMP6_ADM_PROHIBITED;
	CHECK(TARGET(&ENV6, "REJECT", 0, rj6));
	CHECK_STR(A.detail, "icmp6-adm-prohibited");

	memset(&mr, 0, sizeof(mr));
	mr.rangesize = 1;
	mr.range[0].flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	mr.range[0].min_ip = mr.range[0].max_ip = htonl(0x0a090909);
	mr.range[0].min.all = mr.range[0].max.all = htons(443);
	CHECK(TARGET(&ENV4, "DNAT", 0, mr));
	CHECK(A.kind == A_DNAT && A.has_addr && A.to_fam == FAM_V4 && A.to_addr == 0x0a090909);
	CHECK(A.to_port == 443 && A.detail == NULL);

	memset(&r2, 0, sizeof(r2));
	r2.flags = NF_NAT_RANGE_PROTO_SPECIFIED;
	r2.min_proto.all = htons(8443);
	r2.max_proto.all = htons(8445);
	CHECK(TARGET(&ENV6, "DNAT", 2, r2));
	CHECK(A.kind == A_DNAT && !A.has_addr && A.to_port == 8443);
	CHECK_STR(A.detail, "port range 8443-8445: the first port is used");

	mr.range[0].flags = NF_NAT_RANGE_PROTO_SPECIFIED;
	mr.range[0].min.all = mr.range[0].max.all = htons(8443);
	CHECK(TARGET(&ENV4, "REDIRECT", 0, mr));
	CHECK(A.kind == A_REDIRECT && A.to_port == 8443);

	mk.mark = 0x10;
	mk.mask = 0xff;
	CHECK(TARGET(&ENV4, "MARK", 2, mk));
	CHECK(A.kind == A_SETMARK && A.value == 0x10 && A.mask == 0xff);

	memset(&cm, 0, sizeof(cm));
	cm.mode = XT_CONNMARK_RESTORE;
	cm.nfmask = cm.ctmask = 0xffffffff;
	CHECK(TARGET(&ENV4, "CONNMARK", 2, cm));
	CHECK(A.kind == A_CONNMARK_RESTORE && A.mask == 0xffffffff);
	cm.nfmask = 0xff; /* two masks: more than the model's one */
	CHECK(TARGET(&ENV4, "CONNMARK", 2, cm));
	CHECK(A.kind == A_UNKNOWN);
	cm.mode = XT_CONNMARK_SET;
	cm.ctmark = 2;
	cm.ctmask = 0xffffffff;
	CHECK(TARGET(&ENV4, "CONNMARK", 2, cm));
	CHECK(A.kind == A_CONNMARK_SET && A.value == 2);

	memset(&ct, 0, sizeof(ct));
	ct.flags = XT_CT_NOTRACK;
	CHECK(TARGET(&ENV4, "CT", 2, ct));
	CHECK(A.kind == A_NOTRACK);

	memset(&q, 0, sizeof(q));
	q.queuenum = 3;
	CHECK(TARGET(&ENV4, "NFQUEUE", 3, q));
	CHECK(A.kind == A_QUEUE);
	CHECK_STR(A.detail, "--queue-num 3");

	CHECK(TARGET(&ENV4, "LOG", 0, junk));
	CHECK(A.kind == A_CONTINUE);
	CHECK(TARGET(&ENV4, "TARPIT", 0, junk));
	CHECK(A.kind == A_DROP);
	CHECK(TARGET(&ENV4, "NOSUCH", 0, junk));
	CHECK(A.kind == A_UNKNOWN);
	CHECK_STR(A.name, "NOSUCH");
	CHECK(!TARGET(&ENV4, "REJECT", 0, junk[0])); /* 1 byte of 4 */
}

int
main(void)
{
	RUN(test_tables_sorted);
	RUN(test_tcp);
	RUN(test_udp_and_short);
	RUN(test_multiport);
	RUN(test_conntrack);
	RUN(test_rates);
	RUN(test_set);
	RUN(test_misc_matches);
	RUN(test_targets);
	reset();
	return unit_failed;
}
