/* The configuration file: .cfaudit.conf in the working directory, or
 * --config FILE. "key = value" lines ("#" comments, blank lines) giving
 * defaults for command-line options (the key is the option's long name);
 * the command line wins. */
#ifndef CFAUDIT_CONFIG_H
#define CFAUDIT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT ".cfaudit.conf"

struct config {
	const char *file;
	size_t n;
	char **argv;     /* "cfaudit", then "--key=value" per setting */
	unsigned *lines; /* the line of argv[i] */
};

/* Read and check file; false with *err ("file:line: message", to free) on
 * a line that is not a known key = value, or when it cannot be read. */
bool config_load(struct config *c, const char *file, char **err);
void config_free(struct config *c);

#endif
