/* Certificates, keys, trust and in-memory handshakes with OpenSSL (tls.h).
 * Files are loaded the way nginx loads them (PEM_read_bio_X509_AUX for the
 * leaf, PEM_read_bio_X509 for the rest of the file, the chain set up in a
 * server context at this OpenSSL's security level), then verified the way a
 * TLS client verifies a server (X509_verify_cert, purpose sslserver, at the
 * audit time), recording every error rather than the first. */
#include "tls.h"

#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipranges_data.h"
#include "root.h"
#include "util.h"

/* A certificate file with more is not a server's chain. */
#define CAP_CHAIN_CERTS 64u
#define CAP_THREADS 64u

const char *
tls_key_type_name(enum tls_key_type t)
{
	switch (t) {
	case TK_NONE:
		return "no";
	case TK_RSA:
		return "RSA";
	case TK_EC:
		return "ECDSA";
	case TK_ED25519:
		return "Ed25519";
	case TK_ED448:
		return "Ed448";
	case TK_OTHER:
		return "other";
	}
	abort();
}

void
tls_date(time_t t, char *buf, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
}

/* OpenSSL's last error as "error:0A0000B9:SSL routines::no cipher match";
 * the queue is emptied. */
static void
ssl_error_text(char *buf, size_t n, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, n, "%s", fallback);
	else
		ERR_error_string_n(e, buf, n);
	ERR_clear_error();
}

static char *
ssl_error_dup(const char *fallback)
{
	char buf[256];

	ssl_error_text(buf, sizeof(buf), fallback);
	return xstrdup(buf);
}

static BIO *
mem_bio(const char *data, size_t len)
{
	BIO *b = BIO_new_mem_buf(data, len > (size_t)INT32_MAX ? INT32_MAX : (int)len);

	if (b == NULL) {
		fputs("cfaudit: out of memory\n", stderr);
		exit(3);
	}
	return b;
}

static bool
is_pem(const char *data, size_t len)
{
	return memmem(data, len, "-----BEGIN ", 11) != NULL;
}

/* Every certificate of a PEM bundle or one DER certificate. */
static STACK_OF(X509) *
read_certs(const char *data, size_t len, bool *der)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO *b = mem_bio(data, len);
	X509 *x;

	*der = false;
	if (is_pem(data, len)) {
		while ((x = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL)) != NULL)
			sk_X509_push(sk, x);
	} else {
		const unsigned char *p = (const unsigned char *)data;

		x = d2i_X509(NULL, &p, (long)len);
		if (x) {
			sk_X509_push(sk, x);
			*der = true;
		}
	}
	ERR_clear_error();
	BIO_free(b);
	return sk;
}

/* ---- the trust store ---- */

struct tls_trust {
	X509_STORE *store;
	size_t n;
	size_t ncrl;
	size_t nexcl;
	size_t excl_cap;
	unsigned char (*excl)[32]; /* SHA-256 of excluded certificates */
};

struct tls_trust *
tls_trust_new(void)
{
	struct tls_trust *t = xcalloc(1, sizeof(*t));

	t->store = X509_STORE_new();
	if (t->store == NULL) {
		fputs("cfaudit: out of memory\n", stderr);
		exit(3);
	}
	return t;
}

void
tls_trust_free(struct tls_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	free(t->excl);
	free(t);
}

static void
cert_digest(X509 *x, unsigned char md[32])
{
	unsigned int n = 32;

	if (!X509_digest(x, EVP_sha256(), md, &n))
		memset(md, 0, 32);
}

static bool
excluded(const struct tls_trust *t, X509 *x)
{
	unsigned char md[32];
	size_t i;

	if (t->nexcl == 0)
		return false;
	cert_digest(x, md);
	for (i = 0; i < t->nexcl; i++)
		if (memcmp(t->excl[i], md, 32) == 0)
			return true;
	return false;
}

size_t
tls_trust_exclude(struct tls_trust *t, const char *data, size_t len)
{
	bool der;
	STACK_OF(X509) *sk = read_certs(data, len, &der);
	int i;

	for (i = 0; i < sk_X509_num(sk); i++) {
		unsigned char md[32];

		cert_digest(sk_X509_value(sk, i), md);
		grow((void **)&t->excl, &t->excl_cap, t->nexcl, sizeof(*t->excl));
		memcpy(t->excl[t->nexcl++], md, 32);
	}
	sk_X509_pop_free(sk, X509_free);
	return (size_t)i;
}

size_t
tls_trust_add(struct tls_trust *t, const char *data, size_t len, size_t *skipped, char **err)
{
	bool der;
	STACK_OF(X509) *sk = read_certs(data, len, &der);
	size_t added = 0;
	size_t skip = 0;
	int i;

	*err = NULL;
	for (i = 0; i < sk_X509_num(sk); i++) {
		X509 *x = sk_X509_value(sk, i);

		if (excluded(t, x)) {
			skip++;
			continue;
		}
		if (X509_STORE_add_cert(t->store, x))
			added++;
		ERR_clear_error();
	}
	if (sk_X509_num(sk) == 0)
		*err = xstrdup("no certificate in it (PEM or DER)");
	sk_X509_pop_free(sk, X509_free);
	t->n += added;
	if (skipped)
		*skipped = skip;
	return added;
}

size_t
tls_trust_add_crl(struct tls_trust *t, const char *data, size_t len, char **err)
{
	BIO *b = mem_bio(data, len);
	X509_CRL *crl;
	size_t n = 0;

	*err = NULL;
	if (is_pem(data, len)) {
		while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
			if (X509_STORE_add_crl(t->store, crl))
				n++;
			X509_CRL_free(crl);
		}
	} else {
		const unsigned char *p = (const unsigned char *)data;

		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (crl) {
			if (X509_STORE_add_crl(t->store, crl))
				n++;
			X509_CRL_free(crl);
		}
	}
	ERR_clear_error();
	BIO_free(b);
	if (n == 0)
		*err = xstrdup("no certificate revocation list in it (PEM or DER)");
	t->ncrl += n;
	return n;
}

size_t
tls_trust_count(const struct tls_trust *t)
{
	return t->n;
}

/* ---- describing a certificate ---- */

static char *
name_text(const X509_NAME *nm)
{
	int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
	BIO *b;
	char *p;
	long n;
	char *s;

	if (i >= 0) {
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i));
		unsigned char *u = NULL;
		int len = ASN1_STRING_to_UTF8(&u, d);

		if (len >= 0) {
			s = xstrndup((const char *)u, (size_t)len);
			OPENSSL_free(u);
			return s;
		}
		ERR_clear_error();
	}
	b = BIO_new(BIO_s_mem());
	if (b == NULL)
		return xstrdup("?");
	X509_NAME_print_ex(b, nm, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	s = xstrndup(p, n > 0 ? (size_t)n : 0);
	BIO_free(b);
	return s;
}

static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

static enum tls_key_type
pkey_type(const EVP_PKEY *k)
{
	if (k == NULL)
		return TK_NONE;
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return TK_RSA;
	case EVP_PKEY_EC:
		return TK_EC;
	case EVP_PKEY_ED25519:
		return TK_ED25519;
	case EVP_PKEY_ED448:
		return TK_ED448;
	default:
		return TK_OTHER;
	}
}

static char *
pkey_curve(const EVP_PKEY *k)
{
	char name[80];
	size_t n = 0;

	if (pkey_type(k) != TK_EC || !EVP_PKEY_get_group_name(k, name, sizeof(name), &n))
		return NULL;
	return xstrdup(name);
}

/* The DNS names the certificate covers (SAN, or the CN without one), and
 * whether one holds an underscore. */
static void
cert_names(X509 *x, struct tls_cert *c)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	struct buf b = {NULL, 0, 0};
	int i;

	if (gens) {
		for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

			if (g->type == GEN_DNS) {
				const ASN1_IA5STRING *s = g->d.dNSName;

				if (b.len)
					buf_adds(&b, ", ");
				buf_add(&b, (const char *)ASN1_STRING_get0_data(s),
					(size_t)ASN1_STRING_length(s));
				if (memchr(ASN1_STRING_get0_data(s), '_', (size_t)ASN1_STRING_length(s)))
					c->underscore = true;
			} else if (g->type == GEN_IPADD) {
				if (b.len)
					buf_adds(&b, ", ");
				buf_adds(&b, "an IP address");
			}
		}
		GENERAL_NAMES_free(gens);
	}
	if (strchr(c->name, '_'))
		c->underscore = true;
	if (b.len == 0)
		buf_adds(&b, c->name);
	c->names = buf_take(&b);
	ERR_clear_error();
}

static bool
weak_digest(int sig_nid)
{
	int md = NID_undef;
	int pk = NID_undef;

	if (!OBJ_find_sigid_algs(sig_nid, &md, &pk))
		return false;
	return md == NID_sha1 || md == NID_md5 || md == NID_md4 || md == NID_md2 ||
	       md == NID_md5_sha1;
}

static void
describe(X509 *x, struct tls_cert *c)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	int nid = X509_get_signature_nid(x);

	memset(c, 0, sizeof(*c));
	c->name = name_text(X509_get_subject_name(x));
	c->issuer = name_text(X509_get_issuer_name(x));
	c->not_before = asn1_time(X509_get0_notBefore(x));
	c->not_after = asn1_time(X509_get0_notAfter(x));
	c->self_signed = X509_self_signed(x, 1) == 1;
	c->ca = X509_check_ca(x) > 0;
	c->key_type = pkey_type(k);
	c->key_bits = k ? EVP_PKEY_get_bits(k) : 0;
	c->curve = pkey_curve(k);
	c->sig_alg = xstrdup(nid != NID_undef ? OBJ_nid2ln(nid) : "unknown");
	c->weak_sig = !c->self_signed && weak_digest(nid);
	cert_names(x, c);
	ERR_clear_error();
}

