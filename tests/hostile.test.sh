#!/bin/sh
# Hostile trees (issue 9), built here at run time (nothing big is committed):
# escapes from --root, include loops and depth, glob bombs, FIFOs, devices
# and sockets, unreadable and oversized files, long lines, NUL bytes, BOMs,
# CRLF, terminal escapes, deep nesting, jump cycles, a million-element set,
# a chain of 1,000 certificates, malformed DER. Each case is the same small
# origin (an iptables drop of a Cloudflare range) plus one hostile thing, and
# must end in bounded time and memory with the expected status and message
# while the drop is still reported. Then: a run over a tree holding all of them never
# reads outside the root, never writes under it and never executes anything.
# Prints ok/not ok/skip lines.
: "${BIN:=./cfaudit}"
# in memory where possible: 100,000 files are made and removed in a second
# there, in a minute on a busy disk
shm=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && shm=/dev/shm
tmp=$(mktemp -d $shm/cfaudit-hostile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
out=$tmp/out
err=$tmp/err

SUITE=hostile
. "$(dirname "$0")/lib.sh"

# The origin every case starts from: its drop must survive every case.
base() {
	rm -rf "$r"
	mkdir -p "$r/etc/iptables" "$r/etc/nginx"
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 162.158.0.0/15 -j DROP\nCOMMIT\n' >"$r/etc/iptables/rules.v4"
}

# nginx NAME LINE...: /etc/nginx/nginx.conf holding an http block with the
# given lines in it
nginx_conf() {
	{
		echo 'events {}'
		echo 'http {'
		for l in "$@"; do echo "  $l"; done
		echo '  server { listen 80; server_name www.example.com; }'
		echo '}'
	} >"$r/etc/nginx/nginx.conf"
}

# run ARGS...: cfaudit on the tree, at most 60 s (it takes well under 1 s)
# and 2 GiB of address space (not for ASan, which reserves terabytes)
run() {
	(
		case $BIN in
		*asan*) ;;
		*) ulimit -v 2097152 ;;
		esac
		exec timeout 60 "$BIN" --root "$r" "$@"
	) >"$out" 2>"$err"
}

# case NAME STATUS MESSAGE [ARGS...]: run, then check the exit status, the
# message on stderr (fixed string) and that the drop is still reported
check() {
	name=$1 want=$2 msg=$3
	shift 3
	run "$@"
	got=$?
	if [ "$got" = 124 ]; then
		fail "$name" "did not finish in 60 s"
	elif [ "$got" != "$want" ]; then
		fail "$name" "exit $got, expected $want: $(head -c 300 "$err")"
	elif [ -n "$msg" ] && ! grep -qF -- "$msg" "$err"; then
		fail "$name" "no \"$msg\" on stderr: $(head -c 300 "$err")"
	elif ! grep -q '^/etc/iptables/rules.v4:5: error: CF522-FW-DROP' "$out"; then
		fail "$name" "the other findings were not reported"
	else
		ok "$name"
	fi
}

# ---- escapes from the root ----
mkdir -p "$tmp/outside"
printf 'server { listen 8443; server_name canary.example; }\n' >"$tmp/outside/secret.conf"

base
ln -s "$tmp/outside/secret.conf" "$r/etc/nginx/abs.conf"
nginx_conf 'include /etc/nginx/abs.conf;'
check symlink-absolute 2 'include "/etc/nginx/abs.conf": no such file'

base
ln -s ../../../../../../../../outside/secret.conf "$r/etc/nginx/rel.conf"
nginx_conf 'include rel.conf;'
check symlink-relative 2 'include "/etc/nginx/rel.conf": no such file'

base
nginx_conf 'include ../../../../../../outside/secret.conf;'
check dotdot-include 2 'include "/etc/nginx/../../../../../../outside/secret.conf": no such file'

