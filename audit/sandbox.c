#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Newer than the oldest headers cfaudit builds with (Linux 6.1: ABI 2); the
 * values are the kernel's stable ABI. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 4 (the kernel takes the first
 * 8 bytes from older callers) */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};

/* What each Landlock ABI version can forbid on files. Reading is never
 * handled; LANDLOCK_ACCESS_FS_IOCTL_DEV (ABI 5) is not either: the
 * terminal's ioctls on standard output must keep working. */
static uint64_t
fs_handled(int abi)
{
	uint64_t a = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		     LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		     LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
		     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
		     LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		     LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return a;
}

/* What a report's directory keeps: creating and rewriting the report. */
static uint64_t
fs_report(int abi)
{
	uint64_t a = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG;

	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return a;
}

/* The directory a report goes to (as it is named: "." without a slash). */
static char *
parent_dir(const char *file)
{
	const char *slash = strrchr(file, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == file)
		return xstrdup("/");
	return xstrndup(file, (size_t)(slash - file));
}

/* Let the report file be written: the file itself when it exists (a device
 * such as /dev/null is then the only thing of /dev allowed), else its
 * directory, where it is created. What cannot be opened needs no rule:
 * writing it fails anyway, with its own error. */
static void
allow_report(int ruleset, const char *file, int abi)
{
	struct landlock_path_beneath_attr pb;
	char *dir = NULL;
	int fd = open(file, O_PATH | O_CLOEXEC);

	memset(&pb, 0, sizeof(pb));
	/* a rule on a file takes only file rights */
	pb.allowed_access = fs_report(abi) & ~(uint64_t)LANDLOCK_ACCESS_FS_MAKE_REG;
	if (fd < 0) {
		dir = parent_dir(file);
		fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		pb.allowed_access = fs_report(abi);
	}
	if (fd >= 0) {
		pb.parent_fd = fd;
		syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		close(fd);
	}
	free(dir);
}

int
sandbox_enter(const char *const *writable, size_t n)
{
	struct ll_ruleset_attr attr;
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			       LANDLOCK_CREATE_RULESET_VERSION);
	int ruleset;
	size_t i;

	if (abi < 1)
		return 0; /* no Landlock here (ENOSYS, EOPNOTSUPP): run as before */
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs_handled(abi);
	/* ABI 4: no TCP (--live speaks netlink, which stays allowed) */
	if (abi >= 4)
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
			       abi >= 4 ? sizeof(attr) : sizeof(attr.handled_access_fs), 0);
	if (ruleset < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (writable[i])
			allow_report(ruleset, writable[i], abi);
	/* required to restrict oneself without CAP_SYS_ADMIN; cfaudit gains
	 * nothing from set-user-ID programs, which it never runs anyway */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
		close(ruleset);
		return 0;
	}
	close(ruleset);
	return abi;
}
