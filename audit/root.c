#include "root.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* Symbolic links followed in one path, as the kernel's MAXSYMLINKS. */
#define WALK_MAX_LINKS 40

/* The walk's directories, from the root down: ".." pops one, never the
 * root itself. */
struct walk {
	int fd[PATH_MAX / 2 + 2];
	size_t n;
};

static int
walk_top(const struct walk *w)
{
	return w->n ? w->fd[w->n - 1] : root_fd;
}

static void
walk_pop(struct walk *w)
{
	if (w->n)
		close(w->fd[--w->n]);
}

static void
walk_reset(struct walk *w)
{
	while (w->n)
		walk_pop(w);
}

/* What openat2 RESOLVE_IN_ROOT does, for kernels before 5.6 and tools that
 * do not know openat2 (valgrind): the path is walked one name at a time
 * from the root with O_NOFOLLOW, every symbolic link is read and its text
 * walked in turn (an absolute one from the root), ".." never goes above the
 * root. A link is never followed by the kernel, so a magic link
 * (/proc/self/root) is only its text, resolved inside the root too. */
static int
walk_open(const char *path, int flags)
{
	struct walk w;
	char *pending = xmalloc(PATH_MAX + 1);
	char *link = xmalloc(PATH_MAX + 1);
	size_t links = 0;
	int fd = -1;
	int saved;

	w.n = 0;
	if (strlen(path) > PATH_MAX) {
		errno = ENAMETOOLONG;
		goto out;
	}
	memcpy(pending, path, strlen(path) + 1);
	for (;;) {
		char *name = pending;
		char *rest;
		struct stat st;
		ssize_t len;
		size_t rlen;

		while (*name == '/')
			name++;
		if (*name == '\0') {
			/* the directory reached is what was asked for */
			fd = openat(walk_top(&w), ".", flags & ~O_NOFOLLOW);
			goto out;
		}
		rest = strchr(name, '/');
		if (rest)
			*rest++ = '\0';
		else
			rest = name + strlen(name);
		if (strcmp(name, ".") == 0) {
			memmove(pending, rest, strlen(rest) + 1);
			continue;
		}
		if (strcmp(name, "..") == 0) {
			walk_pop(&w);
			memmove(pending, rest, strlen(rest) + 1);
			continue;
		}
		fd = openat(walk_top(&w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			goto out;
		if (S_ISLNK(st.st_mode)) {
			close(fd);
			fd = -1;
			len = readlinkat(walk_top(&w), name, link, PATH_MAX);
			if (len < 0)
				goto out;
			link[len] = '\0';
			if (++links > WALK_MAX_LINKS) {
				errno = ELOOP;
				goto out;
			}
			rlen = strlen(rest);
			if ((size_t)len + 1 + rlen > PATH_MAX) {
				errno = ENAMETOOLONG;
				goto out;
			}
			/* the link's text, then what was left of the path */
			memmove(pending + len + 1, rest, rlen + 1);
			memcpy(pending, link, (size_t)len);
			pending[len] = '/';
			if (link[0] == '/')
				walk_reset(&w);
			continue;
		}
		if (*rest == '\0' && !(flags & O_DIRECTORY && !S_ISDIR(st.st_mode))) {
			/* the last name: opened as asked (O_NOFOLLOW: a link
			 * swapped in meanwhile fails with ELOOP) */
			close(fd);
			fd = openat(walk_top(&w), name, flags | O_NOFOLLOW);
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			fd = -1;
			errno = ENOTDIR;
			goto out;
		}
		if (w.n == sizeof(w.fd) / sizeof(w.fd[0])) {
			close(fd);
			fd = -1;
			errno = ENAMETOOLONG;
			goto out;
		}
		w.fd[w.n++] = fd;
		fd = -1;
		memmove(pending, rest, strlen(rest) + 1);
	}
out:
	saved = errno;
	walk_reset(&w);
	free(pending);
	free(link);
	errno = saved;
	return fd;
}

/* Open path (as the audited server sees it) inside the root: openat2
 * RESOLVE_IN_ROOT where the kernel has it, the same walk otherwise. */
static int
openat2_in_root(const char *path, int flags)
{
	static bool no_openat2;
	struct open_how how;
	int fd;

	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	if (!no_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)flags;
		how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		no_openat2 = true;
	}
	return walk_open(path, flags);
}

/* A device is never opened for reading: opening one can act (a watchdog
 * starts, a tape rewinds), so the file is looked at through an O_PATH
 * descriptor first and only a regular file or a directory is opened; the
 * second open must find the same file. O_NONBLOCK: a FIFO swapped in
 * between must not block the open either. */
static int
open_in_root(const char *path, struct stat *st)
{
	struct stat before;
	int fd = openat2_in_root(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &before) < 0 || !(S_ISREG(before.st_mode) || S_ISDIR(before.st_mode))) {
		*st = before; /* read_fd says what it is (O_PATH: never opened for reading) */
		return fd;
	}
	close(fd);
	fd = openat2_in_root(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0 && (fstat(fd, st) < 0 || st->st_dev != before.st_dev ||
			st->st_ino != before.st_ino)) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

static enum read_result
read_fd(int fd, const struct stat *known, char **data, size_t *len, char **err)
{
	struct stat st;
	char *p;
	size_t got = 0;

	if (known)
		st = *known;
	else if (fstat(fd, &st) < 0) {
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
		size_t want;
		ssize_t n;

		/* Read one byte past the size seen: a file growing under us
		 * must not be truncated silently. */
		if (got > (size_t)st.st_size) {
			free(p);
			*err = xstrdup("file changed size while being read");
			return READ_FAILED;
		}
		want = (size_t)st.st_size + 1 - got;
		n = read(fd, p + got, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(p);
			*err = xasprintf("read error: %s", strerror(errno));
			return READ_FAILED;
		}
		got += (size_t)n;
		/* a regular file reads short only at its end (0 bytes, or
		 * fewer than asked, below Linux's 2 GiB cap on one read): no
		 * read more is needed to see it */
		if ((size_t)n < want && (n == 0 || want <= 0x7ffff000u))
			break;
	}
	p[got] = '\0';
	*data = p;
	*len = got;
	return READ_OK;
}

static enum read_result
read_opened(int fd, const struct stat *known, char **data, size_t *len, char **err)
{
	enum read_result r;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return READ_MISSING;
		if (errno == EXDEV || errno == ELOOP)
			*err = xasprintf("path leaves the audited root or loops (%s): not read",
					 strerror(errno));
		else if (errno == ESTALE)
			*err = xstrdup("file replaced while being opened: not read");
		else
			*err = xasprintf("cannot open: %s", strerror(errno));
		return READ_FAILED;
	}
	r = read_fd(fd, known, data, len, err);
	close(fd);
	return r;
}

