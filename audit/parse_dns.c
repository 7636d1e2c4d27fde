/* DNS records that send Cloudflare's traffic to the origin: a Cloudflare
 * zone export in BIND format, or a simple expectations file.
 *
 * Zone files are read record by record: this file only groups the lines of
 * one record (parentheses, quotes, escapes and comments, so that each record
 * keeps its first line and its comments) and handles the $ directives; ldns
 * parses each record exactly as a DNS server would ($ORIGIN, @, relative
 * names, omitted owners, TTLs, escapes). The comments matter: an export's
 * trailing "; cf_tags=cf-proxied:true" is the only place it says whether a
 * record is proxied. */
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "util.h"

/* Caps: one record's text (parentheses joined) and records per file. */
#define DNS_CAP_RECORD_BYTES 65536
#define DNS_CAP_RECORDS 1000000u

/* "Www.Example.COM." -> "www.example.com" (a new string). */
static char *
dns_name_norm(const char *s)
{
	size_t n = strlen(s);
	char *r;
	size_t i;

	if (n > 1 && s[n - 1] == '.')
		n--;
	r = xstrndup(s, n);
	for (i = 0; i < n; i++)
		r[i] = (char)tolower((unsigned char)r[i]);
	return r;
}

static struct dns_record *
add_record(struct origin *o, struct input *in, unsigned line)
{
	struct dns_record r;

	if (o->ndns >= DNS_CAP_RECORDS) {
		input_error(in, line, "more than %u DNS records: the rest are not read",
			    DNS_CAP_RECORDS);
		return NULL;
	}
	memset(&r, 0, sizeof(r));
	r.loc.file = intern(in->file);
	r.loc.line = line;
	VEC_PUSH(o->dns, o->ndns, o->dns_cap, r);
	return &o->dns[o->ndns - 1];
}

static void
add_zone(struct origin *o, struct input *in, unsigned line, const char *apex)
{
	struct dns_zone z;
	size_t i;

	if (strcmp(apex, ".") == 0 || *apex == '\0')
		return; /* the root: no zone an export is for */
	for (i = 0; i < o->nzone; i++)
		if (strcmp(o->zones[i].apex, apex) == 0)
			return;
	z.loc.file = intern(in->file);
	z.loc.line = line;
	z.apex = xstrdup(apex);
	VEC_PUSH(o->zones, o->nzone, o->zone_cap, z);
}

/* ---- the expectations file: NAME A|AAAA|CNAME VALUE [proxied|dns-only] ---- */

#define EXPECT_MAX_WORDS 5

/* Split line (modified) into words; returns how many (up to max + 1, so a
 * caller sees that there were too many). A '#' or ';' starts a comment. */
static size_t
split_words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\0' || *p == '#' || *p == ';')
			break;
		if (n > max)
			break;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static bool
type_word(const char *s, enum dns_type *t)
{
	if (strcasecmp(s, "A") == 0)
		*t = DNS_A;
	else if (strcasecmp(s, "AAAA") == 0)
		*t = DNS_AAAA;
	else if (strcasecmp(s, "CNAME") == 0)
		*t = DNS_CNAME;
	else
		return false;
	return true;
}

static bool
proxy_word(const char *s, enum dns_proxy *p)
{
	if (strcasecmp(s, "proxied") == 0)
		*p = DNS_PROXIED;
	else if (strcasecmp(s, "dns-only") == 0)
		*p = DNS_DNS_ONLY;
	else
		return false;
	return true;
}

/* Whether words are one expectations line (the shape, not the values). */
static bool
expect_shape(char **w, size_t n)
{
	enum dns_type t;
	enum dns_proxy p;

	return (n == 3 || n == 4) && type_word(w[1], &t) && (n == 3 || proxy_word(w[3], &p));
}

static bool
valid_hostname(const char *s)
{
	size_t i;

	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_' &&
		    s[i] != '*')
			return false;
	return true;
}

