#!/bin/sh
# --format sarif: every sample's report validates against the OASIS SARIF
# 2.1.0 schema (../shared/schemas/sarif-schema-2.1.0.json) with Debian's
# python3-jsonschema (run by the system python3, which has it), and says what
# code scanning needs: a rule per check, ruleIndex pointing at its rule,
# artifact URIs relative to the audited root, fingerprints.
: "${BIN:=./cfaudit}"
SCHEMA=../shared/schemas/sarif-schema-2.1.0.json
PY=/usr/bin/python3
SUITE=sarif
. "$(dirname "$0")/lib.sh"
make_tmp sarif

if [ ! -f "$SCHEMA" ]; then
	echo "skip sarif: $SCHEMA is missing"
	exit 0
fi
if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
	echo "not ok sarif: python3-jsonschema is not installed (make test-deps installs it)"
	exit 0
fi

# validate FILE...: one line per file, "OK" or the first schema errors. The
# schema's "uri" formats are checked too (jsonschema needs a checker for them).
cat >"$tmp/validate.py" <<'EOF'
import json, re, sys
import jsonschema

fc = jsonschema.FormatChecker()
URI_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2}"

@fc.checks("uri")
def is_uri(s):
    return isinstance(s, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:" + URI_CHARS + ")*", s) is not None

@fc.checks("uri-reference")
def is_uri_ref(s):
    return isinstance(s, str) and re.fullmatch("(?:" + URI_CHARS + ")*", s) is not None

schema = json.load(open(sys.argv[1]))
v = jsonschema.Draft4Validator(schema, format_checker=fc)
for path in sys.argv[2:]:
    try:
        doc = json.load(open(path))
    except ValueError as e:
        print("%s: not JSON: %s" % (path, e))
        continue
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    if errs:
        print("%s: %s" % (path, "; ".join("%s at %s" % (e.message[:200], "/".join(map(str, e.path))) for e in errs[:3])))
    else:
        print("%s: OK" % path)
EOF

validate() {
	name=$1 file=$2
	res=$("$PY" "$tmp/validate.py" "$SCHEMA" "$file" 2>&1)
	case $res in
	*": OK") ok "$name-schema" ;;
	*) fail "$name-schema" "$res" ;;
	esac
}

# jqt NAME FILE EXPR: the jq expression must be true on the file
jqt() {
	if jq -e "$3" "$2" >/dev/null 2>&1; then ok "$1"; else fail "$1" "jq '$3' is not true"; fi
}

