/* parse_ipset: model contents for each set type, the exact messages of
 * must-fail input, and the speed a million-member set needs. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "parse.h"
#include "unit.h"
#include "util.h"

/* parse_ipset.c: its bsearch tables are in order */
bool ipset_tables_sorted(void);

static struct origin O;
static struct input *IN;

static void
parse_more(const char *text)
{
	IN = origin_add_input(&O, IN_IPSET, "/etc/iptables/ipsets");
	parse_ipset(&O, IN, text, strlen(text));
}

static void
parse(const char *text)
{
	origin_free(&O);
	parse_more(text);
}

static struct ipset *
set(const char *name)
{
	return origin_find_set(&O, name);
}

/* The message of the only diagnostic, at line `line`. */
static const char *
only_error(unsigned line)
{
	if (O.ndiag != 1 || O.diags[0].loc.line != line)
		return NULL;
	return O.diags[0].msg;
}

static void
test_tables_sorted(void)
{
	CHECK(ipset_tables_sorted());
}

static void
test_hash_net(void)
{
	struct ipset *s;

	parse("create cf hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval "
	      "0x5c8a5e0b comment\n"
	      "add cf 173.245.48.0/20 comment \"Cloudflare range\"\n"
	      "add cf 10.0.0.1\n"
	      "add cf 192.168.0.0-192.168.0.255\n"
	      "add cf 10.0.0.0/30 nomatch\n");
	CHECK(O.ndiag == 0);
	s = set("cf");
	CHECK(s && strcmp(s->type, "hash:net") == 0 && s->fam == FAM_V4 && s->loc.line == 1);
	CHECK(s->ndim == 1 && s->dim[0] == DIM_ADDR && set_size(s) == 4);
	CHECK(set_member(s, 0).lo == 0xadf53000u && set_member(s, 0).hi == 0xadf53fffu &&
	      set_member(s, 0).line == 2 && !set_member(s, 0).nomatch);
	CHECK(set_member(s, 1).lo == 0x0a000001u && set_member(s, 1).hi == 0x0a000001u);
	CHECK(set_member(s, 2).lo == 0xc0a80000u && set_member(s, 2).hi == 0xc0a800ffu);
	CHECK(set_member(s, 3).nomatch && set_member(s, 3).lo == 0x0a000000u &&
	      set_member(s, 3).hi == 0x0a000003u);
	origin_finish(&O);
	CHECK(s->addrs_ready && s->addrs.n == 2); /* 10.0.0.1 is inside the nomatch /30 */
}

static void
test_hash_ip_v6(void)
{
	struct ipset *s;

	parse("create v6 hash:ip family inet6 hashsize 1024 maxelem 65536 timeout 600\n"
	      "add v6 2400:cb00::1 timeout 300\n"
	      "add v6 2400:cb00::2 packets 3 bytes 180\n"
	      "create m hash:ip family inet netmask 24\n"
	      "add m 1.2.3.4\n");
	CHECK(O.ndiag == 0);
	s = set("v6");
	CHECK(s && s->fam == FAM_V6 && set_size(s) == 2);
	CHECK(set_member(s, 0).lo == (((u128)0x2400cb00u << 96) | 1));
	s = set("m");
	CHECK(s && set_member(s, 0).lo == 0x01020300u && set_member(s, 0).hi == 0x010203ffu);
}

static void
test_port_types(void)
{
	struct ipset *s;

	parse("create ipp hash:ip,port family inet\n"
	      "add ipp 1.2.3.4,tcp:443\n"
	      "add ipp 1.2.3.4,80\n"
	      "add ipp 1.2.3.4,udp:53-54\n"
	      "add ipp 1.2.3.4,icmp:8/0\n"
	      "add ipp 1.2.3.4,icmp:echo-request\n"
	      "add ipp 1.2.3.4,gre:0\n"
	      "create npn hash:net,port,net\n"
	      "add npn 10.0.0.0/8,tcp:443,192.168.1.0/24\n"
	      "create ipi hash:ip,port,ip\n"
	      "add ipi 1.1.1.1,sctp:5000,2.2.2.2\n"
	      "create bp bitmap:port range 0-1024\n"
	      "add bp 80\n"
	      "add bp 100-200\n");
	CHECK(O.ndiag == 0);
	s = set("ipp");
	CHECK(s && s->ndim == 2 && s->dim[0] == DIM_ADDR && s->dim[1] == DIM_PORT);
	CHECK(s->nelem == 6);
	CHECK(s->elem[0].proto == PROTO_TCP && s->elem[0].plo == 443 && s->elem[0].phi == 443);
	CHECK(s->elem[1].proto == PROTO_TCP && s->elem[1].plo == 80);
	CHECK(s->elem[2].proto == PROTO_UDP && s->elem[2].plo == 53 && s->elem[2].phi == 54);
	CHECK(s->elem[3].proto == PROTO_ICMP && s->elem[3].plo == 0x800);
	CHECK(s->elem[4].proto == PROTO_ICMP);
	CHECK(s->elem[5].proto == 47 && s->elem[5].plo == 0);
	s = set("npn");
	CHECK(s && s->ndim == 3 && s->dim[2] == DIM_ADDR);
	CHECK(s->elem[0].lo == 0x0a000000u && s->elem[0].hi == 0x0affffffu);
	CHECK(s->elem[0].lo2 == 0xc0a80100u && s->elem[0].hi2 == 0xc0a801ffu);
	s = set("ipi");
	CHECK(s && s->elem[0].proto == 132 && s->elem[0].lo2 == 0x02020202u);
	s = set("bp");
	CHECK(s && s->ndim == 1 && s->dim[0] == DIM_PORT && s->nelem == 2);
	CHECK(s->elem[0].proto == 0 && s->elem[0].plo == 80 && s->elem[1].phi == 200);
}

