#!/bin/sh
# make fuzz: build each libFuzzer target with clang (ASan+UBSan) and run it for
# FUZZ_SECONDS (default 60) seconds. The growing corpus lives in
# build/fuzz/corpus-<name>, seeded from tests/fuzz/seeds.sh; crashers are
# written to tests/fuzz/corpus/<name>/, where they stay as regression inputs
# that make check replays.
# Usage: sh tests/fuzz/run.sh [SECONDS] [NAME...]
# FUZZ_CI=1 (make check's short runs): built at -O0 with line tables only
# (four times faster to compile), started from tests/fuzz/corpus/<name> alone
# (the seeds are replayed by fuzz.test.sh already), new inputs kept only for
# the run.
set -e
secs=${1:-60}
[ $# -gt 0 ] && shift
names=${*:-iptables iptables_xml ipset ranges nft firewalld nginx apache htaccess tls zone}
cd "$(dirname "$0")/../.."
command -v clang >/dev/null || sh tests/deps.sh clang libclang-rt-14-dev
mkdir -p build/fuzz
pkgs="libnftnl libmnl libxml-2.0 openssl jansson libpcre2-8 ldns"
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
if [ "${FUZZ_CI:-0}" = 1 ]; then
	opt="-O0 -gline-tables-only" obj=build/fuzz/obj-ci bin=build/fuzz/ci
else
	opt="-O1 -g" obj=build/fuzz/obj bin=build/fuzz
fi
flags="-std=c11 $opt -D_GNU_SOURCE -Iaudit -Ichecks -Ibuild $san $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lpthread"
# The program's objects once, instrumented for the fuzzer; each target links
# them with its own tests/fuzz/fuzz.c.
mkdir -p "$obj" "$bin"
objs=""
for c in $(ls audit/*.c checks/*.c | grep -v audit/main.c) build/ipranges_data.c; do
	o=$obj/$(echo "$c" | tr / _).o
	if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ -n "$(find audit checks -name '*.h' -newer "$o")" ]; then
		# shellcheck disable=SC2086
		clang $flags -fsanitize=fuzzer-no-link -c -o "$o" "$c"
	fi
	objs="$objs $o"
done
for n in $names; do
	up=$(echo "$n" | tr a-z A-Z)
	echo "== fuzz $n ($secs s)"
	# shellcheck disable=SC2086
	clang $flags -fsanitize=fuzzer -DFUZZ_$up -o $bin/fuzz_$n tests/fuzz/fuzz.c $objs $libs
	mkdir -p tests/fuzz/corpus/$n
	if [ "${FUZZ_CI:-0}" = 1 ]; then
		rm -rf build/fuzz/ci-corpus-$n
		mkdir -p build/fuzz/ci-corpus-$n
		# at most 500 inputs: the fast targets end well before the time
		$bin/fuzz_$n -max_total_time="$secs" -runs=500 -timeout=10 \
			-rss_limit_mb=2048 -artifact_prefix=tests/fuzz/corpus/$n/ \
			build/fuzz/ci-corpus-$n tests/fuzz/corpus/$n
		rm -rf build/fuzz/ci-corpus-$n
		continue
	fi
	mkdir -p build/fuzz/seeds-$n build/fuzz/corpus-$n
	i=0
	sh tests/fuzz/seeds.sh "$n" | while read -r f; do
		i=$((i + 1))
		cp "$f" "build/fuzz/seeds-$n/$i"
	done
	build/fuzz/fuzz_$n -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=tests/fuzz/corpus/$n/ \
		build/fuzz/corpus-$n tests/fuzz/corpus/$n build/fuzz/seeds-$n
done
