/* Inline suppressions: a generic scanner over an input's text (it only needs
 * the comment syntax, so every config language gets them without its parser
 * knowing), the directives held in firewall rules' comments, and marking the
 * findings they cover once the checks have run. */
#include "suppress.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "checks.h"
#include "parse.h"
#include "util.h"

#define DIRECTIVE "cfaudit:"
#define DIRECTIVE_LEN (sizeof(DIRECTIVE) - 1)
#define MAX_IDS 64 /* checks named by one directive */

enum comment_style
comment_style_of(enum input_kind kind, const char *file)
{
	size_t n = file ? strlen(file) : 0;

	if (kind == IN_DNS)
		return CS_SEMICOLON; /* an expectations file: suppress_scan says '#' */
	if (kind == IN_FIREWALLD && n >= 4 && strcmp(file + n - 4, ".xml") == 0)
		return CS_XML;
	return CS_HASH;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* A directive's text being parsed: [p, end). */
struct cursor {
	const char *p;
	const char *end;
};

static void
skip_space(struct cursor *c)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
}

/* A word: up to whitespace, '=', ',' or ';'. */
static size_t
word_len(const struct cursor *c)
{
	const char *q = c->p;

	while (q < c->end && !is_space(*q) && !strchr("=,;", *q))
		q++;
	return (size_t)(q - c->p);
}

/* A value: "quoted", 'quoted' or a bare word. NULL on an unterminated quote. */
static char *
take_value(struct cursor *c)
{
	const char *q;
	size_t n;

	if (c->p < c->end && (*c->p == '"' || *c->p == '\'')) {
		q = memchr(c->p + 1, *c->p, (size_t)(c->end - c->p - 1));
		if (q == NULL)
			return NULL;
		n = (size_t)(q - c->p - 1);
		c->p++;
		c->p += n + 1;
		return xstrndup(q - n, n);
	}
	n = word_len(c);
	c->p += n;
	return xstrndup(c->p - n, n);
}

/* "YYYY-MM-DD" -> the end of that day, UTC. */
static bool
parse_until(const char *s, time_t *out)
{
	struct tm tm;
	const char *rest;

	if (strlen(s) != 10)
		return false;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%d", &tm);
	if (rest == NULL || *rest != '\0')
		return false;
	*out = timegm(&tm) + 86400;
	return true;
}

/* An error at file:line, reported as in's (with the file named when it is
 * an include of in's). */
static void __attribute__((format(printf, 4, 5)))
directive_error(struct input *in, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (strcmp(file, in->file) == 0)
		input_error(in, line, "cfaudit: %s", msg);
	else
		input_error(in, 0, "%s:%u: cfaudit: %s", file, line, msg);
	free(msg);
}

struct directive {
	const struct check *checks[MAX_IDS];
	size_t nid;
	char *reason;
	char *until;
	time_t until_t;
	bool scoped; /* --ignore / "ignore =": file= and host= allowed */
	char *file;
	char *host;
};

static void
directive_free(struct directive *d)
{
	free(d->reason);
	free(d->until);
	free(d->file);
	free(d->host);
}

/* The IDs; NULL or the problem. */
static char *
parse_ids(struct directive *d, struct cursor *c)
{
	for (;;) {
		size_t n = word_len(c);
		char *id;

		if (n == 0 || (c->p + n < c->end && c->p[n] == '='))
			return xstrdup("ignore needs a check ID (see cfaudit --list-checks)");
		id = xstrndup(c->p, n);
		c->p += n;
		if ((d->checks[d->nid] = check_find(id)) == NULL) {
			char *e = xasprintf("ignore: no check \"%s\" (see cfaudit --list-checks)", id);

			free(id);
			return e;
		}
		free(id);
		if (++d->nid == MAX_IDS || c->p >= c->end || *c->p != ',')
			return NULL;
		c->p++;
	}
}

static char **
pair_slot(struct directive *d, const char *key)
{
	if (strcmp(key, "reason") == 0)
		return &d->reason;
	if (strcmp(key, "until") == 0)
		return &d->until;
	if (d->scoped && strcmp(key, "file") == 0)
		return &d->file;
	if (d->scoped && strcmp(key, "host") == 0)
		return &d->host;
	return NULL;
}

