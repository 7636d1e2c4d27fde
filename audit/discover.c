#include "discover.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewalld.h"
#include "netlink.h"
#include "parse.h"
#include "root.h"
#include "suppress.h"
#include "ufw.h"
#include "util.h"
#include "web.h"

/* Where distributions keep each firewall file. */
struct place {
	enum input_kind kind;
	const char *path;
};

static const struct place fw_places[] = {
	/* ipsets first: the rules refer to them */
	{IN_IPSET, "/etc/iptables/ipsets"},   /* Debian ipset-persistent */
	{IN_IPSET, "/etc/sysconfig/ipset"},   /* RHEL ipset-service */
	{IN_IPTABLES, "/etc/iptables/rules.v4"},   /* Debian iptables-persistent */
	{IN_IP6TABLES, "/etc/iptables/rules.v6"},
	{IN_IPTABLES, "/etc/sysconfig/iptables"},  /* RHEL iptables-services */
	{IN_IP6TABLES, "/etc/sysconfig/ip6tables"},
};

/* Where nginx builds keep their main file: Debian/Ubuntu/RHEL/Alpine
 * packages, source builds, FreeBSD ports, OpenResty packages and builds;
 * and Apache httpd's: Debian/Ubuntu, Alpine, RHEL/Alma/Rocky, source
 * builds, FreeBSD ports. */
static const struct place web_places[] = {
	{IN_NGINX, "/etc/nginx/nginx.conf"},
	{IN_NGINX, "/usr/local/nginx/conf/nginx.conf"},
	{IN_NGINX, "/usr/local/etc/nginx/nginx.conf"},
	{IN_NGINX, "/etc/openresty/nginx.conf"},
	{IN_NGINX, "/usr/local/openresty/nginx/conf/nginx.conf"},
	{IN_APACHE, "/etc/apache2/apache2.conf"},
	{IN_APACHE, "/etc/apache2/httpd.conf"},
	{IN_APACHE, "/etc/httpd/conf/httpd.conf"},
	{IN_APACHE, "/usr/local/apache2/conf/httpd.conf"},
	{IN_APACHE, "/usr/local/etc/apache24/httpd.conf"},
};

static void
parse_input(struct origin *o, struct input *in, const char *data, size_t len)
{
	switch (in->kind) {
	case IN_IPTABLES:
	case IN_IP6TABLES:
		if (is_iptables_xml(data, len))
			parse_iptables_xml(o, in, data, len,
					   in->kind == IN_IPTABLES ? FAM_V4 : FAM_V6);
		else
			parse_iptables(o, in, data, len, in->kind == IN_IPTABLES ? FAM_V4 : FAM_V6);
		break;
	case IN_IPSET:
		parse_ipset(o, in, data, len);
		break;
	case IN_NFTABLES:
		parse_nft(o, in, data, len, NULL);
		break;
	case IN_NGINX:
		parse_nginx(o, in, data, len, true);
		break;
	case IN_APACHE:
		parse_apache(o, in, data, len, true);
		break;
	case IN_DNS:
		parse_dns(o, in, data, len);
		break;
	default:
		in->status = IN_UNSUPPORTED;
		break;
	}
}

/* With --live the firewall is the kernel's: discovery skips these kinds. */
static bool
firewall_kind(enum input_kind k)
{
	return k == IN_IPTABLES || k == IN_IP6TABLES || k == IN_IPSET || k == IN_UFW ||
	       k == IN_NFTABLES || k == IN_FIREWALLD;
}

/* Read one input into o: explicit files from the host, discovered ones
 * inside the root. Returns false when it does not exist (discovery moves
 * on). */
