/* --live (see netlink.h): the running kernel, read over netlink and
 * translated into the model the file parsers build.
 *
 * nf_tables keeps a rule as a list of expressions working on registers: loads
 * (payload, meta, ct, fib...) fill a register, bitwise masks it, and cmp,
 * range and lookup compare it; statements and a verdict follow. The
 * translation replays that list on a small register file that remembers what
 * each register holds (the packet field, the mask applied), and turns every
 * comparison into the model's match on that field. A lookup in a verdict map
 * or a data map (and in a set the model cannot hold as one match, such as
 * "meta l4proto { tcp, udp }") forks the replay: one model rule per value,
 * each with the keys that lead to it, as the nft file parser expands them; a
 * packet has one value of the key, so the rules exclude each other and their
 * order does not matter. What cannot be decided is an M_UNKNOWN match or an
 * A_UNKNOWN action that names it, never nothing.
 *
 * The x_tables matches and targets iptables-nft leaves in its rules are
 * decoded by xt_compat.c; an xt "set" match names an ipset by kernel index,
 * so the ipsets are listed (ipset netlink protocol) before the rules, written
 * out as ipset save text and read by parse_ipset: the same model as a file
 * (the members of hash:ip and hash:net sets, the big ones, are stored
 * directly as the intervals parse_ipset would make of them). */
#include "netlink.h"

/* glibc's netinet/in.h before any linux/ header that includes linux/in.h */
#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/inet_diag.h>
#include <linux/netfilter.h>
#include <linux/netfilter/ipset/ip_set.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/sock_diag.h>

#include "parse.h"
#include "util.h"
#include "xt_compat.h"

#define NL_RECV_SIZE (1u << 18) /* more than the biggest dump message (32 KiB) */
#define REQ_SIZE 8192           /* one request (MNL_SOCKET_BUFFER_SIZE is not constant) */
#define NSLOT 16                /* 32-bit registers: NFT_REG32_00..15 */
#define KEY_MAX 64              /* NFT_DATA_VALUE_MAXLEN */
#define MAX_FIELDS 4
#define MAX_EXPAND 4096 /* model rules one nft rule may become */
#define MAX_GROUPS 1024 /* distinct values of one map */
#define GEN_TRIES 3
#define TCP_LISTEN_STATE 10 /* include/net/tcp_states.h TCP_LISTEN */

/* nf_conntrack state bits as nft ct state holds them (NF_CT_STATE_BIT) */
#define NFCT_INVALID 0x01
#define NFCT_ESTABLISHED 0x02
#define NFCT_RELATED 0x04
#define NFCT_NEW 0x08
#define NFCT_UNTRACKED 0x40
#define IPS_SRC_NAT_BIT_MASK 0x10
#define IPS_DST_NAT_BIT_MASK 0x20

/* ---- netlink sockets ---- */

struct nl {
	struct mnl_socket *s;
	unsigned portid;
	unsigned seq;
	char *rbuf;
};

static bool
nl_open(struct nl *n, int bus)
{
	memset(n, 0, sizeof(*n));
	n->s = mnl_socket_open(bus);
	if (n->s == NULL)
		return false;
	if (mnl_socket_bind(n->s, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(n->s);
		n->s = NULL;
		errno = e;
		return false;
	}
	n->portid = mnl_socket_get_portid(n->s);
	n->seq = (unsigned)time(NULL);
	n->rbuf = xmalloc(NL_RECV_SIZE);
	return true;
}

static void
nl_close(struct nl *n)
{
	if (n->s)
		mnl_socket_close(n->s);
	free(n->rbuf);
	memset(n, 0, sizeof(*n));
}

/* Send req and hand every answer to cb until the kernel is done: 0, or -1
 * with errno (the kernel's error, EINTR for a dump interrupted by a change).
 * Callbacks never stop the loop early: the socket is left clean. */
static int
nl_talk(struct nl *n, struct nlmsghdr *req, mnl_cb_t cb, void *arg)
{
	int ret;

	req->nlmsg_seq = ++n->seq;
	if (mnl_socket_sendto(n->s, req, req->nlmsg_len) < 0)
		return -1;
	do {
		ssize_t len = mnl_socket_recvfrom(n->s, n->rbuf, NL_RECV_SIZE);

		if (len < 0)
			return -1;
		ret = mnl_cb_run(n->rbuf, (size_t)len, req->nlmsg_seq, n->portid, cb, arg);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}

/* ---- legacy x_tables ---- */

char *
live_legacy_tables(const char *path)
{
	FILE *f = fopen(path, "re");
	struct buf b = {0};
	char line[64];

	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		buf_addf(&b, "%s%s", b.len ? ", " : "", line);
	}
	fclose(f);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* iptables-legacy keeps its rules in x_tables, which nf_tables' netlink does
 * not show: an audit that cannot see them is incomplete. */
static void
check_legacy(struct origin *o)
{
	static const struct {
		const char *path;
		enum input_kind kind;
		const char *tool;
	} files[] = {
	    {"/proc/net/ip_tables_names", IN_IPTABLES, "iptables-legacy"},
	    {"/proc/net/ip6_tables_names", IN_IP6TABLES, "ip6tables-legacy"},
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(files); i++) {
		char *names = live_legacy_tables(files[i].path);
		struct input *in;

		if (names == NULL)
			continue;
		in = origin_add_input(o, files[i].kind, files[i].path);
		input_error(in, 0,
		            "legacy x_tables tables are loaded (%s): %s rules are invisible to "
		            "netlink and were not audited (list them with %s-save)",
		            names, files[i].tool, files[i].tool);
		free(names);
	}
}

/* ---- what was dumped ---- */

struct lval {
	int verdict;
	char *chain;
	unsigned char data[16];
	uint8_t dlen;
};

enum {
	RF_END = 1,      /* NFT_SET_ELEM_INTERVAL_END */
	RF_CATCHALL = 2, /* NFT_SET_ELEM_CATCHALL */
	RF_HAS_END = 4   /* it carries a closing key (NFTA_SET_ELEM_KEY_END) */
};

struct lset {
	char *name;
	const char *file; /* "nft:FAMILY/TABLE/@NAME" */
	uint32_t flags;
	uint32_t klen;
	uint32_t dtype;
	uint32_t dlen;
	/* the elements as dumped */
	size_t nraw;
	size_t rawcap;
	unsigned char *rkey;
	unsigned char *rend;
	uint8_t *rflags;
	struct lval *rval;
	/* the elements as inclusive [lo, hi] keys (klen bytes each) */
	size_t nitem;
	unsigned char *lo;
	unsigned char *hi;
	struct lval *val; /* maps */
	bool has_catchall;
	struct lval catchall;
	/* the model set a whole-set lookup refers to, and its dimensions */
	struct ipset *model;
	unsigned model_sig;
};

struct lobj {
	char *name;
	uint32_t type;
	uint32_t flags;
};

struct lchain {
	char *name;
	struct chain *c; /* NULL: a table not on the path (or not a chain we model) */
	bool base;
	uint32_t hook;
	bool unknown_hook; /* a base chain on a hook the model does not know */
	bool drop_policy;
	size_t nrule;
};

struct ltable {
	uint32_t family;
	char *name;
	const char *famname;
	bool dormant;
	unsigned fams; /* FAM_BIT()s; 0: not on the path of Cloudflare's TCP */
	struct lchain *chains;
	size_t nchain;
	size_t chain_cap;
	bool chains_sorted;
	struct lset **sets;
	size_t nset;
	size_t set_cap;
	bool sets_sorted;
	struct lobj *objs;
	size_t nobj;
	size_t obj_cap;
};

struct ipset_name {
	unsigned index;
	char *name;
};

struct live {
	struct origin *o;   /* inputs, ipsets, addresses */
	struct origin *dst; /* chains and nft sets of this attempt */
	struct input *in;
	struct nl nl;
	struct ltable **tables;
	size_t ntable;
	size_t table_cap;
	struct ltable *last;
	struct ipset_name *ipsets;
	size_t nipset;
	size_t ipset_cap;
	bool have_ipsets;
	int err;      /* a dump callback failed: why */
	char *errmsg; /* the first such failure */
	size_t nrule;
};

static const char *
fam_word(uint32_t family)
{
	switch (family) {
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_ARP:
		return "arp";
	case NFPROTO_BRIDGE:
		return "bridge";
	case NFPROTO_NETDEV:
		return "netdev";
	default:
		return "unknown";
	}
}

static unsigned
fam_bits(uint32_t family)
{
	switch (family) {
	case NFPROTO_IPV4:
		return FAM_BIT(FAM_V4);
	case NFPROTO_IPV6:
		return FAM_BIT(FAM_V6);
	case NFPROTO_INET:
	case NFPROTO_NETDEV: /* a device's ingress and egress: every protocol */
		return FAM_BOTH;
	default:
		return 0;
	}
}

static void live_fail(struct live *lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
live_fail(struct live *lv, const char *fmt, ...)
{
	va_list ap;

	if (lv->errmsg)
		return;
	va_start(ap, fmt);
	lv->errmsg = xvasprintf(fmt, ap);
	va_end(ap);
}

static struct ltable *
find_table(struct live *lv, uint32_t family, const char *name)
{
	size_t i;

	if (lv->last && lv->last->family == family && strcmp(lv->last->name, name) == 0)
		return lv->last;
	for (i = 0; i < lv->ntable; i++)
		if (lv->tables[i]->family == family && strcmp(lv->tables[i]->name, name) == 0)
			return lv->last = lv->tables[i];
	return NULL;
}

static int
lchain_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lchain *)a)->name, ((const struct lchain *)b)->name);
}

static struct lchain *
find_chain(struct ltable *t, const char *name)
{
	struct lchain key;

	if (!t->chains_sorted) {
		qsort(t->chains, t->nchain, sizeof(*t->chains), lchain_cmp);
		t->chains_sorted = true;
	}
	key.name = (char *)name;
	return bsearch(&key, t->chains, t->nchain, sizeof(*t->chains), lchain_cmp);
}

static int
lset_cmp(const void *a, const void *b)
{
	return strcmp((*(struct lset *const *)a)->name, (*(struct lset *const *)b)->name);
}

static struct lset *
find_lset(struct ltable *t, const char *name)
{
	struct lset key;
	struct lset *kp = &key;
	struct lset **r;

	if (!t->sets_sorted) {
		qsort(t->sets, t->nset, sizeof(*t->sets), lset_cmp);
		t->sets_sorted = true;
	}
	key.name = (char *)name;
	r = bsearch(&kp, t->sets, t->nset, sizeof(*t->sets), lset_cmp);
	return r ? *r : NULL;
}

static const struct lobj *
find_obj(const struct ltable *t, const char *name, uint32_t type)
{
	size_t i;

	for (i = 0; i < t->nobj; i++)
		if (t->objs[i].type == type && strcmp(t->objs[i].name, name) == 0)
			return &t->objs[i];
	return NULL;
}

static void
lval_free(struct lval *v)
{
	free(v->chain);
	v->chain = NULL;
}

static void
lset_free(struct lset *s)
{
	size_t i;

	for (i = 0; s->rval && i < s->nraw; i++)
		lval_free(&s->rval[i]);
	for (i = 0; s->val && i < s->nitem; i++)
		lval_free(&s->val[i]);
	lval_free(&s->catchall);
	free(s->rkey);
	free(s->rend);
	free(s->rflags);
	free(s->rval);
	free(s->lo);
	free(s->hi);
	free(s->val);
	free(s->name);
	free(s);
}

static void
tables_free(struct live *lv)
{
	size_t i;
	size_t j;

	for (i = 0; i < lv->ntable; i++) {
		struct ltable *t = lv->tables[i];

		for (j = 0; j < t->nchain; j++)
			free(t->chains[j].name);
		free(t->chains);
		for (j = 0; j < t->nset; j++)
			lset_free(t->sets[j]);
		free(t->sets);
		for (j = 0; j < t->nobj; j++)
			free(t->objs[j].name);
		free(t->objs);
		free(t->name);
		free(t);
	}
	free(lv->tables);
	lv->tables = NULL;
	lv->ntable = lv->table_cap = 0;
	lv->last = NULL;
}

static const char *
intern_path(const struct ltable *t, const char *sep, const char *name)
{
	char *s = xasprintf("nft:%s/%s/%s%s", t->famname, t->name, sep, name);
	const char *r = intern(s);

	free(s);
	return r;
}

/* ---- the nf_tables dumps ---- */

static struct nlmsghdr *
nft_request(char *buf, uint16_t type, uint16_t family, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(buf, type, family, flags, 0);
}

static int
gen_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (g == NULL)
		return MNL_CB_OK;
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)arg = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

static int
get_gen(struct live *lv, uint32_t *gen)
{
	char buf[REQ_SIZE] = {0}; /* attribute padding goes to the kernel too */
	struct nlmsghdr *nlh = nft_request(buf, NFT_MSG_GETGEN, NFPROTO_UNSPEC, NLM_F_ACK);

	*gen = 0;
	return nl_talk(&lv->nl, nlh, gen_cb, gen);
}

static int
table_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct live *lv = arg;
	struct nftnl_table *nt = nftnl_table_alloc();
	struct ltable *t;

	if (nt == NULL || nftnl_table_nlmsg_parse(nlh, nt) < 0) {
		live_fail(lv, "a table could not be decoded");
		goto out;
	}
	t = xcalloc(1, sizeof(*t));
	t->family = nftnl_table_get_u32(nt, NFTNL_TABLE_FAMILY);
	t->name = xstrdup(nftnl_table_get_str(nt, NFTNL_TABLE_NAME));
	t->famname = fam_word(t->family);
	t->dormant = nftnl_table_is_set(nt, NFTNL_TABLE_FLAGS) &&
	             (nftnl_table_get_u32(nt, NFTNL_TABLE_FLAGS) & NFT_TABLE_F_DORMANT);
	t->fams = fam_bits(t->family);
	VEC_PUSH(lv->tables, lv->ntable, lv->table_cap, t);
out:
	if (nt)
		nftnl_table_free(nt);
	return MNL_CB_OK;
}

/* The model's hook of a base chain: netdev numbers its two hooks apart. */
static enum hook
hook_of(uint32_t family, uint32_t hooknum, bool *ok)
{
	*ok = true;
	if (family == NFPROTO_NETDEV) {
		if (hooknum == NF_NETDEV_INGRESS)
			return HOOK_INGRESS;
		if (hooknum == NF_NETDEV_EGRESS)
			return HOOK_EGRESS;
		*ok = false;
		return HOOK_NONE;
	}
	switch (hooknum) {
	case NF_INET_PRE_ROUTING:
		return HOOK_PREROUTING;
	case NF_INET_LOCAL_IN:
		return HOOK_INPUT;
	case NF_INET_FORWARD:
		return HOOK_FORWARD;
	case NF_INET_LOCAL_OUT:
		return HOOK_OUTPUT;
	case NF_INET_POST_ROUTING:
		return HOOK_POSTROUTING;
	case NF_INET_INGRESS:
		return HOOK_INGRESS;
	default:
		*ok = false;
		return HOOK_NONE;
	}
}

/* The devices an ingress/egress chain is registered on (one, or an array;
 * none: it sees no packet). */
static void
chain_devices(struct nftnl_chain *nc, struct chain *c)
{
	const char *const *v;
	size_t i;

	if (nftnl_chain_is_set(nc, NFTNL_CHAIN_DEV))
		chain_add_device(c, nftnl_chain_get_str(nc, NFTNL_CHAIN_DEV));
	if (!nftnl_chain_is_set(nc, NFTNL_CHAIN_DEVICES))
		return;
	v = nftnl_chain_get_array(nc, NFTNL_CHAIN_DEVICES);
	for (i = 0; v && v[i]; i++)
		chain_add_device(c, v[i]);
}

static int
chain_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct live *lv = arg;
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct ltable *t;
	struct lchain lc;
	struct loc loc;

	if (nc == NULL || nftnl_chain_nlmsg_parse(nlh, nc) < 0) {
		live_fail(lv, "a chain could not be decoded");
		goto out;
	}
	t = find_table(lv, nftnl_chain_get_u32(nc, NFTNL_CHAIN_FAMILY),
	               nftnl_chain_get_str(nc, NFTNL_CHAIN_TABLE));
	if (t == NULL) {
		live_fail(lv, "chain %s of a table that was not listed",
		          nftnl_chain_get_str(nc, NFTNL_CHAIN_NAME));
		goto out;
	}
	memset(&lc, 0, sizeof(lc));
	lc.name = xstrdup(nftnl_chain_get_str(nc, NFTNL_CHAIN_NAME));
	lc.base = nftnl_chain_is_set(nc, NFTNL_CHAIN_HOOKNUM);
	lc.hook = lc.base ? nftnl_chain_get_u32(nc, NFTNL_CHAIN_HOOKNUM) : 0;
	lc.drop_policy = nftnl_chain_is_set(nc, NFTNL_CHAIN_POLICY) &&
	                 nftnl_chain_get_u32(nc, NFTNL_CHAIN_POLICY) == NF_DROP;
	if (t->fams) {
		struct chain *c;
		bool ok;
		enum hook h = lc.base ? hook_of(t->family, lc.hook, &ok) : HOOK_NONE;

		loc.file = intern_path(t, "", lc.name);
		loc.line = 0;
		c = ruleset_add_chain(&lv->dst->fw, t->name, lc.name, t->fams, loc);
		/* a dormant table's hooks are not registered: its base chains
		 * never see a packet; a hook the model does not know is an
		 * input error (note_unevaluated) */
		lc.unknown_hook = lc.base && !ok;
		if (lc.base && !t->dormant && ok) {
			const char *type = nftnl_chain_get_str(nc, NFTNL_CHAIN_TYPE);

			c->hook = h;
			c->priority = nftnl_chain_get_s32(nc, NFTNL_CHAIN_PRIO);
			c->type = type && strcmp(type, "nat") == 0     ? CT_NAT
			          : type && strcmp(type, "route") == 0 ? CT_ROUTE
			                                               : CT_FILTER;
			c->policy = lc.drop_policy ? A_DROP : A_ACCEPT;
			c->policy_loc = loc;
			chain_devices(nc, c);
		}
		lc.c = c;
	}
	VEC_PUSH(t->chains, t->nchain, t->chain_cap, lc);
	t->chains_sorted = false;
out:
	if (nc)
		nftnl_chain_free(nc);
	return MNL_CB_OK;
}

