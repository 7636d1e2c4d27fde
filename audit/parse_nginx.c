/* nginx configuration: read as nginx reads it, into the web model.
 *
 * Three stages, each callable alone:
 *  - the tokenizer is ngx_conf_read_token's state machine (quotes only at
 *    the start of a word, "\" escapes anywhere, "#" comments only between
 *    words, "${" not a block, ")" allowed after a quote) with its messages;
 *  - the tree: directives with their words, blocks nested, "include"
 *    expanded in place in any context (globs matched inside the root, or
 *    among the files of an "nginx -T" dump), *_by_lua_block bodies skipped
 *    as Lua the way the lua module reads them;
 *  - the walk: nginx's contexts (main, http, server, location, if,
 *    limit_except...), a table of the directives the model needs with the
 *    contexts nginx allows them in, and nginx's inheritance (http -> server
 *    -> location, each directive merged as its module merges it) with
 *    nginx's defaults where nothing is set.
 * Directives nginx does not know here (third-party modules) are kept in the
 * tree and not errors; the contents of map, geo, types, split_clients and
 * upstream blocks are tokenized and not interpreted. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fnmatch.h>
#include <unistd.h>

#include "parse.h"
#include "root.h"
#include "suppress.h"
#include "util.h"
#include "web.h"

#define CAP_INCLUDE_DEPTH 16
#define CAP_BLOCK_DEPTH 64
#define CAP_WORDS 100000u /* words in one directive */
#define CAP_WORD_LEN (1024u * 1024)

/* ---- the parse tree ---- */

struct nnode {
	const char *name;
	size_t nargs;
	const char **args;
	struct loc loc;
	struct input *in;    /* the file's input, for errors */
	unsigned end_line;   /* where its ";" or "{" is */
	bool block;
	bool raw;            /* a Lua body, skipped */
	size_t nchild;
	struct nnode *child;
};

/* One file of a "nginx -T" dump. */
struct dpart {
	const char *name;
	const char *data;
	size_t len;
};

struct nparser {
	struct origin *o;
	struct web *tree; /* an arena for the tree: freed after the walk */
	struct web *w;
	struct input *main_in;
	const char *prefix; /* the configuration prefix: relative includes start there */
	bool dump;
	const char *dump_file;
	size_t npart;
	struct dpart *parts;
	size_t depth;
	const char *stack[CAP_INCLUDE_DEPTH + 1];
	char *data[CAP_INCLUDE_DEPTH + 1]; /* file contents being read */
};

/* A file being tokenized. */
struct src {
	struct nparser *P;
	const char *file;
	struct input *in;
	const char *p;
	const char *end;
	unsigned line;
};

static void __attribute__((format(printf, 3, 4)))
src_error(struct src *s, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(s->in, line, "%s", msg);
	free(msg);
}

/* ---- inputs: every file read is listed ---- */

static struct input *
file_input(struct nparser *P, const char *name)
{
	struct origin *o = P->o;
	const char *f = intern(name);
	size_t i;
	struct input *in;

	for (i = 0; i < o->ninput; i++)
		if (o->inputs[i]->kind == IN_NGINX && o->inputs[i]->file == f)
			return o->inputs[i];
	in = origin_add_input(o, IN_NGINX, f);
	if (P->dump)
		in->detail = xasprintf("from the nginx -T dump %s", P->dump_file);
	return in;
}

/* ---- the tokenizer (ngx_conf_read_token) ---- */

enum tok {
	TK_DIRECTIVE,   /* words ended by ";" */
	TK_BLOCK_START, /* words ended by "{" */
	TK_BLOCK_END,   /* "}" */
	TK_EOF,
	TK_ERROR,       /* reported; resynchronised */
	TK_FATAL        /* reported; the rest of the file cannot be read */
};

/* The words of one directive: unescaped one after the other into buf
 * (NUL-ended), v pointing at them once the token is read (read_token). */
struct words {
	size_t n;
	size_t cap;
	char **v;
	size_t *off; /* where each word starts in buf */
	char *buf;
	size_t len;
	size_t buf_cap;
	unsigned first_line;
	unsigned last_line;
};

static void
words_clear(struct words *w)
{
	w->n = 0;
	w->len = 0;
}

static void
words_free(struct words *w)
{
	free(w->v);
	free(w->off);
	free(w->buf);
}

/* nginx unescapes \" \' \\ \t \r \n in every word, quoted or not: the
 * word's bytes go to d (room for len bytes), its end is returned. */
static char *
unescape_word(char *d, const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		if (*s == '\\' && s + 1 < end) {
			switch (s[1]) {
			case '"':
			case '\'':
			case '\\':
				s++;
				break;
			case 't':
				*d++ = '\t';
				s += 2;
				continue;
			case 'r':
				*d++ = '\r';
				s += 2;
				continue;
			case 'n':
				*d++ = '\n';
				s += 2;
				continue;
			default:
				break;
			}
		}
		*d++ = *s++;
	}
	return d;
}

static bool
add_word(struct src *s, struct words *w, const char *start, const char *end, unsigned line)
{
	if ((size_t)(end - start) > CAP_WORD_LEN) {
		src_error(s, line, "a word longer than %u bytes", CAP_WORD_LEN);
		return false;
	}
	if (w->n >= CAP_WORDS) {
		src_error(s, line, "a directive with more than %u words", CAP_WORDS);
		return false;
	}
	if (w->n == 0)
		w->first_line = line;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->v = xreallocarray(w->v, w->cap, sizeof(*w->v));
		w->off = xreallocarray(w->off, w->cap, sizeof(*w->off));
	}
	while (w->buf_cap - w->len < (size_t)(end - start) + 1) {
		w->buf_cap = w->buf_cap ? 2 * w->buf_cap : 1024;
		w->buf = xrealloc(w->buf, w->buf_cap);
	}
	w->off[w->n++] = w->len;
	w->len = (size_t)(unescape_word(w->buf + w->len, start, (size_t)(end - start)) - w->buf);
	w->buf[w->len++] = '\0';
	return true;
}

/* The words of the token just read, now that buf holds them all. */
static void
words_point(struct words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		w->v[i] = w->buf + w->off[i];
}

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip to the end of the current statement after an error. */
static void
resync(struct src *s)
{
	while (s->p < s->end && *s->p != ';' && *s->p != '\n')
		s->p++;
	if (s->p < s->end && *s->p == ';')
		s->p++;
}

/* Fast paths of read_token over the bytes its loop would pass over one at
 * a time (most of a configuration): the rest of a comment up to the newline
 * or a NUL (which the loop still sees), and the ordinary bytes inside an
 * unquoted word. */
static void
skip_comment(struct src *s)
{
	while (s->p < s->end && *s->p != '\n' && *s->p != '\0')
		s->p++;
}

static bool
plain_in_word(unsigned char c)
{
	return c > ' ' && c != ';' && c != '{' && c != '\\' && c != '$';
}

/* In an unquoted word: past the bytes that only extend it; whether the
 * last byte seen was a "$" still (none passed: as before). */
static bool
skip_plain(struct src *s, bool variable)
{
	const char *p = s->p;

	while (p < s->end && plain_in_word((unsigned char)*p))
		p++;
	if (p != s->p)
		variable = false;
	s->p = p;
	return variable;
}

static enum tok
read_token_raw(struct src *s, struct words *w)
{
	bool last_space = true;
	bool need_space = false;
	bool sharp = false;
	bool quoted = false;
	bool dq = false;
	bool sq = false;
	bool variable = false;
	const char *start = s->p;
	unsigned start_line = s->line;
	unsigned quote_line = 0;
	int ch;

	words_clear(w);
	w->first_line = s->line;
	for (;;) {
		if (s->p >= s->end) {
			if (w->n > 0 || !last_space) {
				if (dq || sq)
					src_error(s, s->line,
						  "unexpected end of file, expecting \";\" or \"}\" "
						  "(the quote opened at line %u is not closed)",
						  quote_line);
				else
					src_error(s, s->line,
						  "unexpected end of file, expecting \";\" or \"}\"");
				return TK_FATAL;
			}
			return TK_EOF;
		}
		if (sharp)
			skip_comment(s);
		else if (!last_space && !need_space && !quoted && !dq && !sq)
			variable = skip_plain(s, variable);
		if (s->p >= s->end)
			continue;
		ch = (unsigned char)*s->p++;
		if (ch == '\0') {
			src_error(s, s->line, "a NUL byte: not an nginx configuration file");
			return TK_FATAL;
		}
		if (ch == '\n') {
			s->line++;
			sharp = false;
		}
		if (sharp)
			continue;
		if (quoted) {
			quoted = false;
			continue;
		}
		if (need_space) {
			if (is_space(ch)) {
				last_space = true;
				need_space = false;
				continue;
			}
			if (ch == ';') {
				w->last_line = s->line;
				return TK_DIRECTIVE;
			}
			if (ch == '{') {
				w->last_line = s->line;
				return TK_BLOCK_START;
			}
			if (ch == ')') {
				last_space = true;
				need_space = false;
			} else {
				src_error(s, s->line, "unexpected \"%c\"", ch);
				resync(s);
				return TK_ERROR;
			}
		}
		if (last_space) {
			start = s->p - 1;
			start_line = s->line;
			if (is_space(ch))
				continue;
			switch (ch) {
			case ';':
			case '{':
				if (w->n == 0) {
					src_error(s, s->line, "unexpected \"%c\"", ch);
					return TK_ERROR;
				}
				w->last_line = s->line;
				return ch == '{' ? TK_BLOCK_START : TK_DIRECTIVE;
			case '}':
				if (w->n != 0) {
					/* a missing ";" before "}": the words are dropped,
					 * the block still ends here */
					src_error(s, s->line, "unexpected \"}\"");
					words_clear(w);
				}
				return TK_BLOCK_END;
			case '#':
				sharp = true;
				continue;
			case '\\':
				quoted = true;
				last_space = false;
				continue;
			case '"':
				start++;
				dq = true;
				quote_line = s->line;
				last_space = false;
				continue;
			case '\'':
				start++;
				sq = true;
				quote_line = s->line;
				last_space = false;
				continue;
			case '$':
				variable = true;
				last_space = false;
				continue;
			default:
				last_space = false;
			}
		} else {
			bool found = false;

			if (ch == '{' && variable)
				continue;
			variable = false;
			if (ch == '\\') {
				quoted = true;
				continue;
			}
			if (ch == '$') {
				variable = true;
				continue;
			}
			if (dq) {
				if (ch == '"') {
					dq = false;
					need_space = true;
					found = true;
				}
			} else if (sq) {
				if (ch == '\'') {
					sq = false;
					need_space = true;
					found = true;
				}
			} else if (is_space(ch) || ch == ';' || ch == '{') {
				last_space = true;
				found = true;
			}
			if (found) {
				if (!add_word(s, w, start, s->p - 1, start_line))
					return TK_FATAL;
				if (ch == ';') {
					w->last_line = s->line;
					return TK_DIRECTIVE;
				}
				if (ch == '{') {
					w->last_line = s->line;
					return TK_BLOCK_START;
				}
			}
		}
	}
}

