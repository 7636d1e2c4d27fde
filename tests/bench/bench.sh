#!/bin/sh
# cfaudit benchmark on a generated big shared-hosting server (make bench):
#   sh tests/bench/bench.sh ./cfaudit BUILD_DIR
#
# 1. Generates, once (again only when tests/bench/gen.c or the ranges change), with
#    BUILD_DIR/tests/benchgen (tests/bench/gen.c: seeded, deterministic),
#    build/bench/root-{0.5x,1x,2x}: at 1x, 20,000 nginx server blocks in 2,000 files with
#    200 ECDSA certificate chains, 10,000 Apache virtual hosts (and their .htaccess
#    files), an iptables-save of 100,000 rules with an ipset of 1,000,000 entries, an
#    nftables ruleset of 100,000 rules with a 1,000,000-element interval set, and a
#    Cloudflare zone export of 20,000 proxied names (etc/cfaudit/zone.txt). What the
#    audit should find is in build/bench/root-*.expected.txt.
# 2. Times cfaudit's full audit of the 1x root (median wall of BENCH_RUNS runs, default 5;
#    peak RSS from /usr/bin/time -v) and, in the same run, the tools that read the same
#    inputs (PEER_RUNS runs each, default 1: nginx -t alone takes many seconds):
#    nginx -t, apache2ctl -t, ipset -exist restore + iptables-restore --test and nft -c -f
#    in a network namespace, openssl verify over the chains; and the floor, reading every
#    byte of the root. A peer that fails on the 1x root is a generator bug: the script
#    fails.
# 3. The certificates (issue #6): build/bench/tls-5000, 5,000 server blocks with a chain
#    each, loaded and verified as the TLS evaluator does (BUILD_DIR/tests/tlsload) on one
#    thread and on every CPU, and cfaudit's full audit of that server.
# 4. Scaling: cfaudit at 0.5x, 1x, 2x.
# Nothing here passes or fails on time: the script fails only when cfaudit crashes
# (exit status > 3), a peer refuses the inputs, or the inputs cannot be generated. Exit 1
# (findings) and 2 (audit incomplete) are normal.
set -u

