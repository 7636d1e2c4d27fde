/* iptables-xml output (<iptables-rules><table><chain><rule>...): translated
 * back to the iptables-save lines it came from and read by parse_iptables,
 * so there is one iptables parser. Each line is placed at the line number of
 * its XML element, so messages and findings point into the XML file. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "util.h"

/* The translated text, one slot per line of the XML file. */
struct lines {
	size_t n;
	char **v;
};

static void
put_line(struct lines *l, long line, char *text)
{
	size_t i = line > 0 ? (size_t)line - 1 : 0;

	/* iptables-xml writes one element per line; should two share a line,
	 * the later one takes the next free slot */
	while (i < l->n && l->v[i])
		i++;
	if (i >= l->n) {
		l->v = xreallocarray(l->v, i + 1, sizeof(*l->v));
		memset(l->v + l->n, 0, (i + 1 - l->n) * sizeof(*l->v));
		l->n = i + 1;
	}
	l->v[i] = text;
}

static bool
is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && (name == NULL || xmlStrcmp(n->name, BAD_CAST name) == 0);
}

static void
add_text(struct buf *b, const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s = t ? (const char *)t : "";
	bool quote = strpbrk(s, " \t\"") != NULL || *s == '\0';

	if (quote) {
		buf_adds(b, " \"");
		for (; *s; s++) {
			if (*s == '"' || *s == '\\')
				buf_add(b, "\\", 1);
			buf_add(b, s, 1);
		}
		buf_adds(b, "\"");
	} else {
		buf_addf(b, " %s", s);
	}
	xmlFree(t);
}

static bool
inverted(const xmlNode *n)
{
	xmlChar *inv = xmlGetProp(n, BAD_CAST "invert");
	bool yes = inv && xmlStrcmp(inv, BAD_CAST "1") == 0;

	xmlFree(inv);
	return yes;
}

static bool
has_elements(const xmlNode *n)
{
	const xmlNode *c;

	for (c = n->children; c; c = c->next)
		if (is_elem(c, NULL))
			return true;
	return false;
}

/* <opt>value</opt> or <opt/>: "[!] --opt [value]" ("-x" for the core <match>). */
static void
add_options(struct buf *b, const xmlNode *parent, const char *dash)
{
	const xmlNode *o;

	for (o = parent->children; o; o = o->next) {
		xmlChar *t;

		if (!is_elem(o, NULL))
			continue;
		if (inverted(o))
			buf_adds(b, " !");
		buf_addf(b, " %s%s", dash, (const char *)o->name);
		t = xmlNodeGetContent(o);
		if (t && *t)
			add_text(b, o);
		xmlFree(t);
	}
}

static void
add_conditions(struct buf *b, const xmlNode *cond)
{
	const xmlNode *m;

	for (m = cond->children; m; m = m->next) {
		if (!is_elem(m, NULL))
			continue;
		if (is_elem(m, "match")) {
			add_options(b, m, "-");
			continue;
		}
		buf_addf(b, " -m %s", (const char *)m->name);
		add_options(b, m, "--");
	}
}

static void
add_actions(struct buf *b, const xmlNode *acts)
{
	const xmlNode *a;
	const xmlNode *t;

	for (a = acts->children; a; a = a->next) {
		if (!is_elem(a, NULL))
			continue;
		if (is_elem(a, "call") || is_elem(a, "goto")) {
			for (t = a->children; t && !is_elem(t, NULL); t = t->next)
				;
			if (t)
				buf_addf(b, " %s %s", is_elem(a, "goto") ? "-g" : "-j",
					 (const char *)t->name);
			continue;
		}
		buf_addf(b, " -j %s", (const char *)a->name);
		if (has_elements(a))
			add_options(b, a, "--");
	}
}

static void
translate_rule(struct lines *l, const xmlNode *chain_name_node, const char *chain,
	       const xmlNode *rule)
{
	struct buf b = {NULL, 0, 0};
	const xmlNode *c;

	(void)chain_name_node;
	buf_addf(&b, "-A %s", chain);
	for (c = rule->children; c; c = c->next) {
		if (is_elem(c, "conditions"))
			add_conditions(&b, c);
		else if (is_elem(c, "actions"))
			add_actions(&b, c);
	}
	put_line(l, xmlGetLineNo(rule), buf_take(&b));
}

static void
translate_chain(struct lines *l, const xmlNode *chain)
{
	xmlChar *name = xmlGetProp(chain, BAD_CAST "name");
	xmlChar *policy = xmlGetProp(chain, BAD_CAST "policy");
	const xmlNode *r;

	if (name == NULL) {
		put_line(l, xmlGetLineNo(chain), xstrdup("<chain> without a name"));
		xmlFree(policy);
		return;
	}
	put_line(l, xmlGetLineNo(chain),
		 xasprintf(":%s %s [0:0]", (const char *)name, policy ? (const char *)policy : "-"));
	for (r = chain->children; r; r = r->next)
		if (is_elem(r, "rule"))
			translate_rule(l, chain, (const char *)name, r);
	xmlFree(name);
	xmlFree(policy);
}

static void
translate_table(struct lines *l, const xmlNode *table, long last_line)
{
	xmlChar *name = xmlGetProp(table, BAD_CAST "name");
	const xmlNode *c;
	long end = last_line;

	put_line(l, xmlGetLineNo(table), xasprintf("*%s", name ? (const char *)name : ""));
	xmlFree(name);
	for (c = table->children; c; c = c->next) {
		if (is_elem(c, "chain"))
			translate_chain(l, c);
		if (c->line > 0 && (long)c->line > end)
			end = c->line;
	}
	/* COMMIT goes after the table's last line: the next table, or the end */
	put_line(l, table->next && xmlGetLineNo(table->next) > 0 ? xmlGetLineNo(table->next)
								 : end + 1,
		 xstrdup("COMMIT"));
}

bool
is_iptables_xml(const char *data, size_t len)
{
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
		i++;
	return i < len && data[i] == '<';
}

void
parse_iptables_xml(struct origin *o, struct input *in, const char *data, size_t len,
		   enum family fam)
{
	xmlDoc *doc;
	const xmlNode *root;
	const xmlNode *t;
	struct lines l = {0, NULL};
	struct buf text = {NULL, 0, 0};
	const xmlError *err;
	size_t i;

	if (len > INT32_MAX) {
		input_error(in, 0, "file too large for the XML reader");
		return;
	}
	/* no network, no entity expansion, no DTD loading: hostile input */
	doc = xmlReadMemory(data, (int)len, in->file, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
								  XML_PARSE_NOWARNING);
	if (doc == NULL) {
		err = xmlGetLastError();
		input_error(in, err ? (unsigned)err->line : 0, "not well-formed XML: %s",
			    err && err->message ? err->message : "parse error");
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is_elem(root, "iptables-rules")) {
		input_error(in, root ? (unsigned)xmlGetLineNo(root) : 1,
			    "not iptables-xml output (the root element is not <iptables-rules>)");
		xmlFreeDoc(doc);
		return;
	}
	for (t = root->children; t; t = t->next)
		if (is_elem(t, "table"))
			translate_table(&l, t, xmlGetLineNo(t));
	for (i = 0; i < l.n; i++) {
		if (l.v[i])
			buf_adds(&text, l.v[i]);
		buf_adds(&text, "\n");
		free(l.v[i]);
	}
	free(l.v);
	xmlFreeDoc(doc);
	if (text.p)
		parse_iptables(o, in, text.p, text.len, fam);
	buf_free(&text);
}
