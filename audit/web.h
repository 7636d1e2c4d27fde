/* The web servers of the origin model: listeners, virtual hosts, locations
 * and the effective settings in each, as the nginx and Apache parsers fill
 * them and the checks read them. Format-neutral: the software is recorded as
 * a string for reports and never switched on; only web_vhost_for follows
 * the server's own name-based hosting rules (enum web_rules). Every value
 * says where it was set (struct loc) or that the software's default applies. */
#ifndef CFAUDIT_WEB_H
#define CFAUDIT_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "model.h"

/* A numeric setting in effect: milliseconds for times, bytes for sizes, a
 * count or a flag (0/1) otherwise. name is the directive as written (for
 * messages); dflt: not set anywhere, the software's default applies and loc
 * is the block it applies to. set: false when the setting does not exist
 * in this scope at all (e.g. a module not in use). text: the value as
 * written when the number does not say it (Apache "KeepAlive Off" is a
 * keep-alive timeout of 0); NULL otherwise. */
struct web_value {
	long long v;
	const char *name;
	struct loc loc;
	bool dflt;
	bool set;
	const char *text;
};

/* A text setting in effect (TLS files, cipher strings, a header name).
 * text NULL: not set; the software's default applies (dflt). */
struct web_text {
	const char *text;
	const char *name;
	struct loc loc;
	bool dflt;
};

/* ---- listeners ---- */

enum web_addr_kind {
	WA_ANY,  /* the wildcard address of fam ("listen 80", "[::]:443", "*:80") */
	WA_ADDR, /* one address */
	WA_NAME, /* a host name resolved when the server starts: unknown here */
	WA_UNIX  /* a UNIX socket: never reached by Cloudflare */
};

struct web_listen {
	struct loc loc;
	const char *text; /* the address as written */
	enum web_addr_kind kind;
	enum family fam;
	u128 addr;
	uint16_t port;
	bool ssl;
	bool http2;
	bool proxy_protocol;
	struct loc proxy_loc; /* where proxy_protocol is written for the socket */
	bool default_server;
	bool ipv6only; /* WA_ANY of IPv6: false when it also takes IPv4 */
};

/* Whether a listener takes connections sent to a public address of family
 * fam (the wildcard, or a specific address that is not loopback). */
bool web_listen_public(const struct web_listen *l, enum family fam);

struct web_vhost;

/* The listener of v that takes a connection to addr:port (addr_known
 * false: some public address of fam): the one on that very address, else
 * a public wildcard one; NULL when v does not listen there. */
const struct web_listen *web_listener_at(const struct web_vhost *v, enum family fam,
					 bool addr_known, u128 addr, uint16_t port);

struct web_server;

/* Whether every client address in cf (one family's Cloudflare ranges) may
 * connect without the PROXY header that s's PROXY protocol listeners wait
 * for (Apache RemoteIPProxyProtocolExceptions). */
bool web_proxy_exempt(const struct web_server *s, const struct ivset *cf);

/* ---- names ---- */

enum web_name_kind {
	WN_EXACT,    /* "www.example.com", "" (requests without a Host) */
	WN_LEADING,  /* "*.example.com", ".example.com" (dot: also example.com) */
	WN_TRAILING, /* "www.example.*" */
	WN_REGEX,    /* "~^(?<sub>.+)\.example\.com$" */
	WN_GLOB      /* Apache ServerAlias "*.example.com", "www?.example.*": caseless
		      * shell wildcards, "*" crossing dots */
};

struct web_name {
	enum web_name_kind kind;
	const char *text;  /* as written */
	const char *fixed; /* lowercased: the exact name, the wildcard's fixed part, the regex */
	bool dot;          /* ".example.com" */
	bool caseless;     /* regex: compiled caseless */
	void *re;          /* compiled regex (PCRE2), NULL when it does not compile */
	struct loc loc;
};

/* ---- per-scope settings ---- */

