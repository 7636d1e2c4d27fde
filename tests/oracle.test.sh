#!/bin/sh
# The kernel oracle for the firewall evaluator.
#
# For each sample with iptables/ip6tables/ipset files (or an nftables
# etc/nftables.conf, loaded with nft -f; or firewalld), cfaudit's reachability
# verdicts (--format json) are checked against the real kernel: the same files
# are loaded into a private server network namespace, and real TCP connections
# are made from each verdict's first and last Cloudflare address (bound in a
# private client namespace joined to the server by a veth pair) to the server's
# address and port. Expected: accept -> connected; ratelimit -> connected
# until the limit is reached (some probe must connect; the others may be
# refused or dropped: they all go out at once); reject -> refused
# or an ICMP error; drop -> timeout. "undecided" verdicts are probed but not
# compared: one skip line per sample tells what the kernel did with them.
# Nothing leaves the two namespaces: the only destinations are the server's
# 192.0.2.10 and 2001:db8::10.
#
# Prints "ok oracle NAME FAMILY SRC PORT VERDICT" or "not ok oracle NAME FAMILY
# SRC PORT: cfaudit says VERDICT, the kernel says OUTCOME (...)"; "skip" lines
# for what cannot be checked. Needs root (network namespaces), iproute2,
# iptables, ipset and jq. Environment: BIN (cfaudit), O (build directory that
# holds tests/probe).

: "${BIN:=./cfaudit}" "${O:=build/rel}"
PROBE=$O/tests/probe
DEADLINE_MS=2000    # per sample: every probe shares this deadline
MAX_PROBES=400      # per sample
SRV4=192.0.2.10
SRV6=2001:db8::10
NS_S=cfa-srv-$$
NS_C=cfa-cli-$$
# Every port Cloudflare proxies: the server listens on all of them, so a
# redirect to any of them finds a listener.
CF_PORTS="80 8080 8880 2052 2082 2086 2095 443 2053 2083 2087 2096 8443"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-oracle.XXXXXX") || exit 1
lpid=
fwpid=
buspid=

cleanup() {
	if [ -n "$fwpid" ]; then
		kill "$fwpid" 2>/dev/null
		wait "$fwpid" 2>/dev/null
		fwpid=
	fi
	if [ -n "$buspid" ]; then
		kill "$buspid" 2>/dev/null
		buspid=
	fi
	if [ -n "$lpid" ]; then
		kill "$lpid" 2>/dev/null
		wait "$lpid" 2>/dev/null
		lpid=
	fi
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
}
trap 'cleanup; rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM

skip_all() {
	echo "skip oracle: $*"
	exit 0
}

# A command with a time limit, when timeout(1) exists.
if command -v timeout >/dev/null 2>&1; then
	limit() { t=$1; shift; timeout -k 5 "$t" "$@"; }
else
	limit() { shift; "$@"; }
fi

nap() {
	sleep 0.1 2>/dev/null || sleep 1
}

# nsctl NS KEY VALUE: set a sysctl inside a namespace (missing keys ignored).
nsctl() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$1" sh -c 'f=/proc/sys/$(echo "$1" | tr . /); [ -w "$f" ] && echo "$2" > "$f"' \
		sh "$2" "$3" 2>/dev/null
	return 0
}

# --- prerequisites -----------------------------------------------------------
for t in ip ipset iptables-restore ip6tables-restore jq; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed"
done
if [ "$(id -u)" != 0 ]; then
	skip_all "network namespaces not permitted (not root)"
fi
if ! ip netns add "$NS_S" 2>"$tmp/err"; then
	skip_all "network namespaces not permitted ($(head -n 1 "$tmp/err"))"
fi
if ! ip netns exec "$NS_S" iptables-restore </dev/null 2>"$tmp/err"; then
	skip_all "iptables cannot be loaded in a namespace ($(head -n 1 "$tmp/err"))"
fi
ip netns del "$NS_S"
if [ ! -x "$PROBE" ]; then
	# Run by hand before "make test-bins": build a private copy.
	if cc -std=c11 -D_GNU_SOURCE -O2 -o "$tmp/probe" tests/oracle/probe.c 2>"$tmp/err"; then
		PROBE=$tmp/probe
	else
		echo "not ok oracle: $PROBE is missing and tests/oracle/probe.c does not build"
		exit 0
	fi
fi
if [ ! -x "$BIN" ]; then
	echo "not ok oracle: $BIN is missing (run make)"
	exit 0
