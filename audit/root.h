/* Reading the audited tree: every path is resolved inside --root (openat2
 * RESOLVE_IN_ROOT: "..", absolute symlinks and magic links cannot leave it),
 * only regular files are read, and every read has a size cap. */
#ifndef CFAUDIT_ROOT_H
#define CFAUDIT_ROOT_H

#include <stdbool.h>
#include <stddef.h>

/* Hard caps; hitting one is an input error, never a silent truncation.
 * Each can be raised at build time: make CFLAGS="-O2 -g -DCAP_FILE_SIZE=..." */
#ifndef CAP_FILE_SIZE
#define CAP_FILE_SIZE (256u * 1024 * 1024) /* one input file */
#endif
#ifndef CAP_LINE_LEN
#define CAP_LINE_LEN (1024u * 1024)        /* one line of a text input */
#endif

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

/* The paths inside the root that the glob(3) pattern (absolute, as the
 * server sees it) matches, sorted as glob(3) sorts them (byte order, the C
 * locale); a leading "." is matched only explicitly. Directories are listed
 * through descriptors opened inside the root, so no match can leave it.
 * READ_OK with *n possibly 0; READ_FAILED (*err) past CAP_GLOB_MATCHES or
 * when a directory cannot be listed. Free with root_glob_free. */
#ifndef CAP_GLOB_MATCHES
#define CAP_GLOB_MATCHES 50000u
#endif
enum read_result root_glob(const char *pattern, char ***out, size_t *n, char **err);
void root_glob_free(char **v, size_t n);
/* Whether s holds a glob(3) metacharacter. */
bool glob_magic(const char *s);

/* The entries of directory path (inside the root, or on the host), sorted by
 * strcmp (the byte order firewalld's sorted(os.listdir()) gives for UTF-8
 * names), without "." and "..". READ_MISSING when it does not exist;
 * READ_FAILED (*err says why) when it is not a directory, cannot be read, or
 * holds more than CAP_DIR_ENTRIES entries. Free with names_free. */
#ifndef CAP_DIR_ENTRIES
#define CAP_DIR_ENTRIES 100000u
#endif
enum read_result root_list(const char *path, char ***names, size_t *n, char **err);
enum read_result host_list(const char *path, char ***names, size_t *n, char **err);
void names_free(char **names, size_t n);
/* root_list, and the type of each entry (types[i]): ENTRY_DIR, ENTRY_FILE
 * (a regular file), ENTRY_LINK (a symbolic link: walks do not follow it),
 * ENTRY_OTHER. Free types with free(). */
enum entry_type {
	ENTRY_OTHER,
	ENTRY_DIR,
	ENTRY_FILE,
	ENTRY_LINK
};
enum read_result root_list_types(const char *path, char ***names, unsigned char **types,
				 size_t *n, char **err);

/* Reading ahead: a parser names what it will read next and a helper
 * thread reads it meanwhile; root_read and root_list_types hand over the
 * result, the same as reading then (each result once). Only hints:
 * whatever the helper has not done is read by the caller. The files at
 * paths[0..n), in that order; regular[i]: a listing of dir just showed
 * paths[i] (dir/NAME) to be a regular file: */
void root_ahead_read(const char *dir, const char *const *paths, const bool *regular, size_t n);
/* The directory dir (ending in "/"), the files named names[] in it and,
 * recursively, its subdirectories "dir/sub/" (at most max_depth deep,
 * max_dirs directories in all), as a walk in name order lists and reads
 * them. */
void root_ahead_tree(const char *dir, const char *const *names, size_t nnames, unsigned max_depth,
		     size_t max_dirs);
/* Stop the helper and drop what nobody took (before root_close). */
void root_ahead_stop(void);

#endif
