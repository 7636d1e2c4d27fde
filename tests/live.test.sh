#!/bin/sh
# The differential test of --live: the kernel's view of a ruleset must give
# the same reachability as the files it was loaded from.
#
# For each sample under samples/ with firewall files the kernel can load
# (iptables-save files, ipset save files, nftables files), and each tree under
# tests/live/ (rulesets that exercise the translation: the x_tables
# extensions iptables-nft leaves in its rules...; a tree's "args" file holds
# extra options for both runs, such as --ports), the files are
# loaded into a fresh network namespace (ipset restore, iptables-restore,
# ip6tables-restore, nft -f) whose one interface carries the addresses
# 192.0.2.10 and 2001:db8::10. Then
#   file: $BIN --root samples/NAME --host-addr 192.0.2.10 --host-addr 2001:db8::10
#   live: ip netns exec NS $BIN --live --root samples/NAME
# A tree with a "twin" directory is also (or only, while no parser reads its
# files) compared with the file audit of the twin: a ruleset in native nft
# whose twin says the same with iptables-save and ipset files.
# (both --format json, the same --at) must give the same reachability rows:
# family, range, first, last, address, port, verdict and stage, row for row.
# The file and line of a row differ by design (nft:FAMILY/TABLE/CHAIN and the
# rule handle instead of the file and line), and so may the text of "why".
#
# What cannot be the same, and is therefore not compared:
# - a family the sample has no ruleset for: the file audit does not evaluate
#   it, while for the kernel an empty family accepts everything. Only the
#   families the file audit evaluated are compared.
# - the addresses: the live run reads them from the namespace's interface,
#   the file run is told the same ones with --host-addr.
#
# Prints "ok live NAME (files|twin, N rows)", "not ok live NAME: ..." with the first
# differing rows, or "skip live NAME: why" (one line for all the samples with
# no firewall file the kernel loads: firewalld, nginx, ufw). Needs root (network namespaces),
# iproute2, jq, and the loaders of the sample's files. Environment: BIN.

: "${BIN:=./cfaudit}"
AT=2026-11-01T00:00:00Z
SRV4=192.0.2.10
SRV6=2001:db8::10
NS=cfa-live-$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-live.XXXXXX") || exit 1

cleanup() {
	ip netns del "$NS" 2>/dev/null
}
trap 'cleanup; rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM

skip_all() {
	echo "skip live: $*"
	exit 0
}

# --- prerequisites -----------------------------------------------------------
for t in ip jq; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed"
done
if [ "$(id -u)" != 0 ]; then
	skip_all "network namespaces not permitted (not root)"
fi
if ! ip netns add "$NS" 2>"$tmp/err"; then
	skip_all "network namespaces not permitted ($(head -n 1 "$tmp/err"))"
fi
if ! ip netns exec "$NS" "$BIN" --live --root "$tmp" --format json >"$tmp/probe.json" \
	2>"$tmp/err" && [ ! -s "$tmp/probe.json" ]; then
	cleanup
	skip_all "$BIN --live does not run in a namespace ($(head -n 1 "$tmp/err"))"
fi
if [ "$(jq -r '.inputs[] | select(.file == "kernel:nftables") | .status' "$tmp/probe.json")" \
	!= ok ]; then
	cleanup
	skip_all "nf_tables cannot be read in a namespace: $(jq -r '.inputs[] |
		select(.file == "kernel:nftables") | .errors[0].message // .status' "$tmp/probe.json")"
fi
cleanup
if [ ! -x "$BIN" ]; then
	echo "not ok live: $BIN is missing (run make)"
	exit 0
fi

# --- one sample --------------------------------------------------------------

first_file() { # ROOT PATH...: the first PATH that exists under ROOT
	r=$1
	shift
	for p in "$@"; do
		if [ -f "$r$p" ]; then
			echo "$r$p"
			return
		fi
	done
}

setup_ns() {
	ip netns add "$NS" || return 1
	for k in all default; do
		ip netns exec "$NS" sh -c "echo 0 > /proc/sys/net/ipv6/conf/$k/accept_dad" \
			2>/dev/null
	done
	ip -n "$NS" link add eth0 type veth peer name cfa-peer || return 1
	{
		echo "link set lo up"
		echo "link set eth0 up"
		echo "addr add $SRV4/32 dev eth0"
		echo "addr add $SRV6/128 dev eth0 nodad"
	} >"$tmp/ns.batch"
	ip -n "$NS" -batch "$tmp/ns.batch"
}

