/* Inline suppressions: the scanner in each comment syntax, the directive's
 * grammar and its errors, rule comments, and which findings they cover. */
#include "checks.h"
#include "suppress.h"
#include "unit.h"
#include "util.h"

static struct audit a;

static struct input *
fresh(enum input_kind kind, const char *file)
{
	audit_free(&a);
	memset(&a, 0, sizeof(a));
	return origin_add_input(&a.origin, kind, file);
}

static void
scan(struct input *in, const char *text)
{
	suppress_scan(in, text, strlen(text));
}

static const struct suppression *
supp(size_t i)
{
	return i < a.origin.nsupp ? &a.origin.supps[i] : NULL;
}

static void
hash_comments(void)
{
	struct input *in = fresh(IN_IPTABLES, "/etc/iptables/rules.v4");

	scan(in, "*filter\n"
		 "# cfaudit: ignore CF522-FW-DROP reason=\"fail2ban jail\"\n"
		 "-A INPUT -s 1.2.3.4 -j DROP\n"
		 "#cfaudit: ignore CF521-FW-REJECT,CF522-FW-DROP reason=legacy until=2027-01-31\n"
		 "# another comment\n"
		 "\n"
		 "-A INPUT -j REJECT\n"
		 "# mentions cfaudit: ignore X, but not first: prose\n"
		 "-A INPUT -m comment --comment \"a # b\" -j DROP\n"
		 "COMMIT\n");
	CHECK(in->status == IN_OK);
	CHECK(a.origin.nsupp == 3);
	CHECK_STR(supp(0)->id, "CF522-FW-DROP");
	CHECK_STR(supp(0)->reason, "fail2ban jail");
	CHECK(supp(0)->loc.line == 2 && supp(0)->last_line == 3);
	CHECK(!supp(0)->has_until);
	/* one directive, two checks; on a line of its own, it covers through
	 * the comments and blank lines to the next line of code */
	CHECK_STR(supp(1)->id, "CF521-FW-REJECT");
	CHECK_STR(supp(2)->id, "CF522-FW-DROP");
	CHECK(supp(1)->loc.line == 4 && supp(1)->last_line == 7);
	CHECK_STR(supp(1)->until_text, "2027-01-31");
	CHECK_STR(supp(1)->reason, "legacy");
}

static void
errors(void)
{
	struct input *in = fresh(IN_NGINX, "/etc/nginx/nginx.conf");

	scan(in, "# cfaudit: ignore CF522-FW-DROP\n"
		 "# cfaudit: ignore CF999-NOPE reason=x\n"
		 "# cfaudit: ignore CF522-FW-DROP reason=\"unterminated\n"
		 "# cfaudit: ignore CF522-FW-DROP reason=x until=tomorrow\n"
		 "# cfaudit: ignore CF522-FW-DROP reason=x because=y\n"
		 "# cfaudit: silence CF522-FW-DROP reason=x\n"
		 "# cfaudit: ignore reason=x\n"
		 "# cfaudit: ignore CF522-FW-DROP reason=\"\"\n");
	CHECK(a.origin.nsupp == 0);
	CHECK(in->status == IN_ERROR);
	CHECK(a.origin.ndiag == 8);
	CHECK(a.origin.diags[0].loc.line == 1);
	CHECK(strstr(a.origin.diags[0].msg, "reason") != NULL);
	CHECK(strstr(a.origin.diags[1].msg, "CF999-NOPE") != NULL);
	CHECK(strstr(a.origin.diags[2].msg, "quote") != NULL);
	CHECK(strstr(a.origin.diags[3].msg, "tomorrow") != NULL);
	CHECK(strstr(a.origin.diags[4].msg, "because") != NULL);
	CHECK(strstr(a.origin.diags[5].msg, "silence") != NULL);
	CHECK(a.origin.diags[7].loc.line == 8);
}

static void
other_syntaxes(void)
{
	struct input *in = fresh(IN_DNS, "/var/lib/bind/example.com.zone");

	scan(in, "$ORIGIN example.com.\n"
		 "www 300 IN A 192.0.2.1 ; cfaudit: ignore CF522-FW-DROP reason=\"moved\"\n");
	CHECK(in->status == IN_OK && a.origin.nsupp == 1);
	CHECK(supp(0)->loc.line == 2 && supp(0)->last_line == 3);

	in = fresh(IN_FIREWALLD, "/etc/firewalld/zones/public.xml");
	scan(in, "<?xml version=\"1.0\"?>\n"
		 "<zone>\n"
		 "  <!-- cfaudit: ignore CF522-FW-DROP reason=\"a\" -->\n"
		 "  <rule family=\"ipv4\"><drop/></rule>\n"
		 "  <!-- cfaudit: ignore CF521-FW-REJECT\n"
		 "       reason=\"spans lines\" until=2030-01-01 -->\n"
		 "\n"
		 "  <rule><reject/></rule> <!-- cfaudit: ignore CF522-FW-IPV6-ND reason=b -->\n"
		 "  <!-- a plain comment -->\n"
		 "</zone>\n");
	CHECK(in->status == IN_OK);
	CHECK(a.origin.nsupp == 3);
	CHECK(supp(0)->loc.line == 3 && supp(0)->last_line == 4);
	CHECK_STR(supp(1)->reason, "spans lines");
	CHECK(supp(1)->loc.line == 6 && supp(1)->last_line == 8);
	CHECK(supp(2)->loc.line == 8 && supp(2)->last_line == 9);

	/* firewalld.conf is not XML */
	CHECK(comment_style_of(IN_FIREWALLD, "/etc/firewalld/firewalld.conf") == CS_HASH);
	CHECK(comment_style_of(IN_APACHE, "/var/www/.htaccess") == CS_HASH);
}

