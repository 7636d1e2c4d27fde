/* Reading the audited tree: every path is resolved inside --root (openat2
 * RESOLVE_IN_ROOT: "..", absolute symlinks and magic links cannot leave it),
 * only regular files are read, and every read has a size cap. */
#ifndef CFAUDIT_ROOT_H
#define CFAUDIT_ROOT_H

#include <stdbool.h>
#include <stddef.h>

/* Hard caps; hitting one is an input error, never a silent truncation. */
#define CAP_FILE_SIZE (256u * 1024 * 1024) /* one input file */
#define CAP_LINE_LEN (1024u * 1024)        /* one line of a text input */

enum read_result {
	READ_OK,
	READ_MISSING,   /* does not exist (discovery just moves on) */
	READ_FAILED     /* exists but cannot be read: *err says why */
};

/* Open the tree at dir ("/" for the running server). false with errno set. */
bool root_open(const char *dir);
void root_close(void);
const char *root_dir(void);

/* Read the file at path (as the audited server sees it, absolute) inside the
 * root. On READ_OK *data is NUL-terminated, *len excludes the NUL; a file
 * holding NUL bytes is still returned (parsers reject them with a line). */
enum read_result root_read(const char *path, char **data, size_t *len, char **err);

/* Read a file named on the command line (not inside the root): same checks. */
enum read_result host_read(const char *path, char **data, size_t *len, char **err);

/* Whether path exists inside the root (any type). */
bool root_exists(const char *path);

#endif
