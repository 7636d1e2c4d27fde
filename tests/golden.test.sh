#!/bin/sh
# Golden tests: cfaudit's output on every sample, in text and JSON, against the
# expected files tests/golden/NAME.txt and tests/golden/NAME.json.
#
#   sh tests/golden.test.sh            compare ("ok golden NAME FORMAT" / "not ok ...")
#   UPDATE=1 sh tests/golden.test.sh   rewrite the expected files from the current binary
#
# Runs "$BIN --root samples/NAME --at 2026-11-01T00:00:00Z" (NO_COLOR=1), once as
# text and once with --format json, with --config samples/NAME/cfaudit.conf when
# the sample has one (the TLS samples name their test trust store there). Normalised: the version string becomes
# VERSION; the JSON is pretty-printed by jq. The text file also records stderr
# (after a "--- stderr" line, when there is any) and ends with the exit status,
# so a change of either shows in the diff. Environment: BIN (cfaudit).

: "${BIN:=./cfaudit}"
AT=2026-11-01T00:00:00Z
GOLDEN=tests/golden
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM

if [ ! -x "$BIN" ]; then
	echo "not ok golden: $BIN is missing (run make)"
	exit 0
fi
if ! command -v jq >/dev/null 2>&1; then
	echo "skip golden: jq is not installed"
	exit 0
fi

# subst FILE OLD NEW: replace every literal occurrence of OLD in FILE that
# stands alone (not inside a longer word, number or address).
subst() {
	[ -n "$2" ] || return 0
	awk -v old="$2" -v new="$3" '
	function word(c) { return c ~ /[0-9A-Za-z._-]/ }
	{
		out = ""
		rest = $0
		prev = ""
		while ((i = index(rest, old)) > 0) {
			before = i > 1 ? substr(rest, i - 1, 1) : substr(prev, length(prev), 1)
			after = substr(rest, i + length(old), 1)
			if ((before == "v" || !word(before)) && !word(after))
				out = out substr(rest, 1, i - 1) new
			else
				out = out substr(rest, 1, i - 1 + length(old))
			prev = out
			rest = substr(rest, i + length(old))
		}
		print out rest
	}' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# check NAME FORMAT ACTUAL: compare with (or, with UPDATE=1, write) the expected file.
check() {
	want=$GOLDEN/$1.$2
	if [ -n "$UPDATE" ]; then
		mkdir -p "$GOLDEN"
		if cmp -s "$3" "$want"; then
			echo "ok golden $1 $2"
		else
			cp "$3" "$want" && echo "ok golden $1 $2 (updated $want)"
		fi
		return
	fi
	if [ ! -f "$want" ]; then
		echo "not ok golden $1 $2: no $want (UPDATE=1 sh tests/golden.test.sh writes it)"
		return
	fi
	if diff -u "$want" "$3" >"$tmp/diff"; then
		echo "ok golden $1 $2"
	else
		echo "not ok golden $1 $2: output differs from $want:"
		sed 's/^/    /' "$tmp/diff"
	fi
}

for d in samples/*/; do
	# a sample is a server's tree; samples/integrations holds CI examples
	[ -d "$d/etc" ] || continue
	name=$(basename "$d")
	root=samples/$name
	# a sample's own settings (the TLS samples' test trust store: --ca)
	conf=--no-config
	[ -f "$root/cfaudit.conf" ] && conf="--config=$root/cfaudit.conf"

	# JSON first: it names the version to normalise in both outputs.
	NO_COLOR=1 "$BIN" "$conf" --root "$root" --at "$AT" --format json >"$tmp/json.raw" 2>"$tmp/json.err"
	st=$?
	version=
	if [ "$st" -ge 128 ]; then
		echo "not ok golden $name json: cfaudit died with status $st: $(head -n 1 "$tmp/json.err")"
	elif ! jq '.' "$tmp/json.raw" >/dev/null 2>&1; then
		echo "not ok golden $name json: not valid JSON (exit status $st): $(head -c 200 "$tmp/json.raw" | head -n 1)"
	else
		version=$(jq -r '.tool.version // empty' "$tmp/json.raw")
		jq 'if (.tool | type) == "object" and .tool.version then .tool.version = "VERSION" else . end' \
			"$tmp/json.raw" >"$tmp/json"
		check "$name" json "$tmp/json"
	fi

	NO_COLOR=1 "$BIN" "$conf" --root "$root" --at "$AT" >"$tmp/txt" 2>"$tmp/txt.err"
	st=$?
	if [ "$st" -ge 128 ]; then
		echo "not ok golden $name txt: cfaudit died with status $st: $(head -n 1 "$tmp/txt.err")"
		continue
	fi
	if [ -s "$tmp/txt.err" ]; then
		echo "--- stderr" >>"$tmp/txt"
		cat "$tmp/txt.err" >>"$tmp/txt"
	fi
	echo "--- exit status $st" >>"$tmp/txt"
	subst "$tmp/txt" "$version" VERSION
	check "$name" txt "$tmp/txt"
done
exit 0
