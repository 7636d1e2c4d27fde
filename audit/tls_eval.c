/* The TLS evaluator (tls_eval.h): the certificates each web server loads,
 * and Cloudflare's TLS connection for each hostname on each TLS port.
 *
 * Which virtual host plays which part follows nginx's SNI handling (and the
 * TLS oracle confirms it with a real nginx): the connection is set up from
 * the default server of the address:port, and OpenSSL chooses the protocol
 * version before the servername callback runs, so the default server's
 * protocols apply; the callback then switches to the named server's context
 * when that server has certificates of its own, and with it the
 * certificate, the cipher list (read from the context), the options
 * (prefer_server_ciphers) and the client certificate demand. Apache (2.4.42
 * and later, with OpenSSL 1.1.1) switches the protocols too. */
#include "tls_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hosts.h"
#include "ipranges_data.h"
#include "root.h"
#include "util.h"

/* Where distributions keep the system's CA bundle (the first found is it). */
static const char *const ca_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Alpine, Arch */
	"/etc/pki/tls/certs/ca-bundle.crt",                  /* RHEL, Fedora, Alma, Rocky */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+ */
	"/etc/ssl/ca-bundle.pem",                            /* SUSE */
	"/etc/pki/tls/cacert.pem",                           /* OpenELEC */
	"/etc/ssl/cert.pem",                                 /* Alpine, FreeBSD, OpenBSD */
	"/usr/local/share/certs/ca-root-nss.crt",            /* FreeBSD */
};

/* Anchors an administrator added locally: merged into the bundle by
 * update-ca-certificates / update-ca-trust, trusted by the server itself,
 * never by Cloudflare. */
static const char *const local_anchor_dirs[] = {
	"/usr/local/share/ca-certificates",
	"/etc/pki/ca-trust/source/anchors",
};

/* ---- small maps ---- */

struct slot {
	char *key;
	void *val;
};

struct smap {
	size_t n;
	size_t cap;
	struct slot *v;
};

static size_t
hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void *
smap_get(const struct smap *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = hash_str(key) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->v[i].key, key) == 0)
			return m->v[i].val;
	return NULL;
}

static void
smap_put(struct smap *m, const char *key, void *val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct smap old = *m;

		m->cap = old.cap ? old.cap * 2 : 64;
		m->v = xcalloc(m->cap, sizeof(*m->v));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.v[i].key) {
				size_t j = hash_str(old.v[i].key) & (m->cap - 1);

				while (m->v[j].key)
					j = (j + 1) & (m->cap - 1);
				m->v[j] = old.v[i];
				m->n++;
			}
		free(old.v);
	}
	for (i = hash_str(key) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->v[i].key, key) == 0) {
			m->v[i].val = val;
			return;
		}
	m->v[i].key = xstrdup(key);
	m->v[i].val = val;
	m->n++;
}

static void
smap_free(struct smap *m, bool free_vals)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->v[i].key);
		if (free_vals)
			free(m->v[i].val);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* The evaluator's questions by identity (a virtual host, a handshake's
 * settings and credentials): a few words, hashed as they are, without
 * making a string of them for every hostname. */
#define PKEY_MAX 24

struct pkey {
	size_t n;
	uintptr_t w[PKEY_MAX];
};

struct pmap {
	size_t n;
	size_t cap;
	struct pslot {
		uintptr_t *w; /* NULL: empty */
		size_t n;
		uint64_t hash;
		void *val;
	} *v;
};

static void
pkey_add(struct pkey *k, uintptr_t w)
{
	if (k->n == PKEY_MAX)
		abort(); /* the keys below hold at most 6 + 16 words */
	k->w[k->n++] = w;
}

static uint64_t
pkey_hash(const struct pkey *k)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < k->n; i++)
		h = (h ^ k->w[i]) * 0x100000001b3ull ^ (h >> 29);
	return h;
}

static struct pslot *
pmap_slot(const struct pmap *m, const uintptr_t *w, size_t n, uint64_t h)
{
	size_t i;

	for (i = h & (m->cap - 1); m->v[i].w; i = (i + 1) & (m->cap - 1))
		if (m->v[i].hash == h && m->v[i].n == n &&
		    memcmp(m->v[i].w, w, n * sizeof(*w)) == 0)
			break;
	return &m->v[i];
}

static void *
pmap_get(const struct pmap *m, const struct pkey *k)
{
	if (m->cap == 0)
		return NULL;
	return pmap_slot(m, k->w, k->n, pkey_hash(k))->val;
}

static void
pmap_put(struct pmap *m, const struct pkey *k, void *val)
{
	struct pslot *slot;
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct pmap old = *m;

		m->cap = old.cap ? old.cap * 2 : 64;
		m->v = xcalloc(m->cap, sizeof(*m->v));
		for (i = 0; i < old.cap; i++)
			if (old.v[i].w)
				*pmap_slot(m, old.v[i].w, old.v[i].n, old.v[i].hash) = old.v[i];
		free(old.v);
	}
	slot = pmap_slot(m, k->w, k->n, pkey_hash(k));
	if (slot->w == NULL) {
		slot->w = xreallocarray(NULL, k->n ? k->n : 1, sizeof(*k->w));
		memcpy(slot->w, k->w, k->n * sizeof(*k->w));
		slot->n = k->n;
		slot->hash = pkey_hash(k);
		m->n++;
	}
	slot->val = val;
}

static void
pmap_free(struct pmap *m, bool free_vals)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->v[i].w);
		if (free_vals)
			free(m->v[i].val);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* The key of one pointer. */
static struct pkey
pkey_of(const void *p)
{
	struct pkey k = {0, {0}};

	pkey_add(&k, (uintptr_t)p);
	return k;
}

/* p in hex at out, followed by sep; where the next goes. Keys are made
 * for every certificate, virtual host and hostname, and snprintf's "%p"
 * costs ten times this. */
static char *
put_ptr(char *out, const void *p, char sep)
{
	static const char digit[] = "0123456789abcdef";
	uintptr_t v = (uintptr_t)p;
	int shift;

	for (shift = (int)sizeof(v) * 8 - 4; shift >= 0; shift -= 4)
		*out++ = digit[(v >> shift) & 15];
	*out++ = sep;
	return out;
}

#define PTR_KEY_MAX (2 * (2 * sizeof(uintptr_t) + 1) + 12)

static char *
ptr_key(const void *a, const void *b, int c)
{
	char key[PTR_KEY_MAX];
	char *end = put_ptr(put_ptr(key, a, '|'), b, '|');
	char digits[12];
	size_t n = 0;
	/* c in decimal (snprintf was a third of making the key) */
	unsigned u = c < 0 ? 0u - (unsigned)c : (unsigned)c;

	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (c < 0)
		*end++ = '-';
	while (n > 0)
		*end++ = digits[--n];
	*end = '\0';
	return xstrdup(key);
}

/* The CA whose certificates Authenticated Origin Pulls presents:
 * Cloudflare's origin-pull CA, built in; the TLS oracle puts a test CA of
 * its own in its place, since it cannot hold Cloudflare's key. */
static const char *origin_pull_pem;
static size_t origin_pull_len;

void
tls_eval_origin_pull_ca(const char *pem, size_t len)
{
	origin_pull_pem = pem;
	origin_pull_len = len;
}

/* ---- state ---- */

/* A virtual host's uses: uses[first .. first + n). */
struct vuses {
	size_t first;
	size_t n;
};

struct tls_eval_priv {
	struct smap use_by_text;   /* "cert|key|chain" pointers -> use */
	struct pmap uses_by_vhost; /* vhost -> struct vuses */
	struct smap hs;            /* handshakes: "policyv|certv|h2" -> tls_hs */
	struct smap policy;        /* policy_key -> tls_hs (policy check) */
	struct pmap policy_by_ptr; /* policy_ptr_key -> the same tls_hs */
	struct pmap hs_by_ptr;     /* a handshake's parts by identity -> tls_hs */
	struct smap confs;         /* a vhost's configuration commands -> struct conf_set */
	size_t nvuse;
	size_t vuse_cap;
	struct tls_use **vuse;     /* per-vhost lists, flat */
	size_t nhs;
	size_t hs_cap;
	struct tls_hs **hss;
};

const char *
tls_status_name(enum tls_status s)
{
	switch (s) {
	case TS_OK:
		return "OK";
	case TS_AOP:
		return "AOP";
	case TS_UNKNOWN:
		return "unknown";
	case TS_520:
		return "520";
	case TS_403:
		return "403";
	case TS_400:
		return "400";
	case TS_526:
		return "526";
	case TS_525:
		return "525";
	case TS_521:
		return "521";
	}
	abort();
}

bool
nginx_needs_passphrase(const struct tls_use *u)
{
	return u->k && u->k->status == TL_ENCRYPTED && u->password_file == NULL &&
	       u->server->rules == WEB_RULES_NGINX;
}

bool
tls_use_loads(const struct tls_use *u)
{
	if (u->dynamic)
		return true;
	if (u->c == NULL || u->c->status != TL_OK || tls_chain_use_error(u->c, u->level))
		return false;
	if (u->k == NULL || u->k->status == TL_MISSING || u->k->status == TL_INVALID)
		return false;
	if (nginx_needs_passphrase(u))
		return false;
	return u->pair_error == NULL;
}

