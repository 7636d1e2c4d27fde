/* The check table: every check cfaudit makes, sorted by ID. --list-checks
 * prints the rows, --explain ID prints one; a unit test keeps it sorted. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

const struct check check_table[] = {
	{"CF000-DNS-CNAME-EXTERNAL", 0, SEV_INFO,
	 "a proxied name is a CNAME to a name outside the zones read",
	 "Cause: Cloudflare resolves a proxied CNAME to its final address and connects there.\n"
	 "When the chain leaves the zone export (a SaaS host, a load balancer), where\n"
	 "Cloudflare connects is decided by somebody else's records.\n"
	 "Evidence: a proxied CNAME (followed through the records of the --dns files) whose\n"
	 "target has no record in them and lies outside every zone read.\n"
	 "Fix: nothing, when that host serves the site; to audit it, give its records with\n"
	 "--dns (an expectations file of NAME A ADDRESS lines is enough).",
	 check_dns},
	{"CF000-DNS-IPV6-LATENT", 0, SEV_WARNING,
	 "a name's IPv6 path is broken, hidden while its A records exist",
	 "Cause: a proxied name with both A and AAAA records is reached over IPv4; its AAAA\n"
	 "records point at an address where the IPv6 firewall drops or rejects Cloudflare, or\n"
	 "nothing listens on IPv6. Removing the A records (a migration, an IPv4 renumbering)\n"
	 "turns it into 521 or 522 at once.\n"
	 "Evidence: the per-hostname verdict evaluated for IPv6: the records, the firewall\n"
	 "verdict for Cloudflare's IPv6 ranges on the port, the listeners.\n"
	 "Fix: make IPv6 work (listen [::]:443, allow Cloudflare's IPv6 ranges) or remove the\n"
	 "AAAA records.",
	 check_web_none},
	{"CF000-DNS-ORIGIN-UNKNOWN", 0, SEV_INFO,
	 "whether the proxied records point at this origin is not checked",
	 "Cause: the records name addresses, but this origin's own addresses are not known:\n"
	 "no --host-addr, no --live, no web server listening on a specific address. A record\n"
	 "that points at another host (an old server, a typo) goes unnoticed.\n"
	 "Evidence: proxied A (AAAA) records and no known IPv4 (IPv6) origin address.\n"
	 "Fix: give the origin's public addresses with --host-addr (or host-addr in the config\n"
	 "file).",
	 check_web_none},
	{"CF000-DNS-PROXY-UNKNOWN", 0, SEV_INFO,
	 "the zone export does not say which records are proxied",
	 "Cause: only the newer Cloudflare exports say whether a record is proxied (a trailing\n"
	 "\"; cf_tags=cf-proxied:true\" comment). Without it every A, AAAA and CNAME record is\n"
	 "checked as proxied, so DNS-only records may be reported needlessly.\n"
	 "Evidence: a record without cf_tags (older export style, or a hand-written zone).\n"
	 "Fix: export the zone again from the dashboard (DNS > Records > Export), or write an\n"
	 "expectations file with proxied / dns-only on each line.",
	 check_web_none},
	{"CF000-FW-ALLOWLIST-PARTIAL", 0, SEV_WARNING,
	 "a Cloudflare allowlist misses some of Cloudflare's ranges",
	 "Cause: an ipset, or the accept rules of one chain, list Cloudflare's ranges but not all\n"
	 "of them (lists copied years ago miss 131.0.72.0/22, added later). Cloudflare may\n"
	 "connect from any published range, so visitors routed through a missing one fail.\n"
	 "Evidence: a set or chain whose source addresses all lie inside Cloudflare's ranges (or\n"
	 "retired ones) and that does not cover every current range of its family.\n"
	 "Fix: refresh the list from https://www.cloudflare.com/ips/ (or the API) and reload;\n"
	 "automate it, since Cloudflare adds ranges before they carry traffic.",
	 check_fw_partial_allowlist},
	{"CF000-FW-RETIRED-RANGE", 0, SEV_WARNING,
	 "a firewall allowlist trusts a retired Cloudflare range",
	 "Cause: a rule or set trusts a range Cloudflare no longer publishes. 104.16.0.0/12 was\n"
	 "split on 2021-04-08 into 104.16.0.0/13 + 104.24.0.0/14; the freed 104.28.0.0/14\n"
	 "carries WARP/Gateway user traffic, so the /12 lets ordinary internet users through\n"
	 "an allowlist meant for Cloudflare's proxy (and past any 'origin only reachable\n"
	 "through Cloudflare' policy). 199.27.128.0/21 and 204.93.x ranges are long gone.\n"
	 "Evidence: an accepting rule's source, or a set member, inside a retired range and\n"
	 "not inside a current one.\n"
	 "Fix: replace it with the current ranges.",
	 check_fw_retired},
	{"CF000-FW-UNDECIDED", 0, SEV_WARNING,
	 "the firewall verdict for Cloudflare's traffic cannot be decided statically",
	 "Cause: a match or target on the path of Cloudflare's SYN depends on something a\n"
	 "static audit cannot know (time of day, packet contents, a userspace queue, an\n"
	 "interface name when --public-iface is not given) and the verdict differs with it.\n"
	 "cfaudit never treats such a packet as accepted: this finding says which rule and\n"
	 "what the two outcomes would be.\n"
	 "Evidence: the rule named, with both outcomes.\n"
	 "Fix: give --public-iface / --host-addr when the match is an interface or address;\n"
	 "otherwise check the rule by hand, or make Cloudflare's ranges bypass it.",
	 check_fw_undecided},
	{"CF000-RANGES-STALE", 0, SEV_INFO, "the built-in Cloudflare ranges are old",
	 "Cause: cfaudit's built-in snapshot of Cloudflare's ranges is more than 180 days\n"
	 "older than the audit time (--at, default now). Cloudflare rarely changes the list,\n"
	 "but a verdict is only as good as the ranges it checks.\n"
	 "Evidence: the snapshot's date against --at.\n"
	 "Fix: curl -s https://api.cloudflare.com/client/v4/ips > ips.json and run with\n"
	 "--ranges ips.json (or upgrade cfaudit).",
	 check_ranges_stale},
	{"CF000-REALIP-HEADER", 0, SEV_WARNING,
	 "real-IP restoration reads a header Cloudflare does not fill with the visitor",
	 "Cause: the web server trusts Cloudflare's addresses to name the client, but takes the\n"
	 "name from a header Cloudflare does not send with the visitor's address: nginx's\n"
	 "default real_ip_header is X-Real-IP, which Cloudflare never sets. The client address\n"
	 "stays Cloudflare's: logs, allow/deny rules and per-client limits see Cloudflare.\n"
	 "Evidence: set_real_ip_from (or RemoteIPTrustedProxy) lists Cloudflare addresses and\n"
	 "the header in effect is neither CF-Connecting-IP nor X-Forwarded-For (Cloudflare\n"
	 "appends the visitor's address as its last entry, the one read without recursion).\n"
	 "Fix: real_ip_header CF-Connecting-IP; (Apache: RemoteIPHeader CF-Connecting-IP).",
	 check_web_realip},
	{"CF000-REALIP-MISSING-RANGES", 0, SEV_WARNING,
	 "the real-IP trust list misses some of Cloudflare's ranges",
	 "Cause: the addresses trusted to name the client (nginx set_real_ip_from, Apache\n"
	 "RemoteIPTrustedProxy) hold some of Cloudflare's ranges but not all: requests that\n"
	 "arrive through a missing range keep Cloudflare's address as the client address, so\n"
	 "logs, access rules and per-client limits treat those visitors as Cloudflare (a list\n"
	 "missing 131.0.72.0/22 broke a site for Latin-American visitors for months).\n"
	 "Evidence: a trust list holding Cloudflare addresses that does not cover every\n"
	 "current range; the missing ranges are listed.\n"
	 "Fix: list every range of https://www.cloudflare.com/ips/ (v4 and v6) and refresh\n"
	 "the list automatically.",
	 check_web_none},
	{"CF000-REALIP-NONE", 0, SEV_INFO,
	 "the web server does not restore visitors' addresses",
	 "Cause: no real-IP trust list holds Cloudflare's addresses, so the client address of\n"
	 "every request is a Cloudflare address: logs, allow/deny rules and per-client limits\n"
	 "see Cloudflare, not the visitor.\n"
	 "Evidence: no set_real_ip_from (RemoteIPTrustedProxy) covering a Cloudflare range in\n"
	 "any server a Cloudflare request can reach.\n"
	 "Fix: nginx: set_real_ip_from for each range of https://www.cloudflare.com/ips/ and\n"
	 "real_ip_header CF-Connecting-IP; Apache: mod_remoteip with RemoteIPHeader\n"
	 "CF-Connecting-IP and RemoteIPTrustedProxy.",
	 check_web_none},
	{"CF000-REALIP-RETIRED-RANGE", 0, SEV_WARNING,
	 "the real-IP trust list trusts a retired Cloudflare range",
	 "Cause: a trusted address block holds a range Cloudflare no longer uses. 104.16.0.0/12\n"
	 "was split on 2021-04-08; the freed 104.28.0.0/14 carries WARP/Gateway users, so\n"
	 "trusting the /12 lets ordinary users set their own client address with the header\n"
	 "(bypassing allow/deny rules and limits keyed by the address, forging logs).\n"
	 "Evidence: a set_real_ip_from (RemoteIPTrustedProxy) entry overlapping a retired\n"
	 "range and not inside the current ones.\n"
	 "Fix: replace it with the current ranges.",
	 check_web_none},
	{"CF000-SUPPRESS-EXPIRED", 0, SEV_INFO,
	 "an inline suppression has expired: the findings it covered count again",
	 "Cause: a \"cfaudit: ignore ID reason=... until=YYYY-MM-DD\" comment is past its date\n"
	 "(against --at, default now). It no longer hides the findings it named, so they\n"
	 "are reported and count for the exit status again; the date was set so that\n"
	 "someone looks at the exception once more.\n"
	 "Evidence: the directive's until= date against the audit time.\n"
	 "Fix: remove the cause of the finding and the comment, or, if the exception still\n"
	 "holds, move until= forward with a reason that says why.",
	 check_suppress_expired},
	{"CF000-TIMEOUT-BODY", 0, SEV_INFO,
	 "the web server gives up on a request body sooner than Cloudflare's write timeout",
	 "Cause: Cloudflare relays a request body as the visitor sends it, and waits up to its\n"
	 "proxy write timeout (30 s) for the origin to take each part. An origin that gives up\n"
	 "on a body that has not (or not yet again) arrived within a shorter time (Apache\n"
	 "mod_reqtimeout's RequestReadTimeout body=, nginx client_body_timeout) cuts off uploads\n"
	 "from slow or stalling visitors that Cloudflare would still relay: they get 408 or an\n"
	 "error page instead of their upload. No 5xx is predicted.\n"
	 "Evidence: a body read timeout set below Cloudflare's write timeout\n"
	 "(--cf-write-timeout): nginx client_body_timeout; Apache RequestReadTimeout body=N\n"
	 "without MinRate (with MinRate, as in the module's default body=20,MinRate=500, the\n"
	 "limit grows while data flows and is not reported).\n"
	 "Fix: RequestReadTimeout body=30,MinRate=500 (or longer); client_body_timeout 30s.",
	 check_web_body_timeout},
	{"CF000-TLS-AOP", 0, SEV_INFO,
	 "a client certificate is demanded: only Authenticated Origin Pulls satisfies it",
	 "Cause: the server demands a client certificate (nginx ssl_verify_client on, Apache\n"
	 "SSLVerifyClient require) and trusts Cloudflare's origin-pull CA for it: Authenticated\n"
	 "Origin Pulls. That works only while AOP is enabled for the zone (and the SSL mode is\n"
	 "Full or stricter); with AOP off Cloudflare sends no certificate and gets 400 (nginx) or\n"
	 "a failed handshake, 525 (Apache).\n"
	 "Evidence: the verify setting in effect for the hostname, and a CA file holding\n"
	 "Cloudflare's origin-pull CA (built in from ipranges/origin-pull-ca.pem).\n"
	 "Fix: keep Authenticated Origin Pulls on for the zone (SSL/TLS > Origin Server).",
	 check_tls},
	{"CF000-TLS-UNCHECKED", 0, SEV_INFO,
	 "a certificate or key cannot be checked statically",
	 "Cause: a certificate or key path holds variables (nginx loads it for each handshake),\n"
	 "names a key in an engine or token, or Apache's key is encrypted (SSLPassPhraseDialog\n"
	 "gives the passphrase at start; nginx's is opened with ssl_password_file, and without\n"
	 "one is CF521-TLS-KEY-LOAD). What the server presents, and whether the key belongs to\n"
	 "the certificate, is then not known to a static audit.\n"
	 "Evidence: the ssl_certificate / ssl_certificate_key (SSLCertificateFile /\n"
	 "SSLCertificateKeyFile) directives and the key file's PEM header.\n"
	 "Fix: nothing, if it is deliberate; check that hostname with openssl s_client.",
	 check_tls_none},
	{"CF400-TLS-NO-CLIENT-CERT", 400, SEV_ERROR,
	 "a client certificate Cloudflare does not send is demanded: every request gets 400",
	 "Cause: nginx ssl_verify_client on with a CA that is not Cloudflare's origin-pull CA.\n"
	 "Cloudflare connects without a client certificate (or, with Authenticated Origin Pulls,\n"
	 "with one from its own CA), so nginx answers every request with \"400 No required SSL\n"
	 "certificate was sent\" (or \"The SSL certificate error\") and visitors see that 400.\n"
	 "Evidence: the verify setting in effect for the hostname and the certificates in its CA\n"
	 "file (ssl_client_certificate).\n"
	 "Fix: ssl_client_certificate /etc/ssl/certs/cloudflare-origin-pull-ca.pem (Cloudflare's\n"
	 "origin-pull CA) with Authenticated Origin Pulls on for the zone, or ssl_verify_client\n"
	 "off (optional) where client certificates are not meant for Cloudflare.",
	 check_tls_none},
	{"CF403-ACCESS-DENY", 403, SEV_ERROR,
	 "allow/deny rules refuse Cloudflare's addresses: visitors get 403",
	 "Cause: an access rule (nginx deny, Apache Require not ip / Deny from) matches the\n"
	 "address Cloudflare connects from. Behind Cloudflare every request arrives from\n"
	 "Cloudflare's ranges, so the rule refuses visitors, not the clients it was written\n"
	 "for; the origin answers 403 and Cloudflare passes that on (no 5xx, but the site is\n"
	 "closed to them). Where real-IP restoration replaces the address (trusted range and\n"
	 "a header Cloudflare fills), the rules see the visitor and are not reported.\n"
	 "Evidence: the rules in effect in each server and location, first match wins (as\n"
	 "nginx's access module does; Apache's Require, Order/Allow/Deny, SetEnvIf and\n"
	 "RewriteCond on the client address are evaluated as httpd does, in the configuration\n"
	 "and in the .htaccess files httpd reads), over Cloudflare's ranges; the rule that\n"
	 "catches them and the ranges are named. Rules that let no internet client in at all\n"
	 "(deny all, Require all denied, Require local) refuse visitors with or without\n"
	 "Cloudflare and are not reported.\n"
	 "Fix: restore the visitor's address first (set_real_ip_from for Cloudflare's ranges\n"
	 "and real_ip_header CF-Connecting-IP; Apache: mod_remoteip with RemoteIPHeader\n"
	 "CF-Connecting-IP and RemoteIPTrustedProxy), or allow Cloudflare's ranges before the deny.",
	 check_web_access},
	{"CF403-DNS-CLOUDFLARE-ADDR", 403, SEV_ERROR,
	 "a proxied record points at Cloudflare's own addresses",
	 "Cause: a proxied A or AAAA record holds an address inside Cloudflare's ranges (often\n"
	 "copied from a dig of a proxied name). Cloudflare refuses to connect to itself and\n"
	 "shows error 1000 (\"DNS points to prohibited IP\"), an HTTP 403.\n"
	 "Evidence: a proxied A/AAAA record whose address lies in Cloudflare's ranges.\n"
	 "Fix: put the origin's real address in the record.",
	 check_web_none},
	{"CF403-TLS-CLIENT-CERT-DIR", 403, SEV_ERROR,
	 "a client certificate is demanded per directory after a TLS 1.3 handshake: 403",
	 "Cause: Apache SSLVerifyClient require inside <Location> or <Directory> asks for the\n"
	 "client certificate when the request comes, after the handshake. Over TLS 1.3 that\n"
	 "needs post-handshake authentication, which Cloudflare's TLS client does not offer:\n"
	 "httpd logs \"cannot perform post-handshake authentication\" (AH10158) and answers every\n"
	 "request there with 403.\n"
	 "Evidence: a per-directory SSLVerifyClient require covering every URL of the host\n"
	 "(<Location />, a <Directory> at or above the DocumentRoot) and the version Cloudflare's\n"
	 "handshake with the host agrees (run in memory).\n"
	 "Fix: demand the certificate for the whole host (SSLVerifyClient require outside any\n"
	 "section, with Cloudflare's origin-pull CA and Authenticated Origin Pulls), or remove it.",
	 check_tls_none},
	{"CF503-LIMIT-CLIENT-ADDR", 503, SEV_WARNING,
	 "a per-client rate or connection limit counts Cloudflare's addresses",
	 "Cause: limit_req/limit_conn (or another per-client limiter) is keyed by the client\n"
	 "address ($binary_remote_addr, $remote_addr) while the real-IP configuration is\n"
	 "incomplete, or by $realip_remote_addr, which is always the connecting address.\n"
	 "Cloudflare sends many visitors' requests from few addresses, so they share one\n"
	 "bucket: past it they get 503 (or the limit's status).\n"
	 "Evidence: a limit in effect in a server or location whose zone key is the client\n"
	 "address, where the trust list does not cover every Cloudflare range or the header\n"
	 "is not CF-Connecting-IP / X-Forwarded-For. Apache: mod_evasive (per client address,\n"
	 "403), mod_qos QS_SrvMaxConnPerIP (per connecting address, always Cloudflare's), a\n"
	 "ModSecurity ip collection from %{REMOTE_ADDR} with a denying rule.\n"
	 "Fix: complete the real-IP configuration (every range of\n"
	 "https://www.cloudflare.com/ips/, real_ip_header CF-Connecting-IP), or key the zone\n"
	 "by $http_cf_connecting_ip.",
	 check_web_limits},
	{"CF520-KEEPALIVE-OFF", 520, SEV_WARNING, "keep-alive is disabled",
	 "Cause: keepalive_timeout 0 (Apache: KeepAlive Off) closes every connection after one\n"
	 "response. Cloudflare keeps origin connections open for reuse (up to 900 s idle): a\n"
	 "request sent on a connection the origin is closing gets no answer (520), and every\n"
	 "request needs a new connection, which under load exhausts the origin's backlog (522).\n"
	 "Evidence: the keep-alive timeout in effect in a server or location is 0.\n"
	 "Fix: keepalive_timeout 75s (nginx's default) or longer; Apache: KeepAlive On.",
	 check_web_keepalive},
	{"CF520-KEEPALIVE-REQUESTS", 520, SEV_WARNING,
	 "keep-alive connections are closed after very few requests",
	 "Cause: keepalive_requests (Apache: MaxKeepAliveRequests) below 100 closes each\n"
	 "connection after that many requests. Cloudflare funnels many visitors through few\n"
	 "reused connections, which then close constantly: a request racing the close gets no\n"
	 "answer (520) and the reconnections add up under load.\n"
	 "Evidence: the value in effect is below 100 (nginx's default is 1000 since 1.19.10).\n"
	 "Fix: keepalive_requests 1000; (Apache: MaxKeepAliveRequests 1000 or 0).",
	 check_web_none},
	{"CF520-LISTEN-PROXY-PROTOCOL", 520, SEV_ERROR,
	 "the HTTP port Cloudflare connects to waits for a PROXY protocol header",
	 "Cause: nginx's listen ... proxy_protocol (Apache: RemoteIPProxyProtocol On, which\n"
	 "httpd applies per address and port) makes every connection to the address and\n"
	 "port start with a PROXY protocol header (HAProxy's, v1 or v2). Cloudflare's proxy\n"
	 "sends none (only Spectrum can be set to): nginx reads the request line as a broken\n"
	 "header and closes the connection without a response: 520.\n"
	 "Evidence: the public listeners on port 80 (SSL modes Off, Flexible) or an HTTP port\n"
	 "given with --ports, with the flag nginx gives the socket (proxy_protocol on any\n"
	 "server sharing the address and port; Apache: the last On or Off for the address,\n"
	 "an Off winning, unless RemoteIPProxyProtocolExceptions holds every Cloudflare range);\n"
	 "the line where it is written.\n"
	 "Fix: remove proxy_protocol from the listen Cloudflare reaches (keep it on a separate\n"
	 "port for the load balancer that sends it), or put the site behind Spectrum with\n"
	 "Proxy Protocol enabled.",
	 check_web_none},
	{"CF520-RETURN-444", 520, SEV_ERROR,
	 "a server closes every connection without a response",
	 "Cause: return 444 is nginx's way of closing the connection without answering.\n"
	 "Cloudflare gets no response at all and shows 520 to the visitor.\n"
	 "Evidence: an unconditional return 444 at the level of a server that Cloudflare's\n"
	 "requests reach: one that names a hostname, or the only server on its address and\n"
	 "port (which every hostname falls into). A catch-all default server next to named\n"
	 "ones is reported when --dns shows proxied names falling into it.\n"
	 "Fix: answer with a status (return 403, 404 or 421) for requests you refuse; give\n"
	 "every proxied hostname a server_name.",
	 check_web_return},
	{"CF520-RETURN-444-LOCATION", 520, SEV_WARNING,
	 "a location closes the connection without a response",
	 "Cause: return 444 in a location (or in an if block) closes the connection without\n"
	 "answering: Cloudflare shows 520 to every visitor who requests such a URL, instead of\n"
	 "an error page, and counts it as an origin failure.\n"
	 "Evidence: a return 444 in a location or if block of a server Cloudflare's requests\n"
	 "reach.\n"
	 "Fix: return 403 or 404 instead (the request is refused just the same).",
	 check_web_none},
	{"CF520-TLS-H2-CIPHER", 520, SEV_ERROR,
	 "HTTP/2 is agreed over a cipher suite HTTP/2 forbids",
	 "Cause: the origin offers h2 by ALPN and, in the handshake with Cloudflare's offer, agrees\n"
	 "a TLS 1.2 suite that RFC 7540 (appendix A) forbids for HTTP/2 (no forward secrecy or not\n"
	 "AEAD: AES128-SHA, ECDHE-RSA-AES128-SHA, AES128-GCM-SHA256...). Cloudflare's HTTP/2\n"
	 "client then ends the connection with INADEQUATE_SECURITY: visitors get 520.\n"
	 "Evidence: the handshake run in memory with Cloudflare's cipher offer against the\n"
	 "server's protocols, cipher string and cipher order, with h2 offered by ALPN.\n"
	 "Fix: put ECDHE-ECDSA/RSA-AES128-GCM-SHA256 first (or ssl_prefer_server_ciphers off),\n"
	 "enable TLSv1.3, or do not offer http2 on that listener.",
	 check_tls_none},
	{"CF520-TLS-RENEGOTIATION", 520, SEV_ERROR,
	 "a client certificate is demanded by renegotiation, which Cloudflare refuses",
	 "Cause: Apache SSLVerifyClient require inside <Location> or <Directory> asks for the\n"
	 "client certificate when the request comes. Over TLS 1.2 httpd renegotiates the\n"
	 "connection for it; Cloudflare never renegotiates, so the renegotiation fails\n"
	 "(\"Re-negotiation handshake failed\", AH02261) and the connection ends without an\n"
	 "answer: 520.\n"
	 "Evidence: a per-directory SSLVerifyClient require covering every URL of the host\n"
	 "(<Location />, a <Directory> at or above the DocumentRoot) and the version Cloudflare's\n"
	 "handshake with the host agrees (run in memory): TLS 1.2 or below.\n"
	 "Fix: demand the certificate for the whole host (SSLVerifyClient require outside any\n"
	 "section, with Cloudflare's origin-pull CA and Authenticated Origin Pulls), or remove it.",
	 check_tls_none},
	{"CF521-DNS-AAAA-REFUSED", 521, SEV_ERROR,
	 "an AAAA-only name meets a refused or closed IPv6 port",
	 "Cause: Cloudflare connects over IPv6 to a proxied name that has AAAA records and no\n"
	 "A record. When the IPv6 firewall rejects Cloudflare, or no web server listens on\n"
	 "IPv6 on the port, the connection is refused: 521.\n"
	 "Evidence: the per-hostname verdict over IPv6: a reject verdict for Cloudflare's IPv6\n"
	 "ranges on the port, or no listener taking IPv6 there.\n"
	 "Fix: listen on [::] (nginx: listen [::]:443 ssl; Apache: Listen [::]:443), allow\n"
	 "Cloudflare's IPv6 ranges in ip6tables/nftables, or add an A record.",
	 check_web_none},
	{"CF521-FW-REJECT", 521, SEV_ERROR, "the firewall rejects Cloudflare's connections",
	 "Cause: a REJECT rule (or reject verdict) answers Cloudflare's SYN with a TCP reset or\n"
	 "an ICMP unreachable: Cloudflare sees the connection refused and shows 521 (Web\n"
	 "server is down).\n"
	 "Evidence: the firewall evaluator sends Cloudflare's first SYN (TCP, conntrack NEW,\n"
	 "from each Cloudflare range, to each origin port) through raw, mangle, nat and filter\n"
	 "as the kernel does; the deciding rule is named with the chain path.\n"
	 "Fix: accept Cloudflare's ranges before the reject (an ipset of the ranges from\n"
	 "https://www.cloudflare.com/ips/ matched early in INPUT), or remove the rule.",
	 check_fw_reject},
	{"CF521-LISTEN-NONE", 521, SEV_ERROR,
	 "nothing listens on the port Cloudflare connects to",
	 "Cause: Cloudflare connects to port 80 in SSL modes Off and Flexible, to 443 in Full\n"
	 "and Full (strict) (and to the ports given with --ports). When the web server does not\n"
	 "listen there on a public address (only on 127.0.0.1 or ::1, a UNIX socket, or\n"
	 "another port), the connection is refused: 521 (Web server is down).\n"
	 "Evidence: the listeners of every server block (listen; a server without one listens\n"
	 "on *:80; Apache: Listen and <VirtualHost>), against --ssl-mode and --ports.\n"
	 "Fix: listen on the port on a public address (listen 443 ssl; listen [::]:443 ssl;),\n"
	 "or set the zone's SSL mode to match what the origin serves.",
	 check_web_listen},
	{"CF521-TLS-CERT-LOAD", 521, SEV_ERROR,
	 "the web server cannot load a certificate and does not start",
	 "Cause: a certificate file the server names does not exist, holds no PEM certificate\n"
	 "(DER, or something else), its chain file is missing, or OpenSSL refuses the certificate\n"
	 "in a server context (a key or signature below its security level: \"ee key too small\",\n"
	 "\"ca md too weak\"; a cipher string's @SECLEVEL=N sets the level before the certificate\n"
	 "is loaded, in nginx and Apache alike, so @SECLEVEL=3 refuses RSA 2048 and @SECLEVEL=0\n"
	 "takes RSA 1024), or, in nginx, the default server of a TLS address:port has no\n"
	 "certificate at all (\"no ssl_certificate is defined for the listen ... ssl directive\";\n"
	 "ssl belongs to the socket, so a server whose own listen has no ssl can be it), or, in\n"
	 "Apache, a virtual host with SSLEngine on has no certificate (AH02572). nginx and\n"
	 "Apache then refuse to start (or to reload), and nothing answers Cloudflare: 521.\n"
	 "Evidence: every certificate named by a virtual host (inherited ones once), read inside\n"
	 "the root and set up in an OpenSSL server context as the server does.\n"
	 "Fix: point the directive at the PEM certificate with its chain (fullchain.pem), or\n"
	 "reissue the certificate with a 2048-bit (or larger) RSA or an ECDSA key and SHA-256.",
	 check_tls_none},
	{"CF521-TLS-CONF-CMD", 521, SEV_ERROR,
	 "an OpenSSL configuration command that the server cannot apply",
	 "Cause: Apache's SSLOpenSSLConfCmd and nginx's ssl_conf_command hand a command to\n"
	 "OpenSSL (SSL_CONF_cmd) after the server's own TLS settings. A command OpenSSL does not\n"
	 "know, or a value it refuses (Groups bogus, a DHParameters file below the security\n"
	 "level: \"dh key too small\"), stops the server: Apache \"SSLOpenSSLConfCmd ... failed\"\n"
	 "(AH02407) or \"invalid OpenSSL configuration command\", nginx \"SSL_CONF_cmd() failed\".\n"
	 "Nothing answers Cloudflare: 521.\n"
	 "Evidence: every command in effect for a virtual host with TLS, applied in order with\n"
	 "this host's OpenSSL to a server context set up as the server sets it up (a file named\n"
	 "by DHParameters read inside the root; commands naming other files or directories are\n"
	 "not applied and leave the hosts' verdict undecided, CF000-TLS-UNCHECKED).\n"
	 "Fix: correct the command (openssl list -groups, -signature-algorithms) or remove it.",
	 check_tls_none},
	{"CF521-TLS-CONFIG-INVALID", 521, SEV_ERROR,
	 "TLS protocols or ciphers that the server cannot apply",
	 "Cause: the protocol list names a version the server does not know, or the cipher string\n"
	 "selects no cipher this OpenSSL has (\"no cipher match\"), or, in Apache, SSLProtocol\n"
	 "names SSLv3 or SSLv2 (\"SSLv3 not supported by this version of OpenSSL\"),\n"
	 "SSLCompression on finds no compression method in OpenSSL, or SSLUseStapling on has no\n"
	 "SSLStaplingCache (AH01958). The server refuses to start (or to reload) and nothing\n"
	 "answers Cloudflare: 521.\n"
	 "Evidence: the protocols and cipher string in effect for each virtual host with\n"
	 "certificates, applied to an OpenSSL context as the server does.\n"
	 "Fix: use names from openssl ciphers -v (e.g. ssl_ciphers HIGH:!aNULL:!MD5;) and\n"
	 "TLSv1.2 TLSv1.3.",
	 check_tls_none},
	{"CF521-TLS-FILE-LOAD", 521, SEV_ERROR,
	 "a TLS file the web server loads at start is missing or unusable",
	 "Cause: nginx loads ssl_dhparam, ssl_crl, ssl_trusted_certificate, (with\n"
	 "ssl_verify_client) ssl_client_certificate, (with ssl_stapling on) ssl_stapling_file,\n"
	 "ssl_session_ticket_key and ssl_password_file when it starts; a file that is not there\n"
	 "(a placeholder path copied from a generator, a CA bundle never installed) or that it\n"
	 "cannot use stops it: DH parameters it cannot read, or a group below the security\n"
	 "level (1024 bits: \"dh key too small\"; @SECLEVEL= in ssl_ciphers sets the level), a\n"
	 "CA or CRL file with no PEM certificate or CRL, a stapling file that is not a DER OCSP\n"
	 "response, a ticket key that is not 48 or 80 bytes. So does ssl_verify_client on or\n"
	 "optional without ssl_client_certificate. nginx does not start (or reload): 521.\n"
	 "Apache checks SSLCACertificateFile/Path, SSLCARevocationFile/Path,\n"
	 "SSLSessionTicketKeyFile and the files SSLOpenSSLConfCmd names when it reads them\n"
	 "(missing or empty: a syntax error) and reads 48 bytes of the ticket key file at start\n"
	 "(AH02287).\n"
	 "Evidence: the directives in effect for each server with a certificate (the password\n"
	 "file for every server), each file read inside the root and loaded with OpenSSL as\n"
	 "nginx loads it (nginx expands no variables in these paths; a file that cannot be\n"
	 "read is an input error).\n"
	 "Fix: create the file (openssl dhparam -out FILE 2048, openssl rand 80 >FILE) or remove\n"
	 "the directive.",
	 check_tls_none},
	{"CF521-TLS-KEY-LOAD", 521, SEV_ERROR,
	 "the web server cannot load a private key and does not start",
	 "Cause: no private key is named for a certificate, or the key file does not exist or\n"
	 "holds no PEM private key, or (nginx) the key is encrypted and no passphrase opens it:\n"
	 "without ssl_password_file nginx asks for one on a terminal, and started by systemd it\n"
	 "has none (\"bad password read\"); with one, none of its lines is the passphrase. The\n"
	 "server refuses to start (or to reload): 521.\n"
	 "Evidence: the key directive paired with each certificate directive, the key file read\n"
	 "inside the root and opened with each line of ssl_password_file as nginx does (neither\n"
	 "the key nor a passphrase is ever printed).\n"
	 "Fix: name the key (ssl_certificate_key, SSLCertificateKeyFile) that belongs to the\n"
	 "certificate; for an encrypted key, ssl_password_file with its passphrase (or decrypt\n"
	 "it: openssl pkey -in KEY -out KEY.plain).",
	 check_tls_none},
	{"CF521-TLS-KEY-MISMATCH", 521, SEV_ERROR,
	 "the private key does not belong to the certificate",
	 "Cause: the key file holds another key than the certificate's (a renewal that replaced\n"
	 "one file and not the other, paths swapped between sites). nginx stops with\n"
	 "\"SSL_CTX_use_PrivateKey(...) failed (... key values mismatch)\" and Apache with\n"
	 "\"Unable to configure RSA server private key\": the server does not start, nothing\n"
	 "listens, and visitors get 521.\n"
	 "Evidence: the certificate's public key against the private key (X509_check_private_key),\n"
	 "for every certificate and key pair the configuration names.\n"
	 "Fix: install the key the certificate was issued for (openssl x509 -noout -pubkey and\n"
	 "openssl pkey -pubout must print the same key).",
	 check_tls_none},
	{"CF521-ZONE-CONFLICT", 521, SEV_ERROR,
	 "two declarations of one shared memory zone disagree: nginx does not start",
	 "Cause: nginx keeps one shared memory zone per name: ssl_session_cache shared:NAME:SIZE,\n"
	 "limit_req_zone and limit_conn_zone declare one. A second declaration of the name with\n"
	 "another size (snippets from two guides: shared:SSL:10m here, shared:SSL:50m there), or\n"
	 "for another use, stops nginx (\"the size ... of shared memory zone ... conflicts with\n"
	 "already declared size ...\", \"... is already declared for a different use\"): it does\n"
	 "not start (or reload), and every host it serves is down: 521.\n"
	 "Evidence: every ssl_session_cache, limit_req_zone and limit_conn_zone of the\n"
	 "configuration, sizes as nginx reads them (10m = 10240k); the finding stands at the\n"
	 "later declaration (the http block's zones are read before the servers').\n"
	 "Fix: declare the zone once (ssl_session_cache in the http block), or give each use and\n"
	 "size its own name.",
	 check_tls_none},
	{"CF522-DNS-AAAA-DROPPED", 522, SEV_ERROR,
	 "an AAAA-only name meets an IPv6 firewall that drops Cloudflare",
	 "Cause: Cloudflare connects over IPv6 to a proxied name that has AAAA records and no\n"
	 "A record; the IPv6 firewall drops its SYN (or the reply, or neighbour discovery),\n"
	 "so the connection times out: 522.\n"
	 "Evidence: the per-hostname verdict over IPv6: a drop verdict for Cloudflare's IPv6\n"
	 "ranges on the port.\n"
	 "Fix: allow Cloudflare's IPv6 ranges (https://www.cloudflare.com/ips-v6) in\n"
	 "ip6tables/nftables, or add an A record.",
	 check_web_none},
	{"CF522-DNS-ELSEWHERE", 522, SEV_ERROR,
	 "a proxied record points at an address that is not this origin's",
	 "Cause: Cloudflare connects to the address in the DNS record. When it is not one of\n"
	 "this origin's addresses (an old server, a typo, a changed IP), Cloudflare reaches\n"
	 "another host, or nothing: visitors get 522 (timeout) or 521 (refused).\n"
	 "Evidence: a proxied A/AAAA record whose address is not among the origin's addresses\n"
	 "(--host-addr, the interfaces read with --live, the web servers' listen addresses).\n"
	 "Fix: correct the record, or add the missing address with --host-addr when the origin\n"
	 "has it (a NAT in front: give the public address).",
	 check_web_none},
	{"CF522-FW-DROP", 522, SEV_ERROR, "the firewall drops Cloudflare's connections",
	 "Cause: a DROP rule or a DROP policy discards Cloudflare's SYN: Cloudflare waits for\n"
	 "the connect timeout and shows 522 (Connection timed out). Deny lists of fail2ban,\n"
	 "CSF or a WAF often ban Cloudflare's addresses, because behind the proxy every\n"
	 "visitor arrives from them.\n"
	 "Evidence: the deciding rule (or chain policy) for Cloudflare's first SYN, per range\n"
	 "and port, with the chain path.\n"
	 "Fix: accept Cloudflare's ranges before the deny lists; make fail2ban ban the real\n"
	 "visitor (CF-Connecting-IP with real-IP restoration, and action cloudflare) rather\n"
	 "than Cloudflare's address.",
	 check_fw_drop},
	{"CF522-FW-IPV6-ND", 522, SEV_ERROR,
	 "the IPv6 firewall drops neighbour discovery: no IPv6 connection can work",
	 "Cause: ICMPv6 neighbour solicitations and advertisements (types 135, 136) are not\n"
	 "accepted. They are UNTRACKED for conntrack, so 'ESTABLISHED,RELATED' does not let\n"
	 "them in; without them the origin cannot answer its router, and every IPv6\n"
	 "connection from Cloudflare times out (522) although the SYN would be accepted.\n"
	 "Evidence: neighbour discovery packets, in and out, evaluated through the IPv6\n"
	 "ruleset.\n"
	 "Fix: ip6tables -A INPUT -p ipv6-icmp -j ACCEPT (at least types 133-136) before the\n"
	 "drop, and the same on OUTPUT when it filters.",
	 check_fw_ipv6_nd},
	{"CF522-FW-RATELIMIT", 522, SEV_WARNING,
	 "the firewall accepts Cloudflare only under a rate or connection limit",
	 "Cause: Cloudflare's connections are accepted only while a limit, hashlimit,\n"
	 "connlimit, recent, quota or meter match allows them. Cloudflare concentrates many\n"
	 "visitors on few of its addresses and reuses connections, so a per-source limit\n"
	 "made for single visitors is reached under ordinary load: the excess SYNs are\n"
	 "dropped or refused and visitors get 522 (or 521).\n"
	 "Evidence: the first SYN is accepted under light load but the same rule path drops\n"
	 "or rejects it once the limit is exceeded.\n"
	 "Fix: exempt Cloudflare's ranges from the limit (accept them first), or limit on the\n"
	 "real visitor address at the web server.",
	 check_fw_ratelimit},
	{"CF522-FW-REPLY-DROP", 522, SEV_ERROR,
	 "the firewall drops the origin's replies to Cloudflare",
	 "Cause: the SYN is accepted, but an OUTPUT (or POSTROUTING) rule or policy drops or\n"
	 "rejects the SYN-ACK going back to Cloudflare (egress filtering without an\n"
	 "ESTABLISHED,RELATED accept): Cloudflare never sees the answer and shows 522.\n"
	 "Evidence: the reply (TCP SYN-ACK, conntrack ESTABLISHED) evaluated through the output\n"
	 "hooks.\n"
	 "Fix: -A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT before the drop.",
	 check_fw_reply},
	{"CF523-DNS-PRIVATE-ADDR", 523, SEV_ERROR,
	 "a proxied record points at an address Cloudflare can never reach",
	 "Cause: a proxied A or AAAA record holds private, loopback, link-local, CGNAT,\n"
	 "documentation, benchmarking, multicast, reserved or unspecified space (RFC 1918,\n"
	 "127/8, 169.254/16, 100.64/10, 192.0.2/24, fc00::/7, fe80::/10, 2001:db8::/32, ...).\n"
	 "Cloudflare's network cannot route there: visitors get 523 (origin unreachable).\n"
	 "Evidence: the record's address inside IANA's special-purpose registries.\n"
	 "Fix: put the origin's public address in the record (behind NAT: the public one; for\n"
	 "a private origin use Cloudflare Tunnel instead of a proxied record).",
	 check_web_none},
	{"CF524-TIMEOUT-READ", 524, SEV_WARNING,
	 "a backend may answer later than Cloudflare waits",
	 "Cause: a proxied location's read timeout (proxy_read_timeout, fastcgi_read_timeout,\n"
	 "uwsgi/scgi/grpc_read_timeout; Apache ProxyTimeout/Timeout) is longer than\n"
	 "Cloudflare's proxy read timeout (100 s by default; --cf-read-timeout for Enterprise\n"
	 "zones). The origin keeps working on a slow request after Cloudflare has given up and\n"
	 "shown the visitor 524.\n"
	 "Evidence: the read timeout in effect (set or nginx's default, 60 s) in every\n"
	 "location that hands requests to a backend; the setting and the locations are named.\n"
	 "Fix: keep slow work out of the request (a queue, a job status URL), or lower the\n"
	 "timeout to Cloudflare's so the origin answers with its own error page first.",
	 check_web_timeout_read},
	{"CF525-LISTEN-PLAIN", 525, SEV_ERROR,
	 "the HTTPS port Cloudflare connects to is served without TLS",
	 "Cause: in SSL modes Full and Full (strict) Cloudflare opens a TLS connection to port\n"
	 "443 (or an HTTPS port given with --ports); a listener there without TLS (nginx:\n"
	 "listen 443 without ssl, and no other server on that address and port with ssl)\n"
	 "answers the ClientHello with plain HTTP and the handshake fails: 525.\n"
	 "Evidence: the public listeners on the port, with the TLS flag nginx gives the socket\n"
	 "(ssl on any server sharing the address and port).\n"
	 "Fix: listen 443 ssl; with ssl_certificate and ssl_certificate_key.",
	 check_web_none},
	{"CF525-TLS-CLIENT-CERT", 525, SEV_ERROR,
	 "the handshake demands a client certificate Cloudflare does not have",
	 "Cause: Apache SSLVerifyClient require (a demand in the handshake) with a CA that is not\n"
	 "Cloudflare's origin-pull CA: Cloudflare presents no certificate the server accepts and\n"
	 "the handshake fails: 525.\n"
	 "Evidence: the verify setting in effect in the virtual host whose certificate is\n"
	 "presented, and the certificates in its CA file.\n"
	 "Fix: trust Cloudflare's origin-pull CA (SSLCACertificateFile) and turn Authenticated\n"
	 "Origin Pulls on, or SSLVerifyClient none for the hostnames Cloudflare proxies.",
	 check_tls_none},
	{"CF525-TLS-HANDSHAKE-FAILED", 525, SEV_ERROR,
	 "Cloudflare's TLS handshake with the origin fails",
	 "Cause: the handshake with Cloudflare's offer fails for a reason other than a missing\n"
	 "protocol or cipher in common (the reason OpenSSL gives is named).\n"
	 "Evidence: the handshake run in memory between a server set up as the origin is and a\n"
	 "client offering what Cloudflare offers (ipranges/origin-ciphers.txt, TLSv1 to TLSv1.3,\n"
	 "the hostname as SNI).\n"
	 "Fix: depends on the reason; openssl s_client -connect ORIGIN:443 -servername HOST\n"
	 "shows the same failure.",
	 check_tls_none},
	{"CF525-TLS-NO-CERT", 525, SEV_ERROR,
	 "a TLS port has no certificate",
	 "Cause: a listener is TLS (listen 443 ssl) but neither the server answering nor the\n"
	 "default server of its address and port has a certificate: the TLS handshake cannot\n"
	 "succeed (525). nginx starts like this only when the default server rejects handshakes\n"
	 "(ssl_reject_handshake on; otherwise \"no ssl_certificate is defined for the listen ...\n"
	 "ssl directive\": CF521-TLS-CERT-LOAD); Apache never does (AH02572: CF521-TLS-CERT-LOAD).\n"
	 "Evidence: the certificate in effect (inherited ones included) in the virtual host\n"
	 "answering each hostname on the port, and in the port's default server.\n"
	 "Fix: ssl_certificate and ssl_certificate_key in the server (or at http level).",
	 check_tls_none},
	{"CF525-TLS-NO-COMMON-CIPHER", 525, SEV_ERROR,
	 "no cipher suite in common with Cloudflare",
	 "Cause: the origin's cipher string, with its protocol versions and its certificates' key\n"
	 "types (an ECDSA certificate signs only ECDHE-ECDSA suites and TLS 1.3), leaves no suite\n"
	 "that Cloudflare offers: the handshake fails with \"no shared cipher\" and visitors get 525.\n"
	 "Evidence: a handshake run in memory with this host's OpenSSL, between a server set up\n"
	 "with the origin's protocols, cipher string and certificates and a client offering\n"
	 "Cloudflare's suites (ipranges/origin-ciphers.txt).\n"
	 "Fix: allow ECDHE-RSA-AES128-GCM-SHA256 / ECDHE-ECDSA-AES128-GCM-SHA256 (TLS 1.2) and\n"
	 "enable TLSv1.3 (ssl_protocols TLSv1.2 TLSv1.3;).",
	 check_tls_none},
	{"CF525-TLS-NO-COMMON-PROTOCOL", 525, SEV_ERROR,
	 "no TLS version in common with Cloudflare",
	 "Cause: the origin allows only protocol versions Cloudflare does not offer (SSLv3), or\n"
	 "only ones this OpenSSL no longer speaks at its security level (TLSv1 and TLSv1.1 need\n"
	 "level 0 in OpenSSL 3). The handshake fails: 525.\n"
	 "Evidence: the protocol list in effect where the connection is set up (nginx: the\n"
	 "default server of the address and port), in a handshake run in memory.\n"
	 "Fix: ssl_protocols TLSv1.2 TLSv1.3; (SSLProtocol -all +TLSv1.2 +TLSv1.3).",
	 check_tls_none},
	{"CF525-TLS-PROXY-PROTOCOL", 525, SEV_ERROR,
	 "the HTTPS port Cloudflare connects to waits for a PROXY protocol header",
	 "Cause: nginx's listen ... proxy_protocol (Apache: RemoteIPProxyProtocol On, which\n"
	 "httpd applies per address and port) makes every connection to the address and\n"
	 "port start with a PROXY protocol header, before TLS. Cloudflare's proxy sends none\n"
	 "(only Spectrum can be set to): nginx reads the TLS ClientHello as a broken header and\n"
	 "closes the connection, so the handshake fails: 525.\n"
	 "Evidence: the public listeners on port 443 (SSL modes Full, Full (strict)) or an\n"
	 "HTTPS port given with --ports, with the flag nginx gives the socket (proxy_protocol\n"
	 "on any server sharing the address and port; Apache: the last On or Off for the\n"
	 "address, an Off winning, unless RemoteIPProxyProtocolExceptions holds every\n"
	 "Cloudflare range); the line where it is written.\n"
	 "Fix: remove proxy_protocol from the listen Cloudflare reaches (keep it on a separate\n"
	 "port for the load balancer that sends it), or put the site behind Spectrum with\n"
	 "Proxy Protocol enabled.",
	 check_web_none},
	{"CF526-CERT-CHAIN-INCOMPLETE", 526, SEV_ERROR,
	 "the certificate's chain is incomplete: an intermediate is missing",
	 "Cause: the issuer of a certificate in the file is neither in the file nor a trusted\n"
	 "root: usually the intermediate certificate was left out (cert.pem instead of\n"
	 "fullchain.pem). Browsers may fetch it; Cloudflare's Full (strict) validation does not:\n"
	 "526.\n"
	 "Evidence: the chain verified with OpenSSL at --at against Cloudflare's trust (public\n"
	 "CAs from the root's CA bundle, Cloudflare Origin CA; --ca instead when given).\n"
	 "Fix: serve the full chain: the certificate followed by its intermediates in one file\n"
	 "(nginx), or SSLCertificateChainFile (Apache before 2.4.8).",
	 check_tls_none},
	{"CF526-CERT-EXPIRED", 526, SEV_ERROR,
	 "the certificate has expired",
	 "Cause: the certificate (or one in its chain) is past its notAfter at the audit time\n"
	 "(--at, default now): Full (strict) validation fails and visitors get 526. (Full mode does\n"
	 "not validate; Gateway/WARP users get 526 from any expired certificate in the chain.)\n"
	 "Evidence: the dates of every certificate of the chain, verified with OpenSSL at --at.\n"
	 "Fix: renew it (certbot renew, or a new Origin CA certificate) and reload the server;\n"
	 "make sure the renewal reloads the server.",
	 check_tls_none},
	{"CF526-CERT-EXPIRING", 526, SEV_WARNING,
	 "the certificate expires soon",
	 "Cause: a certificate of the chain expires within --expiry-warn days (default 14) of the\n"
	 "audit time: when it does, Full (strict) validation fails and visitors get 526.\n"
	 "Evidence: the notAfter of every certificate of the chain against --at.\n"
	 "Fix: renew it now and check that automatic renewal works and reloads the server.",
	 check_tls_none},
	{"CF526-CERT-INVALID", 526, SEV_ERROR,
	 "the certificate fails verification",
	 "Cause: the chain fails verification for another reason than dates, trust or\n"
	 "revocation (not usable for TLS servers, a CA certificate without CA rights, a bad\n"
	 "signature...): Full (strict) fails, 526. OpenSSL's reason is named.\n"
	 "Evidence: the chain verified with OpenSSL (purpose sslserver) at --at.\n"
	 "Fix: depends on the reason; reissue the certificate for TLS server authentication.",
	 check_tls_none},
	{"CF526-CERT-NAME-MISMATCH", 526, SEV_ERROR,
	 "the certificate does not cover the hostname",
	 "Cause: the certificate presented for a hostname does not name it: no SAN DNS name\n"
	 "matches (the CN counts only without SANs; a wildcard covers one label, *.example.com\n"
	 "covers www.example.com, not example.com or a.b.example.com; an IP address never matches\n"
	 "a name). Often the hostname has no server on the TLS port and the default server answers\n"
	 "with another site's certificate. Full (strict) fails: 526.\n"
	 "Evidence: for every server name and every TLS port, the virtual host that answers it\n"
	 "(SNI) and the certificate it presents (OpenSSL X509_check_host, RFC 6125).\n"
	 "Fix: add the name to the certificate (or use a wildcard), or give the hostname a server\n"
	 "block with its own certificate on the TLS port.",
	 check_tls_none},
	{"CF526-CERT-NOT-YET-VALID", 526, SEV_ERROR,
	 "the certificate is not valid yet",
	 "Cause: the certificate's notBefore is after the audit time (a clock set wrong when it\n"
	 "was issued, or a certificate installed early): Full (strict) fails, 526.\n"
	 "Evidence: the dates of every certificate of the chain, verified with OpenSSL at --at.\n"
	 "Fix: install a certificate valid now, or wait; check the issuing machine's clock.",
	 check_tls_none},
	{"CF526-CERT-REVOKED", 526, SEV_ERROR,
	 "the certificate is revoked",
	 "Cause: a certificate of the chain is listed in a revocation list given with --crl:\n"
	 "Full (strict) (and Gateway/WARP users) reject it: 526.\n"
	 "Evidence: the chain verified with OpenSSL against the --crl lists (revocation is checked\n"
	 "only where a list from the issuer is given).\n"
	 "Fix: install a newly issued certificate.",
	 check_tls_none},
	{"CF526-CERT-SELF-SIGNED", 526, SEV_ERROR,
	 "the certificate is self-signed",
	 "Cause: the certificate is its own issuer (a snakeoil or \"openssl req -x509\"\n"
	 "certificate) and no trust store Cloudflare uses holds it: Full (strict) fails, 526.\n"
	 "(Full mode accepts it.)\n"
	 "Evidence: the chain verified with OpenSSL at --at against public CAs (the root's CA\n"
	 "bundle) and Cloudflare Origin CA, or the --ca store.\n"
	 "Fix: use a certificate from a public CA or a free Cloudflare Origin CA certificate, or\n"
	 "set the zone to Full; with a custom origin trust store, give it with --ca.",
	 check_tls_none},
	{"CF526-CERT-UNTRUSTED", 526, SEV_ERROR,
	 "the certificate chains to a root Cloudflare does not trust",
	 "Cause: the chain is complete but ends in a root that is not a public CA, not\n"
	 "Cloudflare Origin CA and not in the custom origin trust store (a private or corporate\n"
	 "CA; a CA the server trusts locally, added under /usr/local/share/ca-certificates, is not\n"
	 "one Cloudflare trusts): Full (strict) fails, 526.\n"
	 "Evidence: the chain verified with OpenSSL at --at; anchors added locally to the root's\n"
	 "bundle are left out.\n"
	 "Fix: use a public CA or Cloudflare Origin CA, or upload the CA as the zone's custom\n"
	 "origin trust store (and audit with --ca).",
	 check_tls_none},
	{"CF526-CERT-WEAK-KEY", 526, SEV_WARNING,
	 "the certificate has an RSA key under 2048 bits",
	 "Cause: a certificate of the chain has an RSA key shorter than 2048 bits; validating\n"
	 "clients and current TLS libraries reject such keys (OpenSSL at security level 2 does not\n"
	 "even load one).\n"
	 "Evidence: the key size of every certificate of the chain.\n"
	 "Fix: reissue with a 2048-bit (or larger) RSA key or an ECDSA key.",
	 check_tls_none},
	{"CF526-CERT-WEAK-SIGNATURE", 526, SEV_WARNING,
	 "the certificate is signed with SHA-1 or MD5",
	 "Cause: a certificate of the chain (other than a root) is signed with SHA-1 or MD5, which\n"
	 "validating clients reject.\n"
	 "Evidence: the signature algorithm of every certificate of the chain.\n"
	 "Fix: reissue it with SHA-256.",
	 check_tls_none},
	{"CF526-GATEWAY-UNDERSCORE", 526, SEV_WARNING,
	 "the certificate has an underscore in a name: Gateway/WARP users get 526",
	 "Cause: Cloudflare Gateway (and WARP clients behind it) reject certificates with an\n"
	 "underscore in the CN or a DNS name, although Full (strict) may accept it.\n"
	 "Evidence: the leaf certificate's CN and SAN DNS names.\n"
	 "Fix: reissue the certificate without underscores (hostnames may not hold them).",
	 check_tls_none},
	{"CF526-GATEWAY-WEAK-CIPHERS", 526, SEV_WARNING,
	 "only 3DES or RC4 suites in common: Gateway/WARP users get 526",
	 "Cause: the only suites the origin accepts from Cloudflare's offer are 3DES (or RC4):\n"
	 "Cloudflare Gateway rejects such origins for its users (526), and the suites are weak.\n"
	 "Evidence: every suite of Cloudflare's offer the origin accepts, found by repeating the\n"
	 "handshake in memory without the suite agreed before.\n"
	 "Fix: allow ECDHE-RSA-AES128-GCM-SHA256 (or ECDSA) and TLSv1.2/TLSv1.3.",
	 check_tls_none},
	{"CF530-DNS-UNRESOLVED", 530, SEV_ERROR,
	 "a proxied name's CNAME chain ends nowhere",
	 "Cause: a proxied CNAME leads to a name of the same zone that has no A, AAAA or CNAME\n"
	 "record (a deleted host), or the chain loops. Cloudflare cannot resolve the origin\n"
	 "and shows error 1016 (\"Origin DNS error\"), an HTTP 530.\n"
	 "Evidence: the CNAME chain followed through the records of the --dns files.\n"
	 "Fix: point the CNAME at a name that exists, or give the name its own A/AAAA record.",
	 check_web_none},
};

const size_t check_count = sizeof(check_table) / sizeof(check_table[0]);

static int
check_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct check *)elem)->id);
}

const struct check *
check_find(const char *id)
{
	return bsearch(id, check_table, check_count, sizeof(check_table[0]), check_cmp);
}

const char *
check_area(const char *id, size_t *len)
{
	const char *p = strchr(id, '-');
	const char *q;

	p = p ? p + 1 : id;
	q = strchr(p, '-');
	*len = q ? (size_t)(q - p) : strlen(p);
	return p;
}

/* Findings in file and line order (those without a file first), as a
 * compiler lists its diagnostics; ties keep the emission order (the check
 * table's order), so the sort runs on indices. */
