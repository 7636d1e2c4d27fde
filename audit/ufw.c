/* ufw as ufw-init start builds it (ufw's src/ufw-init-functions, ufw_start):
 *
 *   flush_builtins            only with MANAGE_BUILTINS=yes
 *   per family (ufw / ufw6 chain prefix):
 *     primary chains, and INPUT/OUTPUT/FORWARD jumping to before-logging,
 *       before, after, after-logging, reject, track (in that order) -- or,
 *       when they already exist, a flush of ufw's chains and no new jumps
 *     reject-DIR: -j REJECT        when DEFAULT_DIR_POLICY=REJECT
 *     track-DIR: -p tcp|udp -m conntrack --ctstate NEW -j ACCEPT   when ACCEPT
 *     logging-deny, logging-allow
 *     skip-to-policy-DIR: -j DEFAULT_DIR_POLICY
 *     before.rules, after.rules (restored with --noflush)
 *     user chains, user.rules, then before-DIR -j user-DIR (appended last)
 *     built-in policies: DEFAULT_DIR_POLICY, REJECT becoming DROP
 *   IPv6 with IPV6 other than yes: the filter table holds only policies DROP
 *     and loopback accepted (ip6tables-restore without --noflush).
 *
 * Variables come from /etc/default/ufw, then /etc/ufw/ufw.conf (both are
 * sourced, the latter last). */

#include "ufw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "util.h"

enum var { V_ENABLED, V_IPV6, V_INPUT, V_OUTPUT, V_FORWARD, V_MANAGE, V_COUNT };

static const char *const var_names[V_COUNT] = {
    [V_ENABLED] = "ENABLED",
    [V_IPV6] = "IPV6",
    [V_INPUT] = "DEFAULT_INPUT_POLICY",
    [V_OUTPUT] = "DEFAULT_OUTPUT_POLICY",
    [V_FORWARD] = "DEFAULT_FORWARD_POLICY",
    [V_MANAGE] = "MANAGE_BUILTINS",
};

struct var_value {
	bool set;
	char value[32]; /* longer values are none we accept: kept truncated */
	struct loc loc;
	struct input *in;
};

/* The three directions, with their variable and built-in chain. */
enum { D_INPUT, D_OUTPUT, D_FORWARD, D_COUNT };

static const struct {
	const char *lower;
	const char *chain;
	enum var var;
} dirs[D_COUNT] = {
    {"input", "INPUT", V_INPUT},
    {"output", "OUTPUT", V_OUTPUT},
    {"forward", "FORWARD", V_FORWARD},
};

struct policy {
	bool valid;
	enum action_kind builtin; /* A_ACCEPT or A_DROP */
	const char *target;       /* "ACCEPT", "DROP", "REJECT" */
	struct loc loc;
};

struct ufw {
	struct origin *o;
	const struct ufw_files *f;
	struct var_value v[V_COUNT];
	struct policy pol[D_COUNT];
	struct loc enabled_loc;
};

static const char *const rule_paths[FAM_COUNT][UFW_NPART] = {
    {"/etc/ufw/before.rules", "/etc/ufw/after.rules", "/etc/ufw/user.rules"},
    {"/etc/ufw/before6.rules", "/etc/ufw/after6.rules", "/etc/ufw/user6.rules"},
};

/* ---- the shell variable files ---- */

static bool
is_name_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/* NAME=value, NAME="value", NAME='value' (optionally after "export "). */
static void
read_assignment(struct ufw *u, const struct ufw_text *t, const char *s, size_t n, unsigned line)
{
	size_t i = 0;
	size_t name_len;
	size_t k;
	const char *val;
	size_t vlen;

	if (n > 7 && memcmp(s, "export ", 7) == 0) {
		s += 7;
		n -= 7;
	}
	while (i < n && is_name_char(s[i], i == 0))
		i++;
	if (i == 0 || i >= n || s[i] != '=')
		return;
	name_len = i++;
	if (i < n && (s[i] == '"' || s[i] == '\'')) {
		const char *close = memchr(s + i + 1, s[i], n - i - 1);

		val = s + i + 1;
		vlen = close ? (size_t)(close - val) : n - i - 1;
	} else {
		val = s + i;
		for (vlen = 0; i + vlen < n && val[vlen] != ' ' && val[vlen] != '\t'; vlen++)
			;
	}
	for (k = 0; k < V_COUNT; k++) {
		struct var_value *v = &u->v[k];

		if (strlen(var_names[k]) != name_len || memcmp(var_names[k], s, name_len) != 0)
			continue;
		v->set = true;
		if (vlen >= sizeof(v->value))
			vlen = sizeof(v->value) - 1;
		memcpy(v->value, val, vlen);
		v->value[vlen] = '\0';
		v->loc.file = t->in->file;
		v->loc.line = line;
		v->in = t->in;
	}
}

