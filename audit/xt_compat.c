/* x_tables matches and targets inside nftables rules (see xt_compat.h). Each
 * decoder reads the structure of one revision, copied out of the buffer (no
 * alignment is assumed), and maps it as parse_iptables.c maps the options
 * iptables-save prints for it: the text of each match is that option, so a
 * message names what the admin wrote. */
#include "xt_compat.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
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
#include <linux/netfilter/xt_policy.h>
#include <linux/netfilter/xt_quota.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_rpfilter.h>
#include <linux/netfilter/xt_set.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv4/ipt_ttl.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_hl.h>

#include "util.h"

#define PACKET_HOST_TYPE 0 /* linux/if_packet.h PACKET_HOST: Cloudflare's SYN */

struct dec {
	struct rule *r;   /* xt_match_add */
	struct action *a; /* xt_target_decode */
	const struct xt_env *env;
	const char *name;
	unsigned rev;
	const unsigned char *info;
	size_t len;
	char **err;
};

/* The structure of this revision, copied out of the buffer: false (an
 * error) when the kernel handed fewer bytes than it has. */
static bool
take(struct dec *d, void *out, size_t size)
{
	if (d->len < size) {
		*d->err = xasprintf("%s \"%s\" revision %u: %zu bytes of data, %zu expected",
		                    d->r ? "match" : "target", d->name, d->rev, d->len, size);
		return false;
	}
	memcpy(out, d->info, size);
	return true;
}

#define TAKE(d, v) take((d), &(v), sizeof(v))