/* A path as the server opens it: relative ones are relative to the
 * directory of the main configuration file (nginx's prefix, Apache's
 * ServerRoot on Debian). */
static char *
resolve_path(const struct web_server *s, const char *path)
{
	const char *slash;

	if (path[0] == '/' || strncmp(path, "data:", 5) == 0 || s->loc.file == NULL ||
	    (slash = strrchr(s->loc.file, '/')) == NULL)
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - s->loc.file), s->loc.file, path);
}

static bool
dynamic_path(const char *path)
{
	return strchr(path, '$') != NULL || strncmp(path, "engine:", 7) == 0 ||
	       strncmp(path, "pkcs11:", 7) == 0 || strncmp(path, "store:", 6) == 0;
}

/* The chain file sent after the certificates (Apache's
 * SSLCertificateChainFile). Until the Apache parser fills tls.chain, it
 * keeps that directive in trusted_certificate, which for nginx is
 * ssl_trusted_certificate (never sent): read it there for Apache only. */
static const struct web_text *
chain_text(const struct web_server *s, const struct web_vhost *v)
{
	if (v->tls.chain.text)
		return &v->tls.chain;
	if (s->rules == WEB_RULES_APACHE && v->tls.trusted_certificate.text)
		return &v->tls.trusted_certificate;
	return NULL;
}

/* The CA file whose certificates complete the chain of a certificate
 * sent without one: Apache's SSLCACertificateFile, which mod_ssl loads
 * into the verify store of a host with TLS, while OpenSSL's automatic
 * chain is on (a chain file turns it off: its certificates are the
 * context's extra chain). nginx turns it off (SSL_MODE_NO_AUTO_CHAIN). */
static const struct web_text *
auto_chain_ca(const struct web_server *s, const struct web_vhost *v, const struct web_text *chain)
{
	if (s->rules != WEB_RULES_APACHE || chain || v->tls.engine.text == NULL ||
	    v->tls.client_certificate.text == NULL)
		return NULL;
	return &v->tls.client_certificate;
}

static const struct tls_hs *policy_check(struct tls_eval *e, const struct web_server *s,
					  const struct web_vhost *v);

/* nginx's ssl_password_file in effect for v (NULL: none). */
static const struct web_text *
password_file(const struct web_vhost *v)
{
	const struct web_text *t = &v->tls.password_file;

	return t->text && t->text[0] != '\0' ? t : NULL;
}

/* What makes a use: the directives (inherited ones are shared), the
 * security level and the password file it is loaded with. */
static char *
use_key(const struct web_text *cert, const struct web_text *k, const struct web_text *chain,
	int level, const struct web_text *pw)
{
	char *a = ptr_key(cert, k, (chain ? 1 : 0) + 2 * level);
	char *b = ptr_key(pw, NULL, 0);
	char *key = xasprintf("%s|%s", a, b);

	free(a);
	free(b);
	return key;
}

/* Register the certificates of v (shared when inherited, at one security
 * level: a server whose cipher string sets another loads them again). */
static void
collect_vhost(struct tls_eval *e, const struct web_server *s, const struct web_vhost *v)
{
	struct tls_eval_priv *P = e->priv;
	struct vuses *vu;
	struct pkey vkey;
	size_t i;
	char *key;
	int level;
	const struct web_text *pw;
	char *pw_path;

	if (v->tls.ncert == 0)
		return;
	level = policy_check(e, s, v)->level;
	pw = password_file(v);
	pw_path = pw ? resolve_path(s, pw->text) : NULL;
	vu = xcalloc(1, sizeof(*vu));
	vu->first = P->nvuse;
	for (i = 0; i < v->tls.ncert; i++) {
		const struct web_text *cert = &v->tls.cert[i];
		const struct web_text *k = i < v->tls.nkey ? &v->tls.key[i] : NULL;
		const struct web_text *chain = chain_text(s, v);
		struct tls_use *u;

		const struct web_text *ca = auto_chain_ca(s, v, chain);

		key = use_key(cert, k, chain, level, pw);
		if (ca) {
			char *more = xasprintf("%s|%s", key, ca->text);

			free(key);
			key = more;
		}
		u = smap_get(&P->use_by_text, key);
		if (u == NULL) {
			u = xcalloc(1, sizeof(*u));
			u->server = s;
			u->vhost = v;
			u->cert = cert;
			u->key = k;
			u->chain = chain;
			u->level = level;
			u->password_file = pw;
			u->cert_path = resolve_path(s, cert->text);
			u->key_path = k ? resolve_path(s, k->text) : NULL;
			/* Apache reads the key from the certificate's file when
			 * no key file is named; nginx requires one */
			if (k == NULL && s->rules == WEB_RULES_APACHE)
				u->key_path = xstrdup(u->cert_path);
			u->chain_path = chain ? resolve_path(s, chain->text) : NULL;
			u->dynamic = dynamic_path(u->cert_path) ||
				     (u->key_path && dynamic_path(u->key_path));
			if (!u->dynamic) {
				char *ca_path = ca ? resolve_path(s, ca->text) : NULL;

				if (ca_path && dynamic_path(ca_path)) {
					free(ca_path);
					ca_path = NULL;
				}
				u->c = tls_files_chain_ca(e->files, u->cert_path, u->chain_path,
							  ca_path);
				free(ca_path);
				tls_chain_want_level(u->c, level);
				if (u->key_path)
					u->k = tls_files_key_pw(e->files, u->key_path, pw_path);
			}
			smap_put(&P->use_by_text, key, u);
			VEC_PUSH(e->uses, e->nuse, e->use_cap, u);
		}
		free(key);
		VEC_PUSH(P->vuse, P->nvuse, P->vuse_cap, u);
	}
	free(pw_path);
	vu->n = P->nvuse - vu->first;
	vkey = pkey_of(v);
	pmap_put(&P->uses_by_vhost, &vkey, vu);
}

struct tls_use *
tls_eval_use(const struct tls_eval *e, const struct web_vhost *v, size_t i)
{
	struct pkey key = pkey_of(v);
	const struct vuses *vu = pmap_get(&e->priv->uses_by_vhost, &key);

	if (vu == NULL || i >= vu->n)
		return NULL;
	return e->priv->vuse[vu->first + i];
}

/* Client CA files are loaded too: whether they hold Cloudflare's
 * origin-pull CA decides what a client certificate demand does. */
static bool
demands_client_cert(const struct web_vhost *v)
{
	const char *t = v->tls.verify_client.text;

	return t && (strcasecmp(t, "on") == 0 || strcasecmp(t, "require") == 0);
}

static void
collect(struct audit *a, struct tls_eval *e)
{
	const struct web *w = a->origin.web;
	size_t i;
	size_t j;

	for (i = 0; i < w->nserver; i++)
		for (j = 0; j < w->servers[i]->nvhost; j++) {
			const struct web_vhost *v = w->servers[i]->vhosts[j];

			collect_vhost(e, w->servers[i], v);
			if (demands_client_cert(v) && v->tls.client_certificate.text) {
				char *p = resolve_path(w->servers[i], v->tls.client_certificate.text);

				if (!dynamic_path(p))
					tls_files_chain(e->files, p, NULL);
				free(p);
			}
		}
}

/* ---- the trust store ---- */

static size_t
exclude_dir(struct tls_trust *t, const char *dir, int depth)
{
	char **names = NULL;
	size_t n = 0;
	char *err = NULL;
	size_t count = 0;
	size_t i;

	if (root_list(dir, &names, &n, &err) != READ_OK) {
		free(err);
		return 0;
	}
	for (i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		char *data = NULL;
		size_t len = 0;
		enum read_result r = root_read(p, &data, &len, &err);

		if (r == READ_OK)
			count += tls_trust_exclude(t, data, len);
		else if (depth == 0)
			count += exclude_dir(t, p, 1);
		free(err);
		err = NULL;
		free(data);
		free(p);
	}
	names_free(names, n);
	return count;
}

static bool
root_is_host(const struct audit *a)
{
	return a->opt.root == NULL || strcmp(a->opt.root, "/") == 0;
}

/* The system bundle: the root's, or (a root without one) this host's. */
static void
system_bundle(struct audit *a, struct tls_trust *t)
{
	size_t i;
	int pass;
	struct input *in;

	for (i = 0; i < ARRAY_LEN(local_anchor_dirs); i++)
		exclude_dir(t, local_anchor_dirs[i], 0);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && root_is_host(a))
			break;
		for (i = 0; i < ARRAY_LEN(ca_bundles); i++) {
			char *data = NULL;
			size_t len = 0;
			char *err = NULL;
			size_t added;
			size_t skipped = 0;
			enum read_result r;

			r = pass == 0 ? root_read(ca_bundles[i], &data, &len, &err)
				      : host_read(ca_bundles[i], &data, &len, &err);
			if (r == READ_MISSING)
				continue;
			if (pass == 1) {
				/* this host's file, not the audited server's */
				char *label = xasprintf("(this host) %s", ca_bundles[i]);

				in = origin_add_input(&a->origin, IN_TLS, label);
				free(label);
			} else {
				in = origin_add_input(&a->origin, IN_TLS, ca_bundles[i]);
			}
			if (r == READ_FAILED) {
				input_unreadable(in, "%s", err);
				free(err);
				return;
			}
			added = tls_trust_add(t, data, len, &skipped, &err);
			free(data);
			if (err) {
				input_error(in, 0, "the system CA bundle: %s", err);
				free(err);
				return;
			}
			in->detail = xasprintf("%s: %zu trust anchors, %zu locally added left out",
					       pass == 0 ? "the system CA bundle"
							 : "the audited root has none: this host's",
					       added, skipped);
			return;
		}
	}
	in = origin_add_input(&a->origin, IN_TLS, ca_bundles[0]);
	input_unreadable(in, "no system CA bundle found: certificates from public CAs cannot be "
			     "verified (give --ca)");
}