static void
read_vars(struct ufw *u, const struct ufw_text *t)
{
	const char *s = t->data;
	const char *end = t->data + t->len;
	unsigned line = 0;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		line++;
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n > 0 && *s != '#' && memchr(s, '\0', n) == NULL)
			read_assignment(u, t, s, n, line);
		s = nl ? nl + 1 : end;
	}
}

static bool
is_yes(const struct var_value *v)
{
	return v->set && (strcmp(v->value, "yes") == 0 || strcmp(v->value, "YES") == 0);
}

/* ufw-init compares the policies as written: ACCEPT, DROP or REJECT. */
static void
read_policies(struct ufw *u)
{
	size_t d;

	for (d = 0; d < D_COUNT; d++) {
		const struct var_value *v = &u->v[dirs[d].var];
		struct policy *p = &u->pol[d];

		p->loc = v->set ? v->loc : (struct loc){u->f->defaults.in->file, 0};
		if (!v->set) {
			input_error(u->f->defaults.in, 0,
			            "%s is not set: ufw-init cannot set the %s policy",
			            var_names[dirs[d].var], dirs[d].chain);
			continue;
		}
		p->valid = true;
		if (strcmp(v->value, "ACCEPT") == 0) {
			p->builtin = A_ACCEPT;
			p->target = "ACCEPT";
		} else if (strcmp(v->value, "DROP") == 0) {
			p->builtin = A_DROP;
			p->target = "DROP";
		} else if (strcmp(v->value, "REJECT") == 0) {
			p->builtin = A_DROP; /* the REJECT is ufw-reject-DIR's rule */
			p->target = "REJECT";
		} else {
			p->valid = false;
			input_error(v->in, v->loc.line,
			            "%s=\"%s\": ufw takes ACCEPT, DROP or REJECT",
			            var_names[dirs[d].var], v->value);
		}
	}
}

/* ---- building the framing ---- */

static struct chain *
ufw_chain(struct ufw *u, enum family fam, const char *pfx, const char *suffix)
{
	char name[64];
	struct chain *c;

	snprintf(name, sizeof(name), "%s-%s", pfx, suffix);
	c = ruleset_find_chain(&u->o->fw, "filter", name, FAM_BIT(fam));
	if (c == NULL)
		c = ruleset_add_chain(&u->o->fw, "filter", name, FAM_BIT(fam), u->enabled_loc);
	return c;
}

static struct rule *
synth_rule(struct chain *c, struct loc loc, enum action_kind kind, const char *name,
           struct chain *target)
{
	struct rule *r = chain_add_rule(c, loc);

	r->act.kind = kind;
	r->act.name = xstrdup(name);
	if (target) {
		r->act.target = target;
		r->act.target_name = xstrdup(target->name);
	}
	r->comment = xstrdup("added by ufw-init");
	return r;
}

static void
synth_verdict(struct chain *c, struct loc loc, const char *target, enum family fam)
{
	struct rule *r;

	if (strcmp(target, "ACCEPT") == 0) {
		synth_rule(c, loc, A_ACCEPT, target, NULL);
	} else if (strcmp(target, "DROP") == 0) {
		synth_rule(c, loc, A_DROP, target, NULL);
	} else {
		r = synth_rule(c, loc, A_REJECT, target, NULL);
		r->act.detail =
		    xstrdup(fam == FAM_V6 ? "icmp6-port-unreachable" : "icmp-port-unreachable");
	}
}

/* -p PROTO -m conntrack --ctstate NEW -j ACCEPT */
static void
synth_track(struct chain *c, struct loc loc, uint8_t proto)
{
	struct rule *r = synth_rule(c, loc, A_ACCEPT, "ACCEPT", NULL);
	struct match *m;

	m = rule_add_match(r, M_PROTO, false, proto == PROTO_TCP ? "-p tcp" : "-p udp");
	m->u.proto = proto;
	m = rule_add_match(r, M_CTSTATE, false, "-m conntrack --ctstate NEW");
	m->u.bits = CTS_NEW;
}

/* -i lo / -o lo -j ACCEPT */
static void
synth_loopback(struct chain *c, struct loc loc, enum match_kind kind)
{
	struct rule *r = synth_rule(c, loc, A_ACCEPT, "ACCEPT", NULL);
	struct match *m = rule_add_match(r, kind, false, kind == M_IIF ? "-i lo" : "-o lo");

	m->u.ifname = xstrdup("lo");
}

