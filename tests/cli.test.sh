#!/bin/sh
# The command line contract: exit statuses, --explain, --list-checks, --ranges,
# confinement to --root, hostile bytes in output. Prints ok/not ok lines.
: "${BIN:=./cfaudit}"
SUITE=cli
. "$(dirname "$0")/lib.sh"
make_tmp cli

expect_status usage-unknown-option 3 "$BIN" --bogus
expect_status usage-bad-port 3 "$BIN" --ports 80,99999
expect_status usage-bad-format 3 "$BIN" --format yaml
expect_status usage-bad-at 3 "$BIN" --at yesterday
expect_status usage-bad-ssl-mode 3 "$BIN" --ssl-mode half
expect_status usage-bad-host-addr 3 "$BIN" --host-addr example.com
expect_status usage-missing-root 3 "$BIN" --root "$tmp/does-not-exist"
expect_status explain-unknown 3 "$BIN" --explain CF999-NOPE
expect_status version 0 "$BIN" --version
grep_in version-text "cfaudit " "$tmp/out"
expect_status help 0 "$BIN" --help
grep_in help-lists-root "\-\-root DIR" "$tmp/out"
expect_status list-checks 0 "$BIN" --list-checks
grep_in list-checks-drop "CF522-FW-DROP" "$tmp/out"
expect_status explain 0 "$BIN" --explain CF522-FW-DROP
grep_in explain-fix "Fix:" "$tmp/out"

# nothing to audit: incomplete (2), and said so
mkdir -p "$tmp/empty"
expect_status empty-root 2 "$BIN" --root "$tmp/empty"
grep_in empty-root-says "nothing" "$tmp/out"

# a clean firewall: exit 0; the same with a drop: exit 1, 0 with --fail-on never
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' >"$tmp/open.v4"
expect_status clean 0 "$BIN" --iptables "$tmp/open.v4"
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 162.158.0.0/15 -j DROP\nCOMMIT\n' >"$tmp/drop.v4"
expect_status drop 1 "$BIN" --iptables "$tmp/drop.v4"
grep_in drop-line "drop.v4:5: error: CF522-FW-DROP" "$tmp/out"
expect_status drop-fail-on-never 0 "$BIN" --iptables "$tmp/drop.v4" --fail-on never
expect_status drop-fail-on-error 1 "$BIN" --iptables "$tmp/drop.v4" --fail-on error

# a broken file: exit 2, file:line on stderr, the other input still audited
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD --bogus-option 1 -j DROP\nCOMMIT\n' >"$tmp/bad.v4"
expect_status bad-input 2 "$BIN" --iptables "$tmp/bad.v4" --iptables "$tmp/drop.v4"
grep_in bad-input-line "bad.v4:4: " "$tmp/err"
grep_in bad-input-others "CF522-FW-DROP" "$tmp/out"
# a refused rule is not left out: what reaches it is undecided, never accept
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --bogus-option 1 -j DROP\nCOMMIT\n' >"$tmp/bad-input.v4"
expect_status bad-rule 2 "$BIN" --iptables "$tmp/bad-input.v4"
grep_in bad-rule-undecided "verdicts: 30 undecided" "$tmp/out"
grep_in bad-rule-named "the rule at .*bad-input.v4:3 could not be read" "$tmp/out"
expect_status missing-file 2 "$BIN" --iptables "$tmp/nope.v4"