static void
cert_free(struct tls_cert *c)
{
	free(c->name);
	free(c->issuer);
	free(c->names);
	free(c->curve);
	free(c->sig_alg);
}

/* ---- verification ---- */

struct verify_state {
	struct tls_chain *c;
	STACK_OF(X509) *file; /* the file's certificates */
};

static int verify_ex_index = -1;
static pthread_once_t verify_once = PTHREAD_ONCE_INIT;

static void
verify_index_init(void)
{
	verify_ex_index = X509_STORE_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static enum tls_verr_kind
verr_kind(int code)
{
	switch (code) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return TV_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return TV_NOT_YET_VALID;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return TV_SELF_SIGNED;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return TV_UNTRUSTED_ROOT;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return TV_ISSUER_MISSING;
	case X509_V_ERR_CERT_REVOKED:
		return TV_REVOKED;
	default:
		return TV_OTHER;
	}
}

/* Revocation is checked only where --crl has something to say: a missing
 * or stale list for some issuer is not a finding. */
static bool
ignored_error(int code)
{
	return code == X509_V_ERR_UNABLE_TO_GET_CRL || code == X509_V_ERR_CRL_NOT_YET_VALID ||
	       code == X509_V_ERR_CRL_HAS_EXPIRED ||
	       code == X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER ||
	       code == X509_V_ERR_DIFFERENT_CRL_SCOPE;
}

/* Record every error and carry on, so that one verification finds an
 * expired intermediate and a missing root alike. */
static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct verify_state *st = X509_STORE_CTX_get_ex_data(ctx, verify_ex_index);
	struct tls_chain *c;
	int code = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	struct tls_verr *e;
	size_t i;
	int j;

	if (ok || st == NULL)
		return 1;
	if (ignored_error(code))
		return 1;
	c = st->c;
	for (i = 0; i < c->nverr; i++)
		if (c->verr[i].code == code && c->verr[i].depth == depth)
			return 1;
	c->verr = xreallocarray(c->verr, c->nverr + 1, sizeof(*c->verr));
	e = &c->verr[c->nverr++];
	memset(e, 0, sizeof(*e));
	e->kind = verr_kind(code);
	e->code = code;
	e->depth = depth;
	e->text = xstrdup(X509_verify_cert_error_string(code));
	e->subject = x ? name_text(X509_get_subject_name(x)) : xstrdup("?");
	if (x && e->kind == TV_EXPIRED)
		e->when = asn1_time(X509_get0_notAfter(x));
	else if (x && e->kind == TV_NOT_YET_VALID)
		e->when = asn1_time(X509_get0_notBefore(x));
	for (j = 0; x && j < sk_X509_num(st->file); j++)
		if (X509_cmp(x, sk_X509_value(st->file, j)) == 0)
			e->in_file = true;
	if (c->verify_code == 0) {
		c->verify_code = code;
		c->verify_depth = depth;
	}
	return 1;
}

static void
verify_chain(struct tls_chain *c, STACK_OF(X509) *sk, const struct tls_trust *t, time_t at)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	struct verify_state st = {c, sk};
	int i;

	pthread_once(&verify_once, verify_index_init);
	for (i = 1; i < sk_X509_num(sk); i++)
		sk_X509_push(untrusted, sk_X509_value(sk, i));
	if (ctx && X509_STORE_CTX_init(ctx, t->store, sk_X509_value(sk, 0), untrusted)) {
		X509_STORE_CTX_set_default(ctx, "ssl_server");
		X509_STORE_CTX_set_time(ctx, 0, at);
		if (t->ncrl)
			X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
		X509_STORE_CTX_set_ex_data(ctx, verify_ex_index, &st);
		X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
		X509_verify_cert(ctx);
		c->verified = true;
	}
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
}

/* ---- loading files ---- */

struct map_slot {
	char *key;
	void *val;
};

struct map {
	size_t n;
	size_t cap;
	struct map_slot *v;
};

static size_t
str_hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void *
map_get(const struct map *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = str_hash(key) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->v[i].key, key) == 0)
			return m->v[i].val;
	return NULL;
}

static void
map_put(struct map *m, const char *key, void *val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct map old = *m;

		m->cap = old.cap ? old.cap * 2 : 64;
		m->v = xcalloc(m->cap, sizeof(*m->v));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.v[i].key)
				map_put(m, old.v[i].key, old.v[i].val);
		for (i = 0; i < old.cap; i++)
			free(old.v[i].key);
		free(old.v);
	}
	for (i = str_hash(key) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		;
	m->v[i].key = xstrdup(key);
	m->v[i].val = val;
	m->n++;
}

