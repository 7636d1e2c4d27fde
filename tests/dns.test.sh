#!/bin/sh
# DNS records (--dns) and the per-hostname verdicts: must-fail zone and
# expectations files (file:line on stderr, exit 2, the rest still read),
# both export styles, the statuses of the samples' host tables, and the
# JSON "hosts" contract of DESIGN.md. Prints ok/not ok lines.
: "${BIN:=./cfaudit}"
AT=2026-11-01T00:00:00Z
SUITE=dns
. "$(dirname "$0")/lib.sh"
make_tmp dns

need_tools jq

# A web server for the names to land in (port 80, Flexible mode).
mkdir -p "$tmp/root/etc/nginx"
cat >"$tmp/root/etc/nginx/nginx.conf" <<'EOF'
events {}
http {
	server {
		listen 80;
		server_name www.example.com;
	}
}
EOF
audit() {
	"$BIN" --root "$tmp/root" --ssl-mode flexible --at $AT --host-addr 93.184.215.14 "$@"
}

# bad ZONE-TEXT LINE NAME: a zone whose LINE is wrong; a good record after it
# must still be read (its host is listed).
bad_zone() {
	printf '$ORIGIN example.com.\n%s\nwww 1 IN A 93.184.215.14\n' "$1" >"$tmp/$3.zone"
	expect_status "$3-exit" 2 audit --dns "$tmp/$3.zone" --format json
	grep_in "$3-line" "$3.zone:$2: " "$tmp/err"
	if jq -e '.hosts | map(.name) | index("www.example.com") != null' "$tmp/out" >/dev/null; then
		ok "$3-rest-read"
	else
		fail "$3-rest-read" "www.example.com is not in the hosts"
	fi
}

bad_zone 'bad 1 IN A 999.1.1.1' 2 zone-bad-address
bad_zone 'bad 1 IN AAAA 10.0.0.1' 2 zone-aaaa-v4
bad_zone 'bad 1 IN A 192.0.2.1 extra words' 2 zone-superfluous
bad_zone '$INCLUDE /etc/passwd' 2 zone-include
bad_zone '$GENERATE 1-100 host$ A 192.0.2.$' 2 zone-generate
bad_zone '$TTL forever' 2 zone-ttl
bad_zone 'bad 1 IN BOGUSTYPE x' 2 zone-type

# a record whose parenthesis never closes swallows the rest: said at its first line
printf '$ORIGIN example.com.\nwww 1 IN A 93.184.215.14\nsoa 1 IN SOA a. b. ( 1 2 3\n4 5\n' >"$tmp/paren.zone"
expect_status zone-paren-exit 2 audit --dns "$tmp/paren.zone"
grep_in zone-paren-line "paren.zone:3: unbalanced" "$tmp/err"

# relative names with no origin at all
printf 'www 1 IN A 93.184.215.14\nexample.com. 1 IN A 93.184.215.14\n' >"$tmp/rel.zone"
expect_status zone-relative-exit 2 audit --dns "$tmp/rel.zone"
grep_in zone-relative-line "rel.zone:1: relative name" "$tmp/err"

# NUL bytes: not a text file
printf 'www.example.com. 1 IN A 93.184.215.14\nx\000y\n' >"$tmp/nul.zone"
expect_status zone-nul-exit 2 audit --dns "$tmp/nul.zone"
grep_in zone-nul-line "nul.zone:2: NUL" "$tmp/err"

# a missing file: the audit is incomplete, not clean
expect_status zone-missing 2 audit --dns "$tmp/nope.zone"
grep_in zone-missing-said "unreadable  dns" "$tmp/out"

# expectations files: each bad line named, the good ones read
cat >"$tmp/expect.txt" <<'EOF'
# hand-written
www.example.com A 93.184.215.14 proxied
bad.example.com A 2001:db8::1
bad.example.com MX 10 mail
bad.example.com A 192.0.2.1 maybe
bad!.example.com A 192.0.2.1
api.example.com CNAME www.example.com dns-only extra
EOF
expect_status expect-exit 2 audit --dns "$tmp/expect.txt" --format json
for l in 3 4 5 6 7; do
	grep_in "expect-line-$l" "expect.txt:$l: " "$tmp/err"
done
if [ "$(jq '[.hosts[] | select(.name == "www.example.com")] | length' "$tmp/out")" = 2 ]; then
	ok expect-good-read
else
	fail expect-good-read "www.example.com is not in the hosts twice (http, https)"
fi

# CRLF line ends and a BOM-less UTF-8 comment are fine
printf ';; Domain:     example.com.\r\nwww.example.com.\t1\tIN\tA\t93.184.215.14 ; cf_tags=cf-proxied:true\r\n' >"$tmp/crlf.zone"
expect_status zone-crlf 0 audit --dns "$tmp/crlf.zone"

# DNS-only records are not hosts; the proxied flag comes from cf_tags
printf 'www.example.com.\t1\tIN\tA\t93.184.215.14 ; cf_tags=cf-proxied:false\napi.example.com.\t1\tIN\tA\t93.184.215.14 ; cf_tags=cf-flatten-cname:true,cf-proxied:true\n' >"$tmp/tags.zone"
expect_status zone-tags 0 audit --dns "$tmp/tags.zone" --format json
if [ "$(jq -c '[.hosts[].name] | unique' "$tmp/out")" = '["api.example.com"]' ]; then
	ok zone-tags-proxied-only
else
	fail zone-tags-proxied-only "hosts: $(jq -c '[.hosts[].name]' "$tmp/out")"
fi