/* key=value pairs; NULL or the problem. */
static char *
parse_pairs(struct directive *d, struct cursor *c)
{
	for (skip_space(c); c->p < c->end && *c->p != ';'; skip_space(c)) {
		size_t n = word_len(c);
		char *key = xstrndup(c->p, n);
		char **slot = pair_slot(d, key);
		char *value;
		char *e;

		c->p += n;
		if (slot == NULL || c->p >= c->end || *c->p != '=') {
			e = xasprintf("ignore: \"%s\" is not reason=\"...\"%s or until=YYYY-MM-DD",
				      key, d->scoped ? ", file=PATH, host=NAME" : "");
			free(key);
			return e;
		}
		c->p++;
		if ((value = take_value(c)) == NULL) {
			e = xasprintf("ignore: %s= has no closing quote", key);
			free(key);
			return e;
		}
		free(key);
		free(*slot);
		*slot = value;
	}
	return NULL;
}

static void
record(struct origin *o, const char *file, unsigned line, unsigned last_line,
       const struct directive *d)
{
	size_t i;

	for (i = 0; i < d->nid; i++) {
		struct suppression s;

		memset(&s, 0, sizeof(s));
		s.loc.file = intern(file);
		s.loc.line = line;
		s.last_line = last_line;
		s.id = xstrdup(d->checks[i]->id);
		s.reason = xstrdup(d->reason);
		if (d->until) {
			s.has_until = true;
			s.until = d->until_t;
			memcpy(s.until_text, d->until, sizeof(s.until_text) - 1);
		}
		s.scoped = d->scoped;
		s.file_glob = d->file ? xstrdup(d->file) : NULL;
		s.host = d->host ? xstrdup(d->host) : NULL;
		VEC_PUSH(o->supps, o->nsupp, o->supp_cap, s);
	}
}

/* The IDs and pairs after "ignore", and the rules they must keep; NULL or
 * the problem. */
static char *
parse_ignore(struct directive *d, struct cursor *c)
{
	char *e;

	skip_space(c);
	if ((e = parse_ids(d, c)) != NULL || (e = parse_pairs(d, c)) != NULL)
		return e;
	if (d->reason == NULL || d->reason[0] == '\0')
		return xasprintf("ignore %s: a reason=\"...\" is required; not applied",
				 d->checks[0]->id);
	if (d->until && !parse_until(d->until, &d->until_t))
		return xasprintf("ignore: until=%s is not a date (YYYY-MM-DD)", d->until);
	return NULL;
}

/* Parse and record one directive; last_line 0: decided by the caller. */
static bool
parse_directive(struct input *in, const char *file, unsigned line, unsigned last_line,
		const char *text, size_t len)
{
	struct cursor c = {text + DIRECTIVE_LEN, text + len};
	struct directive d;
	size_t n;
	char *e;

	memset(&d, 0, sizeof(d));
	skip_space(&c);
	n = word_len(&c);
	if (n != 6 || memcmp(c.p, "ignore", 6) != 0) {
		directive_error(in, file, line, "unknown directive \"%.*s\" (expected: ignore)",
				(int)(n > 40 ? 40 : n), c.p);
		return false;
	}
	c.p += n;
	if ((e = parse_ignore(&d, &c)) != NULL) {
		directive_error(in, file, line, "%s", e);
		free(e);
		directive_free(&d);
		return false;
	}
	record(in->origin, file, line, last_line, &d);
	directive_free(&d);
	return true;
}

char *
suppress_add_option(struct origin *o, const char *text, const char *where, unsigned line)
{
	struct cursor c = {text, text + strlen(text)};
	struct directive d;
	char *e;

	memset(&d, 0, sizeof(d));
	d.scoped = true;
	if ((e = parse_ignore(&d, &c)) == NULL)
		record(o, where, line, line, &d);
	directive_free(&d);
	return e;
}

/* The comment text [p, end) holds a directive when it starts with one
 * (after comment markers and blanks): prose that mentions cfaudit is not. */