static int
set_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct live *lv = arg;
	struct nftnl_set *ns = nftnl_set_alloc();
	struct ltable *t;
	struct lset *s;

	if (ns == NULL || nftnl_set_nlmsg_parse(nlh, ns) < 0) {
		live_fail(lv, "a set could not be decoded");
		goto out;
	}
	t = find_table(lv, nftnl_set_get_u32(ns, NFTNL_SET_FAMILY),
	               nftnl_set_get_str(ns, NFTNL_SET_TABLE));
	if (t == NULL)
		goto out;
	s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(nftnl_set_get_str(ns, NFTNL_SET_NAME));
	s->file = intern_path(t, "@", s->name);
	s->flags =
	    nftnl_set_is_set(ns, NFTNL_SET_FLAGS) ? nftnl_set_get_u32(ns, NFTNL_SET_FLAGS) : 0;
	s->klen = nftnl_set_get_u32(ns, NFTNL_SET_KEY_LEN);
	s->dtype = nftnl_set_is_set(ns, NFTNL_SET_DATA_TYPE)
	               ? nftnl_set_get_u32(ns, NFTNL_SET_DATA_TYPE)
	               : 0;
	s->dlen = nftnl_set_is_set(ns, NFTNL_SET_DATA_LEN)
	              ? nftnl_set_get_u32(ns, NFTNL_SET_DATA_LEN)
	              : 0;
	if (s->klen > KEY_MAX) {
		live_fail(lv, "set %s: key of %u bytes", s->name, s->klen);
		s->klen = 0;
	}
	VEC_PUSH(t->sets, t->nset, t->set_cap, s);
	t->sets_sorted = false;
out:
	if (ns)
		nftnl_set_free(ns);
	return MNL_CB_OK;
}

static int
obj_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct live *lv = arg;
	struct nftnl_obj *no = nftnl_obj_alloc();
	struct ltable *t;
	struct lobj ob;

	if (no == NULL || nftnl_obj_nlmsg_parse(nlh, no) < 0)
		goto out; /* objects only refine limits: an undecoded one stays unknown */
	t = find_table(lv, nftnl_obj_get_u32(no, NFTNL_OBJ_FAMILY),
	               nftnl_obj_get_str(no, NFTNL_OBJ_TABLE));
	if (t == NULL)
		goto out;
	memset(&ob, 0, sizeof(ob));
	ob.name = xstrdup(nftnl_obj_get_str(no, NFTNL_OBJ_NAME));
	ob.type = nftnl_obj_get_u32(no, NFTNL_OBJ_TYPE);
	if (ob.type == NFT_OBJECT_LIMIT && nftnl_obj_is_set(no, NFTNL_OBJ_LIMIT_FLAGS))
		ob.flags = nftnl_obj_get_u32(no, NFTNL_OBJ_LIMIT_FLAGS);
	else if (ob.type == NFT_OBJECT_QUOTA && nftnl_obj_is_set(no, NFTNL_OBJ_QUOTA_FLAGS))
		ob.flags = nftnl_obj_get_u32(no, NFTNL_OBJ_QUOTA_FLAGS);
	VEC_PUSH(t->objs, t->nobj, t->obj_cap, ob);
out:
	if (no)
		nftnl_obj_free(no);
	return MNL_CB_OK;
}

/* ---- set elements: decoded here (libnftnl would allocate each of a
 * million elements) ---- */

struct elem_dump {
	struct live *lv;
	struct lset *s;
};

static int
attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	tb[type] = a;
	return MNL_CB_OK;
}

/* An nft_data value (NFTA_DATA_VALUE inside a nested attribute). */
static const unsigned char *
data_value(const struct nlattr *nest, uint32_t *len)
{
	const struct nlattr *tb[NFTA_DATA_MAX + 1];

	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse_nested(nest, attr_cb, tb) < 0 || tb[NFTA_DATA_VALUE] == NULL)
		return NULL;
	*len = mnl_attr_get_payload_len(tb[NFTA_DATA_VALUE]);
	return mnl_attr_get_payload(tb[NFTA_DATA_VALUE]);
}

static void
data_lval(const struct nlattr *nest, struct lval *v)
{
	const struct nlattr *tb[NFTA_DATA_MAX + 1];

	memset(v, 0, sizeof(*v));
	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse_nested(nest, attr_cb, tb) < 0)
		return;
	if (tb[NFTA_DATA_VERDICT]) {
		const struct nlattr *vt[NFTA_VERDICT_MAX + 1];

		memset(vt, 0, sizeof(vt));
		if (mnl_attr_parse_nested(tb[NFTA_DATA_VERDICT], attr_cb, vt) < 0)
			return;
		if (vt[NFTA_VERDICT_CODE])
			v->verdict = (int)ntohl(mnl_attr_get_u32(vt[NFTA_VERDICT_CODE]));
		if (vt[NFTA_VERDICT_CHAIN])
			v->chain = xstrdup(mnl_attr_get_str(vt[NFTA_VERDICT_CHAIN]));
	} else if (tb[NFTA_DATA_VALUE]) {
		uint32_t n = mnl_attr_get_payload_len(tb[NFTA_DATA_VALUE]);

		v->dlen = (uint8_t)(n < sizeof(v->data) ? n : sizeof(v->data));
		memcpy(v->data, mnl_attr_get_payload(tb[NFTA_DATA_VALUE]), v->dlen);
	}
}

static void
raw_push(struct lset *s, const unsigned char *key, const unsigned char *end, uint8_t flags,
         const struct lval *val)
{
	if (s->nraw == s->rawcap) {
		s->rawcap = s->rawcap ? s->rawcap * 2 : 64;
		s->rkey = xreallocarray(s->rkey, s->rawcap, s->klen ? s->klen : 1);
		s->rend = xreallocarray(s->rend, s->rawcap, s->klen ? s->klen : 1);
		s->rflags = xreallocarray(s->rflags, s->rawcap, 1);
		if (s->flags & NFT_SET_MAP)
			s->rval = xreallocarray(s->rval, s->rawcap, sizeof(*s->rval));
	}
	memcpy(s->rkey + s->nraw * s->klen, key, s->klen);
	if (end)
		memcpy(s->rend + s->nraw * s->klen, end, s->klen);
	s->rflags[s->nraw] = flags;
	if (s->rval)
		s->rval[s->nraw] = *val;
	s->nraw++;
}

static void
elem_one(struct elem_dump *ed, const struct nlattr *nest)
{
	struct lset *s = ed->s;
	const struct nlattr *tb[NFTA_SET_ELEM_MAX + 1];
	unsigned char key[KEY_MAX];
	unsigned char end[KEY_MAX];
	const unsigned char *p;
	uint32_t len = 0;
	uint8_t flags = 0;
	struct lval val;

	memset(tb, 0, sizeof(tb));
	memset(&val, 0, sizeof(val));
	memset(key, 0, sizeof(key));
	if (mnl_attr_parse_nested(nest, attr_cb, tb) < 0)
		return;
	if (tb[NFTA_SET_ELEM_FLAGS]) {
		uint32_t f = ntohl(mnl_attr_get_u32(tb[NFTA_SET_ELEM_FLAGS]));

		if (f & NFT_SET_ELEM_INTERVAL_END)
			flags |= RF_END;
		if (f & NFT_SET_ELEM_CATCHALL)
			flags |= RF_CATCHALL;
	}
	if (tb[NFTA_SET_ELEM_KEY]) {
		p = data_value(tb[NFTA_SET_ELEM_KEY], &len);
		if (p == NULL || len != s->klen) {
			live_fail(ed->lv, "set %s: an element key of %u bytes (%u expected)",
			          s->name, len, s->klen);
			return;
		}
		memcpy(key, p, len);
	} else if (!(flags & RF_CATCHALL)) {
		return;
	}
	if (tb[NFTA_SET_ELEM_KEY_END]) {
		p = data_value(tb[NFTA_SET_ELEM_KEY_END], &len);
		if (p == NULL || len != s->klen) {
			live_fail(ed->lv, "set %s: an element end key of %u bytes", s->name, len);
			return;
		}
		memcpy(end, p, len);
		flags |= RF_HAS_END;
	}
	if (tb[NFTA_SET_ELEM_DATA] && (s->flags & NFT_SET_MAP))
		data_lval(tb[NFTA_SET_ELEM_DATA], &val);
	if (flags & RF_CATCHALL) {
		lval_free(&s->catchall);
		s->catchall = val;
		s->has_catchall = true;
		return;
	}
	raw_push(s, key, (flags & RF_HAS_END) ? end : NULL, flags, &val);
}

static int
elem_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct elem_dump *ed = arg;
	const struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1];
	const struct nlattr *e;

	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) < 0)
		return MNL_CB_OK;
	if (tb[NFTA_SET_ELEM_LIST_ELEMENTS] == NULL)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(e, tb[NFTA_SET_ELEM_LIST_ELEMENTS])
	{
		elem_one(ed, e);
	}
	return MNL_CB_OK;
}

static int
key_cmp(const unsigned char *a, const unsigned char *b, uint32_t n)
{
	return memcmp(a, b, n);
}

static const struct lset *sort_set; /* qsort has no argument */

static int
raw_order(const void *a, const void *b)
{
	size_t i = *(const size_t *)a;
	size_t j = *(const size_t *)b;
	int c = key_cmp(sort_set->rkey + i * sort_set->klen, sort_set->rkey + j * sort_set->klen,
	                sort_set->klen);

	if (c)
		return c;
	/* at one key, the end of the interval below comes first */
	return (int)(sort_set->rflags[j] & RF_END) - (int)(sort_set->rflags[i] & RF_END);
}

static void
key_dec(unsigned char *k, uint32_t n)
{
	while (n-- > 0)
		if (k[n]-- != 0)
			break;
}

static void
item_push(struct lset *s, size_t *cap, const unsigned char *lo, const unsigned char *hi,
          struct lval *val)
{
	if (s->nitem == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		s->lo = xreallocarray(s->lo, *cap, s->klen ? s->klen : 1);
		s->hi = xreallocarray(s->hi, *cap, s->klen ? s->klen : 1);
		if (s->flags & NFT_SET_MAP)
			s->val = xreallocarray(s->val, *cap, sizeof(*s->val));
	}
	memcpy(s->lo + s->nitem * s->klen, lo, s->klen);
	memcpy(s->hi + s->nitem * s->klen, hi, s->klen);
	if (s->val) {
		s->val[s->nitem] = *val;
		memset(val, 0, sizeof(*val));
	}
	s->nitem++;
}

/* The dumped elements as [lo, hi] items. An interval set without closing
 * keys lists each interval as its start and, flagged as an end, the key just
 * after it (none when it runs to the top of the key space). */
static void
set_items(struct lset *s)
{
	size_t cap = 0;
	size_t i;
	unsigned char top[KEY_MAX];
	unsigned char hi[KEY_MAX];
	struct lval none;

	memset(top, 0xff, sizeof(top));
	memset(&none, 0, sizeof(none));
	if (!(s->flags & NFT_SET_INTERVAL) || s->nraw == 0 || (s->rflags[0] & RF_HAS_END)) {
		for (i = 0; i < s->nraw; i++) {
			const unsigned char *k = s->rkey + i * s->klen;

			if (s->rflags[i] & RF_END)
				continue;
			item_push(s, &cap, k,
			          (s->rflags[i] & RF_HAS_END) ? s->rend + i * s->klen : k,
			          s->rval ? &s->rval[i] : &none);
		}
	} else {
		size_t *ord = xreallocarray(NULL, s->nraw, sizeof(*ord));

		for (i = 0; i < s->nraw; i++)
			ord[i] = i;
		sort_set = s;
		qsort(ord, s->nraw, sizeof(*ord), raw_order);
		sort_set = NULL;
		for (i = 0; i < s->nraw; i++) {
			size_t k = ord[i];

			if (s->rflags[k] & RF_END)
				continue;
			if (i + 1 < s->nraw) {
				memcpy(hi, s->rkey + ord[i + 1] * s->klen, s->klen);
				key_dec(hi, s->klen);
			} else {
				memcpy(hi, top, s->klen);
			}
			item_push(s, &cap, s->rkey + k * s->klen, hi,
			          s->rval ? &s->rval[k] : &none);
		}
		free(ord);
	}
	/* the values moved to the items */
	free(s->rval);
	s->rval = NULL;
	free(s->rkey);
	free(s->rend);
	free(s->rflags);
	s->rkey = s->rend = NULL;
	s->rflags = NULL;
	s->nraw = s->rawcap = 0;
}

static bool
dump_elems(struct live *lv, struct ltable *t, struct lset *s)
{
	char buf[REQ_SIZE] = {0}; /* attribute padding goes to the kernel too */
	struct nlmsghdr *nlh =
	    nft_request(buf, NFT_MSG_GETSETELEM, (uint16_t)t->family, NLM_F_DUMP);
	struct elem_dump ed = {lv, s};

	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, t->name);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, s->name);
	if (nl_talk(&lv->nl, nlh, elem_cb, &ed) < 0)
		return false;
	set_items(s);
	return true;
}

/* ---- rules: the register file ---- */

enum src {
	S_NONE,
	S_CONT,    /* the rest of a value that starts in an earlier register */
	S_PAYLOAD, /* base, off, len */
	S_META,    /* key */
	S_CT,      /* key */
	S_FIB,     /* key: the result; flags */
	S_IMM,     /* data */
	S_OTHER    /* what */
};

struct slot {
	uint8_t src;
	uint8_t len;
	uint8_t base;
	bool masked;
	uint32_t off;
	uint32_t key;
	uint32_t flags;
	unsigned char mask[16];
	unsigned char xor [16];
	unsigned char data[16];
	const char *what;
};

struct xst {
	struct slot reg[NSLOT];
	unsigned fams; /* the families the rule can still match */
	int l4;        /* the transport protocol matched (-1: not known) */
	struct rule r; /* matches, statements and action so far (in no chain) */
	bool changed;  /* a statement changed the packet (in r.pre) */
	char *unknown; /* a statement the model cannot apply: the action is undecided */
};

struct xl {
	struct live *lv;
	struct ltable *t;
	struct chain *c;
	struct loc loc;
	struct nftnl_expr **e;
	size_t ne;
	size_t emitted;
};

static int
slot_of(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15)
		return (int)(reg - NFT_REG32_00);
	return -1;
}

/* An attribute of any integer width, read as the host stores it. */
static uint64_t
eu(const struct nftnl_expr *e, uint16_t attr)
{
	uint32_t len = 0;
	const void *p = nftnl_expr_get(e, attr, &len);
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	if (p == NULL)
		return 0;
	switch (len) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	case 8:
		memcpy(&u64, p, 8);
		return u64;
	default:
		return 0;
	}
}

static const unsigned char *
edata(const struct nftnl_expr *e, uint16_t attr, uint32_t *len)
{
	*len = 0;
	return nftnl_expr_get(e, attr, len);
}

static struct slot *
reg_at(struct xst *st, uint32_t reg)
{
	int i = slot_of(reg);

	return i < 0 ? NULL : &st->reg[i];
}

/* A load of len bytes into reg: later registers it covers are continuations. */
static struct slot *
load(struct xst *st, uint32_t reg, uint8_t src, uint32_t len)
{
	int i = slot_of(reg);
	int k;

	if (i < 0)
		return NULL;
	if (len > 16)
		len = 16;
	memset(&st->reg[i], 0, sizeof(st->reg[i]));
	st->reg[i].src = src;
	st->reg[i].len = (uint8_t)len;
	for (k = 1; k < (int)(len + 3) / 4 && i + k < NSLOT; k++) {
		memset(&st->reg[i + k], 0, sizeof(st->reg[i + k]));
		st->reg[i + k].src = S_CONT;
	}
	return &st->reg[i];
}

static void
load_other(struct xst *st, uint32_t reg, uint32_t len, const char *what)
{
	struct slot *s = load(st, reg, S_OTHER, len ? len : 4);

	if (s)
		s->what = what;
}

/* ---- fields: what a loaded value is ---- */

enum fk {
	FK_UNKNOWN,
	FK_SADDR,
	FK_DADDR,
	FK_PROTO,
	FK_SPORT,
	FK_DPORT,
	FK_TCPFLAGS,
	FK_ICMPTYPE,
	FK_TTL,
	FK_FRAGOFF,
	FK_IIFNAME,
	FK_OIFNAME,
	FK_IIF,
	FK_OIF,
	FK_MARK,
	FK_CTMARK,
	FK_CTSTATE,
	FK_CTSTATUS,
	FK_NFPROTO,
	FK_ETHERTYPE,
	FK_FIBTYPE,
	FK_FIBOIF,
	FK_PKTTYPE
};

struct field {
	enum fk k;
	enum family fam;
	unsigned off;  /* where it starts in the loaded value */
	unsigned len;  /* bytes of it loaded */
	unsigned full; /* its whole length */
	bool src;      /* fib: the source address */
	uint32_t flags;
	char name[64];
};

struct pfield {
	unsigned off;
	unsigned len;
	enum fk k;
	const char *name;
};

static const struct pfield ip4_fields[] = {
    {6, 2, FK_FRAGOFF, "ip frag-off"}, {8, 1, FK_TTL, "ip ttl"},
    {9, 1, FK_PROTO, "ip protocol"},   {12, 4, FK_SADDR, "ip saddr"},
    {16, 4, FK_DADDR, "ip daddr"},
};

static const struct pfield ip6_fields[] = {
    {6, 1, FK_PROTO, "ip6 nexthdr"},
    {7, 1, FK_TTL, "ip6 hoplimit"},
    {8, 16, FK_SADDR, "ip6 saddr"},
    {24, 16, FK_DADDR, "ip6 daddr"},
};

static const struct pfield tcp_fields[] = {
    {0, 2, FK_SPORT, "tcp sport"},
    {2, 2, FK_DPORT, "tcp dport"},
    {13, 1, FK_TCPFLAGS, "tcp flags"},
};

static const struct pfield udp_fields[] = {
    {0, 2, FK_SPORT, "udp sport"},
    {2, 2, FK_DPORT, "udp dport"},
};

static const struct pfield th_fields[] = {
    {0, 2, FK_SPORT, "th sport"},
    {2, 2, FK_DPORT, "th dport"},
};

static const struct pfield icmp_fields[] = {
    {0, 1, FK_ICMPTYPE, "icmp type"},
};

static const struct pfield icmp6_fields[] = {
    {0, 1, FK_ICMPTYPE, "icmpv6 type"},
};

static bool
one_family(unsigned fams, enum family *f)
{
	if (fams == FAM_BIT(FAM_V4))
		*f = FAM_V4;
	else if (fams == FAM_BIT(FAM_V6))
		*f = FAM_V6;
	else
		return false;
	return true;
}

