#!/bin/sh
# Replay every fuzz corpus (tests/fuzz/corpus/<name>: hand-made inputs and
# the crashers the fuzzer found) and the seeds (tests/fuzz/seeds.sh: samples
# and ../shared/corpus) through the plain replay build of each fuzz target:
# no crash, no sanitizer report (in make asan check). Then, where clang and
# its fuzzer runtime are installed, each libFuzzer target runs for
# FUZZ_CI_SECONDS (default 1) or 500 inputs from tests/fuzz/corpus/<name>,
# in make check (the fuzz build has its own ASan+UBSan, so make asan check
# does not run it again).
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

# The libFuzzer targets themselves, for a few seconds each.
case $O in
*asan*) exit 0 ;;
esac
rt=$(clang --print-runtime-dir 2>/dev/null)
if ! ls "$rt"/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
	echo "skip fuzz-run: clang and its fuzzer runtime (clang, libclang-rt-14-dev) are not installed"
	exit 0
fi
mkdir -p build/fuzz
if FUZZ_CI=1 sh tests/fuzz/run.sh "${FUZZ_CI_SECONDS:-1}" $names >build/fuzz/ci.log 2>&1; then
	echo "ok fuzz-run: $(grep -c '^Done' build/fuzz/ci.log) targets, $(awk '/^Done/ { s += $2 } END { print s }' build/fuzz/ci.log) runs"
else
	echo "not ok fuzz-run: $(grep -E '^== fuzz|ERROR|SUMMARY|Test unit written' build/fuzz/ci.log | tail -4 | tr '\n' ' ')"
fi