# --ranges: plain and the API's JSON; an empty file is an input error
printf '# mine\n162.158.0.0/15\n2400:cb00::/32 # v6\n' >"$tmp/ranges.txt"
expect_status ranges-plain 1 "$BIN" --iptables "$tmp/drop.v4" --ranges "$tmp/ranges.txt" --format json
if jq -e '.ranges.ipv4 == 1 and .ranges.ipv6 == 1 and (.reachability | length) == 2' "$tmp/out" >/dev/null; then ok ranges-plain-count; else fail ranges-plain-count "$(jq -c .ranges "$tmp/out")"; fi
printf '{"result":{"ipv4_cidrs":["173.245.48.0/20","162.158.0.0/15"],"ipv6_cidrs":["2400:cb00::/32"],"etag":"x"},"success":true}' >"$tmp/ips.json"
expect_status ranges-json 1 "$BIN" --iptables "$tmp/drop.v4" --ranges "$tmp/ips.json" --format json
if jq -e '.ranges.ipv4 == 2 and .ranges.source != "builtin"' "$tmp/out" >/dev/null; then ok ranges-json-count; else fail ranges-json-count "$(jq -c .ranges "$tmp/out")"; fi
printf '{"result":{"ipv4_cidrs":["not-a-cidr"]}}' >"$tmp/bad.json"
expect_status ranges-json-bad 2 "$BIN" --iptables "$tmp/open.v4" --ranges "$tmp/bad.json"
grep_in ranges-json-bad-msg "ipv4_cidrs\[0\]" "$tmp/err"

# stale built-in ranges: an info finding, not a failure
expect_status stale-ranges 0 "$BIN" --iptables "$tmp/open.v4" --at 2030-01-01
grep_in stale-ranges-msg "CF000-RANGES-STALE" "$tmp/out"

# --root confinement: a symlink to a file outside the root is not followed out
mkdir -p "$tmp/root/etc/iptables"
cp "$tmp/drop.v4" "$tmp/outside.v4"
ln -s "$tmp/outside.v4" "$tmp/root/etc/iptables/rules.v4"
expect_status root-symlink-escape 2 "$BIN" --root "$tmp/root"
if grep -q "CF522-FW-DROP" "$tmp/out"; then fail root-symlink-escape-read "read a file outside the root"; else ok root-symlink-escape-read; fi
rm "$tmp/root/etc/iptables/rules.v4"
ln -s ../../../outside.v4 "$tmp/root/etc/iptables/rules.v4"
expect_status root-dotdot-escape 2 "$BIN" --root "$tmp/root"
# an absolute symlink resolves inside the root, as the server would see it
rm "$tmp/root/etc/iptables/rules.v4"
mkdir -p "$tmp/root/srv"
cp "$tmp/drop.v4" "$tmp/root/srv/fw.v4"
ln -s /srv/fw.v4 "$tmp/root/etc/iptables/rules.v4"
expect_status root-absolute-symlink-inside 1 "$BIN" --root "$tmp/root"
# a FIFO never blocks
rm "$tmp/root/etc/iptables/rules.v4"
mkfifo "$tmp/root/etc/iptables/rules.v4"
expect_status root-fifo 2 timeout 10 "$BIN" --root "$tmp/root"
grep_in root-fifo-msg "not a regular file" "$tmp/err"

# hostile bytes: escaped in text, valid in JSON
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 162.158.0.0/15 -m comment --comment "\033[2J\377" -j DROP\n-A INPUT --bad\033]0;x\007 -j DROP\nCOMMIT\n' >"$tmp/esc.v4"
"$BIN" --iptables "$tmp/esc.v4" >"$tmp/out" 2>"$tmp/err"
if grep -q "$(printf '\033')" "$tmp/out" "$tmp/err"; then fail escape-text "raw ESC reached the terminal"; else ok escape-text; fi
"$BIN" --iptables "$tmp/esc.v4" --format json >"$tmp/out" 2>/dev/null
if jq -e . "$tmp/out" >/dev/null 2>&1; then ok escape-json-valid; else fail escape-json-valid "invalid JSON"; fi

