/* Apache httpd configuration: read as httpd reads it, into the web model.
 *
 * Three stages, each callable alone:
 *  - the reader is ap_cfg_getline and ap_build_config: logical lines ("\"
 *    before the newline joins the next one), "#" comments only at the start
 *    of a line, ${VAR} from Define and the environment (Debian's envvars),
 *    words split as ap_getword_conf splits them, <Section> ... </Section>
 *    nesting with httpd's messages, and what httpd runs while it reads
 *    (EXEC_ON_READ): Include/IncludeOptional with wildcards and directories
 *    (inside the root), Define/UnDefine, LoadModule, ServerRoot, and the
 *    conditional sections <IfModule>, <IfDefine>, <IfVersion>, <IfFile>,
 *    <IfDirective>, <IfSection> (their contents kept or skipped);
 *  - the walk: a table of the directives the model needs, with the module
 *    that defines them and the contexts httpd allows them in; the main
 *    server, each <VirtualHost>, and the per-directory sections
 *    (<Directory>, <DirectoryMatch>, <Files>, <FilesMatch>, <Location>,
 *    <LocationMatch>, <If>, <Limit>), and .htaccess files where AllowOverride
 *    lets httpd read them;
 *  - the model: Listen sockets, the virtual hosts with their addresses
 *    (web_vhost_for follows vhost.c), and for each virtual host the scopes a
 *    request can land in with the settings httpd merges there (server
 *    settings from the main server, per-directory ones in httpd's order:
 *    <Directory> from / down with the .htaccess of each directory, regex
 *    directories, files, locations).
 * Directives httpd knows that the model does not need are kept in the tree
 * and not checked; directives of modules that are not loaded are httpd's
 * "Invalid command" errors when the reader knows which module they need. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apache.h"
#include "parse.h"
#include "root.h"
#include "suppress.h"
#include "util.h"
#include "web.h"

#define CAP_INCLUDE_DEPTH 32       /* httpd: 128 */
#define CAP_SECTION_DEPTH 64
#define CAP_ARGS 10000u            /* words in one directive */
#define HTACCESS_LINE_MAX 8192u    /* httpd's HUGE_STRING_LEN for .htaccess lines */
#define CAP_HTACCESS_DIRS 100000u  /* directories searched for .htaccess per tree */
#define CAP_HTACCESS_DEPTH 32
#define CAP_LIST_ENTRIES 1000000u  /* RemoteIP*ProxyList entries */

/* <IfVersion> is evaluated as this release (Debian 12's). */
#define APACHE_VERSION "2.4.62"
#define APACHE_MAJOR 2
#define APACHE_MINOR 4
#define APACHE_PATCH 62

/* ---- the reader's state ---- */

struct define {
	const char *name;
	const char *value; /* NULL: defined without a value */
};

struct amodule {
	const char *id;   /* "ssl_module" */
	const char *name; /* "mod_ssl.c" */
	struct loc loc;
};

/* A RemoteIP*ProxyList entry: read while httpd reads (EXEC_ON_READ), so it
 * belongs to the main server wherever it is written. */
struct listentry {
	struct web_addr_entry e;
	bool internal;
};

struct areader {
	struct origin *o;
	struct web *w;    /* the model */
	struct web *tree; /* an arena for the tree: freed after the walk */
	const char *server_root;
	size_t ndef;
	size_t def_cap;
	struct define *defs;
	size_t nenv;
	size_t env_cap;
	struct define *env;
	size_t nmod;
	size_t mod_cap;
	struct amodule *mods;
	size_t depth;
	const char *stack[CAP_INCLUDE_DEPTH + 1];
	size_t nlist;
	size_t list_cap;
	struct listentry *lists;
	struct loc list_loc;
	bool htaccess; /* reading a .htaccess file */
};

/* A file being read. */
struct asrc {
	struct areader *R;
	const char *file;
	struct input *in;
	const char *p;
	const char *end;
	unsigned line; /* the next physical line */
	size_t maxline;
	bool fatal;
};

struct alist {
	size_t n;
	struct anode *v;
};

static void __attribute__((format(printf, 3, 4)))
src_error(struct asrc *s, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(s->in, line, "%s", msg);
	free(msg);
}

static void __attribute__((format(printf, 2, 3)))
node_error(const struct anode *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(n->in, n->loc.line, "%s", msg);
	free(msg);
}

/* Every file read is an input of its own, so errors name it. */
static struct input *
file_input(struct areader *R, const char *name)
{
	struct origin *o = R->o;
	const char *f = intern(name);
	size_t i;

	for (i = 0; i < o->ninput; i++)
		if (o->inputs[i]->kind == IN_APACHE && o->inputs[i]->file == f)
			return o->inputs[i];
	return origin_add_input(o, IN_APACHE, f);
}

/* ---- names of modules and directives ---- */

/* The module's name as <IfModule> also knows it (its source file): the
 * identifier X_module is mod_X.c, but mpm_X_module is X.c and two core
 * modules have their own. */
static const char *
module_source_name(struct areader *R, const char *id)
{
	size_t n = strlen(id);
	char *tmp;
	const char *r;

	if (strcmp(id, "core_module") == 0)
		return "core.c";
	if (strcmp(id, "http_module") == 0)
		return "http_core.c";
	if (n > 7 && strcmp(id + n - 7, "_module") == 0) {
		if (strncmp(id, "mpm_", 4) == 0)
			tmp = xasprintf("%.*s.c", (int)(n - 11), id + 4);
		else
			tmp = xasprintf("mod_%.*s.c", (int)(n - 7), id);
		r = web_strdup(R->tree, tmp);
		free(tmp);
		return r;
	}
	return web_strdup(R->tree, id);
}

/* Compiled into Debian's apache2 ("apache2 -l"). */
static const char *const static_modules[] = {
	"core_module",       "so_module",      "watchdog_module", "http_module",
	"log_config_module", "logio_module",   "version_module",  "unixd_module",
};

static void
add_module(struct areader *R, const char *id, struct loc loc)
{
	struct amodule m;

	m.id = web_strdup(R->tree, id);
	m.name = module_source_name(R, id);
	m.loc = loc;
	VEC_PUSH(R->mods, R->nmod, R->mod_cap, m);
}

static const struct amodule *
find_module(const struct areader *R, const char *name)
{
	size_t i;

	for (i = 0; i < R->nmod; i++)
		if (strcmp(R->mods[i].id, name) == 0 || strcmp(R->mods[i].name, name) == 0)
			return &R->mods[i];
	return NULL;
}

static bool
module_loaded(const struct areader *R, const char *id)
{
	return id == NULL || find_module(R, id) != NULL;
}