fi

# --- one sample --------------------------------------------------------------

# setup_ns SOURCES_FILE: the two namespaces, the veth pair, the addresses.
setup_ns() {
	ip netns add "$NS_S" && ip netns add "$NS_C" || return 1
	for ns in "$NS_S" "$NS_C"; do
		for k in all default; do
			nsctl "$ns" "net.ipv6.conf.$k.accept_dad" 0
			nsctl "$ns" "net.ipv6.conf.$k.accept_ra" 0
			nsctl "$ns" "net.ipv6.conf.$k.router_solicitations" 0
			nsctl "$ns" "net.ipv6.conf.$k.disable_ipv6" 0
			nsctl "$ns" "net.ipv4.conf.$k.rp_filter" 0
		done
	done
	# The server answers every probe at once: no ICMP error may be rate-limited.
	nsctl "$NS_S" net.ipv4.icmp_ratelimit 0
	nsctl "$NS_S" net.ipv4.icmp_ratemask 0
	nsctl "$NS_S" net.ipv4.icmp_msgs_per_sec 100000
	nsctl "$NS_S" net.ipv4.icmp_msgs_burst 100000
	nsctl "$NS_S" net.ipv6.icmp.ratelimit 0
	ip link add eth0 netns "$NS_S" type veth peer name cfa-c netns "$NS_C" || return 1
	{
		echo "link set lo up"
		echo "link set eth0 up"
		echo "addr add $SRV4/32 dev eth0"
		echo "addr add $SRV6/128 dev eth0 nodad"
		echo "route add default dev eth0"
		echo "route add ::/0 dev eth0"
	} >"$tmp/srv.batch"
	{
		echo "link set lo up"
		echo "link set cfa-c up"
		while read -r src; do
			case $src in
			*:*) echo "addr add $src/128 dev cfa-c nodad" ;;
			*) echo "addr add $src/32 dev cfa-c" ;;
			esac
		done <"$1"
		echo "route add $SRV4/32 dev cfa-c"
		echo "route add $SRV6/128 dev cfa-c"
	} >"$tmp/cli.batch"
	ip -n "$NS_S" -batch "$tmp/srv.batch" && ip -n "$NS_C" -batch "$tmp/cli.batch"
}

# load_firewalld NAME DIR: the real firewalld (Debian's package), run in the
# server namespace with a private D-Bus, reading the sample's etc/firewalld as
# its /etc/firewalld and the sample's usr/lib/firewalld laid over the installed
# stock files (icmptypes, helpers) as its /usr/lib/firewalld. The probes meet
# the ruleset it builds.
load_firewalld() {
	for t in firewalld dbus-daemon nft; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "skip oracle $1: $t is not installed (apt-get install firewalld)"
			return 1
		fi
	done
	rm -rf "$tmp/fwd" && mkdir -p "$tmp/fwd/usr" || return 1
	if [ -d /usr/lib/firewalld ]; then
		cp -r /usr/lib/firewalld/. "$tmp/fwd/usr/" || return 1
	fi
	cp -r "$2/usr/lib/firewalld/." "$tmp/fwd/usr/" && cp -r "$2/etc/firewalld" "$tmp/fwd/etc" ||
		return 1
	{
		echo '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"'
		echo ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">'
		echo "<busconfig><type>system</type><listen>unix:path=$tmp/fwd/bus</listen>"
		echo '<auth>EXTERNAL</auth><policy context="default"><allow user="*"/><allow own="*"/>'
		echo '<allow send_type="method_call"/><allow send_destination="*" eavesdrop="true"/>'
		echo '<allow eavesdrop="true"/></policy></busconfig>'
	} >"$tmp/fwd/bus.conf"
	if ! buspid=$(dbus-daemon --config-file="$tmp/fwd/bus.conf" --fork --print-pid); then
		echo "skip oracle $1: cannot start a private D-Bus for firewalld"
		return 1
	fi
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/fwd/bus ip netns exec "$NS_S" firewalld --nofork \
		--nopid --log-target console --system-config "$tmp/fwd/etc" \
		--default-config "$tmp/fwd/usr" >"$tmp/fwd/log" 2>&1 &
	fwpid=$!
	i=0
	# the zones' chains exist before firewalld has filled them all: wait
	# for it to say it is running (under load the probes would meet a
	# ruleset still being built)
	while ! ip netns exec "$NS_S" nft list chain inet firewalld filter_INPUT_ZONES 2>/dev/null |
		grep -q goto ||
		! DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/fwd/bus firewall-cmd --state >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -gt 300 ] || ! kill -0 "$fwpid" 2>/dev/null; then
			echo "skip oracle $1: firewalld did not build its ruleset: $(grep -m 1 ERROR "$tmp/fwd/log")"
			return 1
		fi
		nap
	done
	if grep -q "Failed to load user configuration" "$tmp/fwd/log"; then
		echo "not ok oracle $1: firewalld refused the sample: $(grep ERROR "$tmp/fwd/log" | sed -n 2p)"
		return 1
	fi
	return 0
}