# ---- report formats and several outputs from one run ----
expect_status format-sarif 1 "$BIN" --iptables "$tmp/drop.v4" --format sarif
if jq -e '.version == "2.1.0"' "$tmp/out" >/dev/null 2>&1; then ok format-sarif-doc; else fail format-sarif-doc "not SARIF"; fi
expect_status format-junit 1 "$BIN" --iptables "$tmp/drop.v4" --format junit
grep_in format-junit-doc "<testsuites>" "$tmp/out"
rm -f "$tmp/r.json" "$tmp/r.sarif" "$tmp/r.xml"
expect_status outputs 1 "$BIN" --iptables "$tmp/drop.v4" --output "json:$tmp/r.json" --output "sarif:$tmp/r.sarif" --output "junit:$tmp/r.xml"
grep_in outputs-text-on-stdout "drop.v4:5: error: CF522-FW-DROP" "$tmp/out"
if jq -e '.findings[0].id == "CF522-FW-DROP"' "$tmp/r.json" >/dev/null 2>&1 &&
	jq -e '.runs[0].results[0].ruleId == "CF522-FW-DROP"' "$tmp/r.sarif" >/dev/null 2>&1 &&
	grep -q '<failure' "$tmp/r.xml"; then ok outputs-files; else fail outputs-files "a report file is missing or wrong"; fi
# --output FILE with --format keeps working; a colon in a file name that is no format is a file
expect_status output-file 1 "$BIN" --iptables "$tmp/drop.v4" --format json --output "$tmp/plain.json"
if [ ! -s "$tmp/out" ] && jq -e '.findings | length == 1' "$tmp/plain.json" >/dev/null 2>&1; then ok output-file-written; else fail output-file-written "stdout not empty or no JSON file"; fi
expect_status output-colon-name 1 "$BIN" --iptables "$tmp/drop.v4" --output "$tmp/a:b.txt"
grep_in output-colon-name-file "CF522-FW-DROP" "$tmp/a:b.txt"
expect_status output-unwritable 3 "$BIN" --iptables "$tmp/drop.v4" --output "json:$tmp/no/such/dir/r.json"
expect_status output-no-file 3 "$BIN" --iptables "$tmp/drop.v4" --output json:
# a report that cannot be written (a full disk) fails the run: 2, not the findings' 1
if [ -w /dev/full ]; then
	expect_status output-write-error 2 "$BIN" --iptables "$tmp/drop.v4" --output json:/dev/full
	grep_in output-write-error-msg "could not write the json report" "$tmp/err"
fi

# ---- the exit status (DESIGN.md), every case ----
# 0: complete, nothing at or above --fail-on; 1: something is; 2: incomplete
# whatever was found; 3: usage error
expect_status status-clean-fail-on-info 0 "$BIN" --iptables "$tmp/open.v4" --fail-on info
expect_status status-error-default 1 "$BIN" --iptables "$tmp/drop.v4"
expect_status status-error-fail-on-info 1 "$BIN" --iptables "$tmp/drop.v4" --fail-on info
expect_status status-error-fail-on-never 0 "$BIN" --iptables "$tmp/drop.v4" --fail-on never
# --severity moves one check across the --fail-on threshold
expect_status severity-warning-fail-on-error 0 "$BIN" --iptables "$tmp/drop.v4" --severity CF522-FW-DROP=warning --fail-on error
expect_status severity-warning-fail-on-warning 1 "$BIN" --iptables "$tmp/drop.v4" --severity CF522-FW-DROP=warning
grep_in severity-warning-printed "drop.v4:5: warning: CF522-FW-DROP" "$tmp/out"
expect_status severity-info-default 0 "$BIN" --iptables "$tmp/drop.v4" --severity CF522-FW-DROP=info
expect_status severity-info-fail-on-info 1 "$BIN" --iptables "$tmp/drop.v4" --severity CF522-FW-DROP=info --fail-on info
expect_status severity-last-wins 1 "$BIN" --iptables "$tmp/drop.v4" --severity CF522-FW-DROP=info --severity CF522-FW-DROP=error --fail-on error
expect_status severity-other-check 1 "$BIN" --iptables "$tmp/drop.v4" --severity CF521-FW-REJECT=info
expect_status severity-json 1 "$BIN" --iptables "$tmp/drop.v4" --severity CF522-FW-DROP=warning --format json
if jq -e '.findings[0].severity == "warning" and .summary.warning == 1 and .summary.error == 0' "$tmp/out" >/dev/null; then ok severity-json-fields; else fail severity-json-fields "$(jq -c .summary "$tmp/out")"; fi
expect_status usage-severity-unknown-id 3 "$BIN" --severity CF999-NOPE=info
grep_in usage-severity-unknown-id-msg "CF999-NOPE" "$tmp/err"
expect_status usage-severity-bad-level 3 "$BIN" --severity CF522-FW-DROP=fatal
expect_status usage-severity-never 3 "$BIN" --severity CF522-FW-DROP=never
expect_status usage-severity-no-level 3 "$BIN" --severity CF522-FW-DROP
expect_status usage-bad-fail-on 3 "$BIN" --fail-on sometimes
# incomplete wins over findings and over --fail-on never
expect_status status-incomplete-with-findings 2 "$BIN" --iptables "$tmp/bad.v4" --iptables "$tmp/drop.v4" --fail-on never
expect_status status-incomplete-clean 2 "$BIN" --iptables "$tmp/bad.v4" --fail-on never