static struct define *
find_define(struct define *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static void
set_define(struct areader *R, struct define **v, size_t *n, size_t *cap, const char *name,
	   const char *value)
{
	struct define *d = find_define(*v, *n, name);
	struct define nd;

	if (d) {
		if (value)
			d->value = web_strdup(R->tree, value);
		return;
	}
	nd.name = web_strdup(R->tree, name);
	nd.value = value ? web_strdup(R->tree, value) : NULL;
	VEC_PUSH(*v, *n, *cap, nd);
}

/* ap_resolve_env: ${NAME} is a Define's value, else the environment's;
 * left as written when neither has it (httpd only warns). */
static char *
resolve_env(struct areader *R, const char *line)
{
	struct buf b = {NULL, 0, 0};
	const char *p = line;
	const char *d;

	if (strchr(line, '$') == NULL)
		return xstrdup(line);
	while ((d = strchr(p, '$')) != NULL) {
		const char *e;

		buf_add(&b, p, (size_t)(d - p));
		if (d[1] == '{' && (e = strchr(d + 2, '}')) != NULL) {
			char *name = xstrndup(d + 2, (size_t)(e - d - 2));
			struct define *v = find_define(R->defs, R->ndef, name);

			if (v == NULL || v->value == NULL)
				v = find_define(R->env, R->nenv, name);
			if (v && v->value)
				buf_adds(&b, v->value);
			else
				buf_add(&b, d, (size_t)(e - d + 1));
			free(name);
			p = e + 1;
		} else {
			buf_add(&b, d, 1);
			p = d + 1;
		}
	}
	buf_adds(&b, p);
	return buf_take(&b);
}

/* ---- lines and words ---- */

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* One logical line (ap_varbuf_cfg_getline): a physical line ending in "\"
 * (before its CR LF) goes on with the next one, the backslash removed;
 * leading and trailing white space goes. *first: its first physical line.
 * false at the end of the file, or on a fatal error. */
static bool
read_line(struct asrc *s, struct buf *b, unsigned *first)
{
	size_t start;
	size_t end;

	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
	if (s->fatal || s->p >= s->end)
		return false;
	*first = s->line;
	for (;;) {
		const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
		const char *eol = nl ? nl : s->end;
		const char *e = eol;
		bool more = false;

		if (memchr(s->p, '\0', (size_t)(eol - s->p))) {
			src_error(s, s->line, "a NUL byte: not an Apache configuration file");
			s->fatal = true;
			return false;
		}
		if (nl) {
			if (e > s->p && e[-1] == '\r')
				e--;
			if (e > s->p && e[-1] == '\\') {
				e--;
				more = true;
			}
		}
		if (b->len + (size_t)(e - s->p) > s->maxline) {
			src_error(s, s->line, "a line longer than %zu bytes", s->maxline);
			s->fatal = true;
			return false;
		}
		buf_add(b, s->p, (size_t)(e - s->p));
		s->p = nl ? nl + 1 : s->end;
		if (nl)
			s->line++;
		if (!more || s->p >= s->end)
			break;
	}
	if (b->p == NULL)
		buf_add(b, "", 0);
	for (start = 0; start < b->len && is_space((unsigned char)b->p[start]); start++)
		;
	for (end = b->len; end > start && is_space((unsigned char)b->p[end - 1]); end--)
		;
	memmove(b->p, b->p + start, end - start);
	b->len = end - start;
	b->p[b->len] = '\0';
	return true;
}

/* ap_getword_conf: a word, or a quoted string ("\" escapes the quote and
 * itself in it; "\\" is "\" outside quotes too). NULL at the end. */
static char *
get_word(const char **line)
{
	const char *s = *line;
	const char *e;
	char quote = 0;
	char *out;
	char *d;

	while (is_space((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*line = s;
		return NULL;
	}
	if (*s == '"' || *s == '\'') {
		quote = *s++;
		for (e = s; *e && *e != quote; e++)
			if (*e == '\\' && (e[1] == quote || e[1] == '\\'))
				e++;
	} else {
		for (e = s; *e && !is_space((unsigned char)*e); e++)
			;
	}
	out = xmalloc((size_t)(e - s) + 1);
	for (d = out; s < e; s++) {
		if (*s == '\\' && s + 1 < e && (s[1] == '\\' || (quote && s[1] == quote)))
			s++;
		*d++ = *s;
	}
	*d = '\0';
	if (quote && *e == quote)
		e++;
	while (is_space((unsigned char)*e))
		e++;
	*line = e;
	return out;
}

/* All the words of text into the tree's arena. */
static size_t
split_words(struct areader *R, const char *text, const char ***argv)
{
	const char **v = NULL;
	size_t n = 0;
	size_t cap = 0;
	char *w;
	const char *p = text;
	size_t i;

	while (n < CAP_ARGS && (w = get_word(&p)) != NULL) {
		VEC_PUSH(v, n, cap, w);
	}
	*argv = web_alloc(R->tree, (n ? n : 1) * sizeof(**argv));
	for (i = 0; i < n; i++) {
		(*argv)[i] = web_strdup(R->tree, v[i]);
		free((char *)v[i]);
	}
	free(v);
	return n;
}

/* ---- the tree ---- */

enum end_kind {
	END_EOF,
	END_CLOSED,
	END_FATAL
};

static enum end_kind read_list(struct asrc *s, struct alist *out, const char *close,
			       unsigned depth, bool spliced);

static struct anode *
add_node(struct asrc *s, struct alist *out, const char *name, const char *args, unsigned line,
	 bool section)
{
	struct areader *R = s->R;
	struct anode *n = web_push(R->tree, (void **)&out->v, &out->n, sizeof(*n));

	n->name = web_strdup(R->tree, name);
	n->args = web_strdup(R->tree, args);
	n->argc = split_words(R, args, &n->argv);
	n->loc.file = s->file;
	n->loc.line = line;
	n->in = s->in;
	n->section = section;
	return n;
}

/* ap_soak_end_container: skip a section whose condition is false, nested
 * sections and all, up to its "</name>". */
static void
soak(struct asrc *s, const char *name, unsigned open_line)
{
	struct buf b = {NULL, 0, 0};
	unsigned line;

	while (read_line(s, &b, &line)) {
		const char *p = b.p;
		char *w = get_word(&p);
		size_t n;

		if (w == NULL || w[0] != '<') {
			free(w);
			continue;
		}
		n = strlen(w);
		if (w[1] == '/') {
			w[n - 1] = '\0';
			if (strcasecmp(w + 2, name) != 0)
				src_error(s, line, "Expected </%s> but saw %s>", name, w);
			free(w);
			buf_free(&b);
			return;
		}
		if (*p == '\0' && w[n - 1] == '>')
			w[n - 1] = '\0';
		soak(s, w + 1, line);
		free(w);
		if (s->fatal)
			break;
	}
	buf_free(&b);
	if (!s->fatal)
		src_error(s, open_line, "Expected </%s> before end of configuration", name);
}

/* ---- EXEC_ON_READ: includes ---- */

static void read_file(struct asrc *s, unsigned line, const char *path, struct alist *out,
		      unsigned depth);

static char *
root_relative(const struct areader *R, const char *name)
{
	if (name[0] == '/')
		return xstrdup(name);
	return xasprintf("%s%s%s", R->server_root,
			 strcmp(R->server_root, "/") == 0 ? "" : "/", name);
}

static char *
join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

static bool
is_directory(const char *path)
{
	char **names = NULL;
	size_t n = 0;
	char *err = NULL;
	bool dir = root_list(path, &names, &n, &err) == READ_OK;

	names_free(names, n);
	free(err);
	return dir;
}

struct incl {
	struct asrc *s;
	unsigned line;
	bool optional;
	struct alist *out;
	unsigned depth;
	unsigned dirs; /* directory nesting (AP_MAX_FNMATCH_DIR_DEPTH) */
	bool failed;
};

/* ap_dir_nofnmatch: a directory is every entry of it (dot files too),
 * sorted, recursively; a file is read. */
static void
include_plain(struct incl *I, const char *path)
{
	char **names = NULL;
	size_t n = 0;
	char *err = NULL;
	size_t i;
	enum read_result rr = root_list(path, &names, &n, &err);

	if (rr == READ_OK) {
		if (++I->dirs > CAP_INCLUDE_DEPTH) {
			src_error(I->s, I->line,
				  "Include/IncludeOptional: Directory '%s' exceeds the maximum include "
				  "directory nesting level of %u. You have probably a recursion "
				  "somewhere.",
				  path, CAP_INCLUDE_DEPTH);
			I->failed = true;
		}
		for (i = 0; i < n && !I->failed; i++) {
			char *sub = join_path(path, names[i]);

			include_plain(I, sub);
			free(sub);
		}
		I->dirs--;
		names_free(names, n);
		return;
	}
	free(err);
	if (I->optional && !root_exists(path))
		return;
	read_file(I->s, I->line, path, I->out, I->depth);
}

/* ap_dir_fnmatch: the components of pattern below dir; a wildcard matches
 * names (a leading "." only explicitly), a component that is not the last
 * only directories; no match fails an Include. */
static void
include_fnmatch(struct incl *I, const char *dir, const char *rest)
{
	const char *slash = strchr(rest, '/');
	char *comp = slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
	const char *next = slash ? slash + 1 : NULL;
	char **names = NULL;
	size_t n = 0;
	char *err = NULL;
	enum read_result rr;
	size_t i;
	size_t matched = 0;

	if (*comp == '\0' && next) {
		/* "//": the same directory */
		include_fnmatch(I, dir, next);
		free(comp);
		return;
	}
	if (!glob_magic(comp)) {
		char *path = join_path(dir, comp);

		if (next)
			include_fnmatch(I, path, next);
		else
			include_plain(I, path);
		free(path);
		free(comp);
		return;
	}
	rr = root_list(dir, &names, &n, &err);
	if (rr != READ_OK) {
		if (!(I->optional && rr == READ_MISSING)) {
			src_error(I->s, I->line, "Include/IncludeOptional: Could not open directory %s: %s",
				  dir, rr == READ_MISSING ? "No such file or directory" : err);
			I->failed = true;
		}
		free(err);
		free(comp);
		return;
	}
	for (i = 0; i < n && !I->failed; i++) {
		char *path;

		if (fnmatch(comp, names[i], FNM_PERIOD) != 0)
			continue;
		path = join_path(dir, names[i]);
		if (next && !is_directory(path)) {
			free(path);
			continue;
		}
		matched++;
		if (next)
			include_fnmatch(I, path, next);
		else
			include_plain(I, path);
		free(path);
	}
	if (matched == 0 && !I->optional && !I->failed) {
		src_error(I->s, I->line,
			  "Include/IncludeOptional: No matches for the wildcard '%s' in '%s', failing",
			  comp, dir);
		I->failed = true;
	}
	names_free(names, n);
	free(comp);
}

static void
x_include(struct asrc *s, const char *name, const char *args, unsigned line, struct alist *out,
	  unsigned depth)
{
	struct areader *R = s->R;
	const char *p = args;
	char *arg = get_word(&p);
	char *path;
	struct incl I;

	if (R->htaccess) {
		src_error(s, line, "%s not allowed here", name);
		free(arg);
		return;
	}
	if (arg == NULL || *p != '\0') {
		src_error(s, line, "%s takes one argument, Name(s) of the config file(s) to be "
			  "included", name);
		free(arg);
		return;
	}
	memset(&I, 0, sizeof(I));
	I.s = s;
	I.line = line;
	I.optional = strcasecmp(name, "IncludeOptional") == 0;
	I.out = out;
	I.depth = depth;
	path = root_relative(R, arg);
	if (!glob_magic(path))
		include_plain(&I, path);
	else
		include_fnmatch(&I, "/", path + 1);
	free(path);
	free(arg);
}

/* ---- EXEC_ON_READ: the rest ---- */

static void
x_define(struct asrc *s, const char *name, const char *args, unsigned line)
{
	struct areader *R = s->R;
	const char **argv;
	size_t argc = split_words(R, args, &argv);
	bool def = strcasecmp(name, "Define") == 0;
	size_t i;

	if (R->htaccess) {
		src_error(s, line, "%s cannot occur within htaccess files", name);
		return;
	}
	if (def ? argc < 1 || argc > 2 : argc != 1) {
		src_error(s, line, def ? "%s takes one or two arguments, Define a variable, "
					 "optionally to a value.  Same as passing -D to the "
					 "command line."
				       : "%s takes one argument, Undefine the existence of a "
					 "variable. Undo a Define.",
			  name);
		return;
	}
	if (strchr(argv[0], ':')) {
		src_error(s, line, "Variable name must not contain ':'");
		return;
	}
	if (def) {
		set_define(R, &R->defs, &R->ndef, &R->def_cap, argv[0], argc == 2 ? argv[1] : NULL);
		return;
	}
	for (i = 0; i < R->ndef; i++)
		if (strcmp(R->defs[i].name, argv[0]) == 0) {
			R->defs[i] = R->defs[--R->ndef];
			break;
		}
}

static void
x_loadmodule(struct asrc *s, const char *name, const char *args, unsigned line)
{
	struct areader *R = s->R;
	const char **argv;
	size_t argc = split_words(R, args, &argv);

	if (R->htaccess) {
		src_error(s, line, "%s not allowed here", name);
		return;
	}
	if (argc != 2) {
		src_error(s, line, "%s takes two arguments, a module name and the name of a shared "
			  "object file to load it from", name);
		return;
	}
	/* a second LoadModule of a module is skipped with a warning */
	if (find_module(R, argv[0]) == NULL)
		add_module(R, argv[0], (struct loc){s->file, line});
}

static void
x_serverroot(struct asrc *s, const char *name, const char *args, unsigned line)
{
	struct areader *R = s->R;
	const char **argv;
	size_t argc = split_words(R, args, &argv);
	size_t n;
	char *p;

	if (R->htaccess) {
		src_error(s, line, "%s not allowed here", name);
		return;
	}
	if (argc != 1) {
		src_error(s, line, "%s takes one argument, Common directory of server-related files "
			  "(logs, confs, etc.)", name);
		return;
	}
	p = root_relative(R, argv[0]);
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	if (!is_directory(p))
		src_error(s, line, "ServerRoot must be a valid directory");
	else
		R->server_root = web_strdup(R->tree, p);
	free(p);
}

/* RemoteIPTrustedProxyList / RemoteIPInternalProxyList FILE: addresses,
 * one or more a line, "#" comments. */
static void
x_proxylist(struct asrc *s, const char *name, const char *args, unsigned line)
{
	struct areader *R = s->R;
	const char **argv;
	size_t argc = split_words(R, args, &argv);
	bool internal = strcasecmp(name, "RemoteIPInternalProxyList") == 0;
	char *path;
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	struct input *in;
	const char *p;
	unsigned ln = 1;

	if (R->htaccess) {
		src_error(s, line, "%s not allowed here", name);
		return;
	}
	if (!module_loaded(R, "remoteip_module")) {
		src_error(s, line, "Invalid command '%s', perhaps misspelled or defined by a module "
			  "not included in the server configuration", name);
		return;
	}
	if (argc != 1) {
		src_error(s, line, "%s takes one argument", name);
		return;
	}
	path = root_relative(R, argv[0]);
	switch (root_read(path, &data, &len, &err)) {
	case READ_OK:
		break;
	case READ_MISSING:
		src_error(s, line, "%s: Could not open %s: No such file or directory", name, path);
		free(path);
		return;
	case READ_FAILED:
		src_error(s, line, "%s: Could not open %s: %s", name, path, err);
		free(err);
		free(path);
		return;
	}
	in = file_input(R, path);
	if (R->nlist == 0)
		R->list_loc = (struct loc){s->file, line};
	for (p = data; p < data + len; ln++) {
		const char *nl = memchr(p, '\n', (size_t)(data + len - p));
		size_t ll = (size_t)((nl ? nl : data + len) - p);
		char *l;
		const char *q;
		char *w;

		if (memchr(p, '\0', ll)) {
			input_error(in, ln, "a NUL byte: not an address list");
			break;
		}
		l = xstrndup(p, ll);
		q = l;
		while ((w = get_word(&q)) != NULL) {
			struct listentry le;

			if (w[0] == '#') {
				free(w);
				break;
			}
			memset(&le, 0, sizeof(le));
			le.internal = internal;
			le.e.text = web_strdup(R->w, w);
			le.e.loc = (struct loc){in->file, ln};
			if (!apache_ipsubnet(w, &le.e.cidr))
				input_error(in, ln, "%s: Error parsing %s as %s proxy", name, w,
					    internal ? "internal" : "trusted");
			else if (R->nlist >= CAP_LIST_ENTRIES)
				input_error(in, ln, "more than %u addresses", CAP_LIST_ENTRIES);
			else
				VEC_PUSH(R->lists, R->nlist, R->list_cap, le);
			free(w);
		}
		free(l);
		p = nl ? nl + 1 : data + len;
	}
	suppress_scan(in, data, len);
	free(data);
	free(path);
}

/* ---- conditional sections ---- */

static bool
version_cmp_ok(const char *op, const char *ver)
{
	int maj = 0;
	int min = 0;
	int pat = 0;
	int c;
	int have;
	long long mine = (long long)APACHE_MAJOR * 1000000 + APACHE_MINOR * 1000 + APACHE_PATCH;
	long long want;

	have = sscanf(ver, "%d.%d.%d", &maj, &min, &pat);
	if (have < 1)
		return false;
	want = (long long)maj * 1000000 + (long long)min * 1000 + pat;
	/* a version without a patch level compares on what it gives */
	if (have == 1)
		mine = (long long)APACHE_MAJOR * 1000000;
	else if (have == 2)
		mine = (long long)APACHE_MAJOR * 1000000 + APACHE_MINOR * 1000;
	c = mine < want ? -1 : mine > want;
	if (strcmp(op, "=") == 0 || strcmp(op, "==") == 0)
		return c == 0;
	if (strcmp(op, ">") == 0)
		return c > 0;
	if (strcmp(op, ">=") == 0)
		return c >= 0;
	if (strcmp(op, "<") == 0)
		return c < 0;
	if (strcmp(op, "<=") == 0)
		return c <= 0;
	return false;
}

static bool
version_re_ok(const char *re)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	pcre2_match_data *md;
	int rc;

	if (c == NULL)
		return false;
	md = pcre2_match_data_create_from_pattern(c, NULL);
	rc = pcre2_match(c, (PCRE2_SPTR)APACHE_VERSION, strlen(APACHE_VERSION), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(c);
	return rc >= 0;
}

/* <IfVersion [[!]op] version>: mod_version is compiled in. */
static int
test_ifversion(struct asrc *s, unsigned line, const char *args)
{
	const char **argv;
	size_t argc = split_words(s->R, args, &argv);
	const char *op = "=";
	const char *ver;
	bool neg = false;
	bool ok;

	if (argc == 0 || argc > 2) {
		src_error(s, line, "<IfVersion> directive requires additional arguments");
		return -1;
	}
	if (argc == 2)
		op = argv[0];
	ver = argv[argc - 1];
	if (op[0] == '!') {
		neg = true;
		op++;
	}
	if (argc == 1 && ver[0] == '/' && strlen(ver) > 1 && ver[strlen(ver) - 1] == '/') {
		char *re = xstrndup(ver + 1, strlen(ver) - 2);

		ok = version_re_ok(re);
		free(re);
	} else if (strcmp(op, "~") == 0) {
		ok = version_re_ok(ver);
	} else if (strcmp(op, "=") == 0 || strcmp(op, "==") == 0 || strcmp(op, ">") == 0 ||
		   strcmp(op, ">=") == 0 || strcmp(op, "<") == 0 || strcmp(op, "<=") == 0) {
		if (ver[0] == '/') {
			char *re = xstrndup(ver + 1, strlen(ver) > 1 ? strlen(ver) - 2 : 0);

			ok = version_re_ok(re);
			free(re);
		} else {
			ok = version_cmp_ok(op, ver);
		}
	} else {
		src_error(s, line, "unrecognized operator '%s'", op);
		return -1;
	}
	return ok != neg;
}

static bool directive_known(const struct areader *R, const char *name);

/* The condition of <IfModule>, <IfDefine>, <IfFile>, <IfDirective> and
 * <IfSection> (a leading "!" negates it): 1 true, 0 false, -1 an error. */
static int
test_cond(struct asrc *s, const char *name, const char *args, unsigned line)
{
	struct areader *R = s->R;
	const char *p = args;
	bool neg = false;
	char *arg;
	bool r;

	if (strcasecmp(name, "IfVersion") == 0)
		return test_ifversion(s, line, args);
	if (*p == '!') {
		neg = true;
		p++;
	}
	arg = get_word(&p);
	if (arg == NULL || arg[0] == '\0') {
		src_error(s, line, "<%s> directive requires additional arguments", name);
		free(arg);
		return -1;
	}
	if (strcasecmp(name, "IfModule") == 0) {
		size_t i;

		r = find_module(R, arg) != NULL;
		for (i = 0; !r && i < ARRAY_LEN(static_modules); i++)
			r = strcmp(arg, static_modules[i]) == 0 ||
			    strcmp(arg, module_source_name(R, static_modules[i])) == 0;
	} else if (strcasecmp(name, "IfDefine") == 0) {
		r = find_define(R->defs, R->ndef, arg) != NULL;
	} else if (strcasecmp(name, "IfFile") == 0) {
		char *path = root_relative(R, arg);

		r = root_exists(path);
		free(path);
	} else if (strcasecmp(name, "IfDirective") == 0) {
		r = directive_known(R, arg);
	} else {
		char *sec = xasprintf("<%s", arg);

		r = directive_known(R, sec);
		free(sec);
	}
	free(arg);
	return r != neg;
}

static const char *const cond_sections[] = {
	"IfDefine", "IfDirective", "IfFile", "IfModule", "IfSection", "IfVersion",
};

static bool
is_cond_section(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(cond_sections); i++)
		if (strcasecmp(name, cond_sections[i]) == 0)
			return true;
	return false;
}

/* ---- reading a list of directives ---- */

/* A "<Name args>" line: the section, or a conditional one run now. */
static enum end_kind
read_section(struct asrc *s, struct alist *out, const char *word, const char *rest, unsigned line,
	     unsigned depth)
{
	const char *name = word + 1;
	const char *gt;
	char *args;
	struct anode *n;
	struct alist kids = {0, NULL};
	enum end_kind k;

	/* "<Foo>" has no arguments; the ">" ends the last one otherwise */
	gt = strrchr(rest, '>');
	if (gt == NULL) {
		src_error(s, line, "<%s> directive missing closing '>'", name);
		args = xstrdup(rest);
	} else {
		args = xstrndup(rest, (size_t)(gt - rest));
	}
	if (depth + 1 > CAP_SECTION_DEPTH) {
		src_error(s, line, "sections nested deeper than %u", CAP_SECTION_DEPTH);
		s->fatal = true;
		free(args);
		return END_FATAL;
	}
	if (is_cond_section(name)) {
		int t = test_cond(s, name, args, line);

		free(args);
		if (t > 0)
			return read_list(s, out, name, depth + 1, true) == END_FATAL ? END_FATAL
										     : END_CLOSED;
		soak(s, name, line);
		return s->fatal ? END_FATAL : END_CLOSED;
	}
	n = add_node(s, out, name, args, line, true);
	(void)n;
	free(args);
	k = read_list(s, &kids, name, depth + 1, false);
	n = &out->v[out->n - 1];
	n->child = kids.v;
	n->nchild = kids.n;
	if (k == END_EOF) {
		src_error(s, line, "<%s> was not closed.", name);
		return END_EOF;
	}
	return k;
}

/* A "</Name>" line: whether it ends the list being read (httpd's messages
 * when it does not fit). */
static bool
close_tag(struct asrc *s, unsigned line, char *word, const char *close, bool spliced)
{
	size_t wl = strlen(word);

	if (close == NULL) {
		src_error(s, line, "%s without matching <%s section", word, word + 2);
		return false;
	}
	if (spliced) {
		if (wl > 2 && word[wl - 1] == '>' && strncasecmp(word + 2, close, wl - 3) == 0 &&
		    strlen(close) == wl - 3)
			return true;
		src_error(s, line, "%s without matching <%s section", word, word + 2);
		return false;
	}
	if (word[wl - 1] != '>') {
		src_error(s, line, "%s> directive missing closing '>'", word);
		return true;
	}
	word[wl - 1] = '\0';
	if (strcasecmp(word + 2, close) != 0)
		src_error(s, line, "Expected </%s> but saw %s>", close, word);
	return true;
}

/* Read directives into out until the end of the file (close NULL) or the
 * line "</close>". spliced: the contents of a conditional section, which
 * end only at their own "</close>" and go into the enclosing list. */
static enum end_kind
read_list(struct asrc *s, struct alist *out, const char *close, unsigned depth, bool spliced)
{
	struct buf b = {NULL, 0, 0};
	unsigned line;
	enum end_kind k = END_EOF;

	while (read_line(s, &b, &line)) {
		char *l;
		const char *p;
		char *word;
		size_t wl;

		if (b.p[0] == '#' || b.p[0] == '\0')
			continue;
		l = resolve_env(s->R, b.p);
		p = l;
		word = get_word(&p);
		if (word == NULL) {
			free(l);
			continue;
		}
		wl = strlen(word);
		if (word[0] == '<' && word[1] == '/') {
			bool closes = close_tag(s, line, word, close, spliced);

			free(word);
			free(l);
			if (closes) {
				k = END_CLOSED;
				break;
			}
			continue;
		}
		if (word[0] == '<') {
			/* "<Foo>" alone: the name loses its ">" */
			if (*p == '\0' && wl > 1 && word[wl - 1] == '>')
				word[--wl] = '\0';
			k = read_section(s, out, word, *p ? p : ">", line, depth);
			free(word);
			free(l);
			if (k == END_FATAL)
				break;
			k = END_EOF;
			continue;
		}
		if (strcasecmp(word, "Include") == 0 || strcasecmp(word, "IncludeOptional") == 0)
			x_include(s, word, p, line, out, depth);
		else if (strcasecmp(word, "Define") == 0 || strcasecmp(word, "UnDefine") == 0)
			x_define(s, word, p, line);
		else if (strcasecmp(word, "LoadModule") == 0)
			x_loadmodule(s, word, p, line);
		else if (strcasecmp(word, "ServerRoot") == 0)
			x_serverroot(s, word, p, line);
		else if (strcasecmp(word, "RemoteIPTrustedProxyList") == 0 ||
			 strcasecmp(word, "RemoteIPInternalProxyList") == 0)
			x_proxylist(s, word, p, line);
		else
			add_node(s, out, word, p, line, false);
		free(word);
		free(l);
	}
	buf_free(&b);
	if (s->fatal)
		return END_FATAL;
	return k;
}

static void
read_data(struct areader *R, const char *name, struct input *in, const char *data, size_t len,
	  struct alist *out, unsigned depth)
{
	struct asrc s;

	memset(&s, 0, sizeof(s));
	s.R = R;
	s.file = intern(name);
	s.in = in;
	s.p = data;
	s.end = data + len;
	s.line = 1;
	s.maxline = R->htaccess ? HTACCESS_LINE_MAX : CAP_LINE_LEN;
	R->stack[R->depth++] = s.file;
	read_list(&s, out, NULL, depth, false);
	R->depth--;
}

/* An included file, read where the Include is. */
static void
read_file(struct asrc *s, unsigned line, const char *path, struct alist *out, unsigned depth)
{
	struct areader *R = s->R;
	const char *f = intern(path);
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	struct input *in;
	size_t i;

	for (i = 0; i < R->depth; i++)
		if (R->stack[i] == f) {
			/* httpd recurses until its depth cap */
			src_error(s, line, "Exceeded maximum include depth of %u, There appears to "
				  "be a recursion. (%s includes itself)", CAP_INCLUDE_DEPTH, path);
			return;
		}
	if (R->depth > CAP_INCLUDE_DEPTH) {
		src_error(s, line, "Exceeded maximum include depth of %u, There appears to be a "
			  "recursion.", CAP_INCLUDE_DEPTH);
		return;
	}
	switch (root_read(path, &data, &len, &err)) {
	case READ_OK:
		in = file_input(R, path);
		read_data(R, path, in, data, len, out, depth);
		suppress_scan(in, data, len);
		free(data);
		break;
	case READ_MISSING:
		src_error(s, line, "Could not open configuration file %s: No such file or directory",
			  path);
		break;
	case READ_FAILED:
		src_error(s, line, "Could not open configuration file %s: %s", path, err);
		free(err);
		break;
	}
}

/* ---- the walk: contexts and configurations ---- */

enum actx {
	AX_MAIN,
	AX_VHOST,
	AX_DIR,      /* <Directory>, <DirectoryMatch> */
	AX_LOC,      /* <Location>, <LocationMatch> */
	AX_FILES,    /* <Files>, <FilesMatch> */
	AX_IF,       /* <If>, <ElseIf>, <Else> */
	AX_PROXY,    /* <Proxy>, <ProxyMatch> */
	AX_HTACCESS, /* a .htaccess file */
	AX_LIMIT,    /* <Limit>, <LimitExcept> */
	AX_AUTHZ     /* <RequireAll>, <RequireAny>, <RequireNone> */
};

#define CX(x) (1u << (x))
#define C_SRV (CX(AX_MAIN) | CX(AX_VHOST))
#define C_SEC (CX(AX_DIR) | CX(AX_LOC) | CX(AX_FILES) | CX(AX_IF) | CX(AX_PROXY))
#define C_DIRS (C_SEC | CX(AX_HTACCESS) | CX(AX_LIMIT))

/* What AllowOverride lets a .htaccess file hold (httpd's OR_* bits). */
enum {
	OV_LIMIT = 1,
	OV_OPTIONS = 2,
	OV_FILEINFO = 4,
	OV_AUTHCFG = 8,
	OV_INDEXES = 16,
	OV_ALL = 31
};

enum dkind {
	DS_SERVER, /* per-directory directives at server level */
	DS_DIR,
	DS_DIRMATCH,
	DS_FILES,
	DS_FILESMATCH,
	DS_LOC,
	DS_LOCMATCH,
	DS_IF,
	DS_LIMIT, /* <Limit>/<LimitExcept> that does not cover GET */
	DS_PROXY,
	DS_HTACCESS
};

/* A handler that sends requests to a backend. */
struct handler {
	enum web_backend backend;
	const char *target; /* URL, socket */
	const char *name;   /* the directive */
	struct loc loc;
	long long timeout;  /* ms; -1: the server's ProxyTimeout/Timeout */
	const char *timeout_name;
	struct loc timeout_loc;
	bool fcgid;         /* mod_fcgid: FcgidIOTimeout */
};

struct vconf;

/* A per-directory section (or .htaccess file) and what it sets. */
struct dsec {
	enum dkind kind;
	const char *path;  /* directory (with a trailing "/"), location, file name, regex */
	void *re;          /* the compiled regex of the *Match forms and "~" */
	bool wild;         /* a wildcard path (fnmatch) */
	size_t ncomp;      /* directories: the number of "/" (httpd sorts on it) */
	const char *label; /* "<Directory /var/www/>" */
	struct loc loc;
	struct dsec *parent;
	struct vconf *srv;
	size_t order;
	struct aaccess acc;
	bool ao_set;
	unsigned ao;
	size_t naol;
	const char **aol;
	struct loc ao_loc;
	const char *ao_text;
	struct handler h; /* backend NONE: no handler set here */
	bool h_set;
	size_t nkid;
	struct dsec **kids; /* <Files>, <If>, <Limit> inside */
	bool get;           /* DS_LIMIT: whether its methods include GET */
};

/* ProxyPass and ProxyPassMatch. */
struct ppass {
	const char *path; /* NULL: inside a <Location> */
	void *re;         /* ProxyPassMatch */
	bool exclude;     /* "!" */
	struct handler h;
	struct loc loc;
	const char *text;
};

/* A worker's timeout (ProxySet, <Proxy URL> ProxySet). */
struct pworker {
	const char *url;
	long long timeout;
	struct loc loc;
};

/* Alias and ScriptAlias. */
struct amap {
	const char *url;
	const char *dir;
	struct loc loc;
	const char *text;
};

/* The server-level configuration of the main server or a virtual host. */
struct vconf {
	bool is_main;
	struct loc loc;
	struct web_vhost *vh;
	size_t naddr;
	struct web_listen *addrs;
	const char *server_name;
	struct loc sn_loc;
	uint16_t sn_port;
	size_t nalias;
	struct web_name *aliases; /* text, loc; kind set later */
	const char *docroot;
	struct loc docroot_loc;
	struct web_value timeout;
	struct web_value proxy_timeout;
	struct web_value keepalive;
	struct web_value keepalive_timeout;
	struct web_value max_requests;
	struct web_value fcgid_io;
	struct web_value body_timeout;
	struct web_value header_timeout;
	struct web_text rip_header;
	bool trust_set;
	size_t ntrust;
	struct web_addr_entry *trust;
	int ssl_engine; /* -1 unset, 0 off, 1 on, 2 optional */
	struct loc ssl_loc;
	struct web_tls tls;
	const char *protocol;
	struct web_value h2;  /* Protocols: 1 with h2, 0 without */
	struct web_value h2c; /* Protocols: h2c */
	size_t naccname;
	const char **accname;
	size_t nsec;
	struct dsec **secs;
	struct dsec defsec; /* per-directory directives at server level */
	size_t nmap;
	struct amap *maps;
	size_t npp;
	struct ppass *pp;
	size_t nworker;
	struct pworker *workers;
	struct aserver_access sa; /* server SetEnvIf, RewriteRule */
	bool rw_set;
	bool rw_inherit;
	size_t npend; /* RewriteCond waiting for their RewriteRule */
	struct rwcond *pend;
	/* per-client limits */
	struct loc evasive_loc;
	bool evasive;
	long long dos_page;
	long long dos_site;
	struct web_value qos_conn;
	struct loc modsec_loc;
	bool modsec_ipcol;
	bool modsec_deny;
	const char *modsec_text;
};

struct walker {
	struct areader *R;
	struct web *w;
	struct web_server *srv;
	struct vconf main;
	size_t nvh;
	size_t vh_cap;
	struct vconf **vhs;
	size_t nsocket;
	size_t socket_cap;
	struct web_listen *sockets;
	size_t nsec_total;
	const char *hostname;
	size_t nre;
	size_t re_cap;
	void **res; /* compiled regexes, freed at the end */
};

/* Where the walk is: the server, the section, and where per-directory
 * directives go. */
struct wctx {
	enum actx ctx;
	struct vconf *V;
	struct dsec *sec;
	struct aaccess *acc;
	struct authz *authz; /* the <Require*> section being filled; NULL: top */
	struct rwcond **pend; /* RewriteCond waiting (per section) */
	size_t *npend;
	unsigned ov; /* .htaccess: what AllowOverride allows */
	size_t novlist;
	const char **ovlist;
	const char *refused; /* .htaccess: the first directive httpd would refuse */
	struct loc refused_loc;
};

typedef void (*dir_fn)(struct walker *W, struct wctx *C, const struct anode *n);

struct directive {
	const char *name;   /* lowercase */
	const char *module; /* NULL: core */
	unsigned where;     /* contexts outside .htaccess */
	unsigned ov;        /* what AllowOverride must allow in .htaccess (0: never) */
	int amin;
	int amax; /* -1: no limit */
	dir_fn fn;
};

static void walk_list(struct walker *W, struct wctx *C, const struct anode *v, size_t n);

static void
keep_re(struct walker *W, void *re)
{
	if (re)
		VEC_PUSH(W->res, W->nre, W->re_cap, re);
}

static const char *
node_text(struct walker *W, const struct anode *n)
{
	char *t = xasprintf("%s%s%s", n->name, *n->args ? " " : "", n->args);
	const char *r = web_strdup(W->w, t);

	free(t);
	return r;
}

/* ---- values ---- */

/* ap_timeout_parameter_parse: a number with an optional unit (ms, s, mi,
 * h); dflt_unit when none. Milliseconds, or -1. */
static long long
apache_timeout(const char *s, const char *dflt_unit)
{
	long long v = 0;
	const char *unit;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - 9) / 10 / 3600000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	unit = *p ? p : dflt_unit;
	if (strcasecmp(unit, "ms") == 0)
		return v;
	if (strcasecmp(unit, "s") == 0)
		return v * 1000;
	if (strcasecmp(unit, "mi") == 0 || strcasecmp(unit, "min") == 0)
		return v * 60000;
	if (strcasecmp(unit, "h") == 0)
		return v * 3600000;
	return -1;
}

static bool
apache_int(const char *s, long long *out)
{
	unsigned long long v;

	if (!parse_uint(s, 0, LLONG_MAX, &v))
		return false;
	*out = (long long)v;
	return true;
}

static void
value_set(struct web_value *v, const struct anode *n, long long x, const char *text)
{
	v->v = x;
	v->name = intern(n->name);
	v->loc = n->loc;
	v->dflt = false;
	v->set = true;
	v->text = text;
}

static void
value_default(struct web_value *v, const char *name, struct loc loc, long long x)
{
	v->v = x;
	v->name = name;
	v->loc = loc;
	v->dflt = true;
	v->set = true;
	v->text = NULL;
}

static void
text_set(struct walker *W, struct web_text *t, const struct anode *n, const char *text)
{
	t->text = web_strdup(W->w, text);
	t->name = intern(n->name);
	t->loc = n->loc;
	t->dflt = false;
}

static bool
flag_arg(const struct anode *n, bool *on)
{
	if (strcasecmp(n->argv[0], "on") == 0)
		*on = true;
	else if (strcasecmp(n->argv[0], "off") == 0)
		*on = false;
	else {
		node_error(n, "%s must be On or Off", n->name);
		return false;
	}
	return true;
}

/* ---- server-level directives ---- */

/* "addr:port", "[v6]:port", "port", "*:port", "_default_:port", "addr",
 * "*:*": into l (port 0: any). */
static bool
parse_addr_port(struct walker *W, const char *a, struct web_listen *l, bool *port_given,
		bool *wild_port)
{
	char *host = NULL;
	const char *port = NULL;
	unsigned long long pv;
	enum family fam;
	u128 addr;

	memset(l, 0, sizeof(*l));
	*port_given = false;
	*wild_port = false;
	if (a[0] == '[') {
		const char *rb = strchr(a, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':'))
			return false;
		host = xstrndup(a + 1, (size_t)(rb - a - 1));
		if (rb[1] == ':')
			port = rb + 2;
	} else {
		const char *colon = strrchr(a, ':');

		if (colon && strchr(a, ':') != colon)
			return false; /* a bare IPv6 address needs brackets */
		if (colon) {
			host = xstrndup(a, (size_t)(colon - a));
			port = colon + 1;
		} else if (a[0] >= '0' && a[0] <= '9' && strspn(a, "0123456789") == strlen(a)) {
			port = a;
		} else {
			host = xstrdup(a);
		}
	}
	if (port) {
		if (strcmp(port, "*") == 0) {
			*wild_port = true;
		} else if (!parse_uint(port, 0, 65535, &pv)) {
			free(host);
			return false;
		} else {
			l->port = (uint16_t)pv;
			*port_given = pv != 0;
		}
	}
	l->text = web_strdup(W->w, host ? host : "*");
	if (host == NULL || strcmp(host, "*") == 0 || strcasecmp(host, "_default_") == 0) {
		l->kind = WA_ANY;
		l->fam = FAM_V4;
	} else if (addr_parse(host, &fam, &addr)) {
		l->fam = fam;
		l->addr = addr;
		l->kind = addr == 0 ? WA_ANY : WA_ADDR;
	} else {
		l->kind = WA_NAME;
	}
	free(host);
	return true;
}