static size_t unknown_field(struct field *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t
unknown_field(struct field *f, const char *fmt, ...)
{
	va_list ap;

	memset(f, 0, sizeof(*f));
	f->k = FK_UNKNOWN;
	va_start(ap, fmt);
	vsnprintf(f->name, sizeof(f->name), fmt, ap);
	va_end(ap);
	return 1;
}

static void
set_field(struct field *f, enum fk k, unsigned len, unsigned full, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->k = k;
	f->len = len;
	f->full = full;
	snprintf(f->name, sizeof(f->name), "%s", name);
}

/* The packet fields a payload load of [off, off + n) covers: whole fields
 * one after the other (nft merges adjacent matches into one load), the last
 * one possibly a prefix (of an address). */
static size_t
payload_fields(const struct pfield *tab, size_t ntab, enum family fam, uint32_t off, unsigned n,
               struct field *f, size_t max)
{
	unsigned done = 0;
	size_t nf = 0;

	while (done < n) {
		const struct pfield *p = NULL;
		size_t i;
		unsigned take;

		for (i = 0; i < ntab; i++)
			if (tab[i].off == off + done)
				p = &tab[i];
		if (p == NULL || nf == max)
			return 0;
		take = n - done < p->len ? n - done : p->len;
		if (take < p->len && p->k != FK_SADDR && p->k != FK_DADDR)
			return 0;
		set_field(&f[nf], p->k, take, p->len, p->name);
		f[nf].fam = fam;
		f[nf].off = done;
		nf++;
		done += take;
	}
	return nf;
}

static const char *const meta_names[] = {
    [NFT_META_LEN] = "length",
    [NFT_META_PROTOCOL] = "protocol",
    [NFT_META_PRIORITY] = "priority",
    [NFT_META_MARK] = "mark",
    [NFT_META_IIF] = "iif",
    [NFT_META_OIF] = "oif",
    [NFT_META_IIFNAME] = "iifname",
    [NFT_META_OIFNAME] = "oifname",
    [NFT_META_IIFTYPE] = "iiftype",
    [NFT_META_OIFTYPE] = "oiftype",
    [NFT_META_SKUID] = "skuid",
    [NFT_META_SKGID] = "skgid",
    [NFT_META_NFTRACE] = "nftrace",
    [NFT_META_RTCLASSID] = "rtclassid",
    [NFT_META_SECMARK] = "secmark",
    [NFT_META_NFPROTO] = "nfproto",
    [NFT_META_L4PROTO] = "l4proto",
    [NFT_META_BRI_IIFNAME] = "ibrname",
    [NFT_META_BRI_OIFNAME] = "obrname",
    [NFT_META_PKTTYPE] = "pkttype",
    [NFT_META_CPU] = "cpu",
    [NFT_META_IIFGROUP] = "iifgroup",
    [NFT_META_OIFGROUP] = "oifgroup",
    [NFT_META_CGROUP] = "cgroup",
    [NFT_META_PRANDOM] = "random",
    [NFT_META_SECPATH] = "ipsec",
    [NFT_META_IIFKIND] = "iifkind",
    [NFT_META_OIFKIND] = "oifkind",
    [NFT_META_TIME_NS] = "time",
    [NFT_META_TIME_DAY] = "day",
    [NFT_META_TIME_HOUR] = "hour",
};

static const char *const ct_names[] = {
    [NFT_CT_STATE] = "state",         [NFT_CT_DIRECTION] = "direction",
    [NFT_CT_STATUS] = "status",       [NFT_CT_MARK] = "mark",
    [NFT_CT_SECMARK] = "secmark",     [NFT_CT_EXPIRATION] = "expiration",
    [NFT_CT_HELPER] = "helper",       [NFT_CT_L3PROTOCOL] = "l3proto",
    [NFT_CT_SRC] = "saddr",           [NFT_CT_DST] = "daddr",
    [NFT_CT_PROTOCOL] = "protocol",   [NFT_CT_PROTO_SRC] = "proto-src",
    [NFT_CT_PROTO_DST] = "proto-dst", [NFT_CT_LABELS] = "label",
    [NFT_CT_PKTS] = "packets",        [NFT_CT_BYTES] = "bytes",
    [NFT_CT_AVGPKT] = "avgpkt",       [NFT_CT_ZONE] = "zone",
    [NFT_CT_EVENTMASK] = "event",     [NFT_CT_SRC_IP] = "ip saddr",
    [NFT_CT_DST_IP] = "ip daddr",     [NFT_CT_SRC_IP6] = "ip6 saddr",
    [NFT_CT_DST_IP6] = "ip6 daddr",   [NFT_CT_ID] = "id",
};

static const char *
key_name(const char *const *tab, size_t n, uint32_t key)
{
	return key < n && tab[key] ? tab[key] : "?";
}

/* What the value in slot s is, for a consumer that reads n bytes of it. */
static size_t
describe(const struct xst *st, const struct slot *s, unsigned n, struct field *f, size_t max)
{
	enum family fam;

	if (s == NULL || s->src == S_NONE || s->src == S_CONT)
		return unknown_field(f, "an unset register");
	if (n > s->len)
		return unknown_field(f, "a register read past its value");
	switch (s->src) {
	case S_PAYLOAD: {
		size_t nf = 0;

		if (s->base == NFT_PAYLOAD_NETWORK_HEADER && one_family(st->fams, &fam)) {
			if (fam == FAM_V4)
				nf = payload_fields(ip4_fields, ARRAY_LEN(ip4_fields), fam, s->off,
				                    n, f, max);
			else
				nf = payload_fields(ip6_fields, ARRAY_LEN(ip6_fields), fam, s->off,
				                    n, f, max);
		} else if (s->base == NFT_PAYLOAD_TRANSPORT_HEADER) {
			const struct pfield *tab = th_fields;
			size_t ntab = ARRAY_LEN(th_fields);

			if (st->l4 == PROTO_TCP) {
				tab = tcp_fields;
				ntab = ARRAY_LEN(tcp_fields);
			} else if (st->l4 == PROTO_UDP || st->l4 == 136 || st->l4 == 132 ||
			           st->l4 == 33) {
				tab = udp_fields;
				ntab = ARRAY_LEN(udp_fields);
			} else if (st->l4 == PROTO_ICMP) {
				tab = icmp_fields;
				ntab = ARRAY_LEN(icmp_fields);
			} else if (st->l4 == PROTO_ICMPV6) {
				tab = icmp6_fields;
				ntab = ARRAY_LEN(icmp6_fields);
			}
			nf = payload_fields(tab, ntab, FAM_V4, s->off, n, f, max);
		}
		if (nf == 0 || (s->masked && nf != 1))
			return unknown_field(f, "%s header + %u (%u bytes)",
			                     s->base == NFT_PAYLOAD_LL_HEADER        ? "link layer"
			                     : s->base == NFT_PAYLOAD_NETWORK_HEADER ? "network"
			                     : s->base == NFT_PAYLOAD_TRANSPORT_HEADER ? "transport"
			                                                               : "inner",
			                     s->off, s->len);
		return nf;
	}
	case S_META:
		switch (s->key) {
		case NFT_META_L4PROTO:
			set_field(f, FK_PROTO, n, 1, "meta l4proto");
			return 1;
		case NFT_META_NFPROTO:
			set_field(f, FK_NFPROTO, n, 1, "meta nfproto");
			return 1;
		case NFT_META_PROTOCOL:
			set_field(f, FK_ETHERTYPE, n, 2, "meta protocol");
			return 1;
		case NFT_META_IIFNAME:
			set_field(f, FK_IIFNAME, n, IFNAMSIZ, "iifname");
			return 1;
		case NFT_META_OIFNAME:
			set_field(f, FK_OIFNAME, n, IFNAMSIZ, "oifname");
			return 1;
		case NFT_META_IIF:
			set_field(f, FK_IIF, n, 4, "iif");
			return 1;
		case NFT_META_OIF:
			set_field(f, FK_OIF, n, 4, "oif");
			return 1;
		case NFT_META_MARK:
			set_field(f, FK_MARK, n, 4, "meta mark");
			return 1;
		case NFT_META_PKTTYPE:
			set_field(f, FK_PKTTYPE, n, 1, "pkttype");
			return 1;
		default:
			return unknown_field(f, "meta %s",
			                     key_name(meta_names, ARRAY_LEN(meta_names), s->key));
		}
	case S_CT:
		switch (s->key) {
		case NFT_CT_STATE:
			set_field(f, FK_CTSTATE, n, 4, "ct state");
			return 1;
		case NFT_CT_STATUS:
			set_field(f, FK_CTSTATUS, n, 4, "ct status");
			return 1;
		case NFT_CT_MARK:
			set_field(f, FK_CTMARK, n, 4, "ct mark");
			return 1;
		case NFT_CT_L3PROTOCOL:
			set_field(f, FK_NFPROTO, n, 1, "ct l3proto");
			return 1;
		default:
			return unknown_field(f, "ct %s",
			                     key_name(ct_names, ARRAY_LEN(ct_names), s->key));
		}
	case S_FIB:
		if (s->key == NFT_FIB_RESULT_ADDRTYPE &&
		    (s->flags & (NFTA_FIB_F_SADDR | NFTA_FIB_F_DADDR))) {
			bool src = s->flags & NFTA_FIB_F_SADDR;

			set_field(f, FK_FIBTYPE, n, 4, src ? "fib saddr type" : "fib daddr type");
			f->src = src;
			return 1;
		}
		if ((s->key == NFT_FIB_RESULT_OIF || s->key == NFT_FIB_RESULT_OIFNAME) &&
		    (s->flags & NFTA_FIB_F_SADDR) && (s->flags & NFTA_FIB_F_IIF)) {
			set_field(f, FK_FIBOIF, n, s->len, "fib saddr . iif oif");
			f->flags = s->flags;
			return 1;
		}
		return unknown_field(f, "fib (result %u, flags 0x%x)", s->key, s->flags);
	case S_IMM:
		return unknown_field(f, "a constant");
	default:
		return unknown_field(f, "%s", s->what ? s->what : "an expression");
	}
}

/* ---- values ---- */

static u128
be_num(const unsigned char *p, unsigned n)
{
	u128 v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t
host32(const unsigned char *p, unsigned n)
{
	uint32_t v = 0;

	memcpy(&v, p, n < 4 ? n : 4);
	return v;
}

static unsigned
addr_bytes(enum family fam)
{
	return fam == FAM_V6 ? 16 : 4;
}

static u128
ones(unsigned bits)
{
	return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

/* ---- building matches ---- */

static struct match *add_m(struct xst *st, enum match_kind k, bool neg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct match *
add_m(struct xst *st, enum match_kind k, bool neg, const char *fmt, ...)
{
	va_list ap;
	char *text;
	struct match *m;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	m = rule_add_match(&st->r, k, neg, text);
	free(text);
	return m;
}

static void
add_const(struct xst *st, bool yes, const char *text)
{
	add_m(st, yes ? M_ALWAYS : M_NEVER, false, "%s", text);
}

static void
add_unknown(struct xst *st, const char *text)
{
	add_m(st, M_UNKNOWN, false, "%s", text);
}

static const char *
op_text(uint32_t op)
{
	switch (op) {
	case NFT_CMP_EQ:
		return "";
	case NFT_CMP_NEQ:
		return "!= ";
	case NFT_CMP_LT:
		return "< ";
	case NFT_CMP_LTE:
		return "<= ";
	case NFT_CMP_GT:
		return "> ";
	case NFT_CMP_GTE:
		return ">= ";
	default:
		return "? ";
	}
}

/* The values [lo, hi] a comparison op v selects of a field of max value
 * top; false when it selects none. */
static bool
op_interval(uint32_t op, u128 v, u128 top, u128 *lo, u128 *hi)
{
	switch (op) {
	case NFT_CMP_EQ:
	case NFT_CMP_NEQ:
		*lo = *hi = v;
		return true;
	case NFT_CMP_LT:
		if (v == 0)
			return false;
		*lo = 0;
		*hi = v - 1;
		return true;
	case NFT_CMP_LTE:
		*lo = 0;
		*hi = v;
		return true;
	case NFT_CMP_GT:
		if (v >= top)
			return false;
		*lo = v + 1;
		*hi = top;
		return true;
	default: /* NFT_CMP_GTE */
		*lo = v;
		*hi = top;
		return true;
	}
}

static void
add_addr_interval(struct xst *st, const struct field *f, u128 lo, u128 hi, bool neg)
{
	char buf[2 * ADDR_STRLEN + 2];
	struct match *m;

	interval_format(f->fam, lo, hi, buf, sizeof(buf));
	m = add_m(st, f->k == FK_SADDR ? M_SADDR : M_DADDR, neg, "%s %s%s", f->name,
	          neg ? "!= " : "", buf);
	ivset_init(&m->u.addrs, f->fam);
	ivset_add(&m->u.addrs, lo, hi);
}

static void
add_port_interval(struct xst *st, const struct field *f, u128 lo, u128 hi, bool neg)
{
	struct match *m;

	if (lo == hi)
		m = add_m(st, f->k == FK_SPORT ? M_SPORT : M_DPORT, neg, "%s %s%u", f->name,
		          neg ? "!= " : "", (unsigned)lo);
	else
		m = add_m(st, f->k == FK_SPORT ? M_SPORT : M_DPORT, neg, "%s %s%u-%u", f->name,
		          neg ? "!= " : "", (unsigned)lo, (unsigned)hi);
	m->u.ports.n = 1;
	m->u.ports.v = xmalloc(sizeof(*m->u.ports.v));
	m->u.ports.v[0].lo = (uint16_t)lo;
	m->u.ports.v[0].hi = (uint16_t)hi;
}

/* TTL / hop limit values [lo, hi]: the model compares with one operator. */
static void
add_ttl_interval(struct xst *st, const struct field *f, u128 lo, u128 hi, bool neg)
{
	struct match *m;

	if (lo == hi) {
		m = add_m(st, M_TTL, false, "%s %s%u", f->name, neg ? "!= " : "", (unsigned)lo);
		m->u.ttl.op = neg ? TTL_NE : TTL_EQ;
		m->u.ttl.value = (uint8_t)lo;
		return;
	}
	if (lo == 0 && hi == 255) {
		add_const(st, !neg, f->name);
		return;
	}
	if (lo == 0 || hi == 255) {
		m = add_m(st, M_TTL, neg, "%s %s%u-%u", f->name, neg ? "!= " : "", (unsigned)lo,
		          (unsigned)hi);
		m->u.ttl.op = lo == 0 ? TTL_LT : TTL_GT;
		m->u.ttl.value = (uint8_t)(lo == 0 ? hi + 1 : lo - 1);
		return;
	}
	if (neg) {
		add_m(st, M_UNKNOWN, false, "%s != %u-%u", f->name, (unsigned)lo, (unsigned)hi);
		return;
	}
	m = add_m(st, M_TTL, false, "%s >= %u", f->name, (unsigned)lo);
	m->u.ttl.op = TTL_GT;
	m->u.ttl.value = (uint8_t)(lo - 1);
	m = add_m(st, M_TTL, false, "%s <= %u", f->name, (unsigned)hi);
	m->u.ttl.op = TTL_LT;
	m->u.ttl.value = (uint8_t)(hi + 1);
}

static unsigned
ctstate_model(uint32_t nfct)
{
	unsigned bits = 0;

	if (nfct & NFCT_INVALID)
		bits |= CTS_INVALID;
	if (nfct & NFCT_ESTABLISHED)
		bits |= CTS_ESTABLISHED;
	if (nfct & NFCT_RELATED)
		bits |= CTS_RELATED;
	if (nfct & NFCT_NEW)
		bits |= CTS_NEW;
	if (nfct & NFCT_UNTRACKED)
		bits |= CTS_UNTRACKED;
	return bits;
}

static void
ctstate_text(char *buf, size_t cap, unsigned bits, bool neg)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{CTS_INVALID, "invalid"},     {CTS_ESTABLISHED, "established"},
	             {CTS_RELATED, "related"},     {CTS_NEW, "new"},
	             {CTS_UNTRACKED, "untracked"}, {CTS_DNAT, "dnat"}};
	size_t len = (size_t)snprintf(buf, cap, "ct state %s", neg ? "!= " : "");
	size_t i;
	bool first = true;

	for (i = 0; i < ARRAY_LEN(names) && len < cap; i++)
		if (bits & names[i].bit) {
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", first ? "" : ",",
			                        names[i].name);
			first = false;
		}
}

static void
add_ctstate(struct xst *st, unsigned bits, bool neg, const char *text)
{
	struct match *m;

	if (bits == 0) {
		add_const(st, neg, text);
		return;
	}
	m = add_m(st, M_CTSTATE, neg, "%s", text);
	m->u.bits = bits;
}

/* ct state holds exactly one state bit: the states for which
 * (state & mask) == v. */
static unsigned
ctstate_select(uint32_t mask, uint32_t v)
{
	static const uint32_t states[] = {NFCT_INVALID, NFCT_ESTABLISHED, NFCT_RELATED, NFCT_NEW,
	                                  NFCT_UNTRACKED};
	uint32_t sel = 0;
	size_t i;

	for (i = 0; i < ARRAY_LEN(states); i++)
		if ((states[i] & mask) == v)
			sel |= states[i];
	return ctstate_model(sel);
}

static const char *
ifname_text(char *buf, size_t cap, const unsigned char *v, unsigned n, bool *wild)
{
	const unsigned char *nul = memchr(v, 0, n);
	size_t len = nul ? (size_t)(nul - v) : n;

	*wild = nul == NULL;
	if (len >= cap - 1)
		len = cap - 2;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (*wild) {
		buf[len] = '+';
		buf[len + 1] = '\0';
	}
	return buf;
}

static void
add_iface(struct xst *st, const struct field *f, const char *name, bool neg)
{
	struct match *m = add_m(st, f->k == FK_IIFNAME || f->k == FK_IIF ? M_IIF : M_OIF, neg,
	                        "%s %s%s", f->name, neg ? "!= " : "", name);

	m->u.ifname = xstrdup(name);
}

/* A comparison of field f (one field: a whole load, or one part of a merged
 * load) with v (its f->len bytes). mask: the bitwise mask on it (NULL: none). */
static void
cmp_field(struct xst *st, const struct field *f, uint32_t op, const unsigned char *v,
          const unsigned char *mask)
{
	bool neg = op == NFT_CMP_NEQ;
	bool eqne = op == NFT_CMP_EQ || op == NFT_CMP_NEQ;
	char text[160];
	u128 lo;
	u128 hi;

	switch (f->k) {
	case FK_SADDR:
	case FK_DADDR: {
		unsigned ab = addr_bytes(f->fam);
		unsigned shift = 8 * (ab - f->len);
		u128 key = be_num(v, f->len) << shift;
		u128 m = (mask ? be_num(mask, f->len) : ones(8 * f->len)) << shift;
		u128 top = ones(8 * ab);
		unsigned p = 0;

		if (eqne) {
			while (p < 8 * ab && (m >> (8 * ab - 1 - p)) & 1)
				p++;
			if (m != (top & ~ones(8 * ab - p))) {
				snprintf(text, sizeof(text), "%s & (non-prefix mask) %s...",
				         f->name, op_text(op));
				add_unknown(st, text);
				return;
			}
			if (key & ~m) { /* bits outside the mask: no address matches */
				snprintf(text, sizeof(text), "%s %s(outside its mask)", f->name,
				         op_text(op));
				add_const(st, neg, text);
				return;
			}
			add_addr_interval(st, f, key, key | (top & ~m), neg);
			return;
		}
		if (mask || f->len != ab) {
			snprintf(text, sizeof(text), "%s %s(masked)", f->name, op_text(op));
			add_unknown(st, text);
			return;
		}
		if (!op_interval(op, key, top, &lo, &hi)) {
			add_const(st, false, f->name);
			return;
		}
		add_addr_interval(st, f, lo, hi, false);
		return;
	}
	case FK_SPORT:
	case FK_DPORT:
		if (mask || f->len != 2) {
			snprintf(text, sizeof(text), "%s (masked)", f->name);
			add_unknown(st, text);
			return;
		}
		if (!op_interval(op, be_num(v, 2), 0xffff, &lo, &hi)) {
			add_const(st, false, f->name);
			return;
		}
		add_port_interval(st, f, lo, hi, neg);
		return;
	case FK_TTL:
		if (mask) {
			snprintf(text, sizeof(text), "%s (masked)", f->name);
			add_unknown(st, text);
			return;
		}
		if (!op_interval(op, v[0], 255, &lo, &hi)) {
			add_const(st, false, f->name);
			return;
		}
		add_ttl_interval(st, f, lo, hi, neg);
		return;
	case FK_PROTO: {
		struct match *m;

		if (mask || !eqne)
			break;
		if (v[0] == 0) {
			snprintf(text, sizeof(text), "%s %s0", f->name, op_text(op));
			add_const(st, neg, text);
			return;
		}
		m = add_m(st, M_PROTO, neg, "%s %s%u", f->name, op_text(op), v[0]);
		m->u.proto = v[0];
		if (!neg)
			st->l4 = v[0];
		return;
	}
	case FK_ICMPTYPE: {
		struct match *m;

		if (mask || !eqne)
			break;
		m = add_m(st, M_ICMP, neg, "%s %s%u", f->name, op_text(op), v[0]);
		m->u.icmp.type = v[0];
		m->u.icmp.code = -1;
		return;
	}
	case FK_TCPFLAGS: {
		struct match *m;

		if (!eqne)
			break;
		if (mask)
			m = add_m(st, M_TCPFLAGS, neg, "%s & 0x%02x %s0x%02x", f->name, mask[0],
			          neg ? "!= " : "== ", v[0]);
		else
			m = add_m(st, M_TCPFLAGS, neg, "%s %s0x%02x", f->name, op_text(op), v[0]);
		m->u.flags.mask = mask ? mask[0] : 0xff;
		m->u.flags.comp = v[0];
		return;
	}
	case FK_FRAGOFF: {
		/* Cloudflare's SYN is no fragment; only DF (0x4000) may be set */
		uint32_t mk = mask ? (uint32_t)be_num(mask, 2) : 0xffff;
		uint32_t want = (uint32_t)be_num(v, 2);
		bool a = (0x0000 & mk) == want;
		bool b = (0x4000 & mk) == want;

		if (!eqne)
			break;
		snprintf(text, sizeof(text), "%s & 0x%04x %s0x%04x", f->name, mk,
		         neg ? "!= " : "== ", want);
		if (a != b)
			add_unknown(st, text);
		else
			add_const(st, a != neg, text);
		return;
	}
	case FK_IIFNAME:
	case FK_OIFNAME: {
		char name[IFNAMSIZ + 2];
		bool wild;

		if (mask || !eqne || f->len == 0)
			break;
		add_iface(st, f, ifname_text(name, sizeof(name), v, f->len, &wild), neg);
		return;
	}
	case FK_IIF:
	case FK_OIF: {
		char name[IF_NAMESIZE];
		uint32_t idx = host32(v, f->len);

		if (mask || !eqne)
			break;
		if (if_indextoname(idx, name) == NULL) {
			/* no interface has the index now, and a new one gets a
			 * new index: the rule matches nothing */
			snprintf(text, sizeof(text), "%s %s#%u (no such interface)", f->name,
			         op_text(op), idx);
			add_const(st, neg, text);
			return;
		}
		add_iface(st, f, name, neg);
		return;
	}
	case FK_MARK:
	case FK_CTMARK: {
		uint32_t mk = mask ? host32(mask, f->len) : 0xffffffffu;
		uint32_t val = host32(v, f->len);
		struct match *m;

		if (!eqne)
			break;
		snprintf(text, sizeof(text), "%s & 0x%08x %s0x%08x", f->name, mk,
		         neg ? "!= " : "== ", val);
		if (val & ~mk) {
			add_const(st, neg, text);
			return;
		}
		m = add_m(st, f->k == FK_MARK ? M_MARK : M_CONNMARK, neg, "%s", text);
		m->u.mark.value = val;
		m->u.mark.mask = mk;
		return;
	}
	case FK_CTSTATE: {
		uint32_t mk = mask ? host32(mask, f->len) : 0xffffffffu;
		uint32_t val = host32(v, f->len);

		if (!eqne)
			break;
		if (val == 0 && mk != 0xffffffffu) {
			/* "ct state established,related": (state & m) != 0, that is
			 * the state is one of m (it is one bit) */
			unsigned bits = ctstate_model(mk);

			ctstate_text(text, sizeof(text), bits, !neg);
			add_ctstate(st, bits, !neg, text);
			return;
		}
		snprintf(text, sizeof(text), "ct state & 0x%x %s0x%x", mk,
		         neg ? "!= " : "== ", val);
		add_ctstate(st, ctstate_select(mk, val), neg, text);
		return;
	}
	case FK_CTSTATUS: {
		uint32_t mk = mask ? host32(mask, f->len) : 0xffffffffu;
		uint32_t val = host32(v, f->len);
		unsigned bit;

		if (!eqne || (mk != IPS_DST_NAT_BIT_MASK && mk != IPS_SRC_NAT_BIT_MASK) ||
		    (val != 0 && val != mk))
			break;
		bit = mk == IPS_DST_NAT_BIT_MASK ? CTS_DNAT : CTS_SNAT;
		snprintf(text, sizeof(text), "ct status %s%s", (val == 0) != neg ? "!= " : "",
		         bit == CTS_DNAT ? "dnat" : "snat");
		add_ctstate(st, bit, (val == 0) != neg, text);
		return;
	}
	case FK_NFPROTO:
	case FK_ETHERTYPE: {
		unsigned bits = 0;
		uint32_t val = f->k == FK_NFPROTO ? v[0] : (uint32_t)be_num(v, 2);
		struct match *m;

		if (mask || !eqne)
			break;
		if (val == (f->k == FK_NFPROTO ? NFPROTO_IPV4 : 0x0800))
			bits = FAM_BIT(FAM_V4);
		else if (val == (f->k == FK_NFPROTO ? NFPROTO_IPV6 : 0x86dd))
			bits = FAM_BIT(FAM_V6);
		m = add_m(st, M_FAMILY, neg, "%s %s%s", f->name, op_text(op),
		          bits == FAM_BIT(FAM_V4) ? "ipv4"
		          : bits                  ? "ipv6"
		                                  : "(other)");
		m->u.bits = bits;
		if (!neg)
			st->fams &= bits;
		return;
	}
	case FK_FIBTYPE: {
		uint32_t val = host32(v, f->len);
		struct match *m;

		if (mask || !eqne || val > 31)
			break;
		m = add_m(st, M_ADDRTYPE, neg, "%s %s%u", f->name, op_text(op), val);
		if (f->src)
			m->u.addrtype.src = 1u << val;
		else
			m->u.addrtype.dst = 1u << val;
		return;
	}
	case FK_FIBOIF: {
		uint32_t val = host32(v, f->len);
		/* Cloudflare's SYN comes in where the route back goes out: the
		 * lookup finds an interface ("present") */
		bool present = val != 0;

		if (mask || !eqne || (val != 0 && !(f->flags & NFTA_FIB_F_PRESENT)))
			break;
		snprintf(text, sizeof(text), "%s %s%s", f->name, neg ? "!= " : "",
		         present ? "present" : "missing");
		add_const(st, present != neg, text);
		return;
	}
	case FK_PKTTYPE:
		if (mask || !eqne)
			break;
		snprintf(text, sizeof(text), "%s %s%u", f->name, op_text(op), v[0]);
		add_const(st, (v[0] == 0) != neg, text); /* PACKET_HOST */
		return;
	case FK_UNKNOWN:
		break;
	}
	snprintf(text, sizeof(text), "%s%s %s...", f->name, mask ? " (masked)" : "", op_text(op));
	add_unknown(st, text);
}

/* [lo, hi] of field f (range expression, interval set elements). */
static void
range_field(struct xst *st, const struct field *f, const unsigned char *lo, const unsigned char *hi,
            bool neg)
{
	char text[160];

	if (memcmp(lo, hi, f->len) == 0) {
		cmp_field(st, f, neg ? NFT_CMP_NEQ : NFT_CMP_EQ, lo, NULL);
		return;
	}
	switch (f->k) {
	case FK_SADDR:
	case FK_DADDR:
		if (f->len == addr_bytes(f->fam)) {
			add_addr_interval(st, f, be_num(lo, f->len), be_num(hi, f->len), neg);
			return;
		}
		break;
	case FK_SPORT:
	case FK_DPORT:
		add_port_interval(st, f, be_num(lo, 2), be_num(hi, 2), neg);
		return;
	case FK_TTL:
		add_ttl_interval(st, f, lo[0], hi[0], neg);
		return;
	default:
		break;
	}
	snprintf(text, sizeof(text), "%s %sa range", f->name, neg ? "!= " : "");
	add_unknown(st, text);
}

/* ---- the state of one walk ---- */

static void
action_copy(struct action *dst, const struct action *src)
{
	*dst = *src;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->detail = src->detail ? xstrdup(src->detail) : NULL;
	dst->target_name = src->target_name ? xstrdup(src->target_name) : NULL;
}

static void
action_release(struct action *a)
{
	free(a->name);
	free(a->detail);
	free(a->target_name);
	a->name = a->detail = a->target_name = NULL;
}

static void
xst_copy(struct xst *dst, const struct xst *src)
{
	size_t i;

	*dst = *src;
	dst->r.m = src->r.nmatch ? xreallocarray(NULL, src->r.nmatch, sizeof(*src->r.m)) : NULL;
	for (i = 0; i < src->r.nmatch; i++)
		match_copy(&dst->r.m[i], &src->r.m[i]);
	dst->r.pre = src->r.npre ? xreallocarray(NULL, src->r.npre, sizeof(*src->r.pre)) : NULL;
	for (i = 0; i < src->r.npre; i++)
		action_copy(&dst->r.pre[i], &src->r.pre[i]);
	action_copy(&dst->r.act, &src->r.act);
	dst->r.comment = src->r.comment ? xstrdup(src->r.comment) : NULL;
	dst->unknown = src->unknown ? xstrdup(src->unknown) : NULL;
}

static void
pre_release(struct xst *st)
{
	size_t i;

	for (i = 0; i < st->r.npre; i++)
		action_release(&st->r.pre[i]);
	free(st->r.pre);
	st->r.pre = NULL;
	st->r.npre = 0;
}

static void
xst_release(struct xst *st)
{
	size_t i;

	for (i = 0; i < st->r.nmatch; i++)
		match_release(&st->r.m[i]);
	free(st->r.m);
	pre_release(st);
	action_release(&st->r.act);
	free(st->r.comment);
	free(st->unknown);
	memset(st, 0, sizeof(*st));
}

static void
set_act(struct xst *st, enum action_kind k, const char *name, const char *detail)
{
	action_release(&st->r.act);
	memset(&st->r.act, 0, sizeof(st->r.act));
	st->r.act.kind = k;
	st->r.act.name = name ? xstrdup(name) : NULL;
	st->r.act.detail = detail ? xstrdup(detail) : NULL;
}

static void stmt_unknown(struct xst *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
stmt_unknown(struct xst *st, const char *fmt, ...)
{
	va_list ap;

	if (st->unknown)
		return;
	va_start(ap, fmt);
	st->unknown = xvasprintf(fmt, ap);
	va_end(ap);
}

/* The model rule: the state's matches, statements and action move into it. */
static void
emit(struct xl *x, struct xst *st)
{
	struct rule *r = chain_add_rule(x->c, x->loc);

	r->m = st->r.m;
	r->nmatch = st->r.nmatch;
	r->pre = st->r.pre;
	r->npre = st->r.npre;
	r->act = st->r.act;
	r->comment = st->r.comment;
	if (st->unknown) {
		/* a statement the model cannot apply: what follows is undecided */
		action_release(&r->act);
		memset(&r->act, 0, sizeof(r->act));
		r->act.kind = A_UNKNOWN;
		r->act.name = st->unknown;
		st->unknown = NULL;
	}
	memset(&st->r, 0, sizeof(st->r));
	x->emitted++;
}

static bool
match_reads_state(const struct match *m)
{
	return m->kind == M_MARK || m->kind == M_CONNMARK || m->kind == M_CTSTATE ||
	       m->kind == M_RATE || m->kind == M_UNKNOWN || m->kind == M_SET;
}

/* A match after a statement that changed the packet: the kernel applied the
 * statement whether or not the rest matches. Exact as two rules (the
 * statement under the matches before it, then the whole rule without it)
 * when no match before it reads what statements change; otherwise the
 * rule's outcome is undecided. */
static void
before_match(struct xl *x, struct xst *st)
{
	struct xst part;
	size_t i;

	if (!st->changed)
		return;
	for (i = 0; i < st->r.nmatch; i++)
		if (match_reads_state(&st->r.m[i])) {
			stmt_unknown(st, "a statement before a match (%s)", st->r.m[i].text);
			st->changed = false;
			return;
		}
	xst_copy(&part, st);
	set_act(&part, A_CONTINUE, NULL, NULL);
	emit(x, &part);
	xst_release(&part);
	pre_release(st);
	st->changed = false;
}

static struct action *
add_pre(struct xst *st, enum action_kind k)
{
	st->changed = true;
	return rule_add_pre(&st->r, k);
}

/* ---- the walk ---- */

static void walk(struct xl *x, struct xst *st, size_t i);

enum step {
	GO,     /* on to the next expression */
	FORKED, /* the alternatives were walked from the next expression */
	ENDS    /* the rest of the rule is not reached */
};

static const struct slot *
sreg_slot(struct xst *st, const struct nftnl_expr *e, uint16_t attr)
{
	return reg_at(st, (uint32_t)eu(e, attr));
}

static enum step
ex_payload(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	uint32_t base = (uint32_t)eu(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = (uint32_t)eu(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = (uint32_t)eu(e, NFTNL_EXPR_PAYLOAD_LEN);
	struct slot *s;

	(void)x;
	(void)i;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG)) {
		s = load(st, (uint32_t)eu(e, NFTNL_EXPR_PAYLOAD_DREG), S_PAYLOAD, len);
		if (s) {
			s->base = (uint8_t)base;
			s->off = off;
		}
		return GO;
	}
	/* a write: addresses, protocol, ports and flags are what the model
	 * reads; a DSCP or TTL rewrite changes none of them */
	if ((base == NFT_PAYLOAD_NETWORK_HEADER && off + len > 9 && off < 40) ||
	    (base == NFT_PAYLOAD_TRANSPORT_HEADER && (off < 4 || (off <= 13 && off + len > 13))))
		stmt_unknown(st, "payload set (%s header + %u)",
		             base == NFT_PAYLOAD_NETWORK_HEADER ? "network" : "transport", off);
	return GO;
}

static enum step
ex_meta(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	uint32_t key = (uint32_t)eu(e, NFTNL_EXPR_META_KEY);
	const struct slot *src;
	struct action *a;

	(void)i;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG)) {
		static const uint8_t lens[] = {
		    [NFT_META_PROTOCOL] = 2,       [NFT_META_IIFNAME] = IFNAMSIZ,
		    [NFT_META_OIFNAME] = IFNAMSIZ, [NFT_META_NFPROTO] = 1,
		    [NFT_META_L4PROTO] = 1,        [NFT_META_PKTTYPE] = 1,
		};
		uint32_t len = key < ARRAY_LEN(lens) && lens[key] ? lens[key] : 4;
		struct slot *s = load(st, (uint32_t)eu(e, NFTNL_EXPR_META_DREG), S_META, len);

		if (s)
			s->key = key;
		return GO;
	}
	if (key != NFT_META_MARK)
		return GO; /* priority, nftrace, secmark...: not read by the model */
	src = sreg_slot(st, e, NFTNL_EXPR_META_SREG);
	(void)x;
	if (src && src->src == S_IMM) {
		a = add_pre(st, A_SETMARK);
		a->value = host32(src->data, 4);
		a->mask = 0xffffffffu;
		a->name = xasprintf("meta mark set 0x%08x", a->value);
	} else if (src && src->src == S_META && src->key == NFT_META_MARK) {
		/* mark = (mark & m) ^ x: the model's (mark & ~mask) ^ value */
		uint32_t m = src->masked ? host32(src->mask, 4) : 0xffffffffu;
		uint32_t xr = src->masked ? host32(src->xor, 4) : 0;

		a = add_pre(st, A_SETMARK);
		a->value = xr;
		a->mask = ~m;
		a->name = xasprintf("meta mark set meta mark & 0x%08x ^ 0x%08x", m, xr);
	} else if (src && src->src == S_CT && src->key == NFT_CT_MARK && !src->masked) {
		a = add_pre(st, A_CONNMARK_RESTORE);
		a->mask = 0xffffffffu;
		a->name = xstrdup("meta mark set ct mark");
	} else {
		stmt_unknown(st, "meta mark set (a computed value)");
	}
	return GO;
}

