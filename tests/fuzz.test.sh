#!/bin/sh
# Replay every fuzz corpus (tests/fuzz/corpus/<name>: hand-made inputs and
# the crashers the fuzzer found) and the seeds (tests/fuzz/seeds.sh: samples
# and ../shared/corpus) through the plain replay build of each fuzz target:
# no crash, no sanitizer report (in make asan check). Then, where clang and
# its fuzzer runtime are installed, each libFuzzer target runs for
# FUZZ_CI_SECONDS (default 3) from those inputs.
: "${O:=build/rel}"
names="iptables iptables_xml ipset ranges nft firewalld nginx apache htaccess tls zone"
for n in $names; do
	bin=$O/tests/replay_$n
	if [ ! -x "$bin" ]; then
		echo "not ok fuzz-replay $n: $bin not built"
		continue
	fi
	list=$(mktemp)
	{ find "tests/fuzz/corpus/$n" -type f; sh tests/fuzz/seeds.sh "$n"; } >"$list"
	# shellcheck disable=SC2046
	if out=$(timeout 600 xargs "$bin" <"$list" 2>&1); then
		echo "ok fuzz-replay $n: $(echo "$out" | grep replayed | awk '{s += $2} END {print s}') inputs"
	else
		echo "not ok fuzz-replay $n: $(echo "$out" | tail -3 | tr '\n' ' ')"
	fi
	rm -f "$list"
done