static enum tok
read_token(struct src *s, struct words *w)
{
	enum tok t = read_token_raw(s, w);

	words_point(w);
	return t;
}

/* ---- Lua bodies (the lua module reads them with a Lua lexer) ---- */

/* At "[" of a long bracket "[==[": its level, or -1. */
static int
long_bracket(const char *p, const char *end)
{
	int level = 0;

	if (p >= end || *p != '[')
		return -1;
	for (p++; p < end && *p == '='; p++)
		level++;
	return p < end && *p == '[' ? level : -1;
}

/* Skip past the "]==]" closing a long bracket of level; false at EOF. */
static bool
skip_long(struct src *s, int level)
{
	while (s->p < s->end) {
		int l = 0;
		const char *q;

		if (*s->p == '\n')
			s->line++;
		if (*s->p++ != ']')
			continue;
		for (q = s->p; q < s->end && *q == '='; q++)
			l++;
		if (l == level && q < s->end && *q == ']') {
			s->p = q + 1;
			return true;
		}
	}
	return false;
}

static bool
skip_lua(struct src *s, unsigned open_line)
{
	int depth = 1;
	int lv;

	while (s->p < s->end) {
		int ch = (unsigned char)*s->p++;

		switch (ch) {
		case '\n':
			s->line++;
			break;
		case '-':
			if (s->p < s->end && *s->p == '-') {
				s->p++;
				if ((lv = long_bracket(s->p, s->end)) >= 0) {
					s->p += lv + 2;
					if (!skip_long(s, lv))
						goto eof;
					break;
				}
				while (s->p < s->end && *s->p != '\n')
					s->p++;
			}
			break;
		case '[':
			if ((lv = long_bracket(s->p - 1, s->end)) >= 0) {
				s->p += lv + 1;
				if (!skip_long(s, lv))
					goto eof;
			}
			break;
		case '"':
		case '\'':
			while (s->p < s->end && *s->p != ch) {
				if (*s->p == '\\' && s->p + 1 < s->end) {
					if (s->p[1] == '\n')
						s->line++;
					s->p++;
				} else if (*s->p == '\n') {
					src_error(s, s->line, "unfinished string in the Lua block");
					return false;
				}
				s->p++;
			}
			if (s->p >= s->end)
				goto eof;
			s->p++;
			break;
		case '{':
			depth++;
			break;
		case '}':
			if (--depth == 0)
				return true;
			break;
		default:
			break;
		}
	}
eof:
	src_error(s, s->line, "unexpected end of file in the Lua block opened at line %u",
		  open_line);
	return false;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s);
	size_t m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- the tree ---- */

enum block_end {
	BE_CLOSED, /* "}" */
	BE_EOF,
	BE_FATAL
};

struct nlist {
	size_t n;
	struct nnode *v;
};

static enum block_end parse_list(struct nparser *P, struct src *s, struct nlist *out,
				 unsigned depth, bool file_top);
static void include_files(struct nparser *P, struct src *s, const struct words *w,
			  struct nlist *out, unsigned depth);

static struct nnode *
add_node(struct nparser *P, struct src *s, struct nlist *out, const struct words *w)
{
	struct nnode *n = web_push(P->tree, (void **)&out->v, &out->n, sizeof(*n));
	size_t i;

	n->name = web_strdup(P->tree, w->v[0]);
	n->nargs = w->n - 1;
	n->args = web_alloc(P->tree, (w->n ? w->n : 1) * sizeof(*n->args));
	for (i = 1; i < w->n; i++)
		n->args[i - 1] = web_strdup(P->tree, w->v[i]);
	n->loc.file = s->file;
	n->loc.line = w->first_line;
	n->in = s->in;
	n->end_line = w->last_line;
	return n;
}

static enum block_end
parse_list(struct nparser *P, struct src *s, struct nlist *out, unsigned depth, bool file_top)
{
	struct words w;
	enum block_end be = BE_EOF;

	memset(&w, 0, sizeof(w));
	for (;;) {
		enum tok t = read_token(s, &w);
		struct nnode *n;

		if (t == TK_ERROR)
			continue;
		if (t == TK_FATAL) {
			be = BE_FATAL;
			break;
		}
		if (t == TK_EOF) {
			if (!file_top)
				src_error(s, s->line, "unexpected end of file, expecting \"}\"");
			be = BE_EOF;
			break;
		}
		if (t == TK_BLOCK_END) {
			if (file_top) {
				src_error(s, s->line, "unexpected \"}\"");
				continue;
			}
			be = BE_CLOSED;
			break;
		}
		if (strcmp(w.v[0], "include") == 0 && t == TK_DIRECTIVE) {
			include_files(P, s, &w, out, depth);
			continue;
		}
		if (strcmp(w.v[0], "include") == 0)
			src_error(s, w.last_line, "directive \"include\" is not terminated by \";\"");
		n = add_node(P, s, out, &w);
		if (t != TK_BLOCK_START)
			continue;
		n->block = true;
		if (ends_with(n->name, "_by_lua_block")) {
			n->raw = true;
			if (!skip_lua(s, w.last_line)) {
				be = BE_FATAL;
				break;
			}
			continue;
		}
		if (depth + 1 > CAP_BLOCK_DEPTH) {
			src_error(s, s->line, "blocks nested deeper than %u", CAP_BLOCK_DEPTH);
			be = BE_FATAL;
			break;
		}
		{
			struct nlist kids = {0, NULL};
			enum block_end k = parse_list(P, s, &kids, depth + 1, false);

			/* n may have moved while the list grew: find it again */
			n = &out->v[out->n - 1];
			n->child = kids.v;
			n->nchild = kids.n;
			if (k != BE_CLOSED) {
				be = k;
				break;
			}
		}
	}
	words_free(&w);
	return be;
}

/* Read one file of the configuration into out. */
static void
parse_file(struct nparser *P, const char *name, struct input *in, const char *data, size_t len,
	   struct nlist *out, unsigned depth)
{
	struct src s;

	memset(&s, 0, sizeof(s));
	s.P = P;
	s.file = intern(name);
	s.in = in;
	s.p = data;
	s.end = data + len;
	s.line = 1;
	P->stack[P->depth++] = s.file;
	parse_list(P, &s, out, depth, true);
	P->depth--;
}

static const struct dpart *
dump_find(const struct nparser *P, const char *name)
{
	size_t i;

	for (i = 0; i < P->npart; i++)
		if (strcmp(P->parts[i].name, name) == 0)
			return &P->parts[i];
	return NULL;
}

/* The files a pattern names: inside the root, or among the dump's files
 * (fnmatch with glob(3)'s rules: "/" and a leading "." only explicitly). */
static bool
match_files(struct nparser *P, struct src *s, unsigned line, const char *path, char ***v,
	    size_t *n)
{
	char *err = NULL;
	size_t i;
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	if (!P->dump) {
		if (root_glob(path, v, n, &err) == READ_OK)
			return true;
		src_error(s, line, "include \"%s\": %s", path, err);
		free(err);
		return false;
	}
	for (i = 0; i < P->npart; i++) {
		if (fnmatch(path, P->parts[i].name, FNM_PATHNAME | FNM_PERIOD) != 0)
			continue;
		if (*n >= CAP_GLOB_MATCHES) {
			src_error(s, line, "include \"%s\": more than %u files match", path,
				  CAP_GLOB_MATCHES);
			root_glob_free(*v, *n);
			*v = NULL;
			*n = 0;
			return false;
		}
		VEC_PUSH(*v, *n, cap, xstrdup(P->parts[i].name));
	}
	/* the dump lists files in the order nginx read them: sort as glob(3) */
	for (i = 1; i < *n; i++) {
		size_t j = i;
		char *t = (*v)[i];

		while (j > 0 && strcmp((*v)[j - 1], t) > 0) {
			(*v)[j] = (*v)[j - 1];
			j--;
		}
		(*v)[j] = t;
	}
	return true;
}

static void
include_one(struct nparser *P, struct src *s, unsigned line, const char *path, struct nlist *out,
	    unsigned depth)
{
	const char *f = intern(path);
	struct input *in;
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	size_t i;

	for (i = 0; i < P->depth; i++) {
		if (P->stack[i] == f) {
			src_error(s, line, "include loop: \"%s\" includes itself%s%s%s", path,
				  i + 1 < P->depth ? " (through \"" : "",
				  i + 1 < P->depth ? P->stack[i + 1] : "",
				  i + 1 < P->depth ? "\")" : "");
			return;
		}
	}
	if (P->depth > CAP_INCLUDE_DEPTH) {
		src_error(s, line, "include \"%s\": includes nested deeper than %u files", path,
			  CAP_INCLUDE_DEPTH);
		return;
	}
	if (P->dump) {
		const struct dpart *d = dump_find(P, path);

		if (d == NULL) {
			src_error(s, line, "include \"%s\": not in the nginx -T dump", path);
			return;
		}
		parse_file(P, d->name, file_input(P, d->name), d->data, d->len, out, depth);
		return;
	}
	switch (root_read(path, &data, &len, &err)) {
	case READ_OK:
		in = file_input(P, path);
		parse_file(P, path, in, data, len, out, depth);
		suppress_scan(in, data, len);
		free(data);
		break;
	case READ_MISSING:
		src_error(s, line, "include \"%s\": no such file", path);
		break;
	case READ_FAILED:
		src_error(s, line, "include \"%s\": %s", path, err);
		free(err);
		break;
	}
}

static char *
full_name(const struct nparser *P, const char *name)
{
	if (name[0] == '/')
		return xstrdup(name);
	return xasprintf("%s%s", P->prefix, name);
}

