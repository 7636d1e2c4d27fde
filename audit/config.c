/* The configuration file: parsed here into the options it stands for, so
 * that the command line's own parser checks every value the same way. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "root.h"
#include "util.h"

#define CAP_CONFIG_LINES 10000u

/* The keys a config file may set, sorted (bsearch); "path" values are
 * relative to the file's directory. The rest of the options are about one
 * run (inputs, outputs, --list-checks...) and stay on the command line. */
struct key {
	const char *name;
	bool path;
};

static const struct key keys[] = {
	{"aggregate", true},
	{"at", false},
	{"baseline", true},
	{"ca", true},
	{"cf-ack-timeout", false},
	{"cf-connect-timeout", false},
	{"cf-idle-timeout", false},
	{"cf-keepalive-interval", false},
	{"cf-read-timeout", false},
	{"cf-response-headers", false},
	{"cf-write-timeout", false},
	{"color", false},
	{"crl", true},
	{"dns", true},
	{"expiry-warn", false},
	{"fail-on", false},
	{"format", false},
	{"host-addr", false},
	{"ignore", false},
	{"jobs", false},
	{"output-dir", true},
	{"ports", false},
	{"public-iface", false},
	{"ranges", true},
	{"severity", false},
	{"ssl-mode", false},
};

static int
key_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct key *)e)->name);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

/* A relative path in the file is relative to the file. */
static char *
resolve(const char *file, const char *value)
{
	const char *slash = strrchr(file, '/');

	if (value[0] == '/' || slash == NULL)
		return xstrdup(value);
	return xasprintf("%.*s/%s", (int)(slash - file), file, value);
}

static void
push(struct config *c, char *arg, unsigned line)
{
	c->argv = xreallocarray(c->argv, c->n + 2, sizeof(*c->argv));
	c->lines = xreallocarray(c->lines, c->n + 2, sizeof(*c->lines));
	c->argv[c->n] = arg;
	c->lines[c->n] = line;
	c->n++;
	c->argv[c->n] = NULL;
}

/* One "key = value" line into c->argv; NULL or the problem. */
static char *
setting(struct config *c, char *text, unsigned line)
{
	char *eq = strchr(text, '=');
	const struct key *k;
	char *key;
	char *value;
	char *v;

	if (eq == NULL)
		return xstrdup("expected \"key = value\"");
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	if ((k = bsearch(key, keys, ARRAY_LEN(keys), sizeof(keys[0]), key_cmp)) == NULL)
		return xasprintf("unknown key \"%s\"", key);
	if (*value == '\0')
		return xasprintf("%s: no value", key);
	if (strcmp(key, "color") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return xasprintf("color: \"%s\" is not yes or no", value);
		push(c, xstrdup(strcmp(value, "yes") == 0 ? "--color" : "--no-color"), line);
		return NULL;
	}
	v = k->path ? resolve(c->file, value) : xstrdup(value);
	push(c, xasprintf("--%s=%s", key, v), line);
	free(v);
	return NULL;
}

/* Lines before the first NUL byte. */
static unsigned
count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

bool
config_load(struct config *c, const char *file, char **err)
{
	char *data = NULL;
	size_t len = 0;
	char *rerr = NULL;
	char *p;
	char *next;
	unsigned line = 0;

	memset(c, 0, sizeof(*c));
	c->file = file;
	push(c, xstrdup("cfaudit"), 0);
	switch (host_read(file, &data, &len, &rerr)) {
	case READ_OK:
		break;
	case READ_MISSING:
		*err = xasprintf("%s: no such file", file);
		return false;
	case READ_FAILED:
		*err = xasprintf("%s: %s", file, rerr);
		free(rerr);
		return false;
	}
	if (strlen(data) != len) {
		*err = xasprintf("%s:%u: a NUL byte", file, count_lines(data) + 1);
		free(data);
		return false;
	}
	for (p = data; *p; p = next) {
		char *problem = NULL;
		char *hash;
		char *text;

		if ((next = strchr(p, '\n')) != NULL)
			*next++ = '\0';
		else
			next = p + strlen(p);
		if (++line > CAP_CONFIG_LINES)
			problem = xasprintf("more than %u lines", CAP_CONFIG_LINES);
		if ((hash = strchr(p, '#')) != NULL)
			*hash = '\0';
		text = trim(p);
		if (problem == NULL && *text)
			problem = setting(c, text, line);
		if (problem) {
			*err = xasprintf("%s:%u: %s", file, line, problem);
			free(problem);
			free(data);
			return false;
		}
	}
	free(data);
	return true;
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c->lines);
	memset(c, 0, sizeof(*c));
}
