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
#include <unistd.h>

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

/* ---- a map keyed by pointers (interned strings) ---- */

struct pmap {
	size_t n;
	size_t cap; /* a power of two */
	const void **keys;
	void **vals;
};

static size_t
ptr_hash(const void *p)
{
	return (size_t)(((uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 16);
}

static void *
pmap_get(const struct pmap *m, const void *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = ptr_hash(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return NULL;
}

static void
pmap_put(struct pmap *m, const void *key, void *val)
{
	size_t i;

	if (m->n * 2 >= m->cap) {
		struct pmap g;

		g.n = 0;
		g.cap = m->cap ? m->cap * 2 : 64;
		g.keys = xcalloc(g.cap, sizeof(*g.keys));
		g.vals = xcalloc(g.cap, sizeof(*g.vals));
		for (i = 0; i < m->cap; i++)
			if (m->keys[i])
				pmap_put(&g, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	for (i = ptr_hash(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return;
		}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
}

static void
pmap_free(struct pmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

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
	struct pmap inputs;   /* interned file name -> its input */
	struct pmap patterns; /* interned "c:" or "i:" pattern -> struct apattern */
	char *wbuf;           /* split_words' buffers */
	size_t wcap;
	size_t *woff;
	size_t woff_cap;
};

/* A pattern on the client address and the addresses it matches, found
 * once (mass hosting repeats the same few in every .htaccess file). */
struct apattern {
	bool ok;
	struct addrmatch m;
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

/* A list of directives: grown in a buffer of its own while it is read,
 * then moved into the tree's arena at its exact size (alist_seal); a
 * thousand short lists (one per .htaccess file and section) would leave
 * the copies web_push outgrows in the arena, a third of the tree. */
struct alist {
	size_t n;
	size_t cap;
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
	const char *f = intern(name);
	struct input *in = pmap_get(&R->inputs, f);

	if (in == NULL) {
		in = origin_add_input(R->o, IN_APACHE, f);
		pmap_put(&R->inputs, f, in);
	}
	return in;
}

/* The Apache inputs already there (the main file, another server's). */
static void
known_inputs(struct areader *R)
{
	size_t i;

	for (i = 0; i < R->o->ninput; i++)
		if (R->o->inputs[i]->kind == IN_APACHE)
			pmap_put(&R->inputs, R->o->inputs[i]->file, R->o->inputs[i]);
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

/* The word at *line (not a space, not the end) into out, which has room
 * for the rest of the line: its length; *line is left at the word after
 * it. ap_getword_conf's rules: a word, or a quoted string ("\" escapes the
 * quote and itself in it; "\\" is "\" outside quotes too). */
static size_t
word_into(const char **line, char *out)
{
	const char *s = *line;
	const char *e;
	char quote = 0;
	char *d;

	if (*s == '"' || *s == '\'') {
		quote = *s++;
		for (e = s; *e && *e != quote; e++)
			if (*e == '\\' && (e[1] == quote || e[1] == '\\'))
				e++;
	} else {
		for (e = s; *e && !is_space((unsigned char)*e); e++)
			;
	}
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
	return (size_t)(d - out);
}

/* The next word (word_into), or NULL at the end of the line. */
static char *
get_word(const char **line)
{
	char *out;
	size_t n;

	while (is_space((unsigned char)**line))
		(*line)++;
	if (**line == '\0')
		return NULL;
	out = xmalloc(strlen(*line) + 1);
	n = word_into(line, out);
	return xrealloc(out, n + 1);
}

/* All the words of text into the tree's arena, packed in one block (split
 * in the reader's buffers first: no allocation per word). */
static size_t
split_words(struct areader *R, const char *text, const char ***argv)
{
	size_t tl = strlen(text);
	const char *p = text;
	size_t n = 0;
	size_t used = 0;
	char *block;
	size_t i;

	/* each word is at most as long as its text, plus its NUL */
	if (R->wcap < 2 * tl + 2) {
		R->wcap = 2 * tl + 2;
		free(R->wbuf);
		R->wbuf = xmalloc(R->wcap);
	}
	while (is_space((unsigned char)*p))
		p++;
	while (n < CAP_ARGS && *p) {
		if (n == R->woff_cap) {
			R->woff_cap = R->woff_cap ? R->woff_cap * 2 : 64;
			R->woff = xreallocarray(R->woff, R->woff_cap, sizeof(*R->woff));
		}
		R->woff[n++] = used;
		used += word_into(&p, R->wbuf + used) + 1;
	}
	*argv = web_alloc(R->tree, (n ? n : 1) * sizeof(**argv));
	if (n == 0)
		return 0;
	block = web_alloc_bytes(R->tree, used);
	memcpy(block, R->wbuf, used);
	for (i = 0; i < n; i++)
		(*argv)[i] = block + R->woff[i];
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
	struct anode *n;

	if (out->n == out->cap) {
		if (out->cap == SIZE_MAX)
			abort(); /* sealed: read in full */
		out->cap = out->cap ? out->cap * 2 : 8;
		out->v = xreallocarray(out->v, out->cap, sizeof(*out->v));
	}
	n = &out->v[out->n++];
	memset(n, 0, sizeof(*n));

	n->name = web_strdup(R->tree, name);
	n->args = web_strdup(R->tree, args);
	n->argc = split_words(R, args, &n->argv);
	n->loc.file = s->file;
	n->loc.line = line;
	n->in = s->in;
	n->section = section;
	return n;
}

/* Move a list that has been read in full into the tree's arena. */
static void
alist_seal(struct areader *R, struct alist *l)
{
	struct anode *v = NULL;

	if (l->n) {
		v = web_alloc(R->tree, l->n * sizeof(*v));
		memcpy(v, l->v, l->n * sizeof(*v));
	}
	free(l->v);
	l->v = v;
	l->cap = SIZE_MAX;
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
	size_t files;  /* files read for it (CAP_GLOB_MATCHES) */
	bool failed;
};

/* ap_dir_nofnmatch: a directory is every entry of it (dot files too),
 * sorted, recursively; a file is read. dir: whether path is a directory,
 * when the caller knows (-1: it does not). */
static void
include_plain(struct incl *I, const char *path, int dir)
{
	char **names = NULL;
	size_t n = 0;
	char *err = NULL;
	size_t i;
	enum read_result rr = dir == 0 ? READ_FAILED : root_list(path, &names, &n, &err);

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

			include_plain(I, sub, -1);
			free(sub);
		}
		I->dirs--;
		names_free(names, n);
		return;
	}
	free(err);
	/* a file just listed exists: no second look */
	if (I->optional && dir != 0 && !root_exists(path))
		return;
	/* httpd has no such cap; a glob bomb must not cost unbounded time */
	if (++I->files > CAP_GLOB_MATCHES) {
		src_error(I->s, I->line,
			  "Include/IncludeOptional: more than %u files: cfaudit reads at most %u "
			  "for one Include (not audited)", CAP_GLOB_MATCHES, CAP_GLOB_MATCHES);
		I->failed = true;
		return;
	}
	read_file(I->s, I->line, path, I->out, I->depth);
}

/* The files of dir that the last component comp of an Include matches,
 * named to be read ahead (root_ahead_read) while the first are parsed. */
static void
read_ahead(const char *dir, const char *comp, char *const *names, const unsigned char *types,
	   size_t n)
{
	char **paths = NULL;
	bool *regular = NULL;
	size_t np = 0;
	size_t nr = 0;
	size_t cap = 0;
	size_t rcap = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if ((types[i] == ENTRY_FILE || types[i] == ENTRY_LINK) &&
		    fnmatch(comp, names[i], FNM_PERIOD) == 0) {
			VEC_PUSH(paths, np, cap, join_path(dir, names[i]));
			VEC_PUSH(regular, nr, rcap, types[i] == ENTRY_FILE);
		}
	if (np > 1)
		root_ahead_read(dir, (const char *const *)paths, regular, np);
	for (i = 0; i < np; i++)
		free(paths[i]);
	free(paths);
	free(regular);
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
	unsigned char *types = NULL;
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
			include_plain(I, path, -1);
		free(path);
		free(comp);
		return;
	}
	rr = root_list_types(dir, &names, &types, &n, &err);
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
	if (next == NULL)
		read_ahead(dir, comp, names, types, n);
	for (i = 0; i < n && !I->failed; i++) {
		char *path;

		if (fnmatch(comp, names[i], FNM_PERIOD) != 0)
			continue;
		path = join_path(dir, names[i]);
		/* a symbolic link is followed: its target's type decides */
		if (next && types[i] != ENTRY_DIR &&
		    (types[i] != ENTRY_LINK || !is_directory(path))) {
			free(path);
			continue;
		}
		matched++;
		if (next)
			include_fnmatch(I, path, next);
		else
			include_plain(I, path,
				      types[i] == ENTRY_DIR ? 1 : types[i] == ENTRY_FILE ? 0 : -1);
		free(path);
	}
	if (matched == 0 && !I->optional && !I->failed) {
		src_error(I->s, I->line,
			  "Include/IncludeOptional: No matches for the wildcard '%s' in '%s', failing",
			  comp, dir);
		I->failed = true;
	}
	names_free(names, n);
	free(types);
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
		include_plain(&I, path, -1);
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
	struct alist kids = {0, 0, NULL};
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
	alist_seal(s->R, &kids);
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
	bool aol_set;
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
	/* SSLVerifyClient require in a <Directory>: its path ("/var/www/"),
	 * whether it covers the DocumentRoot is decided with the host's */
	const char *vcd_dir;
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

/* A RemoteIPProxyProtocol On|Off, in the order httpd reads them: each
 * moves its server's addresses between the enabled and disabled lists. */
struct pp_op {
	const struct vconf *V;
	bool on;
	struct loc loc;
};

struct walker {
	struct areader *R;
	struct web *w;
	struct web_server *srv;
	size_t npp;
	size_t pp_cap;
	struct pp_op *pp;
	size_t npp_exempt;
	size_t pp_exempt_cap;
	struct cidr *pp_exempt;
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
	bool in_ht;  /* in a .htaccess file */
	unsigned ov; /* .htaccess: what AllowOverride allows */
	size_t novlist;
	const char **ovlist;
	const char *refused; /* .htaccess: the first directive httpd would refuse */
	struct loc refused_loc;
	struct htneeds *needs; /* .htaccess: what each directive needs AllowOverride to allow */
};

/* A directive of a .htaccess file and the AllowOverride categories that
 * let httpd take it. */
struct htneed {
	const char *name;
	unsigned ov;
	struct loc loc;
};

/* Grown outside the arena while the file is walked, then moved in at its
 * exact size (as struct alist is). */
struct htneeds {
	size_t n;
	size_t cap;
	struct htneed *v;
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
	if (host[0] == '[') {
		const char *rb = strchr(host, ']');

		colon = rb && rb[1] == ':' ? rb + 1 : NULL;
	}
	if (colon && parse_uint(colon + 1, 1, 65535, &port)) {
		C->V->server_name = web_strndup(W->w, host, (size_t)(colon - host));
		C->V->sn_port = (uint16_t)port;
		C->V->sn_loc = n->loc;
		return;
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
			/* the time a body may take to start (or stall) before
			 * httpd gives up; MinRate keeps extending it while data
			 * flows, and body=0 turns it off: no limit then */
			value_set(&C->V->body_timeout, n, initial * 1000, web_strdup(W->w, n->argv[i]));
			if (initial == 0 || rate)
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
		*(struct web_addr_entry *)web_push(W->R->tree, (void **)&C->V->trust, &C->V->ntrust,
						   sizeof(e)) = e;
	}
}

static void
d_remoteip_pp(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct pp_op op;

	if (!flag_arg(n, &op.on))
		return;
	op.V = C->V;
	op.loc = n->loc;
	VEC_PUSH(W->pp, W->npp, W->pp_cap, op);
}

/* RemoteIPProxyProtocolExceptions: one list for every server (httpd
 * checks the client against it whichever server sets it). */
static void
d_remoteip_pp_exceptions(struct walker *W, struct wctx *C, const struct anode *n)
{
	size_t i;

	(void)C;
	for (i = 0; i < n->argc; i++) {
		struct cidr c;

		if (!apache_ipsubnet(n->argv[i], &c)) {
			node_error(n, "%s: Error parsing %s as an exception (host names are not "
				   "resolved)",
				   n->name, n->argv[i]);
			continue;
		}
		VEC_PUSH(W->pp_exempt, W->npp_exempt, W->pp_exempt_cap, c);
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
	else if (strcasecmp(n->name, "SSLCACertificatePath") == 0)
		x = &t->ca_path;
	else if (strcasecmp(n->name, "SSLCARevocationFile") == 0)
		x = &t->crl;
	else if (strcasecmp(n->name, "SSLCARevocationPath") == 0)
		x = &t->crl_path;
	else if (strcasecmp(n->name, "SSLSessionTicketKeyFile") == 0)
		x = &t->ticket_key_file;
	else
		x = &t->chain; /* SSLCertificateChainFile */
	text_set(W, x, n, path);
	free(path);
}

/* SSLUseStapling, SSLCompression: on or off; SSLStaplingCache: its
 * cache (httpd allows it outside <VirtualHost> only). */
static void
d_sslflag(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct web_tls *t = &C->V->tls;
	bool on;

	if (strcasecmp(n->name, "SSLStaplingCache") == 0) {
		text_set(W, &t->stapling_cache, n, n->argv[0]);
		return;
	}
	if (!flag_arg(n, &on))
		return;
	text_set(W, strcasecmp(n->name, "SSLUseStapling") == 0 ? &t->stapling : &t->compression, n,
		 on ? "on" : "off");
}

/* SSLOpenSSLConfCmd NAME VALUE: kept in order for OpenSSL to apply
 * after mod_ssl's own settings. mod_ssl adds ":!aNULL:!eNULL:!EXP" to a
 * CipherString; a value that names a file is read from ServerRoot. */
static void
d_sslconfcmd(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct web_tls *t = &C->V->tls;
	struct web_conf_cmd *c = web_push(W->w, (void **)&t->conf, &t->nconf, sizeof(*c));
	char *path = root_relative(W->R, n->argv[1]);

	c->name = web_strdup(W->w, n->argv[0]);
	if (strcasecmp(n->argv[0], "CipherString") == 0) {
		char *v = xasprintf("%s:!aNULL:!eNULL:!EXP", n->argv[1]);

		c->value = web_strdup(W->w, v);
		free(v);
	} else {
		c->value = web_strdup(W->w, n->argv[1]);
	}
	c->path = web_strdup(W->w, path);
	c->loc = n->loc;
	free(path);
}

/* SSLVerifyClient require in a section: mod_ssl demands the certificate
 * for the request, after the handshake (renegotiation with TLS 1.2, post-
 * handshake authentication with TLS 1.3). Kept once per host, with the
 * section's label; whether it covers every URL ("<Location />", a
 * <Directory> at or above the DocumentRoot) decides the host's verdict. */
static void
verify_client_dir(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct web_tls *t = &C->V->tls;
	const struct dsec *d = C->sec;

	if (t->verify_client_dir.text && t->verify_client_dir_root)
		return;
	text_set(W, &t->verify_client_dir, n, d->label ? d->label : "a section");
	t->verify_client_dir.name = "SSLVerifyClient require";
	t->verify_client_dir_root = d->kind == DS_LOC && d->path && strcmp(d->path, "/") == 0;
	C->V->vcd_dir = d->kind == DS_DIR ? d->path : NULL;
}

static void
d_ssltext(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct web_tls *t = &C->V->tls;

	if (strcasecmp(n->name, "SSLProtocol") == 0) {
		text_set(W, &t->protocols, n, n->args);
	} else if (strcasecmp(n->name, "SSLCipherSuite") == 0) {
		/* "SSLCipherSuite TLSv1.3 ..." configures TLS 1.3's suites */
		if (n->argc == 2 && strcmp(n->argv[0], "TLSv1.3") == 0) {
			if (C->sec == NULL)
				text_set(W, &t->ciphersuites, n, n->argv[1]);
			return;
		}
		if (n->argc == 2 && strcmp(n->argv[0], "SSL") != 0) {
			node_error(n, "protocol '%s' not supported", n->argv[0]);
			return;
		}
		text_set(W, &t->ciphers, n, n->argv[n->argc - 1]);
	} else if (strcasecmp(n->name, "SSLHonorCipherOrder") == 0) {
		bool on;

		if (flag_arg(n, &on))
			text_set(W, &t->prefer_server_ciphers, n, on ? "on" : "off");
	} else {
		/* SSLVerifyClient: the model keeps httpd's word (none,
		 * optional, require, optional_no_ca) */
		const char *a = n->argv[0];
		const char *v = strcasecmp(a, "none") == 0	       ? "none"
				: strcasecmp(a, "require") == 0	       ? "require"
				: strcasecmp(a, "optional") == 0       ? "optional"
				: strcasecmp(a, "optional_no_ca") == 0 ? "optional_no_ca"
								       : NULL;

		if (v == NULL) {
			node_error(n, "SSLVerifyClient: Invalid argument '%s'", a);
			return;
		}
		if (C->sec == NULL)
			text_set(W, &t->verify_client, n, v);
		else if (strcmp(v, "require") == 0)
			verify_client_dir(W, C, n);
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

/* ---- per-directory directives: access ---- */

/* Structures built during the walk live in the tree's arena; so do the
 * address sets in them (never grown once built). */
static void
tree_set(struct walker *W, struct ivset *s)
{
	struct iv *v = web_alloc(W->R->tree, (s->n ? s->n : 1) * sizeof(*v));

	ivset_normalize(s);
	if (s->n)
		memcpy(v, s->v, s->n * sizeof(*v));
	free(s->v);
	s->v = v;
	s->cap = s->n;
}

static void
tree_match(struct walker *W, struct addrmatch *m)
{
	int f;

	for (f = 0; f < FAM_COUNT; f++) {
		tree_set(W, &m->sure[f]);
		tree_set(W, &m->maybe[f]);
	}
}

/* Whether pattern compiles; the addresses it matches into *m when by_addr
 * (the client address's text). */
static bool
addr_pattern(struct walker *W, const char *pattern, bool nocase, bool by_addr,
	     struct addrmatch *m)
{
	char *k = xasprintf("%c%c:%s", nocase ? 'i' : 'c', by_addr ? 'a' : '-', pattern);
	const char *key = intern(k);
	struct apattern *p = pmap_get(&W->R->patterns, key);

	free(k);
	if (p == NULL) {
		void *re = apache_regex(pattern, nocase, NULL, 0);

		p = web_alloc(W->R->tree, sizeof(*p));
		p->ok = re != NULL;
		if (re && by_addr) {
			apache_regex_addrs(re, pattern, &p->m);
			tree_match(W, &p->m);
		}
		apache_regex_free(re);
		pmap_put(&W->R->patterns, key, p);
	}
	if (by_addr)
		*m = p->m;
	return p->ok;
}

static void
set_from_cidr(struct walker *W, struct ivset set[FAM_COUNT], const struct cidr *c)
{
	ivset_init(&set[FAM_V4], FAM_V4);
	ivset_init(&set[FAM_V6], FAM_V6);
	if (c)
		ivset_add_cidr(&set[c->fam], c);
	tree_set(W, &set[FAM_V4]);
	tree_set(W, &set[FAM_V6]);
}

static const char *
authz_name(const struct authz *s)
{
	if (s->and_op)
		return s->negate ? "<RequireNotAll>" : "<RequireAll>";
	return s->negate ? "<RequireNone>" : "<RequireAny>";
}

/* The section Require lines go to: the one being read, or the
 * section's implicit <RequireAny>. */
static struct authz *
authz_target(struct walker *W, struct wctx *C, const struct anode *n)
{
	if (C->authz)
		return C->authz;
	if (C->acc->authz == NULL) {
		struct authz *s = web_alloc(W->R->tree, sizeof(*s));

		s->text = "<RequireAny>";
		s->loc = n->loc;
		C->acc->authz = s;
	}
	return C->acc->authz;
}

static void
authz_add(struct walker *W, struct authz *sec, struct authz *child)
{
	struct authz **slot = web_push(W->R->tree, (void **)&sec->kids, &sec->n, sizeof(*slot));

	*slot = child;
}

struct provider {
	const char *name;
	const char *module;
	enum aleaf kind;
};

/* The authorization providers of httpd's modules (sorted). */
static const struct provider providers[] = {
	{"all", "authz_core_module", AL_ALL_GRANTED},
	{"dbd-group", "authz_dbd_module", AL_OTHER},
	{"dbd-login", "authz_dbd_module", AL_OTHER},
	{"dbd-logout", "authz_dbd_module", AL_OTHER},
	{"env", "authz_core_module", AL_ENV},
	{"expr", "authz_core_module", AL_OTHER},
	{"file-group", "authz_owner_module", AL_OTHER},
	{"file-owner", "authz_owner_module", AL_OTHER},
	{"forward-dns", "authz_host_module", AL_HOST},
	{"group", "authz_groupfile_module", AL_OTHER},
	{"host", "authz_host_module", AL_HOST},
	{"ip", "authz_host_module", AL_IP},
	{"ldap-attribute", "authnz_ldap_module", AL_OTHER},
	{"ldap-dn", "authnz_ldap_module", AL_OTHER},
	{"ldap-filter", "authnz_ldap_module", AL_OTHER},
	{"ldap-group", "authnz_ldap_module", AL_OTHER},
	{"ldap-user", "authnz_ldap_module", AL_OTHER},
	{"local", "authz_host_module", AL_IP},
	{"method", "authz_core_module", AL_OTHER},
	{"user", "authz_user_module", AL_OTHER},
	{"valid-user", "authz_user_module", AL_OTHER},
};

static int
provider_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct provider *)elem)->name);
}

static bool
leaf_ip(struct walker *W, struct authz *z, const struct anode *n, size_t from)
{
	struct ivset s[FAM_COUNT];
	size_t i;

	ivset_init(&s[FAM_V4], FAM_V4);
	ivset_init(&s[FAM_V6], FAM_V6);
	if (from >= n->argc) {
		node_error(n, "'require ip' requires an argument");
		return false;
	}
	for (i = from; i < n->argc; i++) {
		struct cidr c;

		if (apache_subnet(n->argv[i], &c) != SUBNET_OK) {
			node_error(n, "ip address '%s' appears to be invalid", n->argv[i]);
			ivset_free(&s[FAM_V4]);
			ivset_free(&s[FAM_V6]);
			return false;
		}
		ivset_add_cidr(&s[c.fam], &c);
	}
	z->set[FAM_V4] = s[FAM_V4];
	z->set[FAM_V6] = s[FAM_V6];
	tree_set(W, &z->set[FAM_V4]);
	tree_set(W, &z->set[FAM_V6]);
	return true;
}

static void
d_require(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct authz *z = web_alloc(W->R->tree, sizeof(*z));
	struct authz *sec;
	const struct provider *p;
	size_t at = 0;

	z->leaf = true;
	z->loc = n->loc;
	z->text = node_text(W, n);
	if (strcasecmp(n->argv[0], "not") == 0) {
		z->negate = true;
		at = 1;
	}
	if (at >= n->argc) {
		node_error(n, "Unknown Authz provider: ");
		return;
	}
	p = bsearch(n->argv[at], providers, ARRAY_LEN(providers), sizeof(providers[0]),
		    provider_cmp);
	if (p && !module_loaded(W->R, p->module)) {
		node_error(n, "Unknown Authz provider: %s", n->argv[at]);
		return;
	}
	z->kind = p ? p->kind : AL_OTHER;
	switch (z->kind) {
	case AL_ALL_GRANTED:
		if (n->argc == at + 2 && strcasecmp(n->argv[at + 1], "granted") == 0) {
			z->kind = AL_ALL_GRANTED;
		} else if (n->argc == at + 2 && strcasecmp(n->argv[at + 1], "denied") == 0) {
			z->kind = AL_ALL_DENIED;
		} else {
			node_error(n, "Argument for 'Require all' must be 'granted' or 'denied'");
			return;
		}
		break;
	case AL_IP:
		if (strcasecmp(n->argv[at], "local") == 0) {
			struct cidr c;

			set_from_cidr(W, z->set, NULL);
			ivset_init(&z->set[FAM_V4], FAM_V4);
			ivset_init(&z->set[FAM_V6], FAM_V6);
			cidr_parse("127.0.0.0/8", &c);
			ivset_add_cidr(&z->set[FAM_V4], &c);
			cidr_parse("::1/128", &c);
			ivset_add_cidr(&z->set[FAM_V6], &c);
			tree_set(W, &z->set[FAM_V4]);
			tree_set(W, &z->set[FAM_V6]);
		} else if (!leaf_ip(W, z, n, at + 1)) {
			return;
		}
		break;
	case AL_ENV:
		if (n->argc == at + 2) {
			z->env = web_strdup(W->R->tree, n->argv[at + 1]);
		} else {
			/* any of several variables: a <RequireAny> of them */
			size_t i;

			z->leaf = false;
			z->kind = AL_OTHER;
			for (i = at + 1; i < n->argc; i++) {
				struct authz *e = web_alloc(W->R->tree, sizeof(*e));

				e->leaf = true;
				e->kind = AL_ENV;
				e->env = web_strdup(W->R->tree, n->argv[i]);
				e->loc = n->loc;
				e->text = z->text;
				authz_add(W, z, e);
			}
		}
		break;
	default:
		break;
	}
	sec = authz_target(W, C, n);
	if (z->negate && !sec->and_op) {
		node_error(n, "negative Require directive has no effect in %s directive",
			   authz_name(sec));
		return;
	}
	authz_add(W, sec, z);
}

/* <RequireAll>, <RequireAny>, <RequireNone> */
static void
b_require_section(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct authz *s = web_alloc(W->R->tree, sizeof(*s));
	struct authz *parent;
	struct wctx sub = *C;
	size_t i;

	if (*n->args) {
		node_error(n, "<%s> directive doesn't take additional arguments", n->name);
		return;
	}
	s->and_op = strcasecmp(n->name, "RequireAll") == 0;
	s->negate = strcasecmp(n->name, "RequireNone") == 0;
	s->loc = n->loc;
	s->text = authz_name(s);
	sub.ctx = AX_AUTHZ;
	sub.authz = s;
	walk_list(W, &sub, n->child, n->nchild);
	if (s->n == 0) {
		node_error(n, "%s directive contains no authorization directives", authz_name(s));
		return;
	}
	parent = authz_target(W, C, n);
	if (s->negate && !parent->and_op) {
		node_error(n, "%s directive has no effect in %s directive", authz_name(s),
			   authz_name(parent));
		return;
	}
	if (!s->negate && s->and_op == parent->and_op) {
		/* be associative */
		for (i = 0; i < s->n; i++)
			authz_add(W, parent, s->kids[i]);
		return;
	}
	authz_add(W, parent, s);
}

/* authz_core_check_section: a section of negations only grants nobody;
 * httpd refuses to start. */
static void
authz_check(struct walker *W, const struct authz *z, bool top)
{
	size_t i;
	bool positive = false;

	if (z == NULL || z->leaf)
		return;
	for (i = 0; i < z->n; i++) {
		authz_check(W, z->kids[i], false);
		if (!z->kids[i]->negate)
			positive = true;
	}
	if (!positive && z->n)
		input_error(file_input(W->R, z->loc.file), z->loc.line,
			    "%s directive contains only negative authorization directives",
			    top ? "<Directory>, <Location>, or similar" : authz_name(z));
}

static void
compat_begin(struct wctx *C)
{
	if (C->acc->compat_set)
		return;
	C->acc->compat_set = true;
	C->acc->order = ORD_DENY_ALLOW;
}

static void
d_order(struct walker *W, struct wctx *C, const struct anode *n)
{
	enum order o;

	if (strcasecmp(n->argv[0], "allow,deny") == 0)
		o = ORD_ALLOW_DENY;
	else if (strcasecmp(n->argv[0], "deny,allow") == 0)
		o = ORD_DENY_ALLOW;
	else if (strcasecmp(n->argv[0], "mutual-failure") == 0)
		o = ORD_MUTUAL;
	else {
		node_error(n, "unknown order");
		return;
	}
	compat_begin(C);
	C->acc->order = o;
	C->acc->order_loc = n->loc;
	C->acc->order_text = node_text(W, n);
}

static void
d_allowdeny(struct walker *W, struct wctx *C, const struct anode *n)
{
	bool allow = strcasecmp(n->name, "Allow") == 0;
	size_t i;

	if (strcasecmp(n->argv[0], "from") != 0) {
		node_error(n, "allow and deny must be followed by 'from'");
		return;
	}
	for (i = 1; i < n->argc; i++) {
		const char *a = n->argv[i];
		struct acmp *e = web_alloc(W->R->tree, sizeof(*e));
		struct acmp **slot;
		struct cidr c;
		char *t = xasprintf("%s from %s", n->name, a);

		e->text = web_strdup(W->R->tree, t);
		free(t);
		e->loc = n->loc;
		if (strncasecmp(a, "env=!", 5) == 0) {
			e->kind = AC_NENV;
			e->env = web_strdup(W->R->tree, a + 5);
		} else if (strncasecmp(a, "env=", 4) == 0) {
			e->kind = AC_ENV;
			e->env = web_strdup(W->R->tree, a + 4);
		} else if (strcasecmp(a, "all") == 0) {
			e->kind = AC_ALL;
		} else {
			enum subnet r = apache_subnet(a, &c);

			if (r == SUBNET_NOT_IP && strchr(a, '/')) {
				node_error(n, "An IP address was expected");
				return;
			}
			if (r == SUBNET_BAD) {
				node_error(n, "%s", strchr(a, '/') ? "The specified network mask is "
								     "invalid."
								   : "The specified IP address is "
								     "invalid.");
				return;
			}
			if (r == SUBNET_NOT_IP && strchr(a, '#')) {
				node_error(n, "No comments are allowed here");
				return;
			}
			e->kind = r == SUBNET_OK ? AC_IP : AC_HOST;
		}
		set_from_cidr(W, e->set, e->kind == AC_IP ? &c : NULL);
		compat_begin(C);
		if (allow)
			slot = web_push(W->R->tree, (void **)&C->acc->allow, &C->acc->nallow,
					sizeof(*slot));
		else
			slot = web_push(W->R->tree, (void **)&C->acc->deny, &C->acc->ndeny,
					sizeof(*slot));
		*slot = e;
	}
}

static void
d_satisfy(struct walker *W, struct wctx *C, const struct anode *n)
{
	(void)W;
	if (strcasecmp(n->argv[0], "all") != 0 && strcasecmp(n->argv[0], "any") != 0) {
		node_error(n, "Satisfy either 'any' or 'all'.");
		return;
	}
	compat_begin(C);
	C->acc->satisfy = strcasecmp(n->argv[0], "any") == 0 ? 2 : 1;
}

static void
d_authmerging(struct walker *W, struct wctx *C, const struct anode *n)
{
	(void)W;
	if (strcasecmp(n->argv[0], "Off") == 0)
		C->acc->merging = AM_OFF;
	else if (strcasecmp(n->argv[0], "And") == 0)
		C->acc->merging = AM_AND;
	else if (strcasecmp(n->argv[0], "Or") == 0)
		C->acc->merging = AM_OR;
	else
		node_error(n, "AuthMerging must be one of: Off | And | Or");
}

/* Where SetEnvIf and RewriteRule entries go: the server's (run for every
 * request) at server level, the section's otherwise. */
static bool
server_level(const struct wctx *C)
{
	return C->ctx == AX_MAIN || C->ctx == AX_VHOST;
}

static void
env_push(struct walker *W, struct wctx *C, struct envset *e)
{
	struct envset **slot;

	if (server_level(C))
		slot = web_push(W->R->tree, (void **)&C->V->sa.env, &C->V->sa.nenv, sizeof(*slot));
	else
		slot = web_push(W->R->tree, (void **)&C->acc->env, &C->acc->nenv, sizeof(*slot));
	*slot = e;
}

/* SetEnvIf attribute regex [!]var[=value]...; BrowserMatch regex ...;
 * SetEnv var [value]. Only the client address (Remote_Addr) is known. */
static void
d_setenvif(struct walker *W, struct wctx *C, const struct anode *n)
{
	bool browser = strncasecmp(n->name, "BrowserMatch", 12) == 0;
	bool setenv = strcasecmp(n->name, "SetEnv") == 0;
	bool nocase = strcasestr(n->name, "NoCase") != NULL;
	size_t first = setenv ? 0 : browser ? 1 : 2;
	bool by_addr = !setenv && !browser && strcasecmp(n->argv[0], "Remote_Addr") == 0;
	struct addrmatch m;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (first >= n->argc) {
		node_error(n, "Missing envariable expression for %s", n->name);
		return;
	}
	if (!setenv && !addr_pattern(W, n->argv[first - 1], nocase, by_addr, &m)) {
		node_error(n, "%s regex could not be compiled.", n->name);
		return;
	}
	for (i = first; i < (setenv ? 1 : n->argc); i++) {
		struct envset *e = web_alloc(W->R->tree, sizeof(*e));
		const char *v = n->argv[i];
		size_t len = strcspn(v, "=");

		if (*v == '!') {
			e->unset = true;
			v++;
			len = strlen(v);
		}
		e->var = web_strndup(W->R->tree, v, len);
		e->by_addr = by_addr;
		e->always = setenv;
		e->m = m;
		e->loc = n->loc;
		e->text = node_text(W, n);
		env_push(W, C, e);
	}
}

/* ---- per-directory directives: mod_rewrite ---- */

static void
d_rewriteengine(struct walker *W, struct wctx *C, const struct anode *n)
{
	bool on;

	(void)W;
	if (!flag_arg(n, &on))
		return;
	if (server_level(C)) {
		C->V->sa.rw_on = on;
		C->V->rw_set = true;
	} else {
		C->acc->rw_set = true;
		C->acc->rw_engine = on ? 1 : 2;
	}
}

static void
d_rewriteoptions(struct walker *W, struct wctx *C, const struct anode *n)
{
	size_t i;
	bool inherit = false;

	(void)W;
	for (i = 0; i < n->argc; i++)
		if (strncasecmp(n->argv[i], "Inherit", 7) == 0)
			inherit = true;
	if (server_level(C)) {
		C->V->rw_inherit = inherit;
	} else {
		C->acc->rw_set = true;
		C->acc->rw_inherit = inherit;
	}
}

/* "[NC,OR]": whether flag (or its long name) is among them. */
static bool
has_flag(const char *flags, const char *shortf, const char *longf)
{
	char *f;
	char *save = NULL;
	char *tok;
	bool r = false;
	size_t n;

	if (flags == NULL || flags[0] != '[')
		return false;
	f = xstrdup(flags + 1);
	n = strlen(f);
	if (n && f[n - 1] == ']')
		f[n - 1] = '\0';
	for (tok = strtok_r(f, ",", &save); tok && !r; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		r = strcasecmp(tok, shortf) == 0 || (longf && strcasecmp(tok, longf) == 0);
		if (!r && strchr(shortf, '=') == NULL && strchr(tok, '='))
			continue;
	}
	free(f);
	return r;
}

static void
d_rewritecond(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct rwcond c;
	const char *pat;
	const char *flags = n->argc == 3 ? n->argv[2] : NULL;

	memset(&c, 0, sizeof(c));
	if (n->argc < 2 || n->argc > 3) {
		node_error(n, "RewriteCond: bad argument line '%s'", n->args);
		return;
	}
	c.loc = n->loc;
	c.text = node_text(W, n);
	c.ornext = has_flag(flags, "OR", "ornext");
	pat = n->argv[1];
	if (*pat == '!') {
		c.neg = true;
		pat++;
	}
	c.addr = strcasecmp(n->argv[0], "%{REMOTE_ADDR}") == 0;
	if (c.addr && pat[0] == '=') {
		/* string equality with the address text */
		struct cidr a;

		if (apache_subnet(pat + 1, &a) == SUBNET_OK && a.lo == a.hi)
			set_from_cidr(W, c.m.sure, &a);
		else
			set_from_cidr(W, c.m.sure, NULL);
		set_from_cidr(W, c.m.maybe, NULL);
	} else if (c.addr && (pat[0] == '<' || pat[0] == '>' || pat[0] == '-')) {
		/* lexical comparisons and tests: not decided */
		struct cidr all;

		cidr_parse("0.0.0.0/0", &all);
		set_from_cidr(W, c.m.sure, NULL);
		set_from_cidr(W, c.m.maybe, &all);
		cidr_parse("::/0", &all);
		ivset_init(&c.m.maybe[FAM_V6], FAM_V6);
		ivset_add_cidr(&c.m.maybe[FAM_V6], &all);
		tree_set(W, &c.m.maybe[FAM_V6]);
	} else if (strcasecmp(n->argv[0], "expr") != 0 &&
		   !addr_pattern(W, pat, has_flag(flags, "NC", "nocase"), c.addr, &c.m)) {
		node_error(n, "RewriteCond: cannot compile regular expression '%s'", pat);
		return;
	}
	if (server_level(C) || C->pend) {
		struct rwcond **pend = C->pend ? C->pend : &C->V->pend;
		size_t *np = C->pend ? C->npend : &C->V->npend;
		struct rwcond *slot = web_push(W->R->tree, (void **)pend, np, sizeof(*slot));

		*slot = c;
	}
}

/* Whether the pattern of a RewriteRule matches every path (server level:
 * "/..."; per directory: without the directory's prefix). */
static bool
every_path(void *re)
{
	static const char *const paths[] = {"", "/", "index.html", "/index.html", "a/b.php",
					    "/a/b.php"};
	size_t i;

	for (i = 0; i < ARRAY_LEN(paths); i++)
		if (!apache_regex_match(re, paths[i]))
			return false;
	return true;
}

static enum web_backend
backend_of_url(const char *url)
{
	const char *u = url;

	if (strncasecmp(u, "unix:", 5) == 0) {
		const char *bar = strchr(u, '|');

		if (bar == NULL)
			return WB_HTTP;
		u = bar + 1;
	}
	if (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0 ||
	    strncasecmp(u, "ws://", 5) == 0 || strncasecmp(u, "wss://", 6) == 0 ||
	    strncasecmp(u, "h2://", 5) == 0 || strncasecmp(u, "h2c://", 6) == 0 ||
	    strncasecmp(u, "balancer://", 11) == 0)
		return WB_HTTP;
	if (strncasecmp(u, "fcgi://", 7) == 0)
		return WB_FASTCGI;
	if (strncasecmp(u, "scgi://", 7) == 0)
		return WB_SCGI;
	if (strncasecmp(u, "uwsgi://", 8) == 0)
		return WB_UWSGI;
	return WB_OTHER;
}

static void
d_rewriterule(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct rwrule *r = web_alloc(W->R->tree, sizeof(*r));
	const char *flags = n->argc == 3 ? n->argv[2] : NULL;
	const char *pat;
	struct rwcond **pend = C->pend ? C->pend : &C->V->pend;
	size_t *np = C->pend ? C->npend : &C->V->npend;
	struct buf t = {NULL, 0, 0};
	char err[200];
	void *re;
	size_t i;

	if (n->argc < 2 || n->argc > 3) {
		node_error(n, "RewriteRule: bad argument line '%s'", n->args);
		*np = 0;
		return;
	}
	pat = n->argv[0];
	if (*pat == '!')
		pat++;
	re = apache_regex(pat, has_flag(flags, "NC", "nocase"), err, sizeof(err));
	if (re == NULL) {
		node_error(n, "RewriteRule: cannot compile regular expression '%s'", pat);
		*np = 0;
		return;
	}
	r->all_urls = n->argv[0][0] != '!' && every_path(re);
	apache_regex_free(re);
	r->forbid = has_flag(flags, "F", "forbidden") || has_flag(flags, "R=403", "redirect=403");
	r->proxy = has_flag(flags, "P", "proxy");
	r->pattern = web_strdup(W->R->tree, n->argv[0]);
	r->target = web_strdup(W->R->tree, n->argv[1]);
	r->loc = n->loc;
	r->ncond = *np;
	r->cond = *pend;
	*np = 0;
	*pend = NULL;
	buf_addf(&t, "%s %s", n->name, n->args);
	for (i = 0; i < r->ncond; i++)
		if (r->cond[i].addr)
			buf_addf(&t, "%s%s", i == 0 || t.p == NULL ? " (" : "; ", r->cond[i].text);
	if (r->ncond && strchr(t.p, '('))
		buf_adds(&t, ")");
	r->text = web_strdup(W->w, t.p);
	buf_free(&t);
	{
		struct rwrule **slot;

		if (server_level(C))
			slot = web_push(W->R->tree, (void **)&C->V->sa.rw, &C->V->sa.nrw,
					sizeof(*slot));
		else {
			C->acc->rw_set = true;
			slot = web_push(W->R->tree, (void **)&C->acc->rw, &C->acc->nrw, sizeof(*slot));
		}
		*slot = r;
	}
	if (r->proxy) {
		struct ppass *p;

		if (server_level(C)) {
			p = web_push(W->R->tree, (void **)&C->V->pp, &C->V->npp, sizeof(*p));
			p->path = web_strdup(W->w, n->argv[0]);
			p->re = apache_regex(pat, false, err, sizeof(err));
			keep_re(W, p->re);
			p->h.backend = backend_of_url(n->argv[1]);
			p->h.target = web_strdup(W->w, n->argv[1]);
			p->h.name = intern(n->name);
			p->h.loc = n->loc;
			p->h.timeout = -1;
			p->loc = n->loc;
			p->text = node_text(W, n);
		} else if (C->sec) {
			C->sec->h.backend = backend_of_url(n->argv[1]);
			C->sec->h.target = web_strdup(W->w, n->argv[1]);
			C->sec->h.name = intern(n->name);
			C->sec->h.loc = n->loc;
			C->sec->h.timeout = -1;
			C->sec->h_set = true;
		}
	}
}

/* ---- per-directory directives: handlers and proxies ---- */

static void
handler_set(struct walker *W, struct wctx *C, const struct anode *n, const char *value)
{
	struct dsec *d = C->sec ? C->sec : &C->V->defsec;

	memset(&d->h, 0, sizeof(d->h));
	d->h.backend = WB_NONE;
	d->h.timeout = -1;
	d->h_set = true;
	if (strncasecmp(value, "proxy:", 6) == 0) {
		d->h.backend = backend_of_url(value + 6);
		d->h.target = web_strdup(W->w, value + 6);
	} else if (strcasecmp(value, "fcgid-script") == 0) {
		d->h.backend = WB_FASTCGI;
		d->h.target = "mod_fcgid";
		d->h.fcgid = true;
	}
	d->h.name = intern(n->name);
	d->h.loc = n->loc;
}

static void
d_sethandler(struct walker *W, struct wctx *C, const struct anode *n)
{
	handler_set(W, C, n, n->argv[0]);
}

static void
d_addhandler(struct walker *W, struct wctx *C, const struct anode *n)
{
	if (strcasecmp(n->argv[0], "fcgid-script") == 0 ||
	    strncasecmp(n->argv[0], "proxy:", 6) == 0)
		handler_set(W, C, n, n->argv[0]);
}

/* The key=value parameters of ProxyPass and ProxySet: timeout=. */
static long long
worker_timeout(const struct anode *n, size_t from, bool *bad)
{
	long long t = -1;
	size_t i;

	*bad = false;
	for (i = from; i < n->argc; i++) {
		if (strncasecmp(n->argv[i], "timeout=", 8) != 0)
			continue;
		t = apache_timeout(n->argv[i] + 8, "s");
		if (t < 1000) {
			node_error(n, "ProxyPass Timeout must be at least one second");
			*bad = true;
			return -1;
		}
	}
	return t;
}

static void
d_proxypass(struct walker *W, struct wctx *C, const struct anode *n)
{
	bool match = strcasecmp(n->name, "ProxyPassMatch") == 0;
	bool in_loc = C->ctx == AX_LOC;
	const char *path = in_loc ? NULL : n->argv[0];
	size_t ui = in_loc ? 0 : 1;
	struct ppass p;
	bool bad;

	memset(&p, 0, sizeof(p));
	if (ui >= n->argc) {
		node_error(n, "ProxyPass|ProxyPassMatch needs a path when not defined in a location");
		return;
	}
	p.loc = n->loc;
	p.text = node_text(W, n);
	p.exclude = strcmp(n->argv[ui], "!") == 0;
	p.h.timeout = worker_timeout(n, ui + 1, &bad);
	if (bad)
		return;
	p.h.timeout_name = "ProxyPass timeout=";
	p.h.timeout_loc = n->loc;
	p.h.backend = p.exclude ? WB_NONE : backend_of_url(n->argv[ui]);
	p.h.target = web_strdup(W->w, n->argv[ui]);
	p.h.name = intern(n->name);
	p.h.loc = n->loc;
	if (in_loc) {
		C->sec->h = p.h;
		C->sec->h_set = true;
		return;
	}
	p.path = web_strdup(W->w, path);
	if (match) {
		char err[200];

		p.re = apache_regex(path, false, err, sizeof(err));
		if (p.re == NULL) {
			node_error(n, "Regular expression could not be compiled.");
			return;
		}
		keep_re(W, p.re);
	}
	*(struct ppass *)web_push(W->R->tree, (void **)&C->V->pp, &C->V->npp, sizeof(p)) = p;
}

static void
d_proxyset(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct pworker w;
	bool in_proxy = C->ctx == AX_PROXY;
	bool bad;

	memset(&w, 0, sizeof(w));
	w.url = in_proxy ? C->sec->path : web_strdup(W->w, n->argv[0]);
	w.timeout = worker_timeout(n, in_proxy ? 0 : 1, &bad);
	w.loc = n->loc;
	if (!bad && w.timeout >= 0)
		*(struct pworker *)web_push(W->R->tree, (void **)&C->V->workers, &C->V->nworker,
					    sizeof(w)) = w;
}

static void
d_alias(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct amap *m;
	char *d;

	if (n->argc != 2) {
		node_error(n, "Alias must have two arguments when used globally");
		return;
	}
	m = web_push(W->R->tree, (void **)&C->V->maps, &C->V->nmap, sizeof(*m));
	m->url = web_strdup(W->w, n->argv[0]);
	d = normalise_dir(W->R, n->argv[1]);
	m->dir = web_strdup(W->w, d);
	free(d);
	m->loc = n->loc;
	m->text = node_text(W, n);
	/* ScriptAlias: CGI scripts httpd runs itself, not a backend the
	 * model names; the mapping is the same as Alias's */
}

/* AllowOverride All|None|category...; AllowOverrideList directive... */
static void
d_allowoverride(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct dsec *d = C->sec;
	unsigned ov = 0;
	size_t i;

	if (d == NULL || d->kind != DS_DIR) {
		/* httpd warns: "Useless use of AllowOverride" */
		return;
	}
	if (strcasecmp(n->name, "AllowOverrideList") == 0) {
		d->naol = 0;
		if (!(n->argc == 1 && strcasecmp(n->argv[0], "None") == 0)) {
			d->aol = web_alloc(W->R->tree, n->argc * sizeof(*d->aol));
			for (i = 0; i < n->argc; i++)
				d->aol[d->naol++] = web_strdup(W->R->tree, n->argv[i]);
		}
		d->aol_set = true;
		return;
	}
	for (i = 0; i < n->argc; i++) {
		const char *a = n->argv[i];

		if (strcasecmp(a, "None") == 0) {
			if (n->argc > 1) {
				node_error(n, "'None' not allowed with other directives in AllowOverride");
				return;
			}
			ov = 0;
		} else if (strcasecmp(a, "All") == 0) {
			ov = OV_ALL;
		} else if (strcasecmp(a, "AuthConfig") == 0) {
			ov |= OV_AUTHCFG;
		} else if (strcasecmp(a, "FileInfo") == 0) {
			ov |= OV_FILEINFO;
		} else if (strcasecmp(a, "Indexes") == 0) {
			ov |= OV_INDEXES;
		} else if (strcasecmp(a, "Limit") == 0) {
			ov |= OV_LIMIT;
		} else if (strncasecmp(a, "Options", 7) == 0) {
			ov |= OV_OPTIONS;
		} else if (strncasecmp(a, "Nonfatal", 8) != 0) {
			node_error(n, "Illegal override option %s", a);
			return;
		}
	}
	d->ao_set = true;
	d->ao = ov;
	d->ao_loc = n->loc;
	d->ao_text = node_text(W, n);
}

/* ---- sections ---- */

struct pendc {
	size_t n;
	struct rwcond *v;
};

static struct dsec *
new_sec(struct walker *W, struct wctx *C, enum dkind kind, const struct anode *n)
{
	struct dsec *d = web_alloc(W->R->tree, sizeof(*d));
	char *label = xasprintf("<%s%s%s>", n->name, *n->args ? " " : "", n->args);
	struct dsec **slot;

	d->kind = kind;
	d->loc = n->loc;
	d->srv = C->V;
	d->order = W->nsec_total++;
	d->h.backend = WB_NONE;
	d->h.timeout = -1;
	d->label = web_strdup(W->w, label);
	free(label);
	if (C->sec) {
		d->parent = C->sec;
		slot = web_push(W->R->tree, (void **)&C->sec->kids, &C->sec->nkid, sizeof(*slot));
	} else {
		slot = web_push(W->R->tree, (void **)&C->V->secs, &C->V->nsec, sizeof(*slot));
	}
	*slot = d;
	return d;
}

static void
walk_sec(struct walker *W, struct wctx *C, struct dsec *d, enum actx ctx, const struct anode *n)
{
	struct wctx sub = *C;
	struct pendc pend = {0, NULL};

	sub.ctx = ctx;
	sub.sec = d;
	sub.acc = &d->acc;
	sub.authz = NULL;
	sub.pend = &pend.v;
	sub.npend = &pend.n;
	walk_list(W, &sub, n->child, n->nchild);
	authz_check(W, d->acc.authz, true);
	if (sub.refused && !C->refused) {
		C->refused = sub.refused;
		C->refused_loc = sub.refused_loc;
	}
}

static size_t
count_slashes(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		n += *p == '/';
	return n;
}

/* The path or regex of <Directory>, <Location>, <Files> and their Match
 * forms ("~" turns the plain ones into regexes). */
static bool
section_pattern(struct walker *W, const struct anode *n, const char **arg, void **re)
{
	bool match = strcasestr(n->name, "Match") != NULL;

	*re = NULL;
	if (n->argc == 0) {
		node_error(n, "<%s> directive requires additional arguments", n->name);
		return false;
	}
	*arg = n->argv[0];
	if (!match && strcmp(n->argv[0], "~") == 0) {
		if (n->argc < 2) {
			node_error(n, "<%s ~ > block must specify a path", n->name);
			return false;
		}
		*arg = n->argv[1];
		match = true;
	}
	if (match) {
		char err[200];

		*re = apache_regex(*arg, false, err, sizeof(err));
		if (*re == NULL) {
			node_error(n, "Regex could not be compiled");
			return false;
		}
		keep_re(W, *re);
	}
	return true;
}

static void
b_directory(struct walker *W, struct wctx *C, const struct anode *n)
{
	const char *arg;
	void *re;
	struct dsec *d;

	if (!section_pattern(W, n, &arg, &re))
		return;
	d = new_sec(W, C, re ? DS_DIRMATCH : DS_DIR, n);
	d->re = re;
	if (re) {
		d->path = web_strdup(W->w, arg);
	} else {
		char *p = normalise_dir(W->R, arg);
		char *q = strcmp(p, "/") == 0 ? xstrdup(p) : xasprintf("%s/", p);

		d->path = web_strdup(W->w, q);
		d->wild = glob_magic(q);
		d->ncomp = count_slashes(q);
		free(p);
		free(q);
	}
	walk_sec(W, C, d, AX_DIR, n);
}

static void
b_location(struct walker *W, struct wctx *C, const struct anode *n)
{
	const char *arg;
	void *re;
	struct dsec *d;

	if (!section_pattern(W, n, &arg, &re))
		return;
	d = new_sec(W, C, re ? DS_LOCMATCH : DS_LOC, n);
	d->re = re;
	d->path = web_strdup(W->w, arg);
	d->wild = !re && glob_magic(arg);
	walk_sec(W, C, d, AX_LOC, n);
}

static void
b_files(struct walker *W, struct wctx *C, const struct anode *n)
{
	const char *arg;
	void *re;
	struct dsec *d;

	if (!section_pattern(W, n, &arg, &re))
		return;
	d = new_sec(W, C, re ? DS_FILESMATCH : DS_FILES, n);
	d->re = re;
	d->path = web_strdup(W->w, arg);
	walk_sec(W, C, d, AX_FILES, n);
}

static void
b_if(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct dsec *d;

	if (strcasecmp(n->name, "Else") == 0 && *n->args) {
		node_error(n, "<Else> does not take an argument");
		return;
	}
	if (strcasecmp(n->name, "Else") != 0 && n->argc == 0) {
		node_error(n, "<%s> directive requires additional arguments", n->name);
		return;
	}
	d = new_sec(W, C, DS_IF, n);
	d->path = web_strdup(W->w, n->args);
	walk_sec(W, C, d, AX_IF, n);
}

/* <Limit>/<LimitExcept>: requests with GET (Cloudflare's visitors' usual
 * method) take the directives with the enclosing section when the methods
 * cover GET; otherwise they are a scope of their own. */
static void
b_limit(struct walker *W, struct wctx *C, const struct anode *n)
{
	bool except = strcasecmp(n->name, "LimitExcept") == 0;
	bool get = false;
	size_t i;

	if (n->argc == 0) {
		node_error(n, "<%s> directive requires additional arguments", n->name);
		return;
	}
	for (i = 0; i < n->argc; i++) {
		if (strcasecmp(n->argv[i], "TRACE") == 0 && !except) {
			node_error(n, "TRACE cannot be controlled by <Limit>, see TraceEnable");
			return;
		}
		if (strcasecmp(n->argv[i], "GET") == 0)
			get = true;
	}
	if (get != except) {
		struct wctx sub = *C;

		sub.ctx = AX_LIMIT;
		walk_list(W, &sub, n->child, n->nchild);
		if (sub.refused && !C->refused) {
			C->refused = sub.refused;
			C->refused_loc = sub.refused_loc;
		}
		return;
	}
	if (C->sec == NULL)
		return;
	{
		struct dsec *d = new_sec(W, C, DS_LIMIT, n);

		d->path = web_strdup(W->w, n->args);
		walk_sec(W, C, d, AX_LIMIT, n);
	}
}

static void
b_proxy(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct dsec *d;

	if (n->argc == 0) {
		node_error(n, "<%s> directive requires additional arguments", n->name);
		return;
	}
	d = new_sec(W, C, DS_PROXY, n);
	d->path = web_strdup(W->w, n->argv[0]);
	walk_sec(W, C, d, AX_PROXY, n);
}

static void walk_server(struct walker *W, struct vconf *V, const struct anode *v, size_t n,
			enum actx ctx);

static void
vconf_init(struct vconf *V, struct loc loc, bool is_main)
{
	memset(V, 0, sizeof(*V));
	V->is_main = is_main;
	V->loc = loc;
	V->ssl_engine = -1;
	V->defsec.kind = DS_SERVER;
	V->defsec.h.backend = WB_NONE;
	V->defsec.h.timeout = -1;
	V->defsec.srv = V;
}

static void
b_vhost(struct walker *W, struct wctx *C, const struct anode *n)
{
	struct vconf *V;
	size_t i;

	if (C->ctx != AX_MAIN) {
		node_error(n, "<VirtualHost> doesn't nest!");
		return;
	}
	if (n->argc == 0) {
		node_error(n, "<VirtualHost> directive requires additional arguments");
		return;
	}
	V = web_alloc(W->R->tree, sizeof(*V));
	vconf_init(V, n->loc, false);
	for (i = 0; i < n->argc; i++) {
		struct web_listen a;
		bool given;
		bool wild;

		if (!parse_addr_port(W, n->argv[i], &a, &given, &wild)) {
			node_error(n, "The address or port is invalid");
			return;
		}
		if (a.kind == WA_NAME) {
			/* httpd resolves it when it starts; cfaudit cannot */
			node_error(n, "<VirtualHost %s>: a host name, resolved when httpd starts: "
				   "cfaudit cannot tell which address it is (use the address or *)",
				   n->argv[i]);
			continue;
		}
		if (!given && !wild)
			a.port = W->main.sn_port; /* the main server's port; 0: any */
		a.loc = n->loc;
		*(struct web_listen *)web_push(W->R->tree, (void **)&V->addrs, &V->naddr,
					       sizeof(a)) = a;
	}
	VEC_PUSH(W->vhs, W->nvh, W->vh_cap, V);
	walk_server(W, V, n->child, n->nchild, AX_VHOST);
}

/* ---- the directive table ---- */

#define PERDIR_SRV (C_SRV | C_DIRS)

/* Directives (sorted by lowercase name) and sections (another table). */
static const struct directive directives[] = {
	{"accessfilename", NULL, C_SRV, 0, 1, -1, d_accessfilename},
	{"addhandler", "mime_module", PERDIR_SRV, OV_FILEINFO, 2, -1, d_addhandler},
	{"alias", "alias_module", C_SRV, 0, 1, 2, d_alias},
	{"allow", "access_compat_module", C_DIRS, OV_LIMIT, 1, -1, d_allowdeny},
	{"allowoverride", NULL, C_SEC | CX(AX_LIMIT), 0, 1, -1, d_allowoverride},
	{"allowoverridelist", NULL, C_SEC | CX(AX_LIMIT), 0, 1, -1, d_allowoverride},
	{"authmerging", "authz_core_module", C_DIRS, OV_AUTHCFG, 1, 1, d_authmerging},
	{"browsermatch", "setenvif_module", PERDIR_SRV, OV_FILEINFO, 2, -1, d_setenvif},
	{"browsermatchnocase", "setenvif_module", PERDIR_SRV, OV_FILEINFO, 2, -1, d_setenvif},
	{"deny", "access_compat_module", C_DIRS, OV_LIMIT, 1, -1, d_allowdeny},
	{"documentroot", NULL, C_SRV, 0, 1, 1, d_documentroot},
	{"dosblockingperiod", "evasive20_module", C_SRV, 0, 1, 1, d_evasive},
	{"dospagecount", "evasive20_module", C_SRV, 0, 1, 1, d_evasive},
	{"dospageinterval", "evasive20_module", C_SRV, 0, 1, 1, d_evasive},
	{"dossitecount", "evasive20_module", C_SRV, 0, 1, 1, d_evasive},
	{"dossiteinterval", "evasive20_module", C_SRV, 0, 1, 1, d_evasive},
	{"fcgidiotimeout", "fcgid_module", C_SRV, 0, 1, 1, d_timeout},
	{"keepalive", NULL, C_SRV, 0, 1, 1, d_keepalive},
	{"keepalivetimeout", NULL, C_SRV, 0, 1, 1, d_timeout},
	{"listen", NULL, CX(AX_MAIN), 0, 1, 2, d_listen},
	{"maxkeepaliverequests", NULL, C_SRV, 0, 1, 1, d_maxkeepalive},
	{"order", "access_compat_module", C_DIRS, OV_LIMIT, 1, 1, d_order},
	{"protocol", NULL, C_SRV, 0, 1, 1, d_protocol},
	{"protocols", NULL, C_SRV, 0, 1, -1, d_protocols},
	{"proxypass", "proxy_module", C_SRV | CX(AX_LOC), 0, 1, -1, d_proxypass},
	{"proxypassmatch", "proxy_module", C_SRV | CX(AX_LOC), 0, 1, -1, d_proxypass},
	{"proxyset", "proxy_module", C_SRV | CX(AX_PROXY), 0, 1, -1, d_proxyset},
	{"proxytimeout", "proxy_module", C_SRV, 0, 1, 1, d_timeout},
	{"qs_srvmaxconnperip", "qos_module", C_SRV, 0, 1, 2, d_qos},
	{"remoteipheader", "remoteip_module", C_SRV, 0, 1, 1, d_remoteip_header},
	{"remoteipinternalproxy", "remoteip_module", C_SRV, 0, 1, -1, d_remoteip_proxy},
	{"remoteipproxyprotocol", "remoteip_module", C_SRV, 0, 1, 1, d_remoteip_pp},
	{"remoteipproxyprotocolexceptions", "remoteip_module", C_SRV, 0, 1, -1,
	 d_remoteip_pp_exceptions},
	{"remoteiptrustedproxy", "remoteip_module", C_SRV, 0, 1, -1, d_remoteip_proxy},
	{"requestreadtimeout", "reqtimeout_module", C_SRV, 0, 1, -1, d_reqtimeout},
	{"require", "authz_core_module", C_DIRS | CX(AX_AUTHZ), OV_AUTHCFG, 1, -1, d_require},
	{"rewritecond", "rewrite_module", PERDIR_SRV, OV_FILEINFO, 2, 3, d_rewritecond},
	{"rewriteengine", "rewrite_module", PERDIR_SRV, OV_FILEINFO, 1, 1, d_rewriteengine},
	{"rewriteoptions", "rewrite_module", PERDIR_SRV, OV_FILEINFO, 1, -1, d_rewriteoptions},
	{"rewriterule", "rewrite_module", PERDIR_SRV, OV_FILEINFO, 2, 3, d_rewriterule},
	{"satisfy", "access_compat_module", C_DIRS, OV_AUTHCFG, 1, 1, d_satisfy},
	{"scriptalias", "alias_module", C_SRV, 0, 1, 2, d_alias},
	{"secaction", "security2_module", PERDIR_SRV, 0, 1, -1, d_modsec},
	{"secrule", "security2_module", PERDIR_SRV, 0, 2, -1, d_modsec},
	{"serveralias", NULL, C_SRV, 0, 1, -1, d_serveralias},
	{"servername", NULL, C_SRV, 0, 1, 1, d_servername},
	{"setenv", "env_module", PERDIR_SRV, OV_FILEINFO, 1, 2, d_setenvif},
	{"setenvif", "setenvif_module", PERDIR_SRV, OV_FILEINFO, 2, -1, d_setenvif},
	{"setenvifnocase", "setenvif_module", PERDIR_SRV, OV_FILEINFO, 2, -1, d_setenvif},
	{"sethandler", NULL, C_DIRS, OV_FILEINFO, 1, 1, d_sethandler},
	{"sslcacertificatefile", "ssl_module", C_SRV, 0, 1, 1, d_sslfile},
	{"sslcacertificatepath", "ssl_module", C_SRV, 0, 1, 1, d_sslfile},
	{"sslcarevocationfile", "ssl_module", C_SRV, 0, 1, 1, d_sslfile},
	{"sslcarevocationpath", "ssl_module", C_SRV, 0, 1, 1, d_sslfile},
	{"sslcertificatechainfile", "ssl_module", C_SRV, 0, 1, 1, d_sslfile},
	{"sslcertificatefile", "ssl_module", C_SRV, 0, 1, 1, d_sslfile},
	{"sslcertificatekeyfile", "ssl_module", C_SRV, 0, 1, 1, d_sslfile},
	{"sslciphersuite", "ssl_module", PERDIR_SRV, OV_AUTHCFG, 1, 2, d_ssltext},
	{"sslcompression", "ssl_module", C_SRV, 0, 1, 1, d_sslflag},
	{"sslengine", "ssl_module", C_SRV, 0, 1, 1, d_sslengine},
	{"sslhonorcipherorder", "ssl_module", C_SRV, 0, 1, 1, d_ssltext},
	{"sslopensslconfcmd", "ssl_module", C_SRV, 0, 2, 2, d_sslconfcmd},
	{"sslprotocol", "ssl_module", C_SRV, 0, 1, -1, d_ssltext},
	{"sslsessionticketkeyfile", "ssl_module", C_SRV, 0, 1, 1, d_sslfile},
	{"sslstaplingcache", "ssl_module", CX(AX_MAIN), 0, 1, 1, d_sslflag},
	{"sslusestapling", "ssl_module", C_SRV, 0, 1, 1, d_sslflag},
	{"sslverifyclient", "ssl_module", PERDIR_SRV, OV_AUTHCFG, 1, 1, d_ssltext},
	{"timeout", NULL, C_SRV, 0, 1, 1, d_timeout},
};

static const struct directive sections[] = {
	{"directory", NULL, C_SRV, 0, 0, -1, b_directory},
	{"directorymatch", NULL, C_SRV, 0, 0, -1, b_directory},
	{"else", NULL, C_SRV | C_SEC, OV_ALL, 0, -1, b_if},
	{"elseif", NULL, C_SRV | C_SEC, OV_ALL, 0, -1, b_if},
	{"files", NULL, C_SRV | CX(AX_DIR), OV_ALL, 0, -1, b_files},
	{"filesmatch", NULL, C_SRV | CX(AX_DIR), OV_ALL, 0, -1, b_files},
	{"if", NULL, C_SRV | C_SEC, OV_ALL, 0, -1, b_if},
	{"limit", NULL, C_SEC, OV_LIMIT | OV_AUTHCFG, 0, -1, b_limit},
	{"limitexcept", NULL, C_SEC, OV_LIMIT | OV_AUTHCFG, 0, -1, b_limit},
	{"location", NULL, C_SRV, 0, 0, -1, b_location},
	{"locationmatch", NULL, C_SRV, 0, 0, -1, b_location},
	{"proxy", "proxy_module", C_SRV, 0, 0, -1, b_proxy},
	{"proxymatch", "proxy_module", C_SRV, 0, 0, -1, b_proxy},
	{"requireall", "authz_core_module", C_DIRS | CX(AX_AUTHZ), OV_AUTHCFG, 0, -1,
	 b_require_section},
	{"requireany", "authz_core_module", C_DIRS | CX(AX_AUTHZ), OV_AUTHCFG, 0, -1,
	 b_require_section},
	{"requirenone", "authz_core_module", C_DIRS | CX(AX_AUTHZ), OV_AUTHCFG, 0, -1,
	 b_require_section},
	{"virtualhost", NULL, C_SRV, 0, 0, -1, b_vhost},
};

static int
directive_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct directive *)elem)->name);
}

static bool
table_sorted(const struct directive *t, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(t[i - 1].name, t[i].name) >= 0)
			return false;
	return true;
}

