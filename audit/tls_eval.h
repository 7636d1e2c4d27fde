/* The TLS evaluator: what each web server loads (every certificate and key
 * its virtual hosts name, each file loaded and verified once) and what
 * Cloudflare's TLS connection meets for each hostname on each TLS port the
 * SSL mode makes it use: which virtual host presents which certificate,
 * whose protocols and ciphers apply, the handshake's outcome, whether the
 * certificate is valid for the name, and the status Cloudflare shows. It
 * reads the web model only (web.h), never a parser; the checks
 * (checks/tls.c) turn its results into findings. */
#ifndef CFAUDIT_TLS_EVAL_H
#define CFAUDIT_TLS_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "tls.h"
#include "web.h"

/* One certificate a virtual host names (with its key and chain file), as
 * the server loads it. Virtual hosts that inherit the same directives share
 * one. */
struct tls_use {
	const struct web_server *server;
	const struct web_vhost *vhost; /* the first that names it */
	const struct web_text *cert;
	const struct web_text *key;   /* NULL: no key named for it (Apache: key_path is
					 the certificate's file then) */
	const struct web_text *chain; /* NULL: no chain file */
	char *cert_path;              /* resolved against the configuration's directory */
	char *key_path;
	char *chain_path;
	/* the security level of the server context it is loaded in (the
	 * virtual host's cipher string's @SECLEVEL=, or the default): a use
	 * per level */
	int level;
	/* nginx ssl_password_file in effect (NULL: none): the key is opened
	 * with its passphrases */
	const struct web_text *password_file;
	bool dynamic;           /* a path with variables (or an engine key): not loadable here */
	struct tls_chain *c;    /* NULL when dynamic */
	struct tls_key *k;      /* NULL: no key, or dynamic */
	char *pair_error;       /* the key does not go with the certificate */
};

/* Whether the server can start with the use (c and k loaded, matching). */
bool tls_use_loads(const struct tls_use *u);
/* An encrypted key nginx has no ssl_password_file for: it asks for the
 * passphrase on a terminal when it starts, and started by systemd (with
 * none) it fails ("bad password read"). */
bool nginx_needs_passphrase(const struct tls_use *u);

/* What Cloudflare shows for a hostname, in the audit's SSL mode. */
enum tls_status {
	TS_OK,
	TS_AOP,     /* fine while Authenticated Origin Pulls is on for the zone */
	TS_UNKNOWN, /* a certificate loaded per handshake: not decided */
	TS_520,     /* h2 with a suite HTTP/2 forbids; or (renegotiate) a client
		       certificate demanded by renegotiation, which Cloudflare refuses */
	TS_403,     /* a client certificate demanded after a TLS 1.3 handshake
		       (post-handshake authentication, which Cloudflare does not offer) */
	TS_400,     /* a client certificate is demanded: every request is refused */
	TS_526,
	TS_525,
	TS_521      /* the server cannot start with its TLS files */
};

const char *tls_status_name(enum tls_status s); /* "OK", "525", ... */

enum tls_client_cert {
	CC_NONE,
	CC_AOP,     /* demanded, with Cloudflare's origin-pull CA */
	CC_REFUSED, /* demanded in the handshake: it fails (Apache "require") */
	CC_400      /* demanded after the handshake: nginx answers 400 ("on") */
};