# load NAME TOOL FILE: one file into the namespace; "skip" when it cannot be.
load() {
	case $2 in
	ipset) ip netns exec "$NS" ipset restore <"$3" ;;
	iptables) ip netns exec "$NS" iptables-restore <"$3" ;;
	ip6tables) ip netns exec "$NS" ip6tables-restore <"$3" ;;
	nft)
		# absolute includes name the sample's own files: a copy of its etc
		# is loaded with them pointed into the copy, never the host's /etc
		rm -rf "$tmp/nftroot" && mkdir -p "$tmp/nftroot" && cp -r "$d/etc" "$tmp/nftroot/" &&
			find "$tmp/nftroot" -type f -exec sed -i \
				"s|include[[:space:]]*\"/|include \"$tmp/nftroot/|" {} + &&
			ip netns exec "$NS" nft -I "$tmp/nftroot/etc" -f "$tmp/nftroot/${3#"$d"/}"
		;;
	esac 2>"$tmp/err" && return 0
	echo "skip live $1: the kernel rejects ${3#"$d"} ($2): $(head -n 1 "$tmp/err")"
	return 1
}

rows() { # JSON FAMILIES: the compared fields of each row, one per line
	jq -r --argjson fams "$2" '.reachability[] | select(.family as $f | $fams | index($f)) |
		[.family, .range, .first, .last, (.address // "-"), .port, .verdict,
		 .stage] | map(tostring) | join(" ")' "$1"
}

nofw=

one_sample() {
	d=${1%/}
	name=$(basename "$d")
	extra=
	[ -f "$d/args" ] && extra=$(cat "$d/args")
	v4=$(first_file "$d" /etc/iptables/rules.v4 /etc/sysconfig/iptables)
	v6=$(first_file "$d" /etc/iptables/rules.v6 /etc/sysconfig/ip6tables)
	sets=$(first_file "$d" /etc/iptables/ipsets /etc/sysconfig/ipset)
	nftf=$(first_file "$d" /etc/nftables.conf /etc/sysconfig/nftables.conf)
	if [ -z "$v4$v6$sets$nftf" ]; then
		nofw="$nofw $name"
		return
	fi
	for t in $( [ -n "$sets" ] && echo ipset; [ -n "$v4" ] && echo iptables-restore
		    [ -n "$v6" ] && echo ip6tables-restore; [ -n "$nftf" ] && echo nft); do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "skip live $name: $t is not installed"
			return
		fi
	done
	if ! setup_ns; then
		echo "not ok live $name: cannot set up the namespace"
		cleanup
		return
	fi
	ok=1
	[ -n "$sets" ] && { load "$name" ipset "$sets" || ok=0; }
	[ $ok = 1 ] && [ -n "$v4" ] && { load "$name" iptables "$v4" || ok=0; }
	[ $ok = 1 ] && [ -n "$v6" ] && { load "$name" ip6tables "$v6" || ok=0; }
	[ $ok = 1 ] && [ -n "$nftf" ] && { load "$name" nft "$nftf" || ok=0; }
	if [ $ok = 0 ]; then
		cleanup
		return
	fi
	# shellcheck disable=SC2086 # extra holds options, split on purpose
	ip netns exec "$NS" "$BIN" --live --root "$d" --at "$AT" --format json $extra \
		>"$tmp/live.json" 2>"$tmp/live.err"
	lst=$?
	cleanup
	if [ $lst -gt 2 ] || ! jq -e . "$tmp/live.json" >/dev/null 2>&1; then
		echo "not ok live $name: the live audit failed (status $lst): $(head -n 1 "$tmp/live.err")"
		return
	fi
	bad=$(jq -r '[.inputs[] | select(.file | startswith("kernel:")) |
		select(.status != "ok") | "\(.file): \(.errors[0].message // .status)"] |
		join("; ")' "$tmp/live.json")
	if [ -n "$bad" ]; then
		echo "not ok live $name: $bad"
		return
	fi
	if [ -d "$d/twin" ]; then
		compare "$name" "$d/twin" twin "$extra"
	fi
	compare "$name" "$d" files "$extra"
}

# compare NAME ROOT WHAT EXTRA: the file audit of ROOT against live.json.
compare() {
	# shellcheck disable=SC2086 # extra holds options, split on purpose
	"$BIN" --root "$2" --at "$AT" --format json --host-addr "$SRV4" --host-addr "$SRV6" \
		$4 >"$tmp/file.json" 2>"$tmp/file.err"
	fst=$?
	if [ $fst -gt 2 ] || ! jq -e . "$tmp/file.json" >/dev/null 2>&1; then
		echo "not ok live $1 ($3): the file audit failed (status $fst): $(head -n 1 "$tmp/file.err")"
		return
	fi
	uns=$(jq -r '[.inputs[] | select(.status == "unsupported") | .file] | join(", ")' \
		"$tmp/file.json")
	if [ -n "$uns" ]; then
		# a file this version cannot read yet: nothing to compare with
		echo "skip live $1 ($3): the file audit does not read $uns"
		return
	fi
	fams=$(jq -c '[.reachability[].family] | unique' "$tmp/file.json")
	rows "$tmp/file.json" "$fams" >"$tmp/file.rows"
	rows "$tmp/live.json" "$fams" >"$tmp/live.rows"
	n=$(wc -l <"$tmp/file.rows" | tr -d ' ')
	if [ "$n" = 0 ]; then
		[ "$3" = files ] && [ -d "$2/twin" ] && return # the twin is the reference
		echo "skip live $1 ($3): the file audit evaluated no firewall"
		return
	fi
	if cmp -s "$tmp/file.rows" "$tmp/live.rows"; then
		echo "ok live $1 ($3, $n rows)"
	else
		echo "not ok live $1 ($3): reachability differs (- file, + live):"
		diff -u "$tmp/file.rows" "$tmp/live.rows" | sed -n '3,14p' | sed 's/^/#   /'
	fi
}

# --- what --live says when it cannot see everything ----------------------------

# checks NAME EXPECTED_STATUS PATTERN CMD...: the exit status and a line of
# the output (stdout and stderr) matching PATTERN.
checks() {
	n=$1
	want=$2
	pat=$3
	shift 3
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" != "$want" ]; then
		echo "not ok live $n: exit status $got, expected $want: $(head -n 1 "$tmp/out")"
	elif ! grep -q "$pat" "$tmp/out"; then
		echo "not ok live $n: no line matches \"$pat\": $(head -n 1 "$tmp/out")"
	else
		echo "ok live $n"
	fi
}

checks usage-files 3 "not with --iptables" "$BIN" --live --iptables /dev/null
if command -v setpriv >/dev/null 2>&1 && setpriv --reuid 65534 --regid 65534 --clear-groups \
	true 2>/dev/null; then
	# without CAP_NET_ADMIN: the input is unreadable, the audit incomplete
	checks no-privilege 2 "kernel:nftables: cannot read.*CAP_NET_ADMIN" \
		setpriv --reuid 65534 --regid 65534 --clear-groups "$BIN" --live --root "$tmp"
else
	echo "skip live no-privilege: setpriv cannot drop to an unprivileged user here"
fi
# iptables-legacy rules are invisible to netlink: said, and the audit is
# incomplete. Only where x_tables is loaded already (no module is loaded
# for the test).
if [ -r /proc/net/ip_tables_names ] && command -v iptables-legacy >/dev/null 2>&1 &&
	ip netns add "$NS" 2>/dev/null; then
	if ip netns exec "$NS" iptables-legacy -t filter -A INPUT -p tcp --dport 443 -j DROP \
		2>"$tmp/err"; then
		checks legacy 2 "legacy x_tables tables are loaded (filter)" \
			ip netns exec "$NS" "$BIN" --live --root "$tmp"
	else
		echo "skip live legacy: iptables-legacy: $(head -n 1 "$tmp/err")"
	fi
	cleanup
else
	echo "skip live legacy: x_tables is not loaded (or iptables-legacy is missing)"
fi

# --- the samples ---------------------------------------------------------------

for d in samples/*/ tests/live/*/; do
	[ -d "$d" ] && one_sample "$d"
done
if [ -n "$nofw" ]; then
	echo "skip live: no firewall file the kernel loads in$nofw"
fi
exit 0