static void
d_listen(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct web_listen l;
	bool given;
	bool wild;
	size_t i;

	(void)C;
	if (!parse_addr_port(W, n->argv[0], &l, &given, &wild) || wild) {
		node_error(n, "Invalid address or port");
		return;
	}
	if (!given) {
		node_error(n, "Port must be specified");
		return;
	}
	l.loc = n->loc;
	l.text = web_strdup(W->w, n->argv[0]);
	/* the protocol: https on 443 unless given */
	l.ssl = n->argc == 2 ? strcasecmp(n->argv[1], "https") == 0 : l.port == 443;
	if (l.kind == WA_ANY && strcmp(n->argv[0], "0.0.0.0") != 0 &&
	    strncmp(n->argv[0], "0.0.0.0:", 8) != 0) {
		/* "Listen 80" and "[::]:80" take IPv6 and IPv4 */
		l.fam = FAM_V6;
		l.ipv6only = false;
	} else {
		l.ipv6only = l.fam == FAM_V6;
	}
	for (i = 0; i < W->nsocket; i++) {
		const struct web_listen *o = &W->sockets[i];

		if (o->port == l.port && o->kind == l.kind && o->fam == l.fam && o->addr == l.addr &&
		    (l.kind != WA_NAME || strcmp(o->text, l.text) == 0)) {
			node_error(n, "Cannot define multiple Listeners on the same IP:port");
			return;
		}
	}
	VEC_PUSH(W->sockets, W->nsocket, W->socket_cap, l);
}

