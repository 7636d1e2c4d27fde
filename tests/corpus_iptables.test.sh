#!/bin/sh
# Real iptables-save / ip6tables-save dumps (netfilter's own test suite, in
# ../shared/corpus) must be read with no input error: for each dump,
# `cfaudit --iptables FILE --format json` (--ip6tables for the IPv6 ones)
# must list the file in "inputs" with status "ok". Prints ok/not ok/skip lines.
# (tests/unit/test_parse_iptables.c also parses these files directly.)
: "${BIN:=./cfaudit}"
corpus=../shared/corpus/iptables/iptables/tests/shell/testcases

if [ ! -d "$corpus" ]; then
	echo "skip corpus_iptables: $corpus is absent"
	exit 0
fi
if ! command -v jq >/dev/null 2>&1; then
	echo "skip corpus_iptables: jq is not installed"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "not ok corpus_iptables: $BIN is not built"
	exit 0
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for f in "$corpus"/*/dumps/*; do
	[ -f "$f" ] || continue
	name=${f#"$corpus"/}
	case $f in
	*iptables* | *ip6tables* | *.txt | *.dump | *.xml) ;;
	*)
		echo "skip corpus_iptables $name: not a dump"
		continue
		;;
	esac
	case $(basename "$f") in
	*6*) opt=--ip6tables ;;
	*) opt=--iptables ;;
	esac
	"$BIN" "$opt" "$f" --format json --fail-on never >"$out" 2>/dev/null
	# the file is named as given; its status must be "ok"
	status=$(jq -r --arg f "$f" \
		'[.inputs[] | select(.kind == "iptables" or .kind == "ip6tables")
		  | select(.file == $f or (.file | endswith($f | ltrimstr("..")))) | .status]
		 | if length == 0 then "missing" else (map(select(. != "ok")) | .[0] // "ok") end' \
		"$out" 2>/dev/null)
	if [ "$status" = "ok" ]; then
		echo "ok corpus_iptables $name"
	else
		detail=$(jq -r '[.inputs[] | select(.status != "ok")
			| "\(.file): \(.status) \([.errors[]? | "line \(.line): \(.message)"] | join(", "))"]
			| join("; ")' "$out" 2>/dev/null)
		echo "not ok corpus_iptables $name: status ${status:-no JSON output} ${detail}"
	fi
done
exit 0