static bool
read_input_into(struct origin *o, bool live, enum input_kind kind, const char *path,
		bool explicit_file)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	enum read_result rr;
	struct input *in;

	if (live && !explicit_file && firewall_kind(kind))
		return false;
	rr = explicit_file ? host_read(path, &data, &len, &err) : root_read(path, &data, &len, &err);
	if (rr == READ_MISSING && !explicit_file)
		return false;
	in = origin_add_input(o, kind, path);
	if (rr == READ_MISSING) {
		input_unreadable(in, "no such file");
	} else if (rr == READ_FAILED) {
		input_unreadable(in, "%s", err);
	} else {
		parse_input(o, in, data, len);
		suppress_scan(in, data, len);
	}
	free(data);
	free(err);
	return true;
}

static bool
read_input(struct audit *a, enum input_kind kind, const char *path, bool explicit_file)
{
	return read_input_into(&a->origin, a->opt.live, kind, path, explicit_file);
}

static void
read_ranges(struct audit *a)
{
	struct input *in = origin_add_input(&a->origin, IN_RANGES, a->opt.ranges_file);
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;

	if (host_read(a->opt.ranges_file, &data, &len, &err) != READ_OK) {
		input_unreadable(in, "%s", err ? err : "no such file");
		free(err);
		return;
	}
	ranges_clear(&a->cf);
	free(a->cf.source);
	free(a->cf.date);
	a->cf.source = xstrdup(a->opt.ranges_file);
	a->cf.date = xstrdup("");
	parse_ranges(&a->cf, in, data, len);
	free(data);
	if (a->cf.n[FAM_V4] + a->cf.n[FAM_V6] == 0) {
		/* nothing usable: keep auditing against the built-in ranges,
		 * the input error makes the audit incomplete */
		ranges_free(&a->cf);
		ranges_builtin(&a->cf);
	}
}

/* ufw: the rule files are live only when ufw.conf says ENABLED=yes; ufw_load
 * adds the framing ufw-init puts around them. */
static const char *const ufw_rule_paths[FAM_COUNT][UFW_NPART] = {
	{"/etc/ufw/before.rules", "/etc/ufw/after.rules", "/etc/ufw/user.rules"},
	{"/etc/ufw/before6.rules", "/etc/ufw/after6.rules", "/etc/ufw/user6.rules"},
};

struct ufw_read {
	struct ufw_files files;
	char *data[2 + FAM_COUNT * UFW_NPART];
	size_t n;
};

static void
ufw_read_one(struct audit *a, struct ufw_read *ur, const char *path, struct ufw_text *t)
{
	char *err = NULL;
	enum read_result rr;

	memset(t, 0, sizeof(*t));
	rr = root_read(path, &ur->data[ur->n], &t->len, &err);
	if (rr == READ_MISSING)
		return;
	t->in = origin_add_input(&a->origin, IN_UFW, path);
	if (rr == READ_FAILED) {
		input_unreadable(t->in, "%s", err);
		free(err);
		t->in = NULL;
		return;
	}
	t->data = ur->data[ur->n++];
	suppress_scan(t->in, t->data, t->len);
}

static void
ufw_discover(struct audit *a)
{
	struct ufw_read ur;
	enum ufw_state state;
	size_t first = a->origin.ninput;
	size_t i;
	int f;
	int p;

	memset(&ur, 0, sizeof(ur));
	for (f = 0; f < FAM_COUNT; f++)
		for (p = 0; p < UFW_NPART; p++)
			ufw_read_one(a, &ur, ufw_rule_paths[f][p], &ur.files.rules[f][p]);
	if (a->origin.ninput == first) {
		/* no rule files: ufw is not installed */
		return;
	}
	ufw_read_one(a, &ur, "/etc/ufw/ufw.conf", &ur.files.conf);
	ufw_read_one(a, &ur, "/etc/default/ufw", &ur.files.defaults);
	state = ufw_load(&a->origin, &ur.files);
	for (i = first; state != UFW_LIVE && i < a->origin.ninput; i++) {
		struct input *in = a->origin.inputs[i];

		if (in->detail == NULL)
			in->detail = xstrdup(state == UFW_DISABLED
						     ? "ufw is disabled (ufw.conf ENABLED=no): not live"
						     : "ufw.conf or /etc/default/ufw missing: not live");
	}
	for (i = 0; i < ur.n; i++)
		free(ur.data[i]);
}