static struct match *add(struct dec *d, enum match_kind k, bool neg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct match *
add(struct dec *d, enum match_kind k, bool neg, const char *fmt, ...)
{
	va_list ap;
	char *text;
	struct match *m;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	m = rule_add_match(d->r, k, neg, text);
	free(text);
	return m;
}

static const char *
bang(bool neg)
{
	return neg ? "! " : "";
}

/* M_ALWAYS / M_NEVER carry no negation (as in parse_iptables.c). */
static void
add_const(struct dec *d, bool yes, const char *text)
{
	add(d, yes ? M_ALWAYS : M_NEVER, false, "%s", text);
}

static void
set_ports(struct match *m, const struct port_range *v, size_t n)
{
	m->u.ports.n = n;
	m->u.ports.v = xreallocarray(NULL, n, sizeof(*v));
	memcpy(m->u.ports.v, v, n * sizeof(*v));
}

/* tcp/udp --sport/--dport: the kernel matches (lo <= port <= hi) ^ inv. */
static void
add_port_range(struct dec *d, enum match_kind k, const uint16_t pts[2], bool inv, const char *opt)
{
	struct port_range pr = {pts[0], pts[1]};
	struct match *m;

	if (pts[0] == 0 && pts[1] == 0xffff) {
		if (inv) /* outside every port: never */
			add_const(d, false, opt);
		return;
	}
	if (pts[0] > pts[1]) {
		add_const(d, inv, opt);
		return;
	}
	if (pts[0] == pts[1])
		m = add(d, k, inv, "%s%s %u", bang(inv), opt, pts[0]);
	else
		m = add(d, k, inv, "%s%s %u:%u", bang(inv), opt, pts[0], pts[1]);
	set_ports(m, &pr, 1);
}

/* ---- names for texts ---- */

struct bitname {
	unsigned bit;
	const char *name;
};

static void
buf_bits(struct buf *b, unsigned bits, const struct bitname *tab, size_t n)
{
	size_t i;
	bool first = true;

	for (i = 0; i < n; i++) {
		if (!(bits & tab[i].bit))
			continue;
		buf_addf(b, "%s%s", first ? "" : ",", tab[i].name);
		first = false;
	}
	if (first)
		buf_adds(b, "NONE");
}

static const struct bitname tcp_flag_names[] = {
    {TCPF_FIN, "FIN"}, {TCPF_SYN, "SYN"}, {TCPF_RST, "RST"}, {TCPF_PSH, "PSH"},
    {TCPF_ACK, "ACK"}, {TCPF_URG, "URG"}, {TCPF_ECE, "ECE"}, {TCPF_CWR, "CWR"},
};

static const struct bitname addrtype_names[] = {
    {AT_UNSPEC, "UNSPEC"},
    {AT_UNICAST, "UNICAST"},
    {AT_LOCAL, "LOCAL"},
    {AT_BROADCAST, "BROADCAST"},
    {AT_ANYCAST, "ANYCAST"},
    {AT_MULTICAST, "MULTICAST"},
    {AT_BLACKHOLE, "BLACKHOLE"},
    {AT_UNREACHABLE, "UNREACHABLE"},
    {AT_PROHIBIT, "PROHIBIT"},
    {AT_THROW, "THROW"},
    {AT_NAT, "NAT"},
    {AT_XRESOLVE, "XRESOLVE"},
};

static const struct bitname ctstate_names[] = {
    {CTS_INVALID, "INVALID"},     {CTS_NEW, "NEW"},
    {CTS_RELATED, "RELATED"},     {CTS_ESTABLISHED, "ESTABLISHED"},
    {CTS_UNTRACKED, "UNTRACKED"}, {CTS_SNAT, "SNAT"},
    {CTS_DNAT, "DNAT"},
};

/* ---- matches ---- */

static bool
mt_tcp(struct dec *d)
{
	struct xt_tcp t;

	if (!TAKE(d, t))
		return false;
	add_port_range(d, M_SPORT, t.spts, t.invflags & XT_TCP_INV_SRCPT, "--sport");
	add_port_range(d, M_DPORT, t.dpts, t.invflags & XT_TCP_INV_DSTPT, "--dport");
	if (t.flg_mask || (t.invflags & XT_TCP_INV_FLAGS)) {
		bool inv = t.invflags & XT_TCP_INV_FLAGS;
		struct buf b = {0};
		struct match *m;

		buf_addf(&b, "%s--tcp-flags ", bang(inv));
		buf_bits(&b, t.flg_mask, tcp_flag_names, ARRAY_LEN(tcp_flag_names));
		buf_adds(&b, " ");
		buf_bits(&b, t.flg_cmp, tcp_flag_names, ARRAY_LEN(tcp_flag_names));
		m = add(d, M_TCPFLAGS, inv, "%s", b.p);
		m->u.flags.mask = t.flg_mask;
		m->u.flags.comp = t.flg_cmp;
		buf_free(&b);
	}
	if (t.option || (t.invflags & XT_TCP_INV_OPTION))
		add(d, M_UNKNOWN, false, "%s--tcp-option %u", bang(t.invflags & XT_TCP_INV_OPTION),
		    t.option);
	return true;
}

static bool
mt_udp(struct dec *d)
{
	struct xt_udp u;

	if (!TAKE(d, u))
		return false;
	add_port_range(d, M_SPORT, u.spts, u.invflags & XT_UDP_INV_SRCPT, "--sport");
	add_port_range(d, M_DPORT, u.dpts, u.invflags & XT_UDP_INV_DSTPT, "--dport");
	return true;
}

/* multiport: revision 0 lists ports; revision 1 marks the first port of a
 * range (pflags[i]: ports[i]..ports[i + 1]) and may be inverted. */
static bool
mt_multiport(struct dec *d)
{
	struct xt_multiport_v1 v1;
	struct port_range pr[XT_MULTI_PORTS];
	struct buf b = {0};
	size_t n = 0;
	unsigned i;
	bool inv = false;
	struct match *m;
	const char *opt;

	memset(&v1, 0, sizeof(v1));
	if (d->rev == 0) {
		struct xt_multiport v0;

		if (!TAKE(d, v0))
			return false;
		v1.flags = v0.flags;
		v1.count = v0.count;
		memcpy(v1.ports, v0.ports, sizeof(v0.ports));
	} else if (!TAKE(d, v1)) {
		return false;
	}
	if (v1.count > XT_MULTI_PORTS) {
		*d->err = xasprintf("match \"multiport\": %u ports (%u at most)", v1.count,
		                    XT_MULTI_PORTS);
		return false;
	}
	inv = d->rev > 0 && v1.invert;
	opt = v1.flags == XT_MULTIPORT_SOURCE        ? "--sports"
	      : v1.flags == XT_MULTIPORT_DESTINATION ? "--dports"
	                                             : "--ports";
	buf_addf(&b, "%s%s ", bang(inv), opt);
	for (i = 0; i < v1.count; i++) {
		uint16_t lo = v1.ports[i];
		uint16_t hi = lo;

		if (d->rev > 0 && v1.pflags[i] && i + 1 < v1.count)
			hi = v1.ports[++i];
		buf_addf(&b, n ? ",%u" : "%u", lo);
		if (hi != lo)
			buf_addf(&b, ":%u", hi);
		pr[n].lo = lo;
		pr[n].hi = hi;
		n++;
	}
	if (v1.flags != XT_MULTIPORT_SOURCE && v1.flags != XT_MULTIPORT_DESTINATION) {
		/* source or destination: the source port of Cloudflare's SYN
		 * is not known (parse_iptables.c does the same) */
		add(d, M_UNKNOWN, false, "%s", b.p);
	} else if (n == 0) {
		add_const(d, inv, b.p); /* no port: the kernel matches none */
	} else {
		m = add(d, v1.flags == XT_MULTIPORT_SOURCE ? M_SPORT : M_DPORT, inv, "%s", b.p);
		set_ports(m, pr, n);
	}
	buf_free(&b);
	return true;
}

/* The conntrack state bits of xt_conntrack (and xt_state) in the model's. */
static unsigned
ct_bits(unsigned mask, unsigned untracked_bit)
{
	unsigned bits = 0;

	if (mask & XT_CONNTRACK_STATE_INVALID)
		bits |= CTS_INVALID;
	if (mask & XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED))
		bits |= CTS_ESTABLISHED;
	if (mask & XT_CONNTRACK_STATE_BIT(IP_CT_RELATED))
		bits |= CTS_RELATED;
	if (mask & XT_CONNTRACK_STATE_BIT(IP_CT_NEW))
		bits |= CTS_NEW;
	if (mask & untracked_bit)
		bits |= CTS_UNTRACKED;
	return bits;
}

static void
add_ctstate(struct dec *d, unsigned bits, bool neg, const char *opt)
{
	struct buf b = {0};
	struct match *m;

	buf_addf(&b, "%s%s ", bang(neg), opt);
	buf_bits(&b, bits, ctstate_names, ARRAY_LEN(ctstate_names));
	m = add(d, M_CTSTATE, neg, "%s", b.p);
	m->u.bits = bits;
	buf_free(&b);
}

static const struct {
	unsigned flag;
	const char *opt;
} ct_other[] = {
    {XT_CONNTRACK_PROTO, "--ctproto"},
    {XT_CONNTRACK_ORIGSRC, "--ctorigsrc"},
    {XT_CONNTRACK_ORIGDST, "--ctorigdst"},
    {XT_CONNTRACK_REPLSRC, "--ctreplsrc"},
    {XT_CONNTRACK_REPLDST, "--ctrepldst"},
    {XT_CONNTRACK_STATUS, "--ctstatus"},
    {XT_CONNTRACK_EXPIRES, "--ctexpire"},
    {XT_CONNTRACK_ORIGSRC_PORT, "--ctorigsrcport"},
    {XT_CONNTRACK_ORIGDST_PORT, "--ctorigdstport"},
    {XT_CONNTRACK_REPLSRC_PORT, "--ctreplsrcport"},
    {XT_CONNTRACK_REPLDST_PORT, "--ctrepldstport"},
    {XT_CONNTRACK_DIRECTION, "--ctdir"},
};

