/* A Landlock sandbox for the audit itself: once the command line is read,
 * and before anything under the root is, the process gives up executing
 * programs, writing, creating, removing or renaming files (except the
 * reports it was asked to write) and TCP. A parser bug that a hostile
 * configuration could exploit then finds nothing to run and nothing to
 * write. Reading stays allowed (confinement of reads to the root is
 * root.c's openat2). On a kernel without Landlock nothing happens. */
#ifndef CFAUDIT_SANDBOX_H
#define CFAUDIT_SANDBOX_H

#include <stddef.h>

/* Enter the sandbox; the files in writable (NULL entries skipped) may still
 * be created or written, by their directories. The Landlock ABI version
 * enforced, 0 when the kernel has none (or refuses): nothing was done. */
int sandbox_enter(const char *const *writable, size_t n);

#endif