static void
map_free(struct map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

struct tls_files {
	const struct tls_trust *trust;
	time_t at;
	/* Certificates parsed, by the SHA-256 of their DER: every chain from a
	 * CA carries the same intermediate, parsed once (parsing a
	 * certificate costs more than verifying one). */
	pthread_mutex_t lock;
	struct map parsed;
	struct map chain_map;
	struct map key_map;
	size_t nchain;
	size_t chain_cap;
	struct tls_chain **chains;
	size_t nkey;
	size_t key_cap;
	struct tls_key **keys;
	/* The workers' library contexts (NULL: the default one); the
	 * certificates parsed in them live as long as the files. */
	unsigned nlibctx;
	OSSL_LIB_CTX *libctx[CAP_THREADS];
};

struct tls_files *
tls_files_new(const struct tls_trust *trust, time_t at)
{
	struct tls_files *f = xcalloc(1, sizeof(*f));

	f->trust = trust;
	f->at = at;
	pthread_mutex_init(&f->lock, NULL);
	return f;
}

static void
chain_free(struct tls_chain *c)
{
	size_t i;

	free(c->path);
	free(c->chain_path);
	free(c->ca_path);
	free(c->error);
	for (i = 0; i < TLS_LEVELS; i++)
		free(c->use_errors[i]);
	for (i = 0; i < c->ncert; i++)
		cert_free(&c->certs[i]);
	free(c->certs);
	for (i = 0; i < c->nverr; i++) {
		free(c->verr[i].subject);
		free(c->verr[i].text);
	}
	free(c->verr);
	for (i = 0; i < c->ndns; i++)
		free(c->dns[i].v);
	free(c->dns);
	if (c->priv)
		sk_X509_pop_free(c->priv, X509_free);
	free(c);
}

static void
key_free(struct tls_key *k)
{
	free(k->path);
	free(k->password_path);
	free(k->error);
	EVP_PKEY_free(k->priv);
	free(k);
}

/* The chains and keys of the loading threads first, first + n, ... (n
 * slices): what one loading thread allocated is freed by one thread, so
 * two threads never free into the same malloc arena at once (they took
 * turns on its lock). Last loaded, first freed: memory goes back the way
 * it came, with less merging of free blocks (a tenth of the time). */
struct free_slice {
	struct tls_files *f;
	/* which slice frees each chain and key, read before any is freed (a
	 * chain of another slice may be gone by the time this one looks) */
	const unsigned char *chain_share;
	const unsigned char *key_share;
	unsigned first;
};

static void *
free_slice_run(void *arg)
{
	struct free_slice *sl = arg;
	size_t i;

	for (i = sl->f->nchain > sl->f->nkey ? sl->f->nchain : sl->f->nkey; i-- > 0;) {
		if (i < sl->f->nkey && sl->key_share[i] == sl->first)
			key_free(sl->f->keys[i]);
		if (i < sl->f->nchain && sl->chain_share[i] == sl->first)
			chain_free(sl->f->chains[i]);
	}
	return NULL;
}

/* Freeing thousands of OpenSSL objects is serial work at the end of the
 * audit (a twentieth of the TLS bench's): it is shared among the CPUs
 * when there are many (reference counts of shared certificates are
 * atomic). */
static void
free_all(struct tls_files *f)
{
	pthread_t tid[CAP_THREADS];
	struct free_slice sl[CAP_THREADS];
	size_t total = f->nchain + f->nkey;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = cpus > 1 && total >= 512 ? (unsigned)cpus : 1;
	unsigned char *chain_share = xcalloc(f->nchain ? f->nchain : 1, 1);
	unsigned char *key_share = xcalloc(f->nkey ? f->nkey : 1, 1);
	unsigned started = 0;
	unsigned t;
	size_t i;

	if (n > CAP_THREADS)
		n = CAP_THREADS;
	if (n > f->nlibctx)
		n = f->nlibctx ? f->nlibctx : 1;
	for (i = 0; i < f->nchain; i++)
		chain_share[i] = (unsigned char)(f->chains[i]->loader % n);
	for (i = 0; i < f->nkey; i++)
		key_share[i] = (unsigned char)(f->keys[i]->loader % n);
	for (t = 0; t < n; t++) {
		sl[t].f = f;
		sl[t].chain_share = chain_share;
		sl[t].key_share = key_share;
		sl[t].first = t;
	}
	for (t = 1; t < n; t++)
		if (pthread_create(&tid[t], NULL, free_slice_run, &sl[t]) == 0)
			started = t;
		else
			break;
	/* what no thread took is freed here */
	for (t = started + 1; t < n; t++)
		free_slice_run(&sl[t]);
	free_slice_run(&sl[0]);
	for (t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	free(chain_share);
	free(key_share);
}

void
tls_files_free(struct tls_files *f)
{
	size_t i;

	if (f == NULL)
		return;
	/* the table's references first: the chains hold the last ones, and
	 * the certificates go with them, on every CPU */
	for (i = 0; i < f->parsed.cap; i++)
		if (f->parsed.v[i].key)
			X509_free(f->parsed.v[i].val);
	map_free(&f->parsed);
	free_all(f);
	free(f->chains);
	free(f->keys);
	map_free(&f->chain_map);
	map_free(&f->key_map);
	/* after every certificate parsed in them */
	for (i = 0; i < f->nlibctx; i++)
		OSSL_LIB_CTX_free(f->libctx[i]);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

struct tls_chain *
tls_files_chain(struct tls_files *f, const char *path, const char *chain_path)
{
	return tls_files_chain_ca(f, path, chain_path, NULL);
}

struct tls_chain *
tls_files_chain_ca(struct tls_files *f, const char *path, const char *chain_path,
		   const char *ca_path)
{
	char *key = ca_path ? xasprintf("%s%c%s%c%s", path, 1, chain_path ? chain_path : "", 1,
					ca_path)
			    : xasprintf("%s%c%s", path, 1, chain_path ? chain_path : "");
	struct tls_chain *c = map_get(&f->chain_map, key);

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->path = xstrdup(path);
		c->chain_path = chain_path ? xstrdup(chain_path) : NULL;
		c->ca_path = ca_path ? xstrdup(ca_path) : NULL;
		c->status = TL_PENDING;
		map_put(&f->chain_map, key, c);
		VEC_PUSH(f->chains, f->nchain, f->chain_cap, c);
	}
	free(key);
	return c;
}

struct tls_key *
tls_files_key_pw(struct tls_files *f, const char *path, const char *password_path)
{
	char *key = password_path ? xasprintf("%s%c%s", path, 1, password_path) : xstrdup(path);
	struct tls_key *k = map_get(&f->key_map, key);

	if (k == NULL) {
		k = xcalloc(1, sizeof(*k));
		k->path = xstrdup(path);
		k->password_path = password_path ? xstrdup(password_path) : NULL;
		k->status = TL_PENDING;
		map_put(&f->key_map, key, k);
		VEC_PUSH(f->keys, f->nkey, f->key_cap, k);
	}
	free(key);
	return k;
}

struct tls_key *
tls_files_key(struct tls_files *f, const char *path)
{
	return tls_files_key_pw(f, path, NULL);
}

void
tls_chain_want_level(struct tls_chain *c, int level)
{
	if (level < 0 || level >= TLS_LEVELS)
		abort();
	c->levels |= 1u << level;
}

const char *
tls_chain_use_error(const struct tls_chain *c, int level)
{
	if (c->status != TL_OK || c->ncert == 0)
		return NULL;
	/* a level the load did not check would be a silent all-clear */
	if (level < 0 || level >= TLS_LEVELS ||
	    (level != tls_default_level() && !(c->levels & (1u << level))))
		abort();
	return c->use_errors[level];
}

size_t
tls_files_nchain(const struct tls_files *f)
{
	return f->nchain;
}

struct tls_chain *
tls_files_chain_at(const struct tls_files *f, size_t i)
{
	return f->chains[i];
}

size_t
tls_files_nkey(const struct tls_files *f)
{
	return f->nkey;
}

struct tls_key *
tls_files_key_at(const struct tls_files *f, size_t i)
{
	return f->keys[i];
}

/* The bytes of a file as the server would read them: "data:" is inline. */
static enum tls_load
read_path(const char *path, char **data, size_t *len, char **err)
{
	enum read_result r;

	*err = NULL;
	if (strncmp(path, "data:", 5) == 0) {
		*data = xstrdup(path + 5);
		*len = strlen(*data);
		return TL_OK;
	}
	r = root_read(path, data, len, err);
	if (r == READ_MISSING)
		return TL_MISSING;
	if (r == READ_FAILED)
		return TL_UNREADABLE;
	return TL_OK;
}

/* The per-thread server context the chains are set up in (creating one
 * costs more than loading a chain). */
struct worker {
	struct tls_files *f;
	unsigned idx;         /* which loading thread */
	atomic_size_t *next;
	OSSL_LIB_CTX *libctx; /* where its certificates are parsed */
	SSL_CTX *ctx;
	/* a key decoder made once per thread (making one costs ten times
	 * what decoding a key does) and where it puts its key */
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *pkey;
};

static bool
cert_block(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0 ||
	       strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

/* d2i_X509_AUX into an object of libctx (NULL: the default context). */
static X509 *
d2i_in(OSSL_LIB_CTX *libctx, const unsigned char **p, long len)
{
	X509 *x;
	X509 *r;

	if (libctx == NULL)
		return d2i_X509_AUX(NULL, p, len);
	x = X509_new_ex(libctx, NULL);
	if (x == NULL)
		return NULL;
	r = d2i_X509_AUX(&x, p, len);
	if (r == NULL)
		X509_free(x); /* NULL when d2i freed it, the object when the aux failed */
	return r;
}

/* The table's key for a digest (snprintf per byte was a twentieth of the
 * work of sharing a certificate). */
static void
hex_digest(const unsigned char md[32], char key[65])
{
	static const char digit[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		key[2 * i] = digit[md[i] >> 4];
		key[2 * i + 1] = digit[md[i] & 15];
	}
	key[64] = '\0';
}

/* A certificate from its DER, shared with the files that hold the same. */
static X509 *
cert_from_der(struct tls_files *f, OSSL_LIB_CTX *libctx, const unsigned char *der, long len)
{
	unsigned char md[32];
	char key[65];
	const unsigned char *p = der;
	X509 *x;
	X509 *seen;

	if (!EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL))
		return d2i_in(libctx, &p, len);
	hex_digest(md, key);
	pthread_mutex_lock(&f->lock);
	x = map_get(&f->parsed, key);
	if (x)
		X509_up_ref(x);
	pthread_mutex_unlock(&f->lock);
	if (x)
		return x;
	x = d2i_in(libctx, &p, len);
	if (x == NULL)
		return NULL;
	pthread_mutex_lock(&f->lock);
	seen = map_get(&f->parsed, key);
	if (seen) {
		X509_free(x);
		x = seen;
	} else {
		map_put(&f->parsed, key, x);
	}
	X509_up_ref(x);
	pthread_mutex_unlock(&f->lock);
	return x;
}

/* A chain longer than CAP_CHAIN_CERTS is not judged: the server would load
 * it, cfaudit does not read that far (an input error, never a finding). */
static char *
chain_cap_error(void)
{
	return xasprintf("more than %u certificates in the chain: cfaudit reads at most %u "
			 "(not audited)", CAP_CHAIN_CERTS, CAP_CHAIN_CERTS);
}

/* As nginx reads the file (PEM_read_bio_X509_AUX for the certificate,
 * PEM_read_bio_X509 for each one after it): blocks of other kinds are
 * skipped, a broken block is an error, the end is "no start line". */
static bool
parse_pem_chain(struct tls_files *f, OSSL_LIB_CTX *libctx, const char *data, size_t len,
		STACK_OF(X509) *sk, char **err, bool *capped)
{
	BIO *b = mem_bio(data, len);
	char *name = NULL;
	char *header = NULL;
	unsigned char *der = NULL;
	long dlen = 0;
	unsigned long e;
	bool ok = true;

	while (ok) {
		if (!PEM_read_bio(b, &name, &header, &der, &dlen)) {
			e = ERR_peek_last_error();
			if (!(ERR_GET_LIB(e) == ERR_LIB_PEM &&
			      ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
				*err = ssl_error_dup("a broken PEM block");
				ok = false;
			}
			break;
		}
		if (cert_block(name)) {
			X509 *x = cert_from_der(f, libctx, der, dlen);

			if (x == NULL) {
				*err = ssl_error_dup("a broken certificate");
				ok = false;
			} else if ((unsigned)sk_X509_num(sk) >= CAP_CHAIN_CERTS) {
				X509_free(x);
				*err = chain_cap_error();
				*capped = true;
				ok = false;
			} else {
				sk_X509_push(sk, x);
			}
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		name = header = NULL;
		der = NULL;
	}
	ERR_clear_error();
	BIO_free(b);
	if (ok && sk_X509_num(sk) == 0) {
		*err = xstrdup("no PEM certificate in it (PEM_read_bio_X509_AUX: no start line)");
		ok = false;
	}
	return ok;
}

/* OpenSSL's automatic chain (ssl_add_cert_chain): a certificate set up
 * without chain certificates is sent with the chain X509_verify_cert
 * builds from the context's verify store, whatever that verification's
 * result. A CA file that cannot be read adds nothing. */
static void
auto_chain(struct tls_chain *c, STACK_OF(X509) *sk)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	bool der;
	STACK_OF(X509) *cas;
	X509_STORE *store;
	X509_STORE_CTX *ctx;
	int i;

	if (read_path(c->ca_path, &data, &len, &err) != TL_OK) {
		free(err);
		return;
	}
	cas = read_certs(data, len, &der);
	free(data);
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	for (i = 0; store && i < sk_X509_num(cas); i++)
		X509_STORE_add_cert(store, sk_X509_value(cas, i));
	if (store && ctx && X509_STORE_CTX_init(ctx, store, sk_X509_value(sk, 0), NULL)) {
		STACK_OF(X509) *built;

		X509_verify_cert(ctx);
		built = X509_STORE_CTX_get0_chain(ctx);
		for (i = 1; i < sk_X509_num(built) && (size_t)sk_X509_num(sk) < CAP_CHAIN_CERTS; i++) {
			X509 *x = sk_X509_value(built, i);

			if (X509_up_ref(x))
				sk_X509_push(sk, x);
		}
		c->auto_chained = sk_X509_num(sk) > 1;
	}
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(cas, X509_free);
}

/* As the server sets the chain up in a context of security level: the
 * certificate, then its chain. NULL, or OpenSSL's reason for refusing. */
static char *
use_error_at(SSL_CTX *ctx, STACK_OF(X509) *sk, int level)
{
	char *err = NULL;
	int i;

	SSL_CTX_set_security_level(ctx, level);
	if (!SSL_CTX_use_certificate(ctx, sk_X509_value(sk, 0))) {
		err = ssl_error_dup("the certificate cannot be used");
	} else {
		SSL_CTX_clear_chain_certs(ctx);
		for (i = 1; i < sk_X509_num(sk) && err == NULL; i++)
			if (!SSL_CTX_add1_chain_cert(ctx, sk_X509_value(sk, i)))
				err = ssl_error_dup("a chain certificate cannot be used");
		SSL_CTX_clear_chain_certs(ctx);
	}
	ERR_clear_error();
	return err;
}

/* The leaf's subjectAltName DNS names, as X509_check_host reads them
 * (X509_get_ext_d2i: none when the extension is missing, repeated or
 * undecodable; IA5String entries with data). */
static void
read_san_names(struct tls_chain *c, X509 *x)
{
	int crit = -1;
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	int i;

	if (gens == NULL) {
		ERR_clear_error();
		return;
	}
	c->san_names = true;
	c->dns = xcalloc((size_t)sk_GENERAL_NAME_num(gens) + 1, sizeof(*c->dns));
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_IA5STRING *d;

		if (g->type != GEN_DNS)
			continue;
		d = g->d.dNSName;
		if (d == NULL || d->data == NULL || d->length <= 0 || d->type != V_ASN1_IA5STRING)
			continue;
		c->dns[c->ndns].v = xmalloc((size_t)d->length);
		memcpy(c->dns[c->ndns].v, d->data, (size_t)d->length);
		c->dns[c->ndns++].len = (size_t)d->length;
	}
	GENERAL_NAMES_free(gens);
}

static void
load_chain(struct worker *w, struct tls_chain *c)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	size_t nfile;
	int i;
	bool capped = false;

	c->loader = w->idx;
	c->status = read_path(c->path, &data, &len, &err);
	if (c->status != TL_OK) {
		c->error = err;
		sk_X509_free(sk);
		return;
	}
	if (!is_pem(data, len)) {
		bool der;
		STACK_OF(X509) *d = read_certs(data, len, &der);

		c->status = TL_INVALID;
		c->der = der;
		c->error = xstrdup(der ? "a DER (binary) certificate: the web server reads PEM only"
				       : "no PEM certificate in it");
		for (i = 0; i < sk_X509_num(d); i++)
			sk_X509_push(sk, sk_X509_value(d, i));
		sk_X509_free(d);
	} else if (!parse_pem_chain(w->f, w->libctx, data, len, sk, &c->error, &capped)) {
		c->status = capped ? TL_UNREADABLE : TL_INVALID;
	}
	free(data);
	nfile = (size_t)sk_X509_num(sk);
	if (c->status == TL_OK && c->chain_path) {
		enum tls_load st = read_path(c->chain_path, &data, &len, &err);

		if (st != TL_OK) {
			c->status = st;
			c->chain_failed = true;
			c->error = st == TL_MISSING ? xasprintf("chain file %s: no such file",
								c->chain_path)
						    : xasprintf("chain file %s: %s", c->chain_path, err);
			free(err);
		} else {
			bool der;
			STACK_OF(X509) *more = read_certs(data, len, &der);

			if (sk_X509_num(more) == 0 || der) {
				c->status = TL_INVALID;
				c->chain_failed = true;
				c->error = xasprintf("chain file %s: no PEM certificate in it",
						     c->chain_path);
			} else if ((size_t)sk_X509_num(more) + nfile > CAP_CHAIN_CERTS) {
				char *why = chain_cap_error();

				c->status = TL_UNREADABLE;
				c->chain_failed = true;
				c->error = xasprintf("chain file %s: %s", c->chain_path, why);
				free(why);
			}
			for (i = 0; i < sk_X509_num(more); i++)
				sk_X509_push(sk, sk_X509_value(more, i));
			sk_X509_free(more);
			free(data);
		}
	}
	if (c->status == TL_OK && c->ca_path && sk_X509_num(sk) == 1)
		auto_chain(c, sk);
	c->ncert = (size_t)sk_X509_num(sk);
	c->certs = xcalloc(c->ncert ? c->ncert : 1, sizeof(*c->certs));
	for (i = 0; i < sk_X509_num(sk); i++) {
		describe(sk_X509_value(sk, i), &c->certs[i]);
		c->certs[i].from_chain_file = (size_t)i >= nfile;
	}
	c->priv = sk;
	if (c->ncert > 0)
		read_san_names(c, sk_X509_value(sk, 0));
	if (c->status != TL_OK || c->ncert == 0)
		return;
	for (i = 0; i < TLS_LEVELS; i++)
		if (i == tls_default_level() || (c->levels & (1u << i)))
			c->use_errors[i] = use_error_at(w->ctx, sk, i);
	if (w->f->trust)
		verify_chain(c, sk, w->f->trust, w->f->at);
}

/* nginx's ssl_password_file is read in 4096-byte lines */
#define PASSWORD_LINE_MAX 4096

struct password {
	const char *p;
	size_t len;
};

static int
password_cb(char *buf, int size, int rwflag, void *u)
{
	const struct password *pw = u;
	size_t n = pw->len < (size_t)size ? pw->len : (size_t)size;

	(void)rwflag;
	memcpy(buf, pw->p, n);
	return (int)n;
}

/* One passphrase tried on an encrypted key: true when it opens it. */
static bool
try_passphrase(struct worker *w, struct tls_key *k, const char *data, size_t len,
	       struct password pw)
{
	BIO *b = mem_bio(data, len);
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey_ex(b, NULL, password_cb, &pw, w->libctx, NULL);

	BIO_free(b);
	ERR_clear_error();
	if (pkey == NULL)
		return false;
	k->priv = pkey;
	k->type = pkey_type(pkey);
	k->bits = EVP_PKEY_get_bits(pkey);
	k->status = TL_OK;
	return true;
}

/* An encrypted key opened as nginx opens it: PEM_read_bio_PrivateKey with
 * each line of the password file in turn (LF ends a line, a CR before it
 * is dropped, empty lines are skipped, a file without one is one empty
 * passphrase). A password file that cannot be read leaves the key
 * TL_ENCRYPTED (the file's own finding says why); its bytes are wiped. */
static void
open_encrypted(struct worker *w, struct tls_key *k, const char *data, size_t len)
{
	char *pws = NULL;
	size_t pwlen = 0;
	char *err = NULL;
	size_t at = 0;
	size_t tries = 0;
	bool opened = false;

	if (read_path(k->password_path, &pws, &pwlen, &err) != TL_OK) {
		free(err);
		return;
	}
	while (!opened && at < pwlen) {
		const char *nl = memchr(pws + at, '\n', pwlen - at);
		size_t end = nl ? (size_t)(nl - pws) : pwlen;
		struct password pw = {pws + at, end - at};

		at = end + 1;
		if (pw.len && pw.p[pw.len - 1] == '\r')
			pw.len--;
		if (pw.len == 0)
			continue;
		tries++;
		opened = try_passphrase(w, k, data, len, pw);
	}
	if (!opened && tries == 0) {
		struct password none = {"", 0};

		opened = try_passphrase(w, k, data, len, none);
	}
	OPENSSL_cleanse(pws, pwlen);
	free(pws);
	if (!opened) {
		k->status = TL_INVALID;
		k->error = xasprintf("encrypted, and no passphrase in %s opens it "
				     "(PEM_read_bio_PrivateKey() failed)",
				     k->password_path);
	}
}

/* The first private key of a PEM file (what PEM_read_bio_PrivateKey finds),
 * decoded with the thread's decoder. */
static void
load_key(struct worker *w, struct tls_key *k)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	BIO *b;
	char *name = NULL;
	char *header = NULL;
	unsigned char *der = NULL;
	long dlen = 0;
	size_t n;

	k->loader = w->idx;
	k->status = read_path(k->path, &data, &len, &err);
	if (k->status != TL_OK) {
		k->error = err;
		return;
	}
	if (memmem(data, len, "ENCRYPTED", 9) != NULL) {
		k->status = TL_ENCRYPTED;
		if (k->password_path)
			open_encrypted(w, k, data, len);
		OPENSSL_cleanse(data, len);
		free(data);
		return;
	}
	k->status = TL_INVALID;
	b = mem_bio(data, len);
	while (PEM_read_bio(b, &name, &header, &der, &dlen)) {
		bool is_key;

		n = strlen(name);
		is_key = n >= 11 && strcmp(name + n - 11, "PRIVATE KEY") == 0;
		if (is_key && w->dctx) {
			const unsigned char *p = der;
			size_t left = (size_t)dlen;

			w->pkey = NULL;
			if (OSSL_DECODER_from_data(w->dctx, &p, &left) && w->pkey) {
				k->priv = w->pkey;
				k->type = pkey_type(w->pkey);
				k->bits = EVP_PKEY_get_bits(w->pkey);
				k->status = TL_OK;
			}
			w->pkey = NULL;
		}
		OPENSSL_cleanse(der, (size_t)dlen);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (is_key)
			break;
	}
	ERR_clear_error();
	BIO_free(b);
	if (k->status != TL_OK)
		k->error = xstrdup(is_pem(data, len) ? "no usable PEM private key in it"
						     : "not a PEM private key (DER or another format)");
	/* the key's bytes go no further than this function */
	OPENSSL_cleanse(data, len);
	free(data);
}