bool
apache_tables_sorted(void)
{
	size_t i;

	for (i = 1; i < ARRAY_LEN(providers); i++)
		if (strcmp(providers[i - 1].name, providers[i].name) >= 0)
			return false;
	return table_sorted(directives, ARRAY_LEN(directives)) &&
	       table_sorted(sections, ARRAY_LEN(sections));
}

static const struct directive *
find_directive(const char *name, bool section)
{
	if (section)
		return bsearch(name, sections, ARRAY_LEN(sections), sizeof(sections[0]),
			       directive_cmp);
	return bsearch(name, directives, ARRAY_LEN(directives), sizeof(directives[0]),
		       directive_cmp);
}

/* <IfDirective>: a directive of the table whose module is loaded; one the
 * table does not know is taken to exist. */
static bool
directive_known(const struct areader *R, const char *name)
{
	bool sec = name[0] == '<';
	const struct directive *d = find_directive(sec ? name + 1 : name, sec);

	return d == NULL || module_loaded(R, d->module);
}

static bool
in_override_list(const struct wctx *C, const char *name)
{
	size_t i;

	for (i = 0; i < C->novlist; i++)
		if (strcasecmp(C->ovlist[i], name) == 0)
			return true;
	return false;
}

static bool
args_ok(const struct directive *d, const struct anode *n)
{
	if ((int)n->argc >= d->amin && (d->amax < 0 || (int)n->argc <= d->amax))
		return true;
	if (d->amin == 1 && d->amax == 1)
		node_error(n, "%s takes one argument", n->name);
	else if (d->amin == 2 && d->amax == 2)
		node_error(n, "%s takes two arguments", n->name);
	else if (d->amax < 0)
		node_error(n, "%s requires at least %d argument%s", n->name, d->amin,
			   d->amin == 1 ? "" : "s");
	else
		node_error(n, "%s takes %d-%d arguments", n->name, d->amin, d->amax);
	return false;
}

