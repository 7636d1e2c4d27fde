/* Certificates, keys, trust and handshakes, with OpenSSL: the only module
 * that includes it (the rest of the program sees the plain structures
 * below). It answers what the web server would make of its files (load a
 * chain and a key into a server context, as nginx and Apache do) and what
 * Cloudflare's TLS client would make of the result: the chain verified
 * against a trust store at a given time, the host names a certificate
 * covers, and a handshake, run in memory, between a server configured as
 * the origin is and a client that offers what Cloudflare offers.
 *
 * The origin's TLS library is stood in for by this host's OpenSSL (its
 * version and default security level decide what a server context accepts
 * and which protocol versions it can speak). */
#ifndef CFAUDIT_TLS_H
#define CFAUDIT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* ---- what was loaded ---- */

/* OpenSSL's security levels: 0 (anything) to 5. */
#define TLS_LEVELS 6

/* The level of a server context no cipher string changed: this OpenSSL's
 * default (its build's, or the system configuration's). */
int tls_default_level(void);

enum tls_key_type {
	TK_NONE,
	TK_RSA,
	TK_EC,
	TK_ED25519,
	TK_ED448,
	TK_OTHER
};

const char *tls_key_type_name(enum tls_key_type t); /* "RSA", "ECDSA", "Ed25519"... */

enum tls_load {
	TL_PENDING,     /* registered, not loaded yet */
	TL_OK,
	TL_MISSING,     /* no such file (inside the root) */
	TL_UNREADABLE,  /* exists but cannot be read: error says why (an input error) */
	TL_INVALID,     /* read, but not what it should be: error says why */
	TL_ENCRYPTED    /* a private key that needs a passphrase, and none was given */
};

/* One certificate, as messages need it. */
struct tls_cert {
	char *name;     /* the subject's CN, or the whole subject without one */
	char *issuer;   /* the issuer's CN, or the whole issuer */
	char *names;    /* what it covers: "www.example.com, *.example.com" (SAN or CN) */
	time_t not_before;
	time_t not_after;
	bool self_signed; /* issued by itself (subject = issuer, own key verifies it) */
	bool ca;
	enum tls_key_type key_type;
	int key_bits;
	char *curve;      /* EC keys: "prime256v1" */
	char *sig_alg;    /* "sha256WithRSAEncryption" */
	bool weak_sig;    /* signed with MD5 or SHA-1 */
	bool underscore;  /* an underscore in the CN or a DNS name */
	bool from_chain_file; /* came from the separate chain file */
};

/* One problem the verification of a chain found (every one is recorded,
 * not only the first). */
enum tls_verr_kind {
	TV_EXPIRED,
	TV_NOT_YET_VALID,
	TV_SELF_SIGNED,     /* the leaf is self-signed and not trusted */
	TV_UNTRUSTED_ROOT,  /* the chain ends in a root that is not trusted */
	TV_ISSUER_MISSING,  /* an issuer is neither in the file nor trusted */
	TV_REVOKED,
	TV_OTHER
};

struct tls_verr {
	enum tls_verr_kind kind;
	int code;      /* OpenSSL's X509_V_ERR_* (what openssl s_client prints) */
	int depth;     /* 0: the leaf */
	char *subject; /* the certificate's name */
	char *text;    /* OpenSSL's words for it */
	time_t when;   /* TV_EXPIRED, TV_NOT_YET_VALID: the date it ends or starts */
	bool in_file;  /* the certificate is one of the file's (not the trust store's) */
};

/* A certificate file (with the chain file that goes with it, if any) as the
 * server loads it, verified as Cloudflare would verify it. */