/* firewalld: live when /etc/firewalld exists (its package creates it and
 * enables the service; firewalld starts with its defaults even without
 * firewalld.conf). Installed but never configured (/usr/lib/firewalld only):
 * listed, assumed not running. */
static void
firewalld_discover(struct audit *a)
{
	struct firewalld_dirs d = {"/etc/firewalld", false, "/usr/lib/firewalld"};

	if (root_exists("/etc/firewalld")) {
		firewalld_load(&a->origin, &d);
		return;
	}
	if (root_exists("/usr/lib/firewalld/zones"))
		origin_add_input(&a->origin, IN_FIREWALLD, "/usr/lib/firewalld")->detail =
			xstrdup("installed, but /etc/firewalld is missing: assumed not running");
}

/* nftables: the file the boot service loads (Debian, Arch: nftables.conf;
 * RHEL: sysconfig/nftables.conf) and its includes. A file in /etc/nftables
 * that no file read included is not loaded by that service: its syntax is
 * checked but its rules stay out of the model. Without a service file, the
 * files there are the ruleset. */
static void
nft_discover(struct origin *o)
{
	static const char *const mains[] = {"/etc/nftables.conf", "/etc/sysconfig/nftables.conf"};
	const char *main_file = NULL;
	char **names = NULL;
	size_t n = 0;
	char *err = NULL;
	size_t i;
	size_t k;

	for (i = 0; i < ARRAY_LEN(mains); i++)
		if (read_input_into(o, false, IN_NFTABLES, mains[i], false) && main_file == NULL)
			main_file = mains[i];
	if (root_list("/etc/nftables", &names, &n, &err) != READ_OK) {
		free(err);
		return;
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		char *path;
		bool seen = false;
		char *data = NULL;
		size_t dlen = 0;
		struct input *in;
		struct origin scratch;

		if (len < 5 || strcmp(names[i] + len - 4, ".nft") != 0)
			continue;
		path = xasprintf("/etc/nftables/%s", names[i]);
		for (k = 0; k < o->ninput && !seen; k++)
			seen = o->inputs[k]->kind == IN_NFTABLES &&
			       strcmp(o->inputs[k]->file, path) == 0;
		if (seen || main_file == NULL) {
			if (!seen)
				read_input_into(o, false, IN_NFTABLES, path, false);
			free(path);
			continue;
		}
		if (root_read(path, &data, &dlen, &err) != READ_OK) {
			free(err);
			err = NULL;
			free(path);
			continue;
		}
		in = origin_add_input(o, IN_NFTABLES, path);
		memset(&scratch, 0, sizeof(scratch));
		parse_nft(&scratch, in, data, dlen, NULL);
		origin_free(&scratch);
		if (in->detail == NULL)
			in->detail = xasprintf("not included by %s: not loaded at boot; syntax "
					       "checked only", main_file);
		free(data);
		free(path);
	}
	names_free(names, n);
}

/* Without --ports: the ports the web servers listen on (on a public
 * address) that Cloudflare proxies; 80,443 when no web server was read or
 * none listens on such a port. */
static void
web_ports(struct audit *a)
{
	const struct web *w = a->origin.web;
	size_t n = 0;
	size_t i;
	size_t j;
	size_t k;
	size_t m;

	for (i = 0; w && i < w->nserver; i++)
		for (j = 0; j < w->servers[i]->nvhost; j++) {
			const struct web_vhost *v = w->servers[i]->vhosts[j];

			for (k = 0; k < v->nlisten; k++) {
				const struct web_listen *l = &v->listen[k];

				if (!cf_port_proxied(&a->cf, l->port, NULL) ||
				    (!web_listen_public(l, FAM_V4) && !web_listen_public(l, FAM_V6)))
					continue;
				for (m = 0; m < n && a->opt.ports[m] != l->port; m++)
					;
				if (m == n && n < ARRAY_LEN(a->opt.ports))
					a->opt.ports[n++] = l->port;
			}
		}
	if (n == 0) {
		a->opt.ports[n++] = 80;
		a->opt.ports[n++] = 443;
	}
	/* in order, so reports do not depend on the configuration's */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && a->opt.ports[j - 1] > a->opt.ports[j]; j--) {
			uint16_t t = a->opt.ports[j];

			a->opt.ports[j] = a->opt.ports[j - 1];
			a->opt.ports[j - 1] = t;
		}
	a->opt.nport = n;
}