static void
walk_list(struct walker *W, struct wctx *C, const struct anode *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct anode *a = &v[i];
		const struct directive *d = find_directive(a->name, a->section);
		const char *lt = a->section ? "<" : "";

		if (d == NULL)
			continue;
		if (!module_loaded(W->R, d->module)) {
			node_error(a, "Invalid command '%s%s', perhaps misspelled or defined by a "
				   "module not included in the server configuration", lt, a->name);
			continue;
		}
		if (C->in_ht) {
			/* in a .htaccess file: AllowOverride decides, at request
			 * time (httpd answers 500 for what it does not allow) */
			if (d->ov == 0) {
				node_error(a, "%s%s not allowed here", lt, a->name);
				continue;
			}
			if (C->needs) {
				struct htneed *nd;

				if (C->needs->n == C->needs->cap) {
					if (C->needs->cap == SIZE_MAX)
						abort(); /* moved into the arena: walked */
					C->needs->cap = C->needs->cap ? C->needs->cap * 2 : 16;
					C->needs->v = xreallocarray(C->needs->v, C->needs->cap,
								    sizeof(*nd));
				}
				nd = &C->needs->v[C->needs->n++];

				nd->name = web_strdup(W->R->tree, a->name);
				nd->ov = d->ov;
				nd->loc = a->loc;
			}
			if (!(d->ov & C->ov) && !in_override_list(C, a->name)) {
				if (!C->refused) {
					C->refused = web_strdup(W->w, a->name);
					C->refused_loc = a->loc;
				}
				continue;
			}
		} else if (!(d->where & CX(C->ctx))) {
			if (C->ctx == AX_VHOST && (d->where & CX(AX_MAIN)))
				node_error(a, "%s%s%s cannot occur within <VirtualHost> section", lt,
					   a->name, a->section ? ">" : "");
			else
				node_error(a, "%s%s not allowed here", lt, a->name);
			continue;
		}
		if (!a->section && !args_ok(d, a))
			continue;
		d->fn(W, C, a);
	}
}

