/* cfaudit: predict the Cloudflare 52x errors an origin's configuration causes.
 * The pipeline: discover and parse inputs -> origin model -> evaluators ->
 * checks -> reporters -> exit status (DESIGN.md). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "baseline.h"
#include "checks.h"
#include "config.h"
#include "discover.h"
#include "fleet.h"
#include "fw_eval.h"
#include "hosts.h"
#include "report.h"
#include "root.h"
#include "sandbox.h"
#include "suppress.h"
#include "tls_eval.h"
#include "util.h"

#define EXIT_USAGE 3

/* --baseline, read once before any audit (a fleet's children share it). */
static struct baseline baseline;
/* The config file's settings; file is set while they are being parsed. */
static struct config config;
static const char *config_file;
/* --color / --no-color ("yes", "no"), NULL: decided by the terminal */
static const char *color;
static bool host_addr_given; /* on the command line */

static const char usage_text[] =
	"usage: cfaudit [options]          audit the server at / (or at --root DIR)\n"
	"  --root DIR                       audit the filesystem tree at DIR as if it were /\n"
	"  --iptables FILE                  iptables-save output for IPv4 (repeatable)\n"
	"  --ip6tables FILE                 ip6tables-save output (repeatable)\n"
	"  --ipset FILE                     ipset save output (repeatable)\n"
	"  --nft FILE                       nftables ruleset: nft -f input or nft list ruleset\n"
	"                                   output (repeatable; includes are read inside the root)\n"
	"  --nginx FILE                     nginx's main configuration file, or an nginx -T\n"
	"                                   dump (repeatable; includes are read inside the root)\n"
	"  --apache FILE                    Apache httpd's main configuration file (repeatable;\n"
	"                                   includes and .htaccess files are read inside the root)\n"
	"  --firewalld DIR                  a directory laid out like /etc/firewalld (stock\n"
	"                                   zones and services from the root's /usr/lib/firewalld)\n"
	"                                   (explicit files without --root: only they are read)\n"
	"  --live                           audit the running kernel's firewall (nftables and\n"
	"                                   iptables-nft rules, ipsets, over netlink; needs\n"
	"                                   CAP_NET_ADMIN), addresses and listening sockets\n"
	"                                   instead of firewall files (web server files are\n"
	"                                   still read from the root)\n"
	"  --dns FILE                       the DNS records that point here: a Cloudflare zone\n"
	"                                   export (BIND format; its cf_tags say which records\n"
	"                                   are proxied) or NAME A|AAAA|CNAME VALUE [proxied|\n"
	"                                   dns-only] lines (repeatable); adds the per-hostname\n"
	"                                   verdicts\n"
	"  --host-addr ADDR                 this origin's public address (repeatable)\n"
	"  --public-iface IFACE             the interface Cloudflare's traffic arrives on\n"
	"  --ports LIST                     origin ports to evaluate (default: the web servers'\n"
	"                                   ports Cloudflare proxies; 80,443 without one)\n"
	"  --ssl-mode off|flexible|full|strict   Cloudflare SSL/TLS mode (default strict)\n"
	"  --ranges FILE                    Cloudflare ranges: CIDR lines or the API's JSON\n"
	"  --at TIME                        audit as of TIME (RFC 3339 or YYYY-MM-DD; default now)\n"
	"  --ca FILE                        the zone's custom origin trust store (PEM): Full\n"
	"                                   (strict) then trusts only it, instead of public CAs\n"
	"                                   (the root's CA bundle) and Cloudflare Origin CA\n"
	"  --crl FILE                       certificate revocation lists (PEM or DER)\n"
	"  --expiry-warn DAYS               warn about certificates expiring within DAYS\n"
	"                                   (default 14)\n"
	"  --cf-NAME VALUE                  override a Cloudflare limit: connect-timeout,\n"
	"                                   ack-timeout, keepalive-interval, idle-timeout,\n"
	"                                   read-timeout, write-timeout, response-headers\n"
	"  --format text|json|sarif|junit   output format (default text)\n"
	"  --output FILE                    write the report to FILE instead of stdout\n"
	"  --output FORMAT:FILE             also write a report in FORMAT to FILE (repeatable)\n"
	"  --fail-on error|warning|info|never   exit 1 on findings this severe (default warning)\n"
	"  --severity ID=error|warning|info  change one check's severity (repeatable)\n"
	"  --ignore 'ID[,ID] reason=\"...\" [until=YYYY-MM-DD] [file=PATTERN] [host=NAME]'\n"
	"                                   suppress a check's findings (in the files PATTERN\n"
	"                                   matches, about host NAME) (repeatable)\n"
	"  --baseline FILE                  findings whose fingerprint FILE lists do not count\n"
	"  --write-baseline FILE            write the fingerprints of the findings to FILE\n"
	"  --config FILE                    defaults from FILE (default ./.cfaudit.conf):\n"
	"                                   \"key = value\" lines, keys as the long options\n"
	"  --no-config                      read no config file\n"
	"fleet runs (several --root DIR):\n"
	"  --jobs N                         audit N roots at once (default 1)\n"
	"  --output-dir DIR                 write each root's reports into DIR (default .):\n"
	"                                   NAME.EXT, NAME-FILE for --output [FORMAT:]FILE,\n"
	"                                   NAME being the root's path with / as _\n"
	"  --aggregate FILE                 the JSON Lines summary, one line per root\n"
	"                                   (default: standard output)\n"
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
	OPT_NFT,
	OPT_NGINX,
	OPT_APACHE,
	OPT_FIREWALLD,
	OPT_LIVE,
	OPT_DNS,
	OPT_HOST_ADDR,
	OPT_PUBLIC_IFACE,
	OPT_PORTS,
	OPT_SSL_MODE,
	OPT_RANGES,
	OPT_AT,
	OPT_CA,
	OPT_CRL,
	OPT_EXPIRY_WARN,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_FAIL_ON,
	OPT_SEVERITY,
	OPT_IGNORE,
	OPT_BASELINE,
	OPT_WRITE_BASELINE,
	OPT_JOBS,
	OPT_OUTPUT_DIR,
	OPT_AGGREGATE,
	OPT_CONFIG,
	OPT_NO_CONFIG,
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
	{"nft", required_argument, NULL, OPT_NFT},
	{"nginx", required_argument, NULL, OPT_NGINX},
	{"apache", required_argument, NULL, OPT_APACHE},
	{"firewalld", required_argument, NULL, OPT_FIREWALLD},
	{"live", no_argument, NULL, OPT_LIVE},
	{"dns", required_argument, NULL, OPT_DNS},
	{"host-addr", required_argument, NULL, OPT_HOST_ADDR},
	{"public-iface", required_argument, NULL, OPT_PUBLIC_IFACE},
	{"ports", required_argument, NULL, OPT_PORTS},
	{"ssl-mode", required_argument, NULL, OPT_SSL_MODE},
	{"ranges", required_argument, NULL, OPT_RANGES},
	{"at", required_argument, NULL, OPT_AT},
	{"ca", required_argument, NULL, OPT_CA},
	{"crl", required_argument, NULL, OPT_CRL},
	{"expiry-warn", required_argument, NULL, OPT_EXPIRY_WARN},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"output", required_argument, NULL, OPT_OUTPUT},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"severity", required_argument, NULL, OPT_SEVERITY},
	{"ignore", required_argument, NULL, OPT_IGNORE},
	{"baseline", required_argument, NULL, OPT_BASELINE},
	{"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
	{"jobs", required_argument, NULL, OPT_JOBS},
	{"output-dir", required_argument, NULL, OPT_OUTPUT_DIR},
	{"aggregate", required_argument, NULL, OPT_AGGREGATE},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"no-config", no_argument, NULL, OPT_NO_CONFIG},
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

