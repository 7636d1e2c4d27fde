#!/bin/sh
# Replay every fuzz corpus (tests/fuzz/corpus/<name>, the crashers kept there,
# and the seeds: samples and ../shared/corpus) through the plain replay build
# of each fuzz target: no crash, no sanitizer report (in make asan check).
: "${O:=build/rel}"
for n in iptables iptables_xml ipset ranges; do
	bin=$O/tests/replay_$n
	if [ ! -x "$bin" ]; then
		echo "not ok fuzz-replay $n: $bin not built"
		continue
	fi
	dirs="tests/fuzz/corpus/$n"
	case $n in
	iptables | ipset) dirs="$dirs samples" ;;
	esac
	case $n in
	iptables | iptables_xml) [ -d ../shared/corpus/iptables ] && dirs="$dirs ../shared/corpus/iptables" ;;
	esac
	# shellcheck disable=SC2086
	if out=$(timeout 600 "$bin" $dirs 2>&1); then
		echo "ok fuzz-replay $n: $(echo "$out" | tail -1)"
	else
		echo "not ok fuzz-replay $n: $(echo "$out" | tail -3 | tr '\n' ' ')"
	fi
done