static void
walk_server(struct walker *W, struct vconf *V, const struct anode *v, size_t n, enum actx ctx)
{
	struct wctx C;

	memset(&C, 0, sizeof(C));
	C.ctx = ctx;
	C.V = V;
	C.acc = &V->defsec.acc;
	walk_list(W, &C, v, n);
}

/* ---- .htaccess files ---- */

struct htfile {
	const char *path; /* interned */
	const char *dir;  /* its directory, with a trailing "/" */
	bool checked;
	bool exists;
	bool walked;
	struct input *in;
	struct alist tree;
	struct dsec *sec; /* its directives, all of them allowed */
	struct htneeds needs;
	bool honoured;    /* httpd reads it for some request */
	bool refused;     /* httpd answers 500 there for some request */
	bool found;       /* seen by the search under a DocumentRoot */
	bool blocked;     /* AllowOverride None where it is */
	struct loc block_loc;
};

struct httable {
	size_t n;
	size_t cap; /* of slots: a power of two */
	struct htfile **slots;
	size_t nlist;
	size_t list_cap;
	struct htfile **list;
};

/* dir followed by name, interned; the path is put together on the stack
 * (every directory of every scope asks, so no allocation per question) */
static const char *
intern_path(const char *dir, const char *name)
{
	char small[512];
	size_t dl = strlen(dir);
	size_t nl = strlen(name);
	char *full = dl + nl < sizeof(small) ? small : xmalloc(dl + nl + 1);
	const char *key;

	memcpy(full, dir, dl);
	memcpy(full + dl, name, nl + 1);
	key = intern(full);
	if (full != small)
		free(full);
	return key;
}