base
ln -s "$tmp/outside" "$r/etc/nginx/conf.d"
nginx_conf 'include conf.d/*.conf;'
check symlinked-dir-absolute 1 ''
base
ln -s ../../../../../../../outside "$r/etc/nginx/conf.d"
nginx_conf 'include conf.d/secret.conf;'
check symlinked-dir-relative 2 'include "/etc/nginx/conf.d/secret.conf": no such file'

base
ln -s "/proc/self/root$tmp/outside/secret.conf" "$r/etc/nginx/proc.conf"
nginx_conf 'include proc.conf;'
check proc-self-root-link 2 'include "/etc/nginx/proc.conf": no such file'

# a real procfs inside the root (a bind mount in a private mount namespace):
# its magic links are refused
base
mkdir -p "$r/proc"
nginx_conf "include /proc/self/root$tmp/outside/secret.conf;"
if unshare -m sh -c "mount --make-rprivate / && mount --bind /proc '$r/proc' && timeout 60 '$BIN' --root '$r'" >"$out" 2>"$err"; then
	fail magic-link "exit 0"
elif grep -q 'mount' "$err" && ! grep -q 'secret.conf' "$err"; then
	skip magic-link "no mount namespace here"
elif grep -qF 'path leaves the audited root or loops' "$err" && ! grep -q canary "$out"; then
	ok magic-link
elif case $BIN in *valgrind*) true ;; *) false ;; esac &&
	grep -qF 'secret.conf": no such file' "$err" && ! grep -q canary "$out"; then
	# valgrind knows no openat2: root.c's walk refuses the link its own way
	ok magic-link
else
	fail magic-link "$(head -c 300 "$err")"
fi

# ---- includes: loops, depth, glob bombs ----
base
nginx_conf 'include loop.conf;'
echo 'include loop.conf;' >"$r/etc/nginx/loop.conf"
check include-loop-nginx 2 'include loop: "/etc/nginx/loop.conf" includes itself'

base
nginx_conf 'include d1.conf;'
i=1
while [ $i -le 40 ]; do
	echo "include d$((i + 1)).conf;" >"$r/etc/nginx/d$i.conf"
	i=$((i + 1))
done
check include-depth-nginx 2 'includes nested deeper than 16 files'

base
printf 'Listen 80\nInclude /etc/apache2/apache2.conf\n' >"$r/etc/apache2.conf.tmp"
mkdir -p "$r/etc/apache2"
mv "$r/etc/apache2.conf.tmp" "$r/etc/apache2/apache2.conf"
check include-loop-apache 2 'There appears to be a recursion. (/etc/apache2/apache2.conf includes itself)'

base
printf 'include "/etc/nftables.conf"\n' >"$r/etc/nftables.conf"
check include-loop-nft 2 'include loop: /etc/nftables.conf -> /etc/nftables.conf'

# 100,000 files matched by one pattern
base
mkdir -p "$r/etc/many"
(cd "$r/etc/many" && seq 1 100000 | sed 's/$/.conf/' | xargs touch)
nginx_conf 'include /etc/many/*.conf;'
check glob-bomb-nginx 2 'include "/etc/many/*.conf": more than 50000 files match'
rm -f "$r/etc/nginx/nginx.conf"
mkdir -p "$r/etc/apache2"
printf 'Listen 80\nInclude /etc/many/*.conf\n' >"$r/etc/apache2/apache2.conf"
check glob-bomb-apache 2 'more than 50000 files: cfaudit reads at most 50000 for one Include'
rm -rf "$r/etc/apache2"
printf 'include "/etc/many/*.conf"\n' >"$r/etc/nftables.conf"
check glob-bomb-nft 2 'Failed to glob the pattern /etc/many/*.conf: more than 50000 files match'

# ---- what is not a regular file never blocks and is never opened ----
base
mkfifo "$r/etc/nginx/fifo.conf"
nginx_conf 'include fifo.conf;'
check fifo 2 'include "/etc/nginx/fifo.conf": not a regular file (FIFO, device or socket): not read'
base
if mknod "$r/etc/nginx/zero.conf" c 1 5 2>/dev/null; then
	nginx_conf 'include zero.conf;'
	check char-device 2 'include "/etc/nginx/zero.conf": not a regular file (FIFO, device or socket): not read'
