#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static int root_fd = -1;
static char *root_path;

bool
root_open(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return false;
	root_close();
	root_fd = fd;
	root_path = xstrdup(dir);
	return true;
}

void
root_close(void)
{
	if (root_fd >= 0)
		close(root_fd);
	root_fd = -1;
	free(root_path);
	root_path = NULL;
}

const char *
root_dir(void)
{
	return root_path ? root_path : "/";
}

/* O_NONBLOCK: a FIFO named by a hostile include must not block the open. */
static int
open_in_root(const char *path)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

static enum read_result
read_fd(int fd, char **data, size_t *len, char **err)
{
	struct stat st;
	char *p;
	size_t got = 0;

	if (fstat(fd, &st) < 0) {
		*err = xasprintf("cannot stat: %s", strerror(errno));
		return READ_FAILED;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = xstrdup(S_ISDIR(st.st_mode) ? "is a directory, not a file"
						   : "not a regular file (FIFO, device or socket): not read");
		return READ_FAILED;
	}
	if ((unsigned long long)st.st_size > CAP_FILE_SIZE) {
		*err = xasprintf("file is larger than the %u MiB cap", CAP_FILE_SIZE >> 20);
		return READ_FAILED;
	}
	p = xmalloc((size_t)st.st_size + 1);
	for (;;) {
		ssize_t n;

		/* Read one byte past the size seen: a file growing under us
		 * must not be truncated silently. */
		if (got > (size_t)st.st_size) {
			free(p);
			*err = xstrdup("file changed size while being read");
			return READ_FAILED;
		}
		n = read(fd, p + got, (size_t)st.st_size + 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(p);
			*err = xasprintf("read error: %s", strerror(errno));
			return READ_FAILED;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	p[got] = '\0';
	*data = p;
	*len = got;
	return READ_OK;
}

static enum read_result
read_opened(int fd, char **data, size_t *len, char **err)
{
	enum read_result r;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return READ_MISSING;
		if (errno == EXDEV || errno == ELOOP)
			*err = xasprintf("path leaves the audited root or loops (%s): not read",
					 strerror(errno));
		else
			*err = xasprintf("cannot open: %s", strerror(errno));
		return READ_FAILED;
	}
	r = read_fd(fd, data, len, err);
	close(fd);
	return r;
}

enum read_result
root_read(const char *path, char **data, size_t *len, char **err)
{
	*err = NULL;
	if (root_fd < 0 && !root_open("/")) {
		*err = xasprintf("cannot open the root: %s", strerror(errno));
		return READ_FAILED;
	}
	return read_opened(open_in_root(path), data, len, err);
}

enum read_result
host_read(const char *path, char **data, size_t *len, char **err)
{
	*err = NULL;
	return read_opened(open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), data, len,
			   err);
}

bool
root_exists(const char *path)
{
	struct open_how how;
	int fd;

	if (root_fd < 0 && !root_open("/"))
		return false;
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	while (*path == '/')
		path++;
	fd = (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
	if (fd < 0)
		return false;
	close(fd);
	return true;
}