static enum read_result
read_direct(const char *path, char **data, size_t *len, char **err)
{
	struct stat st; /* open_in_root's look at the file, read_fd's too */

	*err = NULL;
	if (root_fd < 0 && !root_open("/")) {
		*err = xasprintf("cannot open the root: %s", strerror(errno));
		return READ_FAILED;
	}
	return read_opened(open_in_root(path, &st), &st, data, len, err);
}

/* read_direct for the file name in the directory dirfd (opened inside the
 * root; path is dirfd's path and name), which a listing just showed to be
 * a regular file: one open of one name, O_NOFOLLOW, instead of a look
 * and an open that each resolve the whole path. The listing was the look:
 * the open must find a regular file still (the check read_direct makes of
 * its second open); anything else, and every error, is left to
 * read_direct, so the result is the same. */
static enum read_result
read_in_dir(int dirfd, const char *name, const char *path, char **data, size_t *len, char **err)
{
	struct stat st;
	int fd;
	enum read_result rr;

	if (dirfd < 0 || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return read_direct(path, data, len, err);
	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return read_direct(path, data, len, err);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return read_direct(path, data, len, err);
	}
	*err = NULL;
	rr = read_fd(fd, &st, data, len, err);
	close(fd);
	return rr;
}

enum read_result
host_read(const char *path, char **data, size_t *len, char **err)
{
	*err = NULL;
	return read_opened(open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), NULL, data,
			   len, err);
}

