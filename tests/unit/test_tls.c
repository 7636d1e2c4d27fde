/* Unit tests of audit/tls.c: certificates made here with OpenSSL (fresh
 * test keys, never written outside a temporary directory), loaded through
 * the root like the server's files, verified at a given time, matched
 * against names, paired with keys, and handshakes run in memory. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "root.h"
#include "tls.h"
#include "unit.h"
#include "util.h"

#define DAY 86400
/* 2026-11-01T00:00:00Z: the audit time of these tests */
#define AT ((time_t)1793491200)

static char dir[64];
static EVP_PKEY *rsa_a;
static EVP_PKEY *rsa_b;
static EVP_PKEY *ec_a;

struct ca {
	X509 *x;
	EVP_PKEY *k;
};

static struct ca root;
static struct ca inter;

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e) {
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
}

/* A certificate for cn (san: "DNS:a,DNS:b" or NULL), valid from nb to na,
 * signed by issuer (NULL: self-signed). */
static X509 *
mk_cert(const char *cn, const char *san, EVP_PKEY *key, const struct ca *issuer, time_t nb,
	time_t na, bool is_ca, const EVP_MD *md)
{
	static long serial = 1;
	X509 *x = X509_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	ASN1_TIME_set(X509_getm_notBefore(x), nb);
	ASN1_TIME_set(X509_getm_notAfter(x), na);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x)
				       : X509_get_subject_name(x));
	if (is_ca) {
		add_ext(x, issuer ? issuer->x : NULL, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, issuer ? issuer->x : NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer ? issuer->x : NULL, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer ? issuer->x : NULL, NID_ext_key_usage, "serverAuth");
	}
	add_ext(x, issuer ? issuer->x : NULL, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(x, issuer->x, NID_authority_key_identifier, "keyid:always");
	if (san)
		add_ext(x, issuer ? issuer->x : NULL, NID_subject_alt_name, san);
	X509_sign(x, issuer ? issuer->k : key, md ? md : EVP_sha256());
	return x;
}

static void
write_file(const char *name, X509 *const *certs, size_t n, EVP_PKEY *key)
{
	char path[128];
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	for (i = 0; i < n; i++)
		PEM_write_X509(f, certs[i]);
	if (key)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

static void
write_der(const char *name, X509 *x)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	i2d_X509_fp(f, x);
	fclose(f);
}

/* A file of raw bytes. */
static void
write_raw(const char *name, const char *data, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fwrite(data, 1, len, f);
	fclose(f);
}

static char *
pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	char *s;

	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	s = xstrndup(p, (size_t)n);
	BIO_free(b);
	return s;
}

static struct tls_trust *
trust_of(X509 *x)
{
	struct tls_trust *t = tls_trust_new();
	char *pem = pem_of(x);
	char *err = NULL;

	tls_trust_add(t, pem, strlen(pem), NULL, &err);
	free(err);
	free(pem);
	return t;
}

/* Load one file (and chain file) against trust at time at. */
static struct tls_chain *
load(struct tls_files **fp, const struct tls_trust *t, time_t at, const char *name,
     const char *chain)
{
	char p[128];
	char c[128];
	struct tls_chain *ch;

	*fp = tls_files_new(t, at);
	snprintf(p, sizeof(p), "/%s", name);
	snprintf(c, sizeof(c), "/%s", chain ? chain : "");
	ch = tls_files_chain(*fp, p, chain ? c : NULL);
	tls_files_load(*fp, 1);
	return ch;
}

static bool
has_kind(const struct tls_chain *c, enum tls_verr_kind k, int code)
{
	size_t i;

	for (i = 0; i < c->nverr; i++)
		if (c->verr[i].kind == k && c->verr[i].code == code)
			return true;
	return false;
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/cfa-tls-unit.XXXXXX");
	if (mkdtemp(dir) == NULL || !root_open(dir)) {
		printf("not ok tls setup: cannot make %s\n", dir);
		exit(1);
	}
	rsa_a = EVP_RSA_gen(2048);
	rsa_b = EVP_RSA_gen(2048);
	ec_a = EVP_EC_gen("P-256");
	root.k = rsa_a;
	root.x = mk_cert("Test Root", NULL, root.k, NULL, AT - 400 * DAY, AT + 3000 * DAY, true, NULL);
	inter.k = ec_a;
	inter.x = mk_cert("Test Intermediate", NULL, inter.k, &root, AT - 300 * DAY,
			  AT + 2000 * DAY, true, NULL);
}