static void
expect_line(struct origin *o, struct input *in, unsigned line, char **w, size_t n)
{
	struct dns_record r;
	struct dns_record *rp;

	memset(&r, 0, sizeof(r));
	r.proxy = DNS_PROXIED;
	if (!expect_shape(w, n)) {
		input_error(in, line,
			    "expected NAME A|AAAA|CNAME VALUE [proxied|dns-only]");
		return;
	}
	type_word(w[1], &r.type);
	if (n == 4)
		proxy_word(w[3], &r.proxy);
	if (!valid_hostname(w[0])) {
		input_error(in, line, "\"%s\" is not a host name", w[0]);
		return;
	}
	if (r.type == DNS_CNAME) {
		if (!valid_hostname(w[2])) {
			input_error(in, line, "\"%s\" is not a host name", w[2]);
			return;
		}
	} else if (!addr_parse(w[2], &r.fam, &r.addr) ||
		   r.fam != (r.type == DNS_A ? FAM_V4 : FAM_V6)) {
		input_error(in, line, "\"%s\" is not an %s address", w[2],
			    r.type == DNS_A ? "IPv4" : "IPv6");
		return;
	}
	if ((rp = add_record(o, in, line)) == NULL)
		return;
	rp->type = r.type;
	rp->fam = r.fam;
	rp->addr = r.addr;
	rp->proxy = r.proxy;
	rp->name = dns_name_norm(w[0]);
	if (r.type == DNS_CNAME)
		rp->target = dns_name_norm(w[2]);
}

static void
parse_expectations(struct origin *o, struct input *in, const char *data, size_t len)
{
	const char *p = data;
	const char *end = data + len;
	unsigned line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *copy = xstrndup(p, n);
		char *w[EXPECT_MAX_WORDS + 1];
		size_t nw;

		line++;
		nw = split_words(copy, w, EXPECT_MAX_WORDS);
		if (nw > 0)
			expect_line(o, in, line, w, nw);
		free(copy);
		p += n + (nl != NULL);
	}
}

/* The expectations format, told from a zone file by its first line that
 * says something: a zone's has a TTL or class, or is a $ directive. */
bool
dns_is_expectations(const char *data, size_t len)
{
	const char *p = data;
	const char *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *copy = xstrndup(p, n);
		char *w[EXPECT_MAX_WORDS + 1];
		size_t nw = split_words(copy, w, EXPECT_MAX_WORDS);
		bool shape = nw > 0 && expect_shape(w, nw);

		free(copy);
		if (nw > 0)
			return shape && *p != '$' && *p != ' ' && *p != '\t';
		p += n + (nl != NULL);
	}
	return false;
}

/* ---- zone files ---- */

struct zone_reader {
	struct origin *o;
	struct input *in;
	ldns_rdf *origin; /* $ORIGIN (NULL: none yet) */
	ldns_rdf *prev;   /* the last owner, for records that omit it */
	uint32_t ttl;
	/* the record being gathered */
	struct buf text;
	unsigned first; /* its first line (0: none) */
	int depth;      /* parentheses open */
	enum dns_proxy proxy;
	bool too_long;
};

/* The cf_tags of one comment: "cf_tags=cf-proxied:true,cf-flatten..." */
static void
read_cf_tags(struct zone_reader *z, const char *comment, size_t n)
{
	const char *t = memmem(comment, n, "cf_tags=", 8);
	const char *end = comment + n;

	if (t == NULL)
		return;
	for (t += 8; t < end && !isspace((unsigned char)*t);) {
		const char *comma = t;
		size_t k;

		while (comma < end && *comma != ',' && !isspace((unsigned char)*comma))
			comma++;
		k = (size_t)(comma - t);
		if (k == 15 && memcmp(t, "cf-proxied:true", 15) == 0)
			z->proxy = DNS_PROXIED;
		else if (k == 16 && memcmp(t, "cf-proxied:false", 16) == 0)
			z->proxy = DNS_DNS_ONLY;
		t = comma < end && *comma == ',' ? comma + 1 : comma;
	}
}

/* The export's header names the zone (";; Domain:     example.com."): the
 * origin of relative names and the apex, until the file says otherwise. */
