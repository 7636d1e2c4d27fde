/* firewalld: zones become rules with the XML file and line as provenance;
 * a file firewalld refuses is an error at its line and the stock
 * configuration is what firewalld (and so the model) falls back to. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firewalld.h"
#include "root.h"
#include "unit.h"
#include "util.h"

static struct origin O;

static enum firewalld_state
load(const char *root)
{
	struct firewalld_dirs d = {"/etc/firewalld", false, "/usr/lib/firewalld"};

	origin_free(&O);
	memset(&O, 0, sizeof(O));
	if (!root_open(root))
		return FWD_DEAD;
	return firewalld_load(&O, &d);
}

/* The rule written at file:line, wherever firewalld's layout put it. */
static const struct rule *
rule_at(const char *suffix, unsigned line, enum action_kind kind)
{
	size_t i;
	size_t j;

	for (i = 0; i < O.fw.nchain; i++) {
		const struct chain *c = O.fw.chains[i];

		for (j = 0; j < c->nrule; j++) {
			const struct rule *r = c->rules[j];
			size_t n = strlen(r->loc.file);

			if (r->loc.line == line && r->act.kind == kind && n >= strlen(suffix) &&
			    strcmp(r->loc.file + n - strlen(suffix), suffix) == 0)
				return r;
		}
	}
	return NULL;
}

static void
rich_rule_reject(void)
{
	const struct rule *r;
	size_t k;
	bool src = false;

	CHECK(load("samples/firewalld-rich-reject") == FWD_LIVE);
	CHECK(O.ndiag == 0);
	CHECK(O.fw_seen[FAM_V4] && O.fw_seen[FAM_V6]);
	r = rule_at("/etc/firewalld/zones/public.xml", 8, A_REJECT);
	CHECK(r != NULL);
	for (k = 0; k < r->nmatch; k++)
		if (r->m[k].kind == M_SADDR && r->m[k].u.addrs.n == 1)
			src = true;
	CHECK(src);
	/* the services of the zone are accepted where they are written */
	CHECK(rule_at("/etc/firewalld/zones/public.xml", 7, A_ACCEPT) != NULL);
}

static void
malformed_zone_falls_back(void)
{
	char dir[] = "/tmp/cfaudit-fwd-XXXXXX";
	char *zones;
	char *file;
	FILE *f;
	char *cmd;
	int rc;

	CHECK(mkdtemp(dir) != NULL);
	cmd = xasprintf("cp -r samples/firewalld-rich-reject/. %s/", dir);
	rc = system(cmd);
	free(cmd);
	CHECK(rc == 0);
	zones = xasprintf("%s/etc/firewalld/zones", dir);
	file = xasprintf("%s/public.xml", zones);
	f = fopen(file, "w");
	CHECK(f != NULL);
	fputs("<?xml version=\"1.0\"?>\n<zone>\n  <service name=\"http\">\n</zone>\n", f);
	fclose(f);
	CHECK(load(dir) == FWD_FALLBACK);
	CHECK(O.ndiag >= 1);
	CHECK(strcmp(O.diags[0].loc.file, "/etc/firewalld/zones/public.xml") == 0);
	CHECK(O.diags[0].loc.line > 0);
	CHECK(strstr(O.diags[0].msg, "not well-formed XML") != NULL);
	CHECK(strstr(O.diags[0].msg, "firewalld refuses the configuration") != NULL);
	/* the user's reject is gone with the refused file */
	CHECK(rule_at("/etc/firewalld/zones/public.xml", 8, A_REJECT) == NULL);
	cmd = xasprintf("rm -rf %s", dir);
	rc = system(cmd);
	free(cmd);
	free(zones);
	free(file);
	CHECK(rc == 0);
}

/* Write text to root/rel (the directories exist). */
static void
put(const char *root, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

/* What firewalld 1.3 does with forms the sweep of real files met: a port by
 * service name (the root's /etc/services) or written backwards, a mark in
 * hex, an ipset entry laid out on lines of its own or of the other family
 * (ignored, the rest of the set loaded), direct.xml (said, not modelled). */
static void
firewalld_forms(void)
{
	char dir[] = "/tmp/cfaudit-fwd-XXXXXX";
	char *cmd;
	int rc;
	size_t i;
	bool ignored = false;
	bool direct = false;

	CHECK(mkdtemp(dir) != NULL);
	cmd = xasprintf("cp -r samples/firewalld-rich-reject/. %s/ && mkdir -p %s/etc/firewalld/ipsets",
			dir, dir);
	rc = system(cmd);
	free(cmd);
	CHECK(rc == 0);
	put(dir, "etc/services", "# names\nhttp\t\t80/tcp\t\twww\nhttps\t\t443/tcp\n");
	put(dir, "etc/firewalld/zones/public.xml",
	    "<?xml version=\"1.0\"?>\n<zone>\n  <port port=\"https\" protocol=\"tcp\"/>\n"
	    "  <port port=\"8090-8080\" protocol=\"tcp\"/>\n"
	    "  <rule family=\"ipv4\"><service name=\"http\"/><mark set=\"0x1/0xff\"/></rule>\n"
	    "  <source ipset=\"cf\"/>\n</zone>\n");
	put(dir, "etc/firewalld/ipsets/cf.xml",
	    "<?xml version=\"1.0\"?>\n<ipset type=\"hash:net\">\n  <entry>\n    173.245.48.0/20\n"
	    "  </entry>\n  <entry>103.21.244.0/22</entry>\n</ipset>\n");
	put(dir, "etc/firewalld/direct.xml",
	    "<?xml version=\"1.0\"?>\n<direct>\n  <rule priority=\"0\" table=\"filter\" "
	    "ipv=\"ipv4\" chain=\"INPUT\">-j DROP</rule>\n</direct>\n");
	CHECK(load(dir) == FWD_LIVE);
	for (i = 0; i < O.ndiag; i++) {
		ignored |= O.diags[i].loc.line == 3 && strstr(O.diags[i].msg, "firewalld ignores it");
		direct |= strstr(O.diags[i].loc.file, "direct.xml") != NULL;
		CHECK(strstr(O.diags[i].msg, "refuses") == NULL);
	}
	CHECK(ignored && direct && O.ndiag == 2);
	CHECK(rule_at("/etc/firewalld/zones/public.xml", 3, A_ACCEPT) != NULL);
	CHECK(rule_at("/etc/firewalld/zones/public.xml", 4, A_ACCEPT) != NULL);
	/* the set holds the one entry firewalld keeps */
	for (i = 0; i < O.nset; i++)
		if (strcmp(O.sets[i]->name, "cf") == 0)
			CHECK(O.sets[i]->addrs_ready ? O.sets[i]->addrs.n == 1 : true);
	cmd = xasprintf("rm -rf %s", dir);
	rc = system(cmd);
	free(cmd);
	CHECK(rc == 0);
}

int
main(void)
{
	RUN(rich_rule_reject);
	RUN(malformed_zone_falls_back);
	RUN(firewalld_forms);
	origin_free(&O);
	root_close();
	return 0;
}