static enum step
ex_ct(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	uint32_t key = (uint32_t)eu(e, NFTNL_EXPR_CT_KEY);
	const struct slot *src;
	struct action *a;

	(void)x;
	(void)i;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG)) {
		uint32_t len = key == NFT_CT_L3PROTOCOL || key == NFT_CT_PROTOCOL ? 1
		               : key == NFT_CT_LABELS || key == NFT_CT_SRC_IP6 ||
		                       key == NFT_CT_DST_IP6 || key == NFT_CT_SRC ||
		                       key == NFT_CT_DST
		                   ? 16
		                   : 4;
		struct slot *s = load(st, (uint32_t)eu(e, NFTNL_EXPR_CT_DREG), S_CT, len);

		if (s)
			s->key = key;
		return GO;
	}
	if (key != NFT_CT_MARK)
		return GO; /* zone, helper, labels, events...: not read by the model */
	src = sreg_slot(st, e, NFTNL_EXPR_CT_SREG);
	if (src && src->src == S_IMM) {
		a = add_pre(st, A_CONNMARK_SET);
		a->value = host32(src->data, 4);
		a->mask = 0xffffffffu;
		a->name = xasprintf("ct mark set 0x%08x", a->value);
	} else if (src && src->src == S_META && src->key == NFT_META_MARK) {
		/* saving the packet mark: the reply path reads it */
		a = add_pre(st, A_CONNMARK_SAVE);
		a->mask = 0xffffffffu;
		a->name = xstrdup("ct mark set meta mark");
	} else {
		stmt_unknown(st, "ct mark set (a computed value)");
	}
	return GO;
}