static void
include_files(struct nparser *P, struct src *s, const struct words *w, struct nlist *out,
	      unsigned depth)
{
	char *path;
	char **v;
	size_t n;
	size_t i;

	if (w->n != 2) {
		src_error(s, w->first_line, "invalid number of arguments in \"include\" directive");
		return;
	}
	path = full_name(P, w->v[1]);
	if (!glob_magic(path)) {
		include_one(P, s, w->first_line, path, out, depth);
		free(path);
		return;
	}
	/* nginx's include of a pattern that matches nothing is not an error */
	if (match_files(P, s, w->first_line, path, &v, &n)) {
		for (i = 0; i < n; i++)
			include_one(P, s, w->first_line, v[i], out, depth);
		root_glob_free(v, n);
	}
	free(path);
}

/* ---- nginx -T dumps ---- */

static const char dump_marker[] = "# configuration file ";

/* Split a dump into its files: "# configuration file NAME:" starts each;
 * nginx writes the file and one more newline. */
static bool
dump_split(struct nparser *P, const char *data, size_t len)
{
	const char *p = data;
	const char *end = data + len;
	size_t cap = 0;
	struct dpart *cur = NULL;
	const char *body = NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t ml = sizeof(dump_marker) - 1;

		if ((size_t)(eol - p) > ml + 1 && memcmp(p, dump_marker, ml) == 0 &&
		    eol[-1] == ':') {
			if (cur) {
				cur->len = (size_t)(p - body);
				if (cur->len > 0 && body[cur->len - 1] == '\n')
					cur->len--;
			}
			VEC_PUSH(P->parts, P->npart, cap, ((struct dpart){NULL, NULL, 0}));
			cur = &P->parts[P->npart - 1];
			cur->name = intern(web_strndup(P->tree, p + ml, (size_t)(eol - 1 - p - ml)));
			body = nl ? nl + 1 : end;
			cur->data = body;
		}
		p = nl ? nl + 1 : end;
	}
	if (cur) {
		cur->len = (size_t)(end - body);
		if (cur->len > 0 && body[cur->len - 1] == '\n')
			cur->len--;
	}
	return P->npart > 0;
}

/* Whether data is an "nginx -T" dump: the first line that is not one of
 * nginx's own messages is a marker. */
static bool
is_dump(const char *data, size_t len)
{
	const char *p = data;
	const char *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (strncmp(p, "nginx: ", 7) != 0)
			return (size_t)(end - p) >= sizeof(dump_marker) - 1 &&
			       memcmp(p, dump_marker, sizeof(dump_marker) - 1) == 0;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return false;
}

/* ---- the walk: contexts, directives, inheritance ---- */

enum ctx {
	X_MAIN,
	X_EVENTS,
	X_HTTP,
	X_SRV,
	X_LOC,
	X_SIF, /* if in server */
	X_LIF, /* if in location */
	X_LMT, /* limit_except */
	X_NONE /* contents not interpreted: upstream, map, stream, unknown blocks */
};

#define CX(x) (1u << (x))
#define C_HSL (CX(X_HTTP) | CX(X_SRV) | CX(X_LOC))
#define C_HS (CX(X_HTTP) | CX(X_SRV))

struct zone {
	enum web_limit_kind kind;
	const char *name;
	const char *key;
	struct loc loc;
};

struct walker {
	struct nparser *P;
	struct web *w;
	struct web_server *srv;
	size_t nzone;
	size_t zone_cap;
	struct zone *zones;
	bool http_seen;
	bool events_seen;
	const char *hostname; /* /etc/hostname, for "server_name $hostname" */
	bool hostname_read;
};

/* What one block sets, and what is in effect there. */
struct level {
	enum ctx ctx;
	const struct level *parent;
	const struct nnode *node;
	struct web_vhost *vh;
	struct web_location *scope;
	bool listen_seen;
	bool names_seen;

	struct web_settings raw; /* set here: .set */
	struct web_acl *acl;
	struct web_trust *trust;
	struct web_limits *req;
	struct web_limits *conn;
	struct web_value req_status;
	struct web_value conn_status;
	struct web_tls tls;
	struct web_value ssl;
	struct web_value http2;
	enum web_backend backend;
	struct web_text target;
	const char *backend_name;

	/* in effect (after the merge) */
	struct web_settings eff;
	const struct web_acl *acl_eff;
	/* eff as the model keeps it: the parent level's block when this
	 * level changes nothing (web_settings_share) */
	const struct web_settings *shared;
	const struct web_limits *req_eff;
	const struct web_limits *conn_eff;
	struct web_value req_status_eff;
	struct web_value conn_status_eff;
	struct web_tls tls_eff;
	struct web_value ssl_eff;
	struct web_value http2_eff;
};

typedef void (*dir_fn)(struct walker *W, struct level *L, const struct nnode *n);

struct directive {
	const char *name;
	unsigned blk; /* contexts where it is a block */
	unsigned smp; /* contexts where it is a simple directive */
	int amin;
	int amax; /* -1: no limit */
	dir_fn fn;
};

static void __attribute__((format(printf, 2, 3)))
node_error(const struct nnode *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	input_error(n->in, n->loc.line, "%s", msg);
	free(msg);
}

/* ---- values, parsed as nginx parses them ---- */

/* ngx_parse_time: is_sec false gives milliseconds (a bare number is
 * seconds); units y M w d h m s ms, largest first, each once. */
long long
nginx_parse_time(const char *s, bool is_sec)
{
	enum {
		ST_START,
		ST_YEAR,
		ST_MONTH,
		ST_WEEK,
		ST_DAY,
		ST_HOUR,
		ST_MIN,
		ST_SEC,
		ST_MSEC,
		ST_LAST
	} step = is_sec ? ST_START : ST_MONTH;
	long long value = 0;
	long long total = 0;
	long long scale = 1;
	long long max = LLONG_MAX;
	bool valid = false;
	const char *p = s;

	while (*p) {
		if (*p >= '0' && *p <= '9') {
			if (value > (LLONG_MAX - (*p - '0')) / 10)
				return -1;
			value = value * 10 + (*p++ - '0');
			valid = true;
			continue;
		}
		switch (*p++) {
		case 'y':
			if (step > ST_START)
				return -1;
			step = ST_YEAR;
			scale = 60LL * 60 * 24 * 365;
			break;
		case 'M':
			if (step >= ST_MONTH)
				return -1;
			step = ST_MONTH;
			scale = 60LL * 60 * 24 * 30;
			break;
		case 'w':
			if (step >= ST_WEEK)
				return -1;
			step = ST_WEEK;
			scale = 60LL * 60 * 24 * 7;
			break;
		case 'd':
			if (step >= ST_DAY)
				return -1;
			step = ST_DAY;
			scale = 60LL * 60 * 24;
			break;
		case 'h':
			if (step >= ST_HOUR)
				return -1;
			step = ST_HOUR;
			scale = 60LL * 60;
			break;
		case 'm':
			if (*p == 's') {
				if (is_sec || step >= ST_MSEC)
					return -1;
				p++;
				step = ST_MSEC;
				scale = 1;
				break;
			}
			if (step >= ST_MIN)
				return -1;
			step = ST_MIN;
			scale = 60;
			break;
		case 's':
			if (step >= ST_SEC)
				return -1;
			step = ST_SEC;
			scale = 1;
			break;
		case ' ':
			if (step >= ST_SEC)
				return -1;
			step = ST_LAST;
			scale = 1;
			break;
		default:
			return -1;
		}
		if (step != ST_MSEC && !is_sec)
			scale *= 1000;
		max = LLONG_MAX / scale;
		if (value > max)
			return -1;
		value *= scale;
		if (total > LLONG_MAX - value)
			return -1;
		total += value;
		value = 0;
		while (*p == ' ')
			p++;
	}
	if (!valid)
		return -1;
	if (!is_sec) {
		if (value > LLONG_MAX / 1000)
			return -1;
		value *= 1000;
	}
	if (total > LLONG_MAX - value)
		return -1;
	return total + value;
}

/* ngx_parse_size: bytes, with k/K, m/M, g/G. */
long long
nginx_parse_size(const char *s)
{
	size_t len = strlen(s);
	long long scale = 1;
	long long v = 0;
	size_t i;

	if (len == 0)
		return -1;
	switch (s[len - 1]) {
	case 'k':
	case 'K':
		scale = 1024;
		len--;
		break;
	case 'm':
	case 'M':
		scale = 1024 * 1024;
		len--;
		break;
	case 'g':
	case 'G':
		scale = 1024 * 1024 * 1024;
		len--;
		break;
	default:
		break;
	}
	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (LLONG_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > LLONG_MAX / scale)
		return -1;
	return v * scale;
}