static void
d_servername(struct walker *W, struct wctx *C, const struct anode *n)
{
	const char *a = n->argv[0];
	const char *scheme = strstr(a, "://");
	const char *host = scheme ? scheme + 3 : a;
	const char *colon = strrchr(host, ':');
	unsigned long long port = 0;

	C->V->sn_port = 0;
	if (colon && host[0] != '[' ? true : (colon && colon > strchr(host, ']'))) {
		if (colon && parse_uint(colon + 1, 1, 65535, &port)) {
			C->V->server_name = web_strndup(W->w, host, (size_t)(colon - host));
			C->V->sn_port = (uint16_t)port;
			C->V->sn_loc = n->loc;
			return;
		}
	}
	C->V->server_name = web_strdup(W->w, host);
	C->V->sn_loc = n->loc;
}

static void
d_serveralias(struct walker *W, struct wctx *C, const struct anode *n)
{
	size_t i;

	if (C->V->is_main) {
		node_error(n, "ServerAlias only used in <VirtualHost>");
		return;
	}
	for (i = 0; i < n->argc; i++) {
		struct web_name *a = web_push(W->w, (void **)&C->V->aliases, &C->V->nalias,
					      sizeof(*a));

		a->text = web_strdup(W->w, n->argv[i]);
		a->loc = n->loc;
	}
}

