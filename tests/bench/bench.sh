#!/bin/sh
# cfaudit benchmark on a generated big server (make bench):
#   sh tests/bench/bench.sh ./cfaudit
#
# 1. Generates (once; again only when tests/bench/gen.c or ipranges/ips-v4.txt change)
#    build/bench/root-{0.5x,1x,2x}/etc/iptables/{rules.v4,ipsets}: 100,000 x scale
#    iptables rules (fail2ban/CSF deny chains, a Cloudflare allowlist, a few bans inside
#    Cloudflare's ranges) and a 1,000,000 x scale entry ipset. Deterministic bytes; the 1x
#    files are loaded once into a throwaway network namespace to prove they are valid.
#    What the audit should find is in build/bench/root-*.expected.txt.
# 2. Times cfaudit on the 1x root (median wall of BENCH_RUNS runs, default 5; peak RSS),
#    next to its peers (ipset restore + iptables-restore --test in a fresh namespace) and
#    the floor (cat of the same files).
# 3. Scaling: cfaudit at 0.5x, 1x, 2x.
# Nothing here passes or fails on time: the script fails only when cfaudit crashes
# (exit status > 3) or the inputs cannot be generated. Exit 1 (findings) and 2 (audit
# incomplete) are normal.
set -u

[ $# -ge 1 ] || { echo "usage: sh tests/bench/bench.sh ./cfaudit" >&2; exit 3; }
bin=$1
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 1
[ -x "$bin" ] || { echo "bench: $1: no such executable (run make first)" >&2; exit 1; }

B=build/bench
RUNS=${BENCH_RUNS:-5}
RANGES=ipranges/ips-v4.txt
mkdir -p "$B"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfbench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
failed=0

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "note: $*"; }

# ---------------------------------------------------------------- tools
TIME=/usr/bin/time
if [ ! -x $TIME ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing the Debian package time (for /usr/bin/time -v)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time \
			>/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends time >/dev/null 2>&1; }
	fi
	[ -x $TIME ] || { note "/usr/bin/time missing (apt-get install time): no peak RSS"; TIME=; }
fi
case $(date +%s%N 2>/dev/null) in
*[!0-9]* | "") nsclock=0 ;;
*) nsclock=1 ;;
esac
have_ns=0
if command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	if command -v ipset >/dev/null 2>&1 && command -v iptables-restore >/dev/null 2>&1; then
		have_ns=1
	else
		note "ipset or iptables-restore not installed: no kernel check, no peer timing"
	fi
else
	note "unshare -n not permitted here: no kernel check of the inputs, no peer timing"
fi

# ---------------------------------------------------------------- inputs
sum=$(cat tests/bench/gen.c "$RANGES" | cksum | tr ' ' '-')
gen=$B/gen
if [ ! -x "$gen" ] || [ "$(cat "$gen.stamp" 2>/dev/null)" != "$sum" ]; then
	${CC:-cc} -std=c11 -O2 -o "$gen" tests/bench/gen.c || die "cannot compile tests/bench/gen.c"
	echo "$sum" >"$gen.stamp"
fi

# gen_root NAME NUM DEN CHECK: build/bench/root-NAME at scale NUM/DEN
gen_root() {
	d=$B/root-$1
	if [ "$(cat "$d.stamp" 2>/dev/null)" = "$sum" ] &&
	   [ -f "$d/etc/iptables/rules.v4" ] && [ -f "$d/etc/iptables/ipsets" ]; then
		return 0
	fi
	echo "generating $d ..."
	rm -rf "$d" "$d.tmp" "$d.stamp" "$d.expected.txt"
	"$gen" "$RANGES" "$2" "$3" "$d.tmp" || die "generator failed for $d"
	if [ "$4" = check ]; then
		if [ $have_ns = 1 ]; then
			if unshare -n sh -c 'ipset restore <"$1" && iptables-restore --test <"$2"' sh \
				"$d.tmp/etc/iptables/ipsets" "$d.tmp/etc/iptables/rules.v4" \
				>"$tmp/check.out" 2>&1; then
				echo "  checked: the kernel loads $d/etc/iptables/{ipsets,rules.v4}"
			else
				tail -5 "$tmp/check.out" >&2
				rm -rf "$d.tmp"
				die "the kernel rejects the generated files (generator bug)"
			fi
		else
			note "$d not checked against the kernel (no namespace)"
		fi
	fi
	mv "$d.tmp/expected.txt" "$d.expected.txt" && mv "$d.tmp" "$d" || die "cannot move $d.tmp"
	echo "$sum" >"$d.stamp"
}
gen_root 1x 1 1 check
gen_root 0.5x 1 2 nocheck
gen_root 2x 2 1 nocheck