/* ngx_atoi: digits only. */
static long long
nginx_atoi(const char *s)
{
	long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (LLONG_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static bool
dup_check(const struct nnode *n, const struct web_value *v)
{
	if (v->set && !v->dflt) {
		node_error(n, "\"%s\" directive is duplicate", n->name);
		return false;
	}
	return true;
}

static void
set_value(struct web_value *v, const struct nnode *n, long long x)
{
	v->v = x;
	v->name = intern(n->name);
	v->loc = n->loc;
	v->dflt = false;
	v->set = true;
}

static void
set_msec(struct web_value *v, const struct nnode *n, const char *arg)
{
	long long ms = nginx_parse_time(arg, false);

	if (!dup_check(n, v))
		return;
	if (ms < 0) {
		node_error(n, "\"%s\" directive invalid value", n->name);
		return;
	}
	set_value(v, n, ms);
}

static bool
parse_flag(const struct nnode *n, const char *arg, long long *out)
{
	if (strcasecmp(arg, "on") == 0)
		*out = 1;
	else if (strcasecmp(arg, "off") == 0)
		*out = 0;
	else {
		node_error(n, "invalid value \"%s\" in \"%s\" directive, it must be \"on\" or \"off\"",
			   arg, n->name);
		return false;
	}
	return true;
}

static void
set_flag(struct web_value *v, const struct nnode *n)
{
	long long x;

	if (dup_check(n, v) && parse_flag(n, n->args[0], &x))
		set_value(v, n, x);
}

static void
set_text(struct walker *W, struct web_text *t, const struct nnode *n, const char *text)
{
	if (t->text && !t->dflt) {
		node_error(n, "\"%s\" directive is duplicate", n->name);
		return;
	}
	t->text = web_strdup(W->w, text);
	t->name = intern(n->name);
	t->loc = n->loc;
	t->dflt = false;
}

/* All the arguments, joined by spaces. */
static const char *
args_text(struct walker *W, const struct nnode *n, size_t from)
{
	struct buf b = {NULL, 0, 0};
	const char *t;
	size_t i;

	/* an empty argument was written "" or '' */
	for (i = from; i < n->nargs; i++)
		buf_addf(&b, "%s%s", i > from && strcmp(n->args[i], ")") != 0 ? " " : "",
			 n->args[i][0] ? n->args[i] : "\"\"");
	t = web_strdup(W->w, b.p ? b.p : "");
	buf_free(&b);
	return t;
}

/* ---- handlers of simple directives ---- */

static enum web_backend
backend_of(const char *name)
{
	if (strcmp(name, "proxy_pass") == 0)
		return WB_HTTP;
	if (strcmp(name, "fastcgi_pass") == 0)
		return WB_FASTCGI;
	if (strcmp(name, "uwsgi_pass") == 0)
		return WB_UWSGI;
	if (strcmp(name, "scgi_pass") == 0)
		return WB_SCGI;
	if (strcmp(name, "grpc_pass") == 0)
		return WB_GRPC;
	return WB_OTHER;
}

static void
d_pass(struct walker *W, struct level *L, const struct nnode *n)
{
	if (L->backend_name && strcmp(L->backend_name, n->name) == 0) {
		node_error(n, "\"%s\" directive is duplicate", n->name);
		return;
	}
	L->backend = backend_of(n->name);
	L->backend_name = n->name;
	L->target.text = web_strdup(W->w, n->args[0]);
	L->target.name = intern(n->name);
	L->target.loc = n->loc;
}

/* proxy_read_timeout, fastcgi_send_timeout...: the backend from the prefix. */
static void
d_backend_timeout(struct walker *W, struct level *L, const struct nnode *n)
{
	static const char *const prefix[WB_COUNT] = {"proxy_", "fastcgi_", "uwsgi_", "scgi_",
						     "grpc_", "memcached_"};
	int b;

	(void)W;
	for (b = 0; b < WB_COUNT; b++) {
		size_t pl = strlen(prefix[b]);

		if (strncmp(n->name, prefix[b], pl) != 0)
			continue;
		if (strcmp(n->name + pl, "read_timeout") == 0)
			set_msec(&L->raw.backend_read[b], n, n->args[0]);
		else
			set_msec(&L->raw.backend_send[b], n, n->args[0]);
		return;
	}
}

static void
d_keepalive_timeout(struct walker *W, struct level *L, const struct nnode *n)
{
	(void)W;
	if (n->nargs == 2 && nginx_parse_time(n->args[1], true) < 0) {
		node_error(n, "\"keepalive_timeout\" directive invalid value");
		return;
	}
	set_msec(&L->raw.keepalive_timeout, n, n->args[0]);
}

static void
d_keepalive_requests(struct walker *W, struct level *L, const struct nnode *n)
{
	long long v = nginx_atoi(n->args[0]);

	(void)W;
	if (!dup_check(n, &L->raw.keepalive_requests))
		return;
	if (v < 0) {
		node_error(n, "\"keepalive_requests\" directive invalid number");
		return;
	}
	set_value(&L->raw.keepalive_requests, n, v);
}

static void
d_client_timeout(struct walker *W, struct level *L, const struct nnode *n)
{
	(void)W;
	if (strcmp(n->name, "client_header_timeout") == 0)
		set_msec(&L->raw.client_header_timeout, n, n->args[0]);
	else if (strcmp(n->name, "client_body_timeout") == 0)
		set_msec(&L->raw.client_body_timeout, n, n->args[0]);
	else
		set_msec(&L->raw.send_timeout, n, n->args[0]);
}

static void
d_header_buffers(struct walker *W, struct level *L, const struct nnode *n)
{
	long long num = nginx_atoi(n->args[0]);
	long long size = nginx_parse_size(n->args[1]);

	(void)W;
	if (!dup_check(n, &L->raw.header_buffers))
		return;
	if (num <= 0 || size <= 0) {
		node_error(n, "\"large_client_header_buffers\" directive invalid value");
		return;
	}
	set_value(&L->raw.header_buffers, n, num);
	set_value(&L->raw.header_buffer_size, n, size);
}

/* An address block of allow/deny/set_real_ip_from: "all" (access only),
 * "unix:", an address or a CIDR. */
static bool
parse_block_addr(const struct nnode *n, const char *a, struct cidr *c, bool *unix_socket)
{
	*unix_socket = false;
	if (strcmp(a, "unix:") == 0) {
		*unix_socket = true;
		return true;
	}
	if (cidr_parse(a, c))
		return true;
	node_error(n, "invalid parameter \"%s\"", a);
	return false;
}

static void
d_access(struct walker *W, struct level *L, const struct nnode *n)
{
	struct web_acl_rule r;
	struct web_acl_rule *slot;

	memset(&r, 0, sizeof(r));
	r.allow = strcmp(n->name, "allow") == 0;
	r.text = web_strdup(W->w, n->args[0]);
	r.loc = n->loc;
	if (strcmp(n->args[0], "all") == 0)
		r.all = true;
	else if (!parse_block_addr(n, n->args[0], &r.cidr, &r.unix_socket))
		return;
	if (L->acl == NULL) {
		L->acl = web_alloc(W->w, sizeof(*L->acl));
		L->acl->loc = n->loc;
	}
	slot = web_push(W->w, (void **)&L->acl->v, &L->acl->n, sizeof(*slot));
	*slot = r;
}

static void
d_real_ip_from(struct walker *W, struct level *L, const struct nnode *n)
{
	struct web_addr_entry e;
	struct web_addr_entry *slot;

	memset(&e, 0, sizeof(e));
	e.text = web_strdup(W->w, n->args[0]);
	e.loc = n->loc;
	if (!parse_block_addr(n, n->args[0], &e.cidr, &e.unix_socket))
		return;
	if (L->trust == NULL)
		L->trust = web_add_trust(W->w, n->loc);
	slot = web_push(W->w, (void **)&L->trust->v, &L->trust->n, sizeof(*slot));
	*slot = e;
}

static void
d_real_ip_header(struct walker *W, struct level *L, const struct nnode *n)
{
	set_text(W, &L->raw.real_ip_header, n, n->args[0]);
}

static void
d_real_ip_recursive(struct walker *W, struct level *L, const struct nnode *n)
{
	(void)W;
	set_flag(&L->raw.real_ip_recursive, n);
}

static const struct zone *
zone_find(const struct walker *W, enum web_limit_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < W->nzone; i++)
		if (W->zones[i].kind == kind && strcmp(W->zones[i].name, name) == 0)
			return &W->zones[i];
	return NULL;
}

/* limit_req zone=NAME [burst=N] [nodelay | delay=N]; limit_conn NAME N; */
static void
d_limit(struct walker *W, struct level *L, const struct nnode *n)
{
	bool req = strcmp(n->name, "limit_req") == 0;
	struct web_limits **list = req ? &L->req : &L->conn;
	struct web_limit lim;
	struct web_limit *slot;
	const struct zone *z;
	const char *zname = NULL;
	size_t i;

	memset(&lim, 0, sizeof(lim));
	lim.kind = req ? WLIM_REQ : WLIM_CONN;
	lim.name = intern(n->name);
	lim.loc = n->loc;
	if (req) {
		for (i = 0; i < n->nargs; i++) {
			if (strncmp(n->args[i], "zone=", 5) == 0)
				zname = n->args[i] + 5;
			else if (strncmp(n->args[i], "burst=", 6) != 0 &&
				 strcmp(n->args[i], "nodelay") != 0 &&
				 strncmp(n->args[i], "delay=", 6) != 0) {
				node_error(n, "invalid parameter \"%s\"", n->args[i]);
				return;
			}
		}
		if (zname == NULL) {
			node_error(n, "\"limit_req\" must have \"zone\" parameter");
			return;
		}
	} else {
		zname = n->args[0];
		if (nginx_atoi(n->args[1]) <= 0) {
			node_error(n, "invalid number of connections \"%s\"", n->args[1]);
			return;
		}
	}
	lim.zone = web_strdup(W->w, zname);
	z = zone_find(W, lim.kind, zname);
	if (z == NULL) {
		node_error(n, "unknown %s_zone \"%s\"", n->name, zname);
		return;
	}
	lim.key = z->key;
	lim.zone_loc = z->loc;
	/* $realip_remote_addr is the connecting address even with realip */
	lim.key_peer_addr = strstr(z->key, "$realip_remote_addr") != NULL ||
			    strstr(z->key, "${realip_remote_addr}") != NULL;
	lim.key_client_addr = !lim.key_peer_addr && (strstr(z->key, "remote_addr") != NULL);
	if (*list == NULL)
		*list = web_alloc(W->w, sizeof(**list));
	slot = web_push(W->w, (void **)&(*list)->v, &(*list)->n, sizeof(*slot));
	*slot = lim;
}

static void
d_limit_status(struct walker *W, struct level *L, const struct nnode *n)
{
	struct web_value *v = strcmp(n->name, "limit_req_status") == 0 ? &L->req_status
									: &L->conn_status;
	long long code = nginx_atoi(n->args[0]);

	(void)W;
	if (!dup_check(n, v))
		return;
	if (code < 400 || code > 599) {
		node_error(n, "value must be between 400 and 599");
		return;
	}
	set_value(v, n, code);
}

/* One more shared memory zone declared by n, for the evaluator to hold
 * against the others (a size that does not parse is taken as none). */
static void
shm_declare(struct walker *W, const struct nnode *n, const char *name, enum web_shm_use use,
	    long long size)
{
	struct web_shm *z = web_push(W->w, (void **)&W->srv->shm, &W->srv->nshm, sizeof(*z));

	z->name = name;
	z->use = use;
	z->size = size > 0 ? size : 0;
	z->directive = intern(n->name);
	z->loc = n->loc;
}

/* limit_req_zone KEY zone=NAME:SIZE rate=R [sync]; limit_conn_zone KEY zone=NAME:SIZE; */
static void
d_zone(struct walker *W, struct level *L, const struct nnode *n)
{
	struct zone z;
	const char *name = NULL;
	size_t i;

	(void)L;
	memset(&z, 0, sizeof(z));
	z.kind = strcmp(n->name, "limit_req_zone") == 0 ? WLIM_REQ : WLIM_CONN;
	for (i = 1; i < n->nargs; i++)
		if (strncmp(n->args[i], "zone=", 5) == 0)
			name = n->args[i] + 5;
	if (name == NULL || *name == '\0' || strchr(name, ':') == NULL) {
		node_error(n, "\"%s\" must have \"zone\" parameter", n->name);
		return;
	}
	z.name = web_strndup(W->w, name, (size_t)(strchr(name, ':') - name));
	z.key = web_strdup(W->w, n->args[0]);
	z.loc = n->loc;
	if (zone_find(W, z.kind, z.name)) {
		node_error(n, "duplicate zone \"%s\"", z.name);
		return;
	}
	VEC_PUSH(W->zones, W->nzone, W->zone_cap, z);
	shm_declare(W, n, z.name, z.kind == WLIM_REQ ? WSHM_LIMIT_REQ : WSHM_LIMIT_CONN,
		    nginx_parse_size(strchr(name, ':') + 1));
}

/* ssl_session_cache off | none | [builtin[:SIZE]] [shared:NAME:SIZE]: the
 * shared cache is a zone of its own. */
static void
d_ssl_session_cache(struct walker *W, struct level *L, const struct nnode *n)
{
	size_t i;

	(void)L;
	for (i = 0; i < n->nargs; i++) {
		const char *a = n->args[i];
		const char *colon;
		long long size;

		if (strcmp(a, "off") == 0 || strcmp(a, "none") == 0 ||
		    strncmp(a, "builtin", 7) == 0)
			continue;
		if (strncmp(a, "shared:", 7) != 0 || (colon = strchr(a + 7, ':')) == NULL ||
		    colon == a + 7 || (size = nginx_parse_size(colon + 1)) < 0) {
			node_error(n, "invalid session cache \"%s\"", a);
			continue;
		}
		shm_declare(W, n, web_strndup(W->w, a + 7, (size_t)(colon - (a + 7))),
			    WSHM_SSL_SESSION, size);
	}
}

static void
d_return(struct walker *W, struct level *L, const struct nnode *n)
{
	struct web_return r;
	struct web_return *slot;
	long long code = nginx_atoi(n->args[0]);

	memset(&r, 0, sizeof(r));
	r.loc = n->loc;
	r.conditional = L->ctx == X_SIF || L->ctx == X_LIF;
	if (code < 0) {
		const char *a = n->args[0];

		if (n->nargs == 1 && (strncmp(a, "http://", 7) == 0 ||
				      strncmp(a, "https://", 8) == 0 ||
				      strncmp(a, "$scheme", 7) == 0)) {
			r.code = 302;
			r.text = web_strdup(W->w, a);
		} else {
			node_error(n, "invalid return code \"%s\"", a);
			return;
		}
	} else if (code > 999) {
		node_error(n, "invalid return code \"%s\"", n->args[0]);
		return;
	} else {
		r.code = (int)code;
		if (n->nargs == 2)
			r.text = web_strdup(W->w, n->args[1]);
	}
	slot = web_push(W->w, (void **)&L->scope->ret, &L->scope->nret, sizeof(*slot));
	*slot = r;
}

static bool
parse_port(const char *s, uint16_t *port)
{
	long long v = nginx_atoi(s);

	if (v < 1 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* The address part of "listen" (ngx_parse_url with listen semantics). */
static bool
listen_address(struct walker *W, const struct nnode *n, const char *a, struct web_listen *l)
{
	char *host = NULL;
	const char *port = NULL;
	enum family fam;
	u128 addr;

	l->text = web_strdup(W->w, a);
	l->port = 80;
	if (strncmp(a, "unix:", 5) == 0) {
		l->kind = WA_UNIX;
		l->port = 0;
		return true;
	}
	if (a[0] == '[') {
		const char *rb = strchr(a, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':')) {
			node_error(n, "invalid IPv6 address in \"%s\" of the \"listen\" directive", a);
			return false;
		}
		host = xstrndup(a + 1, (size_t)(rb - a - 1));
		if (rb[1] == ':')
			port = rb + 2;
		if (!addr_parse(host, &fam, &addr) || fam != FAM_V6) {
			node_error(n, "invalid IPv6 address in \"%s\" of the \"listen\" directive", a);
			free(host);
			return false;
		}
	} else {
		const char *colon = strchr(a, ':');

		if (colon) {
			host = xstrndup(a, (size_t)(colon - a));
			port = colon + 1;
		} else if (nginx_atoi(a) >= 0) {
			port = a;
		} else {
			host = xstrdup(a);
		}
	}
	if (port && !parse_port(port, &l->port)) {
		node_error(n, "invalid port in \"%s\" of the \"listen\" directive", a);
		free(host);
		return false;
	}
	l->ipv6only = true;
	if (host == NULL || strcmp(host, "*") == 0) {
		l->kind = WA_ANY;
		l->fam = FAM_V4;
	} else if (addr_parse(host, &fam, &addr)) {
		l->fam = fam;
		l->addr = addr;
		l->kind = addr == 0 ? WA_ANY : WA_ADDR;
	} else if (strcasecmp(host, "localhost") == 0) {
		l->kind = WA_ADDR;
		l->fam = FAM_V4;
		l->addr = (u128)0x7f000001;
	} else {
		l->kind = WA_NAME;
	}
	free(host);
	return true;
}

static void
d_listen(struct walker *W, struct level *L, const struct nnode *n)
{
	struct web_listen l;
	struct web_listen *slot;
	size_t i;

	memset(&l, 0, sizeof(l));
	l.loc = n->loc;
	if (!listen_address(W, n, n->args[0], &l))
		return;
	for (i = 1; i < n->nargs; i++) {
		const char *p = n->args[i];

		if (strcmp(p, "default_server") == 0 || strcmp(p, "default") == 0)
			l.default_server = true;
		else if (strcmp(p, "ssl") == 0)
			l.ssl = true;
		else if (strcmp(p, "http2") == 0)
			l.http2 = true;
		else if (strcmp(p, "proxy_protocol") == 0) {
			l.proxy_protocol = true;
			l.proxy_loc = n->loc;
		}
		else if (strncmp(p, "ipv6only=", 9) == 0) {
			if (strcmp(p + 9, "on") == 0)
				l.ipv6only = true;
			else if (strcmp(p + 9, "off") == 0)
				l.ipv6only = false;
			else {
				node_error(n, "invalid ipv6only flags \"%s\"", p + 9);
				return;
			}
		} else if (strcmp(p, "bind") != 0 && strcmp(p, "deferred") != 0 &&
			   strcmp(p, "reuseport") != 0 && strcmp(p, "quic") != 0 &&
			   strcmp(p, "spdy") != 0 && strncmp(p, "backlog=", 8) != 0 &&
			   strncmp(p, "rcvbuf=", 7) != 0 && strncmp(p, "sndbuf=", 7) != 0 &&
			   strncmp(p, "setfib=", 7) != 0 && strncmp(p, "fastopen=", 9) != 0 &&
			   strncmp(p, "accept_filter=", 14) != 0 &&
			   strncmp(p, "so_keepalive=", 13) != 0) {
			node_error(n, "invalid parameter \"%s\"", p);
			return;
		}
	}
	L->listen_seen = true;
	slot = web_push(W->w, (void **)&L->vh->listen, &L->vh->nlisten, sizeof(*slot));
	*slot = l;
}

static const char *
hostname(struct walker *W)
{
	char *data = NULL;
	size_t len = 0;
	char *err = NULL;

	if (W->hostname_read)
		return W->hostname;
	W->hostname_read = true;
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
d_server_name(struct walker *W, struct level *L, const struct nnode *n)
{
	size_t i;

	L->names_seen = true;
	for (i = 0; i < n->nargs; i++) {
		const char *name = n->args[i];
		const char *err;

		if (strcmp(name, "$hostname") == 0 && (name = hostname(W)) == NULL)
			continue;
		if (!web_add_name(W->w, L->vh, name, n->loc, &err)) {
			if (name[0] == '~')
				node_error(n, "%s", err);
			else
				node_error(n, "%s \"%s\"", err, name);
		}
	}
}

static void
d_ssl_file(struct walker *W, struct level *L, const struct nnode *n)
{
	bool cert = strcmp(n->name, "ssl_certificate") == 0;
	struct web_text *t;

	if (cert)
		t = web_push(W->w, (void **)&L->tls.cert, &L->tls.ncert, sizeof(*t));
	else
		t = web_push(W->w, (void **)&L->tls.key, &L->tls.nkey, sizeof(*t));
	t->text = web_strdup(W->w, n->args[0]);
	t->name = intern(n->name);
	t->loc = n->loc;
}

static void
d_ssl_text(struct walker *W, struct level *L, const struct nnode *n)
{
	struct web_tls *t = &L->tls;
	const char *name = n->name + 4;

	if (strcmp(name, "protocols") == 0)
		set_text(W, &t->protocols, n, args_text(W, n, 0));
	else if (strcmp(name, "ciphers") == 0)
		set_text(W, &t->ciphers, n, n->args[0]);
	else if (strcmp(name, "prefer_server_ciphers") == 0) {
		long long x;

		if (parse_flag(n, n->args[0], &x))
			set_text(W, &t->prefer_server_ciphers, n, x ? "on" : "off");
	} else if (strcmp(name, "verify_client") == 0) {
		const char *v = n->args[0];

		if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0 && strcmp(v, "optional") != 0 &&
		    strcmp(v, "optional_no_ca") != 0) {
			node_error(n, "invalid value \"%s\" in \"%s\" directive", v, n->name);
			return;
		}
		set_text(W, &t->verify_client, n, v);
	} else if (strcmp(name, "reject_handshake") == 0) {
		long long x;

		if (parse_flag(n, n->args[0], &x))
			set_text(W, &t->reject_handshake, n, x ? "on" : "off");
	} else if (strcmp(name, "crl") == 0) {
		set_text(W, &t->crl, n, n->args[0]);
	} else if (strcmp(name, "dhparam") == 0) {
		set_text(W, &t->dhparam, n, n->args[0]);
	} else if (strcmp(name, "stapling") == 0) {
		long long x;

		if (parse_flag(n, n->args[0], &x))
			set_text(W, &t->stapling, n, x ? "on" : "off");
	} else if (strcmp(name, "stapling_file") == 0) {
		set_text(W, &t->stapling_file, n, n->args[0]);
	} else if (strcmp(name, "password_file") == 0) {
		set_text(W, &t->password_file, n, n->args[0]);
	} else if (strcmp(name, "client_certificate") == 0)
		set_text(W, &t->client_certificate, n, n->args[0]);
	else
		set_text(W, &t->trusted_certificate, n, n->args[0]);
}

/* ssl_conf_command NAME VALUE: kept in order; nginx applies the list of
 * the innermost level that has one, after everything else. */
static void
d_ssl_conf(struct walker *W, struct level *L, const struct nnode *n)
{
	struct web_conf_cmd *c = web_push(W->w, (void **)&L->tls.conf, &L->tls.nconf, sizeof(*c));

	c->name = web_strdup(W->w, n->args[0]);
	c->value = web_strdup(W->w, n->args[1]);
	c->loc = n->loc;
}

/* ssl_session_ticket_key FILE: one more key file (the directive repeats). */
static void
d_ssl_ticket_key(struct walker *W, struct level *L, const struct nnode *n)
{
	struct web_text *t;

	t = web_push(W->w, (void **)&L->tls.ticket_key, &L->tls.nticket_key, sizeof(*t));
	t->text = web_strdup(W->w, n->args[0]);
	t->name = intern(n->name);
	t->loc = n->loc;
}

static void
d_ssl(struct walker *W, struct level *L, const struct nnode *n)
{
	(void)W;
	set_flag(&L->ssl, n);
}

static void
d_http2(struct walker *W, struct level *L, const struct nnode *n)
{
	(void)W;
	set_flag(&L->http2, n);
}

/* ---- blocks ---- */

static void walk(struct walker *W, struct level *L);

static void
child_level(struct level *c, const struct level *parent, enum ctx ctx, const struct nnode *n)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->parent = parent;
	c->node = n;
	c->vh = parent->vh;
	c->backend = WB_NONE;
}

static void
b_http(struct walker *W, struct level *L, const struct nnode *n)
{
	struct level h;

	if (W->http_seen) {
		node_error(n, "\"http\" directive is duplicate");
		return;
	}
	W->http_seen = true;
	child_level(&h, L, X_HTTP, n);
	walk(W, &h);
}

static void
b_events(struct walker *W, struct level *L, const struct nnode *n)
{
	struct level e;

	if (W->events_seen) {
		node_error(n, "\"events\" directive is duplicate");
		return;
	}
	W->events_seen = true;
	child_level(&e, L, X_EVENTS, n);
	walk(W, &e);
}

static void
b_server(struct walker *W, struct level *L, const struct nnode *n)
{
	struct level s;

	if (L->ctx != X_HTTP)
		return; /* stream and mail servers: not what Cloudflare's HTTP proxy reaches */
	child_level(&s, L, X_SRV, n);
	s.vh = web_add_vhost(W->w, W->srv, n->loc);
	s.scope = web_add_location(W->w, s.vh, NULL, WS_SERVER, "", n->loc);
	walk(W, &s);
}

static void
b_location(struct walker *W, struct level *L, const struct nnode *n)
{
	struct level c;
	enum web_scope_kind kind = WS_PREFIX;
	const char *path;
	const char *mod = NULL;
	const struct web_location *p = L->scope;

	if (n->nargs == 2) {
		mod = n->args[0];
		path = n->args[1];
		if (strcmp(mod, "=") == 0)
			kind = WS_EXACT;
		else if (strcmp(mod, "~") == 0)
			kind = WS_REGEX;
		else if (strcmp(mod, "~*") == 0)
			kind = WS_REGEX_CASELESS;
		else if (strcmp(mod, "^~") == 0)
			kind = WS_PREFIX_NOREGEX;
		else {
			node_error(n, "invalid location modifier \"%s\"", mod);
			return;
		}
	} else {
		path = n->args[0];
		if (path[0] == '=' && path[1]) {
			kind = WS_EXACT;
			path++;
		} else if (path[0] == '^' && path[1] == '~' && path[2]) {
			kind = WS_PREFIX_NOREGEX;
			path += 2;
		} else if (path[0] == '~' && path[1] == '*' && path[2]) {
			kind = WS_REGEX_CASELESS;
			path += 2;
		} else if (path[0] == '~' && path[1]) {
			kind = WS_REGEX;
			path++;
		} else if (path[0] == '@') {
			kind = WS_NAMED;
		}
	}
	if (L->ctx == X_LOC) {
		if (p->kind == WS_EXACT) {
			node_error(n, "location \"%s\" cannot be inside the exact location \"%s\"", path,
				   p->path);
			return;
		}
		if (p->kind == WS_NAMED) {
			node_error(n, "location \"%s\" cannot be inside the named location \"%s\"", path,
				   p->path);
			return;
		}
		if (kind == WS_NAMED) {
			node_error(n, "named location \"%s\" can be on the server level only", path);
			return;
		}
		if (kind != WS_REGEX && kind != WS_REGEX_CASELESS &&
		    strncmp(path, p->path, strlen(p->path)) != 0) {
			node_error(n, "location \"%s\" is outside location \"%s\"", path, p->path);
			return;
		}
	}
	child_level(&c, L, X_LOC, n);
	c.scope = web_add_location(W->w, L->vh, L->scope, kind, path, n->loc);
	walk(W, &c);
}

static void
b_if(struct walker *W, struct level *L, const struct nnode *n)
{
	struct level c;

	child_level(&c, L, L->ctx == X_SRV ? X_SIF : X_LIF, n);
	c.scope = web_add_location(W->w, L->vh, L->scope, WS_IF, args_text(W, n, 0), n->loc);
	walk(W, &c);
}

static void
b_limit_except(struct walker *W, struct level *L, const struct nnode *n)
{
	struct level c;

	child_level(&c, L, X_LMT, n);
	c.scope = web_add_location(W->w, L->vh, L->scope, WS_LIMIT_EXCEPT, args_text(W, n, 0),
				   n->loc);
	walk(W, &c);
}

/* Blocks whose contents are not directives for the model (map, geo, types,
 * upstream, split_clients, stream, mail...): tokenized, kept, not walked. */
static void
b_opaque(struct walker *W, struct level *L, const struct nnode *n)
{
	(void)W;
	(void)L;
	(void)n;
}

/* The directives the model needs, sorted by name (bsearch). */
#define ALL_HTTP (C_HSL | CX(X_SIF) | CX(X_LIF) | CX(X_LMT))
static const struct directive directives[] = {
	{"allow", 0, C_HSL | CX(X_LMT), 1, 1, d_access},
	{"charset_map", CX(X_HTTP), 0, 2, 2, b_opaque},
	{"client_body_timeout", 0, C_HSL, 1, 1, d_client_timeout},
	{"client_header_timeout", 0, C_HS, 1, 1, d_client_timeout},
	{"deny", 0, C_HSL | CX(X_LMT), 1, 1, d_access},
	{"events", CX(X_MAIN), 0, 0, 0, b_events},
	{"fastcgi_pass", 0, CX(X_LOC) | CX(X_LIF), 1, 1, d_pass},
	{"fastcgi_read_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"fastcgi_send_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"geo", CX(X_HTTP), 0, 1, 2, b_opaque},
	{"grpc_pass", 0, CX(X_LOC) | CX(X_LIF), 1, 1, d_pass},
	{"grpc_read_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"grpc_send_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"http", CX(X_MAIN), 0, 0, 0, b_http},
	{"http2", 0, C_HS, 1, 1, d_http2},
	{"if", CX(X_SRV) | CX(X_LOC), 0, 1, -1, b_if},
	{"keepalive_requests", 0, C_HSL, 1, 1, d_keepalive_requests},
	{"keepalive_timeout", 0, C_HSL, 1, 2, d_keepalive_timeout},
	{"large_client_header_buffers", 0, C_HS, 2, 2, d_header_buffers},
	{"limit_conn", 0, C_HSL, 2, 2, d_limit},
	{"limit_conn_status", 0, C_HSL, 1, 1, d_limit_status},
	{"limit_conn_zone", 0, CX(X_HTTP), 2, 2, NULL},
	{"limit_except", CX(X_LOC), 0, 1, -1, b_limit_except},
	{"limit_req", 0, C_HSL, 1, 3, d_limit},
	{"limit_req_status", 0, C_HSL, 1, 1, d_limit_status},
	{"limit_req_zone", 0, CX(X_HTTP), 3, 4, NULL},
	{"listen", 0, CX(X_SRV), 1, -1, d_listen},
	{"location", CX(X_SRV) | CX(X_LOC), 0, 1, 2, b_location},
	{"mail", CX(X_MAIN), 0, 0, 0, b_opaque},
	{"map", CX(X_HTTP), 0, 2, 2, b_opaque},
	{"memcached_pass", 0, CX(X_LOC) | CX(X_LIF), 1, 1, d_pass},
	{"proxy_pass", 0, CX(X_LOC) | CX(X_LIF) | CX(X_LMT), 1, 1, d_pass},
	{"proxy_read_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"proxy_send_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"real_ip_header", 0, C_HSL, 1, 1, d_real_ip_header},
	{"real_ip_recursive", 0, C_HSL, 1, 1, d_real_ip_recursive},
	{"return", 0, CX(X_SRV) | CX(X_SIF) | CX(X_LOC) | CX(X_LIF), 1, 2, d_return},
	{"scgi_pass", 0, CX(X_LOC) | CX(X_LIF), 1, 1, d_pass},
	{"scgi_read_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"scgi_send_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"send_timeout", 0, C_HSL, 1, 1, d_client_timeout},
	{"server", CX(X_HTTP), 0, 0, 0, b_server},
	{"server_name", 0, CX(X_SRV), 1, -1, d_server_name},
	{"set_real_ip_from", 0, C_HSL, 1, 1, d_real_ip_from},
	{"split_clients", CX(X_HTTP), 0, 2, 2, b_opaque},
	{"ssl", 0, C_HS, 1, 1, d_ssl},
	{"ssl_certificate", 0, C_HS, 1, 1, d_ssl_file},
	{"ssl_certificate_key", 0, C_HS, 1, 1, d_ssl_file},
	{"ssl_ciphers", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_client_certificate", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_conf_command", 0, C_HS, 2, 2, d_ssl_conf},
	{"ssl_crl", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_dhparam", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_password_file", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_prefer_server_ciphers", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_protocols", 0, C_HS, 1, -1, d_ssl_text},
	{"ssl_reject_handshake", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_session_cache", 0, C_HS, 1, 2, d_ssl_session_cache},
	{"ssl_session_ticket_key", 0, C_HS, 1, 1, d_ssl_ticket_key},
	{"ssl_stapling", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_stapling_file", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_trusted_certificate", 0, C_HS, 1, 1, d_ssl_text},
	{"ssl_verify_client", 0, C_HS, 1, 1, d_ssl_text},
	{"stream", CX(X_MAIN), 0, 0, 0, b_opaque},
	{"types", C_HSL, 0, 0, 0, b_opaque},
	{"upstream", CX(X_HTTP), 0, 1, 1, b_opaque},
	{"uwsgi_pass", 0, CX(X_LOC) | CX(X_LIF), 1, 1, d_pass},
	{"uwsgi_read_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
	{"uwsgi_send_timeout", 0, C_HSL, 1, 1, d_backend_timeout},
};

static int
directive_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct directive *)elem)->name);
}