else
	skip char-device "mknod is not allowed here"
fi
base
if python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$r/etc/nginx/sock.conf" 2>/dev/null; then
	nginx_conf 'include sock.conf;'
	check socket 2 'include "/etc/nginx/sock.conf": not a regular file (FIFO, device or socket): not read'
else
	skip socket "cannot bind a UNIX socket here"
fi

# ---- unreadable and oversized files ----
base
echo 'server_tokens off;' >"$r/etc/nginx/secret.conf"
chmod 000 "$r/etc/nginx/secret.conf"
nginx_conf 'include secret.conf;'
if [ "$(id -u)" = 0 ]; then
	# root reads anything: run without the capabilities that let it
	if setpriv --bounding-set -dac_override,-dac_read_search true 2>/dev/null; then
		setpriv --bounding-set -dac_override,-dac_read_search timeout 60 "$BIN" --root "$r" >"$out" 2>"$err"
		st=$?
		if [ $st = 2 ] && grep -qF 'include "/etc/nginx/secret.conf": cannot open: Permission denied' "$err" &&
			grep -q CF522-FW-DROP "$out"; then ok unreadable; else fail unreadable "exit $st: $(head -c 300 "$err")"; fi
	else
		skip unreadable "setpriv cannot drop capabilities here"
	fi
else
	check unreadable 2 'include "/etc/nginx/secret.conf": cannot open: Permission denied'
fi

base
truncate -s 300M "$r/etc/nginx/big.conf"
nginx_conf 'include big.conf;'
check over-size-cap 2 'include "/etc/nginx/big.conf": file is larger than the 256 MiB cap'

# ---- bytes: long lines, NUL, BOM, CRLF, invalid UTF-8, escapes ----
base
awk 'BEGIN { printf "events {}\nhttp { server_name "; for (i = 0; i < 1000000; i++) printf "aaaaaaaaaa"; print "; }" }' >"$r/etc/nginx/nginx.conf"
check long-line-nginx 2 '/etc/nginx/nginx.conf:2: a word longer than 1048576 bytes'
base
awk 'BEGIN { printf "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "; for (i = 0; i < 1000000; i++) printf "aaaaaaaaaa"; print " -j DROP\nCOMMIT" }' >"$r/etc/iptables/rules.v6"
check long-line-iptables 2 '/etc/iptables/rules.v6:3: line longer than 1048576 bytes'
base
mkdir -p "$r/etc/apache2"
awk 'BEGIN { printf "Listen 80\nServerName "; for (i = 0; i < 1000000; i++) printf "aaaaaaaaaa"; print "" }' >"$r/etc/apache2/apache2.conf"
check long-line-apache 2 '/etc/apache2/apache2.conf:2: a line longer than 1048576 bytes'

base
printf 'events {}\nhttp {\n  server { listen 80; server_name a\000b; }\n}\n' >"$r/etc/nginx/nginx.conf"
check nul-nginx 2 '/etc/nginx/nginx.conf:3: a NUL byte: not an nginx configuration file'
base
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 2400:cb00::/32\000 -j DROP\nCOMMIT\n' >"$r/etc/iptables/rules.v6"
check nul-iptables 2 '/etc/iptables/rules.v6:3: NUL byte in the line'

# nginx refuses a file that starts with a BOM: "unknown directive"
base
printf '\357\273\277events {}\nhttp { server { listen 80; } }\n' >"$r/etc/nginx/nginx.conf"
check bom-nginx 2 "$(printf '/etc/nginx/nginx.conf:1: unknown directive "\357\273\277events"')"
# iptables-restore does not know the BOM either
base
printf '\357\273\277*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' >"$r/etc/iptables/rules.v6"
check bom-iptables 2 '/etc/iptables/rules.v6:1: '