static const char *
option_name(int val)
{
	const struct option *o;

	for (o = long_options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	/* a bad setting in the config file is named by its file:line */
	if (config.file && optind > 0 && (size_t)optind <= config.n)
		fprintf(stderr, "%s:%u: ", config.file, config.lines[optind - 1]);
	else
		fputs("cfaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(config.file ? "\n" : "\ntry 'cfaudit --help'\n", stderr);
	exit(EXIT_USAGE);
}

/* --output FORMAT:FILE adds a report; --output FILE (no known format
 * before a colon) redirects the main one. "./json:x" names a file "json:x". */
static void
add_output(struct options *opt, const char *arg)
{
	const char *colon = strchr(arg, ':');
	struct output o;
	char *name;
	bool known;

	if (colon == NULL) {
		opt->output = arg;
		return;
	}
	name = xstrndup(arg, (size_t)(colon - arg));
	known = out_format_parse(name, &o.format);
	free(name);
	if (!known) {
		opt->output = arg;
		return;
	}
	if (colon[1] == '\0')
		usage_error("--output %s: no file name after the format", arg);
	o.file = colon + 1;
	VEC_PUSH(opt->outputs, opt->noutput, opt->output_cap, o);
}

/* --severity ID=LEVEL: the last one given for an ID wins. */
static void
add_severity(struct options *opt, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct sev_override o;
	char *id;
	size_t i;

	if (eq == NULL)
		usage_error("--severity: \"%s\" is not ID=error|warning|info", arg);
	id = xstrndup(arg, (size_t)(eq - arg));
	o.check = check_find(id);
	if (o.check == NULL)
		usage_error("--severity: no check \"%s\" (see --list-checks)", id);
	free(id);
	if (!severity_parse(eq + 1, &o.sev) || o.sev == SEV_NEVER)
		usage_error("--severity: \"%s\" is not error, warning or info", eq + 1);
	for (i = 0; i < opt->nsev; i++)
		if (opt->sevs[i].check == o.check) {
			opt->sevs[i].sev = o.sev;
			return;
		}
	VEC_PUSH(opt->sevs, opt->nsev, opt->sev_cap, o);
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

/* --ignore, or "ignore =" in the config file (recorded at its line). */
static void
add_ignore(struct audit *a, const char *text)
{
	bool from_config = config.file && optind > 0 && (size_t)optind <= config.n;
	char *err = suppress_add_option(&a->origin, text,
					from_config ? config.file : "--ignore",
					from_config ? config.lines[optind - 1] : 0);

	if (err)
		usage_error("%s", err);
}

static void
list_checks(void)
{
	size_t i;

	for (i = 0; i < check_count; i++) {
		char code[8] = "-";

		if (check_table[i].code)
			snprintf(code, sizeof(code), "%d", check_table[i].code);
		printf("%-28s %-3s %-8s %s\n", check_table[i].id, code,
		       severity_name(check_table[i].sev), check_table[i].title);
	}
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
	int ch;

	optind = 0; /* GNU: start over (the config file's settings came first) */
	while ((ch = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (ch) {
		case OPT_ROOT:
			VEC_PUSH(opt->roots, opt->nroot, opt->root_cap, optarg);
			opt->root = optarg;
			break;
		case OPT_JOBS:
			if (!parse_uint(optarg, 1, 1024, &v))
				usage_error("--jobs: \"%s\" is not a number from 1 to 1024", optarg);
			opt->jobs = (unsigned)v;
			break;
		case OPT_OUTPUT_DIR:
			opt->output_dir = optarg;
			break;
		case OPT_AGGREGATE:
			opt->aggregate = optarg;
			break;
		case OPT_CONFIG:
		case OPT_NO_CONFIG:
			break; /* read before the command line (read_config) */
		case OPT_IPTABLES:
			add_file(opt, IN_IPTABLES, optarg);
			break;
		case OPT_IP6TABLES:
			add_file(opt, IN_IP6TABLES, optarg);
			break;
		case OPT_IPSET:
			add_file(opt, IN_IPSET, optarg);
			break;
		case OPT_NFT:
			add_file(opt, IN_NFTABLES, optarg);
			break;
		case OPT_NGINX:
			add_file(opt, IN_NGINX, optarg);
			break;
		case OPT_APACHE:
			add_file(opt, IN_APACHE, optarg);
			break;
		case OPT_FIREWALLD:
			add_file(opt, IN_FIREWALLD, optarg);
			break;
		case OPT_LIVE:
			opt->live = true;
			break;
		case OPT_DNS:
			add_file(opt, IN_DNS, optarg);
			break;
		case OPT_IGNORE:
			add_ignore(a, optarg);
			break;
		case OPT_HOST_ADDR:
			/* the command line's addresses replace the config file's */
			if (config.file == NULL && !host_addr_given)
				a->origin.naddr = 0;
			host_addr_given |= config.file == NULL;
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
		case OPT_CA:
			opt->ca_file = optarg;
			break;
		case OPT_CRL:
			opt->crl_file = optarg;
			break;
		case OPT_EXPIRY_WARN:
			if (!parse_uint(optarg, 0, 36500, &v))
				usage_error("--expiry-warn: \"%s\" is not a number of days", optarg);
			opt->expiry_warn = (int)v;
			break;
		case OPT_FORMAT:
			if (!out_format_parse(optarg, &opt->format))
				usage_error("--format: \"%s\" is not text, json, sarif or junit",
					    optarg);
			break;
		case OPT_OUTPUT:
			add_output(opt, optarg);
			break;
		case OPT_SEVERITY:
			add_severity(opt, optarg);
			break;
		case OPT_BASELINE:
			opt->baseline = optarg;
			break;
		case OPT_WRITE_BASELINE:
			opt->write_baseline = optarg;
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
						    option_name(ch), optarg);
				opt->limit[ch - OPT_LIMIT] = (long)v;
				break;
			}
			usage_error("unknown option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument \"%s\"", argv[optind]);
}

static void
set_defaults(struct options *opt)
{
	int i;

	opt->ssl_mode = SSL_STRICT;
	opt->fail_on = SEV_WARNING;
	opt->at = time(NULL);
	opt->expiry_warn = 14;
	for (i = 0; i < LIM_COUNT; i++)
		opt->limit[i] = -1;
}

/* --config FILE, or .cfaudit.conf in the working directory unless
 * --no-config: found before the command line is parsed, since the command
 * line wins over it. */
static void
find_config(int argc, char **argv)
{
	bool none = false;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--no-config") == 0)
			none = true;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_file = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			config_file = argv[i] + 9;
	}
	if (none)
		config_file = NULL;
	else if (config_file == NULL && access(CONFIG_DEFAULT, F_OK) == 0)
		config_file = CONFIG_DEFAULT;
}

static void
read_config(struct audit *a, int argc, char **argv)
{
	char *err = NULL;

	find_config(argc, argv);
	if (config_file == NULL)
		return;
	if (!config_load(&config, config_file, &err)) {
		fprintf(stderr, "%s\n", err);
		free(err);
		exit(EXIT_USAGE);
	}
	opterr = 0; /* every key was checked: getopt has nothing to say */
	parse_args(a, (int)config.n, config.argv);
	opterr = 1;
	config.file = NULL;
}

static void
finish_args(struct options *opt)
{
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

struct fw_job {
	struct audit *a;
	struct eval_opts eo;
};

static void *
fw_job_run(void *arg)
{
	struct fw_job *j = arg;

	/* the sets' lookup lists and the rules' references to them: only the
	 * firewall's evaluation and checks read them */
	origin_finish(&j->a->origin);
	fw_evaluate(&j->a->origin, &j->a->cf, &j->eo, &j->a->reach);
	return NULL;
}

/* The firewall and TLS evaluators read disjoint parts of the model (the
 * rulesets and addresses; the web servers) and write their own results:
 * the firewall's sets are finished and it is evaluated on a second thread
 * while the hostnames' records are resolved and TLS is evaluated. The TLS
 * evaluator may list inputs; the firewall's never reads them. */
static void
evaluate(struct audit *a)
{
	struct fw_job j;
	pthread_t tid;
	bool threaded;

	memset(&j, 0, sizeof(j));
	j.a = a;
	j.eo.public_iface = a->opt.public_iface;
	j.eo.nport = a->opt.nport;
	j.eo.ports = a->opt.ports;
	threaded = pthread_create(&tid, NULL, fw_job_run, &j) == 0;
	if (!threaded)
		fw_job_run(&j);
	hosts_resolve(a);
	tls_evaluate(a);
	if (threaded)
		pthread_join(tid, NULL);
	/* the hostnames' verdicts read the firewall's */
	hosts_evaluate(a);
	a->fw_evaluated = true;
}

/* Write one report (file NULL: stdout): 0, or the exit status of the
 * failure, said on stderr (a file that cannot be created is a usage error; a
 * report that cannot be written, an incomplete run). */
static int
write_one(const struct audit *a, enum out_format format, const char *file)
{
	FILE *out = stdout;
	bool ok;

	if (file && (out = fopen(file, "w")) == NULL) {
		fprintf(stderr, "cfaudit: %s: %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	ok = report_write(out, a, format);
	if (fflush(out) != 0 || ferror(out))
		ok = false;
	if (out != stdout && fclose(out) != 0)
		ok = false;
	if (ok)
		return 0;
	fprintf(stderr, "cfaudit: %s: could not write the %s report\n",
		file ? file : "standard output", out_format_name(format));
	return 2;
}

/* The main report, then every --output FORMAT:FILE. A report that is
 * missing fails the run: CI must not take a missing file for a clean one. */
static int
write_report(struct audit *a)
{
	int worst = write_one(a, a->opt.format, a->opt.output);
	int st;
	size_t i;

	for (i = 0; i < a->opt.noutput; i++)
		if ((st = write_one(a, a->opt.outputs[i].format, a->opt.outputs[i].file)) > worst)
			worst = st;
	return worst ? worst : audit_exit_status(a);
}

/* Input errors on stderr; in a fleet run, each line starts with the root
 * it belongs to. */
static void
print_diags(const struct audit *a)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	char *line;
	char *save = NULL;

	if (a->opt.diag_prefix == NULL) {
		report_diags(stderr, a);
		return;
	}
	if ((mem = open_memstream(&text, &len)) == NULL)
		return;
	report_diags(mem, a);
	fclose(mem);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		fput_escaped(stderr, a->opt.diag_prefix);
		fprintf(stderr, ": %s\n", line);
	}
	free(text);
}

static bool
fleet_mode(const struct options *opt)
{
	return opt->nroot > 1 || opt->aggregate || opt->output_dir;
}

/* Nothing read from here on can make cfaudit run a program or write a
 * file other than the reports it was asked for (sandbox.h). */
static void
enter_sandbox(const struct options *opt)
{
	const char **w = xcalloc(opt->noutput + 2, sizeof(*w));
	size_t n = 0;
	size_t i;

	w[n++] = opt->output;
	w[n++] = opt->write_baseline;
	for (i = 0; i < opt->noutput; i++)
		w[n++] = opt->outputs[i].file;
	sandbox_enter(w, n);
	free(w);
}

/* The whole pipeline for one root: read, model, evaluate, check, suppress,
 * baseline, report. Its exit status. */
static int
run_audit(struct audit *a)
{
	char *err = NULL;
	size_t i;

	if (a->opt.root && !root_open(a->opt.root)) {
		fprintf(stderr, "cfaudit: --root %s: %s\n", a->opt.root, strerror(errno));
		return EXIT_USAGE;
	}
	enter_sandbox(&a->opt);
	ranges_builtin(&a->cf);
	discover_and_parse(a);
	apply_limits(a);
	evaluate(a);
	/* after the evaluation: loading certificates finds input errors too */
	print_diags(a);
	checks_run(a);
	suppress_apply(a);
	hosts_link_findings(a);
	baseline_apply(a, &baseline);
	if (a->opt.write_baseline) {
		if (!baseline_write(a, a->opt.write_baseline, &err)) {
			fprintf(stderr, "cfaudit: --write-baseline %s\n", err);
			free(err);
			return EXIT_USAGE;
		}
		/* what was just written is the baseline from now on */
		for (i = 0; i < a->nfinding; i++)
			a->findings[i].baselined = a->findings[i].suppressed == NULL;
	}
	return write_report(a);
}

/* --live reads the firewall from the kernel: firewall files beside it
 * would be a second firewall, and the kernel is one server's. */
static void
check_live(const struct options *opt)
{
	static const struct {
		enum input_kind kind;
		const char *option;
	} fw[] = {
		{IN_IPTABLES, "--iptables"}, {IN_IP6TABLES, "--ip6tables"}, {IN_IPSET, "--ipset"},
		{IN_NFTABLES, "--nft"},      {IN_FIREWALLD, "--firewalld"},
	};
	size_t i;

	if (fleet_mode(opt))
		usage_error("--live reads this machine's kernel: not with several --root");
	for (i = 0; i < ARRAY_LEN(fw); i++)
		if (opt->nfile[fw[i].kind])
			usage_error("--live reads the firewall from the kernel: not with %s",
				    fw[i].option);
}

int
main(int argc, char **argv)
{
	/* static: what is not freed at exit stays reachable (valgrind's and
	 * LeakSanitizer's "not a leak") */
	static struct audit a;
	char *err = NULL;
	int status;

	memset(&a, 0, sizeof(a));
	set_defaults(&a.opt);
	read_config(&a, argc, argv);
	parse_args(&a, argc, argv);
	finish_args(&a.opt);
	if (a.opt.baseline && !baseline_load(&baseline, a.opt.baseline, &err)) {
		fprintf(stderr, "cfaudit: --baseline %s\n", err);
		free(err);
		audit_free(&a);
		return EXIT_USAGE;
	}
	if (fleet_mode(&a.opt) && (err = fleet_check(&a.opt)) != NULL)
		usage_error("%s", err);
	if (fleet_mode(&a.opt) && a.origin.naddr)
		usage_error("--host-addr names one server's addresses: not with several --root");
	if (a.opt.live)
		check_live(&a.opt);
	if (fleet_mode(&a.opt))
		status = fleet_run(&a, run_audit);
	else
		status = run_audit(&a);
	baseline_free(&baseline);
	config_free(&config);
	/* The system takes the memory back at exit at once; freeing the model
	 * piece by piece took a twentieth of a big audit. The ASan build still
	 * frees it all, so that the freeing code stays checked. */
#ifdef __SANITIZE_ADDRESS__
	audit_free(&a);
#endif
	root_close();
	return status;
}
