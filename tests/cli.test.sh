#!/bin/sh
# The command line contract: exit statuses, --explain, --list-checks, --ranges,
# confinement to --root, hostile bytes in output. Prints ok/not ok lines.
: "${BIN:=./cfaudit}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok cli $1"; }
fail() { echo "not ok cli $1: $2"; }

# expect NAME STATUS CMD...: run CMD, compare the exit status
expect() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else fail "$name" "exit $got, expected $want: $(head -c 300 "$tmp/err")"; fi
}

# grep_out NAME PATTERN FILE: the file must contain the pattern
grep_out() {
	if grep -q -- "$2" "$3"; then ok "$1"; else fail "$1" "no \"$2\" in $(head -c 300 "$3")"; fi
}

expect usage-unknown-option 3 "$BIN" --bogus
expect usage-bad-port 3 "$BIN" --ports 80,99999
expect usage-bad-format 3 "$BIN" --format yaml
expect usage-bad-at 3 "$BIN" --at yesterday
expect usage-bad-ssl-mode 3 "$BIN" --ssl-mode half
expect usage-bad-host-addr 3 "$BIN" --host-addr example.com
expect usage-missing-root 3 "$BIN" --root "$tmp/does-not-exist"
expect explain-unknown 3 "$BIN" --explain CF999-NOPE
expect version 0 "$BIN" --version
grep_out version-text "cfaudit " "$tmp/out"
expect help 0 "$BIN" --help
grep_out help-lists-root "\-\-root DIR" "$tmp/out"
expect list-checks 0 "$BIN" --list-checks
grep_out list-checks-drop "CF522-FW-DROP" "$tmp/out"
expect explain 0 "$BIN" --explain CF522-FW-DROP
grep_out explain-fix "Fix:" "$tmp/out"

# nothing to audit: incomplete (2), and said so
mkdir -p "$tmp/empty"
expect empty-root 2 "$BIN" --root "$tmp/empty"
grep_out empty-root-says "nothing" "$tmp/out"

# a clean firewall: exit 0; the same with a drop: exit 1, 0 with --fail-on never
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' >"$tmp/open.v4"
expect clean 0 "$BIN" --iptables "$tmp/open.v4"
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 162.158.0.0/15 -j DROP\nCOMMIT\n' >"$tmp/drop.v4"
expect drop 1 "$BIN" --iptables "$tmp/drop.v4"
grep_out drop-line "drop.v4:5: error: CF522-FW-DROP" "$tmp/out"
expect drop-fail-on-never 0 "$BIN" --iptables "$tmp/drop.v4" --fail-on never
expect drop-fail-on-error 1 "$BIN" --iptables "$tmp/drop.v4" --fail-on error

# a broken file: exit 2, file:line on stderr, the other input still audited
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --bogus-option 1 -j DROP\nCOMMIT\n' >"$tmp/bad.v4"
expect bad-input 2 "$BIN" --iptables "$tmp/bad.v4" --iptables "$tmp/drop.v4"
grep_out bad-input-line "bad.v4:3: " "$tmp/err"
grep_out bad-input-others "CF522-FW-DROP" "$tmp/out"
expect missing-file 2 "$BIN" --iptables "$tmp/nope.v4"

# --ranges: plain and the API's JSON; an empty file is an input error
printf '# mine\n162.158.0.0/15\n2400:cb00::/32 # v6\n' >"$tmp/ranges.txt"
expect ranges-plain 1 "$BIN" --iptables "$tmp/drop.v4" --ranges "$tmp/ranges.txt" --format json
if jq -e '.ranges.ipv4 == 1 and .ranges.ipv6 == 1 and (.reachability | length) == 2' "$tmp/out" >/dev/null; then ok ranges-plain-count; else fail ranges-plain-count "$(jq -c .ranges "$tmp/out")"; fi
printf '{"result":{"ipv4_cidrs":["173.245.48.0/20","162.158.0.0/15"],"ipv6_cidrs":["2400:cb00::/32"],"etag":"x"},"success":true}' >"$tmp/ips.json"
expect ranges-json 1 "$BIN" --iptables "$tmp/drop.v4" --ranges "$tmp/ips.json" --format json
if jq -e '.ranges.ipv4 == 2 and .ranges.source != "builtin"' "$tmp/out" >/dev/null; then ok ranges-json-count; else fail ranges-json-count "$(jq -c .ranges "$tmp/out")"; fi
printf '{"result":{"ipv4_cidrs":["not-a-cidr"]}}' >"$tmp/bad.json"
expect ranges-json-bad 2 "$BIN" --iptables "$tmp/open.v4" --ranges "$tmp/bad.json"
grep_out ranges-json-bad-msg "ipv4_cidrs\[0\]" "$tmp/err"

# stale built-in ranges: an info finding, not a failure
expect stale-ranges 0 "$BIN" --iptables "$tmp/open.v4" --at 2030-01-01
grep_out stale-ranges-msg "CF000-RANGES-STALE" "$tmp/out"

# --root confinement: a symlink to a file outside the root is not followed out
mkdir -p "$tmp/root/etc/iptables"
cp "$tmp/drop.v4" "$tmp/outside.v4"
ln -s "$tmp/outside.v4" "$tmp/root/etc/iptables/rules.v4"
expect root-symlink-escape 2 "$BIN" --root "$tmp/root"
if grep -q "CF522-FW-DROP" "$tmp/out"; then fail root-symlink-escape-read "read a file outside the root"; else ok root-symlink-escape-read; fi
rm "$tmp/root/etc/iptables/rules.v4"
ln -s ../../../outside.v4 "$tmp/root/etc/iptables/rules.v4"
expect root-dotdot-escape 2 "$BIN" --root "$tmp/root"
# an absolute symlink resolves inside the root, as the server would see it
rm "$tmp/root/etc/iptables/rules.v4"
mkdir -p "$tmp/root/srv"
cp "$tmp/drop.v4" "$tmp/root/srv/fw.v4"
ln -s /srv/fw.v4 "$tmp/root/etc/iptables/rules.v4"
expect root-absolute-symlink-inside 1 "$BIN" --root "$tmp/root"
# a FIFO never blocks
rm "$tmp/root/etc/iptables/rules.v4"
mkfifo "$tmp/root/etc/iptables/rules.v4"
expect root-fifo 2 timeout 10 "$BIN" --root "$tmp/root"
grep_out root-fifo-msg "not a regular file" "$tmp/err"

# hostile bytes: escaped in text, valid in JSON
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 162.158.0.0/15 -m comment --comment "\033[2J\377" -j DROP\n-A INPUT --bad\033]0;x\007 -j DROP\nCOMMIT\n' >"$tmp/esc.v4"
"$BIN" --iptables "$tmp/esc.v4" >"$tmp/out" 2>"$tmp/err"
if grep -q "$(printf '\033')" "$tmp/out" "$tmp/err"; then fail escape-text "raw ESC reached the terminal"; else ok escape-text; fi
"$BIN" --iptables "$tmp/esc.v4" --format json >"$tmp/out" 2>/dev/null
if jq -e . "$tmp/out" >/dev/null 2>&1; then ok escape-json-valid; else fail escape-json-valid "invalid JSON"; fi