static void
test_tls_chain_ok(void)
{
	X509 *leaf = mk_cert("www.example.com", "DNS:www.example.com,DNS:*.example.org", rsa_b,
			     &inter, AT - 10 * DAY, AT + 100 * DAY, false, NULL);
	X509 *v[2] = {leaf, inter.x};
	struct tls_trust *t = trust_of(root.x);
	struct tls_files *f;
	struct tls_chain *c;

	write_file("ok.pem", v, 2, NULL);
	c = load(&f, t, AT, "ok.pem", NULL);
	CHECK(c->status == TL_OK);
	CHECK(c->ncert == 2);
	CHECK(c->verified);
	CHECK(c->verify_code == 0);
	CHECK(c->nverr == 0);
	CHECK_STR(c->certs[0].name, "www.example.com");
	CHECK_STR(c->certs[0].issuer, "Test Intermediate");
	CHECK(c->certs[0].key_type == TK_RSA && c->certs[0].key_bits == 2048);
	CHECK(c->certs[1].key_type == TK_EC);
	CHECK(c->certs[0].not_after == AT + 100 * DAY);
	CHECK(tls_chain_covers(c, "www.example.com"));
	CHECK(tls_chain_covers(c, "shop.example.org"));
	/* a wildcard covers one label, and not the bare domain */
	CHECK(!tls_chain_covers(c, "a.b.example.org"));
	CHECK(!tls_chain_covers(c, "example.org"));
	CHECK(!tls_chain_covers(c, "example.com"));
	CHECK(tls_first_error_with_host(c, false) == 62);
	CHECK(tls_first_error_with_host(c, true) == 0);
	/* the same path is the same object, loaded once */
	CHECK(tls_files_chain(f, "/ok.pem", NULL) == c);
	CHECK(tls_files_nchain(f) == 1);
	tls_files_free(f);
	tls_trust_free(t);
	X509_free(leaf);
}

static void
test_tls_dates(void)
{
	X509 *old = mk_cert("old.example.com", "DNS:old.example.com", rsa_b, &inter, AT - 400 * DAY,
			    AT - 5 * DAY, false, NULL);
	X509 *v[2] = {old, inter.x};
	struct tls_trust *t = trust_of(root.x);
	struct tls_files *f;
	struct tls_chain *c;

	write_file("old.pem", v, 2, NULL);
	c = load(&f, t, AT, "old.pem", NULL);
	CHECK(c->verify_code == 10);
	CHECK(has_kind(c, TV_EXPIRED, 10));
	CHECK(c->verr[0].depth == 0 && c->verr[0].in_file);
	CHECK(c->verr[0].when == AT - 5 * DAY);
	/* the host name is checked before the dates: s_client says 62 first */
	CHECK(tls_first_error_with_host(c, false) == 62);
	tls_files_free(f);
	/* at a time it was valid, it verifies (--at) */
	c = load(&f, t, AT - 30 * DAY, "old.pem", NULL);
	CHECK(c->verify_code == 0);
	tls_files_free(f);
	/* before its notBefore */
	c = load(&f, t, AT - 500 * DAY, "old.pem", NULL);
	CHECK(has_kind(c, TV_NOT_YET_VALID, 9));
	tls_files_free(f);
	tls_trust_free(t);
	X509_free(old);
}

static void
test_tls_trust_errors(void)
{
	X509 *leaf = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &inter,
			     AT - 10 * DAY, AT + 100 * DAY, false, NULL);
	X509 *self = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, NULL, AT - 10 * DAY,
			     AT + 100 * DAY, false, NULL);
	X509 *full[3] = {leaf, inter.x, root.x};
	struct tls_trust *t = trust_of(root.x);
	struct tls_trust *empty = tls_trust_new();
	struct tls_files *f;
	struct tls_chain *c;

	write_file("leaf.pem", &leaf, 1, NULL);
	write_file("self.pem", &self, 1, NULL);
	write_file("full.pem", full, 3, NULL);
	write_file("inter.pem", &inter.x, 1, NULL);
	/* the intermediate is missing */
	c = load(&f, t, AT, "leaf.pem", NULL);
	CHECK(has_kind(c, TV_ISSUER_MISSING, 20));
	CHECK(c->verify_code == 20);
	tls_files_free(f);
	/* ... unless a chain file brings it (SSLCertificateChainFile) */
	c = load(&f, t, AT, "leaf.pem", "inter.pem");
	CHECK(c->status == TL_OK && c->ncert == 2 && c->certs[1].from_chain_file);
	CHECK(c->verify_code == 0);
	tls_files_free(f);
	/* a chain file that is missing */
	c = load(&f, t, AT, "leaf.pem", "nothere.pem");
	CHECK(c->status == TL_MISSING && c->chain_failed);
	tls_files_free(f);
	/* self-signed */
	c = load(&f, t, AT, "self.pem", NULL);
	CHECK(has_kind(c, TV_SELF_SIGNED, 18));
	CHECK(c->certs[0].self_signed);
	tls_files_free(f);
	/* a complete chain to a root nobody trusts */
	c = load(&f, empty, AT, "full.pem", NULL);
	CHECK(has_kind(c, TV_UNTRUSTED_ROOT, 19));
	tls_files_free(f);
	tls_trust_free(t);
	tls_trust_free(empty);
	X509_free(leaf);
	X509_free(self);
}

