#!/bin/sh
# --format junit: well formed (xmllint) and valid against
# ../shared/schemas/JUnit.xsd for every sample; one testsuite per check family
# plus "inputs"; a <failure> per finding with file:line and the explanation.
: "${BIN:=./cfaudit}"
XSD=../shared/schemas/JUnit.xsd
SUITE=junit
. "$(dirname "$0")/lib.sh"
make_tmp junit

if ! command -v xmllint >/dev/null 2>&1; then
	echo "not ok junit: xmllint is not installed (libxml2-utils; make test-deps installs it)"
	exit 0
fi

# valid NAME FILE: well formed, then valid against the schema
valid() {
	if ! xmllint --noout "$2" 2>"$tmp/err"; then
		fail "$1-well-formed" "$(head -c 300 "$tmp/err")"
		return
	fi
	ok "$1-well-formed"
	if [ ! -f "$XSD" ]; then
		echo "skip junit $1-schema: $XSD is missing"
	elif xmllint --noout --schema "$XSD" "$2" 2>"$tmp/err"; then
		ok "$1-schema"
	else
		fail "$1-schema" "$(grep -v validates "$tmp/err" | head -c 300)"
	fi
}

# xpath NAME FILE EXPR WANT: the XPath expression's value
xpath() {
	got=$(xmllint --xpath "$3" "$2" 2>/dev/null)
	if [ "$got" = "$4" ]; then ok "$1"; else fail "$1" "$3 is \"$got\", expected \"$4\""; fi
}

for d in samples/*/; do
	[ -d "$d/etc" ] || continue
	name=$(basename "$d")
	"$BIN" --root "$d" --at 2026-11-01 --format junit >"$tmp/$name.xml" 2>/dev/null
	valid "$name" "$tmp/$name.xml"
	# as many failures as counted findings in the JSON report
	"$BIN" --root "$d" --at 2026-11-01 --format json >"$tmp/$name.json" 2>/dev/null
	want=$(jq '[.findings[] | select(.suppressed | not)] | length' "$tmp/$name.json")
	xpath "$name-failures" "$tmp/$name.xml" 'count(//testcase/failure)' "$want"
	xpath "$name-suite-counts" "$tmp/$name.xml" 'sum(//testsuite/@failures)' "$want"
done

# fw-drop: the FW suite, the failure's text starts with file:line and holds
# the explanation; a check with no finding is one passing testcase
f=$tmp/fw-drop.xml
xpath suites "$f" 'count(//testsuite[@name="FW"])' 1
xpath inputs-suite "$f" 'count(//testsuite[@name="inputs"]/testcase)' 2
first=$(xmllint --xpath 'string((//testcase/failure)[1])' "$f" 2>/dev/null)
case $first in
/etc/iptables/rules.v4:*": error: CF522-FW-DROP: "*"Fix:"*) ok failure-text ;;
*) fail failure-text "$(printf '%s' "$first" | head -c 200)" ;;
esac
xpath passing-check "$f" 'count(//testcase[@name="CF521-FW-REJECT"][not(*)])' 1
xpath failure-type "$f" 'string((//testcase/failure)[1]/@type)' error

# an incomplete audit: the input is an <error>
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --bogus-option 1 -j DROP\nCOMMIT\n' >"$tmp/bad.v4"
"$BIN" --iptables "$tmp/bad.v4" --format junit >"$tmp/bad.xml" 2>/dev/null
valid incomplete "$tmp/bad.xml"
xpath incomplete-error "$tmp/bad.xml" 'count(//testsuite[@name="inputs"]/testcase/error)' 1
text=$(xmllint --xpath 'string(//testsuite[@name="inputs"]/testcase/error)' "$tmp/bad.xml" 2>/dev/null)
case $text in
*bad.v4:3:*) ok incomplete-line ;;
*) fail incomplete-line "$text" ;;
esac

# nothing to audit: an error, not an empty clean report
mkdir -p "$tmp/empty"
"$BIN" --root "$tmp/empty" --format junit >"$tmp/empty.xml" 2>/dev/null
valid empty "$tmp/empty.xml"
xpath empty-error "$tmp/empty.xml" 'count(//testcase/error)' 1

# hostile bytes (ESC, invalid UTF-8, markup) still give a valid document
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 162.158.0.0/15 -m comment --comment "\033[2J\377<x>&]]>" -j DROP\n-A INPUT --bad\033]0;x\007 -j DROP\nCOMMIT\n' >"$tmp/esc.v4"
"$BIN" --iptables "$tmp/esc.v4" --format junit >"$tmp/esc.xml" 2>/dev/null
valid hostile "$tmp/esc.xml"
if grep -q "$(printf '\033')" "$tmp/esc.xml"; then fail hostile-raw-esc "a raw ESC in the XML"; else ok hostile-raw-esc; fi