static void
read_header(struct zone_reader *z, unsigned line, const char *s, size_t n)
{
	char *copy;
	char *w[4];
	size_t nw;

	if (n < 10 || memcmp(s, ";; Domain:", 10) != 0 || z->origin)
		return;
	copy = xstrndup(s + 10, n - 10);
	nw = split_words(copy, w, 2);
	if (nw == 1 && ldns_str2rdf_dname(&z->origin, w[0]) == LDNS_STATUS_OK &&
	    ldns_dname_str_absolute(w[0])) {
		char *apex = dns_name_norm(w[0]);

		add_zone(z->o, z->in, line, apex);
		free(apex);
	} else if (z->origin) {
		ldns_rdf_deep_free(z->origin);
		z->origin = NULL;
	}
	free(copy);
}

static char *
rdf_text(const ldns_rdf *r)
{
	char *s = ldns_rdf2str(r);
	char *n = dns_name_norm(s ? s : "");

	free(s);
	return n;
}

/* "$ORIGIN name" (relative to the current origin), "$TTL n"; $INCLUDE
 * would read a file the export never names: refused. */
static void
directive(struct zone_reader *z, const char *text)
{
	char *copy = xstrdup(text);
	char *w[4];
	size_t nw = split_words(copy, w, 2);
	unsigned line = z->first;

	if (strcasecmp(w[0], "$ORIGIN") == 0 && nw == 2) {
		ldns_rdf *d = NULL;

		if (ldns_str2rdf_dname(&d, w[1]) != LDNS_STATUS_OK) {
			input_error(z->in, line, "$ORIGIN: \"%s\" is not a domain name", w[1]);
		} else {
			if (!ldns_dname_str_absolute(w[1]) && z->origin &&
			    ldns_dname_cat(d, z->origin) != LDNS_STATUS_OK)
				input_error(z->in, line, "$ORIGIN: \"%s\" is too long", w[1]);
			if (z->origin)
				ldns_rdf_deep_free(z->origin);
			z->origin = d;
		}
	} else if (strcasecmp(w[0], "$TTL") == 0 && nw == 2) {
		const char *end = NULL;
		uint32_t t = ldns_str2period(w[1], &end);

		if (end == NULL || *end != '\0')
			input_error(z->in, line, "$TTL: \"%s\" is not a TTL", w[1]);
		else
			z->ttl = t;
	} else if (strcasecmp(w[0], "$INCLUDE") == 0) {
		input_error(z->in, line, "$INCLUDE is not followed (a zone export never has it)");
	} else {
		input_error(z->in, line, "unknown or malformed directive %s", w[0]);
	}
	free(copy);
}

static void
zone_rr(struct zone_reader *z, ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	struct dns_record *r;
	char *owner;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return;
	owner = rdf_text(ldns_rr_owner(rr));
	if (t == LDNS_RR_TYPE_SOA) {
		add_zone(z->o, z->in, z->first, owner);
	} else if ((t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA || t == LDNS_RR_TYPE_CNAME) &&
		   ldns_rr_rd_count(rr) == 1 && (r = add_record(z->o, z->in, z->first))) {
		char *value = ldns_rdf2str(ldns_rr_rdf(rr, 0));

		r->name = owner;
		owner = NULL;
		r->proxy = z->proxy;
		if (t == LDNS_RR_TYPE_CNAME) {
			r->type = DNS_CNAME;
			r->target = dns_name_norm(value ? value : "");
		} else {
			r->type = t == LDNS_RR_TYPE_A ? DNS_A : DNS_AAAA;
			if (value == NULL || !addr_parse(value, &r->fam, &r->addr))
				input_error(z->in, z->first, "unreadable address");
		}
		free(value);
	}
	free(owner);
}

static void
record_reset(struct zone_reader *z)
{
	z->text.len = 0;
	if (z->text.p)
		z->text.p[0] = '\0';
	z->first = 0;
	z->depth = 0;
	z->proxy = DNS_PROXY_UNKNOWN;
	z->too_long = false;
}

/* Without an origin, ldns takes a relative name as absolute: names must
 * end with a dot then (the owner, unless omitted, and a CNAME target). */