static struct htfile *
ht_get(struct walker *W, struct httable *T, const char *dir, const char *name)
{
	const char *key = intern_path(dir, name);
	size_t i;
	struct htfile *h;

	if (T->n * 2 >= T->cap) {
		size_t ncap = T->cap ? T->cap * 2 : 256;
		struct htfile **ns = xcalloc(ncap, sizeof(*ns));

		for (i = 0; i < T->cap; i++) {
			size_t j;

			if (T->slots[i] == NULL)
				continue;
			for (j = ptr_hash(T->slots[i]->path) & (ncap - 1); ns[j]; j = (j + 1) & (ncap - 1))
				;
			ns[j] = T->slots[i];
		}
		free(T->slots);
		T->slots = ns;
		T->cap = ncap;
	}
	for (i = ptr_hash(key) & (T->cap - 1); T->slots[i]; i = (i + 1) & (T->cap - 1))
		if (T->slots[i]->path == key)
			return T->slots[i];
	h = web_alloc(W->R->tree, sizeof(*h));
	h->path = key;
	h->dir = web_strdup(W->w, dir);
	T->slots[i] = h;
	T->n++;
	VEC_PUSH(T->list, T->nlist, T->list_cap, h);
	return h;
}

static void
ht_read(struct walker *W, struct htfile *h)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	enum read_result rr;

	h->checked = true;
	rr = root_read(h->path, &data, &len, &err);
	if (rr == READ_MISSING)
		return;
	h->exists = true;
	h->in = file_input(W->R, h->path);
	if (rr == READ_FAILED) {
		input_unreadable(h->in, "%s", err);
		free(err);
		return;
	}
	W->R->htaccess = true;
	read_data(W->R, h->path, h->in, data, len, &h->tree, 0);
	alist_seal(W->R, &h->tree);
	W->R->htaccess = false;
	suppress_scan(h->in, data, len);
	free(data);
}

/* The directives of h, walked once with everything allowed; what each
 * needs is kept, so each AllowOverride in effect is checked against it. */
static void
ht_walk(struct walker *W, struct htfile *h)
{
	struct wctx C;
	struct pendc pend = {0, NULL};
	struct dsec *d = web_alloc(W->R->tree, sizeof(*d));

	h->walked = true;
	d->kind = DS_HTACCESS;
	d->path = h->dir;
	d->label = h->path;
	d->loc.file = h->path;
	d->order = W->nsec_total++;
	d->h.backend = WB_NONE;
	d->h.timeout = -1;
	d->srv = &W->main;
	memset(&C, 0, sizeof(C));
	C.ctx = AX_HTACCESS;
	C.V = &W->main;
	C.sec = d;
	C.acc = &d->acc;
	C.in_ht = true;
	C.ov = OV_ALL;
	C.pend = &pend.v;
	C.npend = &pend.n;
	C.needs = &h->needs;
	walk_list(W, &C, h->tree.v, h->tree.n);
	if (h->needs.n) {
		struct htneed *v = web_alloc(W->R->tree, h->needs.n * sizeof(*v));

		memcpy(v, h->needs.v, h->needs.n * sizeof(*v));
		free(h->needs.v);
		h->needs.v = v;
	}
	h->needs.cap = SIZE_MAX;
	authz_check(W, d->acc.authz, true);
	h->sec = d;
}

/* The first directive of h that AllowOverride ov (and the list) does not
 * allow: httpd answers 500 for every request there. */
static const struct htneed *
ht_refused(const struct htfile *h, unsigned ov, const char *const *list, size_t nlist)
{
	size_t i;
	size_t j;

	for (i = 0; i < h->needs.n; i++) {
		const struct htneed *nd = &h->needs.v[i];
		bool listed = false;

		if (nd->ov & ov)
			continue;
		for (j = 0; j < nlist && !listed; j++)
			listed = strcasecmp(list[j], nd->name) == 0;
		if (!listed)
			return nd;
	}
	return NULL;
}

/* The directories under root (the root too) that hold an access file. */
struct htsearch {
	struct walker *W;
	struct httable *T;
	const char *const *names;
	size_t nnames;
	size_t dirs;
	bool capped;
	size_t nfound;
	size_t found_cap;
	struct htfile **found;
};

static void
ht_search(struct htsearch *S, const char *dir, unsigned depth)
{
	char **names = NULL;
	unsigned char *types = NULL;
	size_t n = 0;
	char *err = NULL;
	size_t i;
	size_t k;

	if (S->capped)
		return;
	if (++S->dirs > CAP_HTACCESS_DIRS || depth > CAP_HTACCESS_DEPTH) {
		S->capped = true;
		return;
	}
	if (root_list_types(dir, &names, &types, &n, &err) != READ_OK) {
		free(err);
		return;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < S->nnames; k++)
			if (types[i] != ENTRY_DIR && strcmp(names[i], S->names[k]) == 0) {
				struct htfile *h = ht_get(S->W, S->T, dir, names[i]);

				h->found = true;
				VEC_PUSH(S->found, S->nfound, S->found_cap, h);
			}
		if (types[i] == ENTRY_DIR) {
			char *sub = xasprintf("%s%s/", dir, names[i]);

			ht_search(S, sub, depth + 1);
			free(sub);
		}
	}
	names_free(names, n);
	free(types);
}

/* ---- the model ---- */

/* The access files found under one directory. */
struct searched {
	const char *dir; /* interned */
	size_t n;
	struct htfile **v;
};

struct apache_build {
	struct walker *W;
	struct httable ht;
	size_t nsearched;
	size_t searched_cap;
	struct searched *searched;
	struct pmap searched_at; /* interned directory -> index + 1 */
	const struct web_trust *main_trust; /* shared by hosts without their own */
	bool main_trust_done;
};

static const char *const default_access_names[] = {".htaccess"};

static void
access_names(const struct walker *W, const struct vconf *V, const char *const **v, size_t *n)
{
	if (V->naccname) {
		*v = V->accname;
		*n = V->naccname;
	} else if (W->main.naccname) {
		*v = W->main.accname;
		*n = W->main.naccname;
	} else {
		*v = default_access_names;
		*n = 1;
	}
}

/* A request: its URL path, the directory it maps to (with a trailing "/";
 * NULL when a ProxyPass takes it), and a section applied last (the scope's
 * own <Files>, regex, <If> or <Limit>). */
struct sreq {
	const char *url;
	const char *dir;
	const struct dsec *own;
	const struct handler *proxied;
};

struct resolved {
	struct aaccess acc;
	const struct handler *h;
};

static bool
dir_matches(const struct dsec *S, const char *p)
{
	if (S->wild)
		return fnmatch(S->path, p, FNM_PATHNAME) == 0;
	return strcmp(S->path, p) == 0;
}

static bool
loc_matches(const struct dsec *S, const char *url)
{
	size_t len;

	if (S->re)
		return apache_regex_match(S->re, url);
	if (S->wild)
		return fnmatch(S->path, url, FNM_PATHNAME) == 0;
	len = strlen(S->path);
	if (len == 0 || strncmp(S->path, url, len) != 0)
		return false;
	return S->path[len - 1] == '/' || url[len] == '/' || url[len] == '\0';
}

static void
apply(struct walker *W, struct resolved *r, const struct dsec *S)
{
	aaccess_merge(W->R->tree, &r->acc, &r->acc, &S->acc);
	if (S->h_set)
		r->h = S->h.backend == WB_NONE ? NULL : &S->h;
}

/* The server's sections of one kind in httpd's order: the main server's,
 * then the virtual host's. */
static void
each_sec(struct walker *W, const struct vconf *V, unsigned kinds,
	 void (*fn)(void *, const struct dsec *), void *arg)
{
	size_t pass;
	size_t i;

	for (pass = 0; pass < 2; pass++) {
		const struct vconf *X = pass == 0 ? &W->main : V;

		if (pass == 1 && V == &W->main)
			break;
		for (i = 0; i < X->nsec; i++)
			if (kinds & (1u << X->secs[i]->kind))
				fn(arg, X->secs[i]);
	}
}

struct dirwalk {
	struct apache_build *B;
	const struct vconf *V;
	struct resolved *r;
	const char *prefix; /* the directory being walked */
	size_t ncomp;
	unsigned ov;
	bool aol_set;
	size_t naol;
	const char **aol;
	struct loc ao_loc;
};

static void
dirwalk_one(void *arg, const struct dsec *S)
{
	struct dirwalk *D = arg;

	if (S->ncomp != D->ncomp || !dir_matches(S, D->prefix))
		return;
	apply(D->B->W, D->r, S);
	if (S->ao_set) {
		D->ov = S->ao;
		D->ao_loc = S->ao_loc;
	}
	if (S->aol_set) {
		D->naol = S->naol;
		D->aol = S->aol;
	}
}

static void
dirmatch_one(void *arg, const struct dsec *S)
{
	struct dirwalk *D = arg;

	if (apache_regex_match(S->re, D->prefix))
		apply(D->B->W, D->r, S);
}

struct locwalk {
	struct walker *W;
	struct resolved *r;
	const char *url;
};

static void
loc_one(void *arg, const struct dsec *S)
{
	struct locwalk *L = arg;

	if (loc_matches(S, L->url))
		apply(L->W, L->r, S);
}

/* The access files of dir, as httpd reads them with override ov. */
static void
dirwalk_access(struct dirwalk *D)
{
	struct walker *W = D->B->W;
	const char *const *names;
	size_t nnames;
	size_t k;

	access_names(W, D->V, &names, &nnames);
	for (k = 0; k < nnames; k++) {
		struct htfile *h;
		const struct htneed *bad;

		if (D->ov == 0 && D->naol == 0) {
			/* not read: an access file there is not live */
			h = ht_get(W, &D->B->ht, D->prefix, names[k]);
			if (h->found && !h->blocked) {
				h->blocked = true;
				h->block_loc = D->ao_loc;
			}
			continue;
		}
		h = ht_get(W, &D->B->ht, D->prefix, names[k]);
		if (!h->checked)
			ht_read(W, h);
		if (!h->exists)
			continue;
		if (!h->walked)
			ht_walk(W, h);
		h->honoured = true;
		bad = ht_refused(h, D->ov, D->aol, D->naol);
		if (bad) {
			if (!h->refused) {
				h->refused = true;
				if (h->in->detail == NULL)
					h->in->detail = xasprintf(
						"httpd answers 500 for requests here: %s (line %u) is "
						"not allowed by AllowOverride",
						bad->name, bad->loc.line);
			}
			continue;
		}
		apply(W, D->r, h->sec);
	}
}

static void
resolve(struct apache_build *B, const struct vconf *V, const struct sreq *q, struct resolved *r)
{
	struct walker *W = B->W;

	memset(r, 0, sizeof(*r));
	/* ProxyPass takes the request first (translate_name); a SetHandler
	 * of a section applied later overrides it */
	r->h = q->proxied;
	apply(W, r, &W->main.defsec);
	if (V != &W->main)
		apply(W, r, &V->defsec);
	if (q->dir) {
		struct dirwalk D;
		const char *p;

		memset(&D, 0, sizeof(D));
		D.B = B;
		D.V = V;
		D.r = r;
		/* "/", "/var/", "/var/www/", ...: sections, then the access file */
		for (p = q->dir; p; p = strchr(p + 1, '/')) {
			char *prefix = xstrndup(q->dir, (size_t)(p - q->dir) + 1);

			D.prefix = prefix;
			D.ncomp = count_slashes(prefix);
			each_sec(W, V, 1u << DS_DIR, dirwalk_one, &D);
			dirwalk_access(&D);
			free(prefix);
			if (p[1] == '\0')
				break;
		}
		D.prefix = q->dir;
		each_sec(W, V, 1u << DS_DIRMATCH, dirmatch_one, &D);
	}
	{
		struct locwalk L = {W, r, q->url};

		each_sec(W, V, 1u << DS_LOC | 1u << DS_LOCMATCH, loc_one, &L);
	}
	if (q->own)
		apply(W, r, q->own);
}

