/* cfaudit: predict the Cloudflare 52x errors an origin's configuration causes.
 * The pipeline: discover and parse inputs -> origin model -> evaluators ->
 * checks -> reporters -> exit status (DESIGN.md). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "checks.h"
#include "discover.h"
#include "fw_eval.h"
#include "report.h"
#include "root.h"
#include "util.h"

#define EXIT_USAGE 3

static const char usage_text[] =
	"usage: cfaudit [options]          audit the server at / (or at --root DIR)\n"
	"  --root DIR                       audit the filesystem tree at DIR as if it were /\n"
	"  --iptables FILE                  iptables-save output for IPv4 (repeatable)\n"
	"  --ip6tables FILE                 ip6tables-save output (repeatable)\n"
	"  --ipset FILE                     ipset save output (repeatable)\n"
	"                                   (explicit files without --root: only they are read)\n"
	"  --host-addr ADDR                 this origin's public address (repeatable)\n"
	"  --public-iface IFACE             the interface Cloudflare's traffic arrives on\n"
	"  --ports LIST                     origin ports to evaluate (default 80,443)\n"
	"  --ssl-mode off|flexible|full|strict   Cloudflare SSL/TLS mode (default strict)\n"
	"  --ranges FILE                    Cloudflare ranges: CIDR lines or the API's JSON\n"
	"  --at TIME                        audit as of TIME (RFC 3339 or YYYY-MM-DD; default now)\n"
	"  --cf-NAME VALUE                  override a Cloudflare limit: connect-timeout,\n"
	"                                   ack-timeout, keepalive-interval, idle-timeout,\n"
	"                                   read-timeout, write-timeout, response-headers\n"
	"  --format text|json               output format (default text)\n"
	"  --output FILE                    write the report to FILE\n"
	"  --fail-on error|warning|info|never   exit 1 on findings this severe (default warning)\n"
	"  --color / --no-color             colour the text output (default: on a terminal,\n"
	"                                   unless NO_COLOR is set)\n"
	"  --list-checks                    list every check\n"
	"  --explain ID                     explain one check: cause, evidence, fix\n"
	"  --version, --help\n"
	"exit status: 0 clean, 1 findings at or above --fail-on, 2 audit incomplete,\n"
	"3 usage error\n";

enum {
	OPT_ROOT = 256,
	OPT_IPTABLES,
	OPT_IP6TABLES,
	OPT_IPSET,
	OPT_HOST_ADDR,
	OPT_PUBLIC_IFACE,
	OPT_PORTS,
	OPT_SSL_MODE,
	OPT_RANGES,
	OPT_AT,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_FAIL_ON,
	OPT_COLOR,
	OPT_NO_COLOR,
	OPT_LIST_CHECKS,
	OPT_EXPLAIN,
	OPT_VERSION,
	OPT_HELP,
	OPT_LIMIT /* + enum limit_id */
};

static const struct option long_options[] = {
	{"root", required_argument, NULL, OPT_ROOT},
	{"iptables", required_argument, NULL, OPT_IPTABLES},
	{"ip6tables", required_argument, NULL, OPT_IP6TABLES},
	{"ipset", required_argument, NULL, OPT_IPSET},
	{"host-addr", required_argument, NULL, OPT_HOST_ADDR},
	{"public-iface", required_argument, NULL, OPT_PUBLIC_IFACE},
	{"ports", required_argument, NULL, OPT_PORTS},
	{"ssl-mode", required_argument, NULL, OPT_SSL_MODE},
	{"ranges", required_argument, NULL, OPT_RANGES},
	{"at", required_argument, NULL, OPT_AT},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"output", required_argument, NULL, OPT_OUTPUT},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"color", no_argument, NULL, OPT_COLOR},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"list-checks", no_argument, NULL, OPT_LIST_CHECKS},
	{"explain", required_argument, NULL, OPT_EXPLAIN},
	{"version", no_argument, NULL, OPT_VERSION},
	{"help", no_argument, NULL, OPT_HELP},
	{"cf-connect-timeout", required_argument, NULL, OPT_LIMIT + LIM_CONNECT_TIMEOUT},
	{"cf-ack-timeout", required_argument, NULL, OPT_LIMIT + LIM_ACK_TIMEOUT},
	{"cf-keepalive-interval", required_argument, NULL, OPT_LIMIT + LIM_KEEPALIVE_INTERVAL},
	{"cf-idle-timeout", required_argument, NULL, OPT_LIMIT + LIM_IDLE_TIMEOUT},
	{"cf-read-timeout", required_argument, NULL, OPT_LIMIT + LIM_READ_TIMEOUT},
	{"cf-write-timeout", required_argument, NULL, OPT_LIMIT + LIM_WRITE_TIMEOUT},
	{"cf-response-headers", required_argument, NULL, OPT_LIMIT + LIM_RESPONSE_HEADERS},
	{NULL, 0, NULL, 0},
};

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cfaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\ntry 'cfaudit --help'\n", stderr);
	exit(EXIT_USAGE);
}