[ $# -ge 2 ] || { echo "usage: sh tests/bench/bench.sh ./cfaudit BUILD_DIR" >&2; exit 3; }
bin=$1
O=$2
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 1
[ -x "$bin" ] || { echo "bench: $1: no such executable (run make first)" >&2; exit 1; }
gen=$O/tests/benchgen
[ -x "$gen" ] || { echo "bench: $gen is not built (make bench builds it)" >&2; exit 1; }

B=build/bench
RUNS=${BENCH_RUNS:-5}
PRUNS=${PEER_RUNS:-1}
AT=2026-11-01
AT_EPOCH=1793491200
V4=ipranges/ips-v4.txt
V6=ipranges/ips-v6.txt
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
	have_ns=1
else
	note "unshare -n not permitted here: no firewall peers"
fi
have() { command -v "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- inputs
sum=$(cat tests/bench/gen.c "$V4" "$V6" | cksum | tr ' ' '-')

# gen_root NAME NUM DEN: build/bench/root-NAME at scale NUM/DEN
gen_root() {
	d=$B/root-$1
	if [ "$(cat "$d.stamp" 2>/dev/null)" = "$sum" ] && [ -f "$d/etc/cfaudit/zone.txt" ]; then
		return 0
	fi
	echo "generating $d ..."
	rm -rf "$d" "$d.tmp" "$d.stamp" "$d.expected.txt"
	"$gen" "$V4" "$V6" "$2" "$3" "$d.tmp" || die "generator failed for $d"
	mv "$d.tmp/expected.txt" "$d.expected.txt" && mv "$d.tmp" "$d" || die "cannot move $d.tmp"
	echo "$sum" >"$d.stamp"
}
gen_root 1x 1 1
gen_root 0.5x 1 2
gen_root 2x 2 1

# build/bench/tls-5000: issue #6's certificate benchmark, 5,000 server blocks with a
# chain each (leaf + the shared intermediate) and their zone export
TLSN=5000
T=$B/tls-$TLSN
if [ "$(cat "$T.stamp" 2>/dev/null)" != "$sum" ] || [ ! -f "$T/test-ca.pem" ]; then
	echo "generating $T ..."
	rm -rf "$T" "$T.tmp" "$T.stamp"
	"$gen" "$V4" "$V6" tls $TLSN "$T.tmp" || die "generator failed for $T"
	mv "$T.tmp" "$T" || die "cannot move $T.tmp"
	echo "$sum" >"$T.stamp"
fi

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
		secs=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')
	elif [ -n "$TIME" ]; then
		secs=$(sed -n 's/.*Elapsed (wall clock) time[^:]*: *//p' "$tmp/time.txt" |
			awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.3f", s }')
	else
		secs=0
	fi
	if [ "$kind" = cfaudit ] && [ $st -gt 3 ]; then
		echo "bench: CRASH: cfaudit exited with status $st:" >&2
		echo "  $*" >&2
		[ -n "$TIME" ] && grep '^Command terminated' "$tmp/time.txt" >&2
		tail -20 "$tmp/err.txt" >&2
		failed=1
	elif [ "$kind" = peer ] && [ $st -ne 0 ]; then
		echo "bench: a peer refuses the generated inputs (status $st): $*" >&2
		tail -5 "$tmp/err.txt" >&2
		failed=1
	fi
}

# series NAME KIND N CMD...: N runs; sets med (median seconds), peak (max RSS, MB), status
series() {
	name=$1
	kind=$2
	n=$3
	shift 3
	: >"$tmp/$name.times"
	peak_kb=0
	sts=
	i=0
	while [ $i -lt "$n" ]; do
		run_once "$kind" "$@"
		echo "$secs" >>"$tmp/$name.times"
		[ -n "$rss_kb" ] && [ "$rss_kb" -gt $peak_kb ] && peak_kb=$rss_kb
		case " $sts " in *" $st "*) ;; *) sts="$sts $st" ;; esac
		[ "$st" -gt 3 ] && break
		i=$((i + 1))
	done
	med=$(sort -n "$tmp/$name.times" | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
	if [ -n "$TIME" ]; then
		peak=$(awk -v k=$peak_kb 'BEGIN { printf "%.1f", k / 1024 }')
	else
		peak=n/a
	fi
	status=${sts# }
}

# cfaudit's arguments for a root: the zone export once the build reads one
cf_args() {
	r=$1
	set -- --no-config --root "$r" --ca "$r/test-ca.pem" --at $AT --format json
	if "$bin" --help 2>/dev/null | grep -q -- '--dns'; then
		set -- "$@" --dns "$r/etc/cfaudit/zone.txt"
	fi
	echo "$@"
}

R=$B/root-1x
echo
echo "== machine"
echo "cpus:   $(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
echo "model:  $(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -1)"
echo "kernel: $(uname -sr)"
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; before the runs)"
echo "binary: $bin ($("$bin" --version 2>/dev/null | head -1))"
echo "inputs: $(du -sk "$R" | cut -f1) KB in $(find "$R" -type f | wc -l) files:"
sed -n 's/^# /        /p' "$B/root-1x.expected.txt" | grep -v '^        bans inside'
echo "runs:   cfaudit $RUNS, peers $PRUNS (median)"
echo "targets: full audit of the 1x root <= 1 s wall and <= 500 MB peak RSS; 2x/1x <= 2.2"
if ! "$bin" --help 2>/dev/null | grep -q -- '--dns'; then
	# TODO(dns): the zone export is generated; pass it once cfaudit reads --dns
	note "this cfaudit has no --dns: the zone export is not audited"
fi

# warm the page cache, and show what one audit says
find "$R" -type f -print0 | xargs -0 cat >/dev/null
# shellcheck disable=SC2046
"$bin" $(cf_args "$R") --output "$tmp/out.json" >/dev/null 2>"$tmp/err1.txt"
st1=$?
echo
echo "== one audit of root-1x: exit status $st1"
if [ $st1 -gt 3 ]; then
	echo "bench: CRASH: cfaudit exited with status $st1" >&2
	tail -20 "$tmp/err1.txt" >&2
	failed=1
elif command -v jq >/dev/null 2>&1 && jq -e . "$tmp/out.json" >/dev/null 2>&1; then
	jq -r '"summary:  \(.summary | tostring)",
	       "inputs:   \([.inputs[]?.status] | group_by(.) | map("\(length) \(.[0])") | join(", "))",
	       "findings: \([.findings[]?.id] | group_by(.) | map("\(.[0]) x\(length)") | join(", "))",
	       ([.findings[]? | select(.severity == "error")] | .[:12][] |
		"  \(.file):\(.line): \(.id): \(.message)")' "$tmp/out.json"
else
	head -c 600 "$tmp/out.json"
	echo
fi
echo "(expected findings: $B/root-1x.expected.txt)"
[ $st1 -le 3 ] && [ -s "$tmp/err1.txt" ] && { echo "stderr:"; head -5 "$tmp/err1.txt"; }

# shellcheck disable=SC2046
series cf1 cfaudit "$RUNS" "$bin" $(cf_args "$R") --output /dev/null
cf_med=$med cf_peak=$peak cf_st=$status

rows=$tmp/rows
: >"$rows"
# the same audit without the zone: what the hostnames' verdicts cost
nd_med=
if "$bin" --help 2>/dev/null | grep -q -- '--dns'; then
	series cfnd cfaudit "$RUNS" "$bin" --no-config --root "$R" --ca "$R/test-ca.pem" --at $AT \
		--format json --output /dev/null
	nd_med=$med nd_peak=$peak nd_st=$status
fi
peer_sum=0
# peer LABEL CMD...: one row of the table
peer() {
	label=$1
	shift
	series peer peer "$PRUNS" "$@"
	echo "$label|$med|$peak|$status" >>"$rows"
	peer_sum=$(awk -v a="$peer_sum" -v b="$med" 'BEGIN { printf "%.3f", a + b }')
}
if have nginx; then
	mkdir -p "$tmp/nginx"
	peer "nginx -t (the nginx tree)" nginx -t -q -p "$tmp/nginx/" -e stderr -c "$top/$R/etc/nginx/nginx.conf"
else
	echo "nginx -t|n/a|n/a|nginx not installed" >>"$rows"
fi
if have apache2ctl; then
	peer "apache2ctl -t (the Apache tree)" env APACHE_CONFDIR="$top/$R/etc/apache2" apache2ctl -t
else
	echo "apache2ctl -t|n/a|n/a|apache2 not installed" >>"$rows"
fi
if [ $have_ns = 1 ] && have ipset && have iptables-restore; then
	peer "ipset -exist restore + iptables-restore --test" unshare -n sh -c \
		'ipset -exist restore <"$1" && iptables-restore --test <"$2"' sh \
		"$R/etc/iptables/ipsets" "$R/etc/iptables/rules.v4"
else
	echo "ipset restore + iptables-restore --test|n/a|n/a|no namespace or tools" >>"$rows"
fi
if [ $have_ns = 1 ] && have nft; then
	peer "nft -c -f (the nftables ruleset)" unshare -n nft -c -f "$R/etc/nftables.conf"
else
	echo "nft -c -f|n/a|n/a|no namespace or nft" >>"$rows"
fi
if have openssl; then
	peer "openssl verify (every chain)" sh -c 'openssl verify -attime "$1" -CAfile "$2" \
		-untrusted "$3" "$4"/c*.pem' sh $AT_EPOCH "$R/test-ca.pem" \
		"$R/etc/nginx/certs/intermediate.pem" "$R/etc/nginx/certs"
else
	echo "openssl verify|n/a|n/a|openssl not installed" >>"$rows"
fi
series floor floor "$RUNS" sh -c 'find "$1" -type f -print0 | xargs -0 cat >/dev/null' sh "$R"
floor_med=$med floor_peak=$peak

row() { # what median peak status
	awk -v w="$1" -v m="$2" -v p="$3" -v c="$cf_med" -v s="$4" 'BEGIN {
		r = (m + 0 > 0 && m != "n/a") ? sprintf("%.2f", c / m) : "n/a"
		printf "%-52s %9s %12s %11s   %s\n", w, m, p, r, s }'
}
echo
echo "== 1x root: median wall time, peak RSS (cfaudit $RUNS runs, peers $PRUNS)"
printf "%-52s %9s %12s %11s   %s\n" what "median s" "peak RSS MB" "cfaudit/it" "exit"
row "cfaudit, full audit (--format json)" "$cf_med" "$cf_peak" "$cf_st"
[ -n "$nd_med" ] && row "cfaudit, the same without --dns" "$nd_med" "$nd_peak" "$nd_st"
while IFS='|' read -r w m p s; do
	row "peer: $w" "$m" "$p" "$s"
