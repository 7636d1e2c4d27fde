/* Inline suppressions: "cfaudit: ignore ID[,ID...] reason="..." [until=YYYY-MM-DD]"
 * in a comment of any input (# in iptables-save, ipset, ufw, nftables, nginx,
 * Apache and .htaccess files; ; in zone files; <!-- --> in firewalld XML), or
 * as a firewall rule's own comment (iptables -m comment --comment, nft
 * comment "..."). A directive applies to findings of its checks on its line
 * or the line after; it needs a reason; past until= (against --at) it stops
 * working and CF000-SUPPRESS-EXPIRED says so.
 *
 * Discovery scans every input it reads (suppress_scan); a parser that reads
 * more files itself (includes) scans each with the input it reports them
 * under. The directives are recorded in the model (origin.supps); the
 * findings are marked after the checks run (suppress_apply). */
#ifndef CFAUDIT_SUPPRESS_H
#define CFAUDIT_SUPPRESS_H

#include <stddef.h>

#include "audit.h"

enum comment_style {
	CS_HASH,      /* '#' to the end of the line, outside quotes */
	CS_SEMICOLON, /* ';' to the end of the line, outside quotes (zone files) */
	CS_XML        /* <!-- ... --> */
};

/* The comment syntax of a file of this kind (firewalld: XML for *.xml). */
enum comment_style comment_style_of(enum input_kind kind, const char *file);

/* Record the directives in the comments of in's text (data: len bytes, NUL
 * terminated); malformed ones are input errors of in at their line. */
void suppress_scan(struct input *in, const char *data, size_t len);
/* The same for the text of a file read on in's behalf (an include). */
void suppress_scan_file(struct input *in, const char *file, enum comment_style cs,
			const char *data, size_t len);

/* Record the directives held in firewall rules' comments. */
void suppress_scan_rules(struct origin *o);

/* Whether s no longer applies at time at. */
bool suppression_expired(const struct suppression *s, time_t at);

/* Record a suppression given as an option (--ignore, or "ignore =" in the
 * config file): "ID[,ID...] reason="..." [until=YYYY-MM-DD] [file=PATTERN]
 * [host=NAME]", covering every finding of those checks (in the files
 * PATTERN matches, about host NAME); where:line is where it was written.
 * NULL, or the problem (the caller frees it). */
char *suppress_add_option(struct origin *o, const char *text, const char *where, unsigned line);

/* Mark the findings an unexpired directive covers. */
void suppress_apply(struct audit *a);

#endif