/* ---- the model: server-level settings ---- */

static void
inherit_value(struct web_value *v, const struct web_value *m)
{
	if (!v->set)
		*v = *m;
}

static void
inherit_text(struct web_text *t, const struct web_text *m)
{
	if (t->text == NULL)
		*t = *m;
}

/* SSLOpenSSLConfCmd: the main server's commands, then the virtual
 * host's (mod_ssl appends the arrays); a host with none shares the main
 * server's list. */
static void
inherit_conf(struct walker *W, struct web_tls *t, const struct web_tls *m)
{
	struct web_conf_cmd *v;

	if (m->nconf == 0)
		return;
	if (t->nconf == 0) {
		t->nconf = m->nconf;
		t->conf = m->conf;
		return;
	}
	v = web_alloc(W->w, (m->nconf + t->nconf) * sizeof(*v));
	memcpy(v, m->conf, m->nconf * sizeof(*v));
	memcpy(v + m->nconf, t->conf, t->nconf * sizeof(*v));
	t->conf = v;
	t->nconf += m->nconf;
}

/* merge_server_configs: what a virtual host does not set comes from the
 * main server (wherever the main server sets it). */
static void
inherit(struct walker *W, struct vconf *V)
{
	const struct vconf *M = &W->main;
	struct web_tls *t = &V->tls;

	if (V->docroot == NULL) {
		V->docroot = M->docroot;
		V->docroot_loc = M->docroot_loc;
	}
	inherit_value(&V->timeout, &M->timeout);
	inherit_value(&V->proxy_timeout, &M->proxy_timeout);
	inherit_value(&V->keepalive, &M->keepalive);
	inherit_value(&V->keepalive_timeout, &M->keepalive_timeout);
	inherit_value(&V->max_requests, &M->max_requests);
	inherit_value(&V->fcgid_io, &M->fcgid_io);
	inherit_value(&V->body_timeout, &M->body_timeout);
	inherit_value(&V->header_timeout, &M->header_timeout);
	inherit_value(&V->qos_conn, &M->qos_conn);
	inherit_value(&V->h2, &M->h2);
	inherit_value(&V->h2c, &M->h2c);
	inherit_text(&V->rip_header, &M->rip_header);
	if (V->ssl_engine < 0) {
		V->ssl_engine = M->ssl_engine;
		V->ssl_loc = M->ssl_loc;
	}
	if (t->ncert == 0) {
		t->ncert = M->tls.ncert;
		t->cert = M->tls.cert;
	}
	if (t->nkey == 0) {
		t->nkey = M->tls.nkey;
		t->key = M->tls.key;
	}
	inherit_text(&t->protocols, &M->tls.protocols);
	inherit_text(&t->ciphers, &M->tls.ciphers);
	inherit_text(&t->prefer_server_ciphers, &M->tls.prefer_server_ciphers);
	inherit_text(&t->verify_client, &M->tls.verify_client);
	inherit_text(&t->client_certificate, &M->tls.client_certificate);
	inherit_text(&t->trusted_certificate, &M->tls.trusted_certificate);
	inherit_text(&t->chain, &M->tls.chain);
	inherit_text(&t->ciphersuites, &M->tls.ciphersuites);
	inherit_text(&t->ca_path, &M->tls.ca_path);
	inherit_text(&t->crl, &M->tls.crl);
	inherit_text(&t->crl_path, &M->tls.crl_path);
	inherit_text(&t->ticket_key_file, &M->tls.ticket_key_file);
	inherit_text(&t->stapling, &M->tls.stapling);
	inherit_text(&t->stapling_cache, &M->tls.stapling_cache);
	inherit_text(&t->compression, &M->tls.compression);
	if (t->verify_client_dir.text == NULL) {
		t->verify_client_dir = M->tls.verify_client_dir;
		t->verify_client_dir_root = M->tls.verify_client_dir_root;
		V->vcd_dir = M->vcd_dir;
	}
	inherit_conf(W, t, &M->tls);
	/* mod_setenvif appends; mod_rewrite's rules stay the virtual
	 * host's own unless RewriteOptions Inherit, its engine state is
	 * inherited */
	if (M->sa.nenv) {
		struct envset **v = web_alloc(W->R->tree, (M->sa.nenv + V->sa.nenv) * sizeof(*v));

		memcpy(v, M->sa.env, M->sa.nenv * sizeof(*v));
		if (V->sa.nenv)
			memcpy(v + M->sa.nenv, V->sa.env, V->sa.nenv * sizeof(*v));
		V->sa.env = v;
		V->sa.nenv += M->sa.nenv;
	}
	if (!V->rw_set)
		V->sa.rw_on = M->sa.rw_on;
	if (V->rw_inherit && M->sa.nrw) {
		struct rwrule **v = web_alloc(W->R->tree, (M->sa.nrw + V->sa.nrw) * sizeof(*v));

		if (V->sa.nrw)
			memcpy(v, V->sa.rw, V->sa.nrw * sizeof(*v));
		memcpy(v + V->sa.nrw, M->sa.rw, M->sa.nrw * sizeof(*v));
		V->sa.rw = v;
		V->sa.nrw += M->sa.nrw;
	}
}

static const char *
default_docroot(const struct areader *R)
{
	if (strcmp(R->server_root, "/usr/local/apache2") == 0)
		return "/usr/local/apache2/htdocs";
	if (strcmp(R->server_root, "/usr/local") == 0)
		return "/usr/local/www/apache24/data";
	return "/var/www/html";
}

/* mod_remoteip: the addresses trusted to name the client. Without
 * RemoteIPHeader the module does nothing; with it and no proxies listed,
 * every address is trusted. Proxy lists read from files belong to the main
 * server (httpd reads them while it reads the configuration). */
static const struct web_trust *
build_trust(struct walker *W, const struct vconf *V)
{
	const struct vconf *M = &W->main;
	const struct vconf *src = V->trust_set ? V : M;
	bool lists = !V->trust_set || V == M;
	struct web_trust *t;
	size_t i;

	if (!module_loaded(W->R, "remoteip_module"))
		return NULL;
	if (V->rip_header.text == NULL && src->ntrust == 0 && (!lists || W->R->nlist == 0))
		return NULL;
	t = web_add_trust(W->w, src->ntrust ? src->trust[0].loc
				: lists && W->R->nlist ? W->R->list_loc
						       : V->rip_header.loc);
	for (i = 0; i < src->ntrust; i++)
		*(struct web_addr_entry *)web_push(W->w, (void **)&t->v, &t->n, sizeof(*t->v)) =
			src->trust[i];
	for (i = 0; lists && i < W->R->nlist; i++)
		*(struct web_addr_entry *)web_push(W->w, (void **)&t->v, &t->n, sizeof(*t->v)) =
			W->R->lists[i].e;
	if (t->n == 0) {
		struct web_addr_entry e[2];
		int f;

		memset(e, 0, sizeof(e));
		for (f = 0; f < FAM_COUNT; f++) {
			cidr_parse(f == FAM_V4 ? "0.0.0.0/0" : "::/0", &e[f].cidr);
			e[f].text = "every address (RemoteIPHeader without RemoteIPTrustedProxy or "
				    "RemoteIPInternalProxy)";
			e[f].loc = V->rip_header.loc;
			*(struct web_addr_entry *)web_push(W->w, (void **)&t->v, &t->n,
							   sizeof(*t->v)) = e[f];
		}
	}
	web_trust_finish(t);
	return t;
}

static void
add_limit(struct walker *W, struct web_limits **ls, const struct web_limit *l)
{
	if (*ls == NULL)
		*ls = web_alloc(W->w, sizeof(**ls));
	*(struct web_limit *)web_push(W->w, (void **)&(*ls)->v, &(*ls)->n, sizeof(*l)) = *l;
}

/* mod_evasive counts requests per client address (after mod_remoteip);
 * mod_qos' QS_SrvMaxConnPerIP counts connections per connecting address;
 * a ModSecurity "ip" collection with a denying rule counts per client. */
static const struct web_limits *
build_limits(struct walker *W, const struct vconf *V)
{
	const struct vconf *M = &W->main;
	struct web_limits *ls = NULL;
	struct web_limit l;
	const struct amodule *ev = find_module(W->R, "evasive20_module");

	if (ev == NULL)
		ev = find_module(W->R, "evasive_module");
	if (ev) {
		char *zone = xasprintf("DOSPageCount %lld, DOSSiteCount %lld",
				       M->dos_page ? M->dos_page : 2, M->dos_site ? M->dos_site : 50);

		memset(&l, 0, sizeof(l));
		l.kind = WLIM_REQ;
		l.name = "mod_evasive";
		l.zone = web_strdup(W->w, zone);
		l.key = "the client address";
		l.key_client_addr = true;
		l.status = 403;
		l.loc = M->evasive ? M->evasive_loc : ev->loc;
		l.zone_loc = l.loc;
		add_limit(W, &ls, &l);
		free(zone);
	}
	if (V->qos_conn.set && module_loaded(W->R, "qos_module")) {
		char *zone = xasprintf("%lld connections", V->qos_conn.v);

		memset(&l, 0, sizeof(l));
		l.kind = WLIM_CONN;
		l.name = "QS_SrvMaxConnPerIP";
		l.zone = web_strdup(W->w, zone);
		l.key = "the connecting address";
		l.key_peer_addr = true;
		l.status = 500;
		l.loc = V->qos_conn.loc;
		l.zone_loc = l.loc;
		add_limit(W, &ls, &l);
		free(zone);
	}
	{
		const struct vconf *S = V->modsec_deny ? V : M;

		if (S->modsec_deny && (S->modsec_ipcol || M->modsec_ipcol)) {
			memset(&l, 0, sizeof(l));
			l.kind = WLIM_REQ;
			l.name = "ModSecurity";
			l.zone = "the ip collection";
			l.key = "%{REMOTE_ADDR}";
			l.key_client_addr = true;
			l.status = 403;
			l.loc = S->modsec_loc;
			l.zone_loc = l.loc;
			add_limit(W, &ls, &l);
		}
	}
	return ls;
}

static void
base_settings(struct walker *W, const struct vconf *V, struct web_settings *s)
{
	struct loc at = V->loc;
	int b;

	memset(s, 0, sizeof(*s));
	if (V->timeout.set)
		s->send_timeout = V->timeout;
	else
		value_default(&s->send_timeout, "Timeout", at, 60000);
	for (b = 0; b < WB_COUNT; b++) {
		s->backend_read[b] = V->proxy_timeout.set ? V->proxy_timeout : s->send_timeout;
		s->backend_send[b] = s->backend_read[b];
	}
	if (V->keepalive.set && V->keepalive.v == 0) {
		s->keepalive_timeout = V->keepalive;
		s->keepalive_timeout.v = 0;
	} else if (V->keepalive_timeout.set) {
		s->keepalive_timeout = V->keepalive_timeout;
	} else {
		value_default(&s->keepalive_timeout, "KeepAliveTimeout", at, 5000);
	}
	if (V->max_requests.set)
		s->keepalive_requests = V->max_requests;
	else
		value_default(&s->keepalive_requests, "MaxKeepAliveRequests", at, 100);
	if (module_loaded(W->R, "reqtimeout_module")) {
		if (V->header_timeout.set)
			s->client_header_timeout = V->header_timeout;
		else
			value_default(&s->client_header_timeout, "RequestReadTimeout", at, 20000);
		/* the module's default, body=20,MinRate=500, extends with the
		 * data: no fixed limit */
		if (V->body_timeout.set && V->body_timeout.v != LLONG_MAX)
			s->client_body_timeout = V->body_timeout;
	}
	s->real_ip_header = V->rip_header;
	if (s->real_ip_header.text == NULL) {
		s->real_ip_header.text = "(none: RemoteIPHeader is not set)";
		s->real_ip_header.name = "RemoteIPHeader";
		s->real_ip_header.loc = at;
		s->real_ip_header.dflt = true;
	}
	/* mod_remoteip walks the header from the right past trusted proxies */
	value_default(&s->real_ip_recursive, "RemoteIPHeader", at, 1);
}

/* The proxy worker timeout of a target: ProxyPass timeout=, a ProxySet
 * for the URL, ProxyTimeout, Timeout. */
static void
handler_timeout(struct walker *W, const struct vconf *V, const struct handler *h,
		const struct web_settings *base, struct web_value *out)
{
	size_t pass;
	size_t i;

	if (h->fcgid) {
		if (V->fcgid_io.set)
			*out = V->fcgid_io;
		else
			value_default(out, "FcgidIOTimeout", V->loc, 40000);
		return;
	}
	if (h->timeout >= 0) {
		memset(out, 0, sizeof(*out));
		out->v = h->timeout;
		out->name = "the ProxyPass timeout";
		out->loc = h->timeout_loc;
		out->set = true;
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		const struct vconf *X = pass == 0 ? V : &W->main;

		for (i = X->nworker; i-- > 0;) {
			const struct pworker *w = &X->workers[i];
			const char *t = h->target ? h->target : "";
			const char *bar = strchr(t, '|');

			if (bar)
				t = bar + 1;
			if (strncasecmp(t, w->url, strlen(w->url)) == 0) {
				memset(out, 0, sizeof(*out));
				out->v = w->timeout;
				out->name = "the ProxySet timeout";
				out->loc = w->loc;
				out->set = true;
				return;
			}
		}
	}
	*out = base->backend_read[h->backend];
}

/* ---- the model: scopes ---- */

/* Pointers seen (interned URLs of the scopes of one host). */
struct pset {
	size_t n;
	size_t cap;
	const void **v;
};