static bool
mt_conntrack(struct dec *d)
{
	unsigned flags;
	unsigned inv;
	unsigned state;
	size_t i;

	if (d->rev == 1) {
		struct xt_conntrack_mtinfo1 c;

		if (!TAKE(d, c))
			return false;
		flags = c.match_flags;
		inv = c.invert_flags;
		state = c.state_mask;
	} else if (d->rev == 2) {
		struct xt_conntrack_mtinfo2 c;

		if (!TAKE(d, c))
			return false;
		flags = c.match_flags;
		inv = c.invert_flags;
		state = c.state_mask;
	} else {
		struct xt_conntrack_mtinfo3 c;

		if (!TAKE(d, c))
			return false;
		flags = c.match_flags;
		inv = c.invert_flags;
		state = c.state_mask;
	}
	if (flags & XT_CONNTRACK_STATE) {
		unsigned bits = ct_bits(state, XT_CONNTRACK_STATE_UNTRACKED);

		if (state & XT_CONNTRACK_STATE_SNAT)
			bits |= CTS_SNAT;
		if (state & XT_CONNTRACK_STATE_DNAT)
			bits |= CTS_DNAT;
		add_ctstate(d, bits, inv & XT_CONNTRACK_STATE, "--ctstate");
	}
	/* the other tests are not decided (as parse_iptables.c) */
	for (i = 0; i < ARRAY_LEN(ct_other); i++)
		if (flags & ct_other[i].flag)
			add(d, M_UNKNOWN, false, "%s%s", bang(inv & ct_other[i].flag),
			    ct_other[i].opt);
	return true;
}

static bool
mt_state(struct dec *d)
{
	struct xt_state_info s;

	if (!TAKE(d, s))
		return false;
	/* "! --state X" is stored as the complement of X */
	add_ctstate(d, ct_bits(s.statemask, XT_STATE_UNTRACKED), false, "--state");
	return true;
}

/* libxt_limit's print_rate: the largest unit that states the period exactly. */
static void
buf_rate(struct buf *b, uint32_t period)
{
	static const struct {
		const char *name;
		uint32_t mult;
	} rates[] = {
	    {"day", XT_LIMIT_SCALE * 24 * 60 * 60},
	    {"hour", XT_LIMIT_SCALE * 60 * 60},
	    {"min", XT_LIMIT_SCALE * 60},
	    {"sec", XT_LIMIT_SCALE},
	};
	size_t i;

	if (period == 0) {
		buf_adds(b, "?");
		return;
	}
	for (i = 1; i < ARRAY_LEN(rates); i++)
		if (period > rates[i].mult || rates[i].mult / period < rates[i].mult % period)
			break;
	buf_addf(b, "%u/%s", rates[i - 1].mult / period, rates[i - 1].name);
}

static void
add_rate(struct dec *d, bool light, bool neg, const char *text)
{
	struct match *m = add(d, M_RATE, neg, "%s", text);

	m->u.rate.light = light;
	m->u.rate.heavy = !light;
}

static bool
mt_limit(struct dec *d)
{
	struct xt_rateinfo ri;
	struct buf b = {0};

	if (!TAKE(d, ri))
		return false;
	buf_adds(&b, "-m limit --limit ");
	buf_rate(&b, ri.avg);
	buf_addf(&b, " --limit-burst %u", ri.burst);
	add_rate(d, true, false, b.p);
	buf_free(&b);
	return true;
}

/* hashlimit: the mode word (with XT_HASHLIMIT_INVERT from revision 1: the
 * "--hashlimit-above" form) sits at a different place in each revision. */
static bool
mt_hashlimit(struct dec *d)
{
	char name[NAME_MAX + 1];
	uint32_t mode;
	bool above;

	memset(name, 0, sizeof(name));
	switch (d->rev) {
	case 0: {
		struct xt_hashlimit_info h;

		if (!TAKE(d, h))
			return false;
		memcpy(name, h.name, sizeof(h.name));
		mode = 0; /* revision 0 has only the "upto" form */
		break;
	}
	case 1: {
		struct xt_hashlimit_mtinfo1 h;

		if (!TAKE(d, h))
			return false;
		memcpy(name, h.name, sizeof(h.name));
		mode = h.cfg.mode;
		break;
	}
	case 2: {
		struct xt_hashlimit_mtinfo2 h;

		if (!TAKE(d, h))
			return false;
		memcpy(name, h.name, sizeof(h.name));
		mode = h.cfg.mode;
		break;
	}
	default: {
		struct xt_hashlimit_mtinfo3 h;

		if (!TAKE(d, h))
			return false;
		memcpy(name, h.name, sizeof(h.name));
		mode = h.cfg.mode;
		break;
	}
	}
	name[sizeof(name) - 1] = '\0';
	above = mode & XT_HASHLIMIT_INVERT;
	{
		char *text = xasprintf("-m hashlimit %s --hashlimit-name %s",
		                       above ? "--hashlimit-above" : "--hashlimit-upto", name);

		add_rate(d, !above, false, text);
		free(text);
	}
	return true;
}

/* connlimit: the kernel matches (connections > limit) ^ invert, and
 * "--connlimit-upto" is the inverted form. */