bool
root_exists(const char *path)
{
	int fd;

	if (root_fd < 0 && !root_open("/"))
		return false;
	fd = openat2_in_root(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char entry_type(int dirfd, const struct dirent64 *e);

struct typed_name {
	char *name;
	unsigned char type;
};

/* The entries of the open directory fd, without "." and "..", in the
 * directory's order, with their types when types is true. getdents64
 * straight into a buffer: fdopendir would add an fstat and an fcntl to
 * every listing (a server with 10,000 DocumentRoots lists 10,000). */
static enum read_result
dir_entries(int fd, bool types, struct typed_name **out, size_t *n, char **err)
{
	char buf[32768];
	struct typed_name *v = NULL;
	size_t len = 0;
	size_t cap = 0;
	size_t i;

	for (;;) {
		ssize_t got = getdents64(fd, buf, sizeof(buf));
		ssize_t off;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*err = xasprintf("cannot read the directory: %s", strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		for (off = 0; off < got;) {
			const struct dirent64 *e = (const struct dirent64 *)(void *)(buf + off);
			struct typed_name tn;

			off += e->d_reclen;
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (len == CAP_DIR_ENTRIES) {
				*err = xasprintf("more than %u entries: not read", CAP_DIR_ENTRIES);
				goto fail;
			}
			tn.name = xstrdup(e->d_name);
			tn.type = types ? entry_type(fd, e) : ENTRY_OTHER;
			VEC_PUSH(v, len, cap, tn);
		}
	}
	*out = v;
	*n = len;
	return READ_OK;
fail:
	for (i = 0; i < len; i++)
		free(v[i].name);
	free(v);
	*out = NULL;
	*n = 0;
	return READ_FAILED;
}

/* Read the entries of the open directory fd (closed here). */
static enum read_result
list_fd(int fd, char ***names, size_t *n, char **err)
{
	struct typed_name *v;
	size_t len;
	size_t i;
	enum read_result rr;

	*names = NULL;
	*n = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return READ_MISSING;
		if (errno == EXDEV || errno == ELOOP)
			*err = xasprintf("path leaves the audited root or loops (%s): not read",
					 strerror(errno));
		else if (errno == ENOTDIR)
			*err = xstrdup("not a directory");
		else
			*err = xasprintf("cannot open: %s", strerror(errno));
		return READ_FAILED;
	}
	rr = dir_entries(fd, false, &v, &len, err);
	close(fd);
	if (rr != READ_OK)
		return rr;
	*names = xcalloc(len ? len : 1, sizeof(**names));
	for (i = 0; i < len; i++)
		(*names)[i] = v[i].name;
	free(v);
	if (len > 1)
		qsort(*names, len, sizeof(**names), name_cmp);
	*n = len;
	return READ_OK;
}

enum read_result
root_list(const char *path, char ***names, size_t *n, char **err)
{
	*err = NULL;
	if (root_fd < 0 && !root_open("/")) {
		*err = xasprintf("cannot open the root: %s", strerror(errno));
		return READ_FAILED;
	}
	return list_fd(openat2_in_root(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), names, n, err);
}

static unsigned char
entry_type(int dirfd, const struct dirent64 *e)
{
	struct stat st;

	switch (e->d_type) {
	case DT_DIR:
		return ENTRY_DIR;
	case DT_REG:
		return ENTRY_FILE;
	case DT_LNK:
		return ENTRY_LINK;
	case DT_UNKNOWN:
		break;
	default:
		return ENTRY_OTHER;
	}
	/* the file system does not say: the entry itself, links not followed */
	if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return ENTRY_OTHER;
	return S_ISDIR(st.st_mode)   ? ENTRY_DIR
	       : S_ISREG(st.st_mode) ? ENTRY_FILE
	       : S_ISLNK(st.st_mode) ? ENTRY_LINK
				     : ENTRY_OTHER;
}

static int
typed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct typed_name *)a)->name, ((const struct typed_name *)b)->name);
}

static enum read_result list_types_fd(int fd, char ***names, unsigned char **types, size_t *n,
				      char **err);

/* keep_fd: where the directory's descriptor is left open on READ_OK
 * (NULL: closed). */
static enum read_result
list_types_direct(const char *path, char ***names, unsigned char **types, size_t *n, char **err,
		  int *keep_fd)
{
	int fd;
	enum read_result rr;

	*names = NULL;
	*types = NULL;
	*n = 0;
	*err = NULL;
	if (root_fd < 0 && !root_open("/")) {
		*err = xasprintf("cannot open the root: %s", strerror(errno));
		return READ_FAILED;
	}
	fd = openat2_in_root(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return list_fd(fd, names, n, err); /* errno says why */
	rr = list_types_fd(fd, names, types, n, err);
	if (keep_fd && rr == READ_OK)
		*keep_fd = fd;
	else
		close(fd);
	return rr;
}

/* The sorted, typed entries of the open directory fd. */
static enum read_result
list_types_fd(int fd, char ***names, unsigned char **types, size_t *n, char **err)
{
	struct typed_name *v;
	size_t len;
	size_t i;
	enum read_result rr;

	rr = dir_entries(fd, true, &v, &len, err);
	if (rr != READ_OK)
		return rr;
	if (len > 1)
		qsort(v, len, sizeof(*v), typed_cmp);
	*names = xcalloc(len ? len : 1, sizeof(**names));
	*types = xcalloc(len ? len : 1, 1);
	for (i = 0; i < len; i++) {
		(*names)[i] = v[i].name;
		(*types)[i] = v[i].type;
	}
	free(v);
	*n = len;
	return READ_OK;
}

enum read_result
host_list(const char *path, char ***names, size_t *n, char **err)
{
	*err = NULL;
	return list_fd(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), names, n, err);
}