# ---------------------------------------------------------------- timing
now() { date +%s%N; }

# run_once KIND CMD...: runs CMD once; sets st (exit status), secs, rss_kb (or empty)
run_once() {
	kind=$1
	shift
	[ $nsclock = 1 ] && t0=$(now)
	if [ -n "$TIME" ]; then
		$TIME -v -o "$tmp/time.txt" "$@" >/dev/null 2>"$tmp/err.txt"
		st=$?
	else
		"$@" >/dev/null 2>"$tmp/err.txt"
		st=$?
	fi
	[ $nsclock = 1 ] && t1=$(now)
	rss_kb=
	if [ -n "$TIME" ]; then
		rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tmp/time.txt")
	fi
	if [ $nsclock = 1 ]; then
		secs=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.4f", d / 1e9 }')
	elif [ -n "$TIME" ]; then
		secs=$(sed -n 's/.*Elapsed (wall clock) time[^:]*: *//p' "$tmp/time.txt" |
			awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.4f", s }')
	else
		secs=0
	fi
	if [ "$kind" = cfaudit ] && [ $st -gt 3 ]; then
		echo "bench: CRASH: cfaudit exited with status $st:" >&2
		echo "  $*" >&2
		[ -n "$TIME" ] && grep '^Command terminated' "$tmp/time.txt" >&2
		tail -20 "$tmp/err.txt" >&2
		failed=1
	fi
}

# series NAME KIND CMD...: RUNS runs; sets med (median seconds) and peak (max RSS, MB)
series() {
	name=$1
	kind=$2
	shift 2
	: >"$tmp/$name.times"
	peak_kb=0
	sts=
	i=0
	while [ $i -lt "$RUNS" ]; do
		run_once "$kind" "$@"
		echo "$secs" >>"$tmp/$name.times"
		[ -n "$rss_kb" ] && [ "$rss_kb" -gt $peak_kb ] && peak_kb=$rss_kb
		case " $sts " in *" $st "*) ;; *) sts="$sts $st" ;; esac
		[ $kind = cfaudit ] && [ $st -gt 3 ] && break
		i=$((i + 1))
	done
	med=$(sort -n "$tmp/$name.times" | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
	if [ -n "$TIME" ]; then
		peak=$(awk -v k=$peak_kb 'BEGIN { printf "%.1f", k / 1024 }')
	else
		peak=n/a
	fi
	status=${sts# }
}

R1=$B/root-1x/etc/iptables/rules.v4
S1=$B/root-1x/etc/iptables/ipsets

echo
echo "== machine"
echo "cpus:   $(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
echo "model:  $(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -1)"
echo "kernel: $(uname -sr)"
echo "binary: $bin ($("$bin" --version 2>/dev/null | head -1))"
echo "inputs: $(grep -c '^-A' "$R1") iptables rules ($(wc -c <"$R1") bytes)," \
	"$(grep -c '^add ' "$S1") ipset entries ($(wc -c <"$S1") bytes); $RUNS runs each"
echo "targets: audit of the 1x root <= 0.5 s wall and <= 300 MB peak RSS;" \
	"2x/1x time <= 2.2 (linear)"

# warm the page cache, and show what one audit says
cat "$R1" "$S1" >/dev/null
"$bin" --root "$B/root-1x" --format json --output "$tmp/out.json" >/dev/null 2>"$tmp/err1.txt"
st1=$?
echo
echo "== one audit of root-1x: exit status $st1"
if [ $st1 -gt 3 ]; then
	echo "bench: CRASH: cfaudit exited with status $st1" >&2
	tail -20 "$tmp/err1.txt" >&2
	failed=1
elif command -v jq >/dev/null 2>&1 && jq -e . "$tmp/out.json" >/dev/null 2>&1; then
	jq -r '"summary:  \(.summary | tostring)",
	       "inputs:   \([.inputs[]? | "\(.kind) \(.file) \(.status)"] | join("; "))",
	       "findings: \([.findings[]?.id] | group_by(.) | map("\(.[0]) x\(length)") | join(", "))",
	       ([.findings[]? | select(.severity == "error")] | .[:12][] |
		"  \(.file):\(.line): \(.id): \(.message)")' "$tmp/out.json"
else
	head -c 600 "$tmp/out.json"
	echo
fi
echo "(expected findings: $B/root-1x.expected.txt)"
[ $st1 -le 3 ] && [ -s "$tmp/err1.txt" ] && { echo "stderr:"; head -5 "$tmp/err1.txt"; }

series cf1 cfaudit "$bin" --root "$B/root-1x" --format json --output /dev/null
cf_med=$med cf_peak=$peak cf_st=$status
if [ $have_ns = 1 ]; then
	series peer peer unshare -n sh -c \
		'ipset -exist restore <"$1" && iptables-restore --test <"$2"' sh "$S1" "$R1"
	peer_med=$med peer_peak=$peak peer_st=$status
fi
series floor floor cat "$R1" "$S1"
floor_med=$med floor_peak=$peak

row() { # what median peak status
	awk -v w="$1" -v m="$2" -v p="$3" -v c="$cf_med" -v s="$4" 'BEGIN {
		r = (c + 0 > 0 && m != "n/a") ? sprintf("%.2f", m / c) : "n/a"
		printf "%-52s %10s %12s %10s   %s\n", w, m, p, r, s }'
}
echo
echo "== 1x root: $RUNS runs, median wall time, peak RSS"
printf "%-52s %10s %12s %10s   %s\n" what "median s" "peak RSS MB" "x cfaudit" "exit"
row "cfaudit --root root-1x --format json" "$cf_med" "$cf_peak" "$cf_st"
if [ $have_ns = 1 ]; then
	row "peer: ipset -exist restore + iptables-restore --test" "$peer_med" "$peer_peak" "$peer_st"