static void
test_tls_exclude(void)
{
	/* an anchor added locally is trusted by the server, not by Cloudflare */
	X509 *leaf = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &inter,
			     AT - 10 * DAY, AT + 100 * DAY, false, NULL);
	X509 *v[2] = {leaf, inter.x};
	struct tls_trust *t = tls_trust_new();
	char *pem = pem_of(root.x);
	char *err = NULL;
	size_t skipped = 0;
	struct tls_files *f;
	struct tls_chain *c;

	CHECK(tls_trust_exclude(t, pem, strlen(pem)) == 1);
	CHECK(tls_trust_add(t, pem, strlen(pem), &skipped, &err) == 0);
	CHECK(skipped == 1 && err == NULL);
	CHECK(tls_trust_count(t) == 0);
	CHECK(tls_trust_add(t, "junk", 4, &skipped, &err) == 0 && err != NULL);
	free(err);
	write_file("ex.pem", v, 2, NULL);
	c = load(&f, t, AT, "ex.pem", NULL);
	CHECK(c->verify_code == 20);
	tls_files_free(f);
	tls_trust_free(t);
	free(pem);
	X509_free(leaf);
}

static void
test_tls_names(void)
{
	/* RFC 6125: the CN only without any subjectAltName; no partial
	 * wildcards; an IP address SAN never matches a name */
	X509 *cn = mk_cert("legacy.example.com", NULL, rsa_b, &inter, AT - DAY, AT + DAY, false, NULL);
	X509 *ip = mk_cert("www.example.com", "IP:192.0.2.1", rsa_b, &inter, AT - DAY, AT + DAY,
			   false, NULL);
	X509 *part = mk_cert("x", "DNS:w*.example.com", rsa_b, &inter, AT - DAY, AT + DAY, false,
			     NULL);
	X509 *us = mk_cert("my_host.example.com", "DNS:my_host.example.com", rsa_b, &inter,
			   AT - DAY, AT + DAY, false, NULL);
	struct tls_files *f;
	struct tls_chain *c;

	write_file("cn.pem", &cn, 1, NULL);
	write_file("ip.pem", &ip, 1, NULL);
	write_file("part.pem", &part, 1, NULL);
	write_file("us.pem", &us, 1, NULL);
	c = load(&f, NULL, AT, "cn.pem", NULL);
	CHECK(!c->verified);
	CHECK(tls_chain_covers(c, "legacy.example.com"));
	CHECK(!tls_chain_covers(c, "www.example.com"));
	CHECK_STR(c->certs[0].names, "legacy.example.com");
	tls_files_free(f);
	c = load(&f, NULL, AT, "ip.pem", NULL);
	CHECK(!tls_chain_covers(c, "www.example.com"));
	CHECK(!tls_chain_covers(c, "192.0.2.1.example.com"));
	tls_files_free(f);
	c = load(&f, NULL, AT, "part.pem", NULL);
	CHECK(!tls_chain_covers(c, "www.example.com"));
	tls_files_free(f);
	c = load(&f, NULL, AT, "us.pem", NULL);
	CHECK(c->certs[0].underscore);
	tls_files_free(f);
	X509_free(cn);
	X509_free(ip);
	X509_free(part);
	X509_free(us);
}