# ---- inline suppressions ----
cat >"$tmp/supp.v4" <<'RULES'
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
# cfaudit: ignore CF522-FW-DROP reason="a jail agreed with the CDN team"
-A INPUT -s 162.158.0.0/15 -j DROP
-A INPUT -s 173.245.48.0/20 -m comment --comment "cfaudit: ignore CF522-FW-DROP reason='rule comment'" -j DROP
COMMIT
RULES
expect_status suppressed 0 "$BIN" --iptables "$tmp/supp.v4"
if grep -q "CF522-FW-DROP" "$tmp/out"; then fail suppressed-not-printed "a suppressed finding was printed"; else ok suppressed-not-printed; fi
grep_in suppressed-counted "2 suppressed" "$tmp/out"
expect_status suppressed-json 0 "$BIN" --iptables "$tmp/supp.v4" --format json
if jq -e '(.findings | length) == 2 and all(.findings[]; .suppressed and .suppression.reason != null) and .summary.suppressed == 2 and .summary.error == 0' "$tmp/out" >/dev/null; then ok suppressed-json-fields; else fail suppressed-json-fields "$(jq -c '.summary' "$tmp/out")"; fi
expect_status suppressed-sarif 0 "$BIN" --iptables "$tmp/supp.v4" --format sarif
if jq -e 'all(.runs[0].results[]; .suppressions[0].kind == "inSource" and .properties.suppressed)' "$tmp/out" >/dev/null; then ok suppressed-sarif-fields; else fail suppressed-sarif-fields "no suppressions in SARIF"; fi
expect_status suppressed-fail-on-info 0 "$BIN" --iptables "$tmp/supp.v4" --fail-on info
# no reason: an input error at its line, and the finding counts
sed 's/ reason="a jail agreed with the CDN team"//' "$tmp/supp.v4" >"$tmp/noreason.v4"
expect_status suppress-no-reason 2 "$BIN" --iptables "$tmp/noreason.v4"
grep_in suppress-no-reason-line "noreason.v4:5: cfaudit: ignore CF522-FW-DROP: a reason" "$tmp/err"
grep_in suppress-no-reason-counts "noreason.v4:6: error: CF522-FW-DROP" "$tmp/out"
# until= past --at: it stops working, and an info finding says so
sed 's/reason="a jail agreed with the CDN team"/reason="temporary" until=2026-06-30/' "$tmp/supp.v4" >"$tmp/until.v4"
expect_status suppress-until-valid 0 "$BIN" --iptables "$tmp/until.v4" --at 2026-06-30T23:59:59Z
expect_status suppress-until-expired 1 "$BIN" --iptables "$tmp/until.v4" --at 2026-07-01
grep_in suppress-until-expired-info "until.v4:5: info: CF000-SUPPRESS-EXPIRED" "$tmp/out"
grep_in suppress-until-expired-counts "until.v4:6: error: CF522-FW-DROP" "$tmp/out"
sed 's/reason="a jail agreed with the CDN team"/reason=x until=30.06.2026/' "$tmp/supp.v4" >"$tmp/baddate.v4"
expect_status suppress-bad-date 2 "$BIN" --iptables "$tmp/baddate.v4"
grep_in suppress-bad-date-msg "baddate.v4:5: cfaudit: ignore: until=30.06.2026 is not a date" "$tmp/err"

