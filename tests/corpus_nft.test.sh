#!/bin/sh
# nftables' own rulesets (its test suite and examples, in ../shared/corpus):
# every `nft list ruleset` dump (*/dumps/*.nft) and every example must be
# read with no input error, and every file under bogons/ (fuzzer-found
# malformed input, except the empty dump beside them) must be refused with
# an input error, never a crash or a hang. For each file,
# `cfaudit --nft FILE --format json` must list it in "inputs" with status
# "ok" (dumps) or not "ok" (bogons), exit 0-2 within 20 seconds.
# Prints "not ok" lines for failures and one "ok" line per kind with the
# count. (tests/unit/test_parse_nft.c also reads these files directly.)
: "${BIN:=./cfaudit}"
corpus=../shared/corpus/nftables
cases=$corpus/tests/shell/testcases

if [ ! -d "$cases" ]; then
	echo "skip corpus_nft: $corpus is absent"
	exit 0
fi
if ! command -v jq >/dev/null 2>&1; then
	echo "skip corpus_nft: jq is not installed"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "not ok corpus_nft: $BIN is not built"
	exit 0
fi
if command -v timeout >/dev/null 2>&1; then
	limit() { timeout -k 5 20 "$@"; }
else
	limit() { "$@"; }
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# status FILE: the status cfaudit gives FILE ("ok", "error"...), or why not.
status() {
	limit "$BIN" --nft "$1" --format json --fail-on never >"$out" 2>/dev/null
	st=$?
	if [ "$st" -gt 2 ]; then
		echo "exit status $st"
		return
	fi
	jq -r --arg f "$1" '[.inputs[] | select(.kind == "nftables" and .file == $f) | .status]
		| if length == 0 then "missing" else .[0] end' "$out" 2>/dev/null ||
		echo "no JSON output"
}

# the first error cfaudit reports, for a message
first_error() {
	jq -r '[.inputs[] | select(.status != "ok") | .errors[]? | "line \(.line): \(.message)"]
		| .[0] // ""' "$out" 2>/dev/null
}

n=0
bad=0
for f in "$cases"/*/dumps/*.nft "$corpus"/files/examples/*.nft; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	s=$(status "$f")
	if [ "$s" != "ok" ]; then
		bad=$((bad + 1))
		echo "not ok corpus_nft ${f#"$corpus"/}: $s $(first_error)"
	fi
done
if [ "$bad" -eq 0 ]; then
	echo "ok corpus_nft dumps and examples: $n read with no error"
fi

n=0
bad=0
for f in $(find "$cases/bogons" -type f | sort); do
	case $f in
	*/dumps/*.nft) continue ;; # the dump of the bogons test (empty): a dump
	esac
	n=$((n + 1))
	s=$(status "$f")
	case $s in
	error | unreadable) ;;
	*)
		bad=$((bad + 1))
		echo "not ok corpus_nft ${f#"$corpus"/}: a bogon, but cfaudit says $s"
		;;
	esac
done
if [ "$bad" -eq 0 ]; then
	echo "ok corpus_nft bogons: $n refused with an input error"
fi
exit 0
