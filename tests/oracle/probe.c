/*
 * probe: the network half of the kernel oracle (tests/oracle.test.sh).
 *
 *   probe listen PORT...
 *	Listen on every PORT on 0.0.0.0 and on :: (IPV6_V6ONLY); accept and
 *	close connections until killed. Prints "listening PORT..." on stdout
 *	once every socket listens, so a script can wait for it.
 *
 *   probe connect TIMEOUT_MS < lines
 *	Each input line is "SRC DST PORT". For each, a non-blocking TCP socket
 *	bound to SRC connects to DST:PORT; every connection is in flight at
 *	once with the same deadline. Prints one line per input, in input
 *	order: "SRC DST PORT OUTCOME", OUTCOME one of connected, refused
 *	(ECONNREFUSED: a RST), unreachable (EHOSTUNREACH, ENETUNREACH: an
 *	ICMP error), timeout (nothing before the deadline) or error:ERRNO_NAME.
 *
 * Exit status: 0 when every line was handled, 1 on a bad line or a system
 * error, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 64	     /* listen mode */
#define MAX_PROBES 8192	     /* connect mode: input lines */
#define MAX_LINE 256	     /* connect mode: bytes per input line */
#define MAX_TIMEOUT_MS 600000

enum outcome {
	O_PENDING,
	O_CONNECTED,
	O_REFUSED,
	O_UNREACHABLE,
	O_TIMEOUT,
	O_ERROR
};

struct probe {
	char src[INET6_ADDRSTRLEN];
	char dst[INET6_ADDRSTRLEN];
	unsigned port;
	int fd;
	enum outcome out;
	int err; /* O_ERROR: the errno */
};

static const struct {
	int num;
	const char *name;
} errnames[] = {
	{EACCES, "EACCES"},
	{EADDRINUSE, "EADDRINUSE"},
	{EADDRNOTAVAIL, "EADDRNOTAVAIL"},
	{EAFNOSUPPORT, "EAFNOSUPPORT"},
	{EAGAIN, "EAGAIN"},
	{EALREADY, "EALREADY"},
	{EBADF, "EBADF"},
	{ECONNABORTED, "ECONNABORTED"},
	{ECONNREFUSED, "ECONNREFUSED"},
	{ECONNRESET, "ECONNRESET"},
	{EHOSTDOWN, "EHOSTDOWN"},
	{EHOSTUNREACH, "EHOSTUNREACH"},
	{EINVAL, "EINVAL"},
	{EMFILE, "EMFILE"},
	{EMSGSIZE, "EMSGSIZE"},
	{ENETDOWN, "ENETDOWN"},
	{ENETUNREACH, "ENETUNREACH"},
	{ENFILE, "ENFILE"},
	{ENOBUFS, "ENOBUFS"},
	{ENOMEM, "ENOMEM"},
	{ENONET, "ENONET"},
	{ENOPROTOOPT, "ENOPROTOOPT"},
	{EOPNOTSUPP, "EOPNOTSUPP"},
	{EPERM, "EPERM"},
	{EPIPE, "EPIPE"},
	{EPROTO, "EPROTO"},
	{ETIMEDOUT, "ETIMEDOUT"},
};

static void
usage(void)
{
	fputs("usage: probe listen PORT...\n"
	      "       probe connect TIMEOUT_MS < lines of \"SRC DST PORT\"\n",
	      stderr);
	exit(2);
}

static const char *
errname(int e, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].num == e)
			return errnames[i].name;
	snprintf(buf, len, "E%d", e);
	return buf;
}

/* A decimal number in [min, max], or -1. */
static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

static long long
now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("probe: clock_gettime");
		exit(1);
	}
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Allow as many descriptors as the hard limit lets us. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Fill ss from a textual address and port; returns the family or -1. */
static int
sockaddr_of(const char *text, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return AF_INET6;
	}
	return -1;
}