static void
builtin_anchor(struct tls_trust *t, const char *pem, size_t len)
{
	char *err = NULL;

	tls_trust_add(t, pem, len, NULL, &err);
	free(err);
}

static void
host_file(struct audit *a, const char *path, bool crl, struct tls_trust *t)
{
	struct input *in = origin_add_input(&a->origin, IN_TLS, path);
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	size_t n;

	if (host_read(path, &data, &len, &err) != READ_OK) {
		input_unreadable(in, "%s", err ? err : "no such file");
		free(err);
		return;
	}
	n = crl ? tls_trust_add_crl(t, data, len, &err) : tls_trust_add(t, data, len, NULL, &err);
	free(data);
	if (err) {
		input_error(in, 0, "%s", err);
		free(err);
		return;
	}
	in->detail = crl ? xasprintf("--crl: %zu revocation list%s", n, n == 1 ? "" : "s")
			 : xasprintf("--ca: %zu trust anchor%s; Cloudflare trusts nothing else", n,
				     n == 1 ? "" : "s");
}

/* Cloudflare's store for Full (strict): public CAs (the system bundle stands
 * for them) and Origin CA; a custom origin trust store replaces both. */
static struct tls_trust *
load_trust(struct audit *a)
{
	struct tls_trust *t = tls_trust_new();

	if (a->opt.ca_file) {
		host_file(a, a->opt.ca_file, false, t);
	} else {
		system_bundle(a, t);
		builtin_anchor(t, ipr_origin_ca_rsa_root_pem, ipr_origin_ca_rsa_root_pem_len);
		builtin_anchor(t, ipr_origin_ca_ecc_root_pem, ipr_origin_ca_ecc_root_pem_len);
	}
	if (a->opt.crl_file)
		host_file(a, a->opt.crl_file, true, t);
	return t;
}

/* ---- what was read ---- */

static void
file_input(struct audit *a, struct smap *listed, const char *path, enum tls_load st,
	   const char *error)
{
	struct input *in;

	if (strncmp(path, "data:", 5) == 0 || st == TL_MISSING || st == TL_PENDING ||
	    smap_get(listed, path))
		return;
	smap_put(listed, path, (void *)1);
	in = origin_add_input(&a->origin, IN_TLS, path);
	if (st == TL_UNREADABLE)
		input_unreadable(in, "%s", error ? error : "cannot be read");
}

static void
record_inputs(struct audit *a, struct tls_eval *e)
{
	struct smap listed = {0, 0, NULL};
	size_t i;

	for (i = 0; i < tls_files_nchain(e->files); i++) {
		const struct tls_chain *c = tls_files_chain_at(e->files, i);

		if (c->chain_failed) {
			file_input(a, &listed, c->path, TL_OK, NULL);
			file_input(a, &listed, c->chain_path, c->status, c->error);
			continue;
		}
		file_input(a, &listed, c->path, c->status, c->error);
		if (c->chain_path && c->status == TL_OK)
			file_input(a, &listed, c->chain_path, TL_OK, NULL);
	}
	for (i = 0; i < tls_files_nkey(e->files); i++) {
		const struct tls_key *k = tls_files_key_at(e->files, i);

		file_input(a, &listed, k->path, k->status, k->error);
	}
	smap_free(&listed, false);
}

/* ---- settings ---- */

static bool
text_on(const struct web_text *t)
{
	return t->text && (strcasecmp(t->text, "on") == 0 || strcasecmp(t->text, "yes") == 0);
}

static bool has_context(const struct web_server *s, const struct web_vhost *v);

/* A virtual host's configuration commands as OpenSSL takes them: the
 * ones it can apply here (a DHParameters file read inside the root), in
 * order, and the first it cannot (a certificate, chain or CA file or
 * directory given to OpenSSL: not modelled). */
struct conf_set {
	size_t n;
	struct tls_conf_cmd *v;
	char **data; /* per command: the file read for it (NULL: none) */
	const struct web_conf_cmd *other;
};

static bool
conf_client(const struct web_server *s)
{
	return s->rules == WEB_RULES_NGINX;
}

static void
conf_file(const struct web_server *s, const struct web_conf_cmd *w, struct tls_conf_cmd *c,
	  char **keep)
{
	char *path = w->path ? xstrdup(w->path) : resolve_path(s, w->value);
	char *err = NULL;
	size_t len = 0;

	if (root_read(path, keep, &len, &err) == READ_OK) {
		c->data = *keep;
		c->len = len;
	}
	free(err);
	free(path);
}

static const struct conf_set *
conf_set_of(const struct tls_eval *e, const struct web_server *s, const struct web_vhost *v)
{
	struct tls_eval_priv *P = e->priv;
	struct conf_set *cs;
	char *key;
	size_t i;

	if (v->tls.nconf == 0)
		return NULL;
	key = ptr_key(v->tls.conf, NULL, 0);
	if ((cs = smap_get(&P->confs, key)) != NULL) {
		free(key);
		return cs;
	}
	cs = xcalloc(1, sizeof(*cs));
	cs->v = xcalloc(v->tls.nconf, sizeof(*cs->v));
	cs->data = xcalloc(v->tls.nconf, sizeof(*cs->data));
	for (i = 0; i < v->tls.nconf; i++) {
		const struct web_conf_cmd *w = &v->tls.conf[i];
		struct tls_conf_cmd *c = &cs->v[cs->n];

		switch (tls_conf_type(w->name, conf_client(s))) {
		case TCT_FILE:
		case TCT_DIR:
			if (cs->other == NULL)
				cs->other = w;
			continue;
		case TCT_DH:
			conf_file(s, w, c, &cs->data[cs->n]);
			break;
		case TCT_UNKNOWN:
			/* httpd refuses it when it reads the configuration
			 * (apache_start_checks); nginx when it applies it */
			if (s->rules == WEB_RULES_APACHE)
				continue;
			break;
		case TCT_STRING:
			break;
		}
		c->name = w->name;
		c->value = w->value;
		cs->n++;
	}
	smap_put(&P->confs, key, cs);
	free(key);
	return cs;
}

static void
conf_set_free(void *p)
{
	struct conf_set *cs = p;
	size_t i;

	for (i = 0; i < cs->n; i++)
		free(cs->data[i]);
	free(cs->data);
	free(cs->v);
	free(cs);
}

/* The command of v that the commands' index i of its conf_set stands for. */
static const struct web_conf_cmd *
conf_cmd_at(const struct tls_eval *e, const struct web_server *s, const struct web_vhost *v,
	    int i)
{
	const struct conf_set *cs = conf_set_of(e, s, v);
	size_t k;

	if (cs == NULL || i < 0 || (size_t)i >= cs->n)
		return NULL;
	for (k = 0; k < v->tls.nconf; k++)
		if (v->tls.conf[k].name == cs->v[i].name && v->tls.conf[k].value == cs->v[i].value)
			return &v->tls.conf[k];
	return NULL;
}

const struct web_conf_cmd *
tls_eval_conf_failed(const struct tls_eval *e, const struct web_server *s,
		     const struct web_vhost *v, const struct tls_hs *hs)
{
	return hs->result == HS_BAD_CONF ? conf_cmd_at(e, s, v, hs->conf_failed) : NULL;
}

const struct web_conf_cmd *
tls_eval_conf_unmodelled(const struct tls_eval *e, const struct web_server *s,
			 const struct web_vhost *v)
{
	const struct conf_set *cs = conf_set_of(e, s, v);

	return cs ? cs->other : NULL;
}

void
tls_policy_of(const struct tls_eval *e, const struct web_server *s,
	      const struct web_vhost *policyv, const struct web_vhost *certv, bool h2,
	      struct tls_policy *p)
{
	const struct web_vhost *c = certv ? certv : policyv;
	const struct conf_set *cs = conf_set_of(e, s, c);

	memset(p, 0, sizeof(*p));
	p->protocols = policyv->tls.protocols.text;
	p->ciphers = c->tls.ciphers.text;
	p->ciphersuites = c->tls.ciphersuites.text;
	p->prefer_server = text_on(&c->tls.prefer_server_ciphers);
	p->h2 = h2;
	if (cs) {
		p->nconf = cs->n;
		p->conf = cs->v;
	}
	p->conf_client = conf_client(s);
}

/* What makes two virtual hosts' settings the same for the policy check. */
static char *
policy_key(const struct web_vhost *v)
{
	char ptr[2 * sizeof(uintptr_t) + 2];

	put_ptr(ptr, v->tls.nconf ? (const void *)v->tls.conf : NULL, '\0');
	return xasprintf("%s\001%s\001%s\001%s",
			 v->tls.protocols.text ? v->tls.protocols.text : "\002",
			 v->tls.ciphers.text ? v->tls.ciphers.text : "\002",
			 v->tls.ciphersuites.text ? v->tls.ciphersuites.text : "\002", ptr);
}