static const char *
verdict_name_of(int v)
{
	switch (v) {
	case NF_ACCEPT:
		return "accept";
	case NF_DROP:
		return "drop";
	case NF_QUEUE:
		return "queue";
	case NFT_CONTINUE:
		return "continue";
	case NFT_BREAK:
		return "break";
	case NFT_JUMP:
		return "jump";
	case NFT_GOTO:
		return "goto";
	case NFT_RETURN:
		return "return";
	default:
		return "?";
	}
}

/* A verdict into st's action; false when the rule ends without one (break). */
static bool
set_verdict(struct xl *x, struct xst *st, int v, const char *chain)
{
	struct lchain *lc;

	switch (v) {
	case NF_ACCEPT:
		set_act(st, A_ACCEPT, "accept", NULL);
		return true;
	case NF_DROP:
		set_act(st, A_DROP, "drop", NULL);
		return true;
	case NFT_RETURN:
		set_act(st, A_RETURN, "return", NULL);
		return true;
	case NFT_CONTINUE:
		set_act(st, A_CONTINUE, NULL, NULL);
		return true;
	case NFT_BREAK:
		set_act(st, A_CONTINUE, NULL, NULL);
		return false;
	case NF_QUEUE:
		set_act(st, A_QUEUE, "queue", NULL);
		return true;
	case NFT_JUMP:
	case NFT_GOTO:
		set_act(st, v == NFT_JUMP ? A_JUMP : A_GOTO, chain ? chain : "?", NULL);
		st->r.act.target_name = xstrdup(chain ? chain : "?");
		lc = chain ? find_chain(x->t, chain) : NULL;
		st->r.act.target = lc ? lc->c : NULL;
		return true;
	default:
		set_act(st, A_UNKNOWN, "verdict", NULL);
		st->r.act.detail = xasprintf("verdict %d", v);
		return true;
	}
}

static enum step
ex_immediate(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	uint32_t dreg = (uint32_t)eu(e, NFTNL_EXPR_IMM_DREG);
	uint32_t len;
	const unsigned char *d;
	struct slot *s;

	(void)i;
	if (dreg == NFT_REG_VERDICT) {
		int v = (int)eu(e, NFTNL_EXPR_IMM_VERDICT);
		const char *chain = nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN)
		                        ? nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN)
		                        : NULL;

		return set_verdict(x, st, v, chain) ? GO : ENDS;
	}
	d = edata(e, NFTNL_EXPR_IMM_DATA, &len);
	s = load(st, dreg, S_IMM, len);
	if (s && d)
		memcpy(s->data, d, len < sizeof(s->data) ? len : sizeof(s->data));
	return GO;
}

static enum step
ex_bitwise(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	uint32_t len = (uint32_t)eu(e, NFTNL_EXPR_BITWISE_LEN);
	uint32_t op = nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP)
	                  ? (uint32_t)eu(e, NFTNL_EXPR_BITWISE_OP)
	                  : NFT_BITWISE_BOOL;
	const struct slot *src = sreg_slot(st, e, NFTNL_EXPR_BITWISE_SREG);
	struct slot in;
	struct slot *d;
	const unsigned char *mask;
	const unsigned char *xr;
	uint32_t mlen;
	uint32_t xlen;
	uint32_t k;

	(void)x;
	(void)i;
	if (src == NULL || src->src == S_NONE || src->src == S_CONT || op != NFT_BITWISE_BOOL ||
	    len > 16 || len != src->len) {
		load_other(st, (uint32_t)eu(e, NFTNL_EXPR_BITWISE_DREG), len,
		           op == NFT_BITWISE_BOOL ? "a masked value" : "a shifted value");
		return GO;
	}
	in = *src;
	mask = edata(e, NFTNL_EXPR_BITWISE_MASK, &mlen);
	xr = edata(e, NFTNL_EXPR_BITWISE_XOR, &xlen);
	if (mask == NULL || xr == NULL || mlen < len || xlen < len) {
		load_other(st, (uint32_t)eu(e, NFTNL_EXPR_BITWISE_DREG), len, "a masked value");
		return GO;
	}
	d = load(st, (uint32_t)eu(e, NFTNL_EXPR_BITWISE_DREG), in.src, len);
	if (d == NULL)
		return GO;
	*d = in;
	/* ((v & m1) ^ x1) & m2 ^ x2 = (v & m1 & m2) ^ ((x1 & m2) ^ x2) */
	for (k = 0; k < len; k++) {
		unsigned char m1 = in.masked ? in.mask[k] : 0xff;
		unsigned char x1 = in.masked ? in.xor [k] : 0;

		d->mask[k] = m1 & mask[k];
		d->xor [k] = (unsigned char)((x1 & mask[k]) ^ xr[k]);
	}
	d->masked = true;
	if (in.src == S_IMM)
		for (k = 0; k < len; k++)
			d->data[k] = (unsigned char)((in.data[k] & mask[k]) ^ xr[k]);
	return GO;
}

static bool
xor_zero(const struct slot *s)
{
	unsigned k;

	for (k = 0; k < s->len; k++)
		if (s->masked && s->xor [k])
			return false;
	return true;
}

static enum step
ex_cmp(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	const struct slot *s = sreg_slot(st, e, NFTNL_EXPR_CMP_SREG);
	uint32_t op = (uint32_t)eu(e, NFTNL_EXPR_CMP_OP);
	uint32_t dlen;
	const unsigned char *d = edata(e, NFTNL_EXPR_CMP_DATA, &dlen);
	struct field f[MAX_FIELDS];
	size_t nf;
	size_t k;
	char text[160];

	(void)i;
	before_match(x, st);
	nf = describe(st, s, dlen, f, MAX_FIELDS);
	if (d == NULL || f[0].k == FK_UNKNOWN || !xor_zero(s)) {
		snprintf(text, sizeof(text), "%s %s...", f[0].name, op_text(op));
		add_unknown(st, text);
		return GO;
	}
	if (nf == 1) {
		cmp_field(st, &f[0], op, d, s->masked ? s->mask : NULL);
		return GO;
	}
	if (op != NFT_CMP_EQ) {
		snprintf(text, sizeof(text), "%s . ... %s...", f[0].name, op_text(op));
		add_unknown(st, text);
		return GO;
	}
	for (k = 0; k < nf; k++)
		cmp_field(st, &f[k], NFT_CMP_EQ, d + f[k].off, NULL);
	return GO;
}

static enum step
ex_range(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	const struct slot *s = sreg_slot(st, e, NFTNL_EXPR_RANGE_SREG);
	uint32_t op = (uint32_t)eu(e, NFTNL_EXPR_RANGE_OP);
	uint32_t flen;
	uint32_t tlen;
	const unsigned char *from = edata(e, NFTNL_EXPR_RANGE_FROM_DATA, &flen);
	const unsigned char *to = edata(e, NFTNL_EXPR_RANGE_TO_DATA, &tlen);
	struct field f[MAX_FIELDS];
	size_t nf;
	char text[160];

	(void)i;
	before_match(x, st);
	nf = describe(st, s, flen, f, MAX_FIELDS);
	if (nf != 1 || from == NULL || to == NULL || flen != tlen || s->masked ||
	    f[0].k == FK_UNKNOWN) {
		snprintf(text, sizeof(text), "%s %sa range", f[0].name,
		         op == NFT_RANGE_NEQ ? "!= " : "");
		add_unknown(st, text);
		return GO;
	}
	range_field(st, &f[0], from, to, op == NFT_RANGE_NEQ);
	return GO;
}

/* ---- lookups ---- */

/* The fields of a set key: one load per 32-bit-aligned register from sreg. */
static size_t
key_fields(struct xst *st, uint32_t sreg, uint32_t klen, struct field *f, unsigned *pos, size_t max)
{
	int i = slot_of(sreg);
	uint32_t done = 0;
	size_t nf = 0;

	if (i < 0)
		return 0;
	while (done < klen) {
		const struct slot *s = i < NSLOT ? &st->reg[i] : NULL;
		unsigned words;

		if (s == NULL || nf == max || s->src == S_NONE || s->src == S_CONT)
			return 0;
		if (describe(st, s, s->len, &f[nf], 1) != 1 || (s->masked && !xor_zero(s)))
			return 0;
		if (s->masked) /* a masked key is not the field's value */
			unknown_field(&f[nf], "%s (masked)", f[nf].name);
		pos[nf] = done;
		words = (s->len + 3u) / 4u;
		done += words * 4;
		i += (int)words;
		nf++;
	}
	return done == klen || (nf == 1 && f[0].len == klen) ? nf : 0;
}

enum km {
	KM_OK,    /* matches added */
	KM_SPLIT, /* one alternative per element is needed */
};

static char *
ifname_of(const unsigned char *p, unsigned n)
{
	char buf[IFNAMSIZ + 2];
	bool wild;

	return xstrdup(ifname_text(buf, sizeof(buf), p, n, &wild));
}

/* A model set holding items idx[0..n) (every item when idx is NULL) of s,
 * keyed by fields f: addresses, ports and interface names, up to what an
 * ipset can hold (two addresses, a port, an interface). */
static struct ipset *
model_set(struct xl *x, const struct lset *s, const struct field *f, const unsigned *pos, size_t nf,
          const size_t *idx, size_t n, const char *name)
{
	struct ipset *m = origin_add_set(x->lv->dst, name, (struct loc){s->file, 0});
	size_t i;
	size_t k;

	free(m->type);
	m->type = xstrdup("nft set");
	m->fam = FAM_V4;
	m->ndim = (unsigned)nf;
	for (k = 0; k < nf; k++) {
		m->dim[k] = f[k].k == FK_SADDR || f[k].k == FK_DADDR   ? DIM_ADDR
		            : f[k].k == FK_SPORT || f[k].k == FK_DPORT ? DIM_PORT
		                                                       : DIM_IFACE;
		if (m->dim[k] == DIM_ADDR)
			m->fam = f[k].fam;
	}
	for (i = 0; i < n; i++) {
		size_t it = idx ? idx[i] : i;
		const unsigned char *lo = s->lo + it * s->klen;
		const unsigned char *hi = s->hi + it * s->klen;
		struct set_elem e;
		unsigned naddr = 0;

		memset(&e, 0, sizeof(e));
		for (k = 0; k < nf; k++) {
			const unsigned char *l = lo + pos[k];
			const unsigned char *h = hi + pos[k];

			switch (m->dim[k]) {
			case DIM_ADDR:
				if (naddr++ == 0) {
					e.lo = be_num(l, f[k].len);
					e.hi = be_num(h, f[k].len);
				} else {
					e.lo2 = be_num(l, f[k].len);
					e.hi2 = be_num(h, f[k].len);
				}
				break;
			case DIM_PORT:
				e.plo = (uint16_t)be_num(l, 2);
				e.phi = (uint16_t)be_num(h, 2);
				break;
			default:
				e.iface = ifname_of(l, f[k].len);
				break;
			}
		}
		set_add_elem(m, &e);
	}
	return m;
}

static void
add_set_match(struct xst *st, struct ipset *set, const struct field *f, size_t nf, bool neg,
              const char *text)
{
	struct match *m = add_m(st, M_SET, neg, "%s", text);
	size_t k;

	m->u.set.set = set;
	m->u.set.name = xstrdup(set->name);
	m->u.set.ndir = (unsigned)nf;
	for (k = 0; k < nf; k++)
		m->u.set.dir[k] = f[k].k == FK_SADDR || f[k].k == FK_SPORT || f[k].k == FK_IIFNAME
		                      ? SD_SRC
		                      : SD_DST;
}

static unsigned
dims_sig(const struct field *f, size_t nf)
{
	unsigned sig = (unsigned)nf;
	size_t k;

	for (k = 0; k < nf; k++)
		sig = sig * 31 + (unsigned)f[k].k * 7 + (unsigned)f[k].fam;
	return sig;
}

/* The keys idx[0..n) of s (every one when idx is NULL) as matches on fields
 * f: KM_SPLIT when the model needs one rule per key. */
static enum km
key_match(struct xl *x, struct xst *st, struct lset *s, const struct field *f, const unsigned *pos,
          size_t nf, const size_t *idx, size_t n, bool neg, const char *what)
{
	char text[256];
	size_t i;
	size_t k;
	unsigned naddr = 0;
	unsigned nport = 0;
	unsigned niface = 0;
	bool whole = idx == NULL;

	snprintf(text, sizeof(text), "%s%s %s%s", f[0].name, nf > 1 ? " . ..." : "",
	         neg ? "!= " : "", what);
	for (k = 0; k < nf; k++) {
		if (f[k].k == FK_UNKNOWN) {
			add_unknown(st, text);
			return KM_OK;
		}
		naddr += f[k].k == FK_SADDR || f[k].k == FK_DADDR;
		nport += f[k].k == FK_SPORT || f[k].k == FK_DPORT;
		niface += f[k].k == FK_IIFNAME || f[k].k == FK_OIFNAME;
	}
	if (n == 0) { /* an empty set holds no key */
		add_const(st, neg, text);
		return KM_OK;
	}
	if (nf == 1) {
		const struct field *f0 = &f[0];

		switch (f0->k) {
		case FK_SADDR:
		case FK_DADDR:
			if (f0->len != addr_bytes(f0->fam))
				break;
			if (whole && (s->flags & NFT_SET_ANONYMOUS) == 0 &&
			    !(s->flags & NFT_SET_MAP)) {
				if (s->model == NULL || s->model_sig != dims_sig(f, nf)) {
					s->model =
					    model_set(x, s, f, pos, nf, NULL, s->nitem, s->file);
					s->model_sig = dims_sig(f, nf);
				}
				add_set_match(st, s->model, f, nf, neg, text);
				return KM_OK;
			}
			{
				struct match *m = add_m(st, f0->k == FK_SADDR ? M_SADDR : M_DADDR,
				                        neg, "%s", text);

				ivset_init(&m->u.addrs, f0->fam);
				for (i = 0; i < n; i++) {
					size_t it = idx ? idx[i] : i;

					ivset_add(&m->u.addrs,
					          be_num(s->lo + it * s->klen, f0->len),
					          be_num(s->hi + it * s->klen, f0->len));
				}
			}
			return KM_OK;
		case FK_SPORT:
		case FK_DPORT: {
			struct match *m =
			    add_m(st, f0->k == FK_SPORT ? M_SPORT : M_DPORT, neg, "%s", text);

			m->u.ports.n = n;
			m->u.ports.v = xreallocarray(NULL, n, sizeof(*m->u.ports.v));
			for (i = 0; i < n; i++) {
				size_t it = idx ? idx[i] : i;

				m->u.ports.v[i].lo = (uint16_t)be_num(s->lo + it * s->klen, 2);
				m->u.ports.v[i].hi = (uint16_t)be_num(s->hi + it * s->klen, 2);
			}
			return KM_OK;
		}
		case FK_CTSTATE:
		case FK_FIBTYPE:
		case FK_NFPROTO:
		case FK_ETHERTYPE: {
			/* one value per packet: the set is the union of bits */
			unsigned bits = 0;
			struct match *m;

			for (i = 0; i < n; i++) {
				size_t it = idx ? idx[i] : i;
				const unsigned char *l = s->lo + it * s->klen;

				if (memcmp(l, s->hi + it * s->klen, s->klen) != 0) {
					add_unknown(st, text);
					return KM_OK;
				}
				if (f0->k == FK_CTSTATE)
					bits |= ctstate_model(host32(l, 4));
				else if (f0->k == FK_FIBTYPE)
					bits |= host32(l, 4) < 32 ? 1u << host32(l, 4) : 0;
				else if (f0->k == FK_NFPROTO)
					bits |= l[0] == NFPROTO_IPV4   ? FAM_BIT(FAM_V4)
					        : l[0] == NFPROTO_IPV6 ? FAM_BIT(FAM_V6)
					                               : 0;
				else
					bits |= be_num(l, 2) == 0x0800   ? FAM_BIT(FAM_V4)
					        : be_num(l, 2) == 0x86dd ? FAM_BIT(FAM_V6)
					                                 : 0;
			}
			if (f0->k == FK_CTSTATE) {
				add_ctstate(st, bits, neg, text);
			} else if (f0->k == FK_FIBTYPE) {
				m = add_m(st, M_ADDRTYPE, neg, "%s", text);
				if (f0->src)
					m->u.addrtype.src = bits;
				else
					m->u.addrtype.dst = bits;
			} else {
				m = add_m(st, M_FAMILY, neg, "%s", text);
				m->u.bits = bits;
				if (!neg)
					st->fams &= bits;
			}
			return KM_OK;
		}
		default:
			break;
		}
	}
	if (naddr + nport + niface == nf && naddr <= 2 && nport <= 1 && niface <= 1 &&
	    (niface == 0 || nf > 1 || n > 1)) {
		/* addresses, ports and interface names: a model set */
		bool fams_ok = true;

		for (k = 1; k < nf; k++)
			if ((f[k].k == FK_SADDR || f[k].k == FK_DADDR) &&
			    (f[0].k == FK_SADDR || f[0].k == FK_DADDR) && f[k].fam != f[0].fam)
				fams_ok = false;
		for (k = 0; k < nf; k++)
			if ((f[k].k == FK_SADDR || f[k].k == FK_DADDR) &&
			    f[k].len != addr_bytes(f[k].fam))
				fams_ok = false;
		if (fams_ok) {
			struct ipset *set;

			if (whole && !(s->flags & NFT_SET_MAP)) {
				if (s->model == NULL || s->model_sig != dims_sig(f, nf)) {
					s->model =
					    model_set(x, s, f, pos, nf, NULL, s->nitem, s->file);
					s->model_sig = dims_sig(f, nf);
				}
				set = s->model;
			} else {
				char *name = xasprintf("%s (%s)", s->file, what);

				set = model_set(x, s, f, pos, nf, idx, n, name);
				free(name);
			}
			add_set_match(st, set, f, nf, neg, text);
			return KM_OK;
		}
	}
	if (n == 1) {
		size_t it = idx ? idx[0] : 0;

		if (neg && nf > 1) { /* not (a and b): not one match */
			add_unknown(st, text);
			return KM_OK;
		}
		for (k = 0; k < nf; k++)
			range_field(st, &f[k], s->lo + it * s->klen + pos[k],
			            s->hi + it * s->klen + pos[k], neg);
		return KM_OK;
	}
	if (neg) {
		if (nf > 1) {
			add_unknown(st, text);
			return KM_OK;
		}
		/* outside every key: each one negated */
		for (i = 0; i < n; i++) {
			size_t it = idx ? idx[i] : i;

			range_field(st, &f[0], s->lo + it * s->klen, s->hi + it * s->klen, true);
		}
		return KM_OK;
	}
	return KM_SPLIT;
}

