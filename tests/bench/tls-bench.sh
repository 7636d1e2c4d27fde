#!/bin/sh
# The TLS benchmark (make bench): 5,000 distinct certificate chains (ECDSA
# P-256 leaves under one intermediate, each with its own key: TEST KEYS made
# by tests/bench/tlsgen.c, generated once into build/bench/tls-5000) loaded
# and verified as the TLS evaluator does (tests/bench/tlsload: tls_files_load
# on 1 thread and on every CPU; the issue's target: at most 1 s on two
# cores), then the whole audit of that server (5,000 nginx server blocks,
# --ca, Full (strict)). Median of BENCH_RUNS runs (default 5). Nothing here
# fails on time.
#   sh tests/bench/tls-bench.sh ./cfaudit BUILD_DIR
set -u
bin=$1
O=${2:-build/rel}
N=${TLS_BENCH_N:-5000}
RUNS=${BENCH_RUNS:-5}
root=build/bench/tls-$N
for t in tlsgen tlsload; do
	[ -x "$O/tests/$t" ] || { echo "tls-bench: $O/tests/$t is not built" >&2; exit 1; }
done
if [ ! -f "$root/etc/nginx/nginx.conf" ] || [ tests/bench/tlsgen.c -nt "$root/etc/nginx/nginx.conf" ]; then
	rm -rf "$root"
	echo "generating $N certificate chains and keys into $root"
	"$O/tests/tlsgen" "$root" "$N" || { echo "tls-bench: tlsgen failed" >&2; exit 1; }
fi
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
for threads in 1 0; do
	label=$threads
	[ "$threads" = 0 ] && label="$cpus (every CPU)"
	i=0
	: >"$root.times"
	while [ $i -lt "$RUNS" ]; do
		"$O/tests/tlsload" "$root" "$N" "$threads" | awk '{ print $1 }' >>"$root.times"
		i=$((i + 1))
	done
	echo "load and verify $N chains, threads $label: median $(median <"$root.times") s"
done
i=0
: >"$root.times"
while [ $i -lt "$RUNS" ]; do
	s=$(date +%s%N)
	"$bin" --no-config --ca "$root/test-ca.pem" --at 2026-11-01 --root "$root" >/dev/null 2>&1
	st=$?
	e=$(date +%s%N)
	[ $st -gt 3 ] && { echo "tls-bench: cfaudit died ($st)" >&2; exit 1; }
	echo "$(( (e - s) / 1000000 ))" >>"$root.times"
	i=$((i + 1))
done
echo "whole audit of $N TLS server blocks: median $(median <"$root.times") ms"
rm -f "$root.times"
