/* TLS and certificate checks: what keeps the web server from starting
 * (521), what fails Cloudflare's handshake (525), what fails its Full
 * (strict) validation (526), and the client-certificate and HTTP/2 cases.
 * They read the TLS evaluation (tls_eval.h) of the web model, so nginx and
 * Apache are judged alike. A finding stands at the directive that causes it
 * and names the hostnames it affects; one finding per cause and port. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "tls_eval.h"
#include "util.h"

#define MSG_MAX_HOSTS 3
#define DAY 86400

/* ---- findings grouped by cause ---- */

struct cause {
	const char *id;
	struct loc loc;
	uint16_t port;
	char *pre;  /* the message before the hostnames */
	char *post; /* after them */
	size_t nhost;
	size_t host_cap;
	char **hosts;
};

struct causes {
	size_t n;
	size_t cap;
	struct cause *v;
	/* "key" -> index + 1, open addressing; also "index host" keys, so
	 * that a cause lists each of thousands of hosts once */
	size_t icap;
	size_t nkey;
	struct islot {
		char *key;
		size_t idx;
	} *index;
};

static size_t
key_hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t *
index_slot(struct causes *c, const char *key, bool *found)
{
	size_t i;

	if ((c->nkey + 1) * 2 > c->icap) {
		size_t old = c->icap;
		struct islot *ov = c->index;

		c->icap = old ? old * 2 : 64;
		c->index = xcalloc(c->icap, sizeof(*c->index));
		for (i = 0; i < old; i++)
			if (ov[i].key) {
				size_t j = key_hash(ov[i].key) & (c->icap - 1);

				while (c->index[j].key)
					j = (j + 1) & (c->icap - 1);
				c->index[j] = ov[i];
			}
		free(ov);
	}
	for (i = key_hash(key) & (c->icap - 1); c->index[i].key; i = (i + 1) & (c->icap - 1))
		if (strcmp(c->index[i].key, key) == 0) {
			*found = true;
			return &c->index[i].idx;
		}
	*found = false;
	c->index[i].key = xstrdup(key);
	c->nkey++;
	return &c->index[i].idx;
}

/* Add host (a label: a name, a wildcard, "every hostname") to the finding
 * of check id at loc on port with the message pre HOSTS post. */
static void
cause_add(struct causes *c, const char *id, struct loc loc, uint16_t port, const char *host,
	  char *pre, char *post)
{
	char *key = xasprintf("%s\001%s\001%u\001%u\001%s\001%s", id, loc.file ? loc.file : "",
			      loc.line, port, pre, post);
	bool found;
	size_t *slot = index_slot(c, key, &found);
	struct cause *k;

	free(key);
	if (found) {
		k = &c->v[*slot];
		free(pre);
		free(post);
	} else {
		struct cause nc;

		memset(&nc, 0, sizeof(nc));
		nc.id = id;
		nc.loc = loc;
		nc.port = port;
		nc.pre = pre;
		nc.post = post;
		*slot = c->n;
		VEC_PUSH(c->v, c->n, c->cap, nc);
		k = &c->v[c->n - 1];
	}
	if (host == NULL)
		return;
	key = xasprintf("%zu\002%s", (size_t)(k - c->v), host);
	index_slot(c, key, &found);
	free(key);
	if (!found)
		VEC_PUSH(k->hosts, k->nhost, k->host_cap, xstrdup(host));
}

