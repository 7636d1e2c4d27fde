/* The benchmark's TLS timer (tests/bench/bench.sh): tlsload ROOT N THREADS
 * loads and verifies the N chains and keys tests/bench/gen.c wrote under
 * ROOT/etc/nginx/certs (the way the TLS evaluator does: tls_files_load,
 * against ROOT/test-ca.pem, at 2026-11-01) and prints the wall time and how
 * many chains verify. THREADS 0: every CPU. */
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
	printf(" (%zu verify)\n", ok);
	tls_files_free(f);
	tls_trust_free(t);
	free(path);
	free(data);
	free(err);
	root_close();
	return ok == n ? 0 : 1;
}