struct group {
	const struct lval *v;
	size_t n;
	size_t cap;
	size_t *idx;
};

static bool
lval_same(const struct lval *a, const struct lval *b, bool verdict)
{
	if (verdict)
		return a->verdict == b->verdict &&
		       ((a->chain == NULL && b->chain == NULL) ||
		        (a->chain && b->chain && strcmp(a->chain, b->chain) == 0));
	return a->dlen == b->dlen && memcmp(a->data, b->data, a->dlen) == 0;
}

static void
verdict_text(char *buf, size_t cap, const struct lval *v, bool verdict)
{
	if (!verdict) {
		unsigned k;
		size_t len = 0;

		len += (size_t)snprintf(buf, cap, "0x");
		for (k = 0; k < v->dlen && len + 3 < cap; k++)
			len += (size_t)snprintf(buf + len, cap - len, "%02x", v->data[k]);
		return;
	}
	snprintf(buf, cap, "%s%s%s", verdict_name_of(v->verdict), v->chain ? " " : "",
	         v->chain ? v->chain : "");
}

/* What a map element gives: the verdict, or the value in dreg. */
static bool
apply_value(struct xl *x, struct xst *st, uint32_t dreg, const struct lval *v, uint32_t dlen)
{
	struct slot *s;

	if (dreg == NFT_REG_VERDICT)
		return set_verdict(x, st, v->verdict, v->chain);
	s = load(st, dreg, S_IMM, dlen);
	if (s)
		memcpy(s->data, v->data, v->dlen < sizeof(s->data) ? v->dlen : sizeof(s->data));
	return true;
}

static void
walk_alt(struct xl *x, const struct xst *st, struct lset *s, const struct field *f,
         const unsigned *pos, size_t nf, const size_t *idx, size_t n, bool neg,
         const struct lval *v, uint32_t dreg, size_t next)
{
	struct xst alt;
	char what[96];
	char vt[64];
	size_t i;
	bool goes = true;

	vt[0] = '\0';
	if (v)
		verdict_text(vt, sizeof(vt), v, dreg == NFT_REG_VERDICT);
	snprintf(what, sizeof(what), "@%s%s%s%s", s->name, v ? " (" : "", vt, v ? ")" : "");
	xst_copy(&alt, st);
	if (key_match(x, &alt, s, f, pos, nf, idx, n, neg, what) == KM_SPLIT) {
		if (x->emitted + n <= MAX_EXPAND) {
			/* one alternative per key */
			xst_release(&alt);
			for (i = 0; i < n; i++)
				walk_alt(x, st, s, f, pos, nf, &idx[i], 1, false, v, dreg, next);
			return;
		}
		/* too many rules: the keys stay a match the evaluator cannot
		 * decide, in front of what they lead to */
		add_unknown(&alt, what);
	}
	if (v)
		goes = apply_value(x, &alt, dreg, v, s->dlen);
	if (goes)
		walk(x, &alt, next);
	else
		emit(x, &alt);
	xst_release(&alt);
}

static enum step
ex_lookup(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	struct lset *s = name ? find_lset(x->t, name) : NULL;
	bool neg = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
	           (eu(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV);
	bool map = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG);
	uint32_t dreg = map ? (uint32_t)eu(e, NFTNL_EXPR_LOOKUP_DREG) : 0;
	struct field f[MAX_FIELDS];
	unsigned pos[MAX_FIELDS];
	size_t nf;
	char what[96];
	char text[320];
	struct group *g = NULL;
	size_t ng = 0;
	size_t gcap = 0;
	size_t k;
	bool verdict;
	size_t *all;

	before_match(x, st);
	if (s == NULL) {
		snprintf(text, sizeof(text), "lookup in @%s (not listed)", name ? name : "?");
		add_unknown(st, text);
		if (map)
			stmt_unknown(st, "map @%s (not listed)", name ? name : "?");
		return GO;
	}
	snprintf(what, sizeof(what), "@%s", s->name);
	nf = key_fields(st, (uint32_t)eu(e, NFTNL_EXPR_LOOKUP_SREG), s->klen, f, pos, MAX_FIELDS);
	if (nf == 0) {
		snprintf(text, sizeof(text), "a key of @%s", s->name);
		unknown_field(&f[0], "%s", text);
		nf = 1;
		pos[0] = 0;
	}
	if (!map) {
		all = xreallocarray(NULL, s->nitem ? s->nitem : 1, sizeof(*all));
		for (k = 0; k < s->nitem; k++)
			all[k] = k;
		if (key_match(x, st, s, f, pos, nf, NULL, s->nitem, neg, what) == KM_OK) {
			free(all);
			return GO;
		}
		if (x->emitted + s->nitem > MAX_EXPAND) {
			snprintf(text, sizeof(text), "%s %s (%zu keys: too many rules to expand)",
			         f[0].name, what, s->nitem);
			add_unknown(st, text);
			free(all);
			return GO;
		}
		for (k = 0; k < s->nitem; k++)
			walk_alt(x, st, s, f, pos, nf, &all[k], 1, false, NULL, 0, i + 1);
		free(all);
		return FORKED;
	}
	/* a map: the elements grouped by what they give */
	verdict = dreg == NFT_REG_VERDICT;
	if (neg || (verdict && s->dtype != NFT_DATA_VERDICT) || (s->val == NULL && s->nitem > 0)) {
		if (s->nitem == 0 && !s->has_catchall) {
			add_const(st, false, what); /* an empty map: no key is found */
			return GO;
		}
		snprintf(text, sizeof(text), "%s map %s", f[0].name, what);
		add_unknown(st, text);
		stmt_unknown(st, "map %s", what);
		return GO;
	}
	for (k = 0; k < s->nitem; k++) {
		size_t j;

		for (j = 0; j < ng; j++)
			if (lval_same(g[j].v, &s->val[k], verdict))
				break;
		if (j == ng) {
			if (ng == MAX_GROUPS)
				break;
			if (ng == gcap) {
				gcap = gcap ? gcap * 2 : 8;
				g = xreallocarray(g, gcap, sizeof(*g));
			}
			memset(&g[ng], 0, sizeof(g[ng]));
			g[ng].v = &s->val[k];
			ng++;
		}
		VEC_PUSH(g[j].idx, g[j].n, g[j].cap, k);
	}
	if (k < s->nitem || x->emitted + ng > MAX_EXPAND) {
		snprintf(text, sizeof(text), "%s map %s (too many values to expand)", f[0].name,
		         what);
		add_unknown(st, text);
		stmt_unknown(st, "map %s", what);
		for (k = 0; k < ng; k++)
			free(g[k].idx);
		free(g);
		return GO;
	}
	for (k = 0; k < ng; k++)
		walk_alt(x, st, s, f, pos, nf, g[k].idx, g[k].n, false, g[k].v, dreg, i + 1);
	if (s->has_catchall) {
		/* every key the elements do not hold */
		all = xreallocarray(NULL, s->nitem ? s->nitem : 1, sizeof(*all));
		for (k = 0; k < s->nitem; k++)
			all[k] = k;
		walk_alt(x, st, s, f, pos, nf, all, s->nitem, true, &s->catchall, dreg, i + 1);
		free(all);
	}
	for (k = 0; k < ng; k++)
		free(g[k].idx);
	free(g);
	/* a key in no element: the rule does not match (no rule) */
	return FORKED;
}

/* ---- stateful and terminal expressions ---- */

static void
add_rate(struct xst *st, bool over, const char *text)
{
	struct match *m = add_m(st, M_RATE, false, "%s", text);

	/* "over": matches under Cloudflare's concentrated load */
	m->u.rate.light = !over;
	m->u.rate.heavy = over;
}

static void
limit_text(char *buf, size_t cap, const struct nftnl_expr *e)
{
	static const struct {
		uint64_t secs;
		const char *name;
	} units[] = {
	    {1, "second"}, {60, "minute"}, {3600, "hour"}, {86400, "day"}, {604800, "week"}};
	uint64_t unit = eu(e, NFTNL_EXPR_LIMIT_UNIT);
	const char *uname = "?";
	size_t k;

	for (k = 0; k < ARRAY_LEN(units); k++)
		if (units[k].secs == unit)
			uname = units[k].name;
	snprintf(buf, cap, "limit rate %s%llu%s/%s burst %u",
	         (eu(e, NFTNL_EXPR_LIMIT_FLAGS) & NFT_LIMIT_F_INV) ? "over " : "",
	         (unsigned long long)eu(e, NFTNL_EXPR_LIMIT_RATE),
	         eu(e, NFTNL_EXPR_LIMIT_TYPE) == NFT_LIMIT_PKT_BYTES ? " bytes" : "", uname,
	         (unsigned)eu(e, NFTNL_EXPR_LIMIT_BURST));
}

/* limit, connlimit (ct count), quota: one rate condition each. */
static bool
stateful_match(struct xst *st, const struct nftnl_expr *e, const char *name, const char *where)
{
	char text[160];

	if (strcmp(name, "limit") == 0) {
		size_t n = (size_t)snprintf(text, sizeof(text), "%s", where);

		limit_text(text + n, sizeof(text) - n, e);
		add_rate(st, eu(e, NFTNL_EXPR_LIMIT_FLAGS) & NFT_LIMIT_F_INV, text);
		return true;
	}
	if (strcmp(name, "connlimit") == 0) {
		bool over = eu(e, NFTNL_EXPR_CONNLIMIT_FLAGS) & NFT_CONNLIMIT_F_INV;

		snprintf(text, sizeof(text), "%sct count %s%u", where, over ? "over " : "",
		         (unsigned)eu(e, NFTNL_EXPR_CONNLIMIT_COUNT));
		add_rate(st, over, text);
		return true;
	}
	if (strcmp(name, "quota") == 0) {
		bool over = eu(e, NFTNL_EXPR_QUOTA_FLAGS) & NFT_QUOTA_F_INV;
		struct match *m;

		snprintf(text, sizeof(text), "%squota %s%llu bytes", where, over ? "over " : "",
		         (unsigned long long)eu(e, NFTNL_EXPR_QUOTA_BYTES));
		/* as -m quota in parse_iptables.c: "over" is its negation */
		m = add_m(st, M_RATE, over, "%s", text);
		m->u.rate.light = true;
		m->u.rate.heavy = false;
		return true;
	}
	return false;
}

static enum step
ex_stateful(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	(void)i;
	before_match(x, st);
	stateful_match(st, e, nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "");
	return GO;
}

/* dynset: add/update the key in a set (a meter), with the expressions it
 * carries evaluated per key: a meter's limit is a rate condition. */
struct dyn {
	struct xst *st;
	char where[96];
	unsigned n;
};

static int
dyn_expr(struct nftnl_expr *inner, void *arg)
{
	struct dyn *d = arg;
	const char *iname = nftnl_expr_get_str(inner, NFTNL_EXPR_NAME);
	char text[160];

	d->n++;
	if (iname && stateful_match(d->st, inner, iname, d->where))
		return 0;
	if (iname && (strcmp(iname, "counter") == 0 || strcmp(iname, "last") == 0))
		return 0;
	snprintf(text, sizeof(text), "%s%s", d->where, iname ? iname : "?");
	add_unknown(d->st, text);
	return 0;
}

static enum step
ex_dynset(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	const char *set = nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME);
	struct dyn d;

	(void)i;
	before_match(x, st);
	memset(&d, 0, sizeof(d));
	d.st = st;
	snprintf(d.where, sizeof(d.where), "meter @%s: ", set ? set : "?");
	nftnl_expr_expr_foreach(e, dyn_expr, &d);
	if (d.n == 0) /* adding the key always succeeds (as recent --set) */
		add_const(st, true, d.where);
	return GO;
}

static enum step
ex_objref(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	const char *name = nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_IMM_NAME)
	                       ? nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME)
	                       : NULL;
	uint32_t type = (uint32_t)eu(e, NFTNL_EXPR_OBJREF_IMM_TYPE);
	const struct lobj *ob;
	char text[160];

	(void)i;
	if (name == NULL) { /* an object map: which object depends on the packet */
		before_match(x, st);
		add_unknown(st, "a stateful object chosen by a map");
		return GO;
	}
	switch (type) {
	case NFT_OBJECT_LIMIT:
	case NFT_OBJECT_QUOTA:
	case NFT_OBJECT_CONNLIMIT:
		before_match(x, st);
		ob = find_obj(x->t, name, type);
		if (ob == NULL || type == NFT_OBJECT_CONNLIMIT) {
			snprintf(text, sizeof(text), "%s name \"%s\"",
			         type == NFT_OBJECT_LIMIT   ? "limit"
			         : type == NFT_OBJECT_QUOTA ? "quota"
			                                    : "ct count",
			         name);
			add_unknown(st, text);
			return GO;
		}
		if (type == NFT_OBJECT_LIMIT) {
			snprintf(text, sizeof(text), "limit name \"%s\"%s", name,
			         (ob->flags & NFT_LIMIT_F_INV) ? " (over)" : "");
			add_rate(st, ob->flags & NFT_LIMIT_F_INV, text);
		} else {
			struct match *m;

			snprintf(text, sizeof(text), "quota name \"%s\"%s", name,
			         (ob->flags & NFT_QUOTA_F_INV) ? " (over)" : "");
			m = add_m(st, M_RATE, ob->flags & NFT_QUOTA_F_INV, "%s", text);
			m->u.rate.light = true;
		}
		return GO;
	case NFT_OBJECT_SYNPROXY:
		stmt_unknown(st, "synproxy name \"%s\"", name);
		return GO;
	default: /* counters, ct helpers, timeouts, secmarks: no effect here */
		return GO;
	}
}

static const char *
reject_name(uint32_t type, uint32_t code, unsigned fams)
{
	static const char *const icmpx[] = {"icmpx-no-route", "icmpx-port-unreachable",
	                                    "icmpx-host-unreachable", "icmpx-admin-prohibited"};
	static const char *const icmp4[] = {
	    [0] = "icmp-net-unreachable",   [1] = "icmp-host-unreachable",
	    [2] = "icmp-proto-unreachable", [3] = "icmp-port-unreachable",
	    [9] = "icmp-net-prohibited",    [10] = "icmp-host-prohibited",
	    [13] = "icmp-admin-prohibited",
	};
	static const char *const icmp6[] = {
	    [0] = "icmp6-no-route",         [1] = "icmp6-adm-prohibited",
	    [3] = "icmp6-addr-unreachable", [4] = "icmp6-port-unreachable",
	    [5] = "icmp6-policy-fail",      [6] = "icmp6-reject-route",
	};

	if (type == NFT_REJECT_TCP_RST)
		return "tcp-reset";
	if (type == NFT_REJECT_ICMPX_UNREACH)
		return code < ARRAY_LEN(icmpx) ? icmpx[code] : "icmpx";
	if (fams == FAM_BIT(FAM_V6))
		return code < ARRAY_LEN(icmp6) && icmp6[code] ? icmp6[code] : "icmp6";
	return code < ARRAY_LEN(icmp4) && icmp4[code] ? icmp4[code] : "icmp";
}

static enum step
ex_reject(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	(void)x;
	(void)i;
	set_act(st, A_REJECT, "reject",
	        reject_name((uint32_t)eu(e, NFTNL_EXPR_REJECT_TYPE),
	                    (uint32_t)eu(e, NFTNL_EXPR_REJECT_CODE), st->fams));
	return GO;
}

static bool
imm_port(struct xst *st, const struct nftnl_expr *e, uint16_t attr, uint16_t *port)
{
	const struct slot *s;

	if (!nftnl_expr_is_set(e, attr))
		return true;
	s = reg_at(st, (uint32_t)eu(e, attr));
	if (s == NULL || s->src != S_IMM)
		return false;
	*port = (uint16_t)be_num(s->data, 2);
	return true;
}

static enum step
ex_nat(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	uint32_t type = (uint32_t)eu(e, NFTNL_EXPR_NAT_TYPE);
	uint32_t family = (uint32_t)eu(e, NFTNL_EXPR_NAT_FAMILY);
	enum family fam = family == NFPROTO_IPV6 ? FAM_V6 : FAM_V4;
	struct action *a;
	uint16_t port = 0;

	(void)x;
	(void)i;
	if (type != NFT_NAT_DNAT) {
		/* the source side: the first SYN's verdict is accept */
		set_act(st, A_ACCEPT, "snat", NULL);
		return GO;
	}
	set_act(st, A_DNAT, "dnat", NULL);
	a = &st->r.act;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN)) {
		const struct slot *s = reg_at(st, (uint32_t)eu(e, NFTNL_EXPR_NAT_REG_ADDR_MIN));

		if (s == NULL || s->src != S_IMM) {
			stmt_unknown(st, "dnat to a computed address");
			return GO;
		}
		a->has_addr = true;
		a->to_fam = fam;
		a->to_addr = be_num(s->data, addr_bytes(fam));
	}
	if (!imm_port(st, e, NFTNL_EXPR_NAT_REG_PROTO_MIN, &port)) {
		stmt_unknown(st, "dnat to a computed port");
		return GO;
	}
	a->to_port = port;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MAX) &&
	    eu(e, NFTNL_EXPR_NAT_REG_ADDR_MAX) != eu(e, NFTNL_EXPR_NAT_REG_ADDR_MIN))
		a->detail = xstrdup("address range: the first address is used");
	return GO;
}

static enum step
ex_redir(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	uint16_t port = 0;

	(void)x;
	(void)i;
	set_act(st, A_REDIRECT, "redirect", NULL);
	if (!imm_port(st, e, NFTNL_EXPR_REDIR_REG_PROTO_MIN, &port))
		stmt_unknown(st, "redirect to a computed port");
	st->r.act.to_port = port;
	return GO;
}

static enum step
ex_masq(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	(void)x;
	(void)e;
	(void)i;
	set_act(st, A_ACCEPT, "masquerade", NULL);
	return GO;
}

static enum step
ex_queue(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	(void)x;
	(void)i;
	set_act(st, A_QUEUE, "queue", NULL);
	st->r.act.detail = xasprintf("queue num %u", (unsigned)eu(e, NFTNL_EXPR_QUEUE_NUM));
	return GO;
}

static enum step
ex_notrack(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	(void)x;
	(void)e;
	(void)i;
	add_pre(st, A_NOTRACK)->name = xstrdup("notrack");
	return GO;
}

static enum step
ex_fib(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	uint32_t result = (uint32_t)eu(e, NFTNL_EXPR_FIB_RESULT);
	struct slot *s = load(st, (uint32_t)eu(e, NFTNL_EXPR_FIB_DREG), S_FIB,
	                      result == NFT_FIB_RESULT_OIFNAME ? IFNAMSIZ : 4);

	(void)x;
	(void)i;
	if (s) {
		s->key = result;
		s->flags = (uint32_t)eu(e, NFTNL_EXPR_FIB_FLAGS);
	}
	return GO;
}