static void
causes_emit(struct audit *a, struct causes *c)
{
	size_t i;
	size_t j;

	for (i = 0; i < c->n; i++) {
		struct cause *k = &c->v[i];
		struct buf b = {NULL, 0, 0};
		struct finding *f;
		char *msg;

		buf_adds(&b, k->pre);
		for (j = 0; j < k->nhost && j < MSG_MAX_HOSTS; j++) {
			if (j > 0)
				buf_adds(&b, j + 1 == k->nhost ? " and " : ", ");
			buf_adds(&b, k->hosts[j]);
		}
		if (k->nhost > MSG_MAX_HOSTS)
			buf_addf(&b, " and %zu more", k->nhost - MSG_MAX_HOSTS);
		buf_adds(&b, k->post);
		msg = buf_take(&b);
		f = audit_finding(a, k->id, k->loc, "%s", msg);
		free(msg);
		if (k->port)
			finding_add_port(f, k->port);
		if (k->nhost)
			finding_set_host(f, k->hosts[0]);
		for (j = 0; j < k->nhost; j++)
			free(k->hosts[j]);
		free(k->hosts);
		free(k->pre);
		free(k->post);
	}
	for (i = 0; i < c->icap; i++)
		free(c->index[i].key);
	free(c->index);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* ---- helpers ---- */

static const char *
path_text(const char *path)
{
	return strncmp(path, "data:", 5) == 0 ? "(inline data:)" : path;
}

/* Where a setting stands: its directive, or (a default) the block it
 * applies to, or the virtual host. */
static struct loc
text_loc(const struct web_text *t, const struct web_vhost *v)
{
	if (t->loc.file)
		return t->loc;
	return v->loc;
}

static const char *
text_name(const struct web_text *t, const char *fallback)
{
	return t->name ? t->name : fallback;
}

static const char *
start_text(const struct web_server *s)
{
	return s->software ? s->software : "the web server";
}

/* "www.example.com", "*.example.com" (a wildcard's made-up name stands for
 * the names it matches), "every hostname" (no SNI). */
static const char *
host_label(const struct tls_outcome *o)
{
	if (o->host[0] == '\0')
		return "every hostname";
	if (o->probe && o->name)
		return o->name->text;
	return o->host;
}

/* ---- what keeps the server from starting ---- */

/* " at security level 3, which ssl_ciphers sets with @SECLEVEL=3" when the cipher
 * string set the level the certificate is loaded at; "" at the default. */
static const char *
level_text(const struct tls_use *u, char *buf, size_t n)
{
	const struct web_text *t = &u->vhost->tls.ciphers;

	if (u->level == tls_default_level())
		return "";
	snprintf(buf, n, " at security level %d, which %s sets with @SECLEVEL=%d", u->level,
		 text_name(t, "the cipher string"), u->level);
	return buf;
}

static void
use_findings(struct audit *a, const struct tls_use *u)
{
	const char *sw = start_text(u->server);
	const struct tls_chain *c = u->c;
	const struct tls_key *k = u->k;
	/* the key's directive, or the certificate's when it holds the key */
	const struct web_text *kt = u->key ? u->key : u->cert;
	const char *use_error;
	char level[160];

	if (u->dynamic) {
		audit_finding(a, "CF000-TLS-UNCHECKED", u->cert->loc,
			      "%s %s (key %s) is loaded for each handshake (variables, or a key "
			      "in an engine or token): the certificate is not checked",
			      u->cert->name, path_text(u->cert_path),
			      u->key_path ? path_text(u->key_path) : "none");
		return;
	}
	if (c->status == TL_MISSING || c->status == TL_INVALID) {
		struct loc at = c->chain_failed && u->chain ? u->chain->loc : u->cert->loc;
		const char *name = c->chain_failed && u->chain ? u->chain->name : u->cert->name;
		const char *path = c->chain_failed ? c->chain_path : c->path;

		audit_finding(a, "CF521-TLS-CERT-LOAD", at,
			      "%s %s: %s: %s cannot load it and refuses to start (visitors get 521)",
			      name, path_text(path),
			      c->status == TL_MISSING && !c->chain_failed ? "no such file" : c->error,
			      sw);
		return;
	}
	if (c->status != TL_OK)
		return; /* unreadable here: an input error, not a finding */
	if ((use_error = tls_chain_use_error(c, u->level)) != NULL) {
		audit_finding(a, "CF521-TLS-CERT-LOAD", u->cert->loc,
			      "%s %s: OpenSSL refuses the certificate%s (%s): %s refuses to start "
			      "(visitors get 521)",
			      u->cert->name, path_text(u->cert_path),
			      level_text(u, level, sizeof(level)), use_error, sw);
		return;
	}
	if (k == NULL) {
		audit_finding(a, "CF521-TLS-KEY-LOAD", u->cert->loc,
			      "no private key is named for %s %s: %s refuses to start (visitors "
			      "get 521)",
			      u->cert->name, path_text(u->cert_path), sw);
		return;
	}
	if (k->status == TL_MISSING || k->status == TL_INVALID) {
		audit_finding(a, "CF521-TLS-KEY-LOAD", kt->loc,
			      "%s %s: %s: %s cannot load it and refuses to start (visitors get 521)",
			      kt->name, path_text(u->key_path),
			      k->status == TL_MISSING ? "no such file" : k->error, sw);
		return;
	}
	if (nginx_needs_passphrase(u)) {
		audit_finding(a, "CF521-TLS-KEY-LOAD", kt->loc,
			      "%s %s is encrypted and no ssl_password_file is set: %s asks for its "
			      "passphrase on a terminal when it starts, and started by systemd (no "
			      "terminal) it refuses to start (\"bad password read\") (visitors get "
			      "521)",
			      kt->name, path_text(u->key_path), sw);
		return;
	}
	if (k->status == TL_ENCRYPTED && u->password_file)
		return; /* the password file could not be read: its finding says why */
	if (k->status == TL_ENCRYPTED) {
		audit_finding(a, "CF000-TLS-UNCHECKED", kt->loc,
			      "%s %s is encrypted: %s asks for its passphrase at start (or reads a "
			      "password file); whether it belongs to %s is not checked",
			      kt->name, path_text(u->key_path), sw, path_text(u->cert_path));
		return;
	}
	if (u->pair_error)
		audit_finding(a, "CF521-TLS-KEY-MISMATCH", kt->loc,
			      "%s %s does not belong to %s %s (%s): %s refuses to start with "
			      "\"SSL_CTX_use_PrivateKey() failed\", so nothing listens (visitors "
			      "get 521)",
			      kt->name, path_text(u->key_path), u->cert->name,
			      path_text(u->cert_path), u->pair_error, sw);
}

/* A configuration command OpenSSL refuses (Apache AH02407, nginx
 * "SSL_CONF_cmd() failed"), applied after the server's own settings. */
static void
conf_finding(struct audit *a, struct causes *cs, const struct web_server *s,
	     const struct web_vhost *v, const struct tls_hs *hs)
{
	const struct web_conf_cmd *c = tls_eval_conf_failed(a->tls, s, v, hs);
	const char *how = s->rules == WEB_RULES_APACHE ? "SSLOpenSSLConfCmd" : "ssl_conf_command";

	if (c == NULL)
		return;
	cause_add(cs, "CF521-TLS-CONF-CMD", c->loc, 0, NULL,
		  xasprintf("%s %s %s: OpenSSL refuses it (%s): %s refuses to start (visitors "
			    "get 521)",
			    how, c->name, c->value, hs->error, start_text(s)),
		  xstrdup(""));
}

/* A configuration command that gives OpenSSL a certificate, chain or CA
 * file or directory: what the server presents is then not known. */
static void
conf_unchecked(struct audit *a)
{
	const struct web *w = a->origin.web;
	const struct web_conf_cmd *done[64];
	size_t ndone = 0;
	size_t i;
	size_t j;

	for (i = 0; i < w->nserver; i++)
		for (j = 0; j < w->servers[i]->nvhost; j++) {
			const struct web_vhost *v = w->servers[i]->vhosts[j];
			const struct web_conf_cmd *c =
				tls_eval_conf_unmodelled(a->tls, w->servers[i], v);
			size_t k;
			bool first = true;

			if (c == NULL || v->tls.ncert == 0)
				continue;
			/* once per command, however many hosts share it (the
			 * commands are few: past the table's size, a command may
			 * be reported again) */
			for (k = 0; k < ndone && first; k++)
				first = done[k] != c;
			if (first && ndone < ARRAY_LEN(done))
				done[ndone++] = c;
			if (first)
				audit_finding(a, "CF000-TLS-UNCHECKED", c->loc,
					      "%s %s %s gives OpenSSL a file or directory that cfaudit "
					      "does not model: the handshake with Cloudflare is not "
					      "decided for the hosts it applies to",
					      w->servers[i]->rules == WEB_RULES_APACHE
						      ? "SSLOpenSSLConfCmd"
						      : "ssl_conf_command",
					      c->name, c->value);
		}
}

static void
policy_findings(struct audit *a, struct causes *cs)
{
	const struct web *w = a->origin.web;
	size_t i;
	size_t j;

	for (i = 0; i < w->nserver; i++)
		for (j = 0; j < w->servers[i]->nvhost; j++) {
			const struct web_vhost *v = w->servers[i]->vhosts[j];
			const struct tls_hs *hs = tls_eval_policy_error(a->tls, v);
			const struct web_text *t;

			if (hs == NULL)
				continue;
			if (hs->result == HS_BAD_CONF) {
				conf_finding(a, cs, w->servers[i], v, hs);
				continue;
			}
			t = hs->result == HS_BAD_PROTOCOLS ? &v->tls.protocols
			    : hs->result == HS_BAD_SUITES  ? &v->tls.ciphersuites
							   : &v->tls.ciphers;
			cause_add(cs, "CF521-TLS-CONFIG-INVALID", text_loc(t, v), 0, NULL,
				  xasprintf("%s %s cannot be applied (%s): %s refuses to start "
					    "(visitors get 521)",
					    text_name(t, "TLS setting"), t->text ? t->text : "",
					    hs->error, start_text(w->servers[i])),
				  xstrdup(""));
		}
}

/* ---- Cloudflare's handshake ---- */

/* A setting's value for messages; a default says so. */
static const char *
setting_text(const struct web_text *t)
{
	static char buf[2][512];
	static int i;

	if (t->text == NULL)
		return "(OpenSSL's default)";
	if (!t->dflt)
		return t->text;
	i = !i;
	snprintf(buf[i], sizeof(buf[i]), "%s (the default)", t->text);
	return buf[i];
}

static const char *
protocols_text(const struct web_vhost *v)
{
	return setting_text(&v->tls.protocols);
}

static const char *
ciphers_text(const struct web_vhost *v)
{
	return setting_text(&v->tls.ciphers);
}

/* The cipher setting a failed handshake points at: the TLS 1.3 suites
 * when only TLS 1.3 is on and they are set (Apache "SSLCipherSuite
 * TLSv1.3 ..."), the cipher list otherwise. */
static const struct web_text *
cipher_setting(const struct tls_outcome *o)
{
	const struct web_vhost *c = o->certv;

	if (c->tls.ciphersuites.text && strcmp(o->hs->protocols_enabled, "TLSv1.3") == 0)
		return &c->tls.ciphersuites;
	return &c->tls.ciphers;
}

/* OpenSSL configuration commands apply over the settings: a failure with
 * them is theirs as much as the settings' (the first names the place). */
static struct loc
conf_loc(const struct web_vhost *c, const struct web_text *t, const struct web_vhost *v)
{
	return c->tls.nconf ? c->tls.conf[0].loc : text_loc(t, v);
}

static const char *
conf_text(const struct web_server *s, const struct web_vhost *c)
{
	static char buf[512];

	if (c->tls.nconf == 0)
		return "";
	snprintf(buf, sizeof(buf), " with %s %s %s%s applied after it",
		 s->rules == WEB_RULES_APACHE ? "SSLOpenSSLConfCmd" : "ssl_conf_command",
		 c->tls.conf[0].name, c->tls.conf[0].value, c->tls.nconf > 1 ? " (and more)" : "");
	return buf;
}

static void
handshake_findings(struct causes *cs, const struct tls_outcome *o)
{
	const struct web_vhost *p = o->policyv;
	const struct web_vhost *c = o->certv;
	const struct web_text *t;
	const char *host = host_label(o);
	char *post = xasprintf(" on port %u (visitors get 525)", o->port);

	if (o->reject) {
		cause_add(cs, "CF525-TLS-HANDSHAKE-FAILED", o->reject->loc, o->port, host,
			  xstrdup("the server block nginx picks has ssl_reject_handshake on: "
				  "it refuses every TLS handshake it is picked for, so "
				  "Cloudflare's fails for "),
			  post);
		return;
	}
	if (o->certv == NULL) {
		/* nginx starts like this only when the default server rejects
		 * handshakes; Apache never does (AH02572) */
		cause_add(cs, "CF525-TLS-NO-CERT", o->listen->loc, o->port, host,
			  xasprintf("port %u is TLS (listen %s ssl) but neither the server "
				    "answering nor the default server has a certificate: the "
				    "handshake fails for ",
				    o->port, o->listen->text ? o->listen->text : "listen"),
			  post);
		return;
	}
	switch (o->hs->result) {
	case HS_NO_PROTOCOL:
		cause_add(cs, "CF525-TLS-NO-COMMON-PROTOCOL", conf_loc(c, &p->tls.protocols, p),
			  o->port, host,
			  xasprintf("%s %s%s leaves no protocol version in common with Cloudflare's "
				    "TLSv1 to TLSv1.3 with this host's OpenSSL (%s): the handshake "
				    "fails for ",
				    text_name(&p->tls.protocols, "protocols"), protocols_text(p),
				    conf_text(o->server, c), o->hs->error),
			  post);
		return;
	case HS_NO_CIPHER:
		t = cipher_setting(o);
		cause_add(cs, "CF525-TLS-NO-COMMON-CIPHER", conf_loc(c, t, c), o->port, host,
			  xasprintf("%s %s%s, with protocols %s and the certificates' key types, "
				    "has no cipher suite in common with what Cloudflare offers "
				    "(ipranges/origin-ciphers.txt): the handshake fails for ",
				    text_name(t, "ciphers"), setting_text(t), conf_text(o->server, c),
				    o->hs->protocols_enabled),
			  post);
		return;
	case HS_OK:
		break;
	default:
		cause_add(cs, "CF525-TLS-HANDSHAKE-FAILED", text_loc(o->uses[0]->cert, o->certv),
			  o->port, host,
			  xasprintf("Cloudflare's handshake with the certificate %s fails (%s) for ",
				    path_text(o->uses[0]->cert_path), o->hs->error),
			  post);
		return;
	}
	free(post);
	if (o->cc == CC_REFUSED)
		cause_add(cs, "CF525-TLS-CLIENT-CERT", o->cc_text->loc, o->port, host,
			  xasprintf("%s %s demands a client certificate in the handshake, and the "
				    "CA file is not Cloudflare's origin-pull CA: Cloudflare has no "
				    "certificate it accepts, so the handshake fails for ",
				    text_name(o->cc_text, "verify_client"), o->cc_text->text),
			  xasprintf(" on port %u (visitors get 525)", o->port));
}

/* ---- Full (strict) validation ---- */

static const char *
trust_text(const struct audit *a)
{
	return a->opt.ca_file ? "the --ca trust store"
			      : "the trusted roots (public CAs of the system bundle, Cloudflare "
				"Origin CA)";
}

static void
verr_finding(struct audit *a, struct causes *cs, const struct tls_outcome *o,
	     const struct tls_use *u, const struct tls_verr *e)
{
	const struct tls_chain *c = u->c;
	const char *file = path_text(u->cert_path);
	const char *host = host_label(o);
	char date[16];
	char *post = xasprintf(" on port %u (visitors get 526)", o->port);
	const char *issuer = e->depth >= 0 && (size_t)e->depth < c->ncert
				     ? c->certs[e->depth].issuer
				     : "?";

	tls_date(e->when, date, sizeof(date));
	switch (e->kind) {
	case TV_EXPIRED:
		cause_add(cs, "CF526-CERT-EXPIRED", u->cert->loc, o->port, host,
			  xasprintf("%s \"%s\"%s%s expired on %s: Full (strict) rejects it for ",
				    e->in_file ? "the certificate" : "the trusted root", e->subject,
				    e->in_file ? " in " : "", e->in_file ? file : "", date),
			  post);
		break;
	case TV_NOT_YET_VALID:
		cause_add(cs, "CF526-CERT-NOT-YET-VALID", u->cert->loc, o->port, host,
			  xasprintf("the certificate \"%s\" in %s is not valid before %s: Full "
				    "(strict) rejects it for ",
				    e->subject, file, date),
			  post);
		break;
	case TV_SELF_SIGNED:
		cause_add(cs, "CF526-CERT-SELF-SIGNED", u->cert->loc, o->port, host,
			  xasprintf("the certificate \"%s\" in %s is self-signed and not in %s: "
				    "Full (strict) rejects it for ",
				    e->subject, file, trust_text(a)),
			  post);
		break;
	case TV_UNTRUSTED_ROOT:
		cause_add(cs, "CF526-CERT-UNTRUSTED", u->cert->loc, o->port, host,
			  xasprintf("%s chains to \"%s\", a root not in %s: Full (strict) "
				    "rejects it for ",
				    file, e->subject, trust_text(a)),
			  post);
		break;
	case TV_ISSUER_MISSING:
		if (e->depth > 0) {
			/* the leaf's issuer is there: the chain ends at a CA
			 * whose issuer (a root, as a rule) is not trusted */
			cause_add(cs, "CF526-CERT-UNTRUSTED", u->cert->loc, o->port, host,
				  xasprintf("the chain in %s ends at \"%s\", issued by \"%s\", which "
					    "is not in %s (a private CA, or an intermediate missing "
					    "from the file): Full (strict) rejects it for ",
					    file, e->subject, issuer, trust_text(a)),
				  post);
			break;
		}
		cause_add(cs, "CF526-CERT-CHAIN-INCOMPLETE", u->cert->loc, o->port, host,
			  xasprintf("the issuer \"%s\" of \"%s\" is neither in %s nor in %s: the "
				    "intermediate certificate is missing from the file (or the CA "
				    "is not trusted); Full (strict) rejects it for ",
				    issuer, e->subject, file, trust_text(a)),
			  post);
		break;
	case TV_REVOKED:
		cause_add(cs, "CF526-CERT-REVOKED", u->cert->loc, o->port, host,
			  xasprintf("the certificate \"%s\" in %s is revoked (--crl): Full "
				    "(strict) rejects it for ",
				    e->subject, file),
			  post);
		break;
	case TV_OTHER:
		cause_add(cs, "CF526-CERT-INVALID", u->cert->loc, o->port, host,
			  xasprintf("the certificate \"%s\" in %s fails verification (%s, "
				    "X509_V_ERR %d): Full (strict) rejects it for ",
				    e->subject, file, e->text, e->code),
			  post);
		break;
	}
}

static void
cert_warnings(struct audit *a, struct causes *cs, const struct tls_outcome *o,
	      const struct tls_use *u)
{
	const struct tls_chain *c = u->c;
	const char *file = path_text(u->cert_path);
	const char *host = host_label(o);
	size_t i;

	for (i = 0; i < c->ncert; i++) {
		const struct tls_cert *x = &c->certs[i];
		char date[16];

		if (x->not_after > a->opt.at &&
		    x->not_after - a->opt.at < (time_t)a->opt.expiry_warn * DAY && !x->self_signed) {
			tls_date(x->not_after, date, sizeof(date));
			cause_add(cs, "CF526-CERT-EXPIRING", u->cert->loc, o->port, host,
				  xasprintf("the certificate \"%s\" in %s expires on %s, in %lld "
					    "days: renew it before Full (strict) rejects it for ",
					    x->name, file, date,
					    (long long)((x->not_after - a->opt.at) / DAY)),
				  xasprintf(" on port %u (then visitors get 526)", o->port));
		}
		if (x->weak_sig)
			cause_add(cs, "CF526-CERT-WEAK-SIGNATURE", u->cert->loc, o->port, host,
				  xasprintf("the certificate \"%s\" in %s is signed with %s, which "
					    "validating clients reject: at risk of 526 for ",
					    x->name, file, x->sig_alg),
				  xasprintf(" on port %u", o->port));
		if (x->key_type == TK_RSA && x->key_bits < 2048 && !x->self_signed)
			cause_add(cs, "CF526-CERT-WEAK-KEY", u->cert->loc, o->port, host,
				  xasprintf("the certificate \"%s\" in %s has a %d-bit RSA key "
					    "(under 2048): at risk of 526 for ",
					    x->name, file, x->key_bits),
				  xasprintf(" on port %u", o->port));
	}
	if (c->ncert && c->certs[0].underscore)
		cause_add(cs, "CF526-GATEWAY-UNDERSCORE", u->cert->loc, o->port, host,
			  xasprintf("the certificate \"%s\" in %s has an underscore in a name (%s): "
				    "Cloudflare Gateway/WARP users get 526 for ",
				    c->certs[0].name, file, c->certs[0].names),
			  xasprintf(" on port %u", o->port));
}

/* Whether the i-th certificate of o names its host: the evaluator asked
 * already for the one presented (X509_check_host decodes the names again
 * every time: a tenth of a big audit's TLS work). */
static bool
use_covers(const struct tls_outcome *o, size_t i)
{
	if (o->presented >= 0 && (size_t)o->presented == i && o->host[0] != '\0')
		return o->covered;
	return tls_chain_covers(o->uses[i]->c, o->host);
}

static void
strict_findings(struct audit *a, struct causes *cs, const struct tls_outcome *o)
{
	const struct web_vhost *p = o->certv ? o->certv : o->policyv;
	size_t i;
	size_t j;

	for (i = 0; i < o->nuse; i++) {
		const struct tls_use *u = o->uses[i];

		if (u->c == NULL || u->c->status != TL_OK)
			continue;
		for (j = 0; j < u->c->nverr; j++)
			verr_finding(a, cs, o, u, &u->c->verr[j]);
		cert_warnings(a, cs, o, u);
		if (!use_covers(o, i)) {
			char *why = NULL;

			if (o->by_default)
				why = xasprintf("; no server names it on port %u, so the default "
						"server %s answers with its certificate",
						o->port, web_vhost_label(o->certv));
			cause_add(cs, "CF526-CERT-NAME-MISMATCH", u->cert->loc, o->port,
				  host_label(o),
				  xasprintf("%s %s covers %s, not ", u->cert->name,
					    path_text(u->cert_path),
					    u->c->ncert ? u->c->certs[0].names : "nothing"),
				  xasprintf(" on port %u%s (visitors get 526)", o->port,
					    why ? why : ""));
			free(why);
		}
	}
	if (o->hs && o->hs->result == HS_OK && o->hs->weak_only)
		cause_add(cs, "CF526-GATEWAY-WEAK-CIPHERS", text_loc(&p->tls.ciphers, p), o->port,
			  host_label(o),
			  xasprintf("%s %s leaves only 3DES or RC4 suites in common with "
				    "Cloudflare (%s): Cloudflare Gateway/WARP users get 526 for ",
				    text_name(&p->tls.ciphers, "ciphers"), ciphers_text(p),
				    o->hs->suites[0]),
			  xasprintf(" on port %u", o->port));
}

/* ---- after the handshake ---- */

static void
request_findings(struct causes *cs, const struct tls_outcome *o)
{
	const struct web_vhost *p = o->certv ? o->certv : o->policyv;

	if (o->cc == CC_400)
		cause_add(cs, "CF400-TLS-NO-CLIENT-CERT", o->cc_text->loc, o->port, host_label(o),
			  xasprintf("%s %s demands a client certificate, and the CA file is not "
				    "Cloudflare's origin-pull CA: every request Cloudflare sends "
				    "for ",
				    text_name(o->cc_text, "verify_client"), o->cc_text->text),
			  xasprintf(" on port %u is answered 400 (\"No required SSL certificate "
				    "was sent\")",
				    o->port));
	else if (o->cc == CC_AOP)
		cause_add(cs, "CF000-TLS-AOP", o->cc_text->loc, o->port, host_label(o),
			  xasprintf("%s %s with Cloudflare's origin-pull CA: requests for ",
				    text_name(o->cc_text, "verify_client"), o->cc_text->text),
			  xasprintf(" on port %u work only while Authenticated Origin Pulls is on "
				    "for the zone (otherwise they get %s)",
				    o->port, o->cc_handshake ? "525" : "400"));
	if (o->dir_demand && o->renegotiate)
		cause_add(cs, "CF520-TLS-RENEGOTIATION", o->dir_demand->loc, o->port, host_label(o),
			  xasprintf("SSLVerifyClient require in %s asks for a client certificate "
				    "by renegotiating the %s connection, which Cloudflare refuses: "
				    "every request for ",
				    o->dir_demand->text, o->hs->version),
			  xasprintf(" on port %u ends without an answer (visitors get 520)",
				    o->port));
	else if (o->dir_demand)
		cause_add(cs, "CF403-TLS-CLIENT-CERT-DIR", o->dir_demand->loc, o->port,
			  host_label(o),
			  xasprintf("SSLVerifyClient require in %s asks for a client certificate "
				    "after the TLS 1.3 handshake, which needs post-handshake "
				    "authentication Cloudflare does not offer: every request for ",
				    o->dir_demand->text),
			  xasprintf(" on port %u is answered 403 (AH10158)", o->port));
	if (o->hs && o->hs->result == HS_OK && o->hs->alpn_h2 && o->hs->h2_forbidden)
		cause_add(cs, "CF520-TLS-H2-CIPHER", text_loc(&p->tls.ciphers, p), o->port,
			  host_label(o),
			  xasprintf("with %s %s, Cloudflare's handshake agrees %s (%s), a suite "
				    "HTTP/2 forbids, and h2 by ALPN: Cloudflare gets "
				    "INADEQUATE_SECURITY for ",
				    text_name(&p->tls.ciphers, "ciphers"), ciphers_text(p),
				    o->hs->cipher, o->hs->version),
			  xasprintf(" on port %u (visitors get 520)", o->port));
}

/* Whether some outcome of the same server and port has a name: then the
 * default server is judged through the names that reach it. */
static bool
port_has_names(const struct tls_eval *e, const struct tls_outcome *o)
{
	size_t i;

	for (i = 0; i < e->nout; i++)
		if (e->outs[i].server == o->server && e->outs[i].port == o->port &&
		    e->outs[i].host[0] != '\0')
			return true;
	return false;
}

static void
outcome_findings(struct audit *a, struct causes *cs, const struct tls_outcome *o)
{
	if (o->status == TS_521 || o->status == TS_UNKNOWN)
		return;
	if (o->host[0] == '\0' && port_has_names(a->tls, o))
		return;
	handshake_findings(cs, o);
	if (o->status == TS_525)
		return;
	if (a->opt.ssl_mode == SSL_STRICT && o->host[0] != '\0')
		strict_findings(a, cs, o);
	request_findings(cs, o);
}

/* The other TLS files nginx loads at start, and its other start checks. */
static void
start_findings(struct audit *a, const struct tls_eval *e)
{
	size_t i;

	for (i = 0; i < e->nstart; i++)
		audit_finding(a, e->start_errors[i].id, e->start_errors[i].loc,
			      "%s: %s refuses to start (visitors get 521)", e->start_errors[i].why,
			      start_text(e->start_errors[i].server));
}

void
check_tls(struct audit *a)
{
	const struct tls_eval *e = a->tls;
	struct causes cs;
	size_t i;

	if (e == NULL)
		return;
	memset(&cs, 0, sizeof(cs));
	for (i = 0; i < e->nuse; i++)
		use_findings(a, e->uses[i]);
	start_findings(a, e);
	conf_unchecked(a);
	policy_findings(a, &cs);
	for (i = 0; i < e->nout; i++)
		outcome_findings(a, &cs, &e->outs[i]);
	causes_emit(a, &cs);
}

void
check_tls_none(struct audit *a)
{
	(void)a;
}
