#!/bin/sh
# make fuzz: build each libFuzzer target with clang (ASan+UBSan) and run it for
# FUZZ_SECONDS (default 60) seconds. The growing corpus lives in
# build/fuzz/corpus-<name>; crashers are written to tests/fuzz/corpus/<name>/,
# where they stay as regression inputs that make check replays.
# Usage: sh tests/fuzz/run.sh [SECONDS] [NAME...]
set -e
secs=${1:-60}
[ $# -gt 0 ] && shift
names=${*:-iptables iptables_xml ipset ranges}
cd "$(dirname "$0")/../.."
command -v clang >/dev/null || sh tests/deps.sh clang
mkdir -p build/fuzz
src="$(ls audit/*.c checks/*.c | grep -v audit/main.c) build/ipranges_data.c"
flags="-std=c11 -g -O1 -D_GNU_SOURCE -Iaudit -Ichecks -Ibuild -fsanitize=fuzzer,address,undefined"
flags="$flags $(pkg-config --cflags libnftnl libmnl libxml-2.0 openssl jansson)"
libs="$(pkg-config --libs libnftnl libmnl libxml-2.0 openssl jansson)"
for n in $names; do
	up=$(echo "$n" | tr a-z A-Z)
	echo "== fuzz $n ($secs s)"
	# shellcheck disable=SC2086
	clang $flags -DFUZZ_$up -o build/fuzz/fuzz_$n tests/fuzz/fuzz.c $src $libs
	seeds=""
	case $n in
	iptables) seeds="samples ../shared/corpus/iptables" ;;
	ipset) seeds="samples" ;;
	iptables_xml) seeds="../shared/corpus/iptables" ;;
	ranges) seeds="ipranges" ;;
	esac
	mkdir -p tests/fuzz/corpus/$n build/fuzz/seeds-$n build/fuzz/corpus-$n
	for d in $seeds; do
		[ -d "$d" ] && find "$d" -type f -size -1M -exec cp {} build/fuzz/seeds-$n/ \; 2>/dev/null
	done
	build/fuzz/fuzz_$n -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=tests/fuzz/corpus/$n/ \
		build/fuzz/corpus-$n tests/fuzz/corpus/$n build/fuzz/seeds-$n
done