bool
nginx_tables_sorted(void)
{
	size_t i;

	for (i = 1; i < ARRAY_LEN(directives); i++)
		if (strcmp(directives[i - 1].name, directives[i].name) >= 0)
			return false;
	return true;
}

static const struct directive *
directive_find(const char *name)
{
	return bsearch(name, directives, ARRAY_LEN(directives), sizeof(directives[0]),
		       directive_cmp);
}

/* Whether n may stand where it is, as nginx checks it: the context, the
 * block or ";" form, the number of arguments. */
static bool
directive_ok(const struct level *L, const struct directive *d, const struct nnode *n)
{
	unsigned here = CX(L->ctx);

	if (!(d->blk & here) && !(d->smp & here)) {
		node_error(n, "\"%s\" directive is not allowed here", n->name);
		return false;
	}
	if (n->block && !(d->blk & here)) {
		node_error(n, "directive \"%s\" is not terminated by \";\"", n->name);
		return false;
	}
	if (!n->block && !(d->smp & here)) {
		node_error(n, "directive \"%s\" has no opening \"{\"", n->name);
		return false;
	}
	if ((int)n->nargs < d->amin || (d->amax >= 0 && (int)n->nargs > d->amax)) {
		if (n->end_line > n->loc.line)
			node_error(n,
				   "invalid number of arguments in \"%s\" directive (is a \";\" "
				   "missing at the end of line %u?)",
				   n->name, n->loc.line);
		else
			node_error(n, "invalid number of arguments in \"%s\" directive", n->name);
		return false;
	}
	return true;
}