nchecks=$("$BIN" --list-checks | wc -l)
for d in samples/*/; do
	[ -d "$d/etc" ] || continue
	name=$(basename "$d")
	"$BIN" --root "$d" --at 2026-11-01 --format sarif >"$tmp/$name.sarif" 2>/dev/null
	validate "$name" "$tmp/$name.sarif"
	jqt "$name-rules" "$tmp/$name.sarif" ".runs[0].tool.driver.rules | length == $nchecks"
	jqt "$name-rule-index" "$tmp/$name.sarif" \
		'.runs[0] as $r | all($r.results[]; $r.tool.driver.rules[.ruleIndex].id == .ruleId)'
	jqt "$name-relative-uris" "$tmp/$name.sarif" \
		'all(.runs[0].results[].locations[].physicalLocation.artifactLocation; (.uri | startswith("/") | not) and .uriBaseId == "ROOT")'
	jqt "$name-fingerprints" "$tmp/$name.sarif" \
		'all(.runs[0].results[]; .partialFingerprints["cfaudit/v1"] | test("^[0-9a-f]{16}$"))'
	# the files named exist under the root, at the lines named
	missing=
	for u in $(jq -r '.runs[0].results[].locations[].physicalLocation.artifactLocation.uri' "$tmp/$name.sarif" | sort -u); do
		[ -f "$d/$u" ] || missing="$missing $u"
	done
	if [ -z "$missing" ]; then ok "$name-files-exist"; else fail "$name-files-exist" "not under $d:$missing"; fi
done

# the same results as the JSON report, level for severity
"$BIN" --root samples/fw-drop --at 2026-11-01 --format json >"$tmp/fw.json" 2>/dev/null
"$BIN" --root samples/fw-drop --at 2026-11-01 --format sarif >"$tmp/fw.sarif" 2>/dev/null
a=$(jq -c '[.findings[] | [.id, .line, .fingerprint]]' "$tmp/fw.json")
b=$(jq -c '[.runs[0].results[] | [.ruleId, .locations[0].physicalLocation.region.startLine, .partialFingerprints["cfaudit/v1"]]]' "$tmp/fw.sarif")
if [ "$a" = "$b" ]; then ok same-as-json; else fail same-as-json "$a != $b"; fi
jqt rule-names-unique "$tmp/fw.sarif" '.runs[0].tool.driver.rules | (map(.name) | unique | length) == length'
jqt help-uri "$tmp/fw.sarif" 'all(.runs[0].tool.driver.rules[]; .helpUri | endswith("#checks"))'
jqt default-levels "$tmp/fw.sarif" 'all(.runs[0].tool.driver.rules[]; .defaultConfiguration.level | IN("error", "warning", "note"))'
jqt base-ids "$tmp/fw.sarif" '.runs[0].originalUriBaseIds.ROOT.uri | startswith("file:///") and endswith("/samples/fw-drop/")'

# a finding about no file (the built-in ranges' age) still has a location:
# GitHub refuses a whole report when one result has none
"$BIN" --root samples/fw-drop --at 2030-01-01 --format sarif >"$tmp/stale.sarif" 2>/dev/null
validate stale "$tmp/stale.sarif"
jqt stale-located "$tmp/stale.sarif" 'any(.runs[0].results[]; .ruleId == "CF000-RANGES-STALE") and all(.runs[0].results[]; .locations | length == 1)'

# an incomplete audit: executionSuccessful false, the input errors as notifications
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --bogus-option 1 -j DROP\nCOMMIT\n' >"$tmp/bad.v4"
"$BIN" --iptables "$tmp/bad.v4" --format sarif >"$tmp/bad.sarif" 2>/dev/null
validate incomplete "$tmp/bad.sarif"
jqt incomplete-notification "$tmp/bad.sarif" \
	'.runs[0].invocations[0].executionSuccessful == false and (.runs[0].invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.region.startLine == 3)'

# hostile bytes and odd file names: still valid, URIs percent-encoded
mkdir -p "$tmp/root dir/etc/iptables"
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 162.158.0.0/15 -m comment --comment "\033[2J\377<x>&" -j DROP\nCOMMIT\n' >"$tmp/root dir/etc/iptables/rules.v4"
"$BIN" --root "$tmp/root dir" --format sarif >"$tmp/esc.sarif" 2>/dev/null
validate hostile "$tmp/esc.sarif"
jqt root-uri-encoded "$tmp/esc.sarif" '.runs[0].originalUriBaseIds.ROOT.uri | endswith("/root%20dir/")'
# a relative file from the command line is relative to the working directory
cp "$tmp/bad.v4" "$tmp/rel.v4"
bin=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
(cd "$tmp" && "$bin" --iptables rel.v4 --format sarif >rel.sarif 2>/dev/null)
validate relative "$tmp/rel.sarif"
jqt relative-cwd "$tmp/rel.sarif" '.runs[0].invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation | .uri == "rel.v4" and .uriBaseId == "CWD"'
jqt relative-cwd-base "$tmp/rel.sarif" '.runs[0].originalUriBaseIds.CWD.uri | startswith("file:///")'

# the validator itself rejects what the schema forbids (else every "ok" above is empty)
jq '.runs[0].results[0].level = "fatal" | .runs[0].tool.driver.rules[0].helpUri = "not a uri"' "$tmp/fw.sarif" >"$tmp/broken.sarif"
res=$("$PY" "$tmp/validate.py" "$SCHEMA" "$tmp/broken.sarif" 2>&1)
case $res in
*"'fatal' is not one of"*"is not a 'uri'"* | *"is not a 'uri'"*"'fatal' is not one of"*) ok validator-rejects ;;
*) fail validator-rejects "$res" ;;
esac