# The sample where every status of 520-526 appears in the host table.
S=samples/dns-statuses
"$BIN" --root $S --config $S/cfaudit.conf --at $AT --format json >"$tmp/statuses.json" 2>"$tmp/err"
for st in 520 521 522 523 524 525 526; do
	n=$(jq "[.hosts[] | select(.status == $st)] | length" "$tmp/statuses.json")
	if [ "${n:-0}" -gt 0 ]; then ok "statuses-$st"; else fail "statuses-$st" "no host with status $st"; fi
done
# every failing host names a finding of its own status; OK hosts name a vhost
if jq -e '[.hosts[] | select((.status | type) == "number") |
	    select(.status as $s | .findings | map(startswith("CF\($s)-")) | any | not)] |
	    length == 0' "$tmp/statuses.json" >/dev/null 2>&1; then
	ok statuses-findings
else
	fail statuses-findings "$(jq -c '[.hosts[] | select((.status | type) == "number") | {name, scheme, status, findings}]' "$tmp/statuses.json")"
fi
if jq -e '[.hosts[] | select(.status == "OK") | select(.vhost == null)] | length == 0' \
	"$tmp/statuses.json" >/dev/null; then
	ok statuses-ok-vhost
else
	fail statuses-ok-vhost "an OK host without a vhost"
fi
# the keys of DESIGN.md
if jq -e '.hosts | all(has("name") and has("scheme") and has("family") and has("vhost") and
	    has("status") and has("findings"))' "$tmp/statuses.json" >/dev/null; then
	ok hosts-keys
else
	fail hosts-keys "missing keys in $(jq -c '.hosts[0]' "$tmp/statuses.json")"
fi
# a DNS-only record is not a host
if jq -e '.hosts | map(.name) | index("vpn.example.com") == null' "$tmp/statuses.json" >/dev/null; then
	ok statuses-dns-only
else
	fail statuses-dns-only "vpn.example.com (dns-only) is listed"
fi

# The older export style: $ORIGIN ., a multi-line SOA, names made absolute
# by the root origin; no cf_tags.
S=samples/dns-export-old
"$BIN" --root $S --config $S/cfaudit.conf --at $AT --format json >"$tmp/old.json" 2>"$tmp/err"
if [ "$(jq -c '[.hosts[] | select(.scheme == "http") | [.name, .status]]' "$tmp/old.json")" = \
	'[["blog.example.org","OK"],["example.org","OK"],["shop.example.org",530],["staging.example.org",523],["www.example.org","OK"]]' ]; then
	ok old-export
else
	fail old-export "$(jq -c '[.hosts[] | [.name, .scheme, .status]]' "$tmp/old.json")"
fi

# A fleet run's aggregate carries each root's host statuses.
"$BIN" --root samples/dns-statuses --root samples/dns-expectations --dns samples/dns-expectations/expected-dns.txt \
	--at $AT --no-config --aggregate "$tmp/agg.jsonl" --output-dir "$tmp/fleet" >/dev/null 2>&1
if [ "$(jq -s '[.[] | .hosts | length] | all(. > 0)' "$tmp/agg.jsonl" 2>/dev/null)" = true ]; then
	ok fleet-hosts
else
	fail fleet-hosts "$(head -c 300 "$tmp/agg.jsonl")"
fi

# Listen addresses are the origin's addresses; all of them only when no
# listener takes the wildcard address.
mkdir -p "$tmp/la/etc/nginx"
cat >"$tmp/la/etc/nginx/nginx.conf" <<'EOF2'
events {}
http {
	server {
		listen 93.184.215.15:80;
		server_name www.example.com;
	}
}
EOF2
printf 'www.example.com A 93.184.215.99\n' >"$tmp/la.txt"
"$BIN" --root "$tmp/la" --ssl-mode flexible --no-config --dns "$tmp/la.txt" --format json >"$tmp/la.json" 2>/dev/null
if jq -e '[.findings[].id] | index("CF522-DNS-ELSEWHERE") != null' "$tmp/la.json" >/dev/null; then
	ok listen-addresses-known
else
	fail listen-addresses-known "$(jq -c '[.findings[].id]' "$tmp/la.json")"
fi
sed -i 's/listen 93.184.215.15:80;/listen 93.184.215.15:80;\n\t\tlisten 8080;/' "$tmp/la/etc/nginx/nginx.conf"
"$BIN" --root "$tmp/la" --ssl-mode flexible --no-config --dns "$tmp/la.txt" --format json >"$tmp/la.json" 2>/dev/null
if jq -e '[.findings[].id] | (index("CF522-DNS-ELSEWHERE") == null) and (index("CF000-DNS-ORIGIN-UNKNOWN") != null)' "$tmp/la.json" >/dev/null; then
	ok listen-addresses-partial
else
	fail listen-addresses-partial "$(jq -c '[.findings[].id]' "$tmp/la.json")"
fi

# A proxied record holding one of Cloudflare's own addresses: error 1000, a 403
printf 'loop.example.com A 104.16.1.1\n' >"$tmp/cf.txt"
audit --dns "$tmp/cf.txt" --format json >"$tmp/cf.json" 2>/dev/null
if jq -e '([.findings[].id] | index("CF403-DNS-CLOUDFLARE-ADDR") != null) and
	  ([.hosts[] | select(.name == "loop.example.com") | .status] | all(. == 403))' "$tmp/cf.json" >/dev/null; then
	ok cloudflare-address
else
	fail cloudflare-address "$(jq -c '[.findings[].id], [.hosts[] | [.name, .status]]' "$tmp/cf.json")"
fi