static const char *
directive_start(const char *p, const char *end)
{
	while (p < end && (is_space(*p) || *p == '#' || *p == ';'))
		p++;
	if ((size_t)(end - p) >= DIRECTIVE_LEN && memcmp(p, DIRECTIVE, DIRECTIVE_LEN) == 0)
		return p;
	return NULL;
}

/* The scanner's state: directives on lines of their own wait for the next
 * line that is not a comment, which they cover too. */
struct scan {
	struct input *in;
	const char *file;
	size_t pending; /* first index in origin.supps still waiting */
};

static void
code_line(struct scan *s, unsigned line)
{
	struct origin *o = s->in->origin;

	for (; s->pending < o->nsupp; s->pending++)
		if (o->supps[s->pending].last_line == 0)
			o->supps[s->pending].last_line = line;
}

static void
scan_end(struct scan *s)
{
	struct origin *o = s->in->origin;

	for (; s->pending < o->nsupp; s->pending++)
		if (o->supps[s->pending].last_line == 0)
			o->supps[s->pending].last_line = o->supps[s->pending].loc.line + 1;
}

/* One line of a '#' or ';' file: the comment starts at the first marker
 * outside quotes. */
static void
scan_line(struct scan *s, char mark, unsigned line, const char *p, const char *end)
{
	const char *q;
	const char *text;
	char quote = 0;
	bool code = false;

	for (q = p; q < end; q++) {
		if (quote) {
			if (*q == '\\' && q + 1 < end)
				q++;
			else if (*q == quote)
				quote = 0;
		} else if (*q == '"' || *q == '\'') {
			quote = *q;
		} else if (*q == mark) {
			break;
		}
		if (!is_space(*q))
			code = true;
	}
	if (code)
		code_line(s, line);
	if (q == end || (text = directive_start(q, end)) == NULL)
		return;
	/* a directive after code covers its line and the next; one on a line
	 * of its own waits for the next line of code */
	parse_directive(s->in, s->file, line, code ? line + 1 : 0, text, (size_t)(end - text));
}

static void
scan_lines(struct scan *s, char mark, const char *data, size_t len)
{
	const char *p = data;
	const char *end = data + len;
	unsigned line = 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		scan_line(s, mark, line, p, eol);
		p = nl ? nl + 1 : end;
		line++;
	}
}

static unsigned
count_lines(const char *from, const char *to, unsigned line)
{
	for (; from < to; from++)
		line += *from == '\n';
	return line;
}

static bool
blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!is_space(*p))
			return false;
	return true;
}

/* Lines in [p, to) that hold anything but blanks are code; the line
 * number at to. */
static unsigned
code_lines(struct scan *s, const char *p, const char *to, unsigned line)
{
	bool code = false;

	for (; p < to; p++) {
		if (*p == '\n') {
			if (code)
				code_line(s, line);
			code = false;
			line++;
		} else if (!is_space(*p)) {
			code = true;
		}
	}
	if (code)
		code_line(s, line);
	return line;
}

/* XML: directives in <!-- --> comments; the comment's last line is the
 * directive's line. */
static void
scan_xml(struct scan *s, const char *data, size_t len)
{
	const char *p = data;
	const char *end = data + len;
	unsigned line = 1;

	while (p < end) {
		const char *open = memmem(p, (size_t)(end - p), "<!--", 4);
		const char *close;
		const char *after;
		const char *eol;
		const char *bol;
		const char *text;
		unsigned last;
		bool alone;

		line = code_lines(s, p, open ? open : end, line);
		if (open == NULL)
			break;
		close = memmem(open + 4, (size_t)(end - open - 4), "-->", 3);
		/* unterminated: the XML reader reports it */
		after = close ? close + 3 : end;
		close = close ? close : end;
		last = count_lines(open, close, line);
		if ((text = directive_start(open + 4, close)) != NULL) {
			/* alone on its lines, it waits for the next line of code;
			 * beside code, it covers its line and the next */
			eol = memchr(after, '\n', (size_t)(end - after));
			for (bol = open; bol > data && bol[-1] != '\n'; bol--)
				;
			alone = blank(bol, open) && blank(after, eol ? eol : end);
			parse_directive(s->in, s->file, last, alone ? 0 : last + 1, text,
					(size_t)(close - text));
		}
		line = count_lines(close, after, last);
		p = after;
	}
}