static char *
normalise_dir(const struct areader *R, const char *p)
{
	char *abs = root_relative(R, p);
	size_t n = strlen(abs);

	while (n > 1 && abs[n - 1] == '/')
		abs[--n] = '\0';
	return abs;
}

static void
d_documentroot(struct walker *W, struct wctx *C, const struct anode *n)
{
	char *d = normalise_dir(W->R, n->argv[0]);

	C->V->docroot = web_strdup(W->w, d);
	C->V->docroot_loc = n->loc;
	free(d);
}

static void
d_timeout(struct walker *W, struct wctx *C, const struct anode *n)
{
	long long ms;

	(void)W;
	if (strcasecmp(n->name, "ProxyTimeout") == 0 || strcasecmp(n->name, "FcgidIOTimeout") == 0) {
		long long s;

		if (!apache_int(n->argv[0], &s) || s > LLONG_MAX / 1000) {
			node_error(n, "%s argument must be a positive integer", n->name);
			return;
		}
		value_set(strcasecmp(n->name, "ProxyTimeout") == 0 ? &C->V->proxy_timeout
								    : &C->V->fcgid_io,
			  n, s * 1000, NULL);
		return;
	}
	ms = apache_timeout(n->argv[0], "s");
	if (ms < 0) {
		node_error(n, strcasecmp(n->name, "KeepAliveTimeout") == 0
				      ? "KeepAliveTimeout has wrong format"
				      : "Timeout has wrong format");
		return;
	}
	if (strcasecmp(n->name, "KeepAliveTimeout") == 0)
		value_set(&C->V->keepalive_timeout, n, ms, NULL);
	else
		value_set(&C->V->timeout, n, ms, NULL);
}