/* What a location hands requests to. */
enum web_backend {
	WB_NONE = -1,
	WB_HTTP,    /* proxy_pass, ProxyPass http:// */
	WB_FASTCGI, /* fastcgi_pass, ProxyPass fcgi://, mod_fcgid */
	WB_UWSGI,
	WB_SCGI,
	WB_GRPC,
	WB_OTHER, /* memcached_pass, a module's content handler */
	WB_COUNT
};

const char *web_backend_name(enum web_backend b); /* "HTTP", "FastCGI", ... */

/* An access rule: allow or deny an address block, or everybody.
 * Rules that are not one block (Apache's Require expressions, Order/Allow/
 * Deny, SetEnvIf and RewriteCond on the client address, evaluated into the
 * addresses they refuse) carry the set of addresses instead: set[fam],
 * normalised; NULL for all/cidr rules. other: the rule lets in clients
 * named otherwise than by their address (a host name): it matches no
 * Cloudflare address but lets somebody in. what: the rule as the
 * configuration writes it, for messages; NULL: "allow/deny TEXT". */
struct web_acl_rule {
	bool allow;
	bool all;
	bool unix_socket; /* "unix:": only UNIX socket clients */
	bool other;
	struct cidr cidr;
	const struct ivset *set;
	const char *text;
	const char *what;
	struct loc loc;
};

/* An ordered access list (first match wins); shared by the scopes that
 * inherit it, so a check reports each list once. */
struct web_acl {
	struct loc loc; /* the first rule */
	size_t n;
	struct web_acl_rule *v;
};

struct web_addr_entry {
	struct cidr cidr;
	bool unix_socket;
	const char *text;
	struct loc loc;
};

/* The addresses trusted to name the client (nginx set_real_ip_from, Apache
 * RemoteIPTrustedProxy), shared by the scopes that inherit it. */
struct web_trust {
	struct loc loc; /* the first entry */
	size_t n;
	struct web_addr_entry *v;
	struct ivset set[FAM_COUNT]; /* normalised union */
};

/* A request or connection limit (limit_req, limit_conn, mod_evasive...). */
enum web_limit_kind {
	WLIM_REQ,
	WLIM_CONN
};

struct web_limit {
	enum web_limit_kind kind;
	const char *name; /* the directive ("limit_req") */
	const char *zone; /* the zone or bucket */
	const char *key;  /* the zone's key as written; NULL when the zone is undefined */
	bool key_client_addr; /* counted per client address (real-IP restoration applies) */
	bool key_peer_addr;   /* counted per connecting address, never restored */
	long long status; /* what a request over the limit gets */
	struct loc loc;
	struct loc zone_loc;
};

struct web_limits {
	size_t n;
	struct web_limit *v;
};

/* A "return" (or an equivalent response without a backend). */
struct web_return {
	int code;
	const char *text; /* URL or body; NULL when none */
	bool conditional; /* inside an "if" */
	struct loc loc;
};

/* The settings in effect in one scope, after inheritance. A location
 * points to them (web_settings_share): immutable once shared, one block for
 * every scope where the same settings are in effect. */
struct web_settings {
	struct web_value backend_read[WB_COUNT]; /* read timeout, ms */
	struct web_value backend_send[WB_COUNT]; /* send timeout, ms */
	struct web_value keepalive_timeout;      /* ms; 0: keep-alive disabled */
	struct web_value keepalive_requests;
	struct web_value client_header_timeout; /* ms */
	struct web_value client_body_timeout;   /* ms */
	struct web_value send_timeout;          /* ms */
	struct web_value header_buffers;        /* large_client_header_buffers: count */
	struct web_value header_buffer_size;    /* bytes */
	const struct web_trust *trust;          /* NULL: no real-IP trust */
	struct web_text real_ip_header;         /* the header the client address comes from */
	struct web_value real_ip_recursive;
	const struct web_limits *limits; /* NULL: none */
};

/* ---- virtual hosts and locations ---- */