struct tls_chain {
	char *path;       /* as the server sees it; "data:..." inline */
	char *chain_path; /* NULL: none */
	/* Apache: the CA file (SSLCACertificateFile) in the server's verify
	 * store, from which OpenSSL completes the chain of a certificate sent
	 * without one (mod_ssl leaves SSL_MODE_NO_AUTO_CHAIN off; nginx sets
	 * it). NULL: none. */
	char *ca_path;
	bool auto_chained; /* the certificates after the leaf came from ca_path */
	enum tls_load status;
	char *error;      /* TL_UNREADABLE, TL_INVALID: why */
	bool chain_failed; /* the status is the chain file's */
	bool der;         /* the file is DER, which web servers do not read */
	size_t ncert;
	struct tls_cert *certs; /* certs[0] is the leaf; the file's order */
	/* The security levels of the server contexts the chain is set up in
	 * (bit L: level L), besides this OpenSSL's default: a cipher string's
	 * @SECLEVEL=L sets a context's level before nginx and Apache load its
	 * certificates (tls_chain_want_level, before the load). */
	unsigned levels;
	/* Per security level checked: OpenSSL refuses the chain in a server
	 * context of that level (a key or signature below it...), and the
	 * server cannot start with it; NULL: it takes it. */
	char *use_errors[TLS_LEVELS];
	/* Verification at the audit time against the trust store, for a TLS
	 * server (purpose sslserver), without a host name. */
	bool verified;    /* verification was run */
	int verify_code;  /* the first error (0: it verifies), as s_client reports it */
	int verify_depth;
	size_t nverr;
	struct tls_verr *verr;
	void *priv;       /* OpenSSL's objects */
	unsigned loader;  /* the loading thread that parsed them */
	/* The leaf's subjectAltName DNS names, read once when it is loaded
	 * (tls_chain_covers asks for every hostname); san_names false: no
	 * such extension, or one OpenSSL cannot decode (then X509_check_host
	 * answers). */
	bool san_names;
	size_t ndns;
	struct tls_dns_name {
		unsigned char *v; /* as in the certificate: may hold any byte */
		size_t len;
	} *dns;
};

struct tls_key {
	char *path;
	char *password_path; /* NULL: none */
	enum tls_load status;
	char *error;
	enum tls_key_type type;
	int bits;
	void *priv;
	unsigned loader;  /* the loading thread that decoded it */
};

/* ---- the trust store Cloudflare verifies with ---- */

struct tls_trust;

struct tls_trust *tls_trust_new(void);
void tls_trust_free(struct tls_trust *t);
/* Certificates to leave out of the bundles added after (an origin's locally
 * added anchors, which Cloudflare does not trust): how many were read. */
size_t tls_trust_exclude(struct tls_trust *t, const char *data, size_t len);
/* Add every certificate of a PEM bundle or a DER certificate as a trust
 * anchor; how many were added (*skipped: excluded ones). 0 with *err when the
 * data holds none. */
size_t tls_trust_add(struct tls_trust *t, const char *data, size_t len, size_t *skipped,
		     char **err);
/* Add the CRLs of a PEM or DER file: revocation is checked from then on. */
size_t tls_trust_add_crl(struct tls_trust *t, const char *data, size_t len, char **err);
size_t tls_trust_count(const struct tls_trust *t);

/* ---- loading, once per file ---- */

struct tls_files;

/* Chains are verified against trust (NULL: not verified) at time at. */
struct tls_files *tls_files_new(const struct tls_trust *trust, time_t at);
void tls_files_free(struct tls_files *f);
/* Register a certificate file (with its chain file) or a key file; the same
 * paths give the same object. Paths are as the server sees them (read
 * inside the root), or "data:" followed by the PEM text. */
struct tls_chain *tls_files_chain(struct tls_files *f, const char *path, const char *chain_path);
/* The same, for a server whose verify store holds the CA file ca_path
 * (NULL: none), from which a lone leaf's chain is completed. */
struct tls_chain *tls_files_chain_ca(struct tls_files *f, const char *path, const char *chain_path,
				     const char *ca_path);
struct tls_key *tls_files_key(struct tls_files *f, const char *path);
/* The same, opened as nginx opens an encrypted key: with each passphrase
 * of password_path (nginx's ssl_password_file: one a line) in turn; NULL:
 * none, an encrypted key is TL_ENCRYPTED. Passphrases are never kept. */
struct tls_key *tls_files_key_pw(struct tls_files *f, const char *path, const char *password_path);
/* Have the load also set c up in a server context of security level
 * (0 to 5; the default level is always checked). */
void tls_chain_want_level(struct tls_chain *c, int level);
/* Why OpenSSL refuses c in a server context of security level (NULL: it
 * takes it, or c did not load). The level must have been checked. */