else
	row "peer: ipset restore + iptables-restore --test" n/a n/a "no namespace"
fi
row "floor: cat rules.v4 ipsets >/dev/null" "$floor_med" "$floor_peak" 0

series cfh cfaudit "$bin" --root "$B/root-0.5x" --format json --output /dev/null
h_med=$med h_peak=$peak h_st=$status
series cf2 cfaudit "$bin" --root "$B/root-2x" --format json --output /dev/null
d_med=$med d_peak=$peak d_st=$status
echo
echo "== scaling (cfaudit, median of $RUNS)"
printf "%-10s %10s %12s   %s\n" root "median s" "peak RSS MB" exit
printf "%-10s %10s %12s   %s\n" 0.5x "$h_med" "$h_peak" "$h_st"
printf "%-10s %10s %12s   %s\n" 1x "$cf_med" "$cf_peak" "$cf_st"
printf "%-10s %10s %12s   %s\n" 2x "$d_med" "$d_peak" "$d_st"
awk -v a="$cf_med" -v b="$d_med" -v h="$h_med" 'BEGIN {
	if (a + 0 > 0) printf "ratio 2x/1x: %.2f (target <= 2.2)   ratio 1x/0.5x: %s\n", b / a,
		(h + 0 > 0) ? sprintf("%.2f", a / h) : "n/a" }'

if [ $failed = 1 ]; then
	echo "bench: cfaudit crashed (see above)" >&2
	exit 1
fi
exit 0