enum web_scope_kind {
	WS_SERVER,        /* the virtual host itself (requests before/without a location) */
	WS_PREFIX,        /* location /path */
	WS_EXACT,         /* location = /path */
	WS_PREFIX_NOREGEX,/* location ^~ /path */
	WS_REGEX,         /* location ~ re */
	WS_REGEX_CASELESS,/* location ~* re */
	WS_NAMED,         /* location @name */
	WS_IF,            /* if (condition): applies when the condition holds */
	WS_LIMIT_EXCEPT,  /* limit_except METHODS: applies to the other methods */
	WS_LIMIT          /* Apache <Limit METHODS>: applies to these methods */
};

struct web_vhost;

struct web_location {
	enum web_scope_kind kind;
	const char *path; /* the location's path, regex, name or condition */
	/* How the configuration names the scope when "location PATH" does
	 * not ("<Directory /srv/www/admin>", "<FilesMatch \.php$>"); NULL
	 * otherwise. */
	const char *label;
	struct loc loc;
	struct web_vhost *vhost;
	struct web_location *parent; /* NULL for the WS_SERVER scope */
	enum web_backend backend;    /* WB_NONE: served locally */
	struct web_text target;      /* what the backend is (proxy_pass URL) */
	size_t nret;
	struct web_return *ret; /* in order */
	/* The access rules in effect here (NULL: none). Not one of the
	 * settings: an Apache directory has an access list of its own (merged
	 * from its sections and .htaccess files) where everything else is its
	 * host's. */
	const struct web_acl *acl;
	/* The settings in effect here: never NULL, shared by the scopes
	 * that have the same settings (an nginx location that sets nothing
	 * of its own points to its parent's; an Apache host's directories to
	 * one block), so a scope costs a pointer, not a copy of 1 KB. */
	const struct web_settings *s;
};

struct web_tls {
	size_t ncert;
	struct web_text *cert; /* ssl_certificate: one per key type */
	size_t nkey;
	struct web_text *key;
	struct web_text protocols;
	struct web_text ciphers;
	struct web_text prefer_server_ciphers;
	struct web_text verify_client;
	struct web_text client_certificate;
	struct web_text trusted_certificate;
	/* nginx ssl_reject_handshake: "on" refuses every handshake the
	 * server is chosen for (by SNI; without SNI, the default server) */
	struct web_text reject_handshake;
	/* nginx ssl_dhparam and ssl_crl: files loaded when the server starts */
	struct web_text dhparam;
	struct web_text crl;
	/* OCSP stapling "on" (nginx ssl_stapling, Apache SSLUseStapling);
	 * nginx ssl_stapling_file, the OCSP response (DER) read when the
	 * server starts with stapling on */
	struct web_text stapling;
	struct web_text stapling_file;
	/* nginx ssl_session_ticket_key: every file named (each 48 or 80
	 * bytes), read when the server starts; inherited as a whole */
	size_t nticket_key;
	struct web_text *ticket_key;
	/* nginx ssl_password_file: the passphrases of encrypted keys, read
	 * when the configuration is */
	struct web_text password_file;
	/* A separate file of intermediates sent after every certificate
	 * (Apache SSLCertificateChainFile); text NULL: none. */
	struct web_text chain;
	/* The TLS 1.3 suites (Apache "SSLCipherSuite TLSv1.3 ..."), an
	 * OpenSSL ciphersuites list; text NULL: OpenSSL's default. */
	struct web_text ciphersuites;
	/* Apache: where the virtual host's TLS is turned on (SSLEngine on,
	 * or a certificate on an https address); text NULL: httpd makes no
	 * TLS context for it, and a connection that reaches it through
	 * another host's TLS socket keeps that host's context. */
	struct web_text engine;
	/* Apache: a directory of CA certificates (SSLCACertificatePath) and
	 * the CRL file and directory (the file is in crl): checked when
	 * httpd reads the configuration */
	struct web_text ca_path;
	struct web_text crl_path;
	/* Apache SSLSessionTicketKeyFile: 48 bytes read at start */
	struct web_text ticket_key_file;
	/* Apache: the cache OCSP stapling (SSLUseStapling, in stapling)
	 * needs (SSLStaplingCache, one for the whole server) */
	struct web_text stapling_cache;
	/* Apache SSLCompression "on" */
	struct web_text compression;
	/* Apache: SSLVerifyClient require in a <Location> or <Directory>
	 * (the demand comes after the handshake, for the request); text: the
	 * section's label. root: it covers every URL of the host. */
	struct web_text verify_client_dir;
	bool verify_client_dir_root;
	/* OpenSSL configuration commands (Apache SSLOpenSSLConfCmd, nginx
	 * ssl_conf_command), applied in order after the server's own
	 * settings, as both servers do */
	size_t nconf;
	struct web_conf_cmd {
		const char *name;
		const char *value;
		const char *path; /* the value as a file's path, resolved (Apache:
				     against ServerRoot); NULL: resolve_path's */
		struct loc loc;
	} *conf;
};