static const char *
xt_set_name(void *arg, unsigned index)
{
	const struct live *lv = arg;
	size_t i;

	for (i = 0; i < lv->nipset; i++)
		if (lv->ipsets[i].index == index)
			return lv->ipsets[i].name;
	return NULL;
}

static bool
xt_env_of(struct xl *x, const struct xst *st, struct xt_env *env)
{
	memset(env, 0, sizeof(*env));
	env->set_name = x->lv->have_ipsets ? xt_set_name : NULL;
	env->arg = x->lv;
	return one_family(st->fams, &env->fam);
}

static enum step
ex_xt(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	bool target = strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "target") == 0;
	const char *name = nftnl_expr_get_str(e, target ? NFTNL_EXPR_TG_NAME : NFTNL_EXPR_MT_NAME);
	unsigned rev = (unsigned)eu(e, target ? NFTNL_EXPR_TG_REV : NFTNL_EXPR_MT_REV);
	uint32_t len;
	const void *info = edata(e, target ? NFTNL_EXPR_TG_INFO : NFTNL_EXPR_MT_INFO, &len);
	struct xt_env env;
	char *err = NULL;
	bool ok;

	(void)i;
	if (name == NULL)
		name = "?";
	if (!xt_env_of(x, st, &env)) {
		char text[96];

		snprintf(text, sizeof(text), "xt %s %s (in a table of both families)",
		         target ? "target" : "match", name);
		if (target)
			stmt_unknown(st, "%s", text);
		else
			add_unknown(st, text);
		return GO;
	}
	if (target) {
		struct action a;

		memset(&a, 0, sizeof(a));
		ok = xt_target_decode(&a, &env, name, rev, info, info ? len : 0, &err);
		action_release(&st->r.act);
		st->r.act = a;
		if (!ok) {
			st->r.act.kind = A_UNKNOWN;
			if (st->r.act.name == NULL)
				st->r.act.name = xstrdup(name);
		}
	} else {
		before_match(x, st);
		ok = xt_match_add(&st->r, &env, name, rev, info, info ? len : 0, &err);
		if (!ok) {
			char text[96];

			snprintf(text, sizeof(text), "-m %s (not decoded)", name);
			add_unknown(st, text);
		}
	}
	if (err) {
		input_error(x->lv->in, 0, "%s:%u: %s", x->loc.file, x->loc.line, err);
		free(err);
	}
	return GO;
}

static enum step
ex_nothing(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	(void)x;
	(void)st;
	(void)e;
	(void)i;
	return GO;
}

/* Loads the model cannot read: what they hold is unknown (named). */
static enum step
ex_loader(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	static const struct {
		const char *name;
		uint16_t dreg;
		uint16_t len;
	} loaders[] = {
	    {"exthdr", NFTNL_EXPR_EXTHDR_DREG, NFTNL_EXPR_EXTHDR_LEN},
	    {"hash", NFTNL_EXPR_HASH_DREG, 0},
	    {"numgen", NFTNL_EXPR_NG_DREG, 0},
	    {"osf", NFTNL_EXPR_OSF_DREG, 0},
	    {"rt", NFTNL_EXPR_RT_DREG, 0},
	    {"socket", NFTNL_EXPR_SOCKET_DREG, 0},
	    {"tunnel", NFTNL_EXPR_TUNNEL_DREG, 0},
	    {"xfrm", NFTNL_EXPR_XFRM_DREG, 0},
	};
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	size_t k;

	(void)x;
	(void)i;
	for (k = 0; k < ARRAY_LEN(loaders); k++) {
		if (strcmp(loaders[k].name, name) != 0)
			continue;
		if (nftnl_expr_is_set(e, loaders[k].dreg)) {
			uint32_t len = loaders[k].len ? (uint32_t)eu(e, loaders[k].len) : 4;

			load_other(st, (uint32_t)eu(e, loaders[k].dreg), len ? len : 16,
			           loaders[k].name);
		}
		/* exthdr write (tcp option maxseg size set): no effect here */
		return GO;
	}
	return GO;
}

/* tproxy, synproxy, fwd: the packet goes elsewhere, decided outside. */
static enum step
ex_divert(struct xl *x, struct xst *st, const struct nftnl_expr *e, size_t i)
{
	(void)x;
	(void)i;
	stmt_unknown(st, "%s", nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
	return GO;
}

struct exdef {
	const char *name;
	enum step (*fn)(struct xl *, struct xst *, const struct nftnl_expr *, size_t);
};

static const struct exdef ex_defs[] = {
    {"bitwise", ex_bitwise},
    {"byteorder", NULL},
    {"cmp", ex_cmp},
    {"connlimit", ex_stateful},
    {"counter", ex_nothing},
    {"ct", ex_ct},
    {"dup", ex_nothing},
    {"dynset", ex_dynset},
    {"exthdr", ex_loader},
    {"fib", ex_fib},
    {"flow_offload", ex_nothing},
    {"fwd", ex_divert},
    {"hash", ex_loader},
    {"immediate", ex_immediate},
    {"last", ex_nothing},
    {"limit", ex_stateful},
    {"log", ex_nothing},
    {"lookup", ex_lookup},
    {"masq", ex_masq},
    {"match", ex_xt},
    {"meta", ex_meta},
    {"nat", ex_nat},
    {"notrack", ex_notrack},
    {"numgen", ex_loader},
    {"objref", ex_objref},
    {"osf", ex_loader},
    {"payload", ex_payload},
    {"queue", ex_queue},
    {"quota", ex_stateful},
    {"range", ex_range},
    {"redir", ex_redir},
    {"reject", ex_reject},
    {"rt", ex_loader},
    {"socket", ex_loader},
    {"synproxy", ex_divert},
    {"target", ex_xt},
    {"tproxy", ex_divert},
    {"tunnel", ex_loader},
    {"xfrm", ex_loader},
};

static int
exdef_cmp(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct exdef *)elem)->name);
}

/* For tests/unit/test_xt_compat.c: ex_defs is searched with bsearch. */
bool live_tables_sorted(void);

bool
live_tables_sorted(void)
{
	size_t i;

	for (i = 1; i < ARRAY_LEN(ex_defs); i++)
		if (strcmp(ex_defs[i - 1].name, ex_defs[i].name) >= 0)
			return false;
	return true;
}

static enum step
step(struct xl *x, struct xst *st, size_t i)
{
	const struct nftnl_expr *e = x->e[i];
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const struct exdef *d =
	    name ? bsearch(name, ex_defs, ARRAY_LEN(ex_defs), sizeof(*ex_defs), exdef_cmp) : NULL;
	char text[96];

	if (d && d->fn)
		return d->fn(x, st, e, i);
	if (d) { /* byteorder: the value converted, not a field we read */
		load_other(st, (uint32_t)eu(e, NFTNL_EXPR_BYTEORDER_DREG),
		           (uint32_t)eu(e, NFTNL_EXPR_BYTEORDER_LEN),
		           "a byte-order converted value");
		return GO;
	}
	/* an expression this version does not know: it may be a match */
	before_match(x, st);
	snprintf(text, sizeof(text), "expression \"%s\"", name ? name : "?");
	add_unknown(st, text);
	return GO;
}

static void
walk(struct xl *x, struct xst *st, size_t i)
{
	for (; i < x->ne; i++) {
		switch (step(x, st, i)) {
		case GO:
			continue;
		case FORKED:
			return;
		case ENDS:
			emit(x, st);
			return;
		}
	}
	emit(x, st);
}

static int
expr_collect(struct nftnl_expr *e, void *data)
{
	struct xl *x = data;
	size_t cap = x->ne;

	if ((cap & (cap - 1)) == 0) /* a power of two (or 0): full */
		x->e = xreallocarray(x->e, cap ? cap * 2 : 8, sizeof(*x->e));
	x->e[x->ne++] = e;
	return 0;
}

static void
translate_rule(struct live *lv, struct ltable *t, struct lchain *lc, struct nftnl_rule *nr)
{
	struct xl x;
	struct xst st;

	memset(&x, 0, sizeof(x));
	x.lv = lv;
	x.t = t;
	x.c = lc->c;
	x.loc.file = lc->c->loc.file;
	x.loc.line = (unsigned)nftnl_rule_get_u64(nr, NFTNL_RULE_HANDLE);
	nftnl_expr_foreach(nr, expr_collect, &x);
	memset(&st, 0, sizeof(st));
	st.fams = t->fams;
	st.l4 = -1;
	st.r.act.kind = A_CONTINUE;
	walk(&x, &st, 0);
	xst_release(&st);
	free(x.e);
}

static int
rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct live *lv = arg;
	struct nftnl_rule *nr = nftnl_rule_alloc();
	struct ltable *t;
	struct lchain *lc;

	if (nr == NULL || nftnl_rule_nlmsg_parse(nlh, nr) < 0) {
		live_fail(lv, "a rule could not be decoded");
		goto out;
	}
	t = find_table(lv, nftnl_rule_get_u32(nr, NFTNL_RULE_FAMILY),
	               nftnl_rule_get_str(nr, NFTNL_RULE_TABLE));
	lc = t ? find_chain(t, nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN)) : NULL;
	if (lc == NULL) {
		live_fail(lv, "a rule of a chain that was not listed");
		goto out;
	}
	lc->nrule++;
	lv->nrule++;
	if (lc->c)
		translate_rule(lv, t, lc, nr);
out:
	if (nr)
		nftnl_rule_free(nr);
	return MNL_CB_OK;
}

/* ---- one consistent read of the ruleset ---- */

static int
dump(struct live *lv, uint16_t type, mnl_cb_t cb)
{
	char buf[REQ_SIZE] = {0}; /* attribute padding goes to the kernel too */
	struct nlmsghdr *nlh = nft_request(buf, type, NFPROTO_UNSPEC, NLM_F_DUMP);

	return nl_talk(&lv->nl, nlh, cb, lv);
}

static int
dump_rules(struct live *lv, struct ltable *t, const char *chain)
{
	char buf[REQ_SIZE] = {0}; /* attribute padding goes to the kernel too */
	struct nlmsghdr *nlh = nft_request(buf, NFT_MSG_GETRULE, (uint16_t)t->family, NLM_F_DUMP);

	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, t->name);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	return nl_talk(&lv->nl, nlh, rule_cb, lv);
}

/* Chains the model does not evaluate: noted, or an input error when they
 * could drop Cloudflare's traffic (a base chain on a hook the model does
 * not know, with rules or a drop policy). */
static void
note_unevaluated(struct live *lv, struct buf *notes)
{
	size_t i;
	size_t j;

	for (i = 0; i < lv->ntable; i++) {
		struct ltable *t = lv->tables[i];

		if (t->dormant) {
			buf_addf(notes, "%stable %s %s is dormant (not evaluated)",
			         notes->len ? "; " : "", t->famname, t->name);
			continue;
		}
		if (t->fams == 0) {
			buf_addf(notes, "%stable %s %s: not on the path of Cloudflare's TCP",
			         notes->len ? "; " : "", t->famname, t->name);
			continue;
		}
		for (j = 0; j < t->nchain; j++) {
			const struct lchain *lc = &t->chains[j];

			if (!lc->unknown_hook)
				continue;
			if (lc->nrule > 0 || lc->drop_policy)
				input_error(lv->in, 0,
				            "nft:%s/%s/%s: a chain on hook %u (%zu rule%s, policy "
				            "%s) is not evaluated: the audit does not know that hook",
				            t->famname, t->name, lc->name, lc->hook, lc->nrule,
				            lc->nrule == 1 ? "" : "s", lc->drop_policy ? "drop" : "accept");
			else
				buf_addf(notes, "%sempty chain nft:%s/%s/%s on hook %u (not evaluated)",
				         notes->len ? "; " : "", t->famname, t->name, lc->name,
				         lc->hook);
		}
	}
}

/* 0 read, -1 failed (errno), 1 changed while read (try again). */
static int
nft_attempt(struct live *lv)
{
	uint32_t gen0;
	uint32_t gen1;
	size_t i;
	size_t j;

	if (get_gen(lv, &gen0) < 0 || dump(lv, NFT_MSG_GETTABLE, table_cb) < 0 ||
	    dump(lv, NFT_MSG_GETCHAIN, chain_cb) < 0 || dump(lv, NFT_MSG_GETSET, set_cb) < 0)
		return errno == EINTR ? 1 : -1;
	/* objects refine named limits and quotas; without them those stay
	 * unknown */
	dump(lv, NFT_MSG_GETOBJ, obj_cb);
	for (i = 0; i < lv->ntable; i++) {
		struct ltable *t = lv->tables[i];

		if (t->fams == 0)
			continue;
		for (j = 0; j < t->nset; j++)
			if (!dump_elems(lv, t, t->sets[j]))
				return errno == EINTR ? 1 : -1;
	}
	/* chain by chain: a dump of the whole ruleset makes the kernel walk
	 * every rule before the resume point again for each message it sends
	 * (quadratic in the size of a table); within a chain it still does, so
	 * the cost is that of the biggest chain */
	for (i = 0; i < lv->ntable; i++) {
		struct ltable *t = lv->tables[i];

		find_chain(t, ""); /* sorted now: rule_cb must not reorder them under us */
		for (j = 0; j < t->nchain; j++)
			if (dump_rules(lv, t, t->chains[j].name) < 0)
				return errno == EINTR ? 1 : -1;
	}
	if (get_gen(lv, &gen1) < 0)
		return -1;
	return gen0 != gen1 ? 1 : 0;
}

/* Move what an attempt built into o. */
static void
adopt(struct origin *o, struct origin *tmp)
{
	size_t i;

	for (i = 0; i < tmp->fw.nchain; i++)
		VEC_PUSH(o->fw.chains, o->fw.nchain, o->fw.chain_cap, tmp->fw.chains[i]);
	for (i = 0; i < tmp->nset; i++)
		VEC_PUSH(o->sets, o->nset, o->set_cap, tmp->sets[i]);
	free(tmp->fw.chains);
	free(tmp->sets);
	memset(tmp, 0, sizeof(*tmp));
}

static const char *
errno_hint(int e)
{
	if (e == EPERM || e == EACCES)
		return " (--live needs CAP_NET_ADMIN: run it as root)";
	if (e == EPROTONOSUPPORT || e == ENOENT)
		return " (nf_tables is not available in this kernel)";
	return "";
}

static bool
nft_read(struct live *lv)
{
	struct buf notes = {0};
	int tries;
	int r = -1;

	for (tries = 0; tries < GEN_TRIES; tries++) {
		struct origin tmp;

		memset(&tmp, 0, sizeof(tmp));
		lv->dst = &tmp;
		if (!nl_open(&lv->nl, NETLINK_NETFILTER)) {
			input_unreadable(lv->in, "cannot open a netlink socket: %s%s",
			                 strerror(errno), errno_hint(errno));
			return false;
		}
		lv->nrule = 0;
		r = nft_attempt(lv);
		lv->err = errno;
		nl_close(&lv->nl);
		if (r == 0 && lv->errmsg == NULL) {
			note_unevaluated(lv, &notes);
			adopt(lv->o, &tmp);
			tables_free(lv);
			break;
		}
		/* the model built so far is thrown away */
		lv->dst = NULL;
		origin_free(&tmp);
		tables_free(lv);
		if (r < 0 || lv->errmsg)
			break;
	}
	if (r < 0) {
		input_unreadable(lv->in, "cannot read the kernel's ruleset over netlink: %s%s",
		                 strerror(lv->err), errno_hint(lv->err));
		return false;
	}
	if (lv->errmsg) {
		input_error(lv->in, 0, "the kernel's ruleset could not be decoded: %s", lv->errmsg);
		return false;
	}
	if (r > 0) {
		input_error(lv->in, 0,
		            "the ruleset changed %d times while it was read: run the "
		            "audit again",
		            GEN_TRIES);
		return false;
	}
	if (notes.len)
		lv->in->detail = buf_take(&notes);
	buf_free(&notes);
	return true;
}

/* ---- ipsets: listed over netlink, written as ipset save text ---- */

struct ips_set {
	char *name;
	char *type;
	bool list;
	struct buf create;
	struct buf adds;
	/* hash:ip and hash:net without a netmask (the big sets): members go
	 * straight into the model, as parse_ipset would store "a.b.c.d/len" */
	bool direct;
	enum family fam;
	struct ipset members; /* kept compactly, as the model keeps them */
};

struct ips_dump {
	struct live *lv;
	struct ips_set *v;
	size_t n;
	size_t cap;
	size_t last;
	unsigned bad;
};

static int
ipset_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type >= 0 && type <= IPSET_ATTR_ADT_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static bool
ipset_addr(const struct nlattr *nest, enum family fam, char *buf, size_t cap)
{
	const struct nlattr *tb[IPSET_ATTR_ADT_MAX + 1];
	const unsigned char *p;

	memset(tb, 0, sizeof(tb));
	if (nest == NULL || mnl_attr_parse_nested(nest, ipset_attr_cb, tb) < 0)
		return false;
	if (fam == FAM_V4 && tb[IPSET_ATTR_IPADDR_IPV4] &&
	    mnl_attr_get_payload_len(tb[IPSET_ATTR_IPADDR_IPV4]) >= 4) {
		p = mnl_attr_get_payload(tb[IPSET_ATTR_IPADDR_IPV4]);
		addr_format(FAM_V4, be_num(p, 4), buf, cap);
		return true;
	}
	if (fam == FAM_V6 && tb[IPSET_ATTR_IPADDR_IPV6] &&
	    mnl_attr_get_payload_len(tb[IPSET_ATTR_IPADDR_IPV6]) >= 16) {
		p = mnl_attr_get_payload(tb[IPSET_ATTR_IPADDR_IPV6]);
		addr_format(FAM_V6, be_num(p, 16), buf, cap);
		return true;
	}
	return false;
}

static const char *
ipset_proto(uint8_t p)
{
	switch (p) {
	case PROTO_TCP:
		return "tcp";
	case PROTO_UDP:
		return "udp";
	case 132:
		return "sctp";
	case 136:
		return "udplite";
	case PROTO_ICMP:
		return "icmp";
	case PROTO_ICMPV6:
		return "icmpv6";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	default:
		return NULL;
	}
}