static void
test_tls_files(void)
{
	X509 *leaf = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &inter,
			     AT - 10 * DAY, AT + 100 * DAY, false, NULL);
	X509 *sha1 = mk_cert("old.example.com", "DNS:old.example.com", rsa_b, &inter,
			     AT - 10 * DAY, AT + 100 * DAY, false, EVP_sha1());
	struct tls_files *f = tls_files_new(NULL, AT);
	struct tls_chain *der;
	struct tls_chain *missing;
	struct tls_chain *inline_pem;
	struct tls_chain *weak;
	struct tls_key *kb;
	struct tls_key *ka;
	struct tls_key *kenc;
	struct tls_key *kmiss;
	struct tls_key *kec;
	char path[128];
	char *pem = pem_of(leaf);
	char *data = xasprintf("data:%s", pem);
	char *err;
	FILE *fp;

	write_der("leaf.der", leaf);
	write_file("kb.key", NULL, 0, rsa_b);
	write_file("ka.key", NULL, 0, rsa_a);
	write_file("kec.key", NULL, 0, ec_a);
	write_file("sha1.pem", &sha1, 1, NULL);
	snprintf(path, sizeof(path), "%s/kenc.key", dir);
	fp = fopen(path, "w");
	PEM_write_PrivateKey(fp, rsa_b, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"test");
	fclose(fp);
	der = tls_files_chain(f, "/leaf.der", NULL);
	missing = tls_files_chain(f, "/nothere.pem", NULL);
	inline_pem = tls_files_chain(f, data, NULL);
	weak = tls_files_chain(f, "/sha1.pem", NULL);
	kb = tls_files_key(f, "/kb.key");
	ka = tls_files_key(f, "/ka.key");
	kenc = tls_files_key(f, "/kenc.key");
	kmiss = tls_files_key(f, "/nokey.key");
	kec = tls_files_key(f, "/kec.key");
	tls_files_load(f, 2);
	CHECK(der->status == TL_INVALID && der->der);
	CHECK(missing->status == TL_MISSING);
	CHECK(inline_pem->status == TL_OK && inline_pem->ncert == 1);
	/* SHA-1 below this OpenSSL's security level 2: the server cannot
	 * load it; at level 1 it loads and is a warning */
	CHECK(weak->certs[0].weak_sig);
	CHECK(kb->status == TL_OK && kb->type == TK_RSA && kb->bits == 2048);
	CHECK(kenc->status == TL_ENCRYPTED);
	CHECK(kmiss->status == TL_MISSING);
	CHECK(kec->type == TK_EC);
	CHECK(tls_pair_error(inline_pem, kb) == NULL);
	err = tls_pair_error(inline_pem, ka);
	CHECK(err && strstr(err, "key values mismatch"));
	free(err);
	err = tls_pair_error(inline_pem, kec);
	CHECK(err && strstr(err, "ECDSA"));
	free(err);
	tls_files_free(f);
	free(pem);
	free(data);
	X509_free(leaf);
	X509_free(sha1);
}

static void
test_tls_crl(void)
{
	X509 *good = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &inter,
			     AT - 10 * DAY, AT + 100 * DAY, false, NULL);
	X509 *bad = mk_cert("shop.example.com", "DNS:shop.example.com", rsa_b, &inter,
			    AT - 10 * DAY, AT + 100 * DAY, false, NULL);
	X509 *v1[2] = {good, inter.x};
	X509 *v2[2] = {bad, inter.x};
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_TIME *tm = ASN1_TIME_new();
	struct tls_trust *t = trust_of(root.x);
	struct tls_files *f;
	struct tls_chain *c;
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	char *err = NULL;

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(inter.x));
	ASN1_TIME_set(tm, AT - 5 * DAY);
	X509_CRL_set1_lastUpdate(crl, tm);
	ASN1_TIME_set(tm, AT + 30 * DAY);
	X509_CRL_set1_nextUpdate(crl, tm);
	X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(bad));
	ASN1_TIME_set(tm, AT - 2 * DAY);
	X509_REVOKED_set_revocationDate(r, tm);
	X509_CRL_add0_revoked(crl, r);
	X509_CRL_sort(crl);
	X509_CRL_sign(crl, inter.k, EVP_sha256());
	PEM_write_bio_X509_CRL(b, crl);
	n = BIO_get_mem_data(b, &p);
	CHECK(tls_trust_add_crl(t, p, (size_t)n, &err) == 1 && err == NULL);
	write_file("good.pem", v1, 2, NULL);
	write_file("bad.pem", v2, 2, NULL);
	c = load(&f, t, AT, "good.pem", NULL);
	/* no list from the root for the intermediate: not a finding */
	CHECK(c->verify_code == 0);
	tls_files_free(f);
	c = load(&f, t, AT, "bad.pem", NULL);
	CHECK(has_kind(c, TV_REVOKED, 23));
	tls_files_free(f);
	BIO_free(b);
	ASN1_TIME_free(tm);
	X509_CRL_free(crl);
	tls_trust_free(t);
	X509_free(good);
	X509_free(bad);
}