const char *tls_chain_use_error(const struct tls_chain *c, int level);
/* Load and verify everything registered and not loaded yet, on threads
 * threads (0: one per online CPU). */
void tls_files_load(struct tls_files *f, unsigned threads);
/* Every chain and key registered, in registration order. */
size_t tls_files_nchain(const struct tls_files *f);
struct tls_chain *tls_files_chain_at(const struct tls_files *f, size_t i);
size_t tls_files_nkey(const struct tls_files *f);
struct tls_key *tls_files_key_at(const struct tls_files *f, size_t i);

/* ---- the other files a TLS server loads when it starts (nginx) ---- */

enum tls_aux {
	TA_DHPARAM,    /* ssl_dhparam: DH parameters (PEM), at the context's level */
	TA_CA,         /* ssl_trusted_certificate: certificates or CRLs (PEM) */
	TA_CLIENT_CA,  /* ssl_client_certificate: the same, and a certificate */
	TA_CRL,        /* ssl_crl: certificates or CRLs (PEM) */
	TA_OCSP,       /* ssl_stapling_file: an OCSP response (DER) */
	TA_TICKET_KEY, /* ssl_session_ticket_key: 48 or 80 bytes */
	TA_PASSWORDS   /* ssl_password_file: lines of under 4096 bytes */
};

/* How the server fares loading path as kind into a context of security
 * level: TL_OK, or TL_MISSING, TL_UNREADABLE, TL_INVALID with *err
 * (allocated; what the server would say). */
enum tls_load tls_aux_load(const char *path, enum tls_aux kind, int level, char **err);

/* Whether the leaf of c covers host (RFC 6125: DNS names of the SAN, the CN
 * only without DNS names, a wildcard only as the whole left-most label; an
 * IP address never matches a name). */
bool tls_chain_covers(const struct tls_chain *c, const char *host);
/* Whether the DNS name pattern (a subjectAltName entry, len bytes) covers
 * host as X509_check_host does with X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS
 * (tests/unit/test_tls.c holds the two to the same answers). */
bool tls_dns_name_covers(const unsigned char *pattern, size_t len, const char *host);
/* Whether c holds a certificate equal to one of the PEM data's. */
bool tls_chain_contains(const struct tls_chain *c, const char *pem, size_t len);
/* Whether k can be used with c's leaf, as the server sets them up: NULL, or
 * OpenSSL's error (allocated) when it refuses ("key values mismatch"). */
char *tls_pair_error(const struct tls_chain *c, const struct tls_key *k);
/* tls_pair_error of n pairs (c[i], k[i]) into errs[i], on threads threads
 * (0: every CPU): a key and a certificate parsed by different loading
 * threads are compared across library contexts, which costs an export. */
void tls_pair_errors(const struct tls_chain *const *c, const struct tls_key *const *k, char **errs,
		     size_t n, unsigned threads);

/* ---- Cloudflare's handshake with the origin ---- */

/* One OpenSSL configuration command (SSL_CONF_cmd), as Apache's
 * SSLOpenSSLConfCmd and nginx's ssl_conf_command pass it. A command that
 * names a file is applied from data (the file as read inside the root,
 * never from the host's filesystem): data NULL means the file is not there. */
struct tls_conf_cmd {
	const char *name;
	const char *value;
	const char *data; /* TCT_DH: the file's contents */
	size_t len;
};

/* What kind of value a configuration command takes (SSL_CONF_cmd_value_type). */
enum tls_conf_type {
	TCT_UNKNOWN,  /* OpenSSL has no such command: the server refuses it */
	TCT_STRING,   /* applied here as the server applies it */
	TCT_DH,       /* DHParameters: applied from the file's contents */
	TCT_FILE,     /* another file (Certificate, ChainCAFile...): not modelled */
	TCT_DIR       /* a directory (ChainCAPath...): not modelled */
};

/* The type of command name for a server (client: nginx also sets
 * SSL_CONF_FLAG_CLIENT). */
enum tls_conf_type tls_conf_type(const char *name, bool client);