/* The same settings by their texts' addresses: inherited ones are one
 * text, so most hosts are found here without the texts being copied into
 * a key (policy_key). */
static struct pkey
policy_ptr_key(const struct web_vhost *v)
{
	struct pkey k = {0, {0}};

	pkey_add(&k, (uintptr_t)v->tls.protocols.text);
	pkey_add(&k, (uintptr_t)v->tls.ciphers.text);
	pkey_add(&k, (uintptr_t)v->tls.ciphersuites.text);
	pkey_add(&k, (uintptr_t)(v->tls.nconf ? (const void *)v->tls.conf : NULL));
	return k;
}

static const struct tls_hs *
policy_check(struct tls_eval *e, const struct web_server *s, const struct web_vhost *v)
{
	struct tls_eval_priv *P = e->priv;
	struct tls_policy p;
	struct pkey pkey = policy_ptr_key(v);
	struct tls_hs *hs = pmap_get(&P->policy_by_ptr, &pkey);
	char *key;

	if (hs)
		return hs;
	key = policy_key(v);
	hs = smap_get(&P->policy, key);
	if (hs == NULL) {
		hs = xmalloc(sizeof(*hs));
		tls_policy_of(e, s, v, v, false, &p);
		tls_policy_check(&p, hs);
		smap_put(&P->policy, key, hs);
	}
	free(key);
	pmap_put(&P->policy_by_ptr, &pkey, hs);
	return hs;
}

const struct tls_hs *
tls_eval_policy_error(const struct tls_eval *e, const struct web_vhost *v)
{
	struct pkey pkey;
	char *key;
	const struct tls_hs *hs;

	if (!has_context(v->server, v))
		return NULL;
	pkey = policy_ptr_key(v);
	hs = pmap_get(&e->priv->policy_by_ptr, &pkey);
	if (hs == NULL) {
		key = policy_key(v);
		hs = smap_get(&e->priv->policy, key);
		free(key);
	}
	return hs && hs->result != HS_OK ? hs : NULL;
}

/* Whether each certificate goes with its key, every pair at once. */
static void
pair_errors(struct tls_eval *e)
{
	const struct tls_chain **c = xcalloc(e->nuse ? e->nuse : 1, sizeof(*c));
	const struct tls_key **k = xcalloc(e->nuse ? e->nuse : 1, sizeof(*k));
	char **errs = xcalloc(e->nuse ? e->nuse : 1, sizeof(*errs));
	size_t *which = xcalloc(e->nuse ? e->nuse : 1, sizeof(*which));
	size_t n = 0;
	size_t i;

	for (i = 0; i < e->nuse; i++) {
		const struct tls_use *u = e->uses[i];

		if (u->c && u->k && u->c->status == TL_OK && u->k->status == TL_OK &&
		    !tls_chain_use_error(u->c, u->level)) {
			c[n] = u->c;
			k[n] = u->k;
			which[n++] = i;
		}
	}
	tls_pair_errors(c, k, errs, n, 0);
	for (i = 0; i < n; i++)
		e->uses[which[i]]->pair_error = errs[i];
	free(c);
	free(k);
	free(errs);
	free(which);
}

/* nginx's SNI callback refuses the handshake when the server it picks
 * (the default server without SNI) has ssl_reject_handshake on. */
static const struct web_text *
rejecting(const struct web_vhost *v)
{
	const struct web_text *t = &v->tls.reject_handshake;

	return t->text && strcmp(t->text, "on") == 0 ? t : NULL;
}

static void
start_error(struct tls_eval *e, const char *id, const struct web_server *s, struct loc loc,
	    char *why)
{
	struct tls_start_error x = {id, s, loc, why};

	VEC_PUSH(e->start_errors, e->nstart, e->start_cap, x);
}

/* A file nginx loads when a TLS server starts (ssl_dhparam, ssl_crl,
 * ssl_trusted_certificate, ssl_client_certificate, ssl_stapling_file,
 * ssl_session_ticket_key, ssl_password_file): missing ("BIO_new_file()
 * failed") or unusable ("PEM_read_bio_DHparams() failed", "dh key too
 * small", "must be 48 or 80 bytes"...), it stops nginx. One that cannot be
 * read here is an input error, not a finding (and not a pass). Looked at
 * once per path, kind and security level. */
static bool
start_file_ok(struct audit *a, struct tls_eval *e, struct smap *seen, const struct web_server *s,
	      const struct web_text *t, enum tls_aux kind, int level)
{
	char *path;
	char *key;
	char *err = NULL;
	void *known;
	enum tls_load st;

	if (t->text == NULL || t->dflt || t->text[0] == '\0')
		return true;
	/* nginx expands no variables in these paths: "$" is a file name's */
	path = resolve_path(s, t->text);
	key = xasprintf("%d\001%d\001%s", (int)kind, level, path);
	if ((known = smap_get(seen, key)) == NULL) {
		st = tls_aux_load(path, kind, level, &err);
		known = st == TL_OK || st == TL_UNREADABLE ? (void *)1 : (void *)2;
		smap_put(seen, key, known);
		if (st == TL_UNREADABLE)
			input_unreadable(origin_add_input(&a->origin, IN_TLS, path), "%s",
					 err ? err : "cannot be read");
		else if (st == TL_MISSING)
			start_error(e, "CF521-TLS-FILE-LOAD", s, t->loc,
				    xasprintf("%s %s: no such file", t->name, path));
		else if (st != TL_OK)
			start_error(e, "CF521-TLS-FILE-LOAD", s, t->loc,
				    xasprintf("%s %s: %s", t->name, path, err));
		free(err);
	}
	free(key);
	free(path);
	return known == (void *)1;
}

/* nginx reads ssl_password_file when it reads the directive, whether or
 * not a server uses it. */
static bool
nginx_password_file(struct audit *a, struct tls_eval *e, struct smap *seen,
		    const struct web_server *s, const struct web_vhost *v)
{
	return start_file_ok(a, e, seen, s, &v->tls.password_file, TA_PASSWORDS, 0);
}

/* nginx's own checks of a TLS server's other files when it starts, in its
 * context of security level (the cipher string's). */
static bool
nginx_start_files(struct audit *a, struct tls_eval *e, struct smap *seen,
		  const struct web_server *s, const struct web_vhost *v, int level)
{
	const char *vc = v->tls.verify_client.text;
	bool verify = vc && strcmp(vc, "off") != 0;
	bool ok = true;
	size_t i;

	ok &= start_file_ok(a, e, seen, s, &v->tls.dhparam, TA_DHPARAM, level);
	ok &= start_file_ok(a, e, seen, s, &v->tls.crl, TA_CRL, 0);
	ok &= start_file_ok(a, e, seen, s, &v->tls.trusted_certificate, TA_CA, 0);
	if (verify)
		ok &= start_file_ok(a, e, seen, s, &v->tls.client_certificate, TA_CLIENT_CA, 0);
	if (text_on(&v->tls.stapling))
		ok &= start_file_ok(a, e, seen, s, &v->tls.stapling_file, TA_OCSP, 0);
	for (i = 0; i < v->tls.nticket_key; i++)
		ok &= start_file_ok(a, e, seen, s, &v->tls.ticket_key[i], TA_TICKET_KEY, 0);
	if (verify && strcmp(vc, "optional_no_ca") != 0 &&
	    (v->tls.client_certificate.text == NULL || v->tls.client_certificate.text[0] == '\0')) {
		if (smap_get(seen, "\1verify") == NULL) {
			smap_put(seen, "\1verify", (void *)1);
			start_error(e, "CF521-TLS-FILE-LOAD", s, v->tls.verify_client.loc,
				    xstrdup("ssl_verify_client without ssl_client_certificate: "
					    "\"no ssl_client_certificate for ssl_verify_client\""));
		}
		ok = false;
	}
	return ok;
}

static const char *
shm_use_text(enum web_shm_use u)
{
	switch (u) {
	case WSHM_SSL_SESSION:
		return "an SSL session cache";
	case WSHM_LIMIT_REQ:
		return "a limit_req zone";
	case WSHM_LIMIT_CONN:
		return "a limit_conn zone";
	}
	abort();
}

/* nginx's ngx_shared_memory_add: a zone's name is declared once per use,
 * and every declaration with a size declares the first one's; the second
 * that disagrees stops nginx where it stands. */
static bool
nginx_zones(struct tls_eval *e, const struct web_server *s)
{
	struct smap first = {0, 0, NULL};
	bool ok = true;
	size_t i;

	for (i = 0; i < s->nshm; i++) {
		const struct web_shm *z = &s->shm[i];
		const struct web_shm *f = smap_get(&first, z->name);

		if (f == NULL) {
			smap_put(&first, z->name, (void *)z);
		} else if (f->use != z->use) {
			start_error(e, "CF521-ZONE-CONFLICT", s, z->loc,
				    xasprintf("%s: the shared memory zone \"%s\" is already "
					      "declared for a different use (%s, %s at %s:%u)",
					      z->directive, z->name, shm_use_text(f->use),
					      f->directive, f->loc.file ? f->loc.file : "?",
					      f->loc.line));
			ok = false;
		} else if (z->size && f->size && z->size != f->size) {
			start_error(e, "CF521-ZONE-CONFLICT", s, z->loc,
				    xasprintf("%s: the size %lld of shared memory zone \"%s\" "
					      "conflicts with already declared size %lld (%s:%u)",
					      z->directive, z->size, z->name, f->size,
					      f->loc.file ? f->loc.file : "?", f->loc.line));
			ok = false;
		} else if (f->size == 0) {
			smap_put(&first, z->name, (void *)z);
		}
	}
	smap_free(&first, false);
	return ok;
}