/* Cloudflare's connection for one hostname on one TLS port. */
struct tls_outcome {
	const struct web_server *server;
	char *host;   /* the SNI Cloudflare sends; "" for none */
	const struct web_name *name; /* the server name it stands for (NULL: no SNI) */
	bool probe;   /* host is made up to stand for the names a wildcard matches */
	enum family fam;
	uint16_t port;
	const struct web_vhost *vhost;   /* answers the request */
	/* presents its certificates, with its cipher list, cipher order and
	 * client certificate demand (NULL: no certificate anywhere) */
	const struct web_vhost *certv;
	const struct web_vhost *policyv; /* its protocol versions apply */
	/* the default server of the address:port, whose context the
	 * connection starts with (NULL: none) */
	const struct web_vhost *defaultv;
	const struct web_listen *listen; /* the TLS listener */
	/* nginx ssl_reject_handshake on in the server the handshake is for:
	 * every handshake is refused (NULL: not set, or off) */
	const struct web_text *reject;
	bool by_default;                 /* no server names host: the default server answers */
	bool h2;                         /* h2 is offered by ALPN */
	size_t nuse;
	struct tls_use **uses; /* certv's certificates */
	const struct tls_hs *hs; /* NULL: not run (no certificate, server cannot start) */
	int presented;           /* index into uses of the one presented; -1 */
	bool covered;            /* the presented certificate covers host */
	enum tls_client_cert cc;
	const struct web_text *cc_text; /* the verify_client setting */
	bool cc_handshake;              /* the demand is made in the handshake */
	/* Apache SSLVerifyClient require in a section covering every URL of
	 * the host answering: demanded per request, after the handshake */
	const struct web_text *dir_demand;
	bool renegotiate; /* TS_520 for dir_demand over TLS 1.2 or below */
	enum tls_status status;
	/* TS_UNKNOWN: why, and where (NULL: a certificate chosen per handshake) */
	const char *unknown_why;
	struct loc unknown_loc;
	/* openssl s_client -verify_hostname HOST -verify_return_error: the
	 * first error it reports (0: none), for the oracle */
	int verify_code;
};

struct tls_eval {
	struct tls_trust *trust; /* NULL: no validation (modes below Full (strict)) */
	struct tls_files *files;
	size_t nuse;
	size_t use_cap;
	struct tls_use **uses;
	size_t nout;
	size_t out_cap;
	struct tls_outcome *outs;
	/* Per web server (a->origin.web->servers order): its TLS files or
	 * settings keep it from starting. */
	bool *fails;
	/* nginx: the other files a TLS server loads at start that are not
	 * there, and a client certificate demand without a CA file */
	size_t nstart;
	size_t start_cap;
	struct tls_start_error {
		const char *id; /* the check */
		const struct web_server *server;
		struct loc loc;
		char *why;
	} *start_errors;
	struct tls_eval_priv *priv;
};

/* Stand pem (PEM text that outlives the audits; NULL: Cloudflare's own,
 * built in) in for Cloudflare's origin-pull CA: the TLS oracle's test CA,
 * whose key signs the client certificate it presents as Cloudflare would. */
void tls_eval_origin_pull_ca(const char *pem, size_t len);

/* Evaluate a->origin.web into a->tls (NULL when there is no web server);
 * TLS files that cannot be read become inputs with errors. */
void tls_evaluate(struct audit *a);
void tls_eval_free(struct tls_eval *e);

/* The handshake's settings: the protocols of policyv, the cipher list and
 * order and the configuration commands of certv (NULL: policyv's). */
void tls_policy_of(const struct tls_eval *e, const struct web_server *s,
		   const struct web_vhost *policyv, const struct web_vhost *certv, bool h2,
		   struct tls_policy *p);

/* The configuration command of v that OpenSSL refused in hs (HS_BAD_CONF),
 * or NULL. */
const struct web_conf_cmd *tls_eval_conf_failed(const struct tls_eval *e,
						const struct web_server *s,
						const struct web_vhost *v, const struct tls_hs *hs);

/* The first configuration command of v that is not modelled (a file or
 * directory other than DHParameters given to OpenSSL), or NULL. */
const struct web_conf_cmd *tls_eval_conf_unmodelled(const struct tls_eval *e,
						    const struct web_server *s,
						    const struct web_vhost *v);

/* Whether server i of the web model (a->origin.web->servers order) cannot
 * start, and where the first cause stands (its server's configuration
 * when none is known). */
bool tls_eval_fails(const struct tls_eval *e, size_t i);
struct loc tls_eval_fail_loc(const struct tls_eval *e, const struct web_server *s);

/* The use of certificate i of v (NULL when it has none). */
struct tls_use *tls_eval_use(const struct tls_eval *e, const struct web_vhost *v, size_t i);

/* The handshake error of a virtual host's own settings (HS_BAD_*: the
 * server cannot start), or NULL. */
const struct tls_hs *tls_eval_policy_error(const struct tls_eval *e, const struct web_vhost *v);

#endif