/* The chains ufw-init's chains_command lists: what delete_chains flushes. */
static const char *const ufw_chain_suffixes[] = {
    "logging-deny",
    "logging-allow",
    "not-local",
    "user-logging-input",
    "user-limit-accept",
    "user-limit",
    "skip-to-policy-input",
    "reject-input",
    "after-logging-input",
    "after-input",
    "user-input",
    "before-input",
    "before-logging-input",
    "skip-to-policy-forward",
    "reject-forward",
    "after-logging-forward",
    "after-forward",
    "user-logging-forward",
    "user-forward",
    "before-forward",
    "before-logging-forward",
    "track-forward",
    "track-output",
    "track-input",
    "skip-to-policy-output",
    "reject-output",
    "after-logging-output",
    "after-output",
    "user-logging-output",
    "user-output",
    "before-output",
    "before-logging-output",
};

static void
flush_ufw_chains(struct ufw *u, enum family fam, const char *pfx)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(ufw_chain_suffixes); i++) {
		char name[64];
		struct chain *c;

		snprintf(name, sizeof(name), "%s-%s", pfx, ufw_chain_suffixes[i]);
		if ((c = ruleset_find_chain(&u->o->fw, "filter", name, FAM_BIT(fam))) != NULL)
			ipt_chain_flush(c);
	}
}

static void
primary_chains(struct ufw *u, enum family fam, const char *pfx, struct chain *builtin[D_COUNT])
{
	static const char *const stages[] = {"before-logging", "before", "after",
	                                     "after-logging",  "reject", "track"};
	char name[64];
	size_t d;
	size_t s;

	snprintf(name, sizeof(name), "%s-before-logging-input", pfx);
	if (ruleset_find_chain(&u->o->fw, "filter", name, FAM_BIT(fam))) {
		/* a running ufw (a saved ruleset holding its chains): ufw-init
		 * flushes them and leaves the built-in chains' jumps alone */
		flush_ufw_chains(u, fam, pfx);
		return;
	}
	for (d = 0; d < D_COUNT; d++)
		for (s = 0; s < ARRAY_LEN(stages); s++) {
			char suffix[48];
			struct chain *t;

			snprintf(suffix, sizeof(suffix), "%s-%s", stages[s], dirs[d].lower);
			t = ufw_chain(u, fam, pfx, suffix);
			synth_rule(builtin[d], u->pol[d].loc, A_JUMP, t->name, t);
		}
}

/* A missing or empty rule file: ufw-init reports it and goes on. */
static bool
have_rules(struct ufw *u, enum family fam, enum ufw_part part)
{
	const struct ufw_text *t = &u->f->rules[fam][part];

	if (t->in && t->len > 0)
		return true;
	input_error(u->f->conf.in, u->enabled_loc.line,
	            "ufw is enabled but %s is missing or empty: ufw-init fails to load it",
	            rule_paths[fam][part]);
	return false;
}

static void
parse_part(struct ufw *u, enum family fam, enum ufw_part part)
{
	const struct ufw_text *t = &u->f->rules[fam][part];

	if (have_rules(u, fam, part))
		parse_iptables(u->o, t->in, t->data, t->len, fam);
}

static void
load_family(struct ufw *u, enum family fam)
{
	static const char *const user_chains[] = {
	    "user-input",          "user-output",          "user-forward", "user-logging-input",
	    "user-logging-output", "user-logging-forward", "user-limit",   "user-limit-accept",
	};
	const char *pfx = fam == FAM_V6 ? "ufw6" : "ufw";
	struct chain *builtin[D_COUNT];
	char suffix[48];
	size_t d;
	size_t i;

	for (d = 0; d < D_COUNT; d++)
		builtin[d] = ipt_builtin_chain(u->o, "filter", dirs[d].chain, fam, u->pol[d].loc);
	primary_chains(u, fam, pfx, builtin);
	for (d = 0; d < D_COUNT; d++) {
		const struct policy *p = &u->pol[d];

		if (!p->valid)
			continue;
		if (strcmp(p->target, "REJECT") == 0) {
			snprintf(suffix, sizeof(suffix), "reject-%s", dirs[d].lower);
			synth_verdict(ufw_chain(u, fam, pfx, suffix), p->loc, "REJECT", fam);
		}
		if (strcmp(p->target, "ACCEPT") == 0) {
			snprintf(suffix, sizeof(suffix), "track-%s", dirs[d].lower);
			synth_track(ufw_chain(u, fam, pfx, suffix), p->loc, PROTO_TCP);
			synth_track(ufw_chain(u, fam, pfx, suffix), p->loc, PROTO_UDP);
		}
	}
	ufw_chain(u, fam, pfx, "logging-deny");
	ufw_chain(u, fam, pfx, "logging-allow");
	for (d = 0; d < D_COUNT; d++) {
		snprintf(suffix, sizeof(suffix), "skip-to-policy-%s", dirs[d].lower);
		if (u->pol[d].valid)
			synth_verdict(ufw_chain(u, fam, pfx, suffix), u->pol[d].loc,
			              u->pol[d].target, fam);
		else
			ufw_chain(u, fam, pfx, suffix);
	}
	parse_part(u, fam, UFW_BEFORE);
	parse_part(u, fam, UFW_AFTER);
	if (have_rules(u, fam, UFW_USER)) {
		const struct ufw_text *t = &u->f->rules[fam][UFW_USER];

		for (i = 0; i < ARRAY_LEN(user_chains); i++)
			ufw_chain(u, fam, pfx, user_chains[i]);
		parse_iptables(u->o, t->in, t->data, t->len, fam);
		for (d = 0; d < D_COUNT; d++) {
			struct chain *from;
			struct chain *to;

			snprintf(suffix, sizeof(suffix), "before-%s", dirs[d].lower);
			from = ufw_chain(u, fam, pfx, suffix);
			snprintf(suffix, sizeof(suffix), "user-%s", dirs[d].lower);
			to = ufw_chain(u, fam, pfx, suffix);
			synth_rule(from, u->pol[d].loc, A_JUMP, to->name, to);
		}
	}
	for (d = 0; d < D_COUNT; d++) {
		if (!u->pol[d].valid)
			continue;
		builtin[d]->policy = u->pol[d].builtin;
		builtin[d]->policy_loc = u->pol[d].loc;
	}
	u->o->fw_seen[fam] = true;
}