static bool
pset_add(struct pset *s, const void *p)
{
	size_t i;

	if (s->n * 2 >= s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		const void **nv = xcalloc(ncap, sizeof(*nv));

		for (i = 0; i < s->cap; i++) {
			size_t j;

			if (s->v[i] == NULL)
				continue;
			for (j = ptr_hash(s->v[i]) & (ncap - 1); nv[j]; j = (j + 1) & (ncap - 1))
				;
			nv[j] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	for (i = ptr_hash(p) & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == p)
			return false;
	s->v[i] = p;
	s->n++;
	return true;
}

struct hostb {
	struct apache_build *B;
	const struct vconf *V;
	struct web_vhost *vh;
	struct web_settings base;
	/* base as the host's scopes share it (made on first use) */
	const struct web_settings *server_s;
	const struct web_settings *location_s;
	const struct web_settings *handler_s; /* the last a handler's timeout made */
	const char *docroot; /* with "/" */
	struct pset urls;
};

/* The ProxyPass that takes url (first match; "!" stops the search). */
static const struct ppass *
proxypass_for(struct walker *W, const struct vconf *V, const char *url)
{
	size_t pass;
	size_t i;

	for (pass = 0; pass < 2; pass++) {
		const struct vconf *X = pass == 0 ? &W->main : V;

		if (pass == 1 && V == &W->main)
			break;
		for (i = 0; i < X->npp; i++) {
			const struct ppass *p = &X->pp[i];
			size_t len;
			bool hit;

			if (p->re) {
				hit = apache_regex_match(p->re, url);
			} else {
				len = strlen(p->path);
				hit = strncmp(p->path, url, len) == 0 &&
				      (len == 0 || p->path[len - 1] == '/' || url[len] == '/' ||
				       url[len] == '\0');
			}
			if (hit)
				return p->exclude ? NULL : p;
		}
	}
	return NULL;
}

/* The directory a URL maps to: an Alias, or the DocumentRoot. */
static char *
map_url(struct hostb *H, const char *url)
{
	struct walker *W = H->B->W;
	size_t pass;
	size_t i;

	for (pass = 0; pass < 2; pass++) {
		const struct vconf *X = pass == 0 ? H->V : &W->main;

		if (pass == 1 && H->V == &W->main)
			break;
		for (i = 0; i < X->nmap; i++) {
			const struct amap *m = &X->maps[i];
			size_t len = strlen(m->url);

			if (strncmp(m->url, url, len) == 0 &&
			    (m->url[len - 1] == '/' || url[len] == '/' || url[len] == '\0'))
				return xasprintf("%s/%s", m->dir, url + len + (url[len] == '/'));
		}
	}
	return xasprintf("%s%s", H->docroot, url[0] == '/' ? url + 1 : url);
}

/* The settings of the host's own scope: its base, shared by nothing else. */
static const struct web_settings *
server_settings(struct hostb *H)
{
	if (H->server_s == NULL)
		H->server_s = web_settings_share(H->B->W->w, &H->base, NULL);
	return H->server_s;
}

/* The settings of the host's directories: its base without the
 * server-level settings (httpd has no per-directory keep-alive or request
 * timeouts), one block for all of them. */
static const struct web_settings *
location_settings(struct hostb *H)
{
	struct web_settings s;

	if (H->location_s)
		return H->location_s;
	s = H->base;
	s.keepalive_timeout.set = false;
	s.keepalive_requests.set = false;
	s.client_header_timeout.set = false;
	s.client_body_timeout.set = false;
	s.send_timeout.set = false;
	H->location_s = web_settings_share(H->B->W->w, &s, NULL);
	return H->location_s;
}

/* The settings of a scope whose handler has a timeout of its own (a
 * ProxyPass timeout=): from to's, copied only when the timeout differs
 * from the one in effect there and from the last such copy's (every
 * scope under one ProxyPass has the same). */
static const struct web_settings *
handler_settings(struct hostb *H, const struct web_settings *to, const struct handler *h)
{
	struct walker *W = H->B->W;
	struct web_settings s = *to;

	handler_timeout(W, H->V, h, &H->base, &s.backend_read[h->backend]);
	if (web_settings_same(&s, to))
		return to;
	H->handler_s = web_settings_share(W->w, &s, H->handler_s);
	return H->handler_s;
}

static void
add_scope(struct hostb *H, enum web_scope_kind kind, const char *path, const char *label,
	  struct loc loc, const struct sreq *q)
{
	struct walker *W = H->B->W;
	struct resolved r;
	struct web_location *l;

	resolve(H->B, H->V, q, &r);
	l = web_add_location(W->w, H->vh, kind == WS_SERVER ? NULL : H->vh->locs[0], kind, path,
			     loc);
	l->label = label;
	l->s = kind == WS_SERVER ? server_settings(H) : location_settings(H);
	l->acl = aaccess_acl(W->w, &r.acc, &H->V->sa);
	if (r.h && r.h->backend != WB_NONE) {
		l->backend = r.h->backend;
		l->target.text = r.h->target;
		l->target.name = r.h->name;
		l->target.loc = r.h->loc;
		l->s = handler_settings(H, l->s, r.h);
	}
}

/* A URL path scope (a directory, a Location, an Alias, a ProxyPass), once
 * per URL. */
static void
url_scope(struct hostb *H, const char *url, const char *dir, const char *label, struct loc loc,
	  const struct dsec *own)
{
	struct walker *W = H->B->W;
	const struct ppass *pp = proxypass_for(W, H->V, url);
	struct sreq q;
	char *d = NULL;

	if (own == NULL && !pset_add(&H->urls, intern(url)))
		return;
	memset(&q, 0, sizeof(q));
	q.url = url;
	q.own = own;
	if (pp) {
		q.proxied = &pp->h;
	} else if (dir) {
		q.dir = dir;
	} else {
		d = map_url(H, url);
		q.dir = d;
	}
	add_scope(H, WS_PREFIX, url, label, loc, &q);
	free(d);
}

/* The URL of a directory under the DocumentRoot or an Alias; NULL when
 * no request reaches it. */
static char *
url_of_dir(struct hostb *H, const char *dir)
{
	struct walker *W = H->B->W;
	size_t dl = strlen(H->docroot);
	size_t pass;
	size_t i;

	if (strncmp(dir, H->docroot, dl) == 0)
		return xasprintf("/%s", dir + dl);
	for (pass = 0; pass < 2; pass++) {
		const struct vconf *X = pass == 0 ? H->V : &W->main;

		if (pass == 1 && H->V == &W->main)
			break;
		for (i = 0; i < X->nmap; i++) {
			const struct amap *m = &X->maps[i];
			size_t ml = strlen(m->dir);

			if (strncmp(dir, m->dir, ml) == 0 && (dir[ml] == '/' || dir[ml] == '\0'))
				return xasprintf("%s%s%s", m->url,
						 m->url[strlen(m->url) - 1] == '/' ? "" : "/",
						 dir[ml] == '/' ? dir + ml + 1 : "");
		}
	}
	return NULL;
}

static enum web_scope_kind
own_kind(const struct dsec *S)
{
	switch (S->kind) {
	case DS_IF:
		return WS_IF;
	case DS_LIMIT:
		return strncasecmp(S->label, "<LimitExcept", 12) == 0 ? WS_LIMIT_EXCEPT : WS_LIMIT;
	case DS_LOC:
		return WS_PREFIX;
	default:
		return WS_REGEX;
	}
}

/* A section that is a scope of its own, applied over the request of the
 * place it is in (url, dir). */
static void
own_scope(struct hostb *H, const struct dsec *S, const char *url, const char *dir)
{
	struct sreq q;

	memset(&q, 0, sizeof(q));
	q.url = url;
	q.dir = dir;
	q.own = S;
	add_scope(H, own_kind(S), S->path ? S->path : "", S->label, S->loc, &q);
}

static void
kid_scopes(struct hostb *H, const struct dsec *S, const char *url, const char *dir)
{
	size_t i;

	for (i = 0; i < S->nkid; i++) {
		own_scope(H, S->kids[i], url, dir);
		kid_scopes(H, S->kids[i], url, dir);
	}
}

static void
dir_scope(struct hostb *H, const struct dsec *S)
{
	char *url;

	if (S->wild)
		return;
	url = url_of_dir(H, S->path);
	if (url == NULL)
		return;
	if (strcmp(url, "/") != 0)
		url_scope(H, url, S->path, S->label, S->loc, NULL);
	kid_scopes(H, S, url, S->path);
	free(url);
}

static size_t
search_access_files(struct hostb *H, const char *dir)
{
	struct apache_build *B = H->B;
	const char *key = intern(dir);
	struct htsearch S;
	struct searched r;
	const char *const *names;
	size_t nnames;
	size_t i;

	i = (size_t)(uintptr_t)pmap_get(&B->searched_at, key);
	if (i > 0)
		return i - 1;
	access_names(B->W, H->V, &names, &nnames);
	memset(&S, 0, sizeof(S));
	S.W = B->W;
	S.T = &B->ht;
	S.names = names;
	S.nnames = nnames;
	ht_search(&S, dir, 0);
	if (S.capped)
		input_error(file_input(B->W->R, H->V->loc.file), H->V->loc.line,
			    "more than %u directories under %s, or deeper than %u: the .htaccess "
			    "files below were not looked for",
			    CAP_HTACCESS_DIRS, dir, CAP_HTACCESS_DEPTH);
	r.dir = key;
	r.n = S.nfound;
	r.v = web_alloc(B->W->R->tree, (S.nfound ? S.nfound : 1) * sizeof(*r.v));
	if (S.nfound)
		memcpy(r.v, S.found, S.nfound * sizeof(*r.v));
	free(S.found);
	VEC_PUSH(B->searched, B->nsearched, B->searched_cap, r);
	pmap_put(&B->searched_at, key, (void *)(uintptr_t)B->nsearched);
	return B->nsearched - 1;
}

static void
access_file_scopes(struct hostb *H, const struct searched *found)
{
	struct walker *W = H->B->W;
	size_t i;

	for (i = 0; i < found->n; i++) {
		struct htfile *h = found->v[i];
		char *url = url_of_dir(H, h->dir);

		if (url == NULL)
			continue;
		if (strcmp(url, "/") != 0) {
			char *label = xasprintf("directory %s", h->dir);

			url_scope(H, url, h->dir, web_strdup(W->w, label), (struct loc){h->path, 0},
				  NULL);
			free(label);
		}
		if (h->honoured && !h->refused && h->sec)
			kid_scopes(H, h->sec, url, h->dir);
		free(url);
	}
}

static void
host_scopes(struct hostb *H)
{
	struct walker *W = H->B->W;
	const struct vconf *V = H->V;
	size_t pass;
	size_t i;
	struct sreq q;
	const struct ppass *pp;
	size_t nfound = 0;
	size_t found[64];

	/* the DocumentRoot */
	memset(&q, 0, sizeof(q));
	q.url = "/";
	pp = proxypass_for(W, V, "/");
	if (pp)
		q.proxied = &pp->h;
	else
		q.dir = H->docroot;
	pset_add(&H->urls, intern("/"));
	add_scope(H, WS_SERVER, "", NULL, V->loc, &q);
	found[nfound++] = search_access_files(H, H->docroot);
	for (pass = 0; pass < 2; pass++) {
		const struct vconf *X = pass == 0 ? V : &W->main;

		if (pass == 1 && V == &W->main)
			break;
		for (i = 0; i < X->nmap; i++) {
			char *dir = xasprintf("%s/", X->maps[i].dir);

			url_scope(H, X->maps[i].url, dir, X->maps[i].text, X->maps[i].loc, NULL);
			if (nfound < ARRAY_LEN(found))
				found[nfound++] = search_access_files(H, dir);
			free(dir);
		}
	}
	/* sections, the main server's first */
	for (pass = 0; pass < 2; pass++) {
		const struct vconf *X = pass == 0 ? &W->main : V;

		if (pass == 1 && V == &W->main)
			break;
		for (i = 0; i < X->nsec; i++) {
			const struct dsec *S = X->secs[i];

			switch (S->kind) {
			case DS_DIR:
				dir_scope(H, S);
				break;
			case DS_LOC:
				if (S->wild) {
					own_scope(H, S, "/", H->docroot);
				} else {
					url_scope(H, S->path, NULL, S->label, S->loc, NULL);
					kid_scopes(H, S, S->path, NULL);
				}
				break;
			case DS_PROXY:
				break;
			default:
				own_scope(H, S, "/", H->docroot);
				kid_scopes(H, S, "/", H->docroot);
				break;
			}
		}
		for (i = 0; i < X->npp; i++) {
			const struct ppass *p = &X->pp[i];
			struct sreq pq;

			if (p->exclude)
				continue;
			memset(&pq, 0, sizeof(pq));
			pq.url = p->path;
			pq.proxied = &p->h;
			/* a path: whichever ProxyPass comes first takes it */
			if (p->re)
				add_scope(H, WS_REGEX, p->path, p->text, p->loc, &pq);
			else
				url_scope(H, p->path, NULL, p->text, p->loc, NULL);
		}
	}
	/* directories with an access file */
	for (i = 0; i < nfound; i++)
		access_file_scopes(H, &H->B->searched[found[i]]);
	free(H->urls.v);
}

/* ---- the model: virtual hosts ---- */

static bool
addr_takes(const struct web_listen *a, const struct web_listen *s)
{
	if (a->port != 0 && a->port != s->port)
		return false;
	switch (a->kind) {
	case WA_ANY:
		return true;
	case WA_ADDR:
		if (s->kind == WA_ANY)
			return s->fam == a->fam || (s->fam == FAM_V6 && !s->ipv6only && a->fam == FAM_V4);
		if (s->kind == WA_ADDR)
			return s->fam == a->fam && s->addr == a->addr;
		return s->kind == WA_NAME;
	default:
		return false;
	}
}

/* The protocol of a virtual host (ap_setup_listeners): Protocol, else
 * the Listen whose address is its first one, else http. */
static bool
vhost_https(const struct walker *W, const struct vconf *V)
{
	size_t i;
	size_t j;

	if (V->protocol)
		return strcasecmp(V->protocol, "https") == 0;
	/* the first address that is a Listen's own (a wildcard address is
	 * the wildcard Listen's) */
	for (j = 0; j < V->naddr; j++)
		for (i = 0; i < W->nsocket; i++) {
			const struct web_listen *s = &W->sockets[i];
			const struct web_listen *a = &V->addrs[j];

			if (s->port != a->port)
				continue;
			if ((a->kind == WA_ANY && s->kind == WA_ANY) ||
			    (a->kind == WA_ADDR && s->kind == WA_ADDR && a->fam == s->fam &&
			     a->addr == s->addr))
				return s->ssl;
		}
	return false;
}

/* mod_ssl: SSLEngine on, or unset on an https address with a certificate. */
static bool
vhost_ssl(const struct walker *W, const struct vconf *V)
{
	if (!module_loaded(W->R, "ssl_module"))
		return false;
	if (V->ssl_engine >= 0)
		return V->ssl_engine == 1;
	return V->tls.ncert > 0 && vhost_https(W, V);
}

static bool
http2_usable(const struct walker *W)
{
	return module_loaded(W->R, "http2_module") && !module_loaded(W->R, "mpm_prefork_module");
}

static void
push_listen(struct walker *W, struct web_vhost *vh, const struct web_listen *l)
{
	size_t i;

	for (i = 0; i < vh->nlisten; i++) {
		const struct web_listen *o = &vh->listen[i];

		if (o->kind == l->kind && o->fam == l->fam && o->addr == l->addr && o->port == l->port)
			return;
	}
	*(struct web_listen *)web_push(W->w, (void **)&vh->listen, &vh->nlisten, sizeof(*l)) = *l;
}

static const char *
main_name(struct walker *W)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;

	if (W->main.server_name)
		return W->main.server_name;
	if (W->hostname)
		return W->hostname;
	/* httpd asks the resolver for the host's name */
	if (root_read("/etc/hostname", &data, &len, &err) == READ_OK) {
		len = strcspn(data, " \t\r\n");
		if (len > 0)
			W->hostname = web_strndup(W->w, data, len);
	}
	free(data);
	free(err);
	return W->hostname;
}

static void
vhost_names(struct walker *W, const struct vconf *V, struct web_vhost *vh)
{
	const char *name = V->server_name;
	struct loc at = V->sn_loc;
	size_t i;

	if (name == NULL) {
		bool wildcard = V->is_main;

		for (i = 0; i < V->naddr; i++)
			wildcard |= V->addrs[i].kind == WA_ANY;
		/* a virtual host on a wildcard address takes the main
		 * server's name */
		if (wildcard) {
			name = main_name(W);
			at = W->main.server_name ? W->main.sn_loc : V->loc;
		}
	}
	if (name)
		web_add_name_apache(W->w, vh, name, at, false);
	for (i = 0; i < V->nalias; i++)
		web_add_name_apache(W->w, vh, V->aliases[i].text, V->aliases[i].loc, true);
}

static void
fill_vhost(struct walker *W, struct vconf *V, struct web_vhost *vh)
{
	bool ssl = vhost_ssl(W, V);
	bool h2 = V->h2.set && V->h2.v && http2_usable(W);
	size_t i;
	size_t j;

	V->vh = vh;
	vhost_names(W, V, vh);
	for (i = 0; i < V->naddr; i++) {
		struct web_listen *a = web_push(W->w, (void **)&vh->addrs, &vh->naddr, sizeof(*a));

		*a = V->addrs[i];
		a->text = web_strdup(W->w, V->addrs[i].text);
	}
	for (i = 0; i < V->naddr; i++)
		for (j = 0; j < W->nsocket; j++) {
			const struct web_listen *a = &V->addrs[i];
			const struct web_listen *s = &W->sockets[j];
			struct web_listen l;

			if (!addr_takes(a, s))
				continue;
			if (a->kind == WA_ANY) {
				l = *s;
			} else {
				l = *a;
				l.port = s->port;
				l.loc = V->loc;
			}
			l.ssl = ssl;
			l.http2 = ssl && h2;
			push_listen(W, vh, &l);
		}
	vh->tls = V->tls;
	if (V->vcd_dir && V->docroot && !vh->tls.verify_client_dir_root) {
		size_t dl = strlen(V->vcd_dir);

		/* "/var/www/" covers the DocumentRoot /var/www/html */
		vh->tls.verify_client_dir_root =
			strncmp(V->docroot, V->vcd_dir, dl) == 0 ||
			(dl > 1 && strncmp(V->docroot, V->vcd_dir, dl - 1) == 0 &&
			 V->docroot[dl - 1] == '\0');
	}
	if (ssl) {
		vh->tls.engine.text = "on";
		vh->tls.engine.name = "SSLEngine";
		vh->tls.engine.loc = V->ssl_engine == 1 ? V->ssl_loc : V->loc;
	}
	if (V->h2.set) {
		vh->http2 = V->h2;
		vh->http2.v = h2;
	}
}

/* mod_ssl decides TLS per connection from the host the connection
 * arrives at (c->base_server: the first host of the address:port group),
 * before any name is known: every host of a group speaks TLS when its
 * first host does, with the first host's context unless SNI picks a host
 * that has a context of its own, and none does when the first host does
 * not. The model is complete here (every host added), so the group's
 * default can be asked for. */
static void
socket_tls(struct web_server *s)
{
	size_t i;
	size_t j;

	for (i = 0; i < s->nvhost; i++) {
		struct web_vhost *v = s->vhosts[i];

		for (j = 0; j < v->nlisten; j++) {
			struct web_listen *l = &v->listen[j];
			bool known = l->kind == WA_ADDR;
			const struct web_vhost *g[1];
			const struct web_vhost *dv;
			const struct web_listen *dl;
			bool main_server;

			if (l->kind == WA_UNIX || l->kind == WA_NAME)
				continue;
			/* the group's first host (an indexed look-up, not a
			 * question by name, which scans the group's names) */
			dv = web_apache_group(s, l->fam, known, l->addr, l->port, g, 1, &main_server)
				     ? g[0]
			     : main_server ? s->main_vhost
					   : NULL;
			if (dv == NULL || dv == v)
				continue;
			dl = web_listener_at(dv, l->fam, known, l->addr, l->port);
			if (dl == NULL || dl->ssl == l->ssl)
				continue;
			l->ssl = dl->ssl;
			l->http2 = dl->ssl && dl->http2;
		}
	}
}

/* The sockets the main server answers on: those of a port that no
 * wildcard virtual host takes. */
static bool
main_takes(const struct walker *W, const struct web_listen *s)
{
	size_t i;
	size_t j;

	for (i = 0; i < W->nvh; i++)
		for (j = 0; j < W->vhs[i]->naddr; j++) {
			const struct web_listen *a = &W->vhs[i]->addrs[j];

			if (a->kind == WA_ANY && (a->port == 0 || a->port == s->port))
				return false;
		}
	return true;
}

/* ---- mod_remoteip's PROXY protocol ---- */

/* Whether an address of a server (port 0: every port; the main server's
 * is every address and port) takes connections that reach listener l. */
static bool
pp_addr_covers(const struct web_listen *a, const struct web_listen *l)
{
	if (a->port != 0 && a->port != l->port)
		return false;
	return a->kind == WA_ANY ||
	       (l->kind == WA_ADDR && a->kind == WA_ADDR && a->fam == l->fam && a->addr == l->addr);
}

/* One address of httpd's enabled or disabled list. */
struct pp_entry {
	struct web_listen a;
	const struct pp_op *op;
};

static bool
pp_same_addr(const struct web_listen *x, const struct web_listen *y)
{
	return x->kind == y->kind && x->port == y->port &&
	       (x->kind == WA_ANY || (x->fam == y->fam && x->addr == y->addr));
}

/* Each On or Off moves its server's addresses (the main server's: every
 * address and port) to the enabled or the disabled list, taking the same
 * address out of the other; a connection waits for the PROXY header when
 * an enabled address covers it and no disabled one does. */
static void
pp_lists_add(struct pp_entry *lists[2], size_t n[2], const struct web_listen *a,
	     const struct pp_op *op)
{
	struct pp_entry *from = lists[!op->on];
	size_t i;

	for (i = 0; i < n[!op->on];) {
		if (pp_same_addr(&from[i].a, a))
			from[i] = from[--n[!op->on]];
		else
			i++;
	}
	for (i = 0; i < n[op->on]; i++)
		if (pp_same_addr(&lists[op->on][i].a, a))
			return;
	lists[op->on][n[op->on]].a = *a;
	lists[op->on][n[op->on]++].op = op;
}

/* httpd's two lists, built once from the On and Off directives in order. */
struct pp_lists {
	struct pp_entry *v[2]; /* [0]: disabled, [1]: enabled */
	size_t n[2];
};

static void
pp_lists_build(const struct walker *W, struct pp_lists *L)
{
	static const struct web_listen any = {.kind = WA_ANY};
	size_t cap = 0;
	size_t i;
	size_t j;

	for (i = 0; i < W->npp; i++)
		cap += W->pp[i].V->is_main ? 1 : W->pp[i].V->naddr;
	L->v[0] = xcalloc(cap ? cap : 1, sizeof(*L->v[0]));
	L->v[1] = xcalloc(cap ? cap : 1, sizeof(*L->v[1]));
	L->n[0] = L->n[1] = 0;
	for (i = 0; i < W->npp; i++) {
		const struct pp_op *op = &W->pp[i];

		if (op->V->is_main)
			pp_lists_add(L->v, L->n, &any, op);
		for (j = 0; !op->V->is_main && j < op->V->naddr; j++)
			pp_lists_add(L->v, L->n, &op->V->addrs[j], op);
	}
}

/* The On that makes connections reaching l wait for the header, or NULL. */
static const struct pp_op *
pp_enabling(const struct pp_lists *L, const struct web_listen *l)
{
	const struct pp_op *on = NULL;
	size_t i;

	for (i = 0; i < L->n[1] && on == NULL; i++)
		if (pp_addr_covers(&L->v[1][i].a, l))
			on = L->v[1][i].op;
	for (i = 0; i < L->n[0] && on; i++)
		if (pp_addr_covers(&L->v[0][i].a, l))
			on = NULL;
	return on;
}

static void
apply_proxy_protocol(struct walker *W)
{
	struct pp_lists L;
	size_t i;
	size_t j;

	if (W->npp == 0)
		return;
	pp_lists_build(W, &L);
	for (i = 0; i < W->srv->nvhost; i++) {
		struct web_vhost *vh = W->srv->vhosts[i];

		for (j = 0; j < vh->nlisten; j++) {
			const struct pp_op *op = pp_enabling(&L, &vh->listen[j]);

			vh->listen[j].proxy_protocol = op != NULL;
			if (op)
				vh->listen[j].proxy_loc = op->loc;
		}
	}
	free(L.v[0]);
	free(L.v[1]);
	W->srv->npp_exempt = W->npp_exempt;
	W->srv->pp_exempt = web_alloc(W->w, (W->npp_exempt ? W->npp_exempt : 1) *
						sizeof(*W->srv->pp_exempt));
	if (W->npp_exempt)
		memcpy(W->srv->pp_exempt, W->pp_exempt, W->npp_exempt * sizeof(*W->pp_exempt));
}

static void
build_model(struct walker *W, struct input *main_in)
{
	struct apache_build B;
	struct hostb H;
	size_t i;
	size_t k;
	bool main_reached = false;

	memset(&B, 0, sizeof(B));
	B.W = W;
	if (W->main.docroot == NULL)
		W->main.docroot = default_docroot(W->R);
	for (i = 0; i < W->nvh; i++)
		inherit(W, W->vhs[i]);
	W->srv->nsocket = W->nsocket;
	W->srv->sockets = web_alloc(W->w, (W->nsocket ? W->nsocket : 1) * sizeof(*W->srv->sockets));
	for (i = 0; i < W->nsocket; i++) {
		W->srv->sockets[i] = W->sockets[i];
		main_reached |= main_takes(W, &W->sockets[i]);
	}
	if (W->nsocket == 0)
		input_error(main_in, 0, "no Listen directive: httpd does not start (no listening "
			    "sockets available, shutting down)");
	if (main_reached) {
		struct web_vhost *vh = web_add_vhost(W->w, W->srv, W->main.loc);

		W->srv->main_vhost = vh;
		fill_vhost(W, &W->main, vh);
		for (i = 0; i < W->nsocket; i++)
			if (main_takes(W, &W->sockets[i])) {
				struct web_listen l = W->sockets[i];

				l.ssl = vhost_ssl(W, &W->main);
				push_listen(W, vh, &l);
			}
	}
	for (i = 0; i < W->nvh; i++)
		fill_vhost(W, W->vhs[i], web_add_vhost(W->w, W->srv, W->vhs[i]->loc));
	socket_tls(W->srv);
	apply_proxy_protocol(W);
	/* the trees search_access_files will walk for each host, read ahead */
	for (i = 0; i < W->nvh + 1; i++) {
		struct vconf *V = i == 0 ? &W->main : W->vhs[i - 1];
		const char *const *names;
		size_t nnames;
		char *d;

		if (V->vh == NULL)
			continue;
		access_names(W, V, &names, &nnames);
		d = strcmp(V->docroot, "/") == 0 ? xstrdup("/") : xasprintf("%s/", V->docroot);
		root_ahead_tree(d, names, nnames, CAP_HTACCESS_DEPTH, CAP_HTACCESS_DIRS);
		free(d);
	}
	for (i = 0; i < W->nvh + 1; i++) {
		struct vconf *V = i == 0 ? &W->main : W->vhs[i - 1];
		const struct web_trust *trust;
		const struct web_limits *limits;

		if (V->vh == NULL)
			continue;
		memset(&H, 0, sizeof(H));
		H.B = &B;
		H.V = V;
		H.vh = V->vh;
		H.docroot = web_strdup(W->w, strcmp(V->docroot, "/") == 0 ? "/" : "");
		{
			char *d = strcmp(V->docroot, "/") == 0 ? xstrdup("/")
							       : xasprintf("%s/", V->docroot);

			H.docroot = web_strdup(W->w, d);
			free(d);
		}
		base_settings(W, V, &H.base);
		/* a host that sets none of mod_remoteip shares the main
		 * server's trust list */
		if (V != &W->main && !V->trust_set && V->rip_header.loc.file == W->main.rip_header.loc.file &&
		    V->rip_header.loc.line == W->main.rip_header.loc.line) {
			if (!B.main_trust_done) {
				B.main_trust = build_trust(W, &W->main);
				B.main_trust_done = true;
			}
			trust = B.main_trust;
		} else {
			trust = build_trust(W, V);
			if (V == &W->main) {
				B.main_trust = trust;
				B.main_trust_done = true;
			}
		}
		limits = build_limits(W, V);
		H.base.trust = trust;
		H.base.limits = limits;
		host_scopes(&H);
	}
	/* access files that are there but that httpd does not read */
	for (k = 0; k < B.ht.nlist; k++) {
		struct htfile *h = B.ht.list[k];
		struct input *in;

		if (!h->found || h->honoured)
			continue;
		in = file_input(W->R, h->path);
		if (in->detail == NULL)
			in->detail = h->block_loc.file
					     ? xasprintf("not read by httpd: AllowOverride None (%s:%u)",
							 h->block_loc.file, h->block_loc.line)
					     : xstrdup("not read by httpd: AllowOverride None (httpd's "
						       "default)");
	}
	free(B.ht.slots);
	free(B.ht.list);
	free(B.searched);
	pmap_free(&B.searched_at);
}

/* ---- Debian's envvars ---- */

/* The "NAME=value" and "export NAME=value" lines of /etc/apache2/envvars,
 * as apache2ctl's shell sets them ($NAME and ${NAME} expanded, quotes
 * removed); nothing is run. */
static void
read_envvars(struct areader *R, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	const char *p;

	if (root_read(path, &data, &len, &err) != READ_OK) {
		free(err);
		return;
	}
	file_input(R, path);
	for (p = data; p < data + len;) {
		const char *nl = memchr(p, '\n', (size_t)(data + len - p));
		char *line = xstrndup(p, (size_t)((nl ? nl : data + len) - p));
		char *s = line;
		char *eq;
		struct buf v = {NULL, 0, 0};

		p = nl ? nl + 1 : data + len;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, "export ", 7) == 0)
			s += 7;
		while (*s == ' ' || *s == '\t')
			s++;
		eq = strchr(s, '=');
		if (eq == NULL || eq == s || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					       "0123456789_") != (size_t)(eq - s)) {
			free(line);
			continue;
		}
		*eq = '\0';
		{
			const char *c = eq + 1;
			char quote = 0;

			buf_add(&v, "", 0);
			for (; *c; c++) {
				if (quote == 0 && (*c == '"' || *c == '\'')) {
					quote = *c;
					continue;
				}
				if (quote && *c == quote) {
					quote = 0;
					continue;
				}
				if (quote == 0 && (*c == ' ' || *c == '\t' || *c == '#' || *c == ';'))
					break;
				if (*c == '$' && quote != '\'') {
					const char *n = c + 1;
					size_t nl2;
					char *name;
					struct define *d;

					if (*n == '{')
						n++;
					nl2 = strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
						     "0123456789_");
					name = xstrndup(n, nl2);
					d = find_define(R->env, R->nenv, name);
					if (d && d->value)
						buf_adds(&v, d->value);
					free(name);
					c = n + nl2 - 1;
					if (c[1] == '}' && n[-1] == '{')
						c++;
					else if (n[-1] == '{') {
						/* ${VAR##...} and the like: left out */
						const char *close = strchr(c, '}');

						if (close)
							c = close;
					}
					continue;
				}
				buf_add(&v, c, 1);
			}
		}
		set_define(R, &R->env, &R->nenv, &R->env_cap, s, v.p ? v.p : "");
		buf_free(&v);
		free(line);
	}
	free(data);
}