static void
add_file(struct options *opt, enum input_kind kind, const char *path)
{
	opt->file[kind] = xreallocarray(opt->file[kind], opt->nfile[kind] + 1, sizeof(char *));
	opt->file[kind][opt->nfile[kind]++] = path;
}

static void
parse_ports(struct options *opt, const char *list)
{
	char *copy = xstrdup(list);
	char *save = NULL;
	char *tok;
	unsigned long long v;

	opt->nport = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!parse_uint(tok, 1, 65535, &v))
			usage_error("--ports: \"%s\" is not a port (1-65535)", tok);
		if (opt->nport == ARRAY_LEN(opt->ports))
			usage_error("--ports: at most %zu ports", ARRAY_LEN(opt->ports));
		opt->ports[opt->nport++] = (uint16_t)v;
	}
	free(copy);
	if (opt->nport == 0)
		usage_error("--ports: empty list");
	opt->ports_given = true;
}

/* RFC 3339 ("2026-11-01T12:00:00Z", "...+02:00") or a plain date (UTC). */
static bool
parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *rest;
	int sign;
	int hh;
	int mm;

	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL) {
		memset(&tm, 0, sizeof(tm));
		rest = strptime(s, "%Y-%m-%d", &tm);
		if (rest == NULL || *rest != '\0')
			return false;
		*out = timegm(&tm);
		return true;
	}
	if (*rest == '.')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++)
			;
	*out = timegm(&tm);
	if (strcmp(rest, "Z") == 0 || strcmp(rest, "z") == 0)
		return true;
	if ((rest[0] != '+' && rest[0] != '-') || sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2 ||
	    strlen(rest) != 6)
		return false;
	sign = rest[0] == '+' ? 1 : -1;
	*out -= sign * (hh * 3600 + mm * 60);
	return true;
}

static void
add_host_addr(struct audit *a, const char *s)
{
	struct host_addr h;

	memset(&h, 0, sizeof(h));
	if (!addr_parse(s, &h.fam, &h.addr))
		usage_error("--host-addr: \"%s\" is not an IP address", s);
	VEC_PUSH(a->origin.addrs, a->origin.naddr, a->origin.addr_cap, h);
}

static void
list_checks(void)
{
	size_t i;

	for (i = 0; i < check_count; i++)
		printf("%-28s %-3s %-8s %s\n", check_table[i].id,
		       check_table[i].code ? "" : "-", severity_name(check_table[i].sev),
		       check_table[i].title);
}

static int
explain(const char *id)
{
	const struct check *c = check_find(id);

	if (c == NULL) {
		fprintf(stderr, "cfaudit: no check \"%s\" (see --list-checks)\n", id);
		return EXIT_USAGE;
	}
	printf("%s: %s\n", c->id, c->title);
	if (c->code)
		printf("Cloudflare error: %d; severity: %s\n\n", c->code, severity_name(c->sev));
	else
		printf("Cloudflare error: none predicted; severity: %s\n\n", severity_name(c->sev));
	printf("%s\n", c->explain);
	return 0;
}