static bool
mt_connlimit(struct dec *d)
{
	struct xt_connlimit_info c;
	bool upto;
	char *text;

	if (!TAKE(d, c))
		return false;
	upto = c.flags & XT_CONNLIMIT_INVERT;
	text = xasprintf("-m connlimit %s %u", upto ? "--connlimit-upto" : "--connlimit-above",
	                 c.limit);
	add_rate(d, upto, false, text);
	free(text);
	return true;
}

static bool
mt_recent(struct dec *d)
{
	struct xt_recent_mtinfo r;
	char name[XT_RECENT_NAME_LEN + 1];
	char *text;
	bool inv;

	if (!TAKE(d, r)) /* revision 1 only adds a mask after it */
		return false;
	memcpy(name, r.name, XT_RECENT_NAME_LEN);
	name[XT_RECENT_NAME_LEN] = '\0';
	inv = r.invert;
	if (r.check_set & XT_RECENT_SET) {
		text = xasprintf("-m recent %s--set --name %s", bang(inv), name);
		add_const(d, !inv, text); /* adds the source and matches */
	} else if (r.check_set & (XT_RECENT_CHECK | XT_RECENT_UPDATE)) {
		text = xasprintf("-m recent %s%s --name %s --seconds %u --hitcount %u", bang(inv),
		                 (r.check_set & XT_RECENT_CHECK) ? "--rcheck" : "--update", name,
		                 r.seconds, r.hit_count);
		add_rate(d, false, inv, text); /* the source was seen: under load */
	} else {
		text = xasprintf("-m recent %s--remove --name %s", bang(inv), name);
		add(d, M_UNKNOWN, false, "%s", text);
	}
	free(text);
	return true;
}

/* set: which set (by kernel index), and per dimension whether the packet's
 * source or destination is looked up. */
static bool
mt_set(struct dec *d)
{
	enum set_dir dir[IPSET_DIM_MAX];
	unsigned ndir = 0;
	unsigned index;
	bool inv;
	bool counters = false;
	const char *name;
	struct buf b = {0};
	struct match *m;
	unsigned i;

	if (d->rev == 0) {
		struct xt_set_info_match_v0 s;

		if (!TAKE(d, s))
			return false;
		index = s.match_set.index;
		inv = s.match_set.u.flags[0] & IPSET_MATCH_INV;
		for (i = 0; i < IPSET_DIM_MAX - 1 && s.match_set.u.flags[i]; i++)
			dir[ndir++] = (s.match_set.u.flags[i] & IPSET_SRC) ? SD_SRC : SD_DST;
	} else {
		struct xt_set_info si;

		if (d->rev <= 2) {
			struct xt_set_info_match_v1 s;

			if (!TAKE(d, s))
				return false;
			si = s.match_set;
		} else if (d->rev == 3) {
			struct xt_set_info_match_v3 s;

			if (!TAKE(d, s))
				return false;
			si = s.match_set;
			counters =
			    s.packets.op != IPSET_COUNTER_NONE || s.bytes.op != IPSET_COUNTER_NONE;
		} else {
			struct xt_set_info_match_v4 s;

			if (!TAKE(d, s))
				return false;
			si = s.match_set;
			counters =
			    s.packets.op != IPSET_COUNTER_NONE || s.bytes.op != IPSET_COUNTER_NONE;
		}
		index = si.index;
		inv = si.flags & IPSET_INV_MATCH;
		for (i = 1; i <= si.dim && i <= IPSET_DIM_MAX; i++)
			dir[ndir++] = (si.flags & (1u << i)) ? SD_SRC : SD_DST;
	}
	name = d->env->set_name ? d->env->set_name(d->env->arg, index) : NULL;
	buf_addf(&b, "%s--match-set ", bang(inv));
	if (name)
		buf_adds(&b, name);
	else
		buf_addf(&b, "(ipset #%u)", index);
	for (i = 0; i < ndir; i++)
		buf_addf(&b, "%s%s", i ? "," : " ", dir[i] == SD_SRC ? "src" : "dst");
	if (name == NULL) {
		/* the kernel holds no set with that index any more */
		add(d, M_UNKNOWN, false, "%s (no such ipset)", b.p);
	} else {
		m = add(d, M_SET, inv, "%s", b.p);
		m->u.set.name = xstrdup(name);
		m->u.set.ndir = ndir < 3 ? ndir : 3;
		memcpy(m->u.set.dir, dir, m->u.set.ndir * sizeof(dir[0]));
		if (ndir > 3) /* only list:set members can take more: not modelled */
			add(d, M_UNKNOWN, false, "%s", b.p);
	}
	if (counters) /* packet and byte counters of the set entry: not known */
		add(d, M_UNKNOWN, false, "--match-set %s counters", name ? name : "?");
	buf_free(&b);
	return true;
}

static bool
mt_comment(struct dec *d)
{
	struct xt_comment_info c;
	char text[XT_MAX_COMMENT_LEN + 1];

	if (!TAKE(d, c))
		return false;
	memcpy(text, c.comment, XT_MAX_COMMENT_LEN);
	text[XT_MAX_COMMENT_LEN] = '\0';
	if (d->r->comment) {
		char *both = xasprintf("%s; %s", d->r->comment, text);

		free(d->r->comment);
		d->r->comment = both;
	} else {
		d->r->comment = xstrdup(text);
	}
	return true;
}