/* ---- inheritance ---- */

static void
merge_value(struct web_value *eff, const struct web_value *raw, const struct web_value *parent)
{
	*eff = raw->set ? *raw : *parent;
}

static void
merge_text(struct web_text *eff, const struct web_text *raw, const struct web_text *parent)
{
	*eff = raw->text ? *raw : *parent;
}

static void
default_value(struct web_value *v, const char *name, struct loc loc, long long x)
{
	v->v = x;
	v->name = name;
	v->loc = loc;
	v->dflt = true;
	v->set = true;
}

static void
tls_default(struct web_text *t, const char *name, struct loc loc, const char *text)
{
	t->text = text;
	t->name = name;
	t->loc = loc;
	t->dflt = true;
}

/* nginx's defaults (1.19.10 and later: keepalive_requests 1000). */
static void
http_defaults(struct level *L)
{
	static const char *const read_name[WB_COUNT] = {
		"proxy_read_timeout", "fastcgi_read_timeout", "uwsgi_read_timeout",
		"scgi_read_timeout",  "grpc_read_timeout",    "memcached_read_timeout"};
	static const char *const send_name[WB_COUNT] = {
		"proxy_send_timeout", "fastcgi_send_timeout", "uwsgi_send_timeout",
		"scgi_send_timeout",  "grpc_send_timeout",    "memcached_send_timeout"};
	struct web_settings *d = &L->eff;
	struct loc at = L->node->loc;
	int b;

	memset(d, 0, sizeof(*d));
	for (b = 0; b < WB_COUNT; b++) {
		default_value(&d->backend_read[b], read_name[b], at, 60000);
		default_value(&d->backend_send[b], send_name[b], at, 60000);
	}
	default_value(&d->keepalive_timeout, "keepalive_timeout", at, 75000);
	default_value(&d->keepalive_requests, "keepalive_requests", at, 1000);
	default_value(&d->client_header_timeout, "client_header_timeout", at, 60000);
	default_value(&d->client_body_timeout, "client_body_timeout", at, 60000);
	default_value(&d->send_timeout, "send_timeout", at, 60000);
	default_value(&d->header_buffers, "large_client_header_buffers", at, 4);
	default_value(&d->header_buffer_size, "large_client_header_buffers", at, 8192);
	default_value(&d->real_ip_recursive, "real_ip_recursive", at, 0);
	d->real_ip_header.text = "X-Real-IP";
	d->real_ip_header.name = "real_ip_header";
	d->real_ip_header.loc = at;
	d->real_ip_header.dflt = true;
	default_value(&L->req_status_eff, "limit_req_status", at, 503);
	default_value(&L->conn_status_eff, "limit_conn_status", at, 503);
	L->ssl_eff.name = "ssl";
	L->ssl_eff.loc = at;
	L->ssl_eff.dflt = true;
	L->http2_eff.name = "http2";
	L->http2_eff.loc = at;
	L->http2_eff.dflt = true;
	/* nginx 1.22's TLS defaults (Debian 12; 1.23.4 adds TLSv1.3) */
	tls_default(&L->tls_eff.protocols, "ssl_protocols", at, "TLSv1 TLSv1.1 TLSv1.2");
	tls_default(&L->tls_eff.ciphers, "ssl_ciphers", at, "HIGH:!aNULL:!MD5");
	tls_default(&L->tls_eff.prefer_server_ciphers, "ssl_prefer_server_ciphers", at, "off");
	tls_default(&L->tls_eff.verify_client, "ssl_verify_client", at, "off");
	tls_default(&L->tls_eff.reject_handshake, "ssl_reject_handshake", at, "off");
}