struct web_server;
struct web_index;

struct web_vhost {
	struct loc loc;
	struct web_server *server;
	size_t index; /* order in the configuration */
	size_t nname;
	struct web_name *names;
	size_t nlisten;
	struct web_listen *listen; /* the sockets that lead here */
	/* Apache: the <VirtualHost> addresses as written (port 0: "*"), from
	 * which web_vhost_for groups the hosts; nginx: none. */
	size_t naddr;
	struct web_listen *addrs;
	struct web_value http2; /* "http2 on" (per virtual host) */
	struct web_tls tls;
	/* locs[0] is the WS_SERVER scope; the locations follow in
	 * configuration order, nested ones after their parent. */
	size_t nloc;
	struct web_location **locs;
};

/* Which rules decide the virtual host of a request (web_vhost_for): nginx's
 * (listen sockets per server block, longest wildcard, regexes, default_server)
 * or Apache's (Listen sockets for the whole server, <VirtualHost> addresses
 * grouped per address:port, the first name that matches in configuration
 * order, the first host of a group as its default, the main server when no
 * group takes the connection). */
enum web_rules {
	WEB_RULES_NGINX,
	WEB_RULES_APACHE
};

/* One web server configuration (an nginx or Apache instance). */
/* A shared memory zone a directive declares (nginx: ssl_session_cache
 * shared:NAME:SIZE, limit_req_zone, limit_conn_zone): nginx keeps one zone
 * per name, for one use and of one size, and refuses to start on a second
 * declaration that disagrees. */
enum web_shm_use {
	WSHM_SSL_SESSION,
	WSHM_LIMIT_REQ,
	WSHM_LIMIT_CONN
};

struct web_shm {
	const char *name;
	enum web_shm_use use;
	long long size;        /* bytes */
	const char *directive; /* "ssl_session_cache" */
	struct loc loc;
};

struct web_server {
	const char *software; /* "nginx", "apache": for reports only */
	enum web_rules rules;
	struct loc loc;       /* the main configuration file */
	size_t nvhost;
	size_t vhost_cap;
	struct web_vhost **vhosts;
	/* Apache: the Listen sockets, and the main server (the configuration
	 * outside <VirtualHost>) that answers connections no virtual host
	 * takes; it is one of vhosts when some socket leads to it. */
	size_t nsocket;
	struct web_listen *sockets;
	struct web_vhost *main_vhost;
	/* Apache RemoteIPProxyProtocolExceptions: clients that may connect
	 * without the PROXY header to a listener that waits for one. */
	size_t npp_exempt;
	struct cidr *pp_exempt;
	/* nginx: the shared memory zones declared, in the order read (the
	 * zones of the http block first) */
	size_t nshm;
	struct web_shm *shm;
	/* web_vhost_for's index of the names, made on the first question
	 * (the model is complete by then: parsers never ask); NULL for a
	 * server not made by web_add_server: every question scans. */
	struct web_index *index;
};