/* One element as ipset save prints it: its parts in the order of the type. */
static bool
ipset_elem(struct ips_set *is, enum family fam, const struct nlattr **tb, struct buf *b)
{
	const char *parts = strchr(is->type, ':');
	unsigned naddr = 0;
	bool first = true;
	char a[ADDR_STRLEN];

	if (parts == NULL)
		return false;
	for (parts++; *parts;) {
		size_t len = strcspn(parts, ",");
		const char *sep = first ? "" : ",";

		if ((len == 2 && strncmp(parts, "ip", 2) == 0) ||
		    (len == 3 && strncmp(parts, "net", 3) == 0)) {
			int ip = naddr == 0 ? IPSET_ATTR_IP : IPSET_ATTR_IP2;
			int to = naddr == 0 ? IPSET_ATTR_IP_TO : IPSET_ATTR_IP2_TO;
			int cidr = naddr == 0 ? IPSET_ATTR_CIDR : IPSET_ATTR_CIDR2;

			if (!ipset_addr(tb[ip], fam, a, sizeof(a)))
				return false;
			buf_addf(b, "%s%s", sep, a);
			if (tb[to] && ipset_addr(tb[to], fam, a, sizeof(a)))
				buf_addf(b, "-%s", a);
			else if (tb[cidr] && mnl_attr_get_u8(tb[cidr]) < (fam == FAM_V6 ? 128 : 32))
				buf_addf(b, "/%u", mnl_attr_get_u8(tb[cidr]));
			naddr++;
		} else if (len == 4 && strncmp(parts, "port", 4) == 0) {
			unsigned port;

			if (tb[IPSET_ATTR_PORT] == NULL)
				return false;
			port = ntohs(mnl_attr_get_u16(tb[IPSET_ATTR_PORT]));
			if (strncmp(is->type, "bitmap:", 7) == 0) {
				buf_addf(b, "%s%u", sep, port);
			} else {
				uint8_t p = tb[IPSET_ATTR_PROTO]
				                ? mnl_attr_get_u8(tb[IPSET_ATTR_PROTO])
				                : PROTO_TCP;
				const char *pn = ipset_proto(p);

				if (pn == NULL)
					return false;
				if (p == PROTO_ICMP || p == PROTO_ICMPV6)
					buf_addf(b, "%s%s:%u/%u", sep, pn, port >> 8, port & 0xff);
				else
					buf_addf(b, "%s%s:%u", sep, pn, port);
			}
			if (tb[IPSET_ATTR_PORT_TO])
				buf_addf(b, "-%u", ntohs(mnl_attr_get_u16(tb[IPSET_ATTR_PORT_TO])));
		} else if (len == 5 && strncmp(parts, "iface", 5) == 0) {
			bool physdev = tb[IPSET_ATTR_CADT_FLAGS] &&
			               (ntohl(mnl_attr_get_u32(tb[IPSET_ATTR_CADT_FLAGS])) &
			                IPSET_FLAG_PHYSDEV);

			if (tb[IPSET_ATTR_IFACE] == NULL)
				return false;
			buf_addf(b, "%s%s%s", sep, physdev ? "physdev:" : "",
			         mnl_attr_get_str(tb[IPSET_ATTR_IFACE]));
		} else if (len == 4 && strncmp(parts, "mark", 4) == 0) {
			if (tb[IPSET_ATTR_MARK] == NULL)
				return false;
			buf_addf(b, "%s0x%08x", sep, ntohl(mnl_attr_get_u32(tb[IPSET_ATTR_MARK])));
		} else if (len == 3 && strncmp(parts, "mac", 3) == 0) {
			const unsigned char *m;

			if (tb[IPSET_ATTR_ETHER] == NULL ||
			    mnl_attr_get_payload_len(tb[IPSET_ATTR_ETHER]) < 6) {
				if (strcmp(is->type, "bitmap:ip,mac") == 0)
					break; /* an entry whose MAC is not learnt yet */
				return false;
			}
			m = mnl_attr_get_payload(tb[IPSET_ATTR_ETHER]);
			buf_addf(b, "%s%02x:%02x:%02x:%02x:%02x:%02x", sep, m[0], m[1], m[2], m[3],
			         m[4], m[5]);
		} else if (len == 3 && strncmp(parts, "set", 3) == 0) {
			if (tb[IPSET_ATTR_NAME] == NULL)
				return false;
			buf_addf(b, "%s%s", sep, mnl_attr_get_str(tb[IPSET_ATTR_NAME]));
		} else {
			return false;
		}
		first = false;
		parts += len;
		if (*parts == ',')
			parts++;
	}
	if (tb[IPSET_ATTR_CADT_FLAGS] &&
	    (ntohl(mnl_attr_get_u32(tb[IPSET_ATTR_CADT_FLAGS])) & IPSET_FLAG_NOMATCH))
		buf_adds(b, " nomatch");
	return true;
}

static void
ipset_create(struct ips_set *is, enum family fam, bool famknown, const struct nlattr *data)
{
	const struct nlattr *tb[IPSET_ATTR_ADT_MAX + 1];
	char a[ADDR_STRLEN];

	buf_addf(&is->create, "create %s %s", is->name, is->type);
	if (famknown && strcmp(is->type, "bitmap:port") != 0)
		buf_addf(&is->create, " family %s", fam == FAM_V6 ? "inet6" : "inet");
	memset(tb, 0, sizeof(tb));
	if (data == NULL || mnl_attr_parse_nested(data, ipset_attr_cb, tb) < 0)
		return;
	if (strcmp(is->type, "bitmap:port") == 0 && tb[IPSET_ATTR_PORT] && tb[IPSET_ATTR_PORT_TO])
		buf_addf(&is->create, " range %u-%u", ntohs(mnl_attr_get_u16(tb[IPSET_ATTR_PORT])),
		         ntohs(mnl_attr_get_u16(tb[IPSET_ATTR_PORT_TO])));
	else if (strncmp(is->type, "bitmap:", 7) == 0 &&
	         ipset_addr(tb[IPSET_ATTR_IP], FAM_V4, a, sizeof(a))) {
		buf_addf(&is->create, " range %s", a);
		if (tb[IPSET_ATTR_IP_TO] && ipset_addr(tb[IPSET_ATTR_IP_TO], FAM_V4, a, sizeof(a)))
			buf_addf(&is->create, "-%s", a);
		else if (tb[IPSET_ATTR_CIDR])
			buf_addf(&is->create, "/%u", mnl_attr_get_u8(tb[IPSET_ATTR_CIDR]));
	}
	if (tb[IPSET_ATTR_NETMASK])
		buf_addf(&is->create, " netmask %u", mnl_attr_get_u8(tb[IPSET_ATTR_NETMASK]));
}

/* A hash:ip or hash:net member as an interval: its address and prefix. */
static bool
ipset_member(struct ips_set *is, const struct nlattr **tb)
{
	const struct nlattr *at[IPSET_ATTR_ADT_MAX + 1];
	unsigned bits = is->fam == FAM_V6 ? 128 : 32;
	unsigned cidr = bits;
	struct set_elem e;
	const struct nlattr *a;
	unsigned n = is->fam == FAM_V6 ? 16 : 4;
	u128 host;

	memset(at, 0, sizeof(at));
	if (tb[IPSET_ATTR_IP] == NULL || tb[IPSET_ATTR_IP_TO] ||
	    mnl_attr_parse_nested(tb[IPSET_ATTR_IP], ipset_attr_cb, at) < 0)
		return false;
	a = at[is->fam == FAM_V6 ? IPSET_ATTR_IPADDR_IPV6 : IPSET_ATTR_IPADDR_IPV4];
	if (a == NULL || mnl_attr_get_payload_len(a) < n)
		return false;
	if (tb[IPSET_ATTR_CIDR])
		cidr = mnl_attr_get_u8(tb[IPSET_ATTR_CIDR]);
	if (cidr == 0 || cidr > bits)
		return false;
	memset(&e, 0, sizeof(e));
	host = cidr == bits ? 0 : ones(bits - cidr);
	e.lo = be_num(mnl_attr_get_payload(a), n) & ~host;
	e.hi = e.lo | host;
	e.nomatch = tb[IPSET_ATTR_CADT_FLAGS] &&
	            (ntohl(mnl_attr_get_u32(tb[IPSET_ATTR_CADT_FLAGS])) & IPSET_FLAG_NOMATCH);
	set_add_elem(&is->members, &e);
	return true;
}

static int
ipset_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ips_dump *d = arg;
	const struct nlattr *tb[IPSET_ATTR_ADT_MAX + 1];
	const struct nlattr *e;
	const char *name;
	struct ips_set *is = NULL;
	enum family fam = FAM_V4;
	bool famknown = false;
	size_t i;

	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), ipset_attr_cb, tb) < 0 ||
	    tb[IPSET_ATTR_SETNAME] == NULL)
		return MNL_CB_OK;
	name = mnl_attr_get_str(tb[IPSET_ATTR_SETNAME]);
	if (d->last < d->n && strcmp(d->v[d->last].name, name) == 0)
		is = &d->v[d->last];
	for (i = 0; is == NULL && i < d->n; i++)
		if (strcmp(d->v[i].name, name) == 0)
			is = &d->v[d->last = i];
	if (tb[IPSET_ATTR_FAMILY]) {
		uint8_t f = mnl_attr_get_u8(tb[IPSET_ATTR_FAMILY]);

		famknown = f == NFPROTO_IPV4 || f == NFPROTO_IPV6;
		fam = f == NFPROTO_IPV6 ? FAM_V6 : FAM_V4;
	}
	if (is == NULL) {
		struct ips_set n;

		if (tb[IPSET_ATTR_TYPENAME] == NULL)
			return MNL_CB_OK;
		memset(&n, 0, sizeof(n));
		n.name = xstrdup(name);
		n.type = xstrdup(mnl_attr_get_str(tb[IPSET_ATTR_TYPENAME]));
		n.list = strcmp(n.type, "list:set") == 0;
		n.fam = fam;
		ipset_create(&n, fam, famknown, tb[IPSET_ATTR_DATA]);
		n.direct = famknown &&
		           (strcmp(n.type, "hash:ip") == 0 || strcmp(n.type, "hash:net") == 0) &&
		           strstr(n.create.p, " netmask ") == NULL;
		n.members.fam = fam;
		n.members.ndim = 1;
		n.members.dim[0] = DIM_ADDR;
		VEC_PUSH(d->v, d->n, d->cap, n);
		is = &d->v[d->last = d->n - 1];
		if (tb[IPSET_ATTR_INDEX]) {
			struct ipset_name in;

			in.index = ntohs(mnl_attr_get_u16(tb[IPSET_ATTR_INDEX]));
			in.name = xstrdup(name);
			VEC_PUSH(d->lv->ipsets, d->lv->nipset, d->lv->ipset_cap, in);
		}
	}
	if (tb[IPSET_ATTR_ADT] == NULL)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(e, tb[IPSET_ATTR_ADT])
	{
		const struct nlattr *et[IPSET_ATTR_ADT_MAX + 1];
		size_t mark = is->adds.len;

		memset(et, 0, sizeof(et));
		if (mnl_attr_parse_nested(e, ipset_attr_cb, et) < 0)
			continue;
		if (is->direct) {
			if (!ipset_member(is, et))
				d->bad++;
			continue;
		}
		buf_addf(&is->adds, "add %s ", is->name);
		if (!ipset_elem(is, fam, et, &is->adds)) {
			is->adds.len = mark; /* dropped, and counted */
			d->bad++;
			continue;
		}
		buf_adds(&is->adds, "\n");
	}
	return MNL_CB_OK;
}

/* The kernel's ipsets into o (parse_ipset) and the index -> name table the
 * xt set match needs. No input when the ipset subsystem is absent. */
static void
ipset_read(struct live *lv)
{
	char buf[REQ_SIZE] = {0}; /* attribute padding goes to the kernel too */
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	struct ips_dump d;
	struct nl n;
	struct input *in;
	struct buf text = {0};
	size_t i;
	int pass;
	int r;

	memset(&d, 0, sizeof(d));
	d.lv = lv;
	if (!nl_open(&n, NETLINK_NETFILTER))
		return;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_LIST;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_IPV4;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(0);
	mnl_attr_put_u8(nlh, IPSET_ATTR_PROTOCOL, IPSET_PROTOCOL);
	r = nl_talk(&n, nlh, ipset_cb, &d);
	nl_close(&n);
	if (r < 0 && (errno == EPROTONOSUPPORT || errno == EOPNOTSUPP || errno == ENOENT ||
	              errno == EINVAL)) {
		/* no ipset module: no set can be in use */
		goto out;
	}
	in = origin_add_input(lv->o, IN_IPSET, "kernel:ipset");
	if (r < 0) {
		input_unreadable(in, "cannot list the kernel's ipsets: %s%s", strerror(errno),
		                 errno_hint(errno));
		goto out;
	}
	lv->have_ipsets = true;
	/* sets first (a list:set names others), then their members */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d.n; i++)
			if (d.v[i].list == (pass == 1)) {
				buf_add(&text, d.v[i].create.p ? d.v[i].create.p : "",
				        d.v[i].create.len);
				buf_adds(&text, "\n");
			}
	for (i = 0; i < d.n; i++)
		if (d.v[i].adds.len)
			buf_add(&text, d.v[i].adds.p, d.v[i].adds.len);
	if (text.len)
		parse_ipset(lv->o, in, text.p, text.len);
	for (i = 0; i < d.n; i++) {
		struct ipset *set;

		if (!d.v[i].direct || set_size(&d.v[i].members) == 0)
			continue;
		set = origin_find_set(lv->o, d.v[i].name);
		if (set == NULL)
			continue; /* its create line was refused: reported */
		if (set_size(set) + set_size(&d.v[i].members) > CAP_SET_ELEMS) {
			input_error(in, 0, "set \"%s\": more than %u members", set->name,
			            CAP_SET_ELEMS);
			continue;
		}
		set_take_members(set, &d.v[i].members);
	}
	if (d.bad)
		input_error(in, 0, "%u ipset members could not be decoded", d.bad);
out:
	for (i = 0; i < d.n; i++) {
		free(d.v[i].name);
		free(d.v[i].type);
		buf_free(&d.v[i].create);
		buf_free(&d.v[i].adds);
		set_clear(&d.v[i].members);
	}
	free(d.v);
	buf_free(&text);
}

/* ---- addresses ---- */

static bool
public_candidate(enum family fam, u128 a)
{
	if (addr_is_loopback(fam, a) || a == 0)
		return false;
	if (fam == FAM_V4)
		return (a >> 16) != 0xa9fe && (a >> 28) != 0xe; /* 169.254/16, 224/4 */
	return (a >> 118) != 0x3fa && (a >> 120) != 0xff;       /* fe80::/10, ff00::/8 */
}

/* The addresses Cloudflare may connect to: those of every interface that is
 * up and not loopback (or of public_iface), without link-local ones. */
static void
read_addrs(struct origin *o, const char *public_iface, struct input *in)
{
	struct ifaddrs *ifa;
	struct ifaddrs *p;

	if (getifaddrs(&ifa) < 0) {
		input_error(in, 0, "cannot list the interfaces' addresses: %s", strerror(errno));
		return;
	}
	for (p = ifa; p; p = p->ifa_next) {
		struct host_addr h;
		size_t i;
		bool dup = false;
		char *file;

		if (p->ifa_addr == NULL || !(p->ifa_flags & IFF_UP) ||
		    (p->ifa_flags & IFF_LOOPBACK) ||
		    (public_iface && strcmp(p->ifa_name, public_iface) != 0))
			continue;
		memset(&h, 0, sizeof(h));
		if (p->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin =
			    (const struct sockaddr_in *)(void *)p->ifa_addr;

			h.fam = FAM_V4;
			h.addr = be_num((const unsigned char *)&sin->sin_addr, 4);
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s6 =
			    (const struct sockaddr_in6 *)(void *)p->ifa_addr;

			h.fam = FAM_V6;
			h.addr = be_num((const unsigned char *)&s6->sin6_addr, 16);
		} else {
			continue;
		}
		if (!public_candidate(h.fam, h.addr))
			continue;
		for (i = 0; i < o->naddr; i++)
			dup |= o->addrs[i].fam == h.fam && o->addrs[i].addr == h.addr;
		if (dup)
			continue;
		file = xasprintf("iface:%s", p->ifa_name);
		h.loc.file = intern(file);
		free(file);
		VEC_PUSH(o->addrs, o->naddr, o->addr_cap, h);
	}
	freeifaddrs(ifa);
}

/* ---- listening sockets ---- */

struct diag_dump {
	struct origin *o;
};

static int
diag_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct diag_dump *d = arg;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[INET_DIAG_MAX + 1];
	struct listen_sock ls;
	size_t i;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	memset(&ls, 0, sizeof(ls));
	memset(tb, 0, sizeof(tb));
	ls.fam = m->idiag_family == AF_INET6 ? FAM_V6 : FAM_V4;
	ls.port = ntohs(m->id.idiag_sport);
	ls.addr = be_num((const unsigned char *)m->id.idiag_src, ls.fam == FAM_V6 ? 16 : 4);
	mnl_attr_parse(nlh, sizeof(*m), attr_cb, tb);
	if (ls.fam == FAM_V6 && tb[INET_DIAG_SKV6ONLY])
		ls.v6only = mnl_attr_get_u8(tb[INET_DIAG_SKV6ONLY]) != 0;
	for (i = 0; i < d->o->nlisten; i++) /* SO_REUSEPORT: one per address and port */
		if (d->o->listen[i].fam == ls.fam && d->o->listen[i].addr == ls.addr &&
		    d->o->listen[i].port == ls.port)
			return MNL_CB_OK;
	VEC_PUSH(d->o->listen, d->o->nlisten, d->o->listen_cap, ls);
	return MNL_CB_OK;
}

bool
live_read_listeners(struct origin *o)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct diag_dump d = {o};
	struct nl n;
	size_t i;

	if (!nl_open(&n, NETLINK_SOCK_DIAG))
		return false;
	for (i = 0; i < ARRAY_LEN(families); i++) {
		char buf[REQ_SIZE] = {0}; /* attribute padding goes to the kernel too */
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct inet_diag_req_v2 *req;

		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
		req->sdiag_family = (uint8_t)families[i];
		req->sdiag_protocol = IPPROTO_TCP;
		req->idiag_states = 1u << TCP_LISTEN_STATE;
		if (nl_talk(&n, nlh, diag_cb, &d) < 0) {
			int e = errno;

			/* a kernel without IPv6 has no IPv6 sockets */
			if (families[i] == AF_INET6 && (e == ENOENT || e == EAFNOSUPPORT))
				continue;
			nl_close(&n);
			errno = e;
			return false;
		}
	}
	nl_close(&n);
	o->listen_known = true;
	return true;
}

/* ---- the whole read ---- */

void
live_read(struct origin *o, const struct live_opts *opt)
{
	struct live lv;
	size_t i;

	memset(&lv, 0, sizeof(lv));
	lv.o = o;
	check_legacy(o);
	ipset_read(&lv);
	lv.in = origin_add_input(o, IN_NFTABLES, "kernel:nftables");
	if (nft_read(&lv)) {
		/* the kernel is the whole firewall: no rule is no rule */
		o->fw_seen[FAM_V4] = true;
		o->fw_seen[FAM_V6] = true;
	}
	if (opt->addrs)
		read_addrs(o, opt->public_iface, lv.in);
	if (!live_read_listeners(o))
		input_error(lv.in, 0, "cannot list the listening TCP sockets: %s", strerror(errno));
	for (i = 0; i < lv.nipset; i++)
		free(lv.ipsets[i].name);
	free(lv.ipsets);
	free(lv.errmsg);
}