/* nginx checks the default server of every TLS address:port for a
 * certificate when it starts, unless it rejects every handshake; ssl is the
 * socket's, so a server whose own listen says no ssl can be that server. */
static bool
nginx_default_has_cert(struct tls_eval *e, const struct web_server *s,
		       const struct web_vhost *v)
{
	bool ok = true;
	size_t k;

	if (v->tls.ncert > 0 || rejecting(v))
		return true;
	for (k = 0; k < v->nlisten; k++) {
		const struct web_listen *l = &v->listen[k];

		if (!l->ssl || web_default_vhost(s, l) != v)
			continue;
		start_error(e, "CF521-TLS-CERT-LOAD", s, l->loc,
			    xasprintf("listen %s: the default server of this TLS port has no "
				      "certificate (\"no ssl_certificate is defined for the listen "
				      "... ssl directive\")",
				      l->text ? l->text : "443"));
		ok = false;
	}
	return ok;
}

/* ---- Apache's refusals at start ---- */

/* Whether a start error at loc was reported already (a directive the
 * virtual hosts inherit from the main server is one error). */
static bool
loc_seen(struct smap *seen, struct loc loc)
{
	char *key = xasprintf("\002%s:%u", loc.file ? loc.file : "", loc.line);
	bool known = smap_get(seen, key) != NULL;

	if (!known)
		smap_put(seen, key, (void *)1);
	free(key);
	return known;
}

/* mod_ssl's check of a file (ssl_cmd_check_file: there and not empty) or
 * a directory (ssl_cmd_check_dir) when it reads the directive: else a
 * syntax error, and httpd does not start. */
static bool
apache_path_ok(struct tls_eval *e, struct smap *seen, const struct web_server *s,
	       const char *name, const char *value, const char *resolved, struct loc loc,
	       bool dir)
{
	char *path = resolved ? xstrdup(resolved) : resolve_path(s, value);
	char **names = NULL;
	size_t n = 0;
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	bool ok;

	char *key;
	void *known;

	if (dynamic_path(path)) {
		free(path);
		return true;
	}
	/* looked up once per path, however many hosts inherit it */
	key = xasprintf("\003%c%s", dir ? 'd' : 'f', path);
	if ((known = smap_get(seen, key)) != NULL) {
		ok = known == (void *)1;
	} else if (dir) {
		ok = root_list(path, &names, &n, &err) == READ_OK;
		names_free(names, n);
	} else {
		enum read_result r = root_read(path, &data, &len, &err);

		/* unreadable here is an input error, not the server's */
		ok = r == READ_FAILED ? root_exists(path) : r == READ_OK && len > 0;
		free(data);
	}
	if (known == NULL)
		smap_put(seen, key, ok ? (void *)1 : (void *)2);
	free(key);
	free(err);
	if (!ok && !loc_seen(seen, loc))
		start_error(e, "CF521-TLS-FILE-LOAD", s, loc,
			    dir ? xasprintf("%s: directory '%s' does not exist", name, path)
				: xasprintf("%s: file '%s' does not exist or is empty", name, path));
	free(path);
	return ok;
}

static bool
apache_text_path_ok(struct tls_eval *e, struct smap *seen, const struct web_server *s,
		    const struct web_text *t, bool dir)
{
	if (t->text == NULL || t->dflt)
		return true;
	return apache_path_ok(e, seen, s, t->name, t->text, NULL, t->loc, dir);
}

/* A setting httpd refuses when it reads it (a syntax error). */
static bool
apache_refused(struct tls_eval *e, struct smap *seen, const struct web_server *s,
	       const char *id, struct loc loc, char *why)
{
	if (!loc_seen(seen, loc))
		start_error(e, id, s, loc, why);
	else
		free(why);
	return false;
}

/* SSLProtocol: httpd has no SSLv2, and this OpenSSL no SSLv3 (Debian's is
 * built without it): naming either without "-" is a syntax error. */
static bool
apache_protocols_ok(struct tls_eval *e, struct smap *seen, const struct web_server *s,
		    const struct web_text *t)
{
	char *copy;
	char *save = NULL;
	char *tok;
	bool ok = true;

	if (t->text == NULL || t->dflt)
		return true;
	copy = xstrdup(t->text);
	for (tok = strtok_r(copy, " \t", &save); tok && ok; tok = strtok_r(NULL, " \t", &save)) {
		const char *w = *tok == '+' || *tok == '-' ? tok + 1 : tok;

		if (*tok == '-' || (strcasecmp(w, "SSLv2") != 0 && strcasecmp(w, "SSLv3") != 0))
			continue;
		ok = apache_refused(e, seen, s, "CF521-TLS-CONFIG-INVALID", t->loc,
				    strcasecmp(w, "SSLv2") == 0
					    ? xstrdup("SSLProtocol names SSLv2: \"SSLProtocol: SSLv2 "
						      "is no longer supported\"")
					    : xstrdup("SSLProtocol names SSLv3: \"SSLv3 not supported "
						      "by this version of OpenSSL\""));
	}
	free(copy);
	return ok;
}

/* SSLOpenSSLConfCmd: httpd looks each command up when it reads it (an
 * unknown one is a syntax error) and checks the file or directory it
 * names. */
static bool
apache_conf_ok(struct tls_eval *e, struct smap *seen, const struct web_server *s,
	       const struct web_vhost *v)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < v->tls.nconf; i++) {
		const struct web_conf_cmd *c = &v->tls.conf[i];

		switch (tls_conf_type(c->name, false)) {
		case TCT_UNKNOWN:
			ok = apache_refused(e, seen, s, "CF521-TLS-CONF-CMD", c->loc,
					    xasprintf("SSLOpenSSLConfCmd %s: \"'%s': invalid OpenSSL "
						      "configuration command\"",
						      c->name, c->name)) &&
			     ok;
			break;
		case TCT_DH:
		case TCT_FILE:
		case TCT_DIR:
			ok &= apache_path_ok(e, seen, s, "SSLOpenSSLConfCmd", c->value, c->path,
					     c->loc, tls_conf_type(c->name, false) == TCT_DIR);
			break;
		case TCT_STRING:
			break;
		}
	}
	return ok;
}

/* SSLSessionTicketKeyFile: httpd reads 48 bytes from it at start (AH02287). */
static bool
apache_ticket_key_ok(struct tls_eval *e, struct smap *seen, const struct web_server *s,
		     const struct web_text *t)
{
	char *path;
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	char *key;
	bool known;
	bool ok = true;

	if (t->text == NULL)
		return true;
	/* read once per directive, however many hosts inherit it */
	key = xasprintf("\004%s:%u", t->loc.file ? t->loc.file : "", t->loc.line);
	known = smap_get(seen, key) != NULL;
	if (!known)
		smap_put(seen, key, (void *)1);
	free(key);
	if (known)
		return true;
	path = resolve_path(s, t->text);
	if (!dynamic_path(path) && root_read(path, &data, &len, &err) == READ_OK && len > 0 &&
	    len < 48)
		ok = apache_refused(e, seen, s, "CF521-TLS-FILE-LOAD", t->loc,
				    xasprintf("SSLSessionTicketKeyFile %s holds %zu bytes: \"Failed "
					      "to read 48 bytes\" (AH02287)",
					      path, len));
	free(data);
	free(err);
	free(path);
	return ok;
}

/* What keeps httpd from starting in a virtual host's TLS directives: the
 * syntax errors of any host (the directives are read whether or not the
 * host has TLS), and the failures of a host with TLS on when mod_ssl sets
 * its context up. */
static bool
apache_start(struct tls_eval *e, struct smap *seen, const struct web_server *s,
	     const struct web_vhost *v)
{
	const struct web_tls *t = &v->tls;
	bool ok = true;

	ok &= apache_text_path_ok(e, seen, s, &t->client_certificate, false);
	ok &= apache_text_path_ok(e, seen, s, &t->ca_path, true);
	ok &= apache_text_path_ok(e, seen, s, &t->crl, false);
	ok &= apache_text_path_ok(e, seen, s, &t->crl_path, true);
	ok &= apache_text_path_ok(e, seen, s, &t->ticket_key_file, false);
	ok &= apache_protocols_ok(e, seen, s, &t->protocols);
	ok &= apache_conf_ok(e, seen, s, v);
	if (text_on(&t->compression) && !tls_compression_available())
		ok = apache_refused(e, seen, s, "CF521-TLS-CONFIG-INVALID", t->compression.loc,
				    xstrdup("SSLCompression on: \"This version of OpenSSL does not "
					    "have any compression methods available, cannot "
					    "enable SSLCompression.\"")) &&
		     ok;
	if (t->engine.text == NULL)
		return ok;
	if (t->ncert == 0)
		ok = apache_refused(e, seen, s, "CF521-TLS-CERT-LOAD", t->engine.loc,
				    xasprintf("%s has TLS on and no SSLCertificateFile: \"Failed to "
					      "configure at least one certificate and key\" "
					      "(AH02572)",
					      web_vhost_label(v))) &&
		     ok;
	if (text_on(&t->stapling) && t->stapling_cache.text == NULL)
		ok = apache_refused(e, seen, s, "CF521-TLS-CONFIG-INVALID", t->stapling.loc,
				    xstrdup("SSLUseStapling on without SSLStaplingCache: "
					    "\"SSLStapling: no stapling cache available\" "
					    "(AH01958)")) &&
		     ok;
	ok &= apache_ticket_key_ok(e, seen, s, &t->ticket_key_file);
	return ok;
}