static void
test_other_types(void)
{
	struct ipset *s;

	parse("create ifs hash:net,iface\n"
	      "add ifs 10.0.0.0/8,eth0\n"
	      "add ifs 10.0.0.0/8,physdev:veth1 nomatch\n"
	      "create mk hash:ip,mark\n"
	      "add mk 1.2.3.4,0x10\n"
	      "create mac hash:mac\n"
	      "add mac 00:11:22:33:44:55\n"
	      "create ipmac bitmap:ip,mac range 10.0.0.0/24\n"
	      "add ipmac 10.0.0.5,00:11:22:33:44:55\n"
	      "add ipmac 10.0.0.6\n"
	      "create bip bitmap:ip range 192.168.0.0-192.168.0.255 netmask 30\n"
	      "add bip 192.168.0.5\n"
	      "create nn hash:net,net\n"
	      "add nn 10.0.0.0/8,172.16.0.0/12\n"
	      "create old iphash\n"
	      "add old 9.9.9.9\n"
	      "create lst list:set size 8\n"
	      "add lst ifs\n"
	      "add lst mac before ifs\n");
	CHECK(O.ndiag == 0);
	s = set("ifs");
	CHECK(s && s->ndim == 2 && s->dim[1] == DIM_IFACE && s->nelem == 2);
	CHECK_STR(s->elem[0].iface, "eth0");
	CHECK_STR(s->elem[1].iface, "physdev:veth1");
	CHECK(s->elem[1].nomatch);
	/* a mark or a MAC: no dimension a probe can be looked up in */
	CHECK(set("mk")->ndim == 0 && set("mk")->nelem == 1);
	CHECK(set("mac")->ndim == 0 && set("mac")->nelem == 1);
	CHECK(set("ipmac")->ndim == 0 && set("ipmac")->nelem == 2);
	s = set("bip");
	CHECK(s && s->ndim == 1 && set_member(s, 0).lo == 0xc0a80004u &&
	      set_member(s, 0).hi == 0xc0a80007u);
	s = set("nn");
	CHECK(s && s->elem[0].hi == 0x0affffffu && s->elem[0].lo2 == 0xac100000u);
	s = set("old");
	CHECK(s && strcmp(s->type, "hash:ip") == 0 && set_size(s) == 1);
	s = set("lst");
	CHECK(s && s->ndim == 1 && s->dim[0] == DIM_SETNAME && s->nelem == 2);
	CHECK_STR(s->elem[0].member, "ifs");
}

static void
test_exist(void)
{
	parse("create a hash:ip\ncreate a hash:ip\n");
	CHECK_STR(only_error(2), "set \"a\" already exists (/etc/iptables/ipsets:1)");
	parse("create a hash:ip\ncreate a hash:ip -exist\nadd a 1.1.1.1\n-! create a hash:ip\n");
	CHECK(O.ndiag == 0 && set_size(set("a")) == 1);
	parse("-exist\ncreate a hash:ip\ncreate a hash:ip\ncreate a hash:net\n");
	CHECK_STR(only_error(4), "set \"a\" already exists (/etc/iptables/ipsets:2)");
	/* duplicate members are fine */
	parse("create a hash:ip\nadd a 1.1.1.1\nadd a 1.1.1.1\n");
	CHECK(O.ndiag == 0 && set_size(set("a")) == 2);
	/* a set from an earlier input */
	parse("create a hash:ip\n");
	parse_more("add a 2.2.2.2\ncreate a hash:ip\n");
	CHECK(O.ndiag == 1 && set_size(set("a")) == 1);
}