static void
d_keepalive(struct walker *W, struct wctx *C, const struct anode *n)
{
	bool on;

	(void)W;
	if (flag_arg(n, &on))
		value_set(&C->V->keepalive, n, on, on ? "On" : "Off");
}

static void
d_maxkeepalive(struct walker *W, struct wctx *C, const struct anode *n)
{
	long long v;

	(void)W;
	if (!apache_int(n->argv[0], &v)) {
		node_error(n, "MaxKeepAliveRequests must be a non-negative number");
		return;
	}
	/* 0: unlimited */
	value_set(&C->V->max_requests, n, v == 0 ? LLONG_MAX : v, v == 0 ? "0" : NULL);
}

static void
d_accessfilename(struct walker *W, struct wctx *C, const struct anode *n)
{
	size_t i;

	C->V->naccname = n->argc;
	C->V->accname = web_alloc(W->w, n->argc * sizeof(*C->V->accname));
	for (i = 0; i < n->argc; i++)
		C->V->accname[i] = web_strdup(W->w, n->argv[i]);
}

/* RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500 */
static void
d_reqtimeout(struct walker *W, struct wctx *C, const struct anode *n)
{
	size_t i;

	for (i = 0; i < n->argc; i++) {
		const char *eq = strchr(n->argv[i], '=');
		char *key;
		const char *val;
		long long initial;
		const char *rate;

		if (eq == NULL) {
			node_error(n, "Invalid RequestReadTimeout parameter. Parameter must be in the "
				   "form 'key=value'");
			return;
		}
		key = xstrndup(n->argv[i], (size_t)(eq - n->argv[i]));
		val = eq + 1;
		if (strcasecmp(key, "handshake") != 0 && strcasecmp(key, "header") != 0 &&
		    strcasecmp(key, "body") != 0) {
			node_error(n, "RequestReadTimeout: %s=%s: Unknown RequestReadTimeout parameter",
				   key, val);
			free(key);
			return;
		}
		rate = strcasestr(val, ",minrate=");
		if (rate == NULL && strchr(val, '-')) {
			node_error(n, "RequestReadTimeout: %s=%s: Must set MinRate option if using "
				   "timeout range", key, val);
			free(key);
			return;
		}
		{
			char *init = xstrndup(val, strcspn(val, ",-"));

			if (!apache_int(init, &initial) || initial > LLONG_MAX / 1000) {
				node_error(n, "RequestReadTimeout: %s=%s: Value '%s' not numerical",
					   key, val, init);
				free(init);
				free(key);
				return;
			}
			free(init);
		}
		if (strcasecmp(key, "body") == 0) {
			if (initial == 0)
				memset(&C->V->body_timeout, 0, sizeof(C->V->body_timeout));
			else
				value_set(&C->V->body_timeout, n, initial * 1000,
					  web_strdup(W->w, n->argv[i]));
			C->V->body_timeout.set = true;
			C->V->body_timeout.loc = n->loc;
			C->V->body_timeout.name = intern(n->name);
			if (initial == 0)
				C->V->body_timeout.v = LLONG_MAX;
		} else if (strcasecmp(key, "header") == 0) {
			value_set(&C->V->header_timeout, n, initial * 1000, web_strdup(W->w, n->argv[i]));
		}
		free(key);
	}
}