# nginx takes CR as a space
base
printf 'events {}\r\nhttp {\r\n  server { listen 80; server_name www.example.com; }\r\n}\r\n' >"$r/etc/nginx/nginx.conf"
check crlf-nginx 1 ''
printf 'Listen 80\r\nServerName www.example.com\r\n' >"$r/etc/apache2.conf"
mkdir -p "$r/etc/apache2"
mv "$r/etc/apache2.conf" "$r/etc/apache2/apache2.conf"
check crlf-apache 1 ''
# nft and iptables-restore refuse CRLF files (junk, bad argument): said at
# the first such line, the rest of the audit goes on
base
printf '*filter\r\n:INPUT ACCEPT [0:0]\r\nCOMMIT\r\n' >"$r/etc/iptables/rules.v6"
check crlf-iptables 2 '/etc/iptables/rules.v6:1: carriage return (CRLF line endings): iptables-restore refuses the file'
base
printf '# comment\r\ntable inet t {\r\n}\r\n' >"$r/etc/nftables.conf"
check crlf-nft 2 '/etc/nftables.conf:2: carriage return (CRLF line endings): nft refuses the file'

# terminal escapes and invalid UTF-8 in names and values: escaped in text,
# valid JSON, SARIF and JUnit XML
base
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 2400:cb00::/32 -m comment --comment "\377\376 \033[2J\033]0;owned\007 \302\233 \233" -j DROP\n-A INPUT --bad\033[31m -j DROP\nCOMMIT\n' >"$r/etc/iptables/rules.v6"
printf 'events {}\nhttp {\n  server { listen 80; server_name "\033[2Jevil\377.example"; location / { deny 173.245.48.0/20; } }\n}\n' >"$r/etc/nginx/nginx.conf"
check escapes-run 2 '/etc/iptables/rules.v6:4: '
if LC_ALL=C grep -q "$(printf '[\033\007\233\376\377]')" "$out" "$err"; then
	fail escapes-text "a raw control byte or invalid UTF-8 reached the terminal"
elif ! grep -qF 'unknown option "--bad\x1b[31m"' "$err" || ! grep -qF 'server \x1b[2Jevil\xff.example:80' "$out"; then
	fail escapes-text "the hostile names are not shown escaped: $(grep -v rules.v4 "$out" "$err" | head -c 300)"
else
	ok escapes-text
fi
run --format json
if jq -e '[.findings[] | select(.message | contains("\u001b[2Jevil"))] | length == 1' "$out" >/dev/null 2>&1; then ok escapes-json; else fail escapes-json "invalid JSON, or the name is not in it"; fi
run --format sarif
if jq -e '.runs[0].results | length > 0' "$out" >/dev/null 2>&1; then ok escapes-sarif; else fail escapes-sarif "invalid SARIF"; fi
run --format junit
if xmllint --noout "$out" 2>/dev/null; then ok escapes-junit; else fail escapes-junit "invalid XML: $(xmllint --noout "$out" 2>&1 | head -2)"; fi

# ---- nesting, cycles, sizes ----
base
awk 'BEGIN { printf "events {}\nhttp { "; for (i = 0; i < 20000; i++) printf "location / { "; for (i = 0; i < 20000; i++) printf "} "; print "}" }' >"$r/etc/nginx/nginx.conf"
check nesting-nginx 2 '/etc/nginx/nginx.conf:2: blocks nested deeper than 64'
base
mkdir -p "$r/etc/apache2"
awk 'BEGIN { print "Listen 80"; for (i = 0; i < 20000; i++) print "<IfDefine !X>"; for (i = 0; i < 20000; i++) print "</IfDefine>" }' >"$r/etc/apache2/apache2.conf"
check nesting-apache 2 '/etc/apache2/apache2.conf:66: sections nested deeper than 64'
base
awk 'BEGIN { printf "table inet t {\n  chain c { type filter hook input priority 0; ip saddr "; for (i = 0; i < 20000; i++) printf "{ "; printf "1.2.3.4"; for (i = 0; i < 20000; i++) printf " }"; print " drop }\n}" }' >"$r/etc/nftables.conf"
check nesting-nft 2 '/etc/nftables.conf:2: '
base
mkdir -p "$r/etc/firewalld/zones"
echo 'DefaultZone=public' >"$r/etc/firewalld/firewalld.conf"
awk 'BEGIN { printf "<?xml version=\"1.0\"?>\n<zone>"; for (i = 0; i < 20000; i++) printf "<rule>"; for (i = 0; i < 20000; i++) printf "</rule>"; print "</zone>" }' >"$r/etc/firewalld/zones/public.xml"
check nesting-firewalld 2 '/etc/firewalld/zones/public.xml:2: not well-formed XML: Excessive depth in document'
base
awk 'BEGIN { printf "{\"result\": {\"ipv4_cidrs\": "; for (i = 0; i < 20000; i++) printf "["; for (i = 0; i < 20000; i++) printf "]"; print "}}" }' >"$tmp/deep.json"
check nesting-ranges-json 2 'invalid JSON: maximum parsing depth reached' --ranges "$tmp/deep.json"

# defines of defines: each one's tokens are copied, so a chain of them must
# not grow without bound (doubling stops at one variable's cap, a chain
# growing by two tokens a step at the cap on all of them)
base
awk 'BEGIN { print "define v0 = 1.2.3.4"; for (i = 1; i < 40; i++) printf "define v%d = { $v%d, $v%d }\n", i, i - 1, i - 1 }' >"$r/etc/nftables.conf"
check define-doubling-nft 2 "/etc/nftables.conf:16: variable 'v15' expands to more than 100000 tokens"
base
awk 'BEGIN { print "define v0 = 1.2.3.4"; for (i = 1; i < 20000; i++) printf "define v%d = { $v%d }\n", i, i - 1 }' >"$r/etc/nftables.conf"
check define-chain-nft 2 '/etc/nftables.conf:2001: variables hold more than 4000000 tokens in all'

base
printf '*filter\n:INPUT ACCEPT [0:0]\n:a - [0:0]\n:b - [0:0]\n-A INPUT -j a\n-A a -j b\n-A b -j a\nCOMMIT\n' >"$r/etc/iptables/rules.v6"
check jump-cycle-iptables 2 '/etc/iptables/rules.v6:7: chain a: jump loop (a -> b -> a)'
base
printf 'table inet t {\n  chain a { jump b }\n  chain b { jump a }\n  chain input { type filter hook input priority 0; jump a }\n}\n' >"$r/etc/nftables.conf"
check jump-cycle-nft 2 '/etc/nftables.conf:3: jump loop: a -> b -> a'

# a million-element ipset, one of its entries a Cloudflare range
base
awk 'BEGIN { print "create big hash:ip family inet hashsize 1048576 maxelem 2000000"; for (i = 0; i < 1000000; i++) printf "add big 10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256; print "create cf hash:net family inet"; print "add cf 173.245.48.0/20" }' >"$r/etc/iptables/ipsets"
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set big src -j DROP\n-A INPUT -m set --match-set cf src -j DROP\n-A INPUT -s 162.158.0.0/15 -j DROP\nCOMMIT\n' >"$r/etc/iptables/rules.v4"
check million-set 1 ''
if grep -q 'rules.v4:4: error: CF522-FW-DROP.*173.245.48.0/20' "$out"; then ok million-set-finding; else fail million-set-finding "$(head -c 300 "$out")"; fi

# ---- certificates: a chain of 1,000, malformed DER ----
base
mkdir -p "$r/etc/ssl"
if python3 - "$r/etc/ssl" <<'PY' 2>/dev/null; then
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
# TEST KEY: made up here, protecting nothing. One key signs every link.
key = ec.generate_private_key(ec.SECP256R1())
t0 = datetime.datetime(2026, 1, 1)
certs = []
issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "root")])
for i in range(1000, -1, -1):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com" if i == 0 else "ca%d" % i)])
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(i + 1)
         .not_valid_before(t0).not_valid_after(t0 + datetime.timedelta(days=500))
         .add_extension(x509.BasicConstraints(ca=i > 0, path_length=None), critical=True))
    certs.append(b.sign(key, hashes.SHA256()))
    issuer = name