/* A handshake against cert/key with the settings given. */
static void
hs(const char *protocols, const char *ciphers, bool prefer, bool h2, X509 *cert, EVP_PKEY *key,
   const char *name, struct tls_hs *out)
{
	struct tls_files *f = tls_files_new(NULL, AT);
	char kname[80];
	struct tls_policy p = {.protocols = protocols, .ciphers = ciphers, .prefer_server = prefer, .h2 = h2};
	struct tls_cred cred;
	char cp[80];
	char kp[100];

	snprintf(kname, sizeof(kname), "%s.key", name);
	write_file(name, &cert, 1, NULL);
	write_file(kname, NULL, 0, key);
	snprintf(cp, sizeof(cp), "/%s", name);
	snprintf(kp, sizeof(kp), "/%s", kname);
	cred.chain = tls_files_chain(f, cp, NULL);
	cred.key = tls_files_key(f, kp);
	tls_files_load(f, 1);
	tls_handshake(&p, &cred, 1, "www.example.com", out);
	tls_files_free(f);
}

static void
test_tls_handshake(void)
{
	X509 *rsa = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &inter, AT - DAY,
			    AT + DAY, false, NULL);
	X509 *ec = mk_cert("api.example.com", "DNS:api.example.com", ec_a, &inter, AT - DAY,
			   AT + DAY, false, NULL);
	struct tls_hs h;
	char *err = NULL;

	CHECK(tls_offer_init(&err));
	CHECK(strstr(tls_offer_text(), "TLS_AES_128_GCM_SHA256:") == tls_offer_text());
	/* OpenSSL's defaults: TLS 1.3 with Cloudflare's first suite */
	hs(NULL, NULL, false, true, rsa, rsa_b, "h1.pem", &h);
	CHECK(h.result == HS_OK);
	CHECK_STR(h.version, "TLSv1.3");
	CHECK_STR(h.cipher, "TLS_AES_128_GCM_SHA256");
	CHECK(h.alpn_h2 && !h.h2_forbidden && h.cred == 0);
	CHECK(h.nsuite > 3 && !h.weak_only);
	/* nginx's list of versions; Cloudflare's order decides: the first
	 * RSA suite it offers */
	hs("TLSv1.2", "HIGH:!aNULL:!MD5", false, false, rsa, rsa_b, "h2.pem", &h);
	CHECK(h.result == HS_OK);
	CHECK_STR(h.cipher, "ECDHE-RSA-AES128-GCM-SHA256");
	CHECK(!h.alpn_h2);
	/* a suite Cloudflare does not offer for TLS 1.2 */
	hs("TLSv1.2", "ECDHE-RSA-CHACHA20-POLY1305", false, false, rsa, rsa_b, "h3.pem", &h);
	CHECK(h.result == HS_NO_CIPHER);
	CHECK(strstr(h.error, "no shared cipher"));
	/* an ECDSA certificate signs no RSA suite */
	hs("TLSv1.2", "aRSA", false, false, ec, ec_a, "h4.pem", &h);
	CHECK(h.result == HS_NO_CIPHER);
	hs("TLSv1.2", NULL, false, false, ec, ec_a, "h5.pem", &h);
	CHECK(h.result == HS_OK);
	CHECK_STR(h.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
	/* the server's order, a suite HTTP/2 forbids, h2 by ALPN */
	hs("TLSv1.2", "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256", true, true, rsa, rsa_b, "h6.pem",
	   &h);
	CHECK(h.result == HS_OK);
	CHECK_STR(h.cipher, "AES128-SHA");
	CHECK(h.alpn_h2 && h.h2_forbidden);
	CHECK(h.nsuite == 2);
	/* Cloudflare's order when the server's does not count */
	hs("TLSv1.2", "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256", false, true, rsa, rsa_b, "h7.pem",
	   &h);
	CHECK_STR(h.cipher, "ECDHE-RSA-AES128-GCM-SHA256");
	CHECK(!h.h2_forbidden);
	/* versions */
	hs("SSLv3", NULL, false, false, rsa, rsa_b, "h8.pem", &h);
	CHECK(h.result == HS_NO_PROTOCOL);
	hs("-all +TLSv1.3", NULL, false, false, rsa, rsa_b, "h9.pem", &h);
	CHECK(h.result == HS_OK);
	CHECK_STR(h.version, "TLSv1.3");
	CHECK_STR(h.protocols_enabled, "TLSv1.3");
	hs("all -SSLv3 -TLSv1 -TLSv1.1 -TLSv1.3", NULL, false, false, rsa, rsa_b, "h10.pem", &h);
	CHECK_STR(h.version, "TLSv1.2");
	/* settings the server cannot apply */
	hs("TLSv9", NULL, false, false, rsa, rsa_b, "h11.pem", &h);
	CHECK(h.result == HS_BAD_PROTOCOLS);
	hs(NULL, "NOPE-NOTHING", false, false, rsa, rsa_b, "h12.pem", &h);
	CHECK(h.result == HS_BAD_CIPHERS);
	CHECK(tls_protocols_error("TLSv1.2 tlsv1.3") == NULL);
	err = tls_protocols_error("TLSv1.2 TLS1.3");
	CHECK_STR(err, "TLS1.3");
	free(err);
	X509_free(rsa);
	X509_free(ec);
}

