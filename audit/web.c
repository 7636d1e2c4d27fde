/* The web model: allocation, names, and which virtual host answers a request:
 * nginx's rules (the addresses a host listens on first, then exact names, the
 * longest leading wildcard, the longest trailing wildcard, the first matching
 * regex, the default server) or Apache's (vhost.c: the group of <VirtualHost>
 * addresses a connection's address:port falls into, then the first host of
 * the group, in configuration order, whose ServerName or ServerAlias
 * matches, else the group's first host; the main server when no group takes
 * the connection). Each address:port group's names are indexed on the first
 * question about it, so a question costs a few hash lookups however many
 * hosts the server has. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "web.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "util.h"

/* An arena: the model is built once and freed at once; parsers never free
 * pieces of it. Chunks come straight from mmap, zeroed by the kernel (the
 * arena never reuses memory, so web_alloc need not clear it), and grow
 * geometrically to whole transparent huge pages: a server with 10,000
 * virtual hosts keeps 150 MB of model, and a page fault per 4 KiB of it
 * cost a quarter of the audit's time. */
struct web_arena {
	struct web_arena *next;
	size_t used;
	size_t cap;
	size_t map_len; /* what munmap releases, from the chunk's start */
	max_align_t data[];
};

#define ARENA_CHUNK (64u * 1024)
#define ARENA_HUGE (2u * 1024 * 1024) /* a transparent huge page on x86-64 */
#define ARENA_MAX (8u * 1024 * 1024)

/* A chunk for at least need bytes after one of prev bytes (0: the first). */
static struct web_arena *
arena_chunk(size_t need, size_t prev)
{
	size_t cap = prev ? prev * 2 : ARENA_CHUNK;
	size_t len;
	size_t extra;
	char *p;
	char *start;

	if (cap > ARENA_MAX)
		cap = ARENA_MAX;
	if (cap < need)
		cap = need;
	len = sizeof(struct web_arena) + cap;
	extra = len >= ARENA_HUGE ? ARENA_HUGE : ARENA_CHUNK;
	len = (len + extra - 1) / extra * extra;
	/* huge pages need a 2 MiB aligned start: map more, unmap the rest */
	extra = len >= ARENA_HUGE ? ARENA_HUGE : 0;
#ifdef __SANITIZE_ADDRESS__
	/* ASan sees past the end of a malloc'd chunk, not of a mapping */
	extra = 0;
	p = xcalloc(1, len);
#else
	p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#endif
	if (p == MAP_FAILED) {
		fputs("cfaudit: out of memory\n", stderr);
		exit(3);
	}
	start = p;
	if (extra) {
		start = (char *)(((uintptr_t)p + ARENA_HUGE - 1) & ~(uintptr_t)(ARENA_HUGE - 1));
		if (start > p)
			munmap(p, (size_t)(start - p));
		if (start + len < p + len + extra)
			munmap(start + len, (size_t)(p + len + extra - (start + len)));
		madvise(start, len, MADV_HUGEPAGE);
	}
	((struct web_arena *)(void *)start)->map_len = len;
	((struct web_arena *)(void *)start)->cap = len - sizeof(struct web_arena);
	return (struct web_arena *)(void *)start;
}

/* n bytes aligned to align (a power of two, at most max_align_t's). */
static void *
arena_take(struct web *w, size_t n, size_t align)
{
	struct web_arena *a = w->arena;
	size_t at = a ? (a->used + align - 1) & ~(align - 1) : 0;
	void *p;

	if (a == NULL || at > a->cap || a->cap - at < n) {
		a = arena_chunk(n, a ? a->cap : 0);
		a->next = w->arena;
		w->arena = a;
		at = 0;
	}
	p = (char *)a->data + at;
	a->used = at + n;
	return p;
}

void *
web_alloc(struct web *w, size_t n)
{
	return arena_take(w, n ? n : 1, sizeof(max_align_t));
}

void *
web_alloc_bytes(struct web *w, size_t n)
{
	return arena_take(w, n ? n : 1, 1);
}

/* Strings are packed byte to byte: a model holds hundreds of thousands of
 * short ones (words, names, paths), which max_align_t's 16 bytes each
 * would double. */