static void
tls_merge(struct web_tls *eff, const struct web_tls *raw, const struct web_tls *parent)
{
	*eff = *parent;
	if (raw->ncert) {
		eff->ncert = raw->ncert;
		eff->cert = raw->cert;
	}
	if (raw->nkey) {
		eff->nkey = raw->nkey;
		eff->key = raw->key;
	}
	merge_text(&eff->protocols, &raw->protocols, &parent->protocols);
	merge_text(&eff->ciphers, &raw->ciphers, &parent->ciphers);
	merge_text(&eff->prefer_server_ciphers, &raw->prefer_server_ciphers,
		   &parent->prefer_server_ciphers);
	merge_text(&eff->verify_client, &raw->verify_client, &parent->verify_client);
	merge_text(&eff->client_certificate, &raw->client_certificate, &parent->client_certificate);
	merge_text(&eff->trusted_certificate, &raw->trusted_certificate,
		   &parent->trusted_certificate);
	merge_text(&eff->reject_handshake, &raw->reject_handshake, &parent->reject_handshake);
	merge_text(&eff->dhparam, &raw->dhparam, &parent->dhparam);
	merge_text(&eff->crl, &raw->crl, &parent->crl);
	if (raw->nconf) {
		eff->nconf = raw->nconf;
		eff->conf = raw->conf;
	}
	merge_text(&eff->stapling, &raw->stapling, &parent->stapling);
	merge_text(&eff->stapling_file, &raw->stapling_file, &parent->stapling_file);
	merge_text(&eff->password_file, &raw->password_file, &parent->password_file);
	if (raw->nticket_key) {
		eff->nticket_key = raw->nticket_key;
		eff->ticket_key = raw->ticket_key;
	}
}

/* Each module merges its own: one value at a time; allow/deny, realip's
 * trust list and each limit module's list whole, when the level has none. */
static void
merge_level(struct walker *W, struct level *L)
{
	const struct level *p = L->parent;
	const struct web_settings *pe = &p->eff;
	struct web_settings *e = &L->eff;
	const struct web_settings *r = &L->raw;
	int b;

	for (b = 0; b < WB_COUNT; b++) {
		merge_value(&e->backend_read[b], &r->backend_read[b], &pe->backend_read[b]);
		merge_value(&e->backend_send[b], &r->backend_send[b], &pe->backend_send[b]);
	}
	merge_value(&e->keepalive_timeout, &r->keepalive_timeout, &pe->keepalive_timeout);
	merge_value(&e->keepalive_requests, &r->keepalive_requests, &pe->keepalive_requests);
	merge_value(&e->client_header_timeout, &r->client_header_timeout,
		    &pe->client_header_timeout);
	merge_value(&e->client_body_timeout, &r->client_body_timeout, &pe->client_body_timeout);
	merge_value(&e->send_timeout, &r->send_timeout, &pe->send_timeout);
	merge_value(&e->header_buffers, &r->header_buffers, &pe->header_buffers);
	merge_value(&e->header_buffer_size, &r->header_buffer_size, &pe->header_buffer_size);
	merge_value(&e->real_ip_recursive, &r->real_ip_recursive, &pe->real_ip_recursive);
	merge_text(&e->real_ip_header, &r->real_ip_header, &pe->real_ip_header);
	L->acl_eff = L->acl ? L->acl : p->acl_eff;
	if (L->trust)
		web_trust_finish(L->trust);
	e->trust = L->trust ? L->trust : pe->trust;
	merge_value(&L->req_status_eff, &L->req_status, &p->req_status_eff);
	merge_value(&L->conn_status_eff, &L->conn_status, &p->conn_status_eff);
	if (L->req) {
		size_t i;

		for (i = 0; i < L->req->n; i++)
			L->req->v[i].status = L->req_status_eff.v;
	}
	if (L->conn) {
		size_t i;

		for (i = 0; i < L->conn->n; i++)
			L->conn->v[i].status = L->conn_status_eff.v;
	}
	L->req_eff = L->req ? L->req : p->req_eff;
	L->conn_eff = L->conn ? L->conn : p->conn_eff;
	if (L->req_eff && L->conn_eff) {
		struct web_limits *both = web_alloc(W->w, sizeof(*both));

		both->n = L->req_eff->n + L->conn_eff->n;
		both->v = web_alloc(W->w, both->n * sizeof(*both->v));
		memcpy(both->v, L->req_eff->v, L->req_eff->n * sizeof(*both->v));
		memcpy(both->v + L->req_eff->n, L->conn_eff->v, L->conn_eff->n * sizeof(*both->v));
		e->limits = both;
	} else {
		e->limits = L->req_eff ? L->req_eff : L->conn_eff;
	}
	tls_merge(&L->tls_eff, &L->tls, &p->tls_eff);
	merge_value(&L->ssl_eff, &L->ssl, &p->ssl_eff);
	merge_value(&L->http2_eff, &L->http2, &p->http2_eff);
	L->shared = web_settings_share(W->w, e, p->shared);
}