static void
test_tls_standin(void)
{
	/* without a usable key, a stand-in of the same type decides */
	X509 *ec = mk_cert("api.example.com", "DNS:api.example.com", ec_a, &inter, AT - DAY,
			   AT + DAY, false, NULL);
	struct tls_files *f = tls_files_new(NULL, AT);
	struct tls_policy p = {.protocols = "TLSv1.2"};
	struct tls_cred cred;
	struct tls_hs h;

	write_file("sa.pem", &ec, 1, NULL);
	cred.chain = tls_files_chain(f, "/sa.pem", NULL);
	cred.key = tls_files_key(f, "/sa-missing.key");
	tls_files_load(f, 1);
	tls_handshake(&p, &cred, 1, "api.example.com", &h);
	CHECK(h.result == HS_OK);
	CHECK_STR(h.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
	tls_files_free(f);
	X509_free(ec);
}

static void
test_tls_many(void)
{
	/* threads: many files, each loaded once */
	struct tls_trust *t = trust_of(root.x);
	struct tls_files *f = tls_files_new(t, AT);
	struct tls_chain *c[64];
	size_t i;

	for (i = 0; i < 64; i++) {
		char name[32];
		char cn[64];
		X509 *x;
		X509 *v[2];

		snprintf(cn, sizeof(cn), "h%zu.example.com", i);
		snprintf(name, sizeof(name), "m%zu.pem", i);
		x = mk_cert(cn, NULL, ec_a, &inter, AT - DAY, AT + DAY, false, NULL);
		v[0] = x;
		v[1] = inter.x;
		write_file(name, v, 2, NULL);
		X509_free(x);
		snprintf(name, sizeof(name), "/m%zu.pem", i);
		c[i] = tls_files_chain(f, name, NULL);
	}
	tls_files_load(f, 4);
	for (i = 0; i < 64; i++) {
		char cn[64];

		snprintf(cn, sizeof(cn), "h%zu.example.com", i);
		CHECK(c[i]->status == TL_OK && c[i]->verify_code == 0);
		CHECK(tls_chain_covers(c[i], cn));
	}
	tls_files_free(f);
	tls_trust_free(t);
}

/* The temporary directory holds files only. */
static void
cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	if (rmdir(dir) != 0)
		printf("not ok tls cleanup: %s\n", dir);
}

/* A chain is checked at every security level it is wanted at: a cipher
 * string's @SECLEVEL=0 takes a SHA-1 signature, @SECLEVEL=3 refuses RSA
 * 2048 (112-bit security), the default level is always checked. */
static void
test_tls_levels(void)
{
	struct tls_files *f = tls_files_new(NULL, AT);
	X509 *sha1 = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &root, AT - DAY,
			     AT + 90 * DAY, false, EVP_sha1());
	X509 *leaf = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &root, AT - DAY,
			     AT + 90 * DAY, false, NULL);
	struct tls_chain *weak;
	struct tls_chain *rsa;
	const char *err;

	write_file("lv-sha1.pem", &sha1, 1, NULL);
	write_file("lv-rsa.pem", &leaf, 1, NULL);
	weak = tls_files_chain(f, "/lv-sha1.pem", NULL);
	rsa = tls_files_chain(f, "/lv-rsa.pem", NULL);
	tls_chain_want_level(weak, 0);
	tls_chain_want_level(rsa, 3);
	tls_files_load(f, 1);
	CHECK(weak->status == TL_OK && rsa->status == TL_OK);
	CHECK(tls_chain_use_error(weak, 0) == NULL);
	CHECK(tls_default_level() < 1 || tls_chain_use_error(weak, tls_default_level()) != NULL);
	CHECK(tls_default_level() > 2 || tls_chain_use_error(rsa, tls_default_level()) == NULL);
	err = tls_chain_use_error(rsa, 3);
	CHECK(err && strstr(err, "ee key too small"));
	tls_files_free(f);
	X509_free(sha1);
	X509_free(leaf);
}

/* nginx's ssl_password_file: each line in turn (CR LF and empty lines
 * too), the right one opens the key; none, and the key does not load
 * (and no passphrase is in the error); no file given: TL_ENCRYPTED. */