const char *
web_strndup(struct web *w, const char *s, size_t n)
{
	char *p = arena_take(w, n + 1, 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *
web_strdup(struct web *w, const char *s)
{
	return s ? web_strndup(w, s, strlen(s)) : NULL;
}

/* Arrays grow by doubling at powers of two (the old copy stays in the arena:
 * at most as much again). */
void *
web_push(struct web *w, void **v, size_t *n, size_t size)
{
	size_t len = *n;

	if (len == 0 || (len & (len - 1)) == 0) {
		size_t cap = len ? len * 2 : 1;
		void *nv = web_alloc(w, cap * size);

		if (len)
			memcpy(nv, *v, len * size);
		*v = nv;
	}
	(*n)++;
	return (char *)*v + len * size;
}

static struct web_index *index_new(void);
static void index_free(struct web_index *x);

struct web *
origin_web(struct origin *o)
{
	if (o->web == NULL)
		o->web = xcalloc(1, sizeof(*o->web));
	return o->web;
}

/* Appends vec[0..n) of src to *dst (elements of size bytes). */
static void
append_vec(void **dst, size_t *n, size_t *cap, void *src, size_t sn, size_t size)
{
	if (sn == 0)
		return;
	if (*n + sn > *cap) {
		*cap = *n + sn;
		*dst = xreallocarray(*dst, *cap, size);
	}
	memcpy((char *)*dst + *n * size, src, sn * size);
	*n += sn;
}

void
web_append(struct web *w, struct web *from)
{
	struct web_arena **tail = &w->arena;

	append_vec((void **)&w->servers, &w->nserver, &w->server_cap, from->servers,
		   from->nserver, sizeof(*w->servers));
	append_vec((void **)&w->regexes, &w->nregex, &w->regex_cap, from->regexes, from->nregex,
		   sizeof(*w->regexes));
	append_vec((void **)&w->trusts, &w->ntrust, &w->trust_cap, from->trusts, from->ntrust,
		   sizeof(*w->trusts));
	/* after w's chunks: the first is the one w allocates from */
	while (*tail)
		tail = &(*tail)->next;
	*tail = from->arena;
	free(from->servers);
	free(from->regexes);
	free(from->trusts);
	free(from);
}

void
web_free(struct web *w)
{
	size_t i;
	size_t j;

	if (w == NULL)
		return;
	for (i = 0; i < w->nserver; i++) {
		index_free(w->servers[i]->index);
		free(w->servers[i]->vhosts);
	}
	for (i = 0; i < w->ntrust; i++)
		for (j = 0; j < FAM_COUNT; j++)
			ivset_free(&w->trusts[i]->set[j]);
	free(w->trusts);
	free(w->servers);
	for (i = 0; i < w->nregex; i++)
		pcre2_code_free(w->regexes[i]);
	free(w->regexes);
	while (w->arena) {
		struct web_arena *next = w->arena->next;

#ifdef __SANITIZE_ADDRESS__
		free(w->arena);
#else
		munmap(w->arena, w->arena->map_len);
#endif
		w->arena = next;
	}
	free(w);
}

const char *
web_backend_name(enum web_backend b)
{
	switch (b) {
	case WB_HTTP:
		return "HTTP";
	case WB_FASTCGI:
		return "FastCGI";
	case WB_UWSGI:
		return "uwsgi";
	case WB_SCGI:
		return "SCGI";
	case WB_GRPC:
		return "gRPC";
	case WB_OTHER:
		return "backend";
	default:
		break;
	}
	abort();
}

bool
web_proxy_exempt(const struct web_server *s, const struct ivset *cf)
{
	struct ivset ex;
	size_t i;
	bool all = true;

	if (s->npp_exempt == 0)
		return false;
	ivset_init(&ex, cf->fam);
	for (i = 0; i < s->npp_exempt; i++)
		if (s->pp_exempt[i].fam == cf->fam)
			ivset_add_cidr(&ex, &s->pp_exempt[i]);
	ivset_normalize(&ex);
	for (i = 0; i < cf->n && all; i++)
		all = ivset_covers(&ex, cf->v[i].lo, cf->v[i].hi);
	ivset_free(&ex);
	return all;
}

const struct web_listen *
web_listener_at(const struct web_vhost *v, enum family fam, bool addr_known, u128 addr,
		uint16_t port)
{
	size_t i;

	for (i = 0; addr_known && i < v->nlisten; i++) {
		const struct web_listen *l = &v->listen[i];

		if (l->port == port && l->kind == WA_ADDR && l->fam == fam && l->addr == addr)
			return l;
	}
	for (i = 0; i < v->nlisten; i++)
		if (v->listen[i].port == port && v->listen[i].kind == WA_ANY &&
		    web_listen_public(&v->listen[i], fam))
			return &v->listen[i];
	return NULL;
}

bool
web_listen_public(const struct web_listen *l, enum family fam)
{
	switch (l->kind) {
	case WA_ANY:
		return l->fam == fam || (l->fam == FAM_V6 && !l->ipv6only && fam == FAM_V4);
	case WA_ADDR:
		return l->fam == fam && !addr_is_loopback(l->fam, l->addr);
	case WA_NAME:
		/* resolved at start: assumed public rather than reporting a
		 * listener missing that may be there */
		return true;
	case WA_UNIX:
		return false;
	}
	abort();
}

struct web_server *
web_add_server(struct web *w, const char *software, struct loc loc)
{
	struct web_server *s = web_alloc(w, sizeof(*s));

	s->software = web_strdup(w, software);
	s->loc = loc;
	s->index = index_new();
	VEC_PUSH(w->servers, w->nserver, w->server_cap, s);
	return s;
}

struct web_vhost *
web_add_vhost(struct web *w, struct web_server *s, struct loc loc)
{
	struct web_vhost *v = web_alloc(w, sizeof(*v));

	v->loc = loc;
	v->server = s;
	v->index = s->nvhost;
	VEC_PUSH(s->vhosts, s->nvhost, s->vhost_cap, v);
	return v;
}

/* What a location that no parser has filled reads: nothing set. */
static const struct web_settings no_settings;

struct web_location *
web_add_location(struct web *w, struct web_vhost *v, struct web_location *parent,
		 enum web_scope_kind kind, const char *path, struct loc loc)
{
	struct web_location *l = web_alloc(w, sizeof(*l));
	struct web_location **slot;

	l->kind = kind;
	l->path = web_strdup(w, path ? path : "");
	l->loc = loc;
	l->vhost = v;
	l->parent = parent;
	l->backend = WB_NONE;
	l->s = &no_settings;
	slot = web_push(w, (void **)&v->locs, &v->nloc, sizeof(*slot));
	*slot = l;
	return l;
}

static char *
lower_dup(const char *s)
{
	char *p = xstrdup(s);
	char *q;

	for (q = p; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

static bool
compile_name(struct web *w, struct web_name *n, const char **err)
{
	static char msg[256];
	const char *pat = n->text + 1;
	const char *c;
	PCRE2_UCHAR buf[160];
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;
	uint32_t opts = 0;

	for (c = pat; *c; c++)
		if (*c >= 'A' && *c <= 'Z') {
			opts |= PCRE2_CASELESS;
			break;
		}
	n->caseless = opts != 0;
	n->fixed = web_strdup(w, pat);
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(code, buf, sizeof(buf));
		snprintf(msg, sizeof(msg), "pcre2_compile() failed: %s in \"%s\" at \"%s\"",
			 (const char *)buf, pat, pat + off);
		*err = msg;
		return false;
	}
	n->re = re;
	VEC_PUSH(w->regexes, w->nregex, w->regex_cap, (void *)re);
	return true;
}

void
web_add_name_apache(struct web *w, struct web_vhost *v, const char *text, struct loc loc,
		    bool glob)
{
	struct web_name *n = web_push(w, (void **)&v->names, &v->nname, sizeof(*n));
	char *low = lower_dup(text);

	n->text = web_strdup(w, text);
	n->loc = loc;
	n->kind = glob && strpbrk(text, "*?") ? WN_GLOB : WN_EXACT;
	n->fixed = web_strdup(w, low);
	free(low);
}

bool
web_add_name(struct web *w, struct web_vhost *v, const char *text, struct loc loc,
	     const char **err)
{
	struct web_name n;
	struct web_name *slot;
	char *low;
	size_t len;
	char *star;

	memset(&n, 0, sizeof(n));
	n.text = web_strdup(w, text);
	n.loc = loc;
	*err = NULL;
	if (text[0] == '~') {
		n.kind = WN_REGEX;
		if (!compile_name(w, &n, err))
			return false;
	} else {
		low = lower_dup(text);
		len = strlen(low);
		star = strchr(low, '*');
		if (star == NULL && low[0] == '.' && len > 1) {
			n.kind = WN_LEADING;
			n.dot = true;
			n.fixed = web_strdup(w, low + 1);
		} else if (star == NULL) {
			n.kind = WN_EXACT;
			n.fixed = web_strdup(w, low);
		} else if (len > 2 && low[0] == '*' && low[1] == '.' && strchr(low + 1, '*') == NULL) {
			n.kind = WN_LEADING;
			n.fixed = web_strdup(w, low + 2);
		} else if (len > 2 && low[len - 1] == '*' && low[len - 2] == '.' && star == low + len - 1) {
			n.kind = WN_TRAILING;
			n.fixed = web_strndup(w, low, len - 2);
		} else {
			free(low);
			*err = "invalid server name or wildcard";
			return false;
		}
		free(low);
	}
	slot = web_push(w, (void **)&v->names, &v->nname, sizeof(*slot));
	*slot = n;
	return true;
}

/* ---- shared settings ---- */

/* web_settings_same lists every field: a new one must be added there. */
_Static_assert(sizeof(struct web_settings) == (2 * WB_COUNT + 8) * sizeof(struct web_value) +
						    sizeof(struct web_text) +
						    2 * sizeof(void *),
	       "struct web_settings changed: compare the new field in web_settings_same");

static bool
value_same(const struct web_value *a, const struct web_value *b)
{
	return a->v == b->v && a->name == b->name && a->loc.file == b->loc.file &&
	       a->loc.line == b->loc.line && a->dflt == b->dflt && a->set == b->set &&
	       a->text == b->text;
}

static bool
text_same(const struct web_text *a, const struct web_text *b)
{
	return a->text == b->text && a->name == b->name && a->loc.file == b->loc.file &&
	       a->loc.line == b->loc.line && a->dflt == b->dflt;
}

bool
web_settings_same(const struct web_settings *a, const struct web_settings *b)
{
	int i;

	if (a == b)
		return true;
	for (i = 0; i < WB_COUNT; i++)
		if (!value_same(&a->backend_read[i], &b->backend_read[i]) ||
		    !value_same(&a->backend_send[i], &b->backend_send[i]))
			return false;
	return value_same(&a->keepalive_timeout, &b->keepalive_timeout) &&
	       value_same(&a->keepalive_requests, &b->keepalive_requests) &&
	       value_same(&a->client_header_timeout, &b->client_header_timeout) &&
	       value_same(&a->client_body_timeout, &b->client_body_timeout) &&
	       value_same(&a->send_timeout, &b->send_timeout) &&
	       value_same(&a->header_buffers, &b->header_buffers) &&
	       value_same(&a->header_buffer_size, &b->header_buffer_size) &&
	       a->trust == b->trust &&
	       text_same(&a->real_ip_header, &b->real_ip_header) &&
	       value_same(&a->real_ip_recursive, &b->real_ip_recursive) && a->limits == b->limits;
}

const struct web_settings *
web_settings_share(struct web *w, const struct web_settings *s, const struct web_settings *like)
{
	struct web_settings *copy;

	if (like && web_settings_same(s, like))
		return like;
	copy = web_alloc(w, sizeof(*copy));
	*copy = *s;
	return copy;
}

struct web_trust *
web_add_trust(struct web *w, struct loc loc)
{
	struct web_trust *t = web_alloc(w, sizeof(*t));

	t->loc = loc;
	ivset_init(&t->set[FAM_V4], FAM_V4);
	ivset_init(&t->set[FAM_V6], FAM_V6);
	VEC_PUSH(w->trusts, w->ntrust, w->trust_cap, t);
	return t;
}

void
web_trust_finish(struct web_trust *t)
{
	size_t i;

	ivset_free(&t->set[FAM_V4]);
	ivset_free(&t->set[FAM_V6]);
	ivset_init(&t->set[FAM_V4], FAM_V4);
	ivset_init(&t->set[FAM_V6], FAM_V6);
	for (i = 0; i < t->n; i++)
		if (!t->v[i].unix_socket)
			ivset_add_cidr(&t->set[t->v[i].cidr.fam], &t->v[i].cidr);
	ivset_normalize(&t->set[FAM_V4]);
	ivset_normalize(&t->set[FAM_V6]);
}

/* ---- which virtual host answers ---- */

/* ap_strcasecmp_match: "*" any run of characters (dots too), "?" one; host
 * and pattern are lowercase here. */
static bool
glob_matches(const char *host, const char *pat)
{
	for (; *pat; pat++, host++) {
		if (*pat == '*') {
			while (pat[1] == '*')
				pat++;
			if (pat[1] == '\0')
				return true;
			for (; *host; host++)
				if (glob_matches(host, pat + 1))
					return true;
			return false;
		}
		if (*host == '\0' || (*pat != '?' && *pat != *host))
			return false;
	}
	return *host == '\0';
}

bool
web_name_matches(const struct web_name *n, const char *host)
{
	size_t hl = strlen(host);
	size_t fl;
	pcre2_match_data *md;
	int rc;

	switch (n->kind) {
	case WN_EXACT:
		return strcmp(n->fixed, host) == 0;
	case WN_LEADING:
		fl = strlen(n->fixed);
		if (n->dot && strcmp(n->fixed, host) == 0)
			return true;
		return hl > fl + 1 && host[hl - fl - 1] == '.' && strcmp(host + hl - fl, n->fixed) == 0;
	case WN_TRAILING:
		fl = strlen(n->fixed);
		return hl > fl + 1 && host[fl] == '.' && strncmp(host, n->fixed, fl) == 0;
	case WN_REGEX:
		if (n->re == NULL)
			return false;
		md = pcre2_match_data_create_from_pattern(n->re, NULL);
		if (md == NULL)
			return false;
		rc = pcre2_match(n->re, (PCRE2_SPTR)host, hl, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		return rc >= 0;
	case WN_GLOB:
		return glob_matches(host, n->fixed);
	}
	abort();
}

/* Whether l takes connections to addr:port of fam: 2 when it names that
 * address, 1 when it is the family's wildcard, 0 otherwise (a dual-stack
 * IPv6 wildcard takes IPv4 only where no IPv4 wildcard exists: 3). */
static int
listen_takes(const struct web_listen *l, enum family fam, bool addr_known, u128 addr,
	     uint16_t port)
{
	if (l->port != port)
		return 0;
	if (l->kind == WA_ADDR && l->fam == fam && addr_known && l->addr == addr)
		return 2;
	if (l->kind == WA_ANY && l->fam == fam)
		return 1;
	if (l->kind == WA_ANY && l->fam == FAM_V6 && !l->ipv6only && fam == FAM_V4)
		return 3;
	return 0;
}

/* The candidates: the hosts listening on the most specific group. Returns
 * the group (2, 1 or 3) or 0 when nothing listens there. */
static int
best_group(const struct web_server *s, enum family fam, bool addr_known, u128 addr, uint16_t port)
{
	bool seen[4] = {false, false, false, false};
	size_t i;
	size_t j;

	for (i = 0; i < s->nvhost; i++)
		for (j = 0; j < s->vhosts[i]->nlisten; j++)
			seen[listen_takes(&s->vhosts[i]->listen[j], fam, addr_known, addr, port)] = true;
	if (seen[2])
		return 2;
	if (seen[1])
		return 1;
	if (seen[3])
		return 3;
	return 0;
}

/* The listener of v in group g, or NULL. */
static const struct web_listen *
in_group(const struct web_vhost *v, int g, enum family fam, bool addr_known, u128 addr,
	 uint16_t port)
{
	size_t j;

	for (j = 0; j < v->nlisten; j++)
		if (listen_takes(&v->listen[j], fam, addr_known, addr, port) == g)
			return &v->listen[j];
	return NULL;
}

static const struct web_vhost *
group_default(const struct web_server *s, int g, enum family fam, bool addr_known, u128 addr,
	      uint16_t port)
{
	const struct web_vhost *first = NULL;
	size_t i;

	for (i = 0; i < s->nvhost; i++) {
		const struct web_listen *l = in_group(s->vhosts[i], g, fam, addr_known, addr, port);

		if (l == NULL)
			continue;
		if (l->default_server)
			return s->vhosts[i];
		if (first == NULL)
			first = s->vhosts[i];
	}
	return first;
}

static char *
normalise_host(const char *host)
{
	char *h = lower_dup(host ? host : "");
	size_t n = strlen(h);
	char *colon;

	/* the port of "Host: example.com:443" is not part of the name */
	if (h[0] != '[' && (colon = strrchr(h, ':')) != NULL && strchr(h, ':') == colon)
		*colon = '\0';
	n = strlen(h);
	if (n > 0 && h[n - 1] == '.')
		h[n - 1] = '\0';
	return h;
}

/* ---- Apache (server/vhost.c) ---- */

/* Which group a connection falls into. */
enum apache_group {
	AG_NONE, /* no Listen socket takes it */
	AG_MAIN, /* the main server */
	AG_ADDR, /* hosts naming the address */
	AG_ANY   /* hosts with a wildcard address */
};

struct apache_key {
	enum apache_group g;
	enum family fam;
	u128 addr;
	uint16_t port; /* the group's port: the connection's, or 0 ("*") */
};

/* Whether a Listen socket takes connections to addr:port of fam. */
static bool
apache_listens(const struct web_server *s, enum family fam, bool addr_known, u128 addr,
	       uint16_t port)
{
	size_t i;

	for (i = 0; i < s->nsocket; i++) {
		const struct web_listen *l = &s->sockets[i];

		if (l->port != port)
			continue;
		switch (l->kind) {
		case WA_ANY:
			if (l->fam == fam || (l->fam == FAM_V6 && !l->ipv6only && fam == FAM_V4))
				return true;
			break;
		case WA_ADDR:
			if (addr_known && l->fam == fam && l->addr == addr)
				return true;
			break;
		case WA_NAME:
			/* resolved when Apache starts: assumed to be there */
			return true;
		case WA_UNIX:
			break;
		}
	}
	return false;
}

/* Whether the address a of a <VirtualHost> belongs to the group k. */
static bool
apache_in_key(const struct web_listen *a, const struct apache_key *k)
{
	if (a->port != k->port)
		return false;
	if (k->g == AG_ADDR)
		return a->kind == WA_ADDR && a->fam == k->fam && a->addr == k->addr;
	return k->g == AG_ANY && a->kind == WA_ANY;
}

static bool
apache_vhost_in(const struct web_vhost *v, const struct apache_key *k)
{
	size_t i;

	for (i = 0; i < v->naddr; i++)
		if (apache_in_key(&v->addrs[i], k))
			return true;
	return false;
}

static bool
apache_key_used(const struct web_server *s, const struct apache_key *k)
{
	size_t i;

	for (i = 0; i < s->nvhost; i++)
		if (apache_vhost_in(s->vhosts[i], k))
			return true;
	return false;
}

/* find_ipaddr, then find_default_server: the exact port before "*". */
static struct apache_key
apache_key_for(const struct web_server *s, enum family fam, bool addr_known, u128 addr,
	       uint16_t port)
{
	struct apache_key k;
	int i;

	memset(&k, 0, sizeof(k));
	if (!apache_listens(s, fam, addr_known, addr, port)) {
		k.g = AG_NONE;
		return k;
	}
	k.fam = fam;
	k.addr = addr;
	for (i = 0; i < 2 && addr_known; i++) {
		k.g = AG_ADDR;
		k.port = i == 0 ? port : 0;
		if (apache_key_used(s, &k))
			return k;
	}
	for (i = 0; i < 2; i++) {
		k.g = AG_ANY;
		k.port = i == 0 ? port : 0;
		if (apache_key_used(s, &k))
			return k;
	}
	k.g = AG_MAIN;
	return k;
}

/* ---- the name index ---- */

/* A name -> position table (open addressing; the keys are the model's
 * strings). Filled in configuration order and never overwritten: a name
 * leads to the first host of the group that has it. */
struct name_slot {
	const char *key;
	size_t pos;
};

struct name_map {
	size_t n;
	size_t cap;
	struct name_slot *v;
};

static size_t
name_hash(const char *s, size_t len)
{
	size_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* The position of the first host named s[0..len), or SIZE_MAX. */
static size_t
name_map_get(const struct name_map *m, const char *s, size_t len)
{
	size_t i;

	if (m->cap == 0)
		return SIZE_MAX;
	for (i = name_hash(s, len) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		if (strncmp(m->v[i].key, s, len) == 0 && m->v[i].key[len] == '\0')
			return m->v[i].pos;
	return SIZE_MAX;
}

static void
name_map_add(struct name_map *m, const char *key, size_t pos)
{
	size_t len = strlen(key);
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct name_map old = *m;

		m->cap = old.cap ? old.cap * 2 : 16;
		m->v = xcalloc(m->cap, sizeof(*m->v));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.v[i].key)
				name_map_add(m, old.v[i].key, old.v[i].pos);
		free(old.v);
	}
	for (i = name_hash(key, len) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->v[i].key, key) == 0)
			return; /* an earlier host has it */
	m->v[i].key = key;
	m->v[i].pos = pos;
	m->n++;
}

/* A name no table can answer (a regex, an Apache glob), tried in order. */
struct listed_name {
	size_t pos;
	const struct web_name *name;
};

/* The hosts a connection to one address:port can reach, and their names. */
struct vgroup {
	enum family fam;
	bool addr_known;
	u128 addr;
	uint16_t port;
	int g;               /* nginx: best_group (0: nothing listens there) */
	struct apache_key k; /* Apache: the group the connection falls into */
	size_t n;
	size_t cap;
	const struct web_vhost **v;   /* the hosts, in configuration order */
	const struct web_vhost *dflt; /* nginx: the default server */
	struct name_map exact;
	struct name_map lead;     /* leading wildcards by their fixed part */
	struct name_map lead_dot; /* ".example.com", which takes example.com too */
	struct name_map trail;    /* trailing wildcards by their fixed part */
	size_t nlisted;
	size_t listed_cap;
	struct listed_name *listed;
};

struct web_index {
	size_t nvhost; /* when the groups were made: a host added since remakes them */
	size_t n;
	size_t cap;              /* a power of two */
	struct vgroup **slots;   /* by the hash of the address:port */
};

static void
vgroup_free(struct vgroup *G)
{
	free(G->v);
	free(G->exact.v);
	free(G->lead.v);
	free(G->lead_dot.v);
	free(G->trail.v);
	free(G->listed);
	free(G);
}

static void
index_reset(struct web_index *x)
{
	size_t i;

	for (i = 0; i < x->cap; i++)
		if (x->slots[i])
			vgroup_free(x->slots[i]);
	free(x->slots);
	x->slots = NULL;
	x->n = 0;
	x->cap = 0;
}

static struct web_index *
index_new(void)
{
	return xcalloc(1, sizeof(struct web_index));
}

static void
index_free(struct web_index *x)
{
	if (x == NULL)
		return;
	index_reset(x);
	free(x);
}

static void
group_add_host(struct vgroup *G, const struct web_vhost *v)
{
	VEC_PUSH(G->v, G->n, G->cap, v);
}

static void
group_list_name(struct vgroup *G, const struct web_name *n)
{
	struct listed_name l = {G->n - 1, n};

	VEC_PUSH(G->listed, G->nlisted, G->listed_cap, l);
}

/* nginx: the hosts listening on the most specific group, their names by
 * kind (a kind nginx does not have, Apache's glob, is left out as the
 * scan leaves it out). */
static void
index_nginx(const struct web_server *s, struct vgroup *G)
{
	size_t i;
	size_t j;

	G->g = best_group(s, G->fam, G->addr_known, G->addr, G->port);
	if (G->g == 0)
		return;
	for (i = 0; i < s->nvhost; i++) {
		const struct web_vhost *v = s->vhosts[i];

		if (!in_group(v, G->g, G->fam, G->addr_known, G->addr, G->port))
			continue;
		group_add_host(G, v);
		for (j = 0; j < v->nname; j++) {
			const struct web_name *n = &v->names[j];

			switch (n->kind) {
			case WN_EXACT:
				name_map_add(&G->exact, n->fixed, G->n - 1);
				break;
			case WN_LEADING:
				name_map_add(&G->lead, n->fixed, G->n - 1);
				if (n->dot)
					name_map_add(&G->lead_dot, n->fixed, G->n - 1);
				break;
			case WN_TRAILING:
				name_map_add(&G->trail, n->fixed, G->n - 1);
				break;
			case WN_REGEX:
				group_list_name(G, n);
				break;
			case WN_GLOB:
				break;
			}
		}
	}
	G->dflt = group_default(s, G->g, G->fam, G->addr_known, G->addr, G->port);
}

/* Apache: the group's hosts, exact names in the table, the rest listed. */
static void
index_apache(const struct web_server *s, struct vgroup *G)
{
	size_t i;
	size_t j;

	G->k = apache_key_for(s, G->fam, G->addr_known, G->addr, G->port);
	if (G->k.g != AG_ADDR && G->k.g != AG_ANY)
		return;
	for (i = 0; i < s->nvhost; i++) {
		const struct web_vhost *v = s->vhosts[i];

		if (!apache_vhost_in(v, &G->k))
			continue;
		group_add_host(G, v);
		for (j = 0; j < v->nname; j++)
			if (v->names[j].kind == WN_EXACT)
				name_map_add(&G->exact, v->names[j].fixed, G->n - 1);
			else
				group_list_name(G, &v->names[j]);
	}
}

static size_t
group_hash(enum family fam, bool addr_known, u128 addr, uint16_t port)
{
	size_t h = (size_t)(uint64_t)addr ^ (size_t)(uint64_t)(addr >> 64) * 31;

	return (h * 1099511628211ull) ^ ((size_t)port << 2) ^ ((size_t)fam << 1) ^ addr_known;
}

static bool
group_is(const struct vgroup *G, enum family fam, bool addr_known, u128 addr, uint16_t port)
{
	return G->fam == fam && G->addr_known == addr_known && G->addr == addr && G->port == port;
}

static void
index_put(struct web_index *x, struct vgroup *G)
{
	size_t i;

	if ((x->n + 1) * 2 > x->cap) {
		struct vgroup **old = x->slots;
		size_t ocap = x->cap;

		x->cap = ocap ? ocap * 2 : 16;
		x->slots = xcalloc(x->cap, sizeof(*x->slots));
		x->n = 0;
		for (i = 0; i < ocap; i++)
			if (old[i])
				index_put(x, old[i]);
		free(old);
	}
	for (i = group_hash(G->fam, G->addr_known, G->addr, G->port) & (x->cap - 1); x->slots[i];
	     i = (i + 1) & (x->cap - 1))
		;
	x->slots[i] = G;
	x->n++;
}

/* The group of addr:port, indexed on first use; NULL when s has no index
 * (the callers scan). The address is part of the question only when known. */
static const struct vgroup *
group_for(const struct web_server *s, enum family fam, bool addr_known, u128 addr, uint16_t port)
{
	struct web_index *x = s->index;
	struct vgroup *G;
	size_t i;

	if (x == NULL)
		return NULL;
	if (x->nvhost != s->nvhost) {
		index_reset(x);
		x->nvhost = s->nvhost;
	}
	if (!addr_known)
		addr = 0;
	for (i = x->cap ? group_hash(fam, addr_known, addr, port) & (x->cap - 1) : 0;
	     x->cap && x->slots[i]; i = (i + 1) & (x->cap - 1))
		if (group_is(x->slots[i], fam, addr_known, addr, port))
			return x->slots[i];
	G = xcalloc(1, sizeof(*G));
	G->fam = fam;
	G->addr_known = addr_known;
	G->addr = addr;
	G->port = port;
	if (s->rules == WEB_RULES_APACHE)
		index_apache(s, G);
	else
		index_nginx(s, G);
	index_put(x, G);
	return G;
}

/* nginx's choice among the group's hosts (web_vhost_for's scan, by table):
 * the exact name; the longest leading wildcard, which is the hostname
 * itself (".example.com") or the part after its first dot that has one;
 * the longest trailing wildcard, the part before its last dot that has
 * one; the first regex that matches. NULL: the default server. */
static const struct web_vhost *
nginx_lookup(const struct vgroup *G, const char *h)
{
	size_t hl = strlen(h);
	size_t pos;
	size_t i;

	if ((pos = name_map_get(&G->exact, h, hl)) != SIZE_MAX)
		return G->v[pos];
	if ((pos = name_map_get(&G->lead_dot, h, hl)) != SIZE_MAX)
		return G->v[pos];
	/* "*.F" takes a hostname ending in ".F" with something before it */
	for (i = 1; i + 1 < hl; i++)
		if (h[i] == '.' && (pos = name_map_get(&G->lead, h + i + 1, hl - i - 1)) != SIZE_MAX)
			return G->v[pos];
	/* "F.*" takes a hostname starting with "F." with something after it */
	for (i = hl >= 2 ? hl - 1 : 0; i-- > 1;)
		if (h[i] == '.' && (pos = name_map_get(&G->trail, h, i)) != SIZE_MAX)
			return G->v[pos];
	for (i = 0; i < G->nlisted; i++)
		if (web_name_matches(G->listed[i].name, h))
			return G->v[G->listed[i].pos];
	return NULL;
}

/* Apache's choice (apache_vhost_for's scan, by table): the first host
 * whose exact name or glob matches, else the first whose <VirtualHost>
 * address is written as the name, else the group's first host. */
static const struct web_vhost *
apache_lookup(const struct vgroup *G, const char *h, bool *by_default)
{
	size_t best;
	size_t i;
	size_t j;

	*by_default = true;
	if (*h == '\0')
		return G->v[0];
	best = name_map_get(&G->exact, h, strlen(h));
	for (i = 0; i < G->nlisted && G->listed[i].pos < best; i++)
		if (web_name_matches(G->listed[i].name, h)) {
			best = G->listed[i].pos;
			break;
		}
	if (best != SIZE_MAX) {
		*by_default = false;
		return G->v[best];
	}
	for (i = 0; i < G->n; i++)
		for (j = 0; j < G->v[i]->naddr; j++)
			if (apache_in_key(&G->v[i]->addrs[j], &G->k) &&
			    strcasecmp(G->v[i]->addrs[j].text, h) == 0)
				return G->v[i];
	return G->v[0];
}

size_t
web_apache_group(const struct web_server *s, enum family fam, bool addr_known, u128 addr,
		 uint16_t port, const struct web_vhost **out, size_t max, bool *main_server)
{
	const struct vgroup *G = group_for(s, fam, addr_known, addr, port);
	struct apache_key k;
	size_t n = 0;
	size_t i;

	if (G) {
		*main_server = G->k.g == AG_MAIN;
		for (i = 0; i < G->n && i < max; i++)
			out[i] = G->v[i];
		return G->n;
	}
	k = apache_key_for(s, fam, addr_known, addr, port);
	*main_server = k.g == AG_MAIN;
	if (k.g == AG_NONE || k.g == AG_MAIN)
		return 0;
	for (i = 0; i < s->nvhost; i++)
		if (apache_vhost_in(s->vhosts[i], &k)) {
			if (n < max)
				out[n] = s->vhosts[i];
			n++;
		}
	return n;
}

static bool
apache_names_match(const struct web_vhost *v, const char *h)
{
	size_t i;

	for (i = 0; i < v->nname; i++)
		if (web_name_matches(&v->names[i], h))
			return true;
	return false;
}

/* update_server_from_aliases: the first host of the group whose names
 * match, else the first whose <VirtualHost> address is written as the
 * name, else the group's first host. A group of one host never looks at
 * the name. */
static const struct web_vhost *
apache_vhost_for(const struct web_server *s, const char *host, enum family fam, bool addr_known,
		 u128 addr, uint16_t port, bool *by_default)
{
	const struct vgroup *G = group_for(s, fam, addr_known, addr, port);
	struct apache_key k = G ? G->k : apache_key_for(s, fam, addr_known, addr, port);
	const struct web_vhost *first = NULL;
	const struct web_vhost *by_addr = NULL;
	char *h;
	size_t i;
	size_t j;

	*by_default = true;
	if (k.g == AG_NONE)
		return NULL;
	h = normalise_host(host);
	if (k.g == AG_MAIN) {
		*by_default = s->main_vhost == NULL || !apache_names_match(s->main_vhost, h);
		free(h);
		return s->main_vhost;
	}
	if (G) {
		first = apache_lookup(G, h, by_default);
		free(h);
		return first;
	}
	for (i = 0; i < s->nvhost; i++) {
		const struct web_vhost *v = s->vhosts[i];

		if (!apache_vhost_in(v, &k))
			continue;
		if (first == NULL)
			first = v;
		if (*h && apache_names_match(v, h)) {
			*by_default = false;
			free(h);
			return v;
		}
		for (j = 0; by_addr == NULL && *h && j < v->naddr; j++)
			if (apache_in_key(&v->addrs[j], &k) && strcasecmp(v->addrs[j].text, h) == 0)
				by_addr = v;
	}
	free(h);
	if (by_addr)
		return by_addr;
	return first;
}

const struct web_vhost *
web_vhost_for(const struct web_server *s, const char *host, enum family fam, bool addr_known,
	      u128 addr, uint16_t port, bool *by_default)
{
	int g;

	if (s->rules == WEB_RULES_APACHE)
		return apache_vhost_for(s, host, fam, addr_known, addr, port, by_default);
	const struct vgroup *G = group_for(s, fam, addr_known, addr, port);
	const struct web_vhost *best = NULL;
	size_t best_len = 0;
	char *h;
	size_t i;
	size_t j;
	int pass;

	*by_default = false;
	g = G ? G->g : best_group(s, fam, addr_known, addr, port);
	if (g == 0)
		return NULL;
	h = normalise_host(host);
	if (G) {
		best = nginx_lookup(G, h);
		free(h);
		if (best)
			return best;
		*by_default = true;
		return G->dflt;
	}
	/* exact, then leading wildcard, then trailing wildcard: the longest
	 * fixed part wins, the first host on a tie; then regexes in order */
	for (pass = WN_EXACT; pass <= WN_REGEX && best == NULL; pass++) {
		for (i = 0; i < s->nvhost; i++) {
			const struct web_vhost *v = s->vhosts[i];

			if (!in_group(v, g, fam, addr_known, addr, port))
				continue;
			for (j = 0; j < v->nname; j++) {
				const struct web_name *n = &v->names[j];
				size_t len;

				if ((int)n->kind != pass || !web_name_matches(n, h))
					continue;
				len = n->kind == WN_REGEX ? 0 : strlen(n->fixed) + 1;
				if (best == NULL || len > best_len) {
					best = v;
					best_len = len;
				}
				if (pass == WN_REGEX || pass == WN_EXACT)
					break;
			}
			if (best && (pass == WN_REGEX || pass == WN_EXACT))
				break;
		}
	}
	free(h);
	if (best)
		return best;
	*by_default = true;
	return group_default(s, g, fam, addr_known, addr, port);
}

const struct web_vhost *
web_default_vhost(const struct web_server *s, const struct web_listen *l)
{
	int g;

	if (s->rules == WEB_RULES_APACHE) {
		const struct web_vhost *v = NULL;
		bool main_server;

		if (l->kind != WA_ADDR && l->kind != WA_ANY)
			return NULL;
		if (web_apache_group(s, l->fam, l->kind == WA_ADDR, l->addr, l->port, &v, 1,
				     &main_server) == 0)
			return main_server ? s->main_vhost : NULL;
		return v;
	}

	switch (l->kind) {
	case WA_ADDR:
		g = 2;
		break;
	case WA_ANY:
		g = 1;
		break;
	default:
		return NULL;
	}
	return group_default(s, g, l->fam, l->kind == WA_ADDR, l->addr, l->port);
}

const char *
web_vhost_label(const struct web_vhost *v)
{
	size_t i;

	for (i = 0; i < v->nname; i++)
		if (v->names[i].text[0] != '\0')
			return v->names[i].text;
	/* an Apache host without a name: its address, or the main server */
	if (v->naddr > 0)
		return v->addrs[0].text;
	if (v->server && v->server->main_vhost == v)
		return "(main server)";
	return "\"\"";
}