/* RemoteIPTrustedProxy / RemoteIPInternalProxy addr... */
static void
d_remoteip_proxy(struct walker *W, struct wctx *C, const struct anode *n)
{
	size_t i;

	for (i = 0; i < n->argc; i++) {
		struct web_addr_entry e;

		memset(&e, 0, sizeof(e));
		e.text = web_strdup(W->w, n->argv[i]);
		e.loc = n->loc;
		if (!apache_ipsubnet(n->argv[i], &e.cidr)) {
			/* httpd resolves a host name here; cfaudit cannot */
			node_error(n, "%s: Error parsing %s as %s proxy", n->name, n->argv[i],
				   strcasecmp(n->name, "RemoteIPInternalProxy") == 0 ? "internal"
										      : "trusted");
			continue;
		}
		C->V->trust_set = true;
		VEC_PUSH(C->V->trust, C->V->ntrust, C->V->ntrust ? C->V->ntrust : 0, e);
	}
}

static void
d_remoteip_header(struct walker *W, struct wctx *C, const struct anode *n)
{
	text_set(W, &C->V->rip_header, n, n->argv[0]);
}

/* ---- TLS ---- */

static void
d_sslengine(struct walker *W, struct wctx *C, const struct anode *n)
{
	const char *a = n->argv[0];

	(void)W;
	if (strcasecmp(a, "on") == 0)
		C->V->ssl_engine = 1;
	else if (strcasecmp(a, "off") == 0)
		C->V->ssl_engine = 0;
	else if (strcasecmp(a, "optional") == 0)
		C->V->ssl_engine = 2;
	else if (strcasecmp(a, "addr") == 0 || strcasecmp(a, "addr:port") == 0)
		C->V->ssl_engine = 1;
	else {
		node_error(n, "Argument must be On, Off, or Optional");
		return;
	}
	C->V->ssl_loc = n->loc;
}

