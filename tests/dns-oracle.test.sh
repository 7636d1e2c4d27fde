#!/bin/sh
# The zone-file oracles: the A, AAAA and CNAME records cfaudit reads from a
# zone file (through ldns, its JSON "dns" array) must be exactly those that
# independent readers of RFC 1035 master files read from the same file: BIND's
# named-compilezone for a zone written to exercise the syntax ($ORIGIN
# relative and absolute, $TTL, @, omitted owners, parentheses across lines and
# before the type, escapes, quoted ';', CRLF), and dnspython for the samples'
# Cloudflare exports (whose SOA owner lacks its final dot, which BIND refuses).
: "${BIN:=./cfaudit}"
PY=/usr/bin/python3
SUITE=dns-oracle
. "$(dirname "$0")/lib.sh"
make_tmp dns-oracle

if ! command -v jq >/dev/null 2>&1 || ! "$PY" -c 'import dns.zone' 2>/dev/null ||
	! command -v named-compilezone >/dev/null 2>&1; then
	echo "skip dns-oracle: jq, python3-dnspython or bind9-utils is not installed"
	exit 0
fi

# BIND's reading: "name TYPE value" lines, sorted
bind_reference() {
	named-compilezone -q -i none -o - "$2" "$1" |
		awk '$3 == "IN" && ($4 == "A" || $4 == "AAAA" || $4 == "CNAME") {
			name = tolower($1); sub(/\.$/, "", name)
			value = $5; if ($4 == "CNAME") { value = tolower(value); sub(/\.$/, "", value) }
			print name, $4, value
		}' | LC_ALL=C sort
}

# dnspython's reading: "name TYPE value" lines, sorted
python_reference() {
	"$PY" - "$1" "$2" <<'EOF' | LC_ALL=C sort
import ipaddress
import sys

import dns.rdataclass
import dns.rdatatype
import dns.zone

path, origin = sys.argv[1], sys.argv[2]
with open(path) as f:
    # Cloudflare's exports write the SOA owner without its final dot (the
    # zone's name relative to itself); the SOA is no A, AAAA or CNAME record
    # and dnspython refuses such a zone: leave one-line SOAs out
    text = "".join(l for l in f if " SOA " not in l.replace("\t", " ") or "(" in l)
zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
for name, node in zone.nodes.items():
    owner = name.to_text(omit_final_dot=True).lower()
    for rds in node.rdatasets:
        if rds.rdclass != dns.rdataclass.IN:
            continue
        for rd in rds:
            if rds.rdtype == dns.rdatatype.A:
                print(owner, "A", rd.address)
            elif rds.rdtype == dns.rdatatype.AAAA:
                print(owner, "AAAA", ipaddress.IPv6Address(rd.address).compressed)
            elif rds.rdtype == dns.rdatatype.CNAME:
                print(owner, "CNAME", rd.target.to_text(omit_final_dot=True).lower())
EOF
}

# compare NAME ZONE ORIGIN bind|python
compare() {
	if ! "$4_reference" "$2" "$3" >"$tmp/want" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
		fail "$1" "the $4 reference refused the zone: $(tail -n 1 "$tmp/err")"
		return
	fi
	mkdir -p "$tmp/root"
	"$BIN" --root "$tmp/root" --no-config --dns "$2" --format json 2>"$tmp/err" |
		jq -r '.dns[] | "\(.name) \(.type) \(.value)"' | LC_ALL=C sort >"$tmp/got"
	if [ -s "$tmp/err" ]; then
		fail "$1" "cfaudit: $(head -n 1 "$tmp/err")"
	elif [ ! -s "$tmp/want" ]; then
		fail "$1" "the reference read no record"
	elif cmp -s "$tmp/want" "$tmp/got"; then
		ok "$1 ($(wc -l <"$tmp/want") records)"
	else
		fail "$1" "$(diff "$tmp/want" "$tmp/got" | head -n 8 | tr '\n' '|')"
	fi
}

compare new-export samples/dns-statuses/zone.txt example.com. python
compare old-export samples/dns-export-old/zone.txt example.org. python

printf '%s\r\n' \
	'$ORIGIN example.net.' \
	'$TTL 1h' \
	'@ IN SOA ns1 hostmaster ( 2026112701 ; serial' \
	'        3h 1h 1w' \
	'        5m )' \
	'@ 300 IN A 93.184.215.30' \
	'  IN AAAA 2606:2800:021f:cb07:0000:0000:0000:0030' \
	'WWW 60 IN A 93.184.215.30' \
	'ns1 IN A 93.184.215.2' \
	'@ IN NS ns1' \
	'api 60 CNAME www' \
	'txt IN TXT "a;b" ( "c" )' \
	'esc\065ped IN A 93.184.215.31' \
	'$ORIGIN sub' \
	'deep IN CNAME api.example.net.' \
	'@ IN A 93.184.215.32' \
	'$ORIGIN example.net.' \
	'multi IN ( A' \
	'  93.184.215.33 )' \
	'mx IN MX 10 mail.example.net.' >"$tmp/syntax.zone"
compare syntax "$tmp/syntax.zone" example.net. bind