d = sys.argv[1]
with open(d + "/chain.pem", "wb") as f:
    for c in reversed(certs):
        f.write(c.public_bytes(serialization.Encoding.PEM))
with open(d + "/key.pem", "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
PY
	nginx_conf 'server { listen 443 ssl; server_name www.example.com; ssl_certificate /etc/ssl/chain.pem; ssl_certificate_key /etc/ssl/key.pem; }'
	check cert-chain-1000 2 '/etc/ssl/chain.pem: more than 64 certificates in the chain: cfaudit reads at most 64 (not audited)' --at 2026-06-01
else
	skip cert-chain-1000 "python3-cryptography is not installed"
fi
base
mkdir -p "$r/etc/ssl"
printf '\060\202\377\377\060\202\001\000\240\003\002\001\002' >"$r/etc/ssl/bad.der"
head -c 2000 /dev/urandom >>"$r/etc/ssl/bad.der"
openssl ecparam -name prime256v1 -genkey -noout -out "$r/etc/ssl/key.pem" 2>/dev/null
nginx_conf 'server { listen 443 ssl; server_name www.example.com; ssl_certificate /etc/ssl/bad.der; ssl_certificate_key /etc/ssl/key.pem; }'
check malformed-der 1 ''
if grep -q 'error: CF521-TLS-CERT-LOAD: ssl_certificate /etc/ssl/bad.der: no PEM certificate in it' "$out"; then ok malformed-der-finding; else fail malformed-der-finding "$(grep -v rules.v4 "$out" | head -c 300)"; fi
check malformed-der-ca 2 'no certificate in it (PEM or DER)' --ca "$r/etc/ssl/bad.der"

# ---- confinement: all of it at once, under strace ----
# Nothing outside the root is opened but the program's own files (shared
# libraries, OpenSSL's configuration, this host's CA bundle standing in for
# Cloudflare's trust store, the time zone); nothing under it is written; one
# execve (cfaudit itself) and no network.
base
mkdir -p "$r/etc/apache2" "$r/etc/ssl" "$r/var/www/html"
ln -s "$tmp/outside/secret.conf" "$r/etc/nginx/abs.conf"
ln -s ../../../../../../../../outside/secret.conf "$r/etc/nginx/rel.conf"
ln -s "$tmp/outside" "$r/etc/nginx/conf.d"
mkfifo "$r/etc/nginx/fifo.conf"
echo 'include loop.conf;' >"$r/etc/nginx/loop.conf"
nginx_conf 'include abs.conf;' 'include rel.conf;' 'include conf.d/*.conf;' 'include fifo.conf;' 'include loop.conf;' \
	"include ../../../../../..$tmp/outside/secret.conf;"
printf 'Listen 80\nInclude /etc/apache2/*.conf\nIncludeOptional %s/outside/*.conf\n<VirtualHost *:80>\nDocumentRoot /var/www/html\n<Directory /var/www/html>\nAllowOverride All\n</Directory>\n</VirtualHost>\n' "$tmp" >"$r/etc/apache2/apache2.conf"
ln -s "$tmp/outside/secret.conf" "$r/var/www/html/.htaccess"
printf 'include "%s/outside/secret.conf"\ninclude "/etc/nginx/*.conf"\n' "$tmp" >"$r/etc/nftables.conf"
sum_tree() {
	(cd "$r" && find . -printf '%p %y %s %m %T@ %C@ %l\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}
sum_tree >"$tmp/before"
case $BIN in
*valgrind*) vg_bin=1 ;;
*) vg_bin= ;;
esac
if [ -n "$vg_bin" ]; then
	# strace would count valgrind's own files and execs
	timeout 600 "$BIN" --root "$r" --format json >"$out" 2>"$err"
	st=$?
	skip confined-reads "cfaudit runs under valgrind (make valgrind-check)"
elif command -v strace >/dev/null; then
	# LeakSanitizer cannot run under ptrace: the ASan build leaves leaks
	# to the other runs here
	ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" timeout 60 strace -f -qq -o "$tmp/trace" \
		-e trace=execve,open,openat,openat2,creat,connect,mkdir,unlink,rename,truncate,landlock_create_ruleset,landlock_restrict_self \
		"$BIN" --root "$r" --format json >"$out" 2>"$err"
	st=$?
	# opens outside the root: plain paths (every path under the root is
	# opened with openat2 relative to its descriptor)
	grep -E '(^|[ (])(open|openat)\(' "$tmp/trace" | grep -v ' = -1 ' |
		sed -n 's/.*open[a-z]*([^"]*"\([^"]*\)".*/\1/p' |
		grep -vE '^(/etc/ld\.so\.cache|/lib/|/lib64/|/usr/lib/|/etc/localtime|/usr/share/zoneinfo/|/proc/self/|/sys/devices/system/cpu|/etc/ssl/openssl\.cnf|/usr/lib/ssl/|/etc/ssl/certs/ca-certificates\.crt|/etc/gcrypt/|/usr/lib/x86_64-linux-gnu/|/usr/share/locale/|/dev/urandom$|/dev/random$)' |
		grep -vxF "$r" >"$tmp/outside-opens"
	if [ -s "$tmp/outside-opens" ]; then
		fail confined-reads "opened outside the root: $(head -5 "$tmp/outside-opens" | tr '\n' ' ')"
	elif grep -q "secret.conf\", {" "$tmp/trace" && grep 'secret.conf", {' "$tmp/trace" | grep -qv 'resolve=.*RESOLVE_IN_ROOT'; then
		fail confined-reads "the canary was opened outside openat2 RESOLVE_IN_ROOT"
	elif grep -q canary "$out"; then
		fail confined-reads "the canary outside the root was read"
	else
		ok confined-reads
	fi
	n_exec=$(grep -c 'execve(' "$tmp/trace")
	if [ "$n_exec" = 1 ]; then ok never-executes; else fail never-executes "$n_exec execve calls"; fi
	if grep -qE '(connect|creat|mkdir|unlink|rename|truncate)\(' "$tmp/trace" ||
		grep -E 'open[a-z0-9]*\(' "$tmp/trace" | grep -qE 'O_WRONLY|O_RDWR|O_CREAT'; then
		fail never-writes-or-connects "$(grep -E 'connect\(|creat\(|mkdir\(|unlink\(|rename\(|truncate\(|O_WRONLY|O_RDWR|O_CREAT' "$tmp/trace" | head -3 | tr '\n' ' ')"
	else
		ok never-writes-or-connects
	fi
	# the Landlock sandbox (audit/sandbox.c), where the kernel has it
	if grep -q 'landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) *= *[1-9]' "$tmp/trace"; then
		if grep -q 'landlock_restrict_self(.*) *= 0' "$tmp/trace"; then ok sandboxed; else fail sandboxed "Landlock is there, the sandbox was not entered"; fi
	else
		skip sandboxed "the kernel has no Landlock"
	fi
else
	timeout 60 "$BIN" --root "$r" --format json >"$out" 2>"$err"
	st=$?
	skip confined-reads "strace is not installed"
fi
if [ "$st" = 2 ] && jq -e '.summary.complete == false' "$out" >/dev/null 2>&1; then ok confined-run; else fail confined-run "exit $st: $(head -c 300 "$err")"; fi
sum_tree >"$tmp/after"
if cmp -s "$tmp/before" "$tmp/after"; then ok tree-unchanged; else fail tree-unchanged "$(diff "$tmp/before" "$tmp/after" | head -5 | tr '\n' ' ')"; fi