/* Whether mod_ssl sets v's settings up when it starts (nginx: every
 * server with certificates). */
static bool
has_context(const struct web_server *s, const struct web_vhost *v)
{
	return v->tls.ncert > 0 && (s->rules != WEB_RULES_APACHE || v->tls.engine.text != NULL);
}

/* Whether the server can start: every certificate it names loads with its
 * key, and every TLS context it makes accepts its settings. */
static void
startup(struct audit *a, struct tls_eval *e)
{
	const struct web *w = a->origin.web;
	size_t i;
	size_t j;

	e->fails = xcalloc(w->nserver ? w->nserver : 1, sizeof(*e->fails));
	pair_errors(e);
	for (i = 0; i < w->nserver; i++) {
		bool nginx = w->servers[i]->rules == WEB_RULES_NGINX;
		struct smap seen;

		memset(&seen, 0, sizeof(seen));
		if (nginx && !nginx_zones(e, w->servers[i]))
			e->fails[i] = true;
		for (j = 0; j < w->servers[i]->nvhost; j++) {
			const struct web_vhost *v = w->servers[i]->vhosts[j];
			size_t k;

			if (nginx && !nginx_default_has_cert(e, w->servers[i], v))
				e->fails[i] = true;
			if (nginx && !nginx_password_file(a, e, &seen, w->servers[i], v))
				e->fails[i] = true;
			if (w->servers[i]->rules == WEB_RULES_APACHE &&
			    !apache_start(e, &seen, w->servers[i], v))
				e->fails[i] = true;
			if (v->tls.ncert == 0)
				continue;
			if (has_context(w->servers[i], v) &&
			    policy_check(e, w->servers[i], v)->result != HS_OK)
				e->fails[i] = true;
			if (nginx && !nginx_start_files(a, e, &seen, w->servers[i], v,
							policy_check(e, w->servers[i], v)->level))
				e->fails[i] = true;
			for (k = 0; k < v->tls.ncert; k++) {
				const struct tls_use *u = tls_eval_use(e, v, k);

				if (u && !tls_use_loads(u) &&
				    !(u->c && u->c->status == TL_UNREADABLE) &&
				    !(u->k && u->k->status == TL_UNREADABLE))
					e->fails[i] = true;
			}
		}
		smap_free(&seen, false);
	}
}

/* ---- hostnames ---- */

struct hostname {
	char *host;
	const struct web_name *name;
	bool probe;
	/* DNS says where Cloudflare connects for it (--dns) */
	bool has_addr;
	enum family fam;
	u128 addr;
};

static bool
ip_literal(const char *s)
{
	enum family fam;
	u128 addr;

	return addr_parse(s, &fam, &addr);
}

/* The names Cloudflare may send: every server name of the server with a
 * dot (whichever port its host listens on: in Full modes every proxied
 * hostname comes to the TLS port), a wildcard standing for a made-up name
 * under it, and the proxied names of the DNS records (dns, ndns: --dns),
 * which may land in a server that does not name them; the records also say
 * which address Cloudflare connects to. Trailing wildcards and regexes
 * match names no one can list. */
static size_t
hostnames(const struct web_server *s, const struct host_target *dns, size_t ndns,
	  struct hostname **out)
{
	struct smap seen = {0, 0, NULL};
	struct hostname *v = NULL;
	size_t n = 0;
	size_t cap = 0;
	size_t i;
	size_t j;

	for (i = 0; i < s->nvhost; i++)
		for (j = 0; j < s->vhosts[i]->nname; j++) {
			const struct web_name *nm = &s->vhosts[i]->names[j];
			struct hostname h;
			int k;

			if ((nm->kind != WN_EXACT && nm->kind != WN_LEADING) ||
			    strchr(nm->fixed, '.') == NULL || ip_literal(nm->fixed))
				continue;
			for (k = 0; k < 2; k++) {
				memset(&h, 0, sizeof(h));
				h.name = nm;
				if (k == 0 && (nm->kind == WN_EXACT || nm->dot)) {
					h.host = xstrdup(nm->fixed);
				} else if (k == 1 && nm->kind == WN_LEADING) {
					h.host = xasprintf("cfaudit-wildcard.%s", nm->fixed);
					h.probe = true;
				} else {
					continue;
				}
				if (smap_get(&seen, h.host)) {
					free(h.host);
					continue;
				}
				VEC_PUSH(v, n, cap, h);
				smap_put(&seen, h.host, (void *)n);
			}
		}
	for (i = 0; i < ndns; i++) {
		struct hostname h;
		size_t at = (size_t)smap_get(&seen, dns[i].name);

		if (at == 0) {
			memset(&h, 0, sizeof(h));
			h.host = xstrdup(dns[i].name);
			VEC_PUSH(v, n, cap, h);
			smap_put(&seen, h.host, (void *)n);
			at = n;
		}
		v[at - 1].has_addr = true;
		v[at - 1].fam = dns[i].fam;
		v[at - 1].addr = dns[i].addr;
	}
	smap_free(&seen, false);
	*out = v;
	return n;
}

/* ---- outcomes ---- */

/* An address:port group Cloudflare can connect to, and its default server. */
struct group {
	enum family fam;
	bool known;
	u128 addr;
	const struct web_vhost *dv;
};

static size_t
groups_on(const struct web_server *s, uint16_t port, struct group *g, size_t max)
{
	size_t n = 0;
	size_t i;
	size_t j;
	size_t k;
	int f;

	for (i = 0; i < s->nvhost; i++)
		for (j = 0; j < s->vhosts[i]->nlisten; j++) {
			const struct web_listen *l = &s->vhosts[i]->listen[j];

			if (l->port != port || !l->ssl)
				continue;
			for (f = 0; f < FAM_COUNT; f++) {
				struct group x;

				if (!web_listen_public(l, (enum family)f))
					continue;
				memset(&x, 0, sizeof(x));
				x.fam = (enum family)f;
				x.known = l->kind == WA_ADDR;
				x.addr = x.known ? l->addr : 0;
				for (k = 0; k < n; k++)
					if (g[k].fam == x.fam && g[k].known == x.known &&
					    g[k].addr == x.addr)
						break;
				if (k == n && n < max)
					g[n++] = x;
			}
		}
	return n;
}

/* The addresses the listeners of a server on one port are bound to (TLS
 * or not), sorted: the wildcard's socket does not take their connections. */
struct bound {
	size_t n;
	struct bound_addr {
		enum family fam;
		u128 addr;
	} *v;
};

static int
bound_cmp(const void *x, const void *y)
{
	const struct bound_addr *a = x;
	const struct bound_addr *b = y;

	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static void
bound_on(const struct web_server *s, uint16_t port, struct bound *b)
{
	size_t cap = 0;
	size_t i;
	size_t j;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < s->nvhost; i++)
		for (j = 0; j < s->vhosts[i]->nlisten; j++) {
			const struct web_listen *l = &s->vhosts[i]->listen[j];
			struct bound_addr x;

			if (l->port != port || l->kind != WA_ADDR)
				continue;
			x.fam = l->fam;
			x.addr = l->addr;
			VEC_PUSH(b->v, b->n, cap, x);
		}
	if (b->n)
		qsort(b->v, b->n, sizeof(*b->v), bound_cmp);
}

/* Whether Cloudflare's connection for h arrives in group g (of a server
 * and port whose bound addresses are b): any group when DNS did not say
 * where it connects; else the group of the address, or the wildcard group
 * when no listener is bound to it. */
static bool
group_takes(const struct bound *b, const struct group *g, const struct hostname *h)
{
	struct bound_addr key;

	if (!h->has_addr)
		return true;
	if (g->fam != h->fam)
		return false;
	if (g->known)
		return g->addr == h->addr;
	key.fam = h->fam;
	key.addr = h->addr;
	return b->n == 0 || bsearch(&key, b->v, b->n, sizeof(*b->v), bound_cmp) == NULL;
}

/* The TLS listener of v in group g on port. */
static const struct web_listen *
listener_of(const struct web_vhost *v, const struct group *g, uint16_t port)
{
	size_t j;

	for (j = 0; j < v->nlisten; j++) {
		const struct web_listen *l = &v->listen[j];

		if (l->port != port)
			continue;
		if (g->known ? (l->kind == WA_ADDR && l->addr == g->addr)
			     : (l->kind != WA_ADDR && l->kind != WA_UNIX &&
				web_listen_public(l, g->fam)))
			return l;
	}
	for (j = 0; j < v->nlisten; j++)
		if (v->listen[j].port == port && web_listen_public(&v->listen[j], g->fam))
			return &v->listen[j];
	return NULL;
}