/* Work item i is the i-th chain and the i-th key: the TLS evaluator
 * registers a certificate and its key one after the other, so both are
 * usually parsed by the same thread, in the same library context, where
 * comparing them (tls_pair_errors) needs no export of either. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	size_t total = w->f->nchain > w->f->nkey ? w->f->nchain : w->f->nkey;
	size_t i;

	for (;;) {
		i = atomic_fetch_add(w->next, 1);
		if (i >= total)
			break;
		if (i < w->f->nchain && w->f->chains[i]->status == TL_PENDING)
			load_chain(w, w->f->chains[i]);
		if (i < w->f->nkey && w->f->keys[i]->status == TL_PENDING)
			load_key(w, w->f->keys[i]);
	}
	ERR_clear_error();
	return NULL;
}

/* A library context for a worker. OpenSSL 3.0 makes a decoder for the
 * public key of every certificate it parses, and threads making them in
 * one context take turns on its locks and reference counts: 5,000
 * certificates took as long to parse on two threads as on one, and take
 * half as long with a context each. It reads the configuration the
 * default context reads (the providers it activates); NULL (the default
 * context) when that cannot be done. */
static OSSL_LIB_CTX *
worker_libctx(void)
{
	OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
	char *conf = CONF_get1_default_config_file();
	bool ok = lc != NULL;

	if (ok && conf && access(conf, R_OK) == 0)
		ok = OSSL_LIB_CTX_load_config(lc, conf) == 1;
	OPENSSL_free(conf);
	ERR_clear_error();
	if (!ok) {
		OSSL_LIB_CTX_free(lc);
		return NULL;
	}
	return lc;
}

