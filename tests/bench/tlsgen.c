/* The TLS benchmark's server: tlsgen DIR N writes DIR/etc/nginx/nginx.conf
 * with N TLS server blocks, each with its own certificate chain (a fresh
 * ECDSA P-256 leaf and the shared intermediate) and key under DIR/etc/ssl,
 * and DIR/test-ca.pem, the root they chain to (give it with --ca). TEST
 * KEYS: made up here, protecting nothing. Every certificate is valid from
 * 2026-01-01 to 2027-06-01 and names hN.example.com. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NOT_BEFORE 1767225600L /* 2026-01-01 */
#define NOT_AFTER 1811808000L  /* 2027-06-01 */

static void
die(const char *what)
{
	fprintf(stderr, "tlsgen: %s\n", what);
	exit(1);
}

static void
mkdirs(const char *dir, const char *sub)
{
	char path[4096];
	char *p;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	for (p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST)
				die(path);
			*p = '/';
		}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die(path);
}

static void
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL)
		die("extension");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

static X509 *
cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long serial, bool ca)
{
	X509 *x = X509_new();
	char san[300];

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	ASN1_TIME_set(X509_getm_notBefore(x), NOT_BEFORE);
	ASN1_TIME_set(X509_getm_notAfter(x), NOT_AFTER + (ca ? 3L * 365 * 86400 : 0));
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca) {
		ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign");
	} else {
		snprintf(san, sizeof(san), "DNS:%s", cn);
		ext(x, issuer, NID_subject_alt_name, san);
		ext(x, issuer, NID_ext_key_usage, "serverAuth");
	}
	if (!X509_sign(x, ikey ? ikey : key, EVP_sha256()))
		die("sign");
	return x;
}

static FILE *
open_file(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		die(path);
	return f;
}

int
main(int argc, char **argv)
{
	EVP_PKEY *rk;
	EVP_PKEY *ik;
	X509 *root;
	X509 *inter;
	FILE *conf;
	FILE *f;
	long n;
	long i;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0 || n > 1000000)
		die("usage: tlsgen DIR N");
	mkdirs(argv[1], "etc/nginx");
	mkdirs(argv[1], "etc/ssl/certs");
	mkdirs(argv[1], "etc/ssl/private");
	rk = EVP_EC_gen("P-256");
	ik = EVP_EC_gen("P-256");
	if (rk == NULL || ik == NULL)
		die("key");
	root = cert("cfaudit bench root", rk, NULL, NULL, 1, true);
	inter = cert("cfaudit bench intermediate", ik, root, rk, 2, true);
	f = open_file(argv[1], "test-ca.pem");
	PEM_write_X509(f, root);
	fclose(f);
	conf = open_file(argv[1], "etc/nginx/nginx.conf");
	fprintf(conf, "events {\n}\n\nhttp {\n\tssl_protocols TLSv1.2 TLSv1.3;\n\n");
	for (i = 0; i < n; i++) {
		char cn[64];
		char name[128];
		EVP_PKEY *k = EVP_EC_gen("P-256");
		X509 *x;

		if (k == NULL)
			die("key");
		snprintf(cn, sizeof(cn), "h%ld.example.com", i);
		x = cert(cn, k, inter, ik, 100 + i, false);
		snprintf(name, sizeof(name), "etc/ssl/certs/h%ld.pem", i);
		f = open_file(argv[1], name);
		PEM_write_X509(f, x);
		PEM_write_X509(f, inter);
		fclose(f);
		snprintf(name, sizeof(name), "etc/ssl/private/h%ld.key", i);
		f = open_file(argv[1], name);
		fputs("# TEST KEY made by tests/bench/tlsgen.c: not secret\n", f);
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
		fprintf(conf,
			"\tserver {\n\t\tlisten 443 ssl;\n\t\tserver_name %s;\n"
			"\t\tssl_certificate /etc/ssl/certs/h%ld.pem;\n"
			"\t\tssl_certificate_key /etc/ssl/private/h%ld.key;\n\t\treturn 200;\n\t}\n",
			cn, i, i);
		X509_free(x);
		EVP_PKEY_free(k);
	}
	fprintf(conf, "}\n");
	fclose(conf);
	X509_free(root);
	X509_free(inter);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
	return 0;
}