/* The handshake depends on the settings and on the types of the keys, not
 * on the certificates themselves: one handshake per distinct set, whatever
 * the number of virtual hosts. The credentials are listed in the same order
 * for every outcome, so the index of the one presented carries over. */
static const struct tls_hs *
handshake(struct tls_eval *e, const struct tls_outcome *o, const struct tls_cred *cred,
	  size_t ncred)
{
	struct tls_eval_priv *P = e->priv;
	struct tls_policy p;
	struct tls_hs *hs;
	struct buf key = {NULL, 0, 0};
	struct pkey pk = {0, {0}};
	char *k;
	size_t i;

	/* what the key below is made of, by identity: found here, the same
	 * settings and credentials are not written out again */
	pkey_add(&pk, (uintptr_t)o->server);
	pkey_add(&pk, (uintptr_t)o->policyv);
	pkey_add(&pk, (uintptr_t)o->certv);
	pkey_add(&pk, (uintptr_t)o->h2);
	pkey_add(&pk, (uintptr_t)o->uses[0]->level);
	for (i = 0; i < ncred; i++)
		pkey_add(&pk, (uintptr_t)cred[i].chain);
	if ((hs = pmap_get(&P->hs_by_ptr, &pk)) != NULL)
		return hs;
	tls_policy_of(e, o->server, o->policyv, o->certv, o->h2, &p);
	buf_addf(&key, "%s\001%s\001%s\001%p\001%d%d", p.protocols ? p.protocols : "\002",
		 p.ciphers ? p.ciphers : "\002", p.ciphersuites ? p.ciphersuites : "\002",
		 (const void *)p.conf, p.prefer_server, p.h2);
	for (i = 0; i < ncred; i++) {
		const struct tls_chain *c = cred[i].chain;

		/* every use of certv is at its security level */
		if (c->ncert == 0 || tls_chain_use_error(c, o->uses[0]->level))
			buf_adds(&key, "\001-");
		else
			buf_addf(&key, "\001%d:%s", (int)c->certs[0].key_type,
				 c->certs[0].curve ? c->certs[0].curve : "");
	}
	k = buf_take(&key);
	hs = smap_get(&P->hs, k);
	if (hs == NULL) {
		hs = xmalloc(sizeof(*hs));
		tls_handshake(&p, cred, ncred, o->host, hs);
		smap_put(&P->hs, k, hs);
		VEC_PUSH(P->hss, P->nhs, P->hs_cap, hs);
	}
	free(k);
	pmap_put(&P->hs_by_ptr, &pk, hs);
	return hs;
}

/* Whether a demand fails the handshake without a certificate: Apache's
 * SSLVerifyClient require does (its parser may say "on", nginx's word);
 * nginx's ssl_verify_client on lets the handshake finish and answers 400. */
static bool
demand_in_handshake(const struct web_server *s, const char *v)
{
	return strcasecmp(v, "require") == 0 ||
	       (strcasecmp(v, "on") == 0 && s->rules == WEB_RULES_APACHE);
}

/* The client certificate demand in effect: in the handshake (the vhost
 * whose context is in use) or after it (the vhost answering). */
static void
client_cert(struct tls_eval *e, struct tls_outcome *o)
{
	const struct web_vhost *v = NULL;
	const struct tls_chain *ca = NULL;
	char *p;

	if (o->certv && o->certv->tls.verify_client.text &&
	    demand_in_handshake(o->server, o->certv->tls.verify_client.text))
		v = o->certv;
	else if (o->vhost && o->vhost->tls.verify_client.text &&
		 strcasecmp(o->vhost->tls.verify_client.text, "on") == 0 &&
		 !demand_in_handshake(o->server, o->vhost->tls.verify_client.text))
		v = o->vhost;
	if (v == NULL)
		return;
	o->cc_text = &v->tls.verify_client;
	if (v->tls.client_certificate.text) {
		p = resolve_path(o->server, v->tls.client_certificate.text);
		if (!dynamic_path(p))
			ca = tls_files_chain(e->files, p, NULL);
		free(p);
	}
	if (ca && ca->status == TL_OK &&
	    tls_chain_contains(ca, origin_pull_pem ? origin_pull_pem : ipr_origin_pull_ca_pem,
			       origin_pull_pem ? origin_pull_len : ipr_origin_pull_ca_pem_len))
		o->cc = CC_AOP;
	else if (demand_in_handshake(o->server, o->cc_text->text))
		o->cc = CC_REFUSED;
	else
		o->cc = CC_400;
	o->cc_handshake = demand_in_handshake(o->server, o->cc_text->text);
}

/* Apache's per-directory SSLVerifyClient require, for the host answering
 * the request: mod_ssl asks for the certificate when the request comes.
 * Over TLS 1.2 it renegotiates, which Cloudflare refuses: the connection
 * is dropped without an answer (520). Over TLS 1.3 it needs post-handshake
 * authentication, which Cloudflare's client does not offer: 403
 * (AH10158). Only a section covering every URL decides the host. */
static void
dir_demand(struct tls_outcome *o)
{
	const struct web_tls *t = &o->vhost->tls;

	if (o->server->rules != WEB_RULES_APACHE || t->verify_client_dir.text == NULL ||
	    !t->verify_client_dir_root || o->cc != CC_NONE)
		return;
	o->dir_demand = &t->verify_client_dir;
	o->renegotiate = strcmp(o->hs->version, "TLSv1.3") != 0;
}

/* Whether the setting a command makes follows the switch of context that
 * the server makes by SNI (SSL_set_SSL_CTX, and what the server copies
 * then). The cipher list and the certificate's settings (signature
 * algorithms, DH parameters) live in the context, the options and the
 * verify mode both servers copy; Apache also copies the protocol bounds
 * and takes its host's TLS 1.3 suites (its client hello callback switches
 * before they are chosen: the TLS oracle checks it), nginx does not
 * (checked too). The rest (Groups...) is set on the connection when it is
 * made, from the first context: not modelled. */
static bool
conf_follows_switch(const struct web_server *s, const char *name)
{
	static const char *const both[] = {"CipherString", "ClientSignatureAlgorithms",
					   "DHParameters", "Options",
					   "Protocol", "SignatureAlgorithms",
					   "VerifyMode"};
	static const char *const apache[] = {"Ciphersuites", "MaxProtocol", "MinProtocol"};
	size_t i;

	for (i = 0; i < ARRAY_LEN(both); i++)
		if (strcasecmp(name, both[i]) == 0)
			return true;
	for (i = 0; s->rules == WEB_RULES_APACHE && i < ARRAY_LEN(apache); i++)
		if (strcasecmp(name, apache[i]) == 0)
			return true;
	return false;
}

/* The connection starts with the default server's context and SNI
 * switches it to certv's: the commands of certv are applied over the
 * switch (the model applies certv's settings) only when each follows it
 * and the default server's own commands are the same list or none; else
 * the first command in the way (the verdict is not decided). */
static const struct web_conf_cmd *
conf_across_switch(const struct tls_outcome *o)
{
	const struct web_vhost *d = o->defaultv;
	const struct web_vhost *c = o->certv;
	size_t i;

	if (d == NULL || d == c || (d->tls.nconf == c->tls.nconf && d->tls.conf == c->tls.conf))
		return NULL;
	if (d->tls.nconf && has_context(o->server, d))
		return &d->tls.conf[0];
	for (i = 0; i < c->tls.nconf; i++)
		if (!conf_follows_switch(o->server, c->tls.conf[i].name))
			return &c->tls.conf[i];
	return NULL;
}

static void
decide(struct audit *a, struct tls_eval *e, struct tls_outcome *o, bool fails)
{
	struct tls_cred cred[16];
	int map[16];
	size_t ncred = 0;
	size_t i;
	bool strict = a->opt.ssl_mode == SSL_STRICT;
	const struct tls_use *pu;
	const struct web_conf_cmd *cmd;

	o->presented = -1;
	if (fails) {
		o->status = TS_521;
		return;
	}
	if (o->reject || o->certv == NULL) {
		o->status = TS_525;
		return;
	}
	/* a certificate, chain or CA given to OpenSSL by a command */
	if ((cmd = tls_eval_conf_unmodelled(e, o->server, o->certv)) != NULL) {
		o->status = TS_UNKNOWN;
		o->unknown_why = "an OpenSSL configuration command names a file or directory "
				 "that is not modelled";
		o->unknown_loc = cmd->loc;
		return;
	}
	if ((cmd = conf_across_switch(o)) != NULL) {
		o->status = TS_UNKNOWN;
		o->unknown_why = "an OpenSSL configuration command meets the switch of context "
				 "by SNI, which is not modelled for it";
		o->unknown_loc = cmd->loc;
		return;
	}
	for (i = 0; i < o->nuse; i++) {
		if (o->uses[i]->dynamic) {
			o->status = TS_UNKNOWN;
			return;
		}
		if (ncred < ARRAY_LEN(cred) && o->uses[i]->c) {
			cred[ncred].chain = o->uses[i]->c;
			cred[ncred].key = o->uses[i]->k;
			map[ncred++] = (int)i;
		}
	}
	if (ncred == 0) {
		o->status = TS_UNKNOWN;
		return;
	}
	o->hs = handshake(e, o, cred, ncred);
	client_cert(e, o);
	if (o->hs->result != HS_OK || o->cc == CC_REFUSED) {
		o->status = TS_525;
		return;
	}
	o->presented = o->hs->cred >= 0 ? map[o->hs->cred] : map[0];
	pu = o->uses[o->presented];
	o->covered = o->host[0] != '\0' && tls_chain_covers(pu->c, o->host);
	if (o->host[0] != '\0')
		o->verify_code = tls_first_error_with_host(pu->c, o->covered);
	else
		o->verify_code = pu->c->verify_code;
	dir_demand(o);
	if (strict && o->host[0] != '\0' && (pu->c->nverr > 0 || !o->covered))
		o->status = TS_526;
	else if (o->cc == CC_400)
		o->status = TS_400;
	else if (o->dir_demand && o->renegotiate)
		o->status = TS_520;
	else if (o->dir_demand)
		o->status = TS_403;
	else if (o->hs->alpn_h2 && o->hs->h2_forbidden)
		o->status = TS_520;
	else if (o->cc == CC_AOP)
		o->status = TS_AOP;
	else
		o->status = TS_OK;
}