static SSL_CTX *
new_server_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		fputs("cfaudit: cannot create an OpenSSL context\n", stderr);
		exit(3);
	}
	return ctx;
}

/* OpenSSL takes a level above 5 as 5 (and below 0 as 0). */
static int
clamp_level(int level)
{
	return level < 0 ? 0 : level >= TLS_LEVELS ? TLS_LEVELS - 1 : level;
}

static int default_level = -1;
static pthread_once_t default_level_once = PTHREAD_ONCE_INIT;

static void
default_level_init(void)
{
	SSL_CTX *ctx = new_server_ctx();

	default_level = clamp_level(SSL_CTX_get_security_level(ctx));
	SSL_CTX_free(ctx);
}

int
tls_default_level(void)
{
	pthread_once(&default_level_once, default_level_init);
	return default_level;
}

void
tls_files_load(struct tls_files *f, unsigned threads)
{
	pthread_t tid[CAP_THREADS];
	struct worker w[CAP_THREADS];
	atomic_size_t next = 0;
	size_t pending = 0;
	size_t i;
	unsigned n;
	unsigned started = 0;

	for (i = 0; i < f->nchain; i++)
		pending += f->chains[i]->status == TL_PENDING;
	for (i = 0; i < f->nkey; i++)
		pending += f->keys[i]->status == TL_PENDING;
	if (pending == 0)
		return;
	if (threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (threads > CAP_THREADS)
		threads = CAP_THREADS;
	/* a thread is worth starting for a few dozen files */
	n = (unsigned)((pending + 31) / 32);
	if (n < threads)
		threads = n ? n : 1;
	for (n = 0; n < threads; n++) {
		if (n == f->nlibctx)
			f->libctx[f->nlibctx++] = worker_libctx();
		w[n].libctx = f->libctx[n];
		w[n].f = f;
		w[n].idx = n;
		w[n].next = &next;
		w[n].ctx = new_server_ctx();
		w[n].pkey = NULL;
		/* keys are decoded in the thread's context too: in the default
		 * one the threads would take turns, as they did parsing
		 * certificates, and a key would be compared with its
		 * certificate across contexts (an export of the key) */
		w[n].dctx = OSSL_DECODER_CTX_new_for_pkey(&w[n].pkey, "DER", NULL, NULL,
							  EVP_PKEY_KEYPAIR, w[n].libctx, NULL);
	}
	for (n = 1; n < threads; n++)
		if (pthread_create(&tid[n], NULL, worker_run, &w[n]) == 0)
			started = n;
		else
			break;
	worker_run(&w[0]);
	for (n = 1; n <= started; n++)
		pthread_join(tid[n], NULL);
	for (n = 0; n < threads; n++) {
		SSL_CTX_free(w[n].ctx);
		OSSL_DECODER_CTX_free(w[n].dctx);
	}
}

/* ---- the other files a TLS server loads when it starts ---- */

/* ssl_dhparam as nginx sets it: the parameters read from PEM, then set in
 * a context of the level (SSL_CTX_set_tmp_dh refuses a group below it:
 * "dh key too small"). */
static char *
dhparam_error(const char *data, size_t len, int level)
{
	BIO *b = mem_bio(data, len);
	EVP_PKEY *dh = PEM_read_bio_Parameters(b, NULL);
	SSL_CTX *ctx;
	char *err = NULL;

	BIO_free(b);
	if (dh == NULL || !(EVP_PKEY_is_a(dh, "DH") || EVP_PKEY_is_a(dh, "DHX"))) {
		EVP_PKEY_free(dh);
		ERR_clear_error();
		return xstrdup("no DH parameters in it (PEM_read_bio_DHparams() failed)");
	}
	ctx = new_server_ctx();
	SSL_CTX_set_security_level(ctx, level);
	if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
		EVP_PKEY_free(dh);
		char *why = ssl_error_dup("the parameters cannot be used");

		err = xasprintf("SSL_CTX_set_tmp_dh() failed (%s)", why);
		free(why);
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return err;
}

/* ssl_trusted_certificate, ssl_client_certificate, ssl_crl as
 * X509_LOOKUP_load_file reads them: PEM certificates and CRLs, at least one
 * (a broken block fails it); a client CA file needs a certificate
 * (SSL_load_client_CA_file). */
static char *
verify_file_error(const char *data, size_t len, bool need_cert)
{
	BIO *b = mem_bio(data, len);
	STACK_OF(X509_INFO) *info = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
	int certs = 0;
	int crls = 0;
	int i;

	BIO_free(b);
	ERR_clear_error();
	if (info == NULL)
		return xstrdup("not PEM certificates or CRLs (X509_LOOKUP_load_file failed)");
	for (i = 0; i < sk_X509_INFO_num(info); i++) {
		certs += sk_X509_INFO_value(info, i)->x509 != NULL;
		crls += sk_X509_INFO_value(info, i)->crl != NULL;
	}
	sk_X509_INFO_pop_free(info, X509_INFO_free);
	if (certs + crls == 0)
		return xstrdup("no certificate or CRL in it (X509_LOOKUP_load_file: no "
			       "certificate or crl found)");
	if (need_cert && certs == 0)
		return xstrdup("no certificate in it (SSL_load_client_CA_file() failed)");
	return NULL;
}

/* ssl_stapling_file: one DER OCSP response (d2i_OCSP_RESPONSE_bio). */
static char *
ocsp_error(const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);

	ERR_clear_error();
	if (r == NULL)
		return xstrdup("not a DER OCSP response (d2i_OCSP_RESPONSE_bio() failed)");
	OCSP_RESPONSE_free(r);
	return NULL;
}

/* ssl_password_file: a line of 4096 bytes or more is refused. */
static char *
passwords_error(const char *data, size_t len)
{
	size_t at = 0;

	while (at < len) {
		const char *nl = memchr(data + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - data) : len;

		if (end - at >= PASSWORD_LINE_MAX)
			return xstrdup("too long line in it (4096 bytes or more)");
		at = end + 1;
	}
	return NULL;
}

enum tls_load
tls_aux_load(const char *path, enum tls_aux kind, int level, char **err)
{
	char *data = NULL;
	size_t len = 0;
	enum tls_load st = read_path(path, &data, &len, err);

	if (st != TL_OK)
		return st;
	switch (kind) {
	case TA_DHPARAM:
		*err = dhparam_error(data, len, level);
		break;
	case TA_CA:
	case TA_CRL:
		*err = verify_file_error(data, len, false);
		break;
	case TA_CLIENT_CA:
		*err = verify_file_error(data, len, true);
		break;
	case TA_OCSP:
		*err = ocsp_error(data, len);
		break;
	case TA_TICKET_KEY:
		*err = len == 48 || len == 80
			       ? NULL
			       : xasprintf("%zu bytes: it must be 48 or 80 bytes", len);
		break;
	case TA_PASSWORDS:
		*err = passwords_error(data, len);
		break;
	default:
		abort();
	}
	/* a password or ticket key file's bytes go no further */
	OPENSSL_cleanse(data, len);
	free(data);
	return *err ? TL_INVALID : TL_OK;
}

/* ---- questions about loaded files ---- */

/* ---- host names against DNS names, as OpenSSL's v3_utl.c matches them
 * (X509_check_host with X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS) ---- */

static unsigned char
lower_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* equal_nocase: the same length and bytes but ASCII case; no NUL in the
 * pattern. */
static bool
dns_equal_nocase(const unsigned char *p, size_t plen, const unsigned char *s, size_t slen)
{
	size_t i;

	if (plen != slen)
		return false;
	for (i = 0; i < plen; i++)
		if (p[i] == '\0' || lower_ascii(p[i]) != lower_ascii(s[i]))
			return false;
	return true;
}

static bool
ldh_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* valid_star: the pattern's wildcard when it is the whole left-most label
 * of a name of at least three labels, each label letters, digits and inner
 * hyphens, the wildcard's not an IDNA one; NULL otherwise (the pattern is
 * then compared as it is). */