static void
d_sslfile(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct web_tls *t = &C->V->tls;
	struct web_text *x;
	char *path = root_relative(W->R, n->argv[0]);

	if (strcasecmp(n->name, "SSLCertificateFile") == 0)
		x = web_push(W->w, (void **)&t->cert, &t->ncert, sizeof(*x));
	else if (strcasecmp(n->name, "SSLCertificateKeyFile") == 0)
		x = web_push(W->w, (void **)&t->key, &t->nkey, sizeof(*x));
	else if (strcasecmp(n->name, "SSLCACertificateFile") == 0)
		x = &t->client_certificate;
	else
		x = &t->trusted_certificate; /* SSLCertificateChainFile */
	text_set(W, x, n, path);
	free(path);
}

static void
d_ssltext(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct web_tls *t = &C->V->tls;

	if (strcasecmp(n->name, "SSLProtocol") == 0) {
		text_set(W, &t->protocols, n, n->args);
	} else if (strcasecmp(n->name, "SSLCipherSuite") == 0) {
		/* "SSLCipherSuite TLSv1.3 ..." configures TLS 1.3's suites */
		if (n->argc == 2 && strncasecmp(n->argv[0], "TLSv1.3", 7) == 0)
			return;
		if (n->argc == 2 && strcasecmp(n->argv[0], "SSL") != 0) {
			node_error(n, "protocol '%s' not supported", n->argv[0]);
			return;
		}
		text_set(W, &t->ciphers, n, n->argv[n->argc - 1]);
	} else if (strcasecmp(n->name, "SSLHonorCipherOrder") == 0) {
		bool on;

		if (flag_arg(n, &on))
			text_set(W, &t->prefer_server_ciphers, n, on ? "on" : "off");
	} else {
		/* SSLVerifyClient, in nginx's words for the model */
		const char *a = n->argv[0];
		const char *v = strcasecmp(a, "none") == 0	       ? "off"
				: strcasecmp(a, "require") == 0	       ? "on"
				: strcasecmp(a, "optional") == 0       ? "optional"
				: strcasecmp(a, "optional_no_ca") == 0 ? "optional_no_ca"
								       : NULL;

		if (v == NULL) {
			node_error(n, "SSLVerifyClient: Invalid argument '%s'", a);
			return;
		}
		if (C->sec == NULL)
			text_set(W, &t->verify_client, n, v);
	}
}

/* Protocols h2 http/1.1 */
static void
d_protocols(struct walker *W, struct wctx *C, const struct anode *n)
{
	size_t i;
	bool h2 = false;
	bool h2c = false;

	(void)W;
	for (i = 0; i < n->argc; i++) {
		if (strcasecmp(n->argv[i], "h2") == 0)
			h2 = true;
		else if (strcasecmp(n->argv[i], "h2c") == 0)
			h2c = true;
	}
	value_set(&C->V->h2, n, h2, NULL);
	value_set(&C->V->h2c, n, h2c, NULL);
}

static void
d_protocol(struct walker *W, struct wctx *C, const struct anode *n)
{
	C->V->protocol = web_strdup(W->w, n->argv[0]);
}

/* ---- per-client limits ---- */

static void
d_evasive(struct walker *W, struct wctx *C, const struct anode *n)
{
	long long v;

	(void)W;
	if (!C->V->evasive) {
		C->V->evasive = true;
		C->V->evasive_loc = n->loc;
	}
	if (strcasecmp(n->name, "DOSPageCount") == 0 && apache_int(n->argv[0], &v))
		C->V->dos_page = v;
	else if (strcasecmp(n->name, "DOSSiteCount") == 0 && apache_int(n->argv[0], &v))
		C->V->dos_site = v;
}

static void
d_qos(struct walker *W, struct wctx *C, const struct anode *n)
{
	long long v;

	(void)W;
	if (!apache_int(n->argv[0], &v)) {
		node_error(n, "%s: number must be numeric value >0", n->name);
		return;
	}
	value_set(&C->V->qos_conn, n, v, NULL);
}

/* ModSecurity: an "ip" collection keyed by the client address and a rule
 * that denies on it is a per-client limit. */
static void
d_modsec(struct walker *W, struct wctx *C, const struct anode *n)
{
	const char *actions = n->argc ? n->argv[n->argc - 1] : "";

	if (strcasestr(n->args, "initcol:ip=%{REMOTE_ADDR}") ||
	    strcasestr(n->args, "initcol:'ip=%{REMOTE_ADDR}")) {
		C->V->modsec_ipcol = true;
		if (C->V->modsec_loc.file == NULL)
			C->V->modsec_loc = n->loc;
	}
	if (strcasecmp(n->name, "SecRule") == 0 && n->argc >= 3 &&
	    strncasecmp(n->argv[0], "IP:", 3) == 0 &&
	    (strcasestr(actions, "deny") || strcasestr(actions, "drop") ||
	     strcasestr(actions, "block"))) {
		C->V->modsec_deny = true;
		C->V->modsec_loc = n->loc;
		C->V->modsec_text = node_text(W, n);
	}
}