/* The origin's settings for one handshake. */
struct tls_policy {
	const char *protocols; /* nginx ("TLSv1.2 TLSv1.3") or Apache ("all -TLSv1") syntax;
				  NULL: OpenSSL's defaults */
	const char *ciphers;   /* an OpenSSL cipher string (TLS 1.2 and below); NULL:
				  OpenSSL's default */
	const char *ciphersuites; /* the TLS 1.3 suites (Apache "SSLCipherSuite TLSv1.3
				     ..."); NULL: OpenSSL's default */
	bool prefer_server;    /* the server's order decides */
	bool h2;               /* h2 offered by ALPN */
	/* configuration commands applied after the settings above and the
	 * certificates, in order (TCT_STRING and TCT_DH ones, and unknown ones,
	 * which fail; the files and directories are left out by the caller) */
	size_t nconf;
	const struct tls_conf_cmd *conf;
	bool conf_client; /* nginx's SSL_CONF_FLAG_CLIENT */
};

/* A certificate the server holds, with its key (NULL, or a key that cannot
 * be used: a stand-in key of the same type is used, since only its type
 * matters to the handshake). */
struct tls_cred {
	const struct tls_chain *chain;
	const struct tls_key *key;
};

enum tls_hs_result {
	HS_OK,
	HS_BAD_PROTOCOLS, /* a protocol name the server does not know */
	HS_BAD_CIPHERS,   /* the cipher string selects nothing: the server cannot start */
	HS_BAD_SUITES,    /* the TLS 1.3 suites cannot be set: the server cannot start */
	HS_BAD_CONF,      /* OpenSSL refuses configuration command conf_failed: the
			     server cannot start */
	HS_NO_PROTOCOL,   /* no protocol version in common */
	HS_NO_CIPHER,     /* no cipher suite in common */
	HS_FAILED         /* another failure: error says which */
};

#define TLS_SUITES_MAX 32

struct tls_hs {
	enum tls_hs_result result;
	char error[256];   /* OpenSSL's reason for a failure */
	int conf_failed;   /* HS_BAD_CONF: the index of the command refused */
	char version[16];  /* negotiated: "TLSv1.3" */
	char cipher[64];   /* negotiated, OpenSSL's name */
	int cred;          /* the credential the server presented (index) */
	bool alpn_h2;      /* h2 was agreed by ALPN */
	bool h2_forbidden; /* the suite is one HTTP/2 forbids (RFC 7540 appendix A) */
	char protocols_enabled[64]; /* the versions the server speaks: "TLSv1.2 TLSv1.3" */
	int level; /* the server context's security level (the cipher string's @SECLEVEL=) */
	/* Every suite of Cloudflare's offer the server accepts, in Cloudflare's
	 * order, with its version ("ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2"). */
	size_t nsuite;
	char suites[TLS_SUITES_MAX][80];
	bool weak_only; /* every one of them is RC4 or 3DES */
};

/* Parse Cloudflare's origin offer (ipranges/origin-ciphers.txt); call once
 * before any handshake. false with *err when it cannot be used. */
bool tls_offer_init(char **err);
const char *tls_offer_text(void); /* "TLS_AES_128_GCM_SHA256:...:DES-CBC3-SHA" */

/* Run Cloudflare's handshake (SNI sni) against a server with policy p and
 * the credentials. */
void tls_handshake(const struct tls_policy *p, const struct tls_cred *cred, size_t ncred,
		   const char *sni, struct tls_hs *out);

/* Whether the settings can be applied at all (result HS_OK, or
 * HS_BAD_PROTOCOLS / HS_BAD_CIPHERS with error: the server cannot start),
 * and the security level they give the server's context (out->level). */
void tls_policy_check(const struct tls_policy *p, struct tls_hs *out);

/* What openssl s_client -verify_hostname HOST -verify_return_error reports
 * first for c (0: nothing), given whether c covers HOST: OpenSSL checks the
 * host name after building the chain and before times and revocation. */
int tls_first_error_with_host(const struct tls_chain *c, bool covered);

/* Whether the protocols text names only protocol versions the server
 * knows: NULL, or the first unknown word (allocated). */
char *tls_protocols_error(const char *protocols);

/* Whether this OpenSSL has a compression method (Apache's SSLCompression
 * on is refused without one). */
bool tls_compression_available(void);

/* The date of t as "2026-06-30". */
void tls_date(time_t t, char *buf, size_t n);

#endif