done <"$rows"
row "peers together (sum of the rows above)" "$peer_sum" "" ""
row "floor: reading every byte (find | xargs cat)" "$floor_med" "$floor_peak" 0

# The certificate work alone, as the TLS evaluator does it, on one thread and on every CPU
if [ -x "$O/tests/tlsload" ]; then
	echo
	echo "== certificates: load and verify $TLSN chains and keys (tests/bench/tlsload; $T)"
	for threads in 1 0; do
		series tls tls "$RUNS" "$O/tests/tlsload" "$T" "$TLSN" "$threads"
		[ "$threads" = 0 ] && threads="every CPU"
		echo "threads $threads: median $med s (exit $status)"
	done
	# shellcheck disable=SC2046
	series cft cfaudit "$RUNS" "$bin" $(cf_args "$T") --output /dev/null
	echo "cfaudit, full audit of the $TLSN-chain server: median $med s, peak $peak MB (exit $status)"
fi

# shellcheck disable=SC2046
series cfh cfaudit "$RUNS" "$bin" $(cf_args "$B/root-0.5x") --output /dev/null
h_med=$med h_peak=$peak h_st=$status
# shellcheck disable=SC2046
series cf2 cfaudit "$RUNS" "$bin" $(cf_args "$B/root-2x") --output /dev/null
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
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) (after the runs)"

if [ $failed = 1 ]; then
	echo "bench: see the errors above" >&2
	exit 1
fi
exit 0
