#include "discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "root.h"
#include "ufw.h"
#include "util.h"

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

/* Found but audited by later versions: listed as unsupported so that the
 * audit is incomplete rather than silently clean. */
static const struct place unsupported_places[] = {
	{IN_NFTABLES, "/etc/nftables.conf"},
	{IN_NFTABLES, "/etc/sysconfig/nftables.conf"},
	{IN_FIREWALLD, "/etc/firewalld/firewalld.conf"},
	{IN_NGINX, "/etc/nginx/nginx.conf"},
	{IN_NGINX, "/usr/local/nginx/conf/nginx.conf"},
	{IN_NGINX, "/usr/local/etc/nginx/nginx.conf"},
	{IN_APACHE, "/etc/apache2/apache2.conf"},
	{IN_APACHE, "/etc/httpd/conf/httpd.conf"},
	{IN_APACHE, "/usr/local/apache2/conf/httpd.conf"},
	{IN_APACHE, "/usr/local/etc/apache24/httpd.conf"},
};

static void
parse_input(struct audit *a, struct input *in, const char *data, size_t len)
{
	struct origin *o = &a->origin;

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
	default:
		in->status = IN_UNSUPPORTED;
		break;
	}
}

/* Read one input: explicit files from the host, discovered ones inside the
 * root. Returns false when it does not exist (discovery moves on). */
static bool
read_input(struct audit *a, enum input_kind kind, const char *path, bool explicit_file)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	enum read_result rr;
	struct input *in;

	rr = explicit_file ? host_read(path, &data, &len, &err) : root_read(path, &data, &len, &err);
	if (rr == READ_MISSING && !explicit_file)
		return false;
	in = origin_add_input(&a->origin, kind, path);
	if (rr == READ_MISSING)
		input_unreadable(in, "no such file");
	else if (rr == READ_FAILED)
		input_unreadable(in, "%s", err);
	else
		parse_input(a, in, data, len);
	free(data);
	free(err);
	return true;
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

static bool
any_explicit(const struct options *opt)
{
	size_t k;

	for (k = 0; k < IN_KIND_COUNT; k++)
		if (opt->nfile[k] > 0)
			return true;
	return false;
}

static void
discover(struct audit *a)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fw_places); i++)
		read_input(a, fw_places[i].kind, fw_places[i].path, false);
	ufw_discover(a);
	for (i = 0; i < ARRAY_LEN(unsupported_places); i++) {
		if (!root_exists(unsupported_places[i].path))
			continue;
		origin_add_input(&a->origin, unsupported_places[i].kind,
				 unsupported_places[i].path)
			->status = IN_UNSUPPORTED;
	}
}

void
discover_and_parse(struct audit *a)
{
	static const enum input_kind order[] = {IN_IPSET, IN_IPTABLES, IN_IP6TABLES};
	size_t i;
	size_t k;

	if (a->opt.ranges_file)
		read_ranges(a);
	for (k = 0; k < ARRAY_LEN(order); k++)
		for (i = 0; i < a->opt.nfile[order[k]]; i++)
			read_input(a, order[k], a->opt.file[order[k]][i], true);
	if (a->opt.root || !any_explicit(&a->opt))
		discover(a);
	origin_finish(&a->origin);
}