static const unsigned char *
dns_valid_star(const unsigned char *p, size_t len)
{
	enum { START = 1, HYPHEN = 2, IDNA = 4 };
	const unsigned char *star = NULL;
	int state = START;
	int dots = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '*') {
			bool at_start = (state & START) != 0;
			bool at_end = i == len - 1 || p[i + 1] == '.';

			if (star != NULL || (state & IDNA) != 0 || dots || !at_start || !at_end)
				return NULL;
			star = &p[i];
			state &= ~START;
		} else if (ldh_char(p[i])) {
			if ((state & START) != 0 && len - i >= 4 &&
			    strncasecmp((const char *)&p[i], "xn--", 4) == 0)
				state |= IDNA;
			state &= ~(HYPHEN | START);
		} else if (p[i] == '.') {
			if ((state & (HYPHEN | START)) != 0)
				return NULL;
			state = START;
			dots++;
		} else if (p[i] == '-') {
			if ((state & START) != 0)
				return NULL;
			state |= HYPHEN;
		} else {
			return NULL;
		}
	}
	if ((state & (START | HYPHEN)) != 0 || dots < 2)
		return NULL;
	return star;
}

/* wildcard_match for a "*" that is a whole label (no prefix): the suffix
 * after it ends the host, and what it stands for is one label of at least
 * one letter, digit or hyphen (or a "*" alone). */
static bool
dns_wildcard_match(const unsigned char *suffix, size_t suffix_len, const unsigned char *s,
		   size_t slen)
{
	size_t i;

	if (slen < suffix_len || slen == suffix_len)
		return false;
	if (!dns_equal_nocase(suffix, suffix_len, s + slen - suffix_len, suffix_len))
		return false;
	/* the wildcard may stand for a literal "*" */
	if (slen - suffix_len == 1 && s[0] == '*')
		return true;
	for (i = 0; i < slen - suffix_len; i++)
		if (!ldh_char(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool
tls_dns_name_covers(const unsigned char *pattern, size_t len, const char *host)
{
	const unsigned char *s = (const unsigned char *)host;
	size_t slen = strlen(host);
	const unsigned char *star = NULL;

	if (!(slen > 1 && s[0] == '.'))
		star = dns_valid_star(pattern, len);
	if (star == NULL)
		return dns_equal_nocase(pattern, len, s, slen);
	return dns_wildcard_match(star + 1, len - (size_t)(star - pattern) - 1, s, slen);
}

bool
tls_chain_covers(const struct tls_chain *c, const char *host)
{
	X509 *x;
	unsigned int flags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
	int has_san;
	size_t i;

	if (c->priv == NULL || sk_X509_num(c->priv) == 0)
		return false;
	/* the names read at load time, for an ordinary host name (a leading
	 * dot asks OpenSSL for sub-domains: it answers that itself) */
	if (c->san_names && host[0] != '.' && host[0] != '\0') {
		for (i = 0; i < c->ndns; i++)
			if (tls_dns_name_covers(c->dns[i].v, c->dns[i].len, host))
				return true;
		return false;
	}
	x = sk_X509_value(c->priv, 0);
	/* the CN counts only when there is no subjectAltName at all */
	has_san = X509_get_ext_by_NID(x, NID_subject_alt_name, -1) >= 0;
	if (has_san)
		flags |= X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	return X509_check_host(x, host, strlen(host), flags, NULL) == 1;
}

bool
tls_chain_contains(const struct tls_chain *c, const char *pem, size_t len)
{
	bool der;
	STACK_OF(X509) *sk = read_certs(pem, len, &der);
	bool found = false;
	int i;
	int j;

	for (i = 0; c->priv && i < sk_X509_num(c->priv) && !found; i++)
		for (j = 0; j < sk_X509_num(sk) && !found; j++)
			found = X509_cmp(sk_X509_value(c->priv, i), sk_X509_value(sk, j)) == 0;
	sk_X509_pop_free(sk, X509_free);
	return found;
}

char *
tls_pair_error(const struct tls_chain *c, const struct tls_key *k)
{
	X509 *x;

	if (c->priv == NULL || sk_X509_num(c->priv) == 0 || k->priv == NULL)
		return NULL;
	x = sk_X509_value(c->priv, 0);
	if (pkey_type(X509_get0_pubkey(x)) != k->type)
		return xasprintf("the key is an %s key, the certificate's is %s",
				 tls_key_type_name(k->type),
				 tls_key_type_name(pkey_type(X509_get0_pubkey(x))));
	if (X509_check_private_key(x, k->priv) == 1) {
		ERR_clear_error();
		return NULL;
	}
	return ssl_error_dup("key values mismatch");
}

struct pair_job {
	const struct tls_chain *const *c;
	const struct tls_key *const *k;
	char **errs;
	size_t n;
	atomic_size_t next;
};

static void *
pair_run(void *arg)
{
	struct pair_job *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
		j->errs[i] = tls_pair_error(j->c[i], j->k[i]);
	ERR_clear_error();
	return NULL;
}

void
tls_pair_errors(const struct tls_chain *const *c, const struct tls_key *const *k, char **errs,
		size_t n, unsigned threads)
{
	pthread_t tid[CAP_THREADS];
	struct pair_job j = {c, k, errs, n, 0};
	unsigned started = 0;
	unsigned t;

	if (threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (threads > CAP_THREADS)
		threads = CAP_THREADS;
	/* a thread is worth starting for a few hundred pairs */
	if (threads > n / 256 + 1)
		threads = (unsigned)(n / 256 + 1);
	for (t = 1; t < threads; t++)
		if (pthread_create(&tid[t], NULL, pair_run, &j) == 0)
			started = t;
		else
			break;
	pair_run(&j);
	for (t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
}

/* ---- Cloudflare's offer ---- */

#define OFFER_MAX 32

static struct offer {
	size_t n;
	struct offer_suite {
		char name[64];
		bool tls13;
	} v[OFFER_MAX];
	char text[2048];
	bool ready;
} offer;

bool
tls_offer_init(char **err)
{
	const char *p = ipr_origin_ciphers_txt;
	const char *end = p + ipr_origin_ciphers_txt_len;
	struct buf text = {NULL, 0, 0};
	char *t;

	*err = NULL;
	if (offer.ready)
		return true;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256];
		char name[64];

		if (n < sizeof(line) && n > 0 && p[0] != '#') {
			memcpy(line, p, n);
			line[n] = '\0';
			if (sscanf(line, "%63s", name) == 1 && offer.n < OFFER_MAX) {
				snprintf(offer.v[offer.n].name, sizeof(offer.v[0].name), "%s", name);
				offer.v[offer.n].tls13 = strstr(line, "TLSv1.3") != NULL;
				if (text.len)
					buf_adds(&text, ":");
				buf_adds(&text, name);
				offer.n++;
			}
		}
		p += n + 1;
	}
	t = buf_take(&text);
	snprintf(offer.text, sizeof(offer.text), "%s", t ? t : "");
	free(t);
	if (offer.n == 0) {
		*err = xstrdup("origin-ciphers.txt lists no cipher suite");
		return false;
	}
	offer.ready = true;
	return true;
}

const char *
tls_offer_text(void)
{
	return offer.text;
}

/* ---- protocols as nginx and Apache write them ---- */

enum {
	P_SSLV2 = 1 << 0,
	P_SSLV3 = 1 << 1,
	P_TLSV1 = 1 << 2,
	P_TLSV11 = 1 << 3,
	P_TLSV12 = 1 << 4,
	P_TLSV13 = 1 << 5,
	P_ALL = P_SSLV3 | P_TLSV1 | P_TLSV11 | P_TLSV12 | P_TLSV13
};

static const struct proto_name {
	const char *name;
	unsigned bit;
	unsigned long op; /* SSL_OP_NO_... */
} proto_names[] = {
	{"SSLv2", P_SSLV2, 0},
	{"SSLv3", P_SSLV3, SSL_OP_NO_SSLv3},
	{"TLSv1", P_TLSV1, SSL_OP_NO_TLSv1},
	{"TLSv1.1", P_TLSV11, SSL_OP_NO_TLSv1_1},
	{"TLSv1.2", P_TLSV12, SSL_OP_NO_TLSv1_2},
	{"TLSv1.3", P_TLSV13, SSL_OP_NO_TLSv1_3},
};

/* nginx lists the versions ("TLSv1.2 TLSv1.3"); Apache adds and removes
 * ("all -SSLv3 -TLSv1", "-all +TLSv1.3"). Names are case-insensitive in
 * both. false with *bad (allocated) at an unknown word. */
static bool
parse_protocols(const char *text, unsigned *mask, char **bad)
{
	char *copy = xstrdup(text);
	char *save = NULL;
	char *tok;
	size_t i;

	*mask = 0;
	*bad = NULL;
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char sign = 0;
		unsigned bit = 0;

		if (*tok == '+' || *tok == '-')
			sign = *tok++;
		if (strcasecmp(tok, "all") == 0)
			bit = P_ALL;
		for (i = 0; i < ARRAY_LEN(proto_names) && bit == 0; i++)
			if (strcasecmp(tok, proto_names[i].name) == 0)
				bit = proto_names[i].bit;
		if (bit == 0) {
			*bad = xstrdup(tok);
			free(copy);
			return false;
		}
		if (sign == '-')
			*mask &= ~bit;
		else
			*mask |= bit;
	}
	free(copy);
	return true;
}

char *
tls_protocols_error(const char *protocols)
{
	unsigned mask;
	char *bad;

	if (protocols == NULL || parse_protocols(protocols, &mask, &bad))
		return NULL;
	return bad;
}

static void
mask_text(unsigned mask, char *buf, size_t n)
{
	size_t i;
	size_t len = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(proto_names); i++)
		if (mask & proto_names[i].bit) {
			int w = snprintf(buf + len, n - len, "%s%s", len ? " " : "",
					 proto_names[i].name);

			if (w < 0 || (size_t)w >= n - len)
				return;
			len += (size_t)w;
		}
}

/* ---- stand-in credentials ---- */

struct standin {
	enum tls_key_type type;
	char curve[64];
	X509 *x;
	EVP_PKEY *k;
};

static struct standin standins[8];
static size_t nstandin;

/* A self-signed certificate with a fresh key of the type (and curve) of
 * the real one: only its type matters to the handshake. */
static struct standin *
standin_for(const struct tls_cert *c)
{
	const char *curve = c->curve ? c->curve : "";
	struct standin *s;
	EVP_PKEY *k = NULL;
	X509 *x;
	size_t i;

	for (i = 0; i < nstandin; i++)
		if (standins[i].type == c->key_type && strcmp(standins[i].curve, curve) == 0)
			return &standins[i];
	if (nstandin == ARRAY_LEN(standins))
		return NULL;
	switch (c->key_type) {
	case TK_RSA:
		k = EVP_RSA_gen(2048);
		break;
	case TK_EC:
		k = EVP_EC_gen(c->curve ? c->curve : "prime256v1");
		break;
	case TK_ED25519:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case TK_ED448:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
		break;
	default:
		break;
	}
	if (k == NULL) {
		ERR_clear_error();
		return NULL;
	}
	x = X509_new();
	if (x == NULL || !X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_set_pubkey(x, k) ||
	    !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					(const unsigned char *)"cfaudit stand-in", -1, -1, 0) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    !X509_sign(x, k, c->key_type == TK_ED25519 || c->key_type == TK_ED448 ? NULL
										  : EVP_sha256())) {
		X509_free(x);
		EVP_PKEY_free(k);
		ERR_clear_error();
		return NULL;
	}
	s = &standins[nstandin++];
	s->type = c->key_type;
	snprintf(s->curve, sizeof(s->curve), "%s", curve);
	s->x = x;
	s->k = k;
	return s;
}