static void
rule_comments(void)
{
	struct input *in = fresh(IN_IPTABLES, "/r.v4");
	struct chain *c = ruleset_add_chain(&a.origin.fw, "filter", "INPUT", FAM_BIT(FAM_V4),
					    (struct loc){in->file, 2});
	struct rule *r1 = chain_add_rule(c, (struct loc){in->file, 3});
	struct rule *r2 = chain_add_rule(c, (struct loc){in->file, 4});
	struct rule *r3 = chain_add_rule(c, (struct loc){in->file, 5});

	r1->comment = xstrdup("cfaudit: ignore CF522-FW-DROP reason=\"jail\"");
	r2->comment = xstrdup("ssh; cfaudit: ignore CF521-FW-REJECT reason='x'; more");
	r3->comment = xstrdup("cfaudit: ignore CF521-FW-REJECT");
	suppress_scan_rules(&a.origin);
	CHECK(a.origin.nsupp == 2);
	CHECK(supp(0)->loc.line == 3 && supp(0)->last_line == 3);
	CHECK_STR(supp(1)->id, "CF521-FW-REJECT");
	CHECK_STR(supp(1)->reason, "x");
	CHECK(in->status == IN_ERROR && a.origin.ndiag == 1 && a.origin.diags[0].loc.line == 5);
}

static void
apply(void)
{
	struct input *in = fresh(IN_IPTABLES, "/r.v4");
	struct finding *f;

	scan(in, "# cfaudit: ignore CF522-FW-DROP reason=r\n"
		 "-A INPUT -j DROP\n"
		 "-A INPUT -j DROP\n"
		 "# cfaudit: ignore CF522-FW-DROP reason=old until=2026-10-31\n"
		 "-A INPUT -j DROP\n");
	CHECK(a.origin.nsupp == 2);
	a.opt.at = 1793491200; /* 2026-11-01T00:00:00Z: the day after until= */
	audit_finding(&a, "CF522-FW-DROP", (struct loc){in->file, 2}, "covered");
	audit_finding(&a, "CF522-FW-DROP", (struct loc){in->file, 3}, "two lines after");
	audit_finding(&a, "CF521-FW-REJECT", (struct loc){in->file, 2}, "another check");
	audit_finding(&a, "CF522-FW-DROP", (struct loc){intern("/other"), 2}, "another file");
	audit_finding(&a, "CF522-FW-DROP", (struct loc){in->file, 5}, "expired");
	suppress_apply(&a);
	CHECK(a.findings[0].suppressed == supp(0));
	CHECK(a.findings[1].suppressed == NULL);
	CHECK(a.findings[2].suppressed == NULL);
	CHECK(a.findings[3].suppressed == NULL);
	CHECK(a.findings[4].suppressed == NULL);
	CHECK(supp(0)->used == 1);
	CHECK(suppression_expired(supp(1), a.opt.at));
	CHECK(!suppression_expired(supp(1), a.opt.at - 1));
	/* the expiry is a finding of its own */
	check_suppress_expired(&a);
	f = &a.findings[a.nfinding - 1];
	CHECK_STR(f->check->id, "CF000-SUPPRESS-EXPIRED");
	CHECK(f->loc.line == 4);
	CHECK(strstr(f->message, "2026-10-31") != NULL);
	/* suppressed findings never count */
	a.opt.fail_on = SEV_ERROR;
	a.findings[1].suppressed = supp(0);
	a.findings[2].suppressed = supp(0);
	a.findings[3].suppressed = supp(0);
	a.findings[4].baselined = true;
	CHECK(!finding_counts(&a.findings[0]));
	CHECK(finding_counts(&a.findings[5]));
}

int
main(void)
{
	RUN(hash_comments);
	RUN(errors);
	RUN(other_syntaxes);
	RUN(rule_comments);
	RUN(apply);
	audit_free(&a);
	return 0;
}