static void
add_addrtype(struct dec *d, unsigned src, unsigned dst, bool src_neg, bool dst_neg)
{
	struct buf b = {0};
	struct match *m;

	buf_adds(&b, "-m addrtype");
	if (src) {
		buf_addf(&b, " %s--src-type ", bang(src_neg));
		buf_bits(&b, src, addrtype_names, ARRAY_LEN(addrtype_names));
	}
	if (dst) {
		buf_addf(&b, " %s--dst-type ", bang(dst_neg));
		buf_bits(&b, dst, addrtype_names, ARRAY_LEN(addrtype_names));
	}
	m = add(d, M_ADDRTYPE, false, "%s", b.p);
	m->u.addrtype.src = src;
	m->u.addrtype.dst = dst;
	m->u.addrtype.src_neg = src_neg;
	m->u.addrtype.dst_neg = dst_neg;
	buf_free(&b);
}

static bool
mt_addrtype(struct dec *d)
{
	if (d->rev == 0) {
		struct xt_addrtype_info a;

		if (!TAKE(d, a))
			return false;
		add_addrtype(d, a.source, a.dest, a.invert_source, a.invert_dest);
	} else {
		struct xt_addrtype_info_v1 a;

		if (!TAKE(d, a))
			return false;
		/* LIMIT_IFACE_IN/OUT: ignored, as parse_iptables.c does */
		add_addrtype(d, a.source, a.dest, a.flags & XT_ADDRTYPE_INVERT_SOURCE,
		             a.flags & XT_ADDRTYPE_INVERT_DEST);
	}
	return true;
}

static bool
mt_mark(struct dec *d)
{
	struct xt_mark_mtinfo1 mk;
	bool conn = strcmp(d->name, "connmark") == 0;
	struct match *m;

	/* xt_connmark_mtinfo1 has the same layout */
	if (!TAKE(d, mk))
		return false;
	m = add(d, conn ? M_CONNMARK : M_MARK, mk.invert, "-m %s %s--mark 0x%x/0x%x", d->name,
	        bang(mk.invert), mk.mark, mk.mask);
	m->u.mark.value = mk.mark;
	m->u.mark.mask = mk.mask;
	return true;
}

/* icmp (ipt_icmp) and icmp6 (ip6t_icmp) share a layout: type 0xff is any. */
static bool
mt_icmp(struct dec *d)
{
	struct ipt_icmp ic;
	bool inv;
	struct match *m;
	const char *opt = strcmp(d->name, "icmp6") == 0 ? "--icmpv6-type" : "--icmp-type";

	if (!TAKE(d, ic))
		return false;
	inv = ic.invflags & IPT_ICMP_INV;
	if (ic.type != 0xff && ic.code[0] != ic.code[1] &&
	    !(ic.code[0] == 0 && ic.code[1] == 0xff)) {
		add(d, M_UNKNOWN, false, "%s%s %u/%u-%u", bang(inv), opt, ic.type, ic.code[0],
		    ic.code[1]);
		return true;
	}
	if (ic.type == 0xff)
		m = add(d, M_ICMP, inv, "%s%s any", bang(inv), opt);
	else if (ic.code[0] == ic.code[1])
		m = add(d, M_ICMP, inv, "%s%s %u/%u", bang(inv), opt, ic.type, ic.code[0]);
	else
		m = add(d, M_ICMP, inv, "%s%s %u", bang(inv), opt, ic.type);
	m->u.icmp.type = ic.type == 0xff ? -1 : ic.type;
	m->u.icmp.code = ic.type == 0xff || ic.code[0] != ic.code[1] ? -1 : ic.code[0];
	return true;
}

static u128
inet_key(enum family fam, const union nf_inet_addr *a)
{
	u128 k = 0;
	size_t n = fam == FAM_V6 ? 16 : 4;
	const unsigned char *p = (const unsigned char *)a;
	size_t i;

	for (i = 0; i < n; i++)
		k = (k << 8) | p[i];
	return k;
}

static void
add_range(struct dec *d, enum match_kind k, const union nf_inet_addr *lo,
          const union nf_inet_addr *hi, bool inv, const char *opt)
{
	char a[ADDR_STRLEN];
	char b[ADDR_STRLEN];
	u128 l = inet_key(d->env->fam, lo);
	u128 h = inet_key(d->env->fam, hi);
	struct match *m;

	addr_format(d->env->fam, l, a, sizeof(a));
	addr_format(d->env->fam, h, b, sizeof(b));
	if (l > h) { /* the kernel matches nothing, or everything inverted */
		add_const(d, inv, opt);
		return;
	}
	m = add(d, k, inv, "%s%s %s-%s", bang(inv), opt, a, b);
	ivset_init(&m->u.addrs, d->env->fam);
	ivset_add(&m->u.addrs, l, h);
}

static bool
mt_iprange(struct dec *d)
{
	struct xt_iprange_mtinfo ir;

	if (!TAKE(d, ir))
		return false;
	if (ir.flags & IPRANGE_SRC)
		add_range(d, M_SADDR, &ir.src_min, &ir.src_max, ir.flags & IPRANGE_SRC_INV,
		          "--src-range");
	if (ir.flags & IPRANGE_DST)
		add_range(d, M_DADDR, &ir.dst_min, &ir.dst_max, ir.flags & IPRANGE_DST_INV,
		          "--dst-range");
	return true;
}

static bool
mt_pkttype(struct dec *d)
{
	struct xt_pkttype_info p;
	char *text;

	if (!TAKE(d, p))
		return false;
	/* Cloudflare's SYN is addressed to this host (PACKET_HOST) */
	text = xasprintf("-m pkttype %s--pkt-type %d", bang(p.invert), p.pkttype);
	add_const(d, (p.pkttype == PACKET_HOST_TYPE) != (p.invert != 0), text);
	free(text);
	return true;
}

