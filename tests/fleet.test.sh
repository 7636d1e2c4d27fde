#!/bin/sh
# Fleet runs: several --root at once on the samples. The aggregate is one
# JSON line per root in the order given, each root's status equals its own
# single run's, the fleet's status is the worst (2 > 1 > 0), each root's
# reports are written under --output-dir, and progress goes to stderr only
# when it is a terminal.
: "${BIN:=./cfaudit}"
AT=2026-11-01
SUITE=fleet
. "$(dirname "$0")/lib.sh"
make_tmp fleet

roots="samples/healthy samples/fw-drop samples/undecided samples/fw-reject samples/ufw"
set --
for r in $roots; do set -- "$@" --root "$r"; done
expect_status run 1 "$BIN" "$@" --at $AT --jobs 3 --output-dir "$tmp/reports" --output json:report.json --no-config
cp "$tmp/out" "$tmp/agg.jsonl"

# one valid JSON line per root, in order
if [ "$(wc -l <"$tmp/agg.jsonl")" -eq 5 ] && jq -e . "$tmp/agg.jsonl" >/dev/null 2>&1; then ok jsonl; else fail jsonl "$(head -c 300 "$tmp/agg.jsonl")"; fi
got=$(jq -r .root "$tmp/agg.jsonl" | tr '\n' ' ')
if [ "$got" = "$roots " ]; then ok order; else fail order "$got"; fi
# no progress when stderr is not a terminal
if [ -s "$tmp/err" ]; then fail quiet-stderr "$(head -c 200 "$tmp/err")"; else ok quiet-stderr; fi

# each root: the same status and summary as auditing it alone, and its reports
for r in $roots; do
	name=$(echo "$r" | tr / _)
	"$BIN" --root "$r" --at $AT --format json --no-config >"$tmp/single.json" 2>/dev/null
	st=$?
	line=$(jq -c --arg r "$r" 'select(.root == $r)' "$tmp/agg.jsonl")
	if [ "$(printf '%s' "$line" | jq .exit_status)" = "$st" ] &&
		[ "$(printf '%s' "$line" | jq -c .summary)" = "$(jq -c .summary "$tmp/single.json")" ]; then
		ok "$name-same-as-single"
	else
		fail "$name-same-as-single" "status $st; $line"
	fi
	if [ -s "$tmp/reports/$name.txt" ] && jq -e . "$tmp/reports/$name-report.json" >/dev/null 2>&1; then
		ok "$name-reports"
	else
		fail "$name-reports" "$(ls "$tmp/reports" | tr '\n' ' ')"
	fi
	# the report is the root's own (the JSON report lists the same findings)
	a=$(jq -c '[.findings[].fingerprint]' "$tmp/single.json")
	b=$(jq -c '[.findings[].fingerprint]' "$tmp/reports/$name-report.json" 2>/dev/null)
	if [ "$a" = "$b" ]; then ok "$name-report-content"; else fail "$name-report-content" "$a != $b"; fi
	if printf '%s' "$line" | jq -e --arg f "$tmp/reports/$name-report.json" '.reports | index($f) != null' >/dev/null; then
		ok "$name-reports-listed"
	else
		fail "$name-reports-listed" "$line"
	fi
done

# the fleet's status is the worst root's: 0, 1, then 2 for an incomplete one
cp -r samples/healthy "$tmp/healthy-copy"
mkdir -p "$tmp/broken/etc/iptables"
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --bogus-option 1 -j DROP\nCOMMIT\n' >"$tmp/broken/etc/iptables/rules.v4"
expect_status status-clean 0 "$BIN" --root samples/healthy --root "$tmp/healthy-copy" --output-dir "$tmp/r0" --at $AT --no-config
expect_status status-worst-1 1 "$BIN" --root samples/healthy --root samples/fw-drop --output-dir "$tmp/r1" --at $AT --no-config
expect_status status-worst-2 2 "$BIN" --root samples/fw-drop --root "$tmp/broken" --root samples/healthy --jobs 2 --output-dir "$tmp/r2" --at $AT --no-config
if jq -e -s --arg r "$tmp/broken" 'map(select(.root == $r))[0] | .exit_status == 2 and .complete == false' "$tmp/out" >/dev/null; then ok incomplete-line; else fail incomplete-line "$(cat "$tmp/out")"; fi
grep -q "^$tmp/broken: /etc/iptables/rules.v4:3: " "$tmp/err" && ok input-errors-name-root || fail input-errors-name-root "$(head -c 300 "$tmp/err")"
# a root that does not exist: its line says so, the others are audited
expect_status status-missing-root 2 "$BIN" --root samples/healthy --root "$tmp/nope" --output-dir "$tmp/r3" --at $AT --no-config
if jq -e -s --arg r "$tmp/nope" 'map(select(.root == $r))[0] | .exit_status == 3 and (.error | test("cannot open"))' "$tmp/out" >/dev/null &&
	jq -e -s 'map(select(.root == "samples/healthy"))[0] | .exit_status == 0' "$tmp/out" >/dev/null; then ok missing-root-line; else fail missing-root-line "$(cat "$tmp/out")"; fi

# --aggregate FILE: nothing on stdout
expect_status aggregate-file 1 "$BIN" --root samples/healthy --root samples/fw-drop --aggregate "$tmp/agg.jsonl" --output-dir "$tmp/r4" --at $AT --no-config
if [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/agg.jsonl")" -eq 2 ]; then ok aggregate-file-lines; else fail aggregate-file-lines "stdout: $(head -c 100 "$tmp/out")"; fi
# the default file names are the roots', in the working directory
bin=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
here=$(pwd)
mkdir -p "$tmp/cwd"
(cd "$tmp/cwd" && "$bin" --root "$here/samples/healthy" --root "$here/samples/fw-drop" --format sarif --at $AT --no-config >agg 2>err)
n=$(echo "$here" | sed 's|^/||; s|/|_|g')
if [ -s "$tmp/cwd/${n}_samples_healthy.sarif" ] && [ -s "$tmp/cwd/${n}_samples_fw-drop.sarif" ]; then ok default-names; else fail default-names "$(ls "$tmp/cwd" | tr '\n' ' ')"; fi

# progress on stderr when it is a terminal
if command -v script >/dev/null 2>&1; then
	script -qec "$bin --root $here/samples/healthy --root $here/samples/fw-drop --output-dir $tmp/r5 --aggregate $tmp/agg5 --at $AT --no-config" /dev/null >"$tmp/tty" 2>&1
	if grep -q "\[2/2\]" "$tmp/tty"; then ok progress-on-terminal; else fail progress-on-terminal "$(head -c 300 "$tmp/tty")"; fi
else
	echo "skip fleet progress-on-terminal: no script(1)"
fi

# usage errors: roots that would share report names, options that name one server
expect_status usage-same-name 3 "$BIN" --root samples/healthy --root ./samples/healthy --at $AT --no-config
expect_status usage-host-addr 3 "$BIN" --root samples/healthy --root samples/fw-drop --host-addr 192.0.2.1 --no-config
expect_status usage-write-baseline 3 "$BIN" --root samples/healthy --root samples/fw-drop --write-baseline "$tmp/b.json" --no-config
expect_status usage-jobs 3 "$BIN" --root samples/healthy --root samples/fw-drop --jobs 0 --no-config