# ---- baselines: only new findings count; fingerprints survive lines moving ----
expect_status baseline-write 0 "$BIN" --iptables "$tmp/drop.v4" --write-baseline "$tmp/base.json"
if jq -e 'type == "array" and length == 1 and (.[0] | test("^[0-9a-f]{16}$"))' "$tmp/base.json" >/dev/null 2>&1; then ok baseline-file; else fail baseline-file "$(head -c 200 "$tmp/base.json")"; fi
expect_status baseline-same 0 "$BIN" --iptables "$tmp/drop.v4" --baseline "$tmp/base.json"
grep_in baseline-counted "1 in the baseline" "$tmp/out"
expect_status baseline-json 0 "$BIN" --iptables "$tmp/drop.v4" --baseline "$tmp/base.json" --format json
if jq -e '.findings[0].baselined == true and .summary.baselined == 1 and .summary.error == 0' "$tmp/out" >/dev/null; then ok baseline-json-fields; else fail baseline-json-fields "$(jq -c '.summary' "$tmp/out")"; fi
# the same rule four lines further down, and an undecided match quoting its
# own line: the same fingerprints
{ printf '# moved\n#\n#\n#\n'; cat "$tmp/drop.v4"; } >"$tmp/moved.v4"
cp "$tmp/drop.v4" "$tmp/drop-copy.v4"
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 162.158.0.0/15 -m string --string x --algo bm -j DROP\nCOMMIT\n' >"$tmp/und.v4"
{ printf '#\n#\n'; cat "$tmp/und.v4"; } >"$tmp/und-moved.v4"
"$BIN" --iptables "$tmp/und.v4" --format json 2>/dev/null | jq -r '.findings[].fingerprint' >"$tmp/fp1"
mv "$tmp/und-moved.v4" "$tmp/und.v4"
"$BIN" --iptables "$tmp/und.v4" --format json 2>/dev/null | jq -r '.findings[].fingerprint' >"$tmp/fp2"
if [ -s "$tmp/fp1" ] && cmp -s "$tmp/fp1" "$tmp/fp2"; then ok fingerprint-lines-moved; else fail fingerprint-lines-moved "$(cat "$tmp/fp1" "$tmp/fp2" | tr '\n' ' ')"; fi
"$BIN" --iptables "$tmp/drop.v4" --format json 2>/dev/null | jq -r '.findings[0] | "\(.line) \(.fingerprint)"' >"$tmp/a1"
cp "$tmp/moved.v4" "$tmp/drop.v4"
"$BIN" --iptables "$tmp/drop.v4" --format json 2>/dev/null | jq -r '.findings[0] | "\(.line) \(.fingerprint)"' >"$tmp/a2"
if [ "$(cut -d' ' -f2 "$tmp/a1")" = "$(cut -d' ' -f2 "$tmp/a2")" ] && [ "$(cut -d' ' -f1 "$tmp/a1")" != "$(cut -d' ' -f1 "$tmp/a2")" ]; then ok baseline-line-moved-fingerprint; else fail baseline-line-moved-fingerprint "$(cat "$tmp/a1" "$tmp/a2" | tr '\n' ' ')"; fi
expect_status baseline-lines-moved 0 "$BIN" --iptables "$tmp/drop.v4" --baseline "$tmp/base.json"
# a new finding counts; the old one still does not
sed 's/^COMMIT$/-A INPUT -s 173.245.48.0\/20 -j REJECT\nCOMMIT/' "$tmp/drop.v4" >"$tmp/new.v4"
mv "$tmp/new.v4" "$tmp/drop.v4"
expect_status baseline-new-finding 1 "$BIN" --iptables "$tmp/drop.v4" --baseline "$tmp/base.json"
grep_in baseline-new-printed "CF521-FW-REJECT" "$tmp/out"
if grep -q "CF522-FW-DROP" "$tmp/out"; then fail baseline-old-hidden "a baselined finding was printed"; else ok baseline-old-hidden; fi
cp "$tmp/drop-copy.v4" "$tmp/drop.v4"
# a baseline from a JSON report works too; a bad one is a usage error
"$BIN" --iptables "$tmp/drop.v4" --format json >"$tmp/report.json" 2>/dev/null
expect_status baseline-from-report 0 "$BIN" --iptables "$tmp/drop.v4" --baseline "$tmp/report.json"
printf '{"not": "a baseline"}' >"$tmp/badbase.json"
expect_status usage-baseline-bad 3 "$BIN" --iptables "$tmp/drop.v4" --baseline "$tmp/badbase.json"
expect_status usage-baseline-missing 3 "$BIN" --iptables "$tmp/drop.v4" --baseline "$tmp/nope.json"
printf '["ok", 3]' >"$tmp/badbase2.json"
expect_status usage-baseline-element 3 "$BIN" --iptables "$tmp/drop.v4" --baseline "$tmp/badbase2.json"
grep_in usage-baseline-element-msg "element 1" "$tmp/err"