static int
finding_cmp(const void *x, const void *y, void *arg)
{
	const struct finding *v = arg;
	size_t i = *(const size_t *)x;
	size_t j = *(const size_t *)y;
	const struct finding *a = &v[i];
	const struct finding *b = &v[j];
	int c;

	if (a->loc.file != b->loc.file) {
		if (a->loc.file == NULL || b->loc.file == NULL)
			return a->loc.file == NULL ? -1 : 1;
		if ((c = strcmp(a->loc.file, b->loc.file)) != 0)
			return c;
	}
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	return i < j ? -1 : i > j;
}

static void
sort_findings(struct audit *a)
{
	size_t *idx = xreallocarray(NULL, a->nfinding ? a->nfinding : 1, sizeof(*idx));
	struct finding *sorted = xreallocarray(NULL, a->nfinding ? a->nfinding : 1,
					       sizeof(*sorted));
	size_t i;

	for (i = 0; i < a->nfinding; i++)
		idx[i] = i;
	qsort_r(idx, a->nfinding, sizeof(*idx), finding_cmp, a->findings);
	for (i = 0; i < a->nfinding; i++)
		sorted[i] = a->findings[idx[i]];
	if (a->nfinding)
		memcpy(a->findings, sorted, a->nfinding * sizeof(*sorted));
	free(sorted);
	free(idx);
}

void
checks_run(struct audit *a)
{
	size_t i;

	for (i = 0; i < check_count; i++)
		check_table[i].run(a);
	sort_findings(a);
}