/* Every chain of the filter table of fam emptied; with only_builtin, the
 * built-in chains of table only (policy ACCEPT). */
static void
flush_table(struct ufw *u, enum family fam, const char *table, bool only_builtin,
            const char *const *names, struct loc loc)
{
	size_t i;

	for (i = 0; i < u->o->fw.nchain; i++) {
		struct chain *c = u->o->fw.chains[i];

		if (c->families != FAM_BIT(fam) || strcmp(c->table, table) != 0)
			continue;
		if (only_builtin && c->hook == HOOK_NONE)
			continue;
		if (names) {
			size_t k;
			bool listed = false;

			for (k = 0; names[k]; k++)
				listed |= strcmp(names[k], c->name) == 0;
			if (!listed)
				continue;
		}
		ipt_chain_flush(c);
		if (c->hook != HOOK_NONE) {
			c->policy = A_ACCEPT;
			c->policy_loc = loc;
		}
	}
}

/* flush_builtins: iptables and ip6tables -F, -X and policies ACCEPT in
 * filter; the mangle built-in chains; IPv4 nat OUTPUT, PREROUTING,
 * POSTROUTING. (Deleted user chains are left empty: nothing jumps to them.) */
static void
flush_builtins(struct ufw *u, struct loc loc)
{
	static const char *const nat_chains[] = {"OUTPUT", "PREROUTING", "POSTROUTING", NULL};
	int fam;

	for (fam = 0; fam < FAM_COUNT; fam++) {
		flush_table(u, (enum family)fam, "filter", false, NULL, loc);
		flush_table(u, (enum family)fam, "mangle", true, NULL, loc);
	}
	flush_table(u, FAM_V4, "nat", true, nat_chains, loc);
}

/* IPV6 not yes: ip6tables-restore (no --noflush) of policies DROP and
 * loopback only. */
static void
lock_down_v6(struct ufw *u)
{
	struct loc loc =
	    u->v[V_IPV6].set ? u->v[V_IPV6].loc : (struct loc){u->f->defaults.in->file, 0};
	size_t d;

	flush_table(u, FAM_V6, "filter", false, NULL, loc);
	for (d = 0; d < D_COUNT; d++) {
		struct chain *c = ipt_builtin_chain(u->o, "filter", dirs[d].chain, FAM_V6, loc);

		c->policy = A_DROP;
		c->policy_loc = loc;
		if (d == D_INPUT)
			synth_loopback(c, loc, M_IIF);
		if (d == D_OUTPUT)
			synth_loopback(c, loc, M_OIF);
	}
	u->o->fw_seen[FAM_V6] = true;
}

enum ufw_state
ufw_load(struct origin *o, const struct ufw_files *f)
{
	struct ufw u;

	memset(&u, 0, sizeof(u));
	u.o = o;
	u.f = f;
	if (f->conf.in == NULL || f->conf.len == 0 || f->defaults.in == NULL ||
	    f->defaults.len == 0)
		return UFW_NO_CONFIG;
	read_vars(&u, &f->defaults);
	read_vars(&u, &f->conf);
	if (!is_yes(&u.v[V_ENABLED]))
		return UFW_DISABLED;
	u.enabled_loc = u.v[V_ENABLED].loc;
	read_policies(&u);
	if (is_yes(&u.v[V_MANAGE]))
		flush_builtins(&u, u.v[V_MANAGE].loc);
	load_family(&u, FAM_V4);
	if (is_yes(&u.v[V_IPV6]))
		load_family(&u, FAM_V6);
	else
		lock_down_v6(&u);
	return UFW_LIVE;
}