# ---- the config file: defaults; the command line wins; bad lines are file:line, 3 ----
mkdir -p "$tmp/cwd"
cp "$tmp/drop.v4" "$tmp/cwd/drop.v4"
printf '# defaults for this server\nfail-on = never\nssl-mode = full   # comment\n\nseverity = CF522-FW-DROP=warning\nports = 443\n' >"$tmp/cwd/.cfaudit.conf"
bin=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
(cd "$tmp/cwd" && "$bin" --iptables drop.v4 --format json >out.json 2>err.txt; echo $? >status)
if [ "$(cat "$tmp/cwd/status")" = 0 ] && jq -e '.settings.ssl_mode == "full" and .settings.ports == [443] and .findings[0].severity == "warning"' "$tmp/cwd/out.json" >/dev/null 2>&1; then ok config-default-file; else fail config-default-file "status $(cat "$tmp/cwd/status"): $(head -c 200 "$tmp/cwd/err.txt")"; fi
(cd "$tmp/cwd" && "$bin" --iptables drop.v4 --fail-on warning --ssl-mode strict --format json >out.json 2>&1; echo $? >status)
if [ "$(cat "$tmp/cwd/status")" = 1 ] && jq -e '.settings.ssl_mode == "strict"' "$tmp/cwd/out.json" >/dev/null 2>&1; then ok config-command-line-wins; else fail config-command-line-wins "status $(cat "$tmp/cwd/status")"; fi
(cd "$tmp/cwd" && "$bin" --no-config --iptables drop.v4 >/dev/null 2>&1; echo $? >status)
if [ "$(cat "$tmp/cwd/status")" = 1 ]; then ok config-no-config; else fail config-no-config "status $(cat "$tmp/cwd/status")"; fi
printf 'fail-on = never\n' >"$tmp/other.conf"
expect_status config-option 0 "$BIN" --config "$tmp/other.conf" --iptables "$tmp/drop.v4"
printf 'ranges = ranges.txt\n' >"$tmp/cwd/rel.conf"
printf '173.245.48.0/20\n' >"$tmp/cwd/ranges.txt"
expect_status config-relative-path 0 "$BIN" --config "$tmp/cwd/rel.conf" --iptables "$tmp/drop.v4" --format json
if jq -e '.ranges.ipv4 == 1' "$tmp/out" >/dev/null 2>&1; then ok config-relative-path-used; else fail config-relative-path-used "$(jq -c .ranges "$tmp/out")"; fi
printf 'fail-on = never\nfrobnicate = yes\n' >"$tmp/bad.conf"
expect_status config-unknown-key 3 "$BIN" --config "$tmp/bad.conf" --iptables "$tmp/drop.v4"
grep_in config-unknown-key-msg "bad.conf:2: unknown key \"frobnicate\"" "$tmp/err"
printf '\nssl-mode = half\n' >"$tmp/bad.conf"
expect_status config-bad-value 3 "$BIN" --config "$tmp/bad.conf" --iptables "$tmp/drop.v4"
grep_in config-bad-value-msg "bad.conf:2: --ssl-mode: \"half\"" "$tmp/err"
printf 'severity = CF999-NOPE=info\n' >"$tmp/bad.conf"
expect_status config-bad-severity 3 "$BIN" --config "$tmp/bad.conf" --iptables "$tmp/drop.v4"
grep_in config-bad-severity-msg "bad.conf:1: " "$tmp/err"
printf 'just words\n' >"$tmp/bad.conf"
expect_status config-not-key-value 3 "$BIN" --config "$tmp/bad.conf"
grep_in config-not-key-value-msg "bad.conf:1: expected \"key = value\"" "$tmp/err"
printf 'list-checks = yes\n' >"$tmp/bad.conf"
expect_status config-not-a-setting 3 "$BIN" --config "$tmp/bad.conf"
expect_status config-missing 3 "$BIN" --config "$tmp/nope.conf"

