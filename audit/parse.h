/* The parsers: each reads one input format into the origin model. A parser
 * never decides a finding; bad input is input_error(in, line, ...) and the
 * parser resynchronises at the next statement. */
#ifndef CFAUDIT_PARSE_H
#define CFAUDIT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* Caps shared by the parsers (hitting one is an input error; raised at build
 * time like those of root.h). */
#ifndef CAP_RULES
#define CAP_RULES 2000000u      /* rules in one ruleset file */
#endif
#ifndef CAP_SET_ELEMS
#define CAP_SET_ELEMS 20000000u /* members of one set */
#endif
#ifndef CAP_CHAINS
#define CAP_CHAINS 100000u      /* chains in one table */
#endif

/* iptables-save / ip6tables-save output (also iptables-restore input and ufw's
 * rule files, which are iptables-restore fragments). fam: the family the file
 * is for (rules.v4 vs rules.v6). data is NUL-terminated, len bytes. */
void parse_iptables(struct origin *o, struct input *in, const char *data, size_t len,
		    enum family fam);

/* iptables-xml output: translated to iptables-save lines (placed at the
 * lines of their XML elements) and read by parse_iptables. */
bool is_iptables_xml(const char *data, size_t len);
void parse_iptables_xml(struct origin *o, struct input *in, const char *data, size_t len,
			enum family fam);

/* ipset save / restore format ("create NAME TYPE ...", "add NAME ELEM ..."). */
void parse_ipset(struct origin *o, struct input *in, const char *data, size_t len);

/* nftables ruleset (nft -f input, `nft list ruleset` output) with its
 * includes read inside the root. The ruleset goes into o; every included
 * file becomes an input of in->origin (errors name it). file_as_seen: the
 * name includes and messages use (NULL: in->file). */
void parse_nft(struct origin *o, struct input *in, const char *data, size_t len,
	       const char *file_as_seen);

/* nginx: the main configuration file (or an "nginx -T" dump, recognised by
 * its "# configuration file NAME:" markers), its includes read inside the
 * root (a dump's from the dump), into the web model (web.h). host_file: in
 * was named on the command line (a relative name is relative to the current
 * directory, for the configuration prefix). Every file read becomes an
 * input of its own, so errors name the file and line. */
void parse_nginx(struct origin *o, struct input *in, const char *data, size_t len,
		 bool host_file);
/* nginx's own value syntax: time in ms (is_sec: in s), size in bytes; -1
 * when nginx would refuse it. */
long long nginx_parse_time(const char *s, bool is_sec);
long long nginx_parse_size(const char *s);
/* For the unit tests: the tokens as nginx reads them, "|"-joined, each
 * directive's words followed by ";", "{" or "}". Errors go to in. */
char *nginx_tokens(struct origin *o, struct input *in, const char *data, size_t len);
bool nginx_tables_sorted(void);

/* Apache httpd: the main configuration file (apache2.conf, httpd.conf),
 * read as httpd reads it (includes, Define and ${VAR}, Debian's envvars
 * beside it, the <If*> sections httpd evaluates while reading) inside the
 * root, and the .htaccess files httpd reads under the DocumentRoots, into
 * the web model (web.h). host_file: as parse_nginx. Every file read is an
 * input of its own. */
/* DNS records (audit/parse_dns.c): a Cloudflare zone export in BIND format
 * (read with ldns; "; cf_tags=cf-proxied:true|false" comments say which
 * records are proxied) or an expectations file of
 * "NAME A|AAAA|CNAME VALUE [proxied|dns-only]" lines, told apart by their
 * first line. A, AAAA and CNAME records go to o->dns, zone apexes to
 * o->zones. */
void parse_dns(struct origin *o, struct input *in, const char *data, size_t len);
/* Whether data is an expectations file rather than a zone file. */
bool dns_is_expectations(const char *data, size_t len);

void parse_apache(struct origin *o, struct input *in, const char *data, size_t len,
		  bool host_file);
/* For the unit tests: the directives as the reader leaves them ("name|arg
 * @line" a line, sections "<name" ... ">name"), and the tables' order. */
char *apache_tree(struct origin *o, struct input *in, const char *data, size_t len);
bool apache_tables_sorted(void);

/* Cloudflare ranges for --ranges: plain CIDR lines or the API's JSON. */
struct cf_ranges;
void parse_ranges(struct cf_ranges *r, struct input *in, const char *data, size_t len);

#endif
