/* What the Apache parser's two halves share: the configuration tree
 * (parse_apache.c reads it as httpd does) and the per-directory access
 * rules (apache_access.c evaluates Require, Order/Allow/Deny, SetEnvIf and
 * RewriteCond on the client address into the addresses refused). Not for
 * the rest of the program: the model (web.h) is what leaves the parser. */
#ifndef CFAUDIT_APACHE_H
#define CFAUDIT_APACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "model.h"
#include "web.h"

/* One directive or section of the tree. Conditional sections (<IfModule>,
 * <IfDefine>, <IfVersion>...) and Include are gone by now: httpd runs them
 * as it reads (EXEC_ON_READ), and so does the reader. */
struct anode {
	const char *name; /* as written; sections without the "<" */
	const char *args; /* the argument text; sections without the closing ">" */
	size_t argc;
	const char **argv; /* args split as ap_getword_conf splits them */
	struct loc loc;
	struct input *in;
	bool section;
	size_t nchild;
	struct anode *child;
};

/* ---- access rules (apache_access.c) ---- */

/* An address condition's value for one client address: httpd's authz
 * results, and MAYBE where it depends on something other than the address
 * (a login, a header, the request method). */
enum aval {
	AV_GRANTED,
	AV_DENIED,
	AV_NEUTRAL,
	AV_MAYBE
};

/* A Require tree: a provider (leaf) or a <RequireAll>/<RequireAny>/
 * <RequireNone> section. */
enum aleaf {
	AL_ALL_GRANTED,
	AL_ALL_DENIED,
	AL_IP,    /* set */
	AL_HOST,  /* by name: never a Cloudflare address */
	AL_ENV,   /* env: through SetEnvIf Remote_Addr */
	AL_OTHER  /* valid-user, method, expr...: MAYBE */
};

struct authz {
	bool leaf;
	bool negate;
	bool and_op; /* sections: RequireAll (true) or RequireAny */
	enum aleaf kind;
	struct ivset set[FAM_COUNT]; /* AL_IP */
	const char *env;             /* AL_ENV */
	const char *text;            /* the directive as written */
	struct loc loc;
	size_t n;
	struct authz **kids;
};

/* mod_access_compat: "Allow from", "Deny from". */
enum acmp_kind {
	AC_ALL,
	AC_IP,
	AC_HOST,
	AC_ENV,
	AC_NENV
};

struct acmp {
	enum acmp_kind kind;
	struct ivset set[FAM_COUNT];
	const char *env;
	const char *text;
	struct loc loc;
};

/* The addresses a pattern on the client address matches: surely (sure)
 * or perhaps (maybe: IPv6, or a pattern too costly to enumerate). */
struct addrmatch {
	struct ivset sure[FAM_COUNT];
	struct ivset maybe[FAM_COUNT];
};

/* SetEnvIf on the client address (by_addr, m) or on anything else
 * (MAYBE), or SetEnv (always). */
struct envset {
	const char *var;
	bool unset; /* "!var" */
	bool by_addr;
	bool always;
	struct addrmatch m;
	const char *text;
	struct loc loc;
};

/* A RewriteRule ending in 403 ([F]) and its conditions: on REMOTE_ADDR
 * (compiled regex, "-ipmatch" CIDR), or anything else (MAYBE). */
struct rwcond {
	bool addr; /* on %{REMOTE_ADDR}: m holds what it matches */
	bool neg;
	bool ornext;
	struct addrmatch m;
	const char *text;
	struct loc loc;
};

struct rwrule {
	bool forbid;     /* [F] or [R=403] */
	bool all_urls;   /* the pattern matches every path ("^", ".*", "^/?(.*)$") */
	bool proxy;      /* [P] */
	const char *pattern;
	const char *target;
	size_t ncond;
	struct rwcond *cond;
	const char *text;
	struct loc loc;
};

/* The per-directory access configuration of one section or .htaccess
 * file, and after merging, of one request path. */
enum authmerge {
	AM_UNSET,
	AM_OFF,
	AM_AND,
	AM_OR
};

enum order {
	ORD_DENY_ALLOW,
	ORD_ALLOW_DENY,
	ORD_MUTUAL
};

struct aaccess {
	/* mod_authz_core */
	struct authz *authz; /* NULL: none */
	enum authmerge merging;
	/* mod_access_compat: a section that sets any of it replaces it all */
	bool compat_set;
	enum order order;
	struct loc order_loc;
	const char *order_text;
	size_t nallow;
	struct acmp **allow;
	size_t ndeny;
	struct acmp **deny;
	int satisfy; /* 0 unset, 1 all, 2 any */
	/* mod_setenvif (appended) */
	size_t nenv;
	struct envset **env;
	/* mod_rewrite: a section that uses it replaces the rules unless
	 * RewriteOptions Inherit */
	bool rw_set;
	int rw_engine; /* 0 unset, 1 on, 2 off */
	bool rw_inherit;
	size_t nrw;
	struct rwrule **rw;
};

/* Merge add over base the way each module merges its per-directory
 * configuration, into out (sharing pieces with both). */
void aaccess_merge(struct web *w, struct aaccess *out, const struct aaccess *base,
		   const struct aaccess *add);

/* What runs for every request of a server before the per-directory
 * configuration: its SetEnvIf entries and its RewriteRules. */
struct aserver_access {
	size_t nenv;
	struct envset **env;
	bool rw_on;
	size_t nrw;
	struct rwrule **rw;
};

/* The rules the model gets for the effective access of a scope (the
 * addresses refused, grouped by the directive that refuses them); NULL when
 * no address is refused. */
const struct web_acl *aaccess_acl(struct web *w, const struct aaccess *a,
				  const struct aserver_access *srv);

/* apr_ipsubnet_create: the addresses of a "Require ip" / "Allow from" /
 * RemoteIPTrustedProxy argument ("10.1", "10.1.0.0/16",
 * "10.1.0.0/255.255.0.0", "2001:db8::/32"). */
enum subnet {
	SUBNET_OK,
	SUBNET_NOT_IP, /* does not look like an address (a host name) */
	SUBNET_BAD     /* looks like one, but is not valid */
};
enum subnet apache_subnet(const char *arg, struct cidr *out);
bool apache_ipsubnet(const char *arg, struct cidr *out);

/* Compile a pattern as httpd does (PCRE, RegexDefaultOptions DOTALL
 * DOLLAR_ENDONLY; caseless for [NC]/NoCase): NULL and *err when it does not
 * compile. Free with apache_regex_free. */
void *apache_regex(const char *pattern, bool caseless, char *err, size_t errlen);
void apache_regex_free(void *re);
bool apache_regex_match(void *re, const char *subject);
/* The client addresses whose text (as httpd writes it) re (compiled from
 * pattern) matches. */
void apache_regex_addrs(void *re, const char *pattern, struct addrmatch *m);
void addrmatch_free(struct addrmatch *m);

#endif