# CF000-FW-ALLOWLIST-PARTIAL: a chain of mostly other networks is no Cloudflare allowlist
printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -s 1.0.0.0/8 -j ACCEPT\n-A INPUT -s 2.0.0.0/8 -j ACCEPT\n-A INPUT -s 141.101.82.0/23 -j ACCEPT\nCOMMIT\n' >"$tmp/isp.v4"
expect_status allowlist-isp 1 "$BIN" --no-config --iptables "$tmp/isp.v4"
if grep -q ALLOWLIST-PARTIAL "$tmp/out"; then fail allowlist-isp-none "a chain of ISP ranges is taken for a Cloudflare allowlist"; else ok allowlist-isp-none; fi
printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\n-A INPUT -s 173.245.48.0/20 -j ACCEPT\n-A INPUT -s 103.21.244.0/22 -j ACCEPT\nCOMMIT\n' >"$tmp/cf.v4"
expect_status allowlist-cf 1 "$BIN" --no-config --iptables "$tmp/cf.v4"
grep_in allowlist-cf-partial "CF000-FW-ALLOWLIST-PARTIAL: chain INPUT allows only part" "$tmp/out"

# CF403-ACCESS-DENY: access lists alike in every site (a WordPress .htaccess on each):
# each site's list is reported, the refusing ones and not the others
r=$tmp/acl-root
mkdir -p "$r/etc/apache2/sites-enabled"
{
	for m in authz_core authz_host; do
		echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
	done
	printf 'Listen 80\n<Directory /srv/>\n  AllowOverride All\n  Require all granted\n</Directory>\n'
	printf 'IncludeOptional sites-enabled/*.conf\n'
} >"$r/etc/apache2/apache2.conf"
for i in 1 2 3 4 5 6; do
	mkdir -p "$r/srv/s$i"
	printf '<VirtualHost *:80>\nServerName s%d.example.com\nDocumentRoot /srv/s%d\n</VirtualHost>\n' "$i" "$i" \
		>"$r/etc/apache2/sites-enabled/s$i.conf"
done
deny='<RequireAll>\nRequire all granted\nRequire not ip %s\n</RequireAll>\n'
# shellcheck disable=SC2059
for i in 1 2; do printf "$deny" 173.245.48.0/20 >"$r/srv/s$i/.htaccess"; done
for i in 3 4; do printf 'Require ip 203.0.113.0/24\n' >"$r/srv/s$i/.htaccess"; done
# shellcheck disable=SC2059
for i in 5 6; do printf "$deny" 198.51.100.0/24 >"$r/srv/s$i/.htaccess"; done
expect_status acl-repeated 1 "$BIN" --no-config --root "$r" --ssl-mode flexible
n=$(grep -c 'CF403-ACCESS-DENY' "$tmp/out")
if [ "$n" = 4 ] && ! grep CF403 "$tmp/out" | grep -q '/srv/s[56]/'; then ok acl-repeated-each; else fail acl-repeated-each "$n findings: $(grep CF403 "$tmp/out" | cut -c1-60 | tr '\n' ' ')"; fi