static void
test_tls_passphrase(void)
{
	struct tls_files *f = tls_files_new(NULL, AT);
	X509 *leaf = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &root, AT - DAY,
			     AT + 90 * DAY, false, NULL);
	struct tls_chain *c;
	struct tls_key *right;
	struct tls_key *wrong;
	struct tls_key *none;
	struct tls_key *nofile;
	char path[128];
	FILE *fp;

	write_file("pw-leaf.pem", &leaf, 1, NULL);
	snprintf(path, sizeof(path), "%s/pw-enc.key", dir);
	fp = fopen(path, "w");
	PEM_write_PrivateKey(fp, rsa_b, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"sesame");
	fclose(fp);
	write_raw("pw-right", "wrong\r\n\nsesame\n", 16);
	write_raw("pw-wrong", "open-please", 11);
	c = tls_files_chain(f, "/pw-leaf.pem", NULL);
	right = tls_files_key_pw(f, "/pw-enc.key", "/pw-right");
	wrong = tls_files_key_pw(f, "/pw-enc.key", "/pw-wrong");
	none = tls_files_key(f, "/pw-enc.key");
	nofile = tls_files_key_pw(f, "/pw-enc.key", "/pw-nothere");
	CHECK(right != wrong && right != none);
	tls_files_load(f, 1);
	CHECK(right->status == TL_OK && right->type == TK_RSA);
	CHECK(c->status == TL_OK && tls_pair_error(c, right) == NULL);
	CHECK(wrong->status == TL_INVALID && wrong->error && strstr(wrong->error, "/pw-wrong") &&
	      strstr(wrong->error, "open-please") == NULL);
	CHECK(none->status == TL_ENCRYPTED);
	CHECK(nofile->status == TL_ENCRYPTED);
	tls_files_free(f);
	X509_free(leaf);
}

/* The other files nginx loads at start, as it loads them. */
static void
test_tls_aux(void)
{
	X509 *leaf = mk_cert("www.example.com", "DNS:www.example.com", rsa_b, &root, AT - DAY,
			     AT + 90 * DAY, false, NULL);
	char key48[48];
	char *err = NULL;

	memset(key48, 'k', sizeof(key48));
	write_raw("aux-48", key48, 48);
	write_raw("aux-47", key48, 47);
	write_raw("aux-text", "not a file of any kind\n", 23);
	write_file("aux-ca.pem", &leaf, 1, NULL);
	CHECK(tls_aux_load("/aux-48", TA_TICKET_KEY, 2, &err) == TL_OK && err == NULL);
	CHECK(tls_aux_load("/aux-47", TA_TICKET_KEY, 2, &err) == TL_INVALID && err &&
	      strstr(err, "48 or 80"));
	free(err);
	err = NULL;
	CHECK(tls_aux_load("/aux-nothere", TA_DHPARAM, 2, &err) == TL_MISSING);
	free(err);
	err = NULL;
	CHECK(tls_aux_load("/aux-text", TA_DHPARAM, 2, &err) == TL_INVALID && err);
	free(err);
	err = NULL;
	CHECK(tls_aux_load("/aux-ca.pem", TA_CA, 2, &err) == TL_OK);
	CHECK(tls_aux_load("/aux-ca.pem", TA_CLIENT_CA, 2, &err) == TL_OK);
	CHECK(tls_aux_load("/aux-text", TA_CRL, 2, &err) == TL_INVALID && err);
	free(err);
	err = NULL;
	CHECK(tls_aux_load("/aux-text", TA_OCSP, 2, &err) == TL_INVALID && err);
	free(err);
	err = NULL;
	CHECK(tls_aux_load("/aux-text", TA_PASSWORDS, 2, &err) == TL_OK);
	X509_free(leaf);
}

/* The host name matcher of tls_chain_covers against OpenSSL's own,
 * X509_check_host with the flags cfaudit asks it with, on certificates
 * whose subjectAltName holds hand-made DNS names (any bytes: NUL,
 * capitals, stars in every place, IDNA labels, dots at the ends) and on
 * random names from a small alphabet. */
static X509 *
cert_with_dns(const char *const *names, const size_t *lens, size_t n)
{
	X509 *x = X509_new();
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	size_t i;

	for (i = 0; i < n; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *d = ASN1_IA5STRING_new();

		ASN1_STRING_set(d, names[i], (int)lens[i]);
		GENERAL_NAME_set0_value(g, GEN_DNS, d);
		sk_GENERAL_NAME_push(gens, g);
	}
	X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0);
	GENERAL_NAMES_free(gens);
	return x;
}

static bool
fast_covers(const char *const *names, const size_t *lens, size_t n, const char *host)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tls_dns_name_covers((const unsigned char *)names[i], lens[i], host))
			return true;
	return false;
}

