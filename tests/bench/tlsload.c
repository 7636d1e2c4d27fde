/* The benchmark's TLS timer (tests/bench/bench.sh): tlsload ROOT N THREADS
 * loads and verifies the N chains and keys tests/bench/gen.c wrote under
 * ROOT/etc/nginx/certs (the way the TLS evaluator does: tls_files_load,
 * against ROOT/test-ca.pem, at 2026-11-01) and prints the wall time and how
 * many chains verify, then the time to match each key with its chain
 * (tls_pair_errors) and to free them all. THREADS 0: every CPU. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "root.h"
#include "tls.h"
#include "util.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Whether each chain's key goes with its leaf, as the TLS evaluator asks
 * (tls_pair_errors): how many do. */
static size_t
match_pairs(struct tls_files *f, unsigned threads)
{
	size_t n = tls_files_nchain(f) < tls_files_nkey(f) ? tls_files_nchain(f) : tls_files_nkey(f);
	const struct tls_chain **c = xcalloc(n ? n : 1, sizeof(*c));
	const struct tls_key **k = xcalloc(n ? n : 1, sizeof(*k));
	char **errs = xcalloc(n ? n : 1, sizeof(*errs));
	size_t ok = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		c[i] = tls_files_chain_at(f, i);
		k[i] = tls_files_key_at(f, i);
	}
	tls_pair_errors(c, k, errs, n, threads);
	for (i = 0; i < n; i++) {
		ok += errs[i] == NULL && c[i]->status == TL_OK && k[i]->status == TL_OK;
		free(errs[i]);
	}
	free(c);
	free(k);
	free(errs);
	return ok;
}

int
main(int argc, char **argv)
{
	unsigned long long n;
	unsigned long long threads;
	char *path;
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	struct tls_trust *t;
	struct tls_files *f;
	double start;
	size_t ok = 0;
	size_t matched;
	size_t i;

	if (argc != 4 || !parse_uint(argv[2], 1, 10000000, &n) ||
	    !parse_uint(argv[3], 0, 64, &threads)) {
		fprintf(stderr, "usage: tlsload ROOT N THREADS\n");
		return 2;
	}
	path = xasprintf("%s/test-ca.pem", argv[1]);
	if (host_read(path, &data, &len, &err) != READ_OK || !root_open(argv[1])) {
		fprintf(stderr, "tlsload: %s: %s\n", path, err ? err : "cannot read");
		return 2;
	}
	t = tls_trust_new();
	tls_trust_add(t, data, len, NULL, &err);
	f = tls_files_new(t, (time_t)1793491200);
	for (i = 0; i < n; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/etc/nginx/certs/c%zu.pem", i);
		tls_files_chain(f, p, NULL);
		snprintf(p, sizeof(p), "/etc/nginx/certs/c%zu.key", i);
		tls_files_key(f, p);
	}
	start = now();
	tls_files_load(f, (unsigned)threads);
	printf("%.3f s for %llu chains and keys on %llu threads", now() - start, n, threads);
	for (i = 0; i < tls_files_nchain(f); i++)
		ok += tls_files_chain_at(f, i)->status == TL_OK &&
		      tls_files_chain_at(f, i)->verify_code == 0;
	printf(" (%zu verify)", ok);
	start = now();
	matched = match_pairs(f, (unsigned)threads);
	printf("; %.3f s to match the keys (%zu match)", now() - start, matched);
	start = now();
	tls_files_free(f);
	printf("; %.3f s to free them\n", now() - start);
	tls_trust_free(t);
	free(path);
	free(data);
	free(err);
	root_close();
	return ok == n && matched == n ? 0 : 1;
}