static const char *
relative_name(const struct zone_reader *z, const char *text, const ldns_rr *rr, char *word,
	      size_t len)
{
	const char *p = text;
	size_t n;

	if (z->origin)
		return NULL;
	if (*p != ' ' && *p != '\t') {
		n = strcspn(p, " \t");
		if (n == 0 || p[n - 1] != '.') {
			snprintf(word, len, "%.*s", (int)(n < 200 ? n : 200), p);
			return word;
		}
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME) {
		const char *end = text + strlen(text);

		while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		for (p = end; p > text && p[-1] != ' ' && p[-1] != '\t'; p--)
			;
		n = (size_t)(end - p);
		if (n == 0 || p[n - 1] != '.') {
			snprintf(word, len, "%.*s", (int)(n < 200 ? n : 200), p);
			return word;
		}
	}
	return NULL;
}

/* One whole record (or directive) has been gathered: parse it. */
static void
zone_record(struct zone_reader *z)
{
	const char *text = z->text.p ? z->text.p : "";
	ldns_rr *rr = NULL;
	ldns_status st;

	if (z->too_long) {
		input_error(z->in, z->first, "record longer than %d bytes", DNS_CAP_RECORD_BYTES);
	} else if (text[0] == '$') {
		directive(z, text);
	} else if ((st = ldns_rr_new_frm_str(&rr, text, z->ttl, z->origin, &z->prev)) !=
		   LDNS_STATUS_OK) {
		input_error(z->in, z->first, "not a resource record: %s",
			    ldns_get_errorstr_by_id(st));
	} else {
		char word[256];
		const char *rel = relative_name(z, text, rr, word, sizeof(word));

		if (rel)
			input_error(z->in, z->first, "relative name \"%s\" without $ORIGIN", rel);
		else
			zone_rr(z, rr);
		ldns_rr_free(rr);
	}
	record_reset(z);
}

/* Append one line's text to the record, up to its comment, with its
 * parentheses as blanks (they only join lines, wherever they stand: ldns
 * takes them in the data only); read the comment's cf_tags. Returns
 * whether the line had text outside a comment. */
static bool
zone_line(struct zone_reader *z, const char *s, size_t n)
{
	bool quote = false;
	bool text = false;
	size_t i;
	size_t from = 0;

	if (z->text.len + n + 1 > DNS_CAP_RECORD_BYTES) {
		z->too_long = true;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 1 < n) {
			i++;
			text = true;
		} else if (quote) {
			quote = c != '"';
		} else if (c == '"') {
			quote = true;
			text = true;
		} else if (c == ';') {
			read_cf_tags(z, s + i, n - i);
			break;
		} else if (c == '(' || c == ')') {
			z->depth += c == '(' ? 1 : -1;
			buf_add(&z->text, s + from, i - from);
			buf_add(&z->text, " ", 1);
			from = i + 1;
		} else if (!isspace((unsigned char)c)) {
			text = true;
		}
	}
	buf_add(&z->text, s + from, i - from);
	buf_add(&z->text, " ", 1);
	return text;
}

static void
parse_zone(struct origin *o, struct input *in, const char *data, size_t len)
{
	struct zone_reader z;
	const char *p = data;
	const char *end = data + len;
	unsigned line = 0;

	memset(&z, 0, sizeof(z));
	z.o = o;
	z.in = in;
	z.ttl = 3600;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		size_t n = (size_t)((nl ? nl : end) - p);

		line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (z.first == 0) {
			read_header(&z, line, p, n);
			z.first = line;
			if (!zone_line(&z, p, n) && z.depth <= 0)
				record_reset(&z); /* a blank or comment-only line */
		} else {
			zone_line(&z, p, n);
		}
		if (z.first && z.depth <= 0)
			zone_record(&z);
		p = next;
	}
	if (z.first)
		input_error(in, z.first, "unbalanced parentheses: the record never ends");
	buf_free(&z.text);
	if (z.origin)
		ldns_rdf_deep_free(z.origin);
	if (z.prev)
		ldns_rdf_deep_free(z.prev);
}

void
parse_dns(struct origin *o, struct input *in, const char *data, size_t len)
{
	const char *nul = memchr(data, '\0', len);

	if (nul) {
		unsigned line = 1;
		const char *p;

		for (p = data; p < nul; p++)
			line += *p == '\n';
		input_error(in, line, "NUL byte: not a text file");
		return;
	}
	if (dns_is_expectations(data, len))
		parse_expectations(o, in, data, len);
	else
		parse_zone(o, in, data, len);
}