void
names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- reading ahead ----
 *
 * A parser that knows which files it will read next (the matches of an
 * Include, the directories under every DocumentRoot) names them here and
 * a helper thread opens, reads and lists them while the parser works on
 * what came before: the system calls and the kernel's page copies run on
 * the other CPU. The results wait in a table keyed by kind and path; the
 * parser's root_read and root_list_types take them from there, or read
 * for themselves whatever the helper has not started (each result is
 * taken once: a second read of a path reads it again). Nothing but timing
 * changes: a result is what the same call would have returned, errors
 * included, and whatever is never asked for is thrown away. What waits
 * untaken is capped (AHEAD_BYTES); the helper pauses at the cap. */

#ifndef AHEAD_BYTES
#define AHEAD_BYTES (64u * 1024 * 1024)
#endif

enum ahead_kind {
	AH_READ,
	AH_LIST
};

enum ahead_state {
	AH_QUEUED, /* named, not started: a reader takes it over */
	AH_BUSY,   /* the helper is at it: a reader waits */
	AH_DONE,   /* a result waits */
	AH_GONE    /* taken, or read by the parser itself: never again */
};

/* What a directory walk looks for (root_ahead_tree). */
struct ahead_walk {
	struct ahead_walk *next;
	unsigned max_depth;
	size_t max_dirs;
	size_t nnames;
	char **names;
};

/* The directory of files named together by root_ahead_read. */
struct ahead_dir {
	struct ahead_dir *next;
	char path[];
};

struct ahead {
	struct ahead *chain;
	const struct ahead_walk *walk; /* AH_LIST named by root_ahead_tree */
	const struct ahead_dir *dir;   /* AH_READ of a regular file listed there */
	enum ahead_kind kind;
	enum ahead_state state;
	enum read_result rr;
	char *err;
	char *data; /* AH_READ */
	size_t len;
	char **names; /* AH_LIST */
	unsigned char *types;
	size_t n;
	size_t bytes; /* counted in held while AH_DONE */
	char path[];
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* any state change, and stop */
	bool running;
	bool stop;
	pthread_t tid;
	struct ahead **slots; /* a power of two of them, chained */
	size_t nslot;
	size_t count;
	struct ahead **queue; /* in the order named */
	size_t nq;
	size_t qcap;
	size_t qnext;
	size_t held; /* bytes of results not taken yet */
	size_t spinning; /* readers watching an entry without the lock */
	struct ahead_walk *walks;
	struct ahead_dir *dirs;
} ah = {.mu = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP, .cv = PTHREAD_COND_INITIALIZER};

/* Whether the table may hold something: read without the lock, checked
 * again under it. */
static atomic_bool ah_on;
/* How many results the helper has handed over: a reader that finds its
 * file being read watches this for a while before it sleeps (one read
 * takes microseconds; a sleep and a wake-up cost as much again). */
static atomic_size_t ah_published;

#define AHEAD_SPIN 4000

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static size_t
ahead_hash(enum ahead_kind kind, const char *path)
{
	size_t h = 14695981039346656037u ^ (size_t)kind;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 1099511628211u;
	return h;
}