/* ---- the handshake ---- */

static SSL_CTX *client_ctx;

static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
	    unsigned int inlen, void *arg)
{
	/* nginx: the server's list ("h2", "http/1.1") in the server's order */
	static const unsigned char h2[] = "\x02h2\x08http/1.1";
	static const unsigned char h1[] = "\x08http/1.1";
	bool want_h2 = arg != NULL;
	unsigned char *o = NULL;

	(void)ssl;
	if (SSL_select_next_proto(&o, outlen, want_h2 ? h2 : h1,
				  want_h2 ? sizeof(h2) - 1 : sizeof(h1) - 1, in,
				  inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

/* ---- OpenSSL configuration commands ---- */

/* A command context as the servers make one: Apache (mod_ssl) with
 * SSL_CONF_FLAG_FILE, SERVER, CERTIFICATE and SHOW_ERRORS; nginx adds
 * CLIENT. ctx NULL: only to look commands up. */
static SSL_CONF_CTX *
conf_ctx(SSL_CTX *ctx, bool client)
{
	SSL_CONF_CTX *cc = SSL_CONF_CTX_new();
	unsigned flags = SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE |
			 SSL_CONF_FLAG_SHOW_ERRORS;

	if (cc == NULL) {
		fputs("cfaudit: cannot create an OpenSSL context\n", stderr);
		exit(3);
	}
	if (client)
		flags |= SSL_CONF_FLAG_CLIENT;
	SSL_CONF_CTX_set_flags(cc, flags);
	if (ctx)
		SSL_CONF_CTX_set_ssl_ctx(cc, ctx);
	return cc;
}

enum tls_conf_type
tls_conf_type(const char *name, bool client)
{
	SSL_CONF_CTX *cc = conf_ctx(NULL, client);
	int t = SSL_CONF_cmd_value_type(cc, name);

	SSL_CONF_CTX_free(cc);
	switch (t) {
	case SSL_CONF_TYPE_STRING:
	case SSL_CONF_TYPE_NONE:
		return TCT_STRING;
	case SSL_CONF_TYPE_FILE:
		/* the one file command that changes the handshake and can be
		 * applied from data read inside the root */
		return strcasecmp(name, "DHParameters") == 0 ? TCT_DH : TCT_FILE;
	case SSL_CONF_TYPE_DIR:
		return TCT_DIR;
	default:
		return TCT_UNKNOWN;
	}
}

/* DHParameters as OpenSSL's own command applies it (PEM parameters, then
 * SSL_CTX_set0_tmp_dh_pkey, which refuses a group below the security
 * level: "dh key too small"), from the file's contents. */
static bool
conf_dh(SSL_CTX *ctx, const struct tls_conf_cmd *c)
{
	BIO *b;
	EVP_PKEY *dh;

	if (c->data == NULL || c->len > INT_MAX)
		return false;
	b = BIO_new_mem_buf(c->data, (int)c->len);
	dh = b ? PEM_read_bio_Parameters(b, NULL) : NULL;
	BIO_free(b);
	if (dh == NULL)
		return false;
	if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
		EVP_PKEY_free(dh);
		return false;
	}
	return true;
}

/* Apply p's configuration commands to ctx in order, then finish, as both
 * servers do; false with out set at the first one OpenSSL refuses. */
static bool
apply_conf(SSL_CTX *ctx, const struct tls_policy *p, struct tls_hs *out)
{
	SSL_CONF_CTX *cc;
	size_t i;
	bool ok = true;

	if (p->nconf == 0)
		return true;
	cc = conf_ctx(ctx, p->conf_client);
	for (i = 0; i < p->nconf && ok; i++) {
		const struct tls_conf_cmd *c = &p->conf[i];

		ERR_clear_error();
		if (tls_conf_type(c->name, p->conf_client) == TCT_DH)
			ok = conf_dh(ctx, c);
		else
			ok = SSL_CONF_cmd(cc, c->name, c->value) > 0;
		if (!ok)
			out->conf_failed = (int)i;
	}
	if (ok && SSL_CONF_CTX_finish(cc) != 1) {
		ok = false;
		out->conf_failed = (int)p->nconf - 1;
	}
	if (!ok) {
		out->result = HS_BAD_CONF;
		ssl_error_text(out->error, sizeof(out->error), "refused");
	}
	SSL_CONF_CTX_free(cc);
	return ok;
}

bool
tls_compression_available(void)
{
	return sk_SSL_COMP_num(SSL_COMP_get_compression_methods()) > 0;
}

/* Whether the load found c refused at level; a level it did not check is
 * left to SSL_CTX_use_certificate below, which checks it the same way. */
static bool
refused_at(const struct tls_chain *c, int level)
{
	if (level != tls_default_level() && !(c->levels & (1u << level)))
		return false;
	return c->use_errors[level] != NULL;
}

/* The server as the origin configures it. NULL with out->result set when
 * the settings cannot be applied. */
static SSL_CTX *
server_ctx(const struct tls_policy *p, const struct tls_cred *cred, size_t ncred,
	   struct tls_hs *out)
{
	SSL_CTX *ctx = new_server_ctx();
	unsigned mask;
	char *bad;
	size_t i;

	out->level = clamp_level(SSL_CTX_get_security_level(ctx));
	if (p->protocols) {
		if (!parse_protocols(p->protocols, &mask, &bad)) {
			out->result = HS_BAD_PROTOCOLS;
			snprintf(out->error, sizeof(out->error), "unknown protocol \"%s\"", bad);
			free(bad);
			SSL_CTX_free(ctx);
			return NULL;
		}
		mask_text(mask, out->protocols_enabled, sizeof(out->protocols_enabled));
		/* nginx turns the versions not listed off, one option each */
		for (i = 0; i < ARRAY_LEN(proto_names); i++)
			if (!(mask & proto_names[i].bit) && proto_names[i].op)
				SSL_CTX_set_options(ctx, proto_names[i].op);
	} else {
		mask_text(P_TLSV1 | P_TLSV11 | P_TLSV12 | P_TLSV13, out->protocols_enabled,
			  sizeof(out->protocols_enabled));
	}
	if (p->ciphers) {
		const char *c = p->ciphers;
		int ok;

		ok = SSL_CTX_set_cipher_list(ctx, c);
		if (!ok) {
			out->result = HS_BAD_CIPHERS;
			ssl_error_text(out->error, sizeof(out->error), "no cipher match");
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	/* Apache sets the TLS 1.3 suites after the cipher list (AH10127) */
	if (p->ciphersuites && !SSL_CTX_set_ciphersuites(ctx, p->ciphersuites)) {
		out->result = HS_BAD_SUITES;
		ssl_error_text(out->error, sizeof(out->error), "no cipher match");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* the cipher string's @SECLEVEL= is the context's level from here on,
	 * as it is when nginx and Apache load the certificates after it */
	out->level = clamp_level(SSL_CTX_get_security_level(ctx));
	if (p->prefer_server)
		SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	for (i = 0; i < ncred; i++) {
		const struct tls_chain *c = cred[i].chain;
		const struct tls_key *k = cred[i].key;
		STACK_OF(X509) *sk = c->priv;
		X509 *x;
		EVP_PKEY *key = NULL;
		int j;

		if (sk == NULL || sk_X509_num(sk) == 0 || refused_at(c, out->level))
			continue;
		x = sk_X509_value(sk, 0);
		if (k && k->priv && X509_check_private_key(x, k->priv) == 1) {
			key = k->priv;
		} else {
			struct standin *s = standin_for(&c->certs[0]);

			ERR_clear_error();
			if (s == NULL)
				continue;
			x = s->x;
			key = s->k;
		}
		if (!SSL_CTX_use_certificate(ctx, x) || !SSL_CTX_use_PrivateKey(ctx, key)) {
			ERR_clear_error();
			continue;
		}
		if (x == sk_X509_value(sk, 0))
			for (j = 1; j < sk_X509_num(sk); j++)
				SSL_CTX_add1_chain_cert(ctx, sk_X509_value(sk, j));
		ERR_clear_error();
	}
	/* mod_ssl and nginx apply the commands last, over everything */
	if (!apply_conf(ctx, p, out)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (p->h2)
		SSL_CTX_set_alpn_select_cb(ctx, alpn_select, (void *)1);
	else
		SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	return ctx;
}

static SSL_CTX *
cloudflare_ctx(void)
{
	if (client_ctx == NULL) {
		client_ctx = SSL_CTX_new(TLS_client_method());
		if (client_ctx == NULL) {
			fputs("cfaudit: cannot create an OpenSSL context\n", stderr);
			exit(3);
		}
		/* Cloudflare offers TLS 1.0 to 1.3 and does not verify here */
		SSL_CTX_set_security_level(client_ctx, 0);
		SSL_CTX_set_min_proto_version(client_ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(client_ctx, TLS1_3_VERSION);
		SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
	}
	return client_ctx;
}

enum step {
	STEP_DONE,
	STEP_AGAIN,
	STEP_FAILED
};

static enum step
hs_step(SSL *s)
{
	int r = SSL_do_handshake(s);

	if (r == 1)
		return STEP_DONE;
	switch (SSL_get_error(s, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return STEP_AGAIN;
	default:
		return STEP_FAILED;
	}
}

struct attempt {
	bool ok;
	unsigned long server_err; /* the server's reason for failing */
	unsigned long client_err;
	char version[16];
	char cipher[64];
	bool h2_forbidden;
	bool alpn_h2;
	int cred;
};

/* Which credential the server presented: the one whose certificate it is;
 * else (a stand-in was loaded for a key that does not match) the last of
 * its key type, since each certificate loaded replaces the one of its type
 * before it, as in nginx and Apache. */
static int
cred_used(X509 *used, const struct tls_cred *cred, size_t ncred)
{
	int last = -1;
	size_t i;

	for (i = 0; i < ncred; i++) {
		const STACK_OF(X509) *sk = cred[i].chain->priv;

		if (sk == NULL || sk_X509_num(sk) == 0)
			continue;
		if (X509_cmp(used, sk_X509_value(sk, 0)) == 0)
			return (int)i;
		if (pkey_type(X509_get0_pubkey(used)) == cred[i].chain->certs[0].key_type)
			last = (int)i;
	}
	return last;
}

/* One handshake: the client offers the suites left (names[], TLS 1.3 ones
 * as ciphersuites), with ALPN h2 and http/1.1. */
static void
attempt(SSL_CTX *sctx, const char *const *names, const bool *tls13, size_t n, const char *sni,
	const struct tls_cred *cred, size_t ncred, struct attempt *a)
{
	struct buf l12 = {NULL, 0, 0};
	struct buf l13 = {NULL, 0, 0};
	SSL *c = SSL_new(cloudflare_ctx());
	SSL *s = SSL_new(sctx);
	BIO *cb = NULL;
	BIO *sb = NULL;
	char *t12;
	char *t13;
	size_t i;
	int rounds;
	bool cdone = false;
	bool sdone = false;
	static const unsigned char alpn[] = "\x02h2\x08http/1.1";

	memset(a, 0, sizeof(*a));
	a->cred = -1;
	for (i = 0; i < n; i++) {
		struct buf *b = tls13[i] ? &l13 : &l12;

		if (b->len)
			buf_adds(b, ":");
		buf_adds(b, names[i]);
	}
	buf_adds(&l12, l12.len ? ":@SECLEVEL=0" : "");
	t12 = buf_take(&l12);
	t13 = buf_take(&l13);
	if (c == NULL || s == NULL || !BIO_new_bio_pair(&cb, 0, &sb, 0))
		goto out;
	/* an empty list offers nothing of its versions */
	SSL_set_ciphersuites(c, t13 ? t13 : "");
	if (t13 == NULL || *t13 == '\0')
		SSL_set_max_proto_version(c, TLS1_2_VERSION);
	if (t12 == NULL || *t12 == '\0' || !SSL_set_cipher_list(c, t12)) {
		ERR_clear_error();
		SSL_set_min_proto_version(c, TLS1_3_VERSION);
	}
	if (sni && *sni)
		SSL_set_tlsext_host_name(c, sni);
	SSL_set_alpn_protos(c, alpn, sizeof(alpn) - 1);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	ERR_clear_error();
	for (rounds = 0; rounds < 64 && !(cdone && sdone); rounds++) {
		enum step st;

		if (!cdone) {
			st = hs_step(c);
			if (st == STEP_FAILED) {
				a->client_err = ERR_peek_last_error();
				ERR_clear_error();
				/* the server's side may have said why */
				hs_step(s);
				a->server_err = ERR_peek_last_error();
				break;
			}
			cdone = st == STEP_DONE;
		}
		if (!sdone) {
			st = hs_step(s);
			if (st == STEP_FAILED) {
				a->server_err = ERR_peek_last_error();
				break;
			}
			sdone = st == STEP_DONE;
		}
	}
	if (cdone && sdone) {
		const SSL_CIPHER *ci = SSL_get_current_cipher(c);
		const unsigned char *proto = NULL;
		unsigned int plen = 0;
		X509 *used = SSL_get_certificate(s);

		a->ok = true;
		snprintf(a->version, sizeof(a->version), "%s", SSL_get_version(c));
		snprintf(a->cipher, sizeof(a->cipher), "%s", ci ? SSL_CIPHER_get_name(ci) : "?");
		if (ci && SSL_version(c) < TLS1_3_VERSION)
			a->h2_forbidden = !((SSL_CIPHER_get_kx_nid(ci) == NID_kx_ecdhe ||
					     SSL_CIPHER_get_kx_nid(ci) == NID_kx_dhe) &&
					    SSL_CIPHER_is_aead(ci));
		SSL_get0_alpn_selected(c, &proto, &plen);
		a->alpn_h2 = plen == 2 && memcmp(proto, "h2", 2) == 0;
		if (used)
			a->cred = cred_used(used, cred, ncred);
	}
out:
	ERR_clear_error();
	SSL_free(c);
	SSL_free(s);
	free(t12);
	free(t13);
}

static bool
protocol_reason(unsigned long e)
{
	int r = ERR_GET_REASON(e);

	return r == SSL_R_UNSUPPORTED_PROTOCOL || r == SSL_R_NO_PROTOCOLS_AVAILABLE ||
	       r == SSL_R_VERSION_TOO_LOW || r == SSL_R_VERSION_TOO_HIGH ||
	       r == SSL_R_WRONG_VERSION_NUMBER || r == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION;
}

static bool
weak_suite(const char *name)
{
	return strstr(name, "RC4") != NULL || strstr(name, "DES-CBC3") != NULL;
}

void
tls_handshake(const struct tls_policy *p, const struct tls_cred *cred, size_t ncred,
	      const char *sni, struct tls_hs *out)
{
	const char *names[OFFER_MAX];
	bool tls13[OFFER_MAX];
	size_t n = 0;
	size_t i;
	SSL_CTX *sctx;
	struct attempt a;

	memset(out, 0, sizeof(*out));
	out->cred = -1;
	sctx = server_ctx(p, cred, ncred, out);
	if (sctx == NULL)
		return;
	for (i = 0; i < offer.n; i++) {
		names[n] = offer.v[i].name;
		tls13[n++] = offer.v[i].tls13;
	}
	attempt(sctx, names, tls13, n, sni, cred, ncred, &a);
	if (!a.ok) {
		unsigned long e = a.server_err ? a.server_err : a.client_err;

		out->result = protocol_reason(e) ? HS_NO_PROTOCOL
			      : ERR_GET_REASON(e) == SSL_R_NO_SHARED_CIPHER ? HS_NO_CIPHER
									      : HS_FAILED;
		if (e)
			ERR_error_string_n(e, out->error, sizeof(out->error));
		else
			snprintf(out->error, sizeof(out->error), "the handshake failed");
		SSL_CTX_free(sctx);
		return;
	}
	out->result = HS_OK;
	snprintf(out->version, sizeof(out->version), "%s", a.version);
	snprintf(out->cipher, sizeof(out->cipher), "%s", a.cipher);
	out->cred = a.cred;
	out->alpn_h2 = a.alpn_h2;
	out->h2_forbidden = a.h2_forbidden;
	/* every suite in common: take the one agreed out of the offer, again */
	out->weak_only = true;
	while (a.ok && out->nsuite < TLS_SUITES_MAX) {
		snprintf(out->suites[out->nsuite++], sizeof(out->suites[0]), "%s %s", a.cipher,
			 a.version);
		out->weak_only &= weak_suite(a.cipher);
		for (i = 0; i < n && strcmp(names[i], a.cipher) != 0; i++)
			;
		if (i == n)
			break;
		memmove(&names[i], &names[i + 1], (n - i - 1) * sizeof(names[0]));
		memmove(&tls13[i], &tls13[i + 1], (n - i - 1) * sizeof(tls13[0]));
		if (--n == 0)
			break;
		attempt(sctx, names, tls13, n, sni, cred, ncred, &a);
	}
	SSL_CTX_free(sctx);
}

void
tls_policy_check(const struct tls_policy *p, struct tls_hs *out)
{
	SSL_CTX *ctx;

	memset(out, 0, sizeof(*out));
	out->cred = -1;
	ctx = server_ctx(p, NULL, 0, out);
	if (ctx)
		out->result = HS_OK;
	SSL_CTX_free(ctx);
}

int
tls_first_error_with_host(const struct tls_chain *c, bool covered)
{
	switch (c->verify_code) {
	case X509_V_OK:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
	case X509_V_ERR_CERT_REVOKED:
		return covered ? c->verify_code : X509_V_ERR_HOSTNAME_MISMATCH;
	default:
		return c->verify_code;
	}
}