/* Whether inputs were named on the command line: then only they are read
 * (unless --root says where to discover). DNS records describe the zone,
 * not this server's files: --dns alone still discovers. */
static bool
any_explicit(const struct options *opt)
{
	size_t k;

	for (k = 0; k < IN_KIND_COUNT; k++)
		if (k != IN_DNS && opt->nfile[k] > 0)
			return true;
	return false;
}

/* The web servers' files are read on a second thread while this one reads
 * the firewall's: the two share nothing but the root's descriptor and the
 * interned file names (util.c locks them). The web lane reads into an
 * origin of its own; merge_lanes puts its inputs, errors and suppressions
 * where one thread reading in order would have put them (explicit firewall
 * files, explicit web files, zone exports, firewalld, the kernel,
 * discovered firewall files, discovered web files), so every report stays
 * the same. */
struct web_lane {
	const struct audit *a;
	bool discover;
	struct origin o;
	/* the counts after the explicit files: where the firewall's
	 * discovered inputs go between */
	size_t ninput;
	size_t ndiag;
	size_t nsupp;
	bool apache_apart; /* the Apache files are the Apache lane's */
};

static const enum input_kind fw_order[] = {IN_IPSET, IN_IPTABLES, IN_IP6TABLES, IN_NFTABLES};
static const enum input_kind web_order[] = {IN_NGINX, IN_APACHE};

/* A side lane reads on a thread of its own into an origin of its own,
 * whose pieces are appended to the main one's when it is done (append_lane).
 *
 * The nftables lane, without any firewall or web file named on the command
 * line (zone exports may be): the nftables files come after every other
 * firewall file, so their chains, sets, inputs and errors are appended after
 * the firewall lane's, where one thread would have put them; and nothing read
 * before them can be one of them (the files of /etc/nftables already read are
 * looked up among the nftables inputs: here only the lane's own).
 *
 * The Apache lane, without an Apache file named on the command line: the
 * Apache files are the web lane's last, so they are appended after its own;
 * Apache looks for files it read already among the Apache inputs only. */
struct side_lane {
	const struct audit *a;
	struct origin o;
};

static void *
nft_lane_run(void *arg)
{
	struct side_lane *l = arg;

	nft_discover(&l->o);
	origin_prepare(&l->o);
	return NULL;
}

static void *
apache_lane_run(void *arg)
{
	struct side_lane *l = arg;
	size_t i;

	for (i = 0; i < ARRAY_LEN(web_places); i++)
		if (web_places[i].kind == IN_APACHE)
			read_input_into(&l->o, l->a->opt.live, IN_APACHE, web_places[i].path,
					false);
	return NULL;
}

/* No file named on the command line but zone exports (--dns), which are
 * no firewall's and no nftables include. */
static bool
no_explicit_rules(const struct options *opt)
{
	size_t k;

	for (k = 0; k < IN_KIND_COUNT; k++)
		if (k != IN_DNS && opt->nfile[k] > 0)
			return false;
	return true;
}

static void *
web_lane_run(void *arg)
{
	struct web_lane *l = arg;
	const struct options *opt = &l->a->opt;
	size_t i;
	size_t k;

	for (k = 0; k < ARRAY_LEN(web_order); k++)
		for (i = 0; i < opt->nfile[web_order[k]]; i++)
			read_input_into(&l->o, opt->live, web_order[k], opt->file[web_order[k]][i],
					true);
	l->ninput = l->o.ninput;
	l->ndiag = l->o.ndiag;
	l->nsupp = l->o.nsupp;
	for (i = 0; l->discover && i < ARRAY_LEN(web_places); i++)
		if (!(l->apache_apart && web_places[i].kind == IN_APACHE))
			read_input_into(&l->o, opt->live, web_places[i].kind, web_places[i].path,
					false);
	return NULL;
}