static struct ahead *
ahead_find(enum ahead_kind kind, const char *path)
{
	struct ahead *e;

	if (ah.nslot == 0)
		return NULL;
	for (e = ah.slots[ahead_hash(kind, path) & (ah.nslot - 1)]; e; e = e->chain)
		if (e->kind == kind && strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

/* A new entry for a path not in the table. */
static struct ahead *
ahead_add(enum ahead_kind kind, const char *path, enum ahead_state state)
{
	size_t len = strlen(path);
	struct ahead *e = xcalloc(1, sizeof(*e) + len + 1);
	size_t i;

	memcpy(e->path, path, len + 1);
	e->kind = kind;
	e->state = state;
	if (ah.count * 2 >= ah.nslot) {
		size_t ncap = ah.nslot ? ah.nslot * 2 : 1024;
		struct ahead **ns = xcalloc(ncap, sizeof(*ns));

		for (i = 0; i < ah.nslot; i++)
			while (ah.slots[i]) {
				struct ahead *x = ah.slots[i];
				size_t j = ahead_hash(x->kind, x->path) & (ncap - 1);

				ah.slots[i] = x->chain;
				x->chain = ns[j];
				ns[j] = x;
			}
		free(ah.slots);
		ah.slots = ns;
		ah.nslot = ncap;
	}
	i = ahead_hash(kind, path) & (ah.nslot - 1);
	e->chain = ah.slots[i];
	ah.slots[i] = e;
	ah.count++;
	return e;
}

static void
ahead_clear(struct ahead *e)
{
	free(e->err);
	free(e->data);
	names_free(e->names, e->n);
	free(e->types);
	e->err = NULL;
	e->data = NULL;
	e->names = NULL;
	e->types = NULL;
	e->n = 0;
}

/* The result waiting for kind and path, taken (the caller owns what it
 * holds; free the entry with free()); NULL: the caller reads for itself. */
static struct ahead *
ahead_take(enum ahead_kind kind, const char *path)
{
	struct ahead *e;
	struct ahead *r = NULL;

	pthread_mutex_lock(&ah.mu);
	if (!ah.running) {
		pthread_mutex_unlock(&ah.mu);
		return NULL;
	}
	e = ahead_find(kind, path);
	if (e == NULL) {
		/* the helper must not read it after this */
		ahead_add(kind, path, AH_GONE);
		pthread_mutex_unlock(&ah.mu);
		return NULL;
	}
	if (e->state == AH_BUSY) {
		ah.spinning++; /* e stays: root_ahead_stop waits for us */
		while (e->state == AH_BUSY) {
			size_t seen = atomic_load(&ah_published);
			unsigned spin;

			pthread_mutex_unlock(&ah.mu);
			for (spin = 0; spin < AHEAD_SPIN && atomic_load(&ah_published) == seen;
			     spin++)
				cpu_relax();
			pthread_mutex_lock(&ah.mu);
			if (e->state == AH_BUSY && atomic_load(&ah_published) == seen)
				pthread_cond_wait(&ah.cv, &ah.mu);
		}
		if (--ah.spinning == 0)
			pthread_cond_broadcast(&ah.cv);
	}
	if (e->state == AH_DONE) {
		r = xmalloc(sizeof(*r));
		*r = *e;
		e->err = NULL;
		e->data = NULL;
		e->names = NULL;
		e->types = NULL;
		e->n = 0;
		ah.held -= e->bytes;
		pthread_cond_broadcast(&ah.cv);
	}
	e->state = AH_GONE;
	pthread_mutex_unlock(&ah.mu);
	return r;
}

/* The helper's side: with the lock held; e is AH_QUEUED. */
static void
ahead_publish(struct ahead *e, size_t bytes)
{
	e->state = AH_DONE;
	e->bytes = bytes;
	ah.held += bytes;
	atomic_fetch_add(&ah_published, 1);
	pthread_cond_broadcast(&ah.cv);
}

/* dirfd: e's directory, when a listing showed e to be a regular file
 * there (-1: not known). */
static void
ahead_read(struct ahead *e, int dirfd)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	enum read_result rr;

	e->state = AH_BUSY;
	pthread_mutex_unlock(&ah.mu);
	if (dirfd >= 0)
		rr = read_in_dir(dirfd, strrchr(e->path, '/') + 1, e->path, &data, &len, &err);
	else
		rr = read_direct(e->path, &data, &len, &err);
	pthread_mutex_lock(&ah.mu);
	e->rr = rr;
	e->data = data;
	e->len = len;
	e->err = err;
	ahead_publish(e, len + 64);
}

/* Wait while the results not taken are over the cap; false: stop. */
static bool
ahead_room(void)
{
	while (!ah.stop && ah.held > AHEAD_BYTES)
		pthread_cond_wait(&ah.cv, &ah.mu);
	return !ah.stop;
}

static bool
walk_wants(const struct ahead_walk *w, const char *name)
{
	size_t k;

	for (k = 0; k < w->nnames; k++)
		if (strcmp(w->names[k], name) == 0)
			return true;
	return false;
}

/* List e's directory, read the files in it that the walk looks for, and
 * walk its subdirectories, depth first in name order: the order a parser
 * walking the same tree asks for them. */
static void
ahead_tree(struct ahead *e, unsigned depth, size_t *dirs)
{
	const struct ahead_walk *w = e->walk;
	char **names = NULL;
	unsigned char *types = NULL;
	size_t n = 0;
	char *err = NULL;
	enum read_result rr;
	char **next = NULL; /* files to read, then directories to walk */
	size_t nnext = 0;
	size_t cap = 0;
	size_t nfiles;
	bool *regular = NULL;
	size_t rcap = 0;
	size_t nreg = 0;
	size_t bytes = 64;
	size_t i;
	int dirfd = -1;

	e->state = AH_BUSY;
	pthread_mutex_unlock(&ah.mu);
	rr = list_types_direct(e->path, &names, &types, &n, &err, &dirfd);
	/* what comes next, before the listing is handed over */
	for (i = 0; i < n; i++) {
		bytes += strlen(names[i]) + 1 + sizeof(char *) + 1;
		if (types[i] != ENTRY_DIR && walk_wants(w, names[i])) {
			VEC_PUSH(next, nnext, cap, xasprintf("%s%s", e->path, names[i]));
			VEC_PUSH(regular, nreg, rcap, types[i] == ENTRY_FILE);
		}
	}
	nfiles = nnext;
	for (i = 0; i < n; i++)
		if (types[i] == ENTRY_DIR)
			VEC_PUSH(next, nnext, cap, xasprintf("%s%s/", e->path, names[i]));
	pthread_mutex_lock(&ah.mu);
	e->rr = rr;
	e->err = err;
	e->names = names;
	e->types = types;
	e->n = n;
	ahead_publish(e, bytes);
	for (i = 0; i < nnext; i++) {
		struct ahead *x;

		if (!ahead_room())
			break;
		if (i < nfiles) {
			if (ahead_find(AH_READ, next[i]) == NULL)
				ahead_read(ahead_add(AH_READ, next[i], AH_QUEUED),
					   regular[i] && e->path[strlen(e->path) - 1] == '/' ? dirfd : -1);
			continue;
		}
		if (dirfd >= 0) {
			close(dirfd); /* not kept open down the tree */
			dirfd = -1;
		}
		if (++*dirs > w->max_dirs || depth + 1 > w->max_depth)
			break;
		if (ahead_find(AH_LIST, next[i]) != NULL)
			continue; /* read already, or being read */
		x = ahead_add(AH_LIST, next[i], AH_QUEUED);
		x->walk = w;
		ahead_tree(x, depth + 1, dirs);
	}
	if (dirfd >= 0)
		close(dirfd);
	for (i = 0; i < nnext; i++)
		free(next[i]);
	free(next);
	free(regular);
}

static void *
ahead_run(void *arg)
{
	const struct ahead_dir *at = NULL; /* the directory dirfd is */
	int dirfd = -1;

	(void)arg;
	pthread_mutex_lock(&ah.mu);
	for (;;) {
		struct ahead *e;
		size_t dirs = 1;

		while (!ah.stop && ah.qnext == ah.nq)
			pthread_cond_wait(&ah.cv, &ah.mu);
		if (!ahead_room())
			break;
		e = ah.queue[ah.qnext++];
		if (e->state != AH_QUEUED)
			continue;
		if (e->kind == AH_READ && e->dir && e->dir != at) {
			if (dirfd >= 0)
				close(dirfd);
			at = e->dir;
			pthread_mutex_unlock(&ah.mu);
			dirfd = openat2_in_root(at->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			pthread_mutex_lock(&ah.mu);
			if (e->state != AH_QUEUED)
				continue;
		}
		if (e->kind == AH_READ)
			ahead_read(e, e->dir ? dirfd : -1);
		else
			ahead_tree(e, 0, &dirs);
	}
	pthread_mutex_unlock(&ah.mu);
	if (dirfd >= 0)
		close(dirfd);
	return NULL;
}

/* With the lock held: the helper runs (false: it could not start). */
static bool
ahead_start(void)
{
	if (ah.running)
		return true;
	if (root_fd < 0 && !root_open("/"))
		return false;
	ah.stop = false;
	if (pthread_create(&ah.tid, NULL, ahead_run, NULL) != 0)
		return false;
	ah.running = true;
	atomic_store(&ah_on, true);
	return true;
}

static void
ahead_queue(enum ahead_kind kind, const char *path, const struct ahead_walk *w)
{
	struct ahead *e;

	if (ahead_find(kind, path))
		return;
	e = ahead_add(kind, path, AH_QUEUED);
	e->walk = w;
	VEC_PUSH(ah.queue, ah.nq, ah.qcap, e);
}

void
root_ahead_read(const char *dir, const char *const *paths, const bool *regular, size_t n)
{
	struct ahead_dir *d = NULL;
	size_t dl = strlen(dir);
	size_t i;

	if (n == 0)
		return;
	pthread_mutex_lock(&ah.mu);
	if (ahead_start()) {
		for (i = 0; i < n; i++) {
			const char *slash = strrchr(paths[i], '/');
			struct ahead *e;

			if (ahead_find(AH_READ, paths[i]))
				continue;
			e = ahead_add(AH_READ, paths[i], AH_QUEUED);
			VEC_PUSH(ah.queue, ah.nq, ah.qcap, e);
			/* a regular file right in dir: opened by its name there */
			if (!regular[i] || slash == NULL || slash[1] == '\0' ||
			    (size_t)(slash - paths[i]) != (dl && dir[dl - 1] == '/' ? dl - 1 : dl) ||
			    strncmp(paths[i], dir, (size_t)(slash - paths[i])) != 0)
				continue;
			if (d == NULL) {
				d = xmalloc(sizeof(*d) + dl + 1);
				memcpy(d->path, dir, dl + 1);
				d->next = ah.dirs;
				ah.dirs = d;
			}
			e->dir = d;
		}
		pthread_cond_broadcast(&ah.cv);
	}
	pthread_mutex_unlock(&ah.mu);
}

void
root_ahead_tree(const char *dir, const char *const *names, size_t nnames, unsigned max_depth,
		size_t max_dirs)
{
	struct ahead_walk *w;
	size_t k;

	pthread_mutex_lock(&ah.mu);
	if (!ahead_start()) {
		pthread_mutex_unlock(&ah.mu);
		return;
	}
	/* the walk of the last call, when it looks for the same */
	w = ah.walks;
	if (w && w->nnames == nnames && w->max_depth == max_depth && w->max_dirs == max_dirs) {
		for (k = 0; k < nnames && strcmp(w->names[k], names[k]) == 0; k++)
			;
		if (k < nnames)
			w = NULL;
	} else {
		w = NULL;
	}
	if (w == NULL) {
		w = xcalloc(1, sizeof(*w));
		w->max_depth = max_depth;
		w->max_dirs = max_dirs;
		w->nnames = nnames;
		w->names = xcalloc(nnames ? nnames : 1, sizeof(*w->names));
		for (k = 0; k < nnames; k++)
			w->names[k] = xstrdup(names[k]);
		w->next = ah.walks;
		ah.walks = w;
	}
	ahead_queue(AH_LIST, dir, w);
	pthread_cond_broadcast(&ah.cv);
	pthread_mutex_unlock(&ah.mu);
}

void
root_ahead_stop(void)
{
	size_t i;

	pthread_mutex_lock(&ah.mu);
	if (!ah.running) {
		pthread_mutex_unlock(&ah.mu);
		return;
	}
	ah.stop = true;
	pthread_cond_broadcast(&ah.cv);
	pthread_mutex_unlock(&ah.mu);
	pthread_join(ah.tid, NULL);
	pthread_mutex_lock(&ah.mu);
	atomic_store(&ah_on, false);
	ah.running = false;
	while (ah.spinning) /* another thread's reader, done once it looks again */
		pthread_cond_wait(&ah.cv, &ah.mu);
	for (i = 0; i < ah.nslot; i++)
		while (ah.slots[i]) {
			struct ahead *e = ah.slots[i];

			ah.slots[i] = e->chain;
			ahead_clear(e);
			free(e);
		}
	free(ah.slots);
	free(ah.queue);
	while (ah.walks) {
		struct ahead_walk *w = ah.walks;

		ah.walks = w->next;
		names_free(w->names, w->nnames);
		free(w);
	}
	while (ah.dirs) {
		struct ahead_dir *d = ah.dirs;

		ah.dirs = d->next;
		free(d);
	}
	ah.slots = NULL;
	ah.nslot = 0;
	ah.count = 0;
	ah.queue = NULL;
	ah.nq = 0;
	ah.qcap = 0;
	ah.qnext = 0;
	ah.held = 0;
	pthread_mutex_unlock(&ah.mu);
}

enum read_result
root_read(const char *path, char **data, size_t *len, char **err)
{
	struct ahead *e;
	enum read_result rr;

	if (!atomic_load(&ah_on) || (e = ahead_take(AH_READ, path)) == NULL)
		return read_direct(path, data, len, err);
	rr = e->rr;
	*data = e->data;
	*len = e->len;
	*err = e->err;
	free(e);
	return rr;
}

enum read_result
root_list_types(const char *path, char ***names, unsigned char **types, size_t *n, char **err)
{
	struct ahead *e;
	enum read_result rr;

	if (!atomic_load(&ah_on) || (e = ahead_take(AH_LIST, path)) == NULL)
		return list_types_direct(path, names, types, n, err, NULL);
	rr = e->rr;
	*names = e->names;
	*types = e->types;
	*n = e->n;
	*err = e->err;
	free(e);
	return rr;
}

/* ---- glob inside the root ---- */

bool
glob_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

struct glob_state {
	char **v;
	size_t n;
	size_t cap;
	char *err;
};

static void
glob_add(struct glob_state *g, char *path)
{
	if (g->err) {
		free(path);
		return;
	}
	if (g->n >= CAP_GLOB_MATCHES) {
		g->err = xasprintf("more than %u files match", CAP_GLOB_MATCHES);
		free(path);
		return;
	}
	VEC_PUSH(g->v, g->n, g->cap, path);
}

/* "a\*b" names the file "a*b": a literal component loses its escapes. */
static char *
unescape(const char *s)
{
	char *p = xmalloc(strlen(s) + 1);
	char *q = p;

	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*q++ = *s;
	}
	*q = '\0';
	return p;
}

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* Match the components comp[i..n) below dir. */
static void
glob_walk(struct glob_state *g, const char *dir, char **comp, size_t i, size_t ncomp)
{
	bool last = i + 1 == ncomp;
	enum read_result rr;
	char **names = NULL;
	size_t nn = 0;
	size_t k;
	char *err = NULL;

	if (g->err)
		return;
	if (i == ncomp) {
		glob_add(g, xstrdup(dir));
		return;
	}
	if (!glob_magic(comp[i])) {
		char *lit = unescape(comp[i]);
		char *next = join(dir, lit);

		free(lit);
		if (last ? root_exists(next) : true)
			glob_walk(g, next, comp, i + 1, ncomp);
		free(next);
		return;
	}
	rr = root_list(dir, &names, &nn, &err);
	if (rr == READ_FAILED) {
		/* a file matched mid-pattern is not a directory: no match there */
		if (strcmp(err, "not a directory") != 0)
			g->err = xasprintf("cannot list %s: %s", dir, err);
		free(err);
		return;
	}
	for (k = 0; k < nn && !g->err; k++) {
		char *next;

		if (fnmatch(comp[i], names[k], FNM_PERIOD) != 0)
			continue;
		next = join(dir, names[k]);
		if (last) {
			glob_add(g, next);
			continue;
		}
		glob_walk(g, next, comp, i + 1, ncomp);
		free(next);
	}
	names_free(names, nn);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum read_result
root_glob(const char *pattern, char ***out, size_t *n, char **err)
{
	struct glob_state g;
	char *copy = xstrdup(pattern);
	char **comp = NULL;
	size_t ncomp = 0;
	size_t cap = 0;
	char *save = NULL;
	char *tok;

	memset(&g, 0, sizeof(g));
	*out = NULL;
	*n = 0;
	*err = NULL;
	if (root_fd < 0 && !root_open("/")) {
		free(copy);
		*err = xasprintf("cannot open the root: %s", strerror(errno));
		return READ_FAILED;
	}
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
		VEC_PUSH(comp, ncomp, cap, tok);
	glob_walk(&g, "/", comp, 0, ncomp);
	free(comp);
	free(copy);
	if (g.err) {
		root_glob_free(g.v, g.n);
		*err = g.err;
		return READ_FAILED;
	}
	if (g.n > 1)
		qsort(g.v, g.n, sizeof(*g.v), cmp_str);
	*out = g.v;
	*n = g.n;
	return READ_OK;
}

void
root_glob_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