/* A server without "listen" listens on *:80; without "server_name" its
 * name is "". */
static void
finish_server(struct walker *W, struct level *L)
{
	struct web_vhost *v = L->vh;
	size_t i;

	if (!L->listen_seen) {
		struct web_listen *l = web_push(W->w, (void **)&v->listen, &v->nlisten, sizeof(*l));

		l->loc = L->node->loc;
		l->text = "*:80";
		l->kind = WA_ANY;
		l->fam = FAM_V4;
		l->port = 80;
		l->ipv6only = true;
	}
	if (!L->names_seen) {
		const char *err;

		web_add_name(W->w, v, "", L->node->loc, &err);
	}
	/* "ssl on" (before 1.25.1) makes every listener of the server TLS */
	if (L->ssl_eff.set && L->ssl_eff.v)
		for (i = 0; i < v->nlisten; i++)
			if (v->listen[i].kind != WA_UNIX)
				v->listen[i].ssl = true;
	v->http2 = L->http2_eff;
	v->tls = L->tls_eff;
}

static void
finish_scope(struct level *L)
{
	struct web_location *s = L->scope;

	s->s = L->shared;
	s->acl = L->acl_eff;
	if (L->backend != WB_NONE) {
		s->backend = L->backend;
		s->target = L->target;
	} else if ((L->ctx == X_LIF || L->ctx == X_LMT) && L->parent->scope) {
		/* if and limit_except blocks inherit the handler */
		s->backend = L->parent->scope->backend;
		s->target = L->parent->scope->target;
	}
}

/* Whether no module can define a directive of that name: directive names
 * are ASCII words, so a byte outside printable ASCII (a UTF-8 byte order
 * mark before the first directive, a control byte) makes nginx refuse the
 * file with "unknown directive", where an unknown ASCII name is kept as a
 * third-party module's. */
static bool
impossible_name(const char *name)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x21 || *p >= 0x7f)
			return true;
	return false;
}

static void
walk(struct walker *W, struct level *L)
{
	const struct nnode *kids = L->node->child;
	size_t n = L->node->nchild;
	bool *ok = xcalloc(n ? n : 1, sizeof(*ok));
	size_t i;

	/* zones first: a limit_req may name a zone defined further down */
	if (L->ctx == X_HTTP)
		for (i = 0; i < n; i++)
			if (!kids[i].block && (strcmp(kids[i].name, "limit_req_zone") == 0 ||
					       strcmp(kids[i].name, "limit_conn_zone") == 0)) {
				const struct directive *d = directive_find(kids[i].name);

				if (directive_ok(L, d, &kids[i]))
					d_zone(W, L, &kids[i]);
			}
	for (i = 0; i < n; i++) {
		const struct nnode *c = &kids[i];
		const struct directive *d = directive_find(c->name);

		if (d == NULL && !c->raw && impossible_name(c->name))
			node_error(c, "unknown directive \"%s\"", c->name);
		if (d == NULL || c->raw)
			continue;
		if (d->fn == NULL) {
			/* zones: done above in http, misplaced elsewhere */
			if (L->ctx != X_HTTP)
				directive_ok(L, d, c);
			continue;
		}
		if (!directive_ok(L, d, c))
			continue;
		if (c->block)
			ok[i] = true;
		else
			d->fn(W, L, c);
	}
	if (L->ctx == X_HTTP) {
		/* http merges over nginx's defaults */
		const struct level *up = L->parent;
		struct level d;

		memset(&d, 0, sizeof(d));
		d.node = L->node;
		http_defaults(&d);
		L->parent = &d;
		merge_level(W, L);
		L->parent = up;
	} else if (L->ctx != X_MAIN && L->ctx != X_EVENTS) {
		merge_level(W, L);
	}
	if (L->ctx == X_SRV)
		finish_server(W, L);
	if (L->scope)
		finish_scope(L);
	for (i = 0; i < n; i++)
		if (ok[i])
			directive_find(kids[i].name)->fn(W, L, &kids[i]);
	free(ok);
}

/* ---- the model's post-pass: per address:port, as nginx binds ---- */

static int
listen_key_cmp(const void *a, const void *b)
{
	const struct web_listen *x = *(const struct web_listen *const *)a;
	const struct web_listen *y = *(const struct web_listen *const *)b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->kind == WA_NAME || x->kind == WA_UNIX) {
		int c = strcmp(x->text, y->text);

		if (c)
			return c;
	}
	/* configuration order inside a group */
	if (x->loc.file != y->loc.file)
		return 0;
	return x->loc.line < y->loc.line ? -1 : x->loc.line > y->loc.line;
}

static bool
same_socket(const struct web_listen *x, const struct web_listen *y)
{
	return x->kind == y->kind && x->fam == y->fam && x->addr == y->addr &&
	       x->port == y->port &&
	       ((x->kind != WA_NAME && x->kind != WA_UNIX) || strcmp(x->text, y->text) == 0);
}

/* ssl, http2 and proxy_protocol belong to the socket: nginx ORs them over
 * every server on the address:port; two default servers is an error. */
static void
finish_sockets(struct nparser *P, struct web_server *s)
{
	struct web_listen **v = NULL;
	size_t n = 0;
	size_t cap = 0;
	size_t i;
	size_t j;

	for (i = 0; i < s->nvhost; i++)
		for (j = 0; j < s->vhosts[i]->nlisten; j++)
			VEC_PUSH(v, n, cap, &s->vhosts[i]->listen[j]);
	if (n > 1)
		qsort(v, n, sizeof(*v), listen_key_cmp);
	for (i = 0; i < n; i = j) {
		bool ssl = false;
		bool h2 = false;
		bool pp = false;
		struct loc pp_loc = {NULL, 0};
		const struct web_listen *def = NULL;
		size_t k;

		for (j = i; j < n && same_socket(v[i], v[j]); j++) {
			ssl |= v[j]->ssl;
			h2 |= v[j]->http2;
			if (v[j]->proxy_protocol && !pp)
				pp_loc = v[j]->proxy_loc;
			pp |= v[j]->proxy_protocol;
			if (!v[j]->default_server)
				continue;
			if (def) {
				struct input *in = file_input(P, v[j]->loc.file);

				input_error(in, v[j]->loc.line,
					    "a duplicate default server for %s:%u in %s:%u",
					    v[j]->kind == WA_ANY ? (v[j]->fam == FAM_V6 ? "[::]" : "0.0.0.0")
								 : v[j]->text,
					    v[j]->port, def->loc.file, def->loc.line);
				v[j]->default_server = false;
				continue;
			}
			def = v[j];
		}
		for (k = i; k < j; k++) {
			v[k]->ssl = ssl;
			v[k]->http2 = h2;
			v[k]->proxy_protocol = pp;
			v[k]->proxy_loc = pp_loc;
		}
	}
	free(v);
}

/* ---- entry points ---- */

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup("");
	return xstrndup(path, (size_t)(slash - path + 1));
}

/* The configuration prefix, as nginx -c sets it: the main file's directory.
 * A relative file named on the command line is made absolute first. */
static char *
conf_prefix(const char *file, bool host_file)
{
	char cwd[4096];
	char *dir;
	char *abs;

	if (file[0] == '/' || !host_file || getcwd(cwd, sizeof(cwd)) == NULL)
		return dir_of(file);
	dir = dir_of(file);
	abs = xasprintf("%s/%s", cwd, dir);
	free(dir);
	return abs;
}

void
parse_nginx(struct origin *o, struct input *in, const char *data, size_t len, bool host_file)
{
	struct nparser P;
	struct walker W;
	struct level top;
	struct nnode root;
	struct nlist list = {0, NULL};
	char *prefix;

	memset(&P, 0, sizeof(P));
	P.o = o;
	P.tree = xcalloc(1, sizeof(*P.tree));
	P.w = origin_web(o);
	P.main_in = in;
	if (is_dump(data, len) && dump_split(&P, data, len)) {
		P.dump = true;
		P.dump_file = in->file;
		prefix = dir_of(P.parts[0].name);
		P.prefix = prefix;
		parse_file(&P, P.parts[0].name, file_input(&P, P.parts[0].name), P.parts[0].data,
			   P.parts[0].len, &list, 0);
	} else {
		prefix = conf_prefix(in->file, host_file);
		P.prefix = prefix;
		parse_file(&P, in->file, in, data, len, &list, 0);
	}

	memset(&W, 0, sizeof(W));
	W.P = &P;
	W.w = P.w;
	W.srv = web_add_server(P.w, "nginx",
			       (struct loc){P.dump ? intern(P.parts[0].name) : in->file, 0});
	memset(&root, 0, sizeof(root));
	root.name = "";
	root.nchild = list.n;
	root.child = list.v;
	root.loc.file = in->file;
	memset(&top, 0, sizeof(top));
	top.ctx = X_MAIN;
	top.node = &root;
	top.backend = WB_NONE;
	walk(&W, &top);
	finish_sockets(&P, W.srv);

	free(W.zones);
	free(P.parts);
	free(prefix);
	web_free(P.tree);
}

/* For the unit tests: the words of data as nginx reads them, each followed
 * by ";", "{" or "}" as the token that ended it, joined by "|". */
char *
nginx_tokens(struct origin *o, struct input *in, const char *data, size_t len)
{
	struct nparser P;
	struct src s;
	struct words w;
	struct buf b = {NULL, 0, 0};
	size_t i;
	enum tok t;

	memset(&P, 0, sizeof(P));
	P.o = o;
	memset(&s, 0, sizeof(s));
	s.P = &P;
	s.file = in->file;
	s.in = in;
	s.p = data;
	s.end = data + len;
	s.line = 1;
	memset(&w, 0, sizeof(w));
	while ((t = read_token(&s, &w)) != TK_EOF && t != TK_FATAL) {
		if (t == TK_ERROR)
			continue;
		for (i = 0; i < w.n; i++)
			buf_addf(&b, "%s|", w.v[i]);
		buf_adds(&b, t == TK_DIRECTIVE ? ";|" : t == TK_BLOCK_START ? "{|" : "}|");
	}
	words_free(&w);
	return buf_take(&b);
}