static bool
same_as_openssl(const char *const *names, const size_t *lens, size_t n, const char *host)
{
	X509 *x;
	unsigned flags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	bool openssl;
	bool fast;

	/* a leading dot asks OpenSSL for sub-domains: tls_chain_covers leaves
	 * those questions to it */
	if (host[0] == '.')
		return true;
	x = cert_with_dns(names, lens, n);
	openssl = X509_check_host(x, host, strlen(host), flags, NULL) == 1;
	fast = fast_covers(names, lens, n, host);

	if (openssl != fast)
		printf("# host \"%s\": OpenSSL %d, cfaudit %d (first name \"%.*s\")\n", host,
		       openssl, fast, (int)lens[0], names[0]);
	X509_free(x);
	return openssl == fast;
}

static void
random_name(char *out, size_t cap)
{
	static const char alphabet[] = "aAzx-n.*_0";
	size_t len = 1 + (size_t)rand() % (cap - 2);
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
	out[len] = '\0';
}

static void
test_tls_name_match(void)
{
	static const char *const patterns[] = {
		"example.com", "www.example.com", "*.example.com", "*.com", "*", "*.",
		"w*.example.com", "*w.example.com", "a.*.example.com", "*.*.example.com",
		"xn--a.example.com", "*.xn--a.example.com", "xn--*.example.com", "WWW.Example.COM",
		"*.Example.com", "-a.example.com", "a-.example.com", "*.a-.example.com",
		"*.-a.example.com", "a..example.com", ".example.com", "example.com.",
		"*.example.com.", "a_b.example.com", "*.a_b.example.com", "*.example", "*.e.x",
		"1.2.3.4", "*.1.2.3", "*..example.com", "**.example.com", "*.example.com*",
	};
	static const char *const hosts[] = {
		"example.com", "www.example.com", "WWW.EXAMPLE.COM", "a.www.example.com",
		"w.example.com", "ww.example.com", "xn--a.example.com", "a.xn--a.example.com",
		"x.com", "a.b.com", "1.2.3.4", "a.1.2.3", "my_host.example.com", "a_b.example.com",
		"-.example.com", "a-.example.com", "www.example.com.", "a.example.com.",
		"*.example.com", "a.example", "a.e.x", "www.example.com.evil.com", "evil.com",
		"a.a-.example.com", "a.-a.example.com", ".example.com", "a", "*",
	};
	/* a name with a NUL inside: OpenSSL matches nothing with it */
	static const char nul_name[] = "www.example.com\0.evil.com";
	const char *names[3];
	size_t lens[3];
	char a[16];
	char b[16];
	char h[16];
	size_t i;
	size_t j;

	for (i = 0; i < ARRAY_LEN(patterns); i++)
		for (j = 0; j < ARRAY_LEN(hosts); j++) {
			names[0] = patterns[i];
			lens[0] = strlen(patterns[i]);
			CHECK(same_as_openssl(names, lens, 1, hosts[j]));
		}
	names[0] = nul_name;
	lens[0] = sizeof(nul_name) - 1;
	names[1] = "*.example.com";
	lens[1] = strlen(names[1]);
	for (j = 0; j < ARRAY_LEN(hosts); j++) {
		CHECK(same_as_openssl(names, lens, 1, hosts[j]));
		CHECK(same_as_openssl(names, lens, 2, hosts[j]));
	}
	srand(6125);
	for (i = 0; i < 20000; i++) {
		random_name(a, sizeof(a));
		random_name(b, sizeof(b));
		random_name(h, sizeof(h));
		names[0] = a;
		lens[0] = strlen(a);
		names[1] = b;
		lens[1] = strlen(b);
		CHECK(same_as_openssl(names, lens, 2, h));
		/* the same with the host built from the pattern's tail */
		if (a[0] == '*' && a[1] != '\0') {
			snprintf(h, sizeof(h), "q%s", a + 1);
			CHECK(same_as_openssl(names, lens, 1, h));
		}
	}
}

int
main(void)
{

	setup();
	RUN(test_tls_chain_ok);
	RUN(test_tls_dates);
	RUN(test_tls_trust_errors);
	RUN(test_tls_exclude);
	RUN(test_tls_names);
	RUN(test_tls_name_match);
	RUN(test_tls_files);
	RUN(test_tls_crl);
	RUN(test_tls_levels);
	RUN(test_tls_passphrase);
	RUN(test_tls_aux);
	RUN(test_tls_handshake);
	RUN(test_tls_standin);
	RUN(test_tls_many);
	cleanup();
	root_close();
	X509_free(root.x);
	X509_free(inter.x);
	EVP_PKEY_free(rsa_a);
	EVP_PKEY_free(rsa_b);
	EVP_PKEY_free(ec_a);
	return unit_failed;
}
