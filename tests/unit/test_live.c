/* netlink.c parts that need no privilege: the listening sockets (sock_diag,
 * checked against a socket this test opens) and the legacy x_tables files
 * (read from files made here). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model.h"
#include "netlink.h"
#include "unit.h"

static void
test_listeners(void)
{
	struct origin o;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;
	bool found = false;
	size_t i;

	CHECK(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(listen(fd, 1) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	port = ntohs(sin.sin_port);
	memset(&o, 0, sizeof(o));
	if (!live_read_listeners(&o)) {
		/* a sandbox without sock_diag: nothing to check */
		printf("skip test_listeners: sock_diag: %s\n", strerror(errno));
		close(fd);
		origin_free(&o);
		return;
	}
	close(fd);
	CHECK(o.listen_known);
	for (i = 0; i < o.nlisten; i++)
		found |= o.listen[i].fam == FAM_V4 && o.listen[i].port == port &&
		         o.listen[i].addr == 0x7f000001;
	origin_free(&o);
	CHECK(found);
}

static void
test_legacy_tables(void)
{
	char path[] = "/tmp/cfa-legacy-XXXXXX";
	int fd = mkstemp(path);
	char *names;

	CHECK(fd >= 0);
	CHECK(write(fd, "filter\nnat\n", 11) == 11);
	close(fd);
	names = live_legacy_tables(path);
	CHECK_STR(names, "filter, nat");
	free(names);
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	CHECK(live_legacy_tables(path) == NULL); /* x_tables loaded, no table */
	unlink(path);
	CHECK(live_legacy_tables(path) == NULL); /* not loaded at all */
}

int
main(void)
{
	RUN(test_listeners);
	RUN(test_legacy_tables);
	return unit_failed;
}