void
suppress_scan_file(struct input *in, const char *file, enum comment_style cs, const char *data,
		   size_t len)
{
	struct scan s = {in, file, in->origin->nsupp};

	/* every directive holds the word: a file without it (a million-line
	 * ipset) has none, and its lines need not be looked at */
	if (memmem(data, len, DIRECTIVE, DIRECTIVE_LEN) == NULL)
		return;
	switch (cs) {
	case CS_HASH:
		scan_lines(&s, '#', data, len);
		break;
	case CS_SEMICOLON:
		scan_lines(&s, ';', data, len);
		break;
	case CS_XML:
		scan_xml(&s, data, len);
		break;
	default:
		abort();
	}
	scan_end(&s);
}

void
suppress_scan(struct input *in, const char *data, size_t len)
{
	enum comment_style cs = comment_style_of(in->kind, in->file);

	if (in->kind == IN_DNS && dns_is_expectations(data, len))
		cs = CS_HASH;
	suppress_scan_file(in, in->file, cs, data, len);
}

static struct input *
input_of(struct origin *o, const char *file)
{
	size_t i;

	for (i = 0; i < o->ninput; i++)
		if (strcmp(o->inputs[i]->file, file) == 0)
			return o->inputs[i];
	return NULL;
}

/* A rule's comment may hold several comments joined by "; " (iptables
 * -m comment twice); a directive starts the comment or follows one. */
static void
scan_rule(struct origin *o, const struct rule *r)
{
	const char *c = r->comment;
	const char *end = c + strlen(c);
	struct input *in = r->loc.file ? input_of(o, r->loc.file) : NULL;
	const char *p;

	/* a rule read from no file of ours (the live kernel): no line to
	 * report an error at, and no line a finding could share */
	if (in == NULL)
		return;
	for (p = c; p < end; p++) {
		const char *text;

		if (p != c && !(p[-1] == ' ' && p - 1 > c && p[-2] == ';'))
			continue;
		if ((text = directive_start(p, end)) != NULL && text == p)
			parse_directive(in, r->loc.file, r->loc.line, r->loc.line, text,
				  (size_t)(end - text));
	}
}

void
suppress_scan_rules(struct origin *o)
{
	size_t i;
	size_t j;

	for (i = 0; i < o->fw.nchain; i++)
		for (j = 0; j < o->fw.chains[i]->nrule; j++)
			if (o->fw.chains[i]->rules[j]->comment)
				scan_rule(o, o->fw.chains[i]->rules[j]);
}

bool
suppression_expired(const struct suppression *s, time_t at)
{
	return s->has_until && at >= s->until;
}

/* An --ignore (or config file) suppression: every finding of its check,
 * in the files its file= pattern matches (fnmatch, "*" crossing "/"),
 * about the host its host= names. */
static bool
covers_scoped(const struct suppression *s, const struct finding *f)
{
	if (strcmp(s->id, f->check->id) != 0)
		return false;
	if (s->file_glob && (f->loc.file == NULL || fnmatch(s->file_glob, f->loc.file, 0) != 0))
		return false;
	return s->host == NULL || (f->host && strcasecmp(s->host, f->host) == 0);
}

static bool
covers(const struct suppression *s, const struct finding *f)
{
	if (s->scoped)
		return covers_scoped(s, f);
	return f->loc.file && f->loc.line && strcmp(s->id, f->check->id) == 0 &&
	       strcmp(s->loc.file, f->loc.file) == 0 && f->loc.line >= s->loc.line &&
	       f->loc.line <= s->last_line;
}

void
suppress_apply(struct audit *a)
{
	struct origin *o = &a->origin;
	size_t i;
	size_t j;

	for (i = 0; i < a->nfinding; i++) {
		struct finding *f = &a->findings[i];

		for (j = 0; j < o->nsupp && f->suppressed == NULL; j++) {
			if (suppression_expired(&o->supps[j], a->opt.at) || !covers(&o->supps[j], f))
				continue;
			f->suppressed = &o->supps[j];
			o->supps[j].used++;
		}
	}
}