# load_nft NAME FILE: an nftables sample (etc/nftables.conf with its
# includes) with nft -f. Its absolute includes name the sample's own files:
# a copy of the sample's etc is loaded with them pointed into the copy (and
# relative ones found there with -I), never the host's /etc.
load_nft() {
	if ! command -v nft >/dev/null 2>&1; then
		echo "skip oracle $1: nft is not installed (apt-get install nftables)"
		return 1
	fi
	rm -rf "$tmp/nftroot" && mkdir -p "$tmp/nftroot" &&
		cp -r "samples/$1/etc" "$tmp/nftroot/" || return 1
	find "$tmp/nftroot" -type f | while read -r f; do
		sed -i "s|include[[:space:]]*\"/|include \"$tmp/nftroot/|" "$f"
	done
	if ! ip netns exec "$NS_S" nft -I "$tmp/nftroot/etc" -f "$tmp/nftroot/${2#samples/"$1"/}" 2>"$tmp/err"; then
		echo "not ok oracle $1: nft -f rejected ${2#samples/"$1"}: $(head -n 1 "$tmp/err")"
		return 1
	fi
	return 0
}

# load NAME IPSET V4 V6 FIREWALLD NFT: the sample's files into the server namespace.
load() {
	if [ -n "$2" ] && ! ip netns exec "$NS_S" ipset restore <"$2" 2>"$tmp/err"; then
		echo "not ok oracle $1: ipset restore rejected ${2#samples/"$1"}: $(head -n 1 "$tmp/err")"
		return 1
	fi
	if [ -n "$3" ] && ! ip netns exec "$NS_S" iptables-restore <"$3" 2>"$tmp/err"; then
		echo "not ok oracle $1: iptables-restore rejected ${3#samples/"$1"}: $(head -n 1 "$tmp/err")"
		return 1
	fi
	if [ -n "$5" ] && ! load_firewalld "$1" "$5"; then
		return 1
	fi
	if [ -n "$4" ] && ! ip netns exec "$NS_S" ip6tables-restore <"$4" 2>"$tmp/err"; then
		echo "not ok oracle $1: ip6tables-restore rejected ${4#samples/"$1"}: $(head -n 1 "$tmp/err")"
		return 1
	fi
	if [ -n "$6" ] && ! load_nft "$1" "$6"; then
		return 1
	fi
	return 0
}