/* n bytes of base from start at v + *off (base may be NULL when n is 0). */
static void
put(char *v, size_t *off, const char *base, size_t start, size_t n)
{
	if (n == 0)
		return;
	memcpy(v + *off, base + start, n);
	*off += n;
}

/* *dst becomes dst[0..mark) src[0..smark) dst[mark..) src[smark..); src is
 * freed. Elements of size bytes. */
static void
splice(void **dst, size_t *n, size_t *cap, size_t mark, void *src, size_t sn, size_t smark,
       size_t size)
{
	char *v;
	const char *d = *dst;
	const char *s = src;
	size_t off = 0;

	if (sn == 0) {
		free(src);
		return;
	}
	v = xreallocarray(NULL, *n + sn, size);
	put(v, &off, d, 0, mark * size);
	put(v, &off, s, 0, smark * size);
	put(v, &off, d, mark * size, (*n - mark) * size);
	put(v, &off, s, smark * size, (sn - smark) * size);
	free(*dst);
	free(src);
	*dst = v;
	*n += sn;
	*cap = *n;
}

/* The side lane's pieces after o's own. */
static void
append_lane(struct origin *o, struct side_lane *l)
{
	size_t i;
	int f;

	for (i = 0; i < l->o.ninput; i++)
		l->o.inputs[i]->origin = o;
	splice((void **)&o->inputs, &o->ninput, &o->input_cap, o->ninput, l->o.inputs,
	       l->o.ninput, 0, sizeof(*o->inputs));
	splice((void **)&o->diags, &o->ndiag, &o->diag_cap, o->ndiag, l->o.diags, l->o.ndiag, 0,
	       sizeof(*o->diags));
	splice((void **)&o->supps, &o->nsupp, &o->supp_cap, o->nsupp, l->o.supps, l->o.nsupp, 0,
	       sizeof(*o->supps));
	splice((void **)&o->fw.chains, &o->fw.nchain, &o->fw.chain_cap, o->fw.nchain,
	       l->o.fw.chains, l->o.fw.nchain, 0, sizeof(*o->fw.chains));
	splice((void **)&o->sets, &o->nset, &o->set_cap, o->nset, l->o.sets, l->o.nset, 0,
	       sizeof(*o->sets));
	for (f = 0; f < FAM_COUNT; f++)
		o->fw_seen[f] |= l->o.fw_seen[f];
	if (l->o.web)
		web_append(origin_web(o), l->o.web);
	memset(&l->o, 0, sizeof(l->o));
}

/* Start l's reading on a thread; false: it runs in lane_join. */
static bool
lane_start(struct side_lane *l, const struct audit *a, void *(*run)(void *), pthread_t *tid)
{
	memset(l, 0, sizeof(*l));
	l->a = a;
	return pthread_create(tid, NULL, run, l) == 0;
}

static void
lane_join(struct side_lane *l, void *(*run)(void *), bool threaded, pthread_t tid)
{
	if (threaded)
		pthread_join(tid, NULL);
	else
		run(l);
}

/* The firewall lane read into o, and had read in, ndiag, nsupp when the
 * explicit files were done. */
static void
merge_lanes(struct origin *o, struct web_lane *l, size_t ninput, size_t ndiag, size_t nsupp)
{
	size_t i;

	for (i = 0; i < l->o.ninput; i++)
		l->o.inputs[i]->origin = o;
	splice((void **)&o->inputs, &o->ninput, &o->input_cap, ninput, l->o.inputs, l->o.ninput,
	       l->ninput, sizeof(*o->inputs));
	splice((void **)&o->diags, &o->ndiag, &o->diag_cap, ndiag, l->o.diags, l->o.ndiag,
	       l->ndiag, sizeof(*o->diags));
	splice((void **)&o->supps, &o->nsupp, &o->supp_cap, nsupp, l->o.supps, l->o.nsupp,
	       l->nsupp, sizeof(*o->supps));
	o->web = l->o.web;
	memset(&l->o, 0, sizeof(l->o));
}