/* ---- entry points ---- */

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* httpd's compiled-in ServerRoot for each layout. */
static char *
layout_root(const char *file)
{
	static const struct {
		const char *file;
		const char *root;
	} layouts[] = {
		{"/etc/apache2/apache2.conf", "/etc/apache2"},
		{"/etc/apache2/httpd.conf", "/var/www"},
		{"/etc/httpd/conf/httpd.conf", "/etc/httpd"},
		{"/usr/local/apache2/conf/httpd.conf", "/usr/local/apache2"},
		{"/usr/local/etc/apache24/httpd.conf", "/usr/local"},
	};
	char *dir;
	size_t i;
	size_t n;

	for (i = 0; i < ARRAY_LEN(layouts); i++)
		if (strcmp(file, layouts[i].file) == 0)
			return xstrdup(layouts[i].root);
	/* another place: a "conf" directory is under ServerRoot */
	dir = dir_of(file);
	n = strlen(dir);
	if (n > 5 && strcmp(dir + n - 5, "/conf") == 0) {
		char *up = dir_of(dir);

		free(dir);
		return up;
	}
	return dir;
}

void
parse_apache(struct origin *o, struct input *in, const char *data, size_t len, bool host_file)
{
	struct areader R;
	struct walker W;
	struct alist list = {0, 0, NULL};
	char *file = NULL;
	char *root;
	char *dir;
	size_t i;

	memset(&R, 0, sizeof(R));
	R.o = o;
	R.w = origin_web(o);
	R.tree = xcalloc(1, sizeof(*R.tree));
	known_inputs(&R);
	if (host_file && in->file[0] != '/') {
		char cwd[4096];

		if (getcwd(cwd, sizeof(cwd)))
			file = xasprintf("%s/%s", cwd, in->file);
	}
	root = layout_root(file ? file : in->file);
	R.server_root = web_strdup(R.tree, root);
	free(root);
	/* apache2ctl sources envvars beside the main file */
	dir = dir_of(file ? file : in->file);
	{
		char *ev = xasprintf("%s/envvars", dir);

		set_define(&R, &R.env, &R.nenv, &R.env_cap, "APACHE_CONFDIR", dir);
		if (strcmp(in->file, "/etc/apache2/apache2.conf") == 0 || root_exists(ev))
			read_envvars(&R, ev);
		free(ev);
	}
	free(dir);
	read_data(&R, in->file, in, data, len, &list, 0);
	alist_seal(&R, &list);

	memset(&W, 0, sizeof(W));
	W.R = &R;
	W.w = R.w;
	W.srv = web_add_server(R.w, "apache", (struct loc){in->file, 0});
	W.srv->rules = WEB_RULES_APACHE;
	vconf_init(&W.main, (struct loc){in->file, 0}, true);
	walk_server(&W, &W.main, list.v, list.n, AX_MAIN);
	build_model(&W, in);
	root_ahead_stop();

	for (i = 0; i < W.nre; i++)
		apache_regex_free(W.res[i]);
	free(W.res);
	free(W.vhs);
	free(W.pp);
	free(W.pp_exempt);
	free(W.sockets);
	free(R.defs);
	free(R.env);
	free(R.mods);
	free(R.lists);
	free(file);
	pmap_free(&R.inputs);
	pmap_free(&R.patterns);
	free(R.wbuf);
	free(R.woff);
	web_free(R.tree);
}

/* For the unit tests: the directives as the reader leaves them, one a
 * line, sections opened with "<" and closed with ">", arguments after
 * "|". */
static void
dump_list(struct buf *b, const struct anode *v, size_t n, unsigned depth)
{
	size_t i;
	size_t k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < depth; k++)
			buf_adds(b, "  ");
		buf_addf(b, "%s%s", v[i].section ? "<" : "", v[i].name);
		for (k = 0; k < v[i].argc; k++)
			buf_addf(b, "|%s", v[i].argv[k]);
		buf_addf(b, " @%u\n", v[i].loc.line);
		if (v[i].section) {
			dump_list(b, v[i].child, v[i].nchild, depth + 1);
			for (k = 0; k < depth; k++)
				buf_adds(b, "  ");
			buf_addf(b, ">%s\n", v[i].name);
		}
	}
}

char *
apache_tree(struct origin *o, struct input *in, const char *data, size_t len)
{
	struct areader R;
	struct alist list = {0, 0, NULL};
	struct buf b = {NULL, 0, 0};
	char *r;

	memset(&R, 0, sizeof(R));
	R.o = o;
	R.w = origin_web(o);
	R.tree = xcalloc(1, sizeof(*R.tree));
	known_inputs(&R);
	r = layout_root(in->file);
	R.server_root = web_strdup(R.tree, r);
	free(r);
	read_data(&R, in->file, in, data, len, &list, 0);
	alist_seal(&R, &list);
	dump_list(&b, list.v, list.n, 0);
	free(R.defs);
	free(R.env);
	free(R.mods);
	free(R.lists);
	pmap_free(&R.inputs);
	pmap_free(&R.patterns);
	free(R.wbuf);
	free(R.woff);
	web_free(R.tree);
	return buf_take(&b);
}