static bool
mt_policy(struct dec *d)
{
	struct xt_policy_info p;
	bool none;

	if (!TAKE(d, p))
		return false;
	/* Cloudflare's SYN is not IPsec */
	none = p.flags & XT_POLICY_MATCH_NONE;
	add_const(d, none, none ? "-m policy --pol none" : "-m policy --pol ipsec");
	return true;
}

static bool
mt_rpfilter(struct dec *d)
{
	struct xt_rpfilter_info rp;
	bool inv;

	if (!TAKE(d, rp))
		return false;
	/* Cloudflare's SYN comes in on the interface the route back uses */
	inv = rp.flags & XT_RPFILTER_INVERT;
	add_const(d, !inv, inv ? "-m rpfilter --invert" : "-m rpfilter");
	return true;
}

static bool
mt_quota(struct dec *d)
{
	struct xt_quota_info q;
	char *text;
	bool inv;

	if (!TAKE(d, q))
		return false;
	inv = q.flags & XT_QUOTA_INVERT;
	text = xasprintf("-m quota %s--quota %llu", bang(inv), (unsigned long long)q.quota);
	add_rate(d, true, inv, text);
	free(text);
	return true;
}

/* ttl (IPv4) and hl (IPv6): mode and value in the same two bytes. */
static bool
mt_ttl(struct dec *d)
{
	static const char *const ops[] = {"eq", "ne", "lt", "gt"};
	struct ipt_ttl_info t;
	struct match *m;
	const char *opt = strcmp(d->name, "hl") == 0 ? "--hl" : "--ttl";

	if (!TAKE(d, t))
		return false;
	if (t.mode > IPT_TTL_GT) {
		add(d, M_UNKNOWN, false, "-m %s mode %u", d->name, t.mode);
		return true;
	}
	m = add(d, M_TTL, false, "-m %s %s-%s %u", d->name, opt, ops[t.mode], t.ttl);
	m->u.ttl.op = t.mode == IPT_TTL_EQ   ? TTL_EQ
	              : t.mode == IPT_TTL_NE ? TTL_NE
	              : t.mode == IPT_TTL_LT ? TTL_LT
	                                     : TTL_GT;
	m->u.ttl.value = t.ttl;
	return true;
}

static bool
mt_always(struct dec *d)
{
	char *text = xasprintf("-m %s", d->name);

	add_const(d, true, text);
	free(text);
	return true;
}

/* esp, ah, sctp, dccp, mh need their protocol (never a TCP SYN's); frag and
 * rt need an IPv6 fragment or routing header (a SYN carries neither). */
static bool
mt_never(struct dec *d)
{
	char *text = xasprintf("-m %s", d->name);

	add_const(d, false, text);
	free(text);
	return true;
}

struct xdef {
	const char *name;
	unsigned min_rev;
	unsigned max_rev;
	bool (*fn)(struct dec *);
};

static const struct xdef match_defs[] = {
    {"addrtype", 0, 1, mt_addrtype},
    {"ah", 0, 0, mt_never},
    {"comment", 0, 0, mt_comment},
    {"connlimit", 0, 1, mt_connlimit},
    {"connmark", 1, 1, mt_mark},
    {"conntrack", 1, 3, mt_conntrack},
    {"dccp", 0, 0, mt_never},
    {"esp", 0, 0, mt_never},
    {"frag", 0, 0, mt_never},
    {"hashlimit", 0, 3, mt_hashlimit},
    {"hl", 0, 0, mt_ttl},
    {"icmp", 0, 0, mt_icmp},
    {"icmp6", 0, 0, mt_icmp},
    {"iprange", 1, 1, mt_iprange},
    {"limit", 0, 0, mt_limit},
    {"mark", 1, 1, mt_mark},
    {"mh", 0, 0, mt_never},
    {"multiport", 0, 1, mt_multiport},
    {"nfacct", 0, 0, mt_always},
    {"pkttype", 0, 0, mt_pkttype},
    {"policy", 0, 0, mt_policy},
    {"quota", 0, 0, mt_quota},
    {"recent", 0, 1, mt_recent},
    {"rpfilter", 0, 0, mt_rpfilter},
    {"rt", 0, 0, mt_never},
    {"sctp", 0, 0, mt_never},
    {"set", 0, 4, mt_set},
    {"state", 0, 0, mt_state},
    {"tcp", 0, 0, mt_tcp},
    {"ttl", 0, 0, mt_ttl},
    {"udp", 0, 0, mt_udp},
};

/* ---- targets ---- */

static const char *const reject4_names[] = {
    [IPT_ICMP_NET_UNREACHABLE] = "icmp-net-unreachable",
    [IPT_ICMP_HOST_UNREACHABLE] = "icmp-host-unreachable",
    [IPT_ICMP_PROT_UNREACHABLE] = "icmp-proto-unreachable",
    [IPT_ICMP_PORT_UNREACHABLE] = "icmp-port-unreachable",
    [IPT_ICMP_ECHOREPLY] = "icmp-echo-reply",
    [IPT_ICMP_NET_PROHIBITED] = "icmp-net-prohibited",
    [IPT_ICMP_HOST_PROHIBITED] = "icmp-host-prohibited",
    [IPT_TCP_RESET] = "tcp-reset",
    [IPT_ICMP_ADMIN_PROHIBITED] = "icmp-admin-prohibited",
};