/* What makes two outcomes the same: "host|port|vhost|certv|policyv|h2". */
static char *
outcome_key(const struct tls_outcome *o)
{
	size_t n = strlen(o->host);
	char *key = xmalloc(n + 3 * (2 * sizeof(uintptr_t) + 1) + 16);
	char *p = key;

	memcpy(p, o->host, n);
	p += n;
	p += snprintf(p, 8, "|%u|", (unsigned)o->port);
	p = put_ptr(p, o->vhost, '|');
	p = put_ptr(p, o->certv, '|');
	p = put_ptr(p, o->policyv, '|');
	*p++ = o->h2 ? '1' : '0';
	*p = '\0';
	return key;
}

static void
add_outcome(struct audit *a, struct tls_eval *e, size_t si, const struct group *g,
	    uint16_t port, const struct hostname *h, struct smap *seen)
{
	const struct web_server *s = a->origin.web->servers[si];
	const struct web_vhost *v;
	const struct web_vhost *dv = g->dv;
	const struct web_listen *l;
	struct tls_outcome o;
	bool by_default;
	char *key;

	v = web_vhost_for(s, h ? h->host : "", g->fam, g->known, g->addr, port, &by_default);
	if (v == NULL)
		return;
	l = listener_of(v, g, port);
	if (l == NULL || !l->ssl)
		return;
	memset(&o, 0, sizeof(o));
	o.server = s;
	o.host = xstrdup(h ? h->host : "");
	o.name = h ? h->name : NULL;
	o.probe = h && h->probe;
	o.fam = g->fam;
	o.port = port;
	o.vhost = v;
	o.listen = l;
	o.by_default = h && by_default;
	if (h && has_context(s, v))
		o.certv = v;
	else if (dv && has_context(s, dv))
		o.certv = dv;
	o.policyv = dv ? dv : v;
	o.defaultv = dv;
	if (s->rules == WEB_RULES_APACHE && o.certv)
		o.policyv = o.certv;
	o.reject = rejecting(h ? v : dv ? dv : v);
	o.h2 = l->http2 || (v->http2.set && v->http2.v);
	key = outcome_key(&o);
	if (smap_get(seen, key)) {
		free(key);
		free(o.host);
		return;
	}
	smap_put(seen, key, (void *)1);
	free(key);
	if (o.certv) {
		const struct vuses *vu;

		struct pkey vkey = pkey_of(o.certv);

		vu = pmap_get(&e->priv->uses_by_vhost, &vkey);
		if (vu) {
			o.nuse = vu->n;
			o.uses = &e->priv->vuse[vu->first];
		}
	}
	decide(a, e, &o, e->fails[si]);
	VEC_PUSH(e->outs, e->nout, e->out_cap, o);
}

/* The ports Cloudflare reaches with TLS in the audit's SSL mode. */
static size_t
tls_ports(const struct audit *a, uint16_t *ports, size_t max)
{
	size_t n = 0;
	size_t i;

	for (i = 0; i < a->opt.nport && n < max; i++) {
		bool https = false;

		if (cf_port_proxied(&a->cf, a->opt.ports[i], &https) && https)
			ports[n++] = a->opt.ports[i];
	}
	return n;
}

static void
outcomes(struct audit *a, struct tls_eval *e)
{
	const struct web *w = a->origin.web;
	uint16_t ports[64];
	size_t np = tls_ports(a, ports, ARRAY_LEN(ports));
	struct smap seen = {0, 0, NULL};
	size_t ndns;
	struct host_target *dns = hosts_reaching_names(a, &ndns);
	size_t si;
	size_t pi;
	size_t gi;
	size_t hi;

	for (si = 0; si < w->nserver; si++) {
		const struct web_server *s = w->servers[si];
		struct hostname *hosts = NULL;
		size_t nh = hostnames(s, dns, ndns, &hosts);

		for (pi = 0; pi < np; pi++) {
			struct group g[16];
			size_t ng = groups_on(s, ports[pi], g, ARRAY_LEN(g));
			struct bound b;

			bound_on(s, ports[pi], &b);
			for (gi = 0; gi < ng; gi++) {
				bool dummy;

				/* a name no host can have: the default server */
				g[gi].dv = web_vhost_for(s, "\001", g[gi].fam, g[gi].known,
							 g[gi].addr, ports[pi], &dummy);
				for (hi = 0; hi < nh; hi++)
					if (group_takes(&b, &g[gi], &hosts[hi]))
						add_outcome(a, e, si, &g[gi], ports[pi], &hosts[hi],
							    &seen);
				add_outcome(a, e, si, &g[gi], ports[pi], NULL, &seen);
			}
			free(b.v);
		}
		for (hi = 0; hi < nh; hi++)
			free(hosts[hi].host);
		free(hosts);
	}
	free(dns);
	smap_free(&seen, false);
}

/* ---- entry points ---- */

static bool
any_cert(const struct web *w)
{
	size_t i;
	size_t j;

	for (i = 0; i < w->nserver; i++)
		for (j = 0; j < w->servers[i]->nvhost; j++)
			if (w->servers[i]->vhosts[j]->tls.ncert > 0)
				return true;
	return false;
}

void
tls_evaluate(struct audit *a)
{
	const struct web *w = a->origin.web;
	struct tls_eval *e;
	char *err = NULL;

	if (w == NULL || w->nserver == 0 || a->tls)
		return;
	if (!tls_offer_init(&err)) {
		fprintf(stderr, "cfaudit: %s\n", err);
		free(err);
		return;
	}
	e = xcalloc(1, sizeof(*e));
	e->priv = xcalloc(1, sizeof(*e->priv));
	a->tls = e;
	/* validation is Full (strict)'s: the store is read only then */
	if (a->opt.ssl_mode == SSL_STRICT && any_cert(w))
		e->trust = load_trust(a);
	e->files = tls_files_new(e->trust, a->opt.at);
	collect(a, e);
	tls_files_load(e->files, 0);
	record_inputs(a, e);
	startup(a, e);
	if (a->opt.ssl_mode >= SSL_FULL)
		outcomes(a, e);
}

bool
tls_eval_fails(const struct tls_eval *e, size_t i)
{
	return e && e->fails && e->fails[i];
}

struct loc
tls_eval_fail_loc(const struct tls_eval *e, const struct web_server *s)
{
	size_t i;

	for (i = 0; i < e->nstart; i++)
		if (e->start_errors[i].server == s)
			return e->start_errors[i].loc;
	for (i = 0; i < e->nuse; i++)
		if (e->uses[i]->server == s && !tls_use_loads(e->uses[i]))
			return e->uses[i]->cert->loc;
	for (i = 0; i < s->nvhost; i++) {
		const struct web_vhost *v = s->vhosts[i];
		const struct tls_hs *hs = tls_eval_policy_error(e, v);
		const struct web_text *t;

		if (hs == NULL)
			continue;
		t = hs->result == HS_BAD_PROTOCOLS ? &v->tls.protocols : &v->tls.ciphers;
		return t->loc.file ? t->loc : v->loc;
	}
	return s->loc;
}

void
tls_eval_free(struct tls_eval *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nuse; i++) {
		free(e->uses[i]->cert_path);
		free(e->uses[i]->key_path);
		free(e->uses[i]->chain_path);
		free(e->uses[i]->pair_error);
		free(e->uses[i]);
	}
	free(e->uses);
	for (i = 0; i < e->nout; i++)
		free(e->outs[i].host);
	free(e->outs);
	free(e->fails);
	for (i = 0; i < e->nstart; i++)
		free(e->start_errors[i].why);
	free(e->start_errors);
	if (e->priv) {
		smap_free(&e->priv->use_by_text, false);
		pmap_free(&e->priv->uses_by_vhost, true);
		smap_free(&e->priv->hs, false);
		smap_free(&e->priv->policy, true);
		pmap_free(&e->priv->policy_by_ptr, false);
		pmap_free(&e->priv->hs_by_ptr, false);
		for (i = 0; i < e->priv->confs.cap; i++)
			if (e->priv->confs.v[i].val)
				conf_set_free(e->priv->confs.v[i].val);
		smap_free(&e->priv->confs, false);
		for (i = 0; i < e->priv->nhs; i++)
			free(e->priv->hss[i]);
		free(e->priv->hss);
		free(e->priv->vuse);
		free(e->priv);
	}
	tls_files_free(e->files);
	tls_trust_free(e->trust);
	free(e);
}
