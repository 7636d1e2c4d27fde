/* The model's side of the TLS oracle: what Cloudflare's connection gets for
 * each hostname on each TLS port, as the TLS evaluator predicts it.
 *   tls_predict ROOT EPOCH [--ca FILE] [--crl FILE] [--ssl-mode full|strict]
 *               [--origin-pull-ca FILE]
 * audits the tree at ROOT (as cfaudit --root does) at time EPOCH (seconds)
 * and prints one line per IPv4 outcome:
 *   PORT HOST STATUS VERIFY VERSION CIPHER ALPN DEMAND
 * HOST "-": no SNI; STATUS OK, AOP, 400, 403, 520, 521, 525, 526 or unknown;
 * VERIFY: the first error openssl s_client -verify_hostname HOST
 * -verify_return_error reports (0: none); VERSION, CIPHER: what the
 * handshake agrees ("-" without one); ALPN: h2 or http/1.1; DEMAND: where a
 * client certificate is demanded: "handshake", "request", "directory"
 * (Apache's per-directory SSLVerifyClient require: renegotiation, 520, or
 * TLS 1.3 post-handshake authentication, 403) or "-" (none).
 * --origin-pull-ca: a test CA stands for Cloudflare's origin-pull CA (the
 * oracle signs the client certificate Cloudflare would present with it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "discover.h"
#include "root.h"
#include "tls_eval.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct audit a;
	char *pull = NULL;
	size_t pull_len = 0;
	unsigned long long at;
	size_t i;
	int k;

	if (argc < 3 || !parse_uint(argv[2], 0, 4102444800ull, &at)) {
		fprintf(stderr, "usage: tls_predict ROOT EPOCH [--ca FILE] [--crl FILE] "
				"[--ssl-mode full|strict] [--origin-pull-ca FILE]\n");
		return 2;
	}
	memset(&a, 0, sizeof(a));
	a.opt.ssl_mode = SSL_STRICT;
	a.opt.at = (time_t)at;
	a.opt.expiry_warn = 14;
	for (k = 0; k < 8; k++)
		a.opt.limit[k] = -1;
	for (k = 3; k + 1 < argc; k += 2) {
		if (strcmp(argv[k], "--origin-pull-ca") == 0) {
			char *err = NULL;

			if (host_read(argv[k + 1], &pull, &pull_len, &err) != READ_OK) {
				fprintf(stderr, "tls_predict: %s: %s\n", argv[k + 1],
					err ? err : "cannot read");
				return 2;
			}
			tls_eval_origin_pull_ca(pull, pull_len);
		} else if (strcmp(argv[k], "--ca") == 0)
			a.opt.ca_file = argv[k + 1];
		else if (strcmp(argv[k], "--crl") == 0)
			a.opt.crl_file = argv[k + 1];
		else if (strcmp(argv[k], "--ssl-mode") == 0)
			a.opt.ssl_mode = strcmp(argv[k + 1], "full") == 0 ? SSL_FULL : SSL_STRICT;
	}
	a.opt.root = argv[1];
	if (!root_open(argv[1])) {
		perror(argv[1]);
		return 2;
	}
	ranges_builtin(&a.cf);
	discover_and_parse(&a);
	tls_evaluate(&a);
	for (i = 0; a.tls && i < a.tls->nout; i++) {
		const struct tls_outcome *o = &a.tls->outs[i];
		const struct tls_hs *h = o->hs;
		bool shook = h && h->result == HS_OK;

		if (o->fam != FAM_V4)
			continue;
		printf("%u %s %s %d %s %s %s %s\n", o->port, o->host[0] ? o->host : "-",
		       tls_status_name(o->status), o->verify_code, shook ? h->version : "-",
		       shook ? h->cipher : "-", shook && h->alpn_h2 ? "h2" : "http/1.1",
		       o->dir_demand ? "directory"
		       : o->cc == CC_NONE ? "-"
		       : o->cc_handshake  ? "handshake"
					  : "request");
	}
	for (i = 0; i < a.origin.ndiag; i++)
		fprintf(stderr, "%s:%u: %s\n", a.origin.diags[i].loc.file, a.origin.diags[i].loc.line,
			a.origin.diags[i].msg);
	audit_free(&a);
	root_close();
	tls_eval_origin_pull_ca(NULL, 0);
	free(pull);
	return 0;
}
