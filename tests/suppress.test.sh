#!/bin/sh
# Inline suppressions in each config language, on copies of the samples: a
# directive on the line before the finding (or on its rule) hides it, the
# count says so, the JSON keeps it, and the exit status no longer counts it.
: "${BIN:=./cfaudit}"
AT=2026-11-01
SUITE=suppress
. "$(dirname "$0")/lib.sh"
make_tmp suppress

# insert FILE LINE TEXT: TEXT becomes line LINE of FILE
insert() {
	awk -v n="$2" -v t="$3" 'NR == n { print t } { print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# suppressed NAME ROOT ID: every finding of ID in ROOT is suppressed, none
# is printed, and the run's status is what it is without them
suppressed() {
	"$BIN" --root "$2" --at $AT --format json --no-config >"$tmp/out.json" 2>"$tmp/err"
	if jq -e --arg id "$3" '[.findings[] | select(.id == $id)] | length > 0 and all(.suppressed)' "$tmp/out.json" >/dev/null; then
		ok "$1"
	else
		fail "$1" "$(jq -c --arg id "$3" '[.findings[] | select(.id == $id) | [.file, .line, .suppressed]]' "$tmp/out.json" 2>/dev/null) $(head -c 200 "$tmp/err")"
	fi
	"$BIN" --root "$2" --at $AT --no-config >"$tmp/out.txt" 2>&1
	if grep -q ": $3: " "$tmp/out.txt"; then fail "$1-text" "printed: $(grep ": $3: " "$tmp/out.txt" | head -n 1)"; else ok "$1-text"; fi
}

# firewall (iptables-save): a comment line before the rule
cp -r samples/fw-drop "$tmp/ipt"
line=$("$BIN" --root "$tmp/ipt" --format json --no-config 2>/dev/null | jq -r '[.findings[] | select(.file == "/etc/iptables/rules.v4")][0].line')
insert "$tmp/ipt/etc/iptables/rules.v4" "$line" '# cfaudit: ignore CF522-FW-DROP reason="test: the jail is emptied hourly"'
"$BIN" --root "$tmp/ipt" --at $AT --format json --no-config >"$tmp/out.json" 2>/dev/null
if jq -e --argjson l "$((line + 1))" '[.findings[] | select(.file == "/etc/iptables/rules.v4" and .line == $l)][0].suppressed' "$tmp/out.json" >/dev/null; then ok iptables; else fail iptables "not suppressed at rules.v4:$((line + 1))"; fi
if jq -e '.summary.suppressed == 1 and ([.findings[] | select(.suppressed | not)] | length) == 2' "$tmp/out.json" >/dev/null; then ok iptables-others-count; else fail iptables-others-count "$(jq -c .summary "$tmp/out.json")"; fi

# nginx: a comment in an included file
cp -r samples/nginx-keepalive-off "$tmp/nginx"
f=$tmp/nginx/etc/nginx/conf.d/tuning.conf
line=$(grep -n '^keepalive_timeout' "$f" | cut -d: -f1)
insert "$f" "$line" '    # cfaudit: ignore CF520-KEEPALIVE-OFF reason="test: long polling"'
suppressed nginx-include "$tmp/nginx" CF520-KEEPALIVE-OFF
# the sample's config names its test trust store (--ca)
"$BIN" --root "$tmp/nginx" --at $AT --config "$tmp/nginx/cfaudit.conf" >/dev/null 2>&1
st=$?
if [ "$st" = 0 ]; then ok nginx-status; else fail nginx-status "exit $st"; fi

# firewalld: an XML comment before the zone element the finding names
cp -r samples/firewalld-drop-default "$tmp/fwd"
"$BIN" --root "$tmp/fwd" --at $AT --format json --no-config 2>/dev/null >"$tmp/fwd.json"
file=$(jq -r '[.findings[] | select(.id == "CF522-FW-DROP")][0].file' "$tmp/fwd.json")
line=$(jq -r '[.findings[] | select(.id == "CF522-FW-DROP")][0].line' "$tmp/fwd.json")
if [ -f "$tmp/fwd/$file" ]; then
	insert "$tmp/fwd/$file" "$line" '<!-- cfaudit: ignore CF522-FW-DROP reason="test: drop zone on purpose" -->'
	suppressed firewalld-xml "$tmp/fwd" CF522-FW-DROP
else
	fail firewalld-xml "no CF522-FW-DROP finding in a file of the sample"
fi

# ufw: the policy line in /etc/default/ufw
cp -r samples/ufw "$tmp/ufw"
line=$(grep -n '^DEFAULT_INPUT_POLICY' "$tmp/ufw/etc/default/ufw" | cut -d: -f1)
insert "$tmp/ufw/etc/default/ufw" "$line" '# cfaudit: ignore CF522-FW-DROP reason="test: allowlist managed elsewhere"'
suppressed ufw-policy "$tmp/ufw" CF522-FW-DROP

# a directive for another check, or two lines away, hides nothing
cp -r samples/fw-drop "$tmp/far"
line=$("$BIN" --root "$tmp/far" --format json --no-config 2>/dev/null | jq -r '[.findings[] | select(.file == "/etc/iptables/rules.v4")][0].line')
insert "$tmp/far/etc/iptables/rules.v4" "$((line - 1))" '-A INPUT -s 192.0.2.1/32 -j ACCEPT # cfaudit: ignore CF522-FW-DROP reason="not this rule"'
insert "$tmp/far/etc/iptables/rules.v4" "$line" '# cfaudit: ignore CF521-FW-REJECT reason="another check"'
"$BIN" --root "$tmp/far" --at $AT --format json --no-config >"$tmp/out.json" 2>/dev/null
if jq -e '.summary.suppressed == 0' "$tmp/out.json" >/dev/null; then ok not-too-far; else fail not-too-far "$(jq -c .summary "$tmp/out.json")"; fi

# zone files (';') and expectations files ('#'): the line before the record
S=samples/dns-statuses
cp -r $S "$tmp/zone"
line=$(grep -n '^moved.example.com' "$tmp/zone/zone.txt" | cut -d: -f1)
insert "$tmp/zone/zone.txt" "$line" '; cfaudit: ignore CF522-DNS-ELSEWHERE reason="test: moved to the new host"'
"$BIN" --root "$tmp/zone" --at $AT --config "$tmp/zone/cfaudit.conf" --format json >"$tmp/out.json" 2>/dev/null
if jq -e '[.findings[] | select(.id == "CF522-DNS-ELSEWHERE")] | length == 1 and all(.suppressed)' "$tmp/out.json" >/dev/null; then
	ok zone-record
else
	fail zone-record "$(jq -c '[.findings[] | select(.id == "CF522-DNS-ELSEWHERE") | [.line, .suppressed]]' "$tmp/out.json")"
fi
cp -r samples/dns-expectations "$tmp/expect"
line=$(grep -n '^status.example.net' "$tmp/expect/expected-dns.txt" | cut -d: -f1)
insert "$tmp/expect/expected-dns.txt" "$line" '# cfaudit: ignore CF000-DNS-CNAME-EXTERNAL reason="test: the status page is the provider'"'"'s"'
"$BIN" --root "$tmp/expect" --at $AT --config "$tmp/expect/cfaudit.conf" --format json >"$tmp/out.json" 2>/dev/null
if jq -e '[.findings[] | select(.id == "CF000-DNS-CNAME-EXTERNAL")] | length == 1 and all(.suppressed)' "$tmp/out.json" >/dev/null; then
	ok expectations-record
else
	fail expectations-record "$(jq -c '[.findings[] | select(.id == "CF000-DNS-CNAME-EXTERNAL") | [.line, .suppressed]]' "$tmp/out.json")"
fi

# --ignore and "ignore =" in the config file: by check, file pattern and host
"$BIN" --root samples/fw-drop --at $AT --no-config --format json \
	--ignore 'CF522-FW-DROP reason="test: the jail" file=/etc/iptables/*' >"$tmp/out.json" 2>/dev/null
if jq -e '[.findings[] | select(.id == "CF522-FW-DROP")] | length > 0 and all(.suppressed)' "$tmp/out.json" >/dev/null; then
	ok option-file-pattern
else
	fail option-file-pattern "$(jq -c '[.findings[] | [.id, .file, .suppressed]]' "$tmp/out.json")"
fi
"$BIN" --root samples/fw-drop --at $AT --no-config --format json \
	--ignore 'CF522-FW-DROP reason="test: elsewhere" file=/etc/nftables.conf' >"$tmp/out.json" 2>/dev/null
if jq -e '.summary.suppressed == 0' "$tmp/out.json" >/dev/null; then ok option-other-file; else fail option-other-file "$(jq -c .summary "$tmp/out.json")"; fi
cp -r samples/dns-statuses "$tmp/cfg"
printf 'ignore = CF522-DNS-ELSEWHERE reason="test: moved" host=moved.example.com\nignore = CF523-DNS-PRIVATE-ADDR reason="test: old" host=other.example.com until=2020-01-01\n' >>"$tmp/cfg/cfaudit.conf"
"$BIN" --root "$tmp/cfg" --at $AT --config "$tmp/cfg/cfaudit.conf" --format json >"$tmp/out.json" 2>/dev/null
if jq -e '([.findings[] | select(.id == "CF522-DNS-ELSEWHERE")] | all(.suppressed)) and
	  ([.findings[] | select(.id == "CF523-DNS-PRIVATE-ADDR")] | all(.suppressed | not)) and
	  ([.findings[] | select(.id == "CF000-SUPPRESS-EXPIRED")] | length == 1)' "$tmp/out.json" >/dev/null; then
	ok config-ignore
else
	fail config-ignore "$(jq -c '[.findings[] | [.id, .file, .line, .suppressed]]' "$tmp/out.json")"
fi
printf 'ignore = CF522-DNS-ELSEWHERE\n' >>"$tmp/cfg/cfaudit.conf"
"$BIN" --root "$tmp/cfg" --config "$tmp/cfg/cfaudit.conf" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" = 3 ] && grep -q "cfaudit.conf:[0-9]*: ignore CF522-DNS-ELSEWHERE: a reason" "$tmp/err"; then
	ok config-ignore-no-reason
else
	fail config-ignore-no-reason "exit $st: $(head -c 200 "$tmp/err")"
fi