struct web_arena;

struct web {
	size_t nserver;
	size_t server_cap;
	struct web_server **servers;
	struct web_arena *arena;
	size_t nregex;
	size_t regex_cap;
	void **regexes;
	size_t ntrust;
	size_t trust_cap;
	struct web_trust **trusts;
};

/* The origin's web model, created on first use. */
struct web *origin_web(struct origin *o);
void web_free(struct web *w);
/* Move everything of from (servers, in order, after w's) into w; from is
 * freed. */
void web_append(struct web *w, struct web *from);

/* Allocation that lives as long as the model. */
void *web_alloc(struct web *w, size_t n);
/* n bytes without alignment (text). */
void *web_alloc_bytes(struct web *w, size_t n);
const char *web_strdup(struct web *w, const char *s);
const char *web_strndup(struct web *w, const char *s, size_t n);
/* Grow an arena array *v of *n elements so one more fits; returns the new slot (zeroed). */
void *web_push(struct web *w, void **v, size_t *n, size_t size);

struct web_server *web_add_server(struct web *w, const char *software, struct loc loc);
struct web_vhost *web_add_vhost(struct web *w, struct web_server *s, struct loc loc);
struct web_location *web_add_location(struct web *w, struct web_vhost *v,
				      struct web_location *parent, enum web_scope_kind kind,
				      const char *path, struct loc loc);
/* Add a server name; false (with *err) when nginx would refuse it. */
bool web_add_name(struct web *w, struct web_vhost *v, const char *text, struct loc loc,
		  const char **err);
/* Add an Apache ServerName or ServerAlias: exact, or WN_GLOB when it holds
 * "*" or "?" (ServerName never does: glob false). */
void web_add_name_apache(struct web *w, struct web_vhost *v, const char *text, struct loc loc,
			 bool glob);
/* Whether a and b are the same settings, value by value (the lists they
 * point to by identity: a check reports a shared list once). */
bool web_settings_same(const struct web_settings *a, const struct web_settings *b);
/* The settings s as a block of the model that is never written again:
 * like when it holds the same settings (like may be NULL), else a copy. */
const struct web_settings *web_settings_share(struct web *w, const struct web_settings *s,
					      const struct web_settings *like);
/* A trust list (its address sets are freed with the model); finish builds
 * the sets once the entries are in. */
struct web_trust *web_add_trust(struct web *w, struct loc loc);
void web_trust_finish(struct web_trust *t);

/* ---- evaluation ---- */

/* Which virtual host answers a request for host (the Host header or SNI;
 * NULL or "" for none) arriving at addr:port of fam (addr_known false: any
 * address that only wildcard listeners take). NULL when nothing listens
 * there. *by_default: no name matched and the default server answers.
 * The first question about an address:port indexes its hosts' names in s
 * (one thread at a time; a host added later makes the index again). */
const struct web_vhost *web_vhost_for(const struct web_server *s, const char *host, enum family fam,
				      bool addr_known, u128 addr, uint16_t port, bool *by_default);

/* The default server of the addr:port a listener belongs to. */
const struct web_vhost *web_default_vhost(const struct web_server *s, const struct web_listen *l);

/* Apache: the virtual hosts that share the address:port a connection
 * arrives at, in the order their names are tried (the first is the default
 * server), as "apachectl -S" lists them; at most max go to out. Returns how
 * many there are: 0 when the main server answers, or nothing listens there
 * (then *main_server is false). */
size_t web_apache_group(const struct web_server *s, enum family fam, bool addr_known, u128 addr,
			uint16_t port, const struct web_vhost **out, size_t max, bool *main_server);

/* Whether name (lowercased, no trailing dot) matches n. */
bool web_name_matches(const struct web_name *n, const char *host);

/* A vhost's first name, for messages ("_" style catch-alls included). */
const char *web_vhost_label(const struct web_vhost *v);

#endif