static void
parse_args(struct audit *a, int argc, char **argv)
{
	struct options *opt = &a->opt;
	unsigned long long v;
	const char *color = NULL;
	int ch;

	opt->ssl_mode = SSL_STRICT;
	opt->fail_on = SEV_WARNING;
	opt->at = time(NULL);
	for (ch = 0; ch < LIM_COUNT; ch++)
		opt->limit[ch] = -1;
	while ((ch = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (ch) {
		case OPT_ROOT:
			opt->root = optarg;
			break;
		case OPT_IPTABLES:
			add_file(opt, IN_IPTABLES, optarg);
			break;
		case OPT_IP6TABLES:
			add_file(opt, IN_IP6TABLES, optarg);
			break;
		case OPT_IPSET:
			add_file(opt, IN_IPSET, optarg);
			break;
		case OPT_HOST_ADDR:
			add_host_addr(a, optarg);
			break;
		case OPT_PUBLIC_IFACE:
			opt->public_iface = optarg;
			break;
		case OPT_PORTS:
			parse_ports(opt, optarg);
			break;
		case OPT_SSL_MODE:
			if (strcmp(optarg, "off") == 0)
				opt->ssl_mode = SSL_OFF;
			else if (strcmp(optarg, "flexible") == 0)
				opt->ssl_mode = SSL_FLEXIBLE;
			else if (strcmp(optarg, "full") == 0)
				opt->ssl_mode = SSL_FULL;
			else if (strcmp(optarg, "strict") == 0 || strcmp(optarg, "full-strict") == 0)
				opt->ssl_mode = SSL_STRICT;
			else
				usage_error("--ssl-mode: \"%s\" is not off, flexible, full or strict",
					    optarg);
			break;
		case OPT_RANGES:
			opt->ranges_file = optarg;
			break;
		case OPT_AT:
			if (!parse_time(optarg, &opt->at))
				usage_error("--at: \"%s\" is not an RFC 3339 time or a date", optarg);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				opt->format = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				opt->format = FMT_JSON;
			else
				usage_error("--format: \"%s\" is not text or json", optarg);
			break;
		case OPT_OUTPUT:
			opt->output = optarg;
			break;
		case OPT_FAIL_ON:
			if (!severity_parse(optarg, &opt->fail_on))
				usage_error("--fail-on: \"%s\" is not error, warning, info or never",
					    optarg);
			break;
		case OPT_COLOR:
			color = "yes";
			break;
		case OPT_NO_COLOR:
			color = "no";
			break;
		case OPT_LIST_CHECKS:
			list_checks();
			exit(0);
		case OPT_EXPLAIN:
			exit(explain(optarg));
		case OPT_VERSION:
			printf("cfaudit %s\n", CFAUDIT_VERSION);
			exit(0);
		case OPT_HELP:
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			if (ch >= OPT_LIMIT && ch < OPT_LIMIT + LIM_COUNT) {
				if (!parse_uint(optarg, 0, 1000000000, &v))
					usage_error("--%s: \"%s\" is not a number",
						    long_options[ch - OPT_ROOT].name, optarg);
				opt->limit[ch - OPT_LIMIT] = (long)v;
				break;
			}
			usage_error("unknown option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument \"%s\"", argv[optind]);
	if (color)
		opt->color = strcmp(color, "yes") == 0;
	else
		opt->color = getenv("NO_COLOR") == NULL && isatty(fileno(stdout)) && !opt->output;
	if (!opt->ports_given) {
		opt->ports[0] = 80;
		opt->ports[1] = 443;
		opt->nport = 2;
	}
	strftime(opt->at_text, sizeof(opt->at_text), "%Y-%m-%dT%H:%M:%SZ", gmtime(&opt->at));
}

static void
apply_limits(struct audit *a)
{
	int i;

	for (i = 0; i < LIM_COUNT; i++)
		if (a->opt.limit[i] >= 0)
			a->cf.limit[i] = a->opt.limit[i];
}

static void
evaluate(struct audit *a)
{
	struct eval_opts eo;

	memset(&eo, 0, sizeof(eo));
	eo.public_iface = a->opt.public_iface;
	eo.nport = a->opt.nport;
	eo.ports = a->opt.ports;
	fw_evaluate(&a->origin, &a->cf, &eo, &a->reach);
	a->fw_evaluated = true;
}

static int
write_report(struct audit *a)
{
	FILE *out = stdout;
	bool ok = true;

	if (a->opt.output && (out = fopen(a->opt.output, "w")) == NULL) {
		fprintf(stderr, "cfaudit: %s: %s\n", a->opt.output, strerror(errno));
		return EXIT_USAGE;
	}
	if (a->opt.format == FMT_JSON)
		ok = report_json(out, a);
	else
		report_text(out, a);
	if (fflush(out) != 0 || ferror(out))
		ok = false;
	if (out != stdout && fclose(out) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "cfaudit: could not write the report\n");
		return 2;
	}
	return audit_exit_status(a);
}

int
main(int argc, char **argv)
{
	struct audit a;
	int status;

	memset(&a, 0, sizeof(a));
	parse_args(&a, argc, argv);
	if (a.opt.root && !root_open(a.opt.root)) {
		fprintf(stderr, "cfaudit: --root %s: %s\n", a.opt.root, strerror(errno));
		return EXIT_USAGE;
	}
	ranges_builtin(&a.cf);
	discover_and_parse(&a);
	apply_limits(&a);
	report_diags(stderr, &a);
	evaluate(&a);
	checks_run(&a);
	status = write_report(&a);
	audit_free(&a);
	root_close();
	return status;
}