void
discover_and_parse(struct audit *a)
{
	struct web_lane lane;
	struct side_lane nft;
	struct side_lane apache;
	pthread_t tid;
	pthread_t nft_tid;
	pthread_t apache_tid;
	bool threaded;
	bool nft_threaded = false;
	bool apache_threaded = false;
	bool nft_apart;
	size_t ninput;
	size_t ndiag;
	size_t nsupp;
	size_t i;
	size_t k;

	if (a->opt.ranges_file)
		read_ranges(a);
	memset(&lane, 0, sizeof(lane));
	lane.a = a;
	lane.discover = a->opt.root || !any_explicit(&a->opt);
	lane.apache_apart = lane.discover && a->opt.nfile[IN_APACHE] == 0;
	nft_apart = lane.discover && !a->opt.live && no_explicit_rules(&a->opt);
	/* no second thread: the lane runs here, after the firewall */
	threaded = pthread_create(&tid, NULL, web_lane_run, &lane) == 0;
	if (lane.apache_apart)
		apache_threaded = lane_start(&apache, a, apache_lane_run, &apache_tid);
	if (nft_apart)
		nft_threaded = lane_start(&nft, a, nft_lane_run, &nft_tid);
	for (k = 0; k < ARRAY_LEN(fw_order); k++)
		for (i = 0; i < a->opt.nfile[fw_order[k]]; i++)
			read_input(a, fw_order[k], a->opt.file[fw_order[k]][i], true);
	ninput = a->origin.ninput;
	ndiag = a->origin.ndiag;
	nsupp = a->origin.nsupp;
	/* after the web lane's explicit files: the zone exports */
	for (i = 0; i < a->opt.nfile[IN_DNS]; i++)
		read_input(a, IN_DNS, a->opt.file[IN_DNS][i], true);
	for (i = 0; i < a->opt.nfile[IN_FIREWALLD]; i++) {
		/* --firewalld DIR: DIR is /etc/firewalld; the stock files come
		 * from the root */
		struct firewalld_dirs d = {a->opt.file[IN_FIREWALLD][i], true, "/usr/lib/firewalld"};

		firewalld_load(&a->origin, &d);
	}
	if (a->opt.live) {
		/* the interfaces' addresses unless --host-addr named them */
		struct live_opts lo = {a->origin.naddr == 0, a->opt.public_iface};

		live_read(&a->origin, &lo);
	}
	/* --live: the firewall comes from the kernel (netlink.c); the web
	 * servers' files still come from the root */
	if (lane.discover && !a->opt.live) {
		for (i = 0; i < ARRAY_LEN(fw_places); i++)
			read_input(a, fw_places[i].kind, fw_places[i].path, false);
		ufw_discover(a);
		firewalld_discover(a);
		if (!nft_apart)
			nft_discover(&a->origin);
	}
	/* the firewall lane's rules, while the others read on */
	origin_prepare(&a->origin);
	if (nft_apart) {
		lane_join(&nft, nft_lane_run, nft_threaded, nft_tid);
		append_lane(&a->origin, &nft);
	}
	if (threaded)
		pthread_join(tid, NULL);
	else
		web_lane_run(&lane);
	if (lane.apache_apart) {
		lane_join(&apache, apache_lane_run, apache_threaded, apache_tid);
		append_lane(&lane.o, &apache);
	}
	merge_lanes(&a->origin, &lane, ninput, ndiag, nsupp);
	suppress_scan_rules(&a->origin);
	if (!a->opt.ports_given)
		web_ports(a);
}
