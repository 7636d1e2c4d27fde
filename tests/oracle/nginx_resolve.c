/* The model's side of the nginx oracle: which server block answers each host.
 *   nginx_resolve ROOT CONF ADDR PORT HOST...
 * reads CONF (as the server sees it) inside ROOT and prints, per HOST, the
 * server block that answers it on ADDR:PORT as "HOST FILE:LINE" ("HOST -"
 * when nothing listens there, "HOST " when the socket waits for a PROXY
 * protocol header or the server refuses TLS handshakes (ssl_reject_handshake):
 * nginx closes the connection without an answer). Input
 * errors go to stderr; status 1 then. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "parse.h"
#include "root.h"
#include "util.h"
#include "web.h"

/* Whether nginx closes connections to v on addr:port without an answer:
 * the socket waits for a PROXY protocol header, or it is TLS and v refuses
 * every handshake (ssl_reject_handshake on). */
static bool
answers_nothing(const struct web_vhost *v, enum family fam, u128 addr, uint16_t port)
{
	const struct web_listen *l = web_listener_at(v, fam, true, addr, port);
	const char *rh = v->tls.reject_handshake.text;

	return l && (l->proxy_protocol || (l->ssl && rh && strcmp(rh, "on") == 0));
}

int
main(int argc, char **argv)
{
	struct origin o;
	struct input *in;
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	enum family fam;
	u128 addr;
	unsigned long long port;
	size_t i;
	int status = 0;

	if (argc < 6 || !addr_parse(argv[3], &fam, &addr) || !parse_uint(argv[4], 1, 65535, &port)) {
		fprintf(stderr, "usage: nginx_resolve ROOT CONF ADDR PORT HOST...\n");
		return 2;
	}
	if (!root_open(argv[1])) {
		perror(argv[1]);
		return 2;
	}
	memset(&o, 0, sizeof(o));
	in = origin_add_input(&o, IN_NGINX, argv[2]);
	if (root_read(argv[2], &data, &len, &err) != READ_OK) {
		fprintf(stderr, "%s: %s\n", argv[2], err ? err : "no such file");
		return 2;
	}
	parse_nginx(&o, in, data, len, false);
	for (i = 0; i < o.ndiag; i++) {
		fprintf(stderr, "%s:%u: %s\n", o.diags[i].loc.file, o.diags[i].loc.line,
			o.diags[i].msg);
		status = 1;
	}
	for (i = 5; i < (size_t)argc; i++) {
		bool by_default;
		const struct web_vhost *v = NULL;

		if (o.web && o.web->nserver)
			v = web_vhost_for(o.web->servers[0], argv[i], fam, true, addr,
					  (uint16_t)port, &by_default);
		if (v && answers_nothing(v, fam, addr, (uint16_t)port))
			printf("%s \n", argv[i]);
		else if (v)
			printf("%s %s:%u\n", argv[i], v->loc.file, v->loc.line);
		else
			printf("%s -\n", argv[i]);
	}
	free(data);
	origin_free(&o);
	root_close();
	return status;
}