static const char *const reject6_names[] = {
    [IP6T_ICMP6_NO_ROUTE] = "icmp6-no-route",
    [IP6T_ICMP6_ADM_PROHIBITED] = "icmp6-adm-prohibited",
    [IP6T_ICMP6_NOT_NEIGHBOUR] = "icmp6-not-neighbour",
    [IP6T_ICMP6_ADDR_UNREACH] = "icmp6-addr-unreachable",
    [IP6T_ICMP6_PORT_UNREACH] = "icmp6-port-unreachable",
    [IP6T_ICMP6_ECHOREPLY] = "icmp6-echo-reply",
    [IP6T_TCP_RESET] = "tcp-reset",
    [IP6T_ICMP6_POLICY_FAIL] = "icmp6-policy-fail",
    [IP6T_ICMP6_REJECT_ROUTE] = "icmp6-reject-route",
};

static bool
tg_reject(struct dec *d)
{
	struct ip6t_reject_info ri; /* ipt_reject_info is an enum: the same 32 bits */
	bool v6 = d->env->fam == FAM_V6;
	size_t n = v6 ? ARRAY_LEN(reject6_names) : ARRAY_LEN(reject4_names);

	if (!TAKE(d, ri))
		return false;
	d->a->kind = A_REJECT;
	if (ri.with < n)
		d->a->detail = xstrdup(v6 ? reject6_names[ri.with] : reject4_names[ri.with]);
	else
		d->a->detail = xasprintf("reject type %u", ri.with);
	return true;
}

/* A NAT range: the first address and port are used, as parse_iptables.c
 * does for --to-destination; a wider range is noted. */
static void
nat_range(struct dec *d, unsigned flags, u128 lo, u128 hi, uint16_t plo, uint16_t phi)
{
	struct action *a = d->a;
	struct buf note = {0};

	if (flags & NF_NAT_RANGE_MAP_IPS) {
		a->has_addr = true;
		a->to_fam = d->env->fam;
		a->to_addr = lo;
		if (hi != lo) {
			char l[ADDR_STRLEN];
			char h[ADDR_STRLEN];

			addr_format(d->env->fam, lo, l, sizeof(l));
			addr_format(d->env->fam, hi, h, sizeof(h));
			buf_addf(&note, "address range %s-%s: the first address is used", l, h);
		}
	}
	if (flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
		a->to_port = plo;
		if (phi != plo)
			buf_addf(&note, "%sport range %u-%u: the first port is used",
			         note.len ? "; " : "", plo, phi);
	}
	if (note.len)
		a->detail = buf_take(&note);
}

static bool
tg_nat(struct dec *d)
{
	d->a->kind = strcmp(d->name, "DNAT") == 0 ? A_DNAT : A_REDIRECT;
	if (d->env->fam == FAM_V4 && d->rev == 0) {
		struct nf_nat_ipv4_multi_range_compat mr;
		const struct nf_nat_ipv4_range *r = &mr.range[0];

		if (!TAKE(d, mr))
			return false;
		nat_range(d, r->flags, ntohl(r->min_ip), ntohl(r->max_ip), ntohs(r->min.all),
		          ntohs(r->max.all));
		return true;
	}
	/* nf_nat_range2 (revision 2) only adds base_proto after nf_nat_range */
	{
		struct nf_nat_range r;

		if (!TAKE(d, r))
			return false;
		nat_range(d, r.flags, inet_key(d->env->fam, &r.min_addr),
		          inet_key(d->env->fam, &r.max_addr), ntohs(r.min_proto.all),
		          ntohs(r.max_proto.all));
	}
	return true;
}

static bool
tg_mark(struct dec *d)
{
	struct xt_mark_tginfo2 mk;

	if (!TAKE(d, mk))
		return false;
	/* mark = (mark & ~mask) ^ value, as libxt_MARK's --set-xmark */
	d->a->kind = A_SETMARK;
	d->a->value = mk.mark;
	d->a->mask = mk.mask;
	d->a->detail = xasprintf("--set-xmark 0x%x/0x%x", mk.mark, mk.mask);
	return true;
}

static bool
tg_connmark(struct dec *d)
{
	struct xt_connmark_tginfo2 c;
	struct action *a = d->a;

	memset(&c, 0, sizeof(c));
	if (d->rev == 1) {
		struct xt_connmark_tginfo1 c1;

		if (!TAKE(d, c1))
			return false;
		c.ctmark = c1.ctmark;
		c.ctmask = c1.ctmask;
		c.nfmask = c1.nfmask;
		c.mode = c1.mode;
	} else if (!TAKE(d, c)) {
		return false;
	}
	switch (c.mode) {
	case XT_CONNMARK_SET:
		a->kind = A_CONNMARK_SET;
		a->value = c.ctmark;
		a->mask = c.ctmask;
		a->detail = xasprintf("--set-xmark 0x%x/0x%x", c.ctmark, c.ctmask);
		break;
	case XT_CONNMARK_SAVE:
		/* the reply path reads the conntrack mark the SYN left */
		a->kind =
		    c.nfmask == c.ctmask && c.shift_bits == 0 ? A_CONNMARK_SAVE : A_UNKNOWN;
		a->mask = c.ctmask;
		a->detail = xstrdup("--save-mark");
		break;
	case XT_CONNMARK_RESTORE:
		/* mark = (mark & ~nfmask) ^ (ctmark & ctmask) (shifted): one mask
		 * can say it only when both are the same and nothing shifts */
		a->kind =
		    c.nfmask == c.ctmask && c.shift_bits == 0 ? A_CONNMARK_RESTORE : A_UNKNOWN;
		a->mask = c.ctmask;
		a->detail =
		    xasprintf("--restore-mark --nfmask 0x%x --ctmask 0x%x", c.nfmask, c.ctmask);
		break;
	default:
		a->kind = A_UNKNOWN;
		a->detail = xasprintf("mode %u", c.mode);
		break;
	}
	return true;
}

