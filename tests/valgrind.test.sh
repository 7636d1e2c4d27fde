#!/bin/sh
# cfaudit under valgrind's memcheck over a representative subset of the
# samples (every parser, the TLS loader's threads, every report format): no
# memory error and no leak (definite, indirect or possible; what stays
# reachable at exit, interned names and OpenSSL's tables, is not a leak).
# Valgrind does not know openat2, so these runs also take the root.c walk
# that stands in for it on old kernels: the escapes of hostile.test.sh are
# replayed here to show that walk keeps to the root too.
# The ASan build cannot run under valgrind: make check runs this, make asan
# check skips it.
: "${BIN:=./cfaudit}"
case $BIN in
*asan*)
	echo "skip valgrind: $BIN is an ASan build (make check runs it)"
	exit 0
	;;
*valgrind*)
	echo "skip valgrind: the whole suite runs under memcheck (make valgrind-check)"
	exit 0
	;;
esac
if ! command -v valgrind >/dev/null; then
	echo "skip valgrind: valgrind is not installed"
	exit 0
fi
tmp=$(mktemp -d /tmp/cfaudit-valgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# vg NAME ARGS...: cfaudit under memcheck; its own exit status is whatever
# the audit finds, memcheck's errors exit 99
vg() {
	name=$1
	shift
	timeout 300 valgrind -q --error-exitcode=99 --leak-check=full \
		--show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible \
		"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st = 99 ] || [ $st = 124 ] || grep -q '^==[0-9]*== ' "$tmp/err"; then
		echo "not ok valgrind $name: exit $st: $(grep '^==' "$tmp/err" | head -5 | tr '\n' ' ')"
		return 1
	fi
	# the audit itself must have run: findings (1), or an incomplete run
	# (2) where the case is hostile
	if [ $st != "${want:-1}" ]; then
		echo "not ok valgrind $name: exit $st, expected ${want:-1}: $(grep -v '^--' "$tmp/err" | head -3 | tr '\n' ' ')"
		return 1
	fi
	echo "ok valgrind $name"
}

# every firewall format in one run (each valgrind start costs a second)
vg firewalls --iptables samples/healthy/etc/iptables/rules.v4 \
	--ip6tables samples/healthy/etc/iptables/rules.v6 --ipset samples/healthy/etc/iptables/ipsets \
	--nft samples/nft-vmap/etc/nftables.conf --firewalld samples/firewalld-rich-reject/etc/firewalld \
	--format json
vg apache-htaccess --root samples/apache-access-deny --format json
# nginx, certificates on the loader's threads, handshakes, DNS, every format
vg nginx-tls-dns --root samples/dns-statuses --dns samples/dns-statuses/zone.txt \
	--ca samples/dns-statuses/test-ca.pem --at 2026-06-01 --format json \
	--output "sarif:$tmp/r.sarif" --output "junit:$tmp/r.xml"

# the escapes, through the walk
r=$tmp/root
mkdir -p "$r/etc/nginx" "$tmp/outside"
printf 'server { listen 8443; server_name canary.example; }\n' >"$tmp/outside/secret.conf"
ln -s "$tmp/outside/secret.conf" "$r/etc/nginx/abs.conf"
ln -s ../../../../../../../../outside/secret.conf "$r/etc/nginx/rel.conf"
ln -s "$tmp/outside" "$r/etc/nginx/dir"
ln -s "/proc/self/root$tmp/outside/secret.conf" "$r/etc/nginx/proc.conf"
ln -s loop1 "$r/etc/nginx/loop2"
ln -s loop2 "$r/etc/nginx/loop1"
mkfifo "$r/etc/nginx/fifo.conf"
printf 'events {}\nhttp {\n include abs.conf;\n include rel.conf;\n include dir/*.conf;\n include dir/secret.conf;\n include proc.conf;\n include ../../..%s/outside/secret.conf;\n include loop1;\n include fifo.conf;\n server { listen 80; server_name www.example.com; }\n}\n' "$tmp" >"$r/etc/nginx/nginx.conf"
if want=2 vg escapes --root "$r" --format json; then
	if grep -q canary "$tmp/out" || ! jq -e '.summary.complete == false' "$tmp/out" >/dev/null; then
		echo "not ok valgrind escapes-confined: the canary outside the root was read"
	elif [ "$(grep -c 'no such file' "$tmp/err")" != 5 ] ||
		! grep -q 'include "/etc/nginx/loop1": path leaves the audited root or loops' "$tmp/err" ||
		! grep -q 'include "/etc/nginx/fifo.conf": not a regular file' "$tmp/err"; then
		echo "not ok valgrind escapes-confined: $(grep -v '^--' "$tmp/err" | head -8 | tr '\n' ' ')"
	else
		echo "ok valgrind escapes-confined"
	fi
fi
