/* The Landlock sandbox (sandbox.h), entered in a child process: the report
 * named may be written, nothing else may be created, written, removed or
 * executed, TCP is refused (ABI 4), reading goes on. Skipped where the
 * kernel has no Landlock. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "unit.h"

/* What the child saw, one bit each: set when the sandbox did not hold. */
enum {
	LEAK_REPORT_FAILED = 1, /* the allowed report could not be written */
	LEAK_CREATE = 2,        /* another file could be created */
	LEAK_EXEC = 4,          /* a program could be run */
	LEAK_MKDIR = 8,
	LEAK_TCP = 16,
	LEAK_READ_FAILED = 32,  /* reading stopped working */
	LEAK_UNLINK = 64,
	NO_LANDLOCK = 100
};

static char dir[] = "/tmp/cfaudit-sandbox.XXXXXX";

static bool
refused(int r)
{
	return r < 0 && (errno == EACCES || errno == EPERM);
}

/* A TCP connection to a listener of the parent (0: none could be made). */
static int
tcp_connect(int port)
{
	struct sockaddr_in sa;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	close(s);
	return r;
}

static int
child(int port)
{
	char report[256];
	char other[256];
	char sub[256];
	char victim[256];
	char *const argv[] = {"true", NULL};
	const char *w[] = {report, NULL};
	int abi;
	int bad = 0;
	int fd;

	/* the report's directory is out/, where it may be created; the rest
	 * happens in else/ */
	snprintf(report, sizeof(report), "%s/out/report.json", dir);
	snprintf(other, sizeof(other), "%s/else/other", dir);
	snprintf(sub, sizeof(sub), "%s/else/sub", dir);
	snprintf(victim, sizeof(victim), "%s/else/victim", dir);
	abi = sandbox_enter(w, 2);
	if (abi == 0)
		return NO_LANDLOCK;
	if ((fd = open(report, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 || write(fd, "{}", 2) != 2)
		bad |= LEAK_REPORT_FAILED;
	if (fd >= 0)
		close(fd);
	if (!refused(open(other, O_WRONLY | O_CREAT, 0644)))
		bad |= LEAK_CREATE;
	if (!refused(mkdir(sub, 0755)))
		bad |= LEAK_MKDIR;
	if (!refused(unlink(victim)))
		bad |= LEAK_UNLINK;
	execv("/bin/true", argv);
	if (!(errno == EACCES || errno == EPERM))
		bad |= LEAK_EXEC;
	if (abi >= 4 && !refused(tcp_connect(port)))
		bad |= LEAK_TCP;
	if ((fd = open("/etc/passwd", O_RDONLY)) < 0)
		bad |= LEAK_READ_FAILED;
	else
		close(fd);
	return bad;
}

static void
test_sandbox_holds(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	char victim[256];
	pid_t pid;
	int st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(victim, sizeof(victim), "%s/out", dir);
	CHECK(mkdir(victim, 0755) == 0);
	snprintf(victim, sizeof(victim), "%s/else", dir);
	CHECK(mkdir(victim, 0755) == 0);
	snprintf(victim, sizeof(victim), "%s/else/victim", dir);
	close(open(victim, O_WRONLY | O_CREAT, 0644));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 4) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&sa, &len) == 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(child(ntohs(sa.sin_port)));
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	close(l);
	if (WEXITSTATUS(st) == NO_LANDLOCK) {
		printf("skip test_sandbox_holds: the kernel has no Landlock\n");
		unit_failed = 2; /* not ok, not failed: RUN prints nothing */
	} else {
		CHECK((WEXITSTATUS(st) & LEAK_REPORT_FAILED) == 0);
		CHECK((WEXITSTATUS(st) & LEAK_CREATE) == 0);
		CHECK((WEXITSTATUS(st) & LEAK_MKDIR) == 0);
		CHECK((WEXITSTATUS(st) & LEAK_UNLINK) == 0);
		CHECK((WEXITSTATUS(st) & LEAK_EXEC) == 0);
		CHECK((WEXITSTATUS(st) & LEAK_TCP) == 0);
		CHECK((WEXITSTATUS(st) & LEAK_READ_FAILED) == 0);
	}
}

static void
cleanup(void)
{
	static const char *const files[] = {"out/report.json", "else/other", "else/victim"};
	static const char *const dirs[] = {"else/sub", "else", "out", ""};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		rmdir(path);
	}
}

int
main(void)
{
	RUN(test_sandbox_holds);
	cleanup();
	return unit_failed & 1;
}