static bool
tg_ct(struct dec *d)
{
	uint16_t flags;

	if (d->rev == 0) {
		struct xt_ct_target_info ct;

		if (!TAKE(d, ct))
			return false;
		flags = ct.flags;
	} else {
		struct xt_ct_target_info_v1 ct;

		if (!TAKE(d, ct))
			return false;
		flags = ct.flags;
	}
	d->a->kind = (flags & XT_CT_NOTRACK) ? A_NOTRACK : A_CONTINUE;
	if (flags & XT_CT_NOTRACK)
		d->a->detail = xstrdup("--notrack");
	return true;
}

static bool
tg_queue(struct dec *d)
{
	d->a->kind = A_QUEUE;
	if (strcmp(d->name, "NFQUEUE") == 0 && d->len >= sizeof(struct xt_NFQ_info)) {
		struct xt_NFQ_info q;

		memcpy(&q, d->info, sizeof(q));
		d->a->detail = xasprintf("--queue-num %u", q.queuenum);
	}
	return true;
}

static bool
tg_notrack(struct dec *d)
{
	d->a->kind = A_NOTRACK;
	return true;
}

/* TARPIT holds the connection open: Cloudflare times out. */
static bool
tg_drop(struct dec *d)
{
	d->a->kind = A_DROP;
	return true;
}

static bool
tg_continue(struct dec *d)
{
	d->a->kind = A_CONTINUE;
	return true;
}

static bool
tg_unknown(struct dec *d)
{
	d->a->kind = A_UNKNOWN;
	return true;
}

static const struct xdef target_defs[] = {
    {"AUDIT", 0, ~0u, tg_continue},
    {"CHECKSUM", 0, ~0u, tg_continue},
    {"CLASSIFY", 0, ~0u, tg_continue},
    {"CONNMARK", 1, 2, tg_connmark},
    {"CONNSECMARK", 0, ~0u, tg_continue},
    {"CT", 0, 2, tg_ct},
    {"DNAT", 0, 2, tg_nat},
    {"DSCP", 0, ~0u, tg_continue},
    {"HL", 0, ~0u, tg_continue},
    {"IDLETIMER", 0, ~0u, tg_continue},
    {"LED", 0, ~0u, tg_continue},
    {"LOG", 0, ~0u, tg_continue},
    {"MARK", 2, 2, tg_mark},
    {"MASQUERADE", 0, ~0u, tg_continue},
    {"NETMAP", 0, ~0u, tg_continue},
    {"NFLOG", 0, ~0u, tg_continue},
    {"NFQUEUE", 0, 3, tg_queue},
    {"NOTRACK", 0, 0, tg_notrack},
    {"QUEUE", 0, ~0u, tg_queue},
    {"RATEEST", 0, ~0u, tg_continue},
    {"REDIRECT", 0, 0, tg_nat},
    {"REJECT", 0, 0, tg_reject},
    {"SECMARK", 0, ~0u, tg_continue},
    {"SET", 0, ~0u, tg_continue},
    {"SNAT", 0, ~0u, tg_continue},
    {"SYNPROXY", 0, ~0u, tg_unknown},
    {"TARPIT", 0, ~0u, tg_drop},
    {"TCPMSS", 0, ~0u, tg_continue},
    {"TCPOPTSTRIP", 0, ~0u, tg_continue},
    {"TEE", 0, ~0u, tg_continue},
    {"TOS", 0, ~0u, tg_continue},
    {"TPROXY", 0, ~0u, tg_unknown},
    {"TRACE", 0, ~0u, tg_continue},
    {"TTL", 0, ~0u, tg_continue},
    {"ULOG", 0, ~0u, tg_continue},
};

static int
cmp_def(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct xdef *)elem)->name);
}

static const struct xdef *
find_def(const struct xdef *tab, size_t n, const char *name)
{
	return bsearch(name, tab, n, sizeof(*tab), cmp_def);
}

/* For tests/unit/test_xt_compat.c: the tables searched with bsearch are in
 * order. */
bool xt_tables_sorted(void);

bool
xt_tables_sorted(void)
{
	size_t i;

	for (i = 1; i < ARRAY_LEN(match_defs); i++)
		if (strcmp(match_defs[i - 1].name, match_defs[i].name) >= 0)
			return false;
	for (i = 1; i < ARRAY_LEN(target_defs); i++)
		if (strcmp(target_defs[i - 1].name, target_defs[i].name) >= 0)
			return false;
	return true;
}

bool
xt_match_add(struct rule *r, const struct xt_env *env, const char *name, unsigned rev,
             const void *info, size_t len, char **err)
{
	const struct xdef *def = find_def(match_defs, ARRAY_LEN(match_defs), name);
	struct dec d = {r, NULL, env, name, rev, info, len, err};

	*err = NULL;
	if (def == NULL) {
		add(&d, M_UNKNOWN, false, "-m %s", name);
		return true;
	}
	if (rev < def->min_rev || rev > def->max_rev) {
		add(&d, M_UNKNOWN, false, "-m %s (revision %u, not understood)", name, rev);
		return true;
	}
	return def->fn(&d);
}

bool
xt_target_decode(struct action *a, const struct xt_env *env, const char *name, unsigned rev,
                 const void *info, size_t len, char **err)
{
	const struct xdef *def = find_def(target_defs, ARRAY_LEN(target_defs), name);
	struct dec d = {NULL, a, env, name, rev, info, len, err};

	*err = NULL;
	a->name = xstrdup(name);
	if (def == NULL) {
		a->kind = A_UNKNOWN;
		return true;
	}
	if (rev < def->min_rev || rev > def->max_rev) {
		a->kind = A_UNKNOWN;
		a->detail = xasprintf("revision %u, not understood", rev);
		return true;
	}
	return def->fn(&d);
}