static int
listen_one(int family, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
	int one = 1;

	if (sockaddr_of(family == AF_INET ? "0.0.0.0" : "::", port, &ss, &len) != family)
		abort();
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 4096) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static int
do_listen(int argc, char **argv)
{
	struct pollfd pfd[2 * MAX_PORTS];
	nfds_t n = 0;
	int i;

	if (argc < 1 || argc > MAX_PORTS)
		usage();
	for (i = 0; i < argc; i++) {
		long port = number(argv[i], 1, 65535);
		int fam;

		if (port < 0) {
			fprintf(stderr, "probe: bad port '%s'\n", argv[i]);
			return 2;
		}
		for (fam = 0; fam < 2; fam++) {
			int family = fam == 0 ? AF_INET : AF_INET6;
			int fd = listen_one(family, (unsigned)port);

			if (fd < 0) {
				fprintf(stderr, "probe: listen on %s port %ld: %s\n",
					family == AF_INET ? "0.0.0.0" : "::", port, strerror(errno));
				return 1;
			}
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			n++;
		}
	}
	fputs("listening", stdout);
	for (i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	putchar('\n');
	fflush(stdout);

	for (;;) {
		nfds_t k;

		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("probe: poll");
			return 1;
		}
		for (k = 0; k < n; k++) {
			int c;

			if (!(pfd[k].revents & POLLIN))
				continue;
			while ((c = accept4(pfd[k].fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
				close(c);
		}
	}
}

static void
classify(struct probe *p, int e)
{
	switch (e) {
	case 0:
		p->out = O_CONNECTED;
		break;
	case ECONNREFUSED:
		p->out = O_REFUSED;
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
		p->out = O_UNREACHABLE;
		break;
	default:
		p->out = O_ERROR;
		p->err = e;
		break;
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
}

/* Parse "SRC DST PORT" into p; false on a malformed line. */
static bool
parse_line(char *line, struct probe *p)
{
	char *f[3];
	char *save = NULL;
	char *extra;
	long port;
	int i;

	for (i = 0; i < 3; i++) {
		f[i] = strtok_r(i == 0 ? line : NULL, " \t\r\n", &save);
		if (f[i] == NULL)
			return false;
	}
	extra = strtok_r(NULL, " \t\r\n", &save);
	if (extra != NULL)
		return false;
	if (strlen(f[0]) >= sizeof(p->src) || strlen(f[1]) >= sizeof(p->dst))
		return false;
	port = number(f[2], 1, 65535);
	if (port < 0)
		return false;
	memcpy(p->src, f[0], strlen(f[0]) + 1);
	memcpy(p->dst, f[1], strlen(f[1]) + 1);
	p->port = (unsigned)port;
	p->fd = -1;
	p->out = O_PENDING;
	p->err = 0;
	return true;
}

/* Start p's connection; leaves it pending or decided. */
static void
start(struct probe *p)
{
	struct sockaddr_storage src;
	struct sockaddr_storage dst;
	socklen_t slen;
	socklen_t dlen;
	int fam;

	fam = sockaddr_of(p->src, 0, &src, &slen);
	if (fam < 0 || sockaddr_of(p->dst, p->port, &dst, &dlen) != fam) {
		classify(p, EAFNOSUPPORT);
		return;
	}
	p->fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		classify(p, errno);
		return;
	}
	if (bind(p->fd, (struct sockaddr *)&src, slen) != 0) {
		classify(p, errno);
		return;
	}
	if (connect(p->fd, (struct sockaddr *)&dst, dlen) == 0)
		classify(p, 0);
	else if (errno != EINPROGRESS)
		classify(p, errno);
}

static int
do_connect(int argc, char **argv)
{
	struct probe *pv;
	struct pollfd *pfd;
	size_t *idx;
	size_t n = 0;
	size_t i;
	long timeout;
	long long deadline;
	char line[MAX_LINE + 2];
	unsigned long lineno = 0;

	if (argc != 1)
		usage();
	timeout = number(argv[0], 0, MAX_TIMEOUT_MS);
	if (timeout < 0) {
		fprintf(stderr, "probe: bad timeout '%s' (0..%d ms)\n", argv[0], MAX_TIMEOUT_MS);
		return 2;
	}
	pv = calloc(MAX_PROBES, sizeof(*pv));
	pfd = calloc(MAX_PROBES, sizeof(*pfd));
	idx = calloc(MAX_PROBES, sizeof(*idx));
	if (pv == NULL || pfd == NULL || idx == NULL) {
		perror("probe");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		size_t len = strlen(line);

		lineno++;
		if (len > 0 && line[len - 1] != '\n' && !feof(stdin)) {
			fprintf(stderr, "probe: stdin:%lu: line longer than %d bytes\n", lineno,
				MAX_LINE);
			return 1;
		}
		if (strspn(line, " \t\r\n") == len)
			continue;
		if (n == MAX_PROBES) {
			fprintf(stderr, "probe: stdin:%lu: more than %d probes\n", lineno,
				MAX_PROBES);
			return 1;
		}
		if (!parse_line(line, &pv[n])) {
			fprintf(stderr, "probe: stdin:%lu: expected \"SRC DST PORT\"\n", lineno);
			return 1;
		}
		n++;
	}
	if (ferror(stdin)) {
		perror("probe: stdin");
		return 1;
	}

	raise_nofile();
	deadline = now_ms() + timeout;
	for (i = 0; i < n; i++)
		start(&pv[i]);

	for (;;) {
		nfds_t np = 0;
		long long left;
		int r;

		for (i = 0; i < n; i++) {
			if (pv[i].out != O_PENDING)
				continue;
			pfd[np].fd = pv[i].fd;
			pfd[np].events = POLLOUT;
			pfd[np].revents = 0;
			idx[np] = i;
			np++;
		}
		if (np == 0)
			break;
		left = deadline - now_ms();
		if (left <= 0)
			break;
		r = poll(pfd, np, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("probe: poll");
			return 1;
		}
		for (i = 0; i < np; i++) {
			struct probe *p = &pv[idx[i]];
			int e = 0;
			socklen_t elen = sizeof(e);

			if (pfd[i].revents == 0)
				continue;
			if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0)
				e = errno;
			if (e == 0 && !(pfd[i].revents & POLLOUT))
				continue; /* not decided yet */
			classify(p, e);
		}
	}

	for (i = 0; i < n; i++) {
		struct probe *p = &pv[i];
		char buf[32];
		const char *what = "timeout";

		switch (p->out) {
		case O_PENDING:
		case O_TIMEOUT:
			what = "timeout";
			break;
		case O_CONNECTED:
			what = "connected";
			break;
		case O_REFUSED:
			what = "refused";
			break;
		case O_UNREACHABLE:
			what = "unreachable";
			break;
		case O_ERROR:
			printf("%s %s %u error:%s\n", p->src, p->dst, p->port,
			       errname(p->err, buf, sizeof(buf)));
			continue;
		default:
			abort();
		}
		printf("%s %s %u %s\n", p->src, p->dst, p->port, what);
	}
	if (fflush(stdout) != 0) {
		perror("probe: stdout");
		return 1;
	}
	for (i = 0; i < n; i++)
		if (pv[i].fd >= 0)
			close(pv[i].fd);
	free(pv);
	free(pfd);
	free(idx);
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "listen") == 0)
		return do_listen(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "connect") == 0)
		return do_connect(argc - 2, argv + 2);
	usage();
	return 2;
}