static void
test_errors(void)
{
	parse("add nope 1.2.3.4\n");
	CHECK_STR(only_error(1), "add to set \"nope\", which does not exist");
	parse("create a hash:ip\nadd a 2001:db8::1\n");
	CHECK_STR(only_error(2), "\"2001:db8::1\" is an IPv6 address; set \"a\" is family inet");
	parse("create a hash:ip family inet6\nadd a 1.2.3.4\n");
	CHECK_STR(only_error(2), "\"1.2.3.4\" is an IPv4 address; set \"a\" is family inet6");
	parse("create a hash:net\nadd a 1.2.3.0/33\n");
	CHECK_STR(only_error(2), "bad element \"1.2.3.0/33\" for hash:net set \"a\"");
	parse("create a hash:net\nadd a 0.0.0.0/0\n");
	CHECK_STR(only_error(2),
	          "\"0.0.0.0/0\": a /0 network cannot be stored in hash:net set \"a\"");
	parse("create a hash:ip,port\nadd a 1.2.3.4\n");
	CHECK_STR(only_error(2), "bad element \"1.2.3.4\" for hash:ip,port set \"a\" (1 parts, 2 "
	                         "expected)");
	parse("create a hash:ip,port\nadd a 1.2.3.4,tcp:99999\n");
	CHECK_STR(only_error(2), "bad port \"tcp:99999\" in set \"a\"");
	parse("create a hash:ip\nadd a 1.2.3.4 nomatch\n");
	CHECK_STR(only_error(2), "nomatch is only for sets of networks, not hash:ip");
	parse("create a hash:ipx\nadd a 1.2.3.4\nadd a 1.2.3.5\n");
	CHECK_STR(only_error(1), "unknown set type \"hash:ipx\"");
	parse("create a hash:ip foo 1\nadd a 1.1.1.1\n");
	CHECK_STR(only_error(1), "unknown create option \"foo\"");
	parse("create a bitmap:ip\n");
	CHECK_STR(only_error(1), "bitmap:ip set \"a\" needs a range");
	parse("create a bitmap:ip range 10.0.0.0/24\nadd a 10.0.1.1\n");
	CHECK_STR(only_error(2), "\"10.0.1.1\" is outside the range of set \"a\"");
	parse("create a list:set\nadd a b\n");
	CHECK_STR(only_error(2), "set \"b\" added to list:set \"a\" does not exist");
	parse("create a hash:mac\nadd a 00:11:22:33:44\n");
	CHECK_STR(only_error(2), "bad MAC address \"00:11:22:33:44\" in set \"a\"");
	parse("create a hash:ip\nadd a 1.1.1.1 comment \"unterminated\n");
	CHECK_STR(only_error(2), "unterminated quote");
	parse("list\n");
	CHECK_STR(only_error(1), "unknown command \"list\" (ipset save format: create, add, ...)");
	parse("create a-very-long-set-name-of-more-than-31 hash:ip\n");
	CHECK_STR(only_error(1), "set name \"a-very-long-set-name-of-more-than-31\" is longer than "
	                         "31 characters");
	parse("create a hash:ip\nadd a 1.1.1.1\0\nadd a 1.1.1.2\n");
	CHECK(O.ndiag == 0); /* strlen stops at the NUL: see test_nul */
	CHECK(IN->status == IN_OK);
}

static void
test_nul(void)
{
	static const char text[] = "create a hash:ip\nadd a 1.1.1.1\0\nadd a 1.1.1.2\r\n";

	origin_free(&O);
	IN = origin_add_input(&O, IN_IPSET, "/etc/iptables/ipsets");
	parse_ipset(&O, IN, text, sizeof(text) - 1);
	CHECK_STR(only_error(2), "NUL byte in the line");
	CHECK(set_size(set("a")) == 1 && set_member(set("a"), 0).lo == 0x01010102u);
}

static void
test_commands(void)
{
	parse("create a hash:ip\ncreate b hash:ip\nadd a 1.1.1.1\nadd b 2.2.2.2\nadd b 3.3.3.3\n"
	      "swap a b\ndel a 2.2.2.2\nrename b c\nflush a\ncreate d hash:net\ndestroy d\n");
	CHECK(O.ndiag == 0);
	CHECK(set("a") && set_size(set("a")) == 0);
	CHECK(set("b") == NULL && set("c") && set_size(set("c")) == 1);
	CHECK(set_member(set("c"), 0).lo == 0x01010101u);
	CHECK(set("d") == NULL && O.nset == 2);
	parse("create a hash:ip\ndel a 1.1.1.1\n-exist\ndel a 1.1.1.1\ndestroy\n");
	CHECK_STR(only_error(2), "del: \"1.1.1.1\" is not in set \"a\"");
	CHECK(O.nset == 0);
	parse("create a hash:ip\ncreate b hash:net\nswap a b\n");
	CHECK_STR(only_error(3), "swap: sets \"a\" and \"b\" have different types or families");
}

static void
test_million(void)
{
	struct buf b = {0};
	clock_t t0;
	double secs;
	unsigned i;

	buf_adds(&b, "create big hash:net family inet hashsize 1048576 maxelem 2000000\n");
	for (i = 0; i < 1000000; i++)
		buf_addf(&b, "add big %u.%u.%u.0/24\n", 1 + (i >> 16), (i >> 8) & 255, i & 255);
	t0 = clock();
	parse(b.p);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	buf_free(&b);
	printf("# 1,000,000 add lines: %.2f s\n", secs);
	CHECK(O.ndiag == 0 && set_size(set("big")) == 1000000);
	CHECK(set_member(set("big"), 999999).line == 1000001);
	CHECK(secs < 5.0);
}

int
main(void)
{
	RUN(test_tables_sorted);
	RUN(test_hash_net);
	RUN(test_hash_ip_v6);
	RUN(test_port_types);
	RUN(test_other_types);
	RUN(test_exist);
	RUN(test_errors);
	RUN(test_nul);
	RUN(test_commands);
	RUN(test_million);
	origin_free(&O);
	return 0;
}