oracle_sample() {
	name=$1
	dir=samples/$name
	f_set=''
	f_v4=''
	f_v6=''
	f_fwd=''
	f_nft=''
	[ -d "$dir/etc/firewalld" ] && f_fwd=$dir
	for f in etc/nftables.conf etc/sysconfig/nftables.conf; do [ -f "$dir/$f" ] && f_nft=$dir/$f; done
	for f in etc/iptables/ipsets etc/sysconfig/ipset; do [ -f "$dir/$f" ] && f_set=$dir/$f; done
	for f in etc/iptables/rules.v4 etc/sysconfig/iptables; do [ -f "$dir/$f" ] && f_v4=$dir/$f; done
	for f in etc/iptables/rules.v6 etc/sysconfig/ip6tables; do [ -f "$dir/$f" ] && f_v6=$dir/$f; done
	if [ -z "$f_set$f_v4$f_v6$f_fwd$f_nft" ]; then
		if [ -d "$dir/etc/ufw" ]; then
			echo "skip oracle $name: ufw layout (its rules files are fragments that ufw-init completes; the oracle loads iptables-save and ipset files only)"
		else
			echo "skip oracle $name: no iptables, ip6tables, ipset, nftables or firewalld file"
		fi
		return
	fi

	limit 60 "$BIN" --root "$dir" --public-iface eth0 --host-addr "$SRV4" --host-addr "$SRV6" --format json >"$tmp/out.json" 2>"$tmp/err"
	st=$?
	case $st in
	0 | 1 | 2) ;;
	*)
		echo "not ok oracle $name: cfaudit exited with status $st: $(head -n 1 "$tmp/err")"
		return
		;;
	esac
	if ! jq -e '.reachability | type == "array"' "$tmp/out.json" >/dev/null 2>&1; then
		echo "not ok oracle $name: cfaudit's JSON has no reachability array (exit status $st)"
		return
	fi
	jq -r '.reachability[] | [.family, .range, (.first // "-"), (.last // "-"),
		(.port | tostring), (if .forwarded then "forwarded" else .verdict end), (.stage // "-"), (.file // "-"),
		((.line // "-") | tostring)] | @tsv' "$tmp/out.json" >"$tmp/entries" || {
		echo "not ok oracle $name: cannot read cfaudit's reachability entries"
		return
	}
	if [ ! -s "$tmp/entries" ]; then
		echo "not ok oracle $name: cfaudit gave no reachability entry although the sample has firewall files"
		return
	fi

	# The plan: one line per probe, "FAMILY SRC DST PORT VERDICT RANGE STAGE FILE:LINE".
	: >"$tmp/plan.decided"
	: >"$tmp/plan.undecided"
	awk -F '\t' -v s4="$SRV4" -v s6="$SRV6" -v name="$name" \
		-v decided="$tmp/plan.decided" -v undecided="$tmp/plan.undecided" '
	function bad(why) { print "not ok oracle " name ": " why > "/dev/stderr"; nbad++ }
	function addr_ok(fam, a) {
		if (fam == "ipv4") return a ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/
		return a ~ /^[0-9A-Fa-f:]+$/ && a ~ /:/
	}
	{
		fam = $1; range = $2; first = $3; last = $4; port = $5; v = $6
		where = range ", " $8 ":" $9 ", stage " $7
		if (fam != "ipv4" && fam != "ipv6") { bad("entry " range " has family \"" fam "\""); next }
		if (!addr_ok(fam, first) || !addr_ok(fam, last)) {
			bad("entry " range " port " port " lacks a usable first/last (\"" first "\", \"" last "\")"); next
		}
		if (port !~ /^[0-9]+$/ || port < 1 || port > 65535) { bad("entry " range " has port \"" port "\""); next }
		dst = fam == "ipv4" ? s4 : s6
		if (first == dst || last == dst) { bad("entry " range " includes the oracle server address"); next }
		# decided verdicts first: they are the ones the cap must keep
		out = (v == "undecided" || v == "forwarded") ? undecided : decided
		print fam, first, dst, port, v, where > out
		if (last != first) print fam, last, dst, port, v, where > out
	}' "$tmp/entries" 2>"$tmp/bad"
	cat "$tmp/bad"
	cat "$tmp/plan.decided" "$tmp/plan.undecided" >"$tmp/plan.all"
	nplan=$(wc -l <"$tmp/plan.all")
	if [ "$nplan" -eq 0 ]; then
		return
	fi
	head -n "$MAX_PROBES" "$tmp/plan.all" >"$tmp/plan"
	if [ "$nplan" -gt "$MAX_PROBES" ]; then
		echo "skip oracle $name: $((nplan - MAX_PROBES)) probes over the cap of $MAX_PROBES not run"
	fi
	awk '{ print $2 }' "$tmp/plan" | sort -u >"$tmp/sources"
	awk '{ print $2, $3, $4 }' "$tmp/plan" >"$tmp/probes"

	if ! setup_ns "$tmp/sources" 2>"$tmp/err"; then
		echo "not ok oracle $name: cannot set up the namespaces: $(head -n 1 "$tmp/err")"
		cleanup
		return
	fi
	if ! load "$name" "$f_set" "$f_v4" "$f_v6" "$f_fwd" "$f_nft"; then
		cleanup
		return
	fi

	# Listen on every probed port, every Cloudflare port, and every port a
	# REDIRECT/DNAT in the sample sends traffic to.
	ports=$({
		awk '{ print $4 }' "$tmp/plan"
		for p in $CF_PORTS; do echo "$p"; done
		# shellcheck disable=SC2086 # either may be empty
		cat $f_v4 $f_v6 </dev/null | sed -n -e 's/.*--to-ports \([0-9][0-9]*\).*/\1/p' \
			-e 's/.*--to-destination [^ ]*:\([0-9][0-9]*\).*/\1/p'
		# nftables: "redirect to :PORT", "dnat to ADDR:PORT" (in any file of the sample)
		[ -n "$f_nft" ] && find "$dir/etc" -type f -exec cat {} + 2>/dev/null |
			sed -n -e 's/.*redirect to :\([0-9][0-9]*\).*/\1/p' \
				-e 's/.*dnat [a-z0-9 ]*to [^ ]*:\([0-9][0-9]*\).*/\1/p'
	} | sort -n -u | head -n 64 | tr '\n' ' ')
	# shellcheck disable=SC2086 # one argument per port
	ip netns exec "$NS_S" "$PROBE" listen $ports >"$tmp/listen.out" 2>"$tmp/listen.err" &
	lpid=$!
	i=0
	while ! grep -q '^listening' "$tmp/listen.out" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 50 ] || ! kill -0 "$lpid" 2>/dev/null; then
			echo "not ok oracle $name: the server's listener did not start: $(head -n 1 "$tmp/listen.err")"
			cleanup
			return
		fi
		nap
	done

	limit $((DEADLINE_MS / 1000 + 30)) ip netns exec "$NS_C" "$PROBE" connect "$DEADLINE_MS" \
		<"$tmp/probes" >"$tmp/results" 2>"$tmp/err"
	st=$?
	cleanup
	if [ "$st" -ne 0 ]; then
		echo "not ok oracle $name: probe connect failed with status $st: $(head -n 1 "$tmp/err")"
		return
	fi

	# Compare, probe by probe (the results are in the plan's order).
	awk -v name="$name" -v results="$tmp/results" '
	function expected(v, o) {
		if (v == "accept" || v == "ratelimit") return o == "connected"
		# a RST, or an ICMP error: EACCES is ICMPv6 administratively
		# prohibited / policy fail / reject route, ENOPROTOOPT is
		# ICMP protocol unreachable
		if (v == "reject")
			return o ~ /^(refused|unreachable|error:EACCES|error:ENOPROTOOPT|error:EHOSTDOWN|error:ENONET)$/
		if (v == "drop") return o == "timeout"
		return 0
	}
	{
		fam = $1; src = $2; port = $4; v = $5
		where = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", where)
		if ((getline r < results) <= 0) {
			print "not ok oracle " name " " fam " " src " " port ": no result from the probe"
			next
		}
		split(r, f, " ")
		if (f[1] != src || f[3] != port) {
			print "not ok oracle " name " " fam " " src " " port ": the probe answered for " f[1] " " f[3]
			next
		}
		o = f[4]
		if (v == "undecided" || v == "forwarded") {
			# undecided, or DNATed to another host (whose existence
			# is outside the ruleset): not compared
			# nothing to compare: tell what the kernel did instead
			if (!(o in seen)) order[++norder] = o
			seen[o]++
			nund++
		} else if (v != "accept" && v != "ratelimit" && v != "reject" && v != "drop")
			print "not ok oracle " name " " fam " " src " " port ": cfaudit says \"" v "\", not a verdict (" where ")"
		else if (v == "ratelimit" && o != "connected") {
			# a rate limit shows under load: the probes go out at
			# once, so past the burst the kernel refuses or drops;
			# that is right if some probe of the limit got through
			over[++nover] = fam " " src " " port ": over the limit, the kernel says " o
		} else if (expected(v, o)) {
			if (v == "ratelimit") nrate_ok++
			print "ok oracle " name " " fam " " src " " port " " v
		}
		else
			print "not ok oracle " name " " fam " " src " " port ": cfaudit says " v ", the kernel says " o " (" where ")"
	}
	END {
		for (i = 1; i <= nover; i++)
			if (nrate_ok > 0)
				print "ok oracle " name " " over[i] " (ratelimit)"
			else
				print "not ok oracle " name " " over[i] ": no probe of a ratelimit verdict connected"
		if (nund == 0) exit
		k = ""
		for (i = 1; i <= norder; i++) k = k (i > 1 ? ", " : "") seen[order[i]] " " order[i]
		print "skip oracle " name ": " nund " probes of undecided or forwarded verdicts not compared (the kernel says: " k ")"
	}' "$tmp/plan"
}

for d in ${ORACLE_SAMPLES:-samples/*/}; do
	[ -d "$d/etc" ] || continue # samples/integrations holds CI examples
	oracle_sample "$(basename "$d")"
done
exit 0
