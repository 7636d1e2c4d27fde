#!/bin/sh
# The Apache oracle: for every sample origin with an Apache configuration
# (Debian's /etc/apache2/apache2.conf or RHEL's /etc/httpd/conf/httpd.conf)
# and the vhost-selection fixture tests/apache/vhosts, the virtual host the
# real Apache (Debian's apache2) answers with must be the one the model
# predicts (web_vhost_for, through tests/oracle/apache_resolve), and the
# groups "apache2 -S" lists must be the model's.
#
# Each tree's /etc is copied to a temporary directory and rewritten so that
# apache2 can run it there as root: every IPv4 Listen moves to 127.0.0.1 on
# its port + 10000 (IPv6 ones are dropped), every <VirtualHost> address
# keeps its host and moves its port the same way, ServerRoot goes (apache2
# gets -d), User/Group become www-data, logs, pid file, mutexes and the TLS
# session cache go to the temporary directory, modules load from Debian's
# /usr/lib/apache2/modules (a LoadModule of a module not installed is
# dropped), every certificate is one self-signed pair made here (and every
# host with SSLEngine on gets it), the TLS settings that keep curl out or
# httpd from starting are dropped (client certificates, suites, OpenSSL
# commands, stapling: the TLS oracle judges them), and
# "Header always set X-Cfaudit-Vhost FILE:LINE" follows each <VirtualHost>
# line (the host's own place, as the model names it; "main" for the main
# server) so that the answer identifies the host. The model reads the same
# rewritten files.
#
# For each port and hostname (every ServerName and ServerAlias of the tree,
# wildcards turned into a matching name, a name nothing matches, and no
# Host at all) the request goes to 127.0.0.1 with that Host (HTTPS: that
# SNI too) and the answer must equal the prediction. Needs root, apache2,
# curl, openssl.
: "${BIN:=./cfaudit}" "${O:=build/rel}"
RESOLVE=$O/tests/apache_resolve
SHIFT=10000
MODDIR=/usr/lib/apache2/modules

SUITE=apache-oracle
. "$(dirname "$0")/lib.sh"
need_root "apache2 binds ports, changes user"
need_tools apache2 curl openssl ss
need_built "$RESOLVE"
make_tmp apache
chmod 755 "$tmp"

if ! openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-subj /CN=cfaudit-oracle -days 2 >/dev/null 2>&1; then
	echo "not ok apache-oracle: openssl cannot make a certificate"
	exit 0
fi

# rewrite ROOT FILE MAIN SERVERROOT: the rewritten copy of ROOT/FILE (FILE
# as the server sees it); MAIN is 1 for the main configuration file; paths
# under SERVERROOT become relative to it (both read them there)
rewrite() {
	awk -v file="$2" -v main="$3" -v sr="$4/" -v shift="$SHIFT" -v tmp="$tmp" -v moddir="$MODDIR" '
	function out(s) { print s; n++ }
	function port_of(a,   p) {
		p = a
		if (p ~ /^\[/) { sub(/^\[[^]]*\]:?/, "", p) } else if (p ~ /:/) { sub(/.*:/, "", p) } else if (p !~ /^[0-9]+$/) { p = "" }
		return p
	}
	BEGIN { n = 0; if (main) out("LoadModule headers_module " moddir "/mod_headers.so") }
	{ line = $0 }
	(tolower($1) ~ /^include/ || tolower($1) ~ /proxylist$/) && index($2, sr) == 1 {
		out($1 " " substr($2, length(sr) + 1))
		next
	}
	tolower($1) == "serverroot" { out("# ServerRoot dropped for the oracle (apache2 -d)"); next }
	tolower($1) == "listen" {
		a = $2
		if (a ~ /^\[/) { out("# IPv6 Listen dropped for the oracle"); next }
		p = a; sub(/.*:/, "", p)
		# the protocol httpd gives port 443 when none is written
		proto = NF >= 3 ? " " $3 : (p == 443 ? " https" : "")
		out("Listen 127.0.0.1:" (p + shift) proto)
		next
	}
	tolower($1) == "loadmodule" {
		so = $3; sub(/.*\//, "", so)
		if (system("test -f " moddir "/" so) != 0) { out("# " $0 " (not installed)"); next }
		out("LoadModule " $2 " " moddir "/" so)
		next
	}
	tolower($1) == "user" || tolower($1) == "group" { out($1 " www-data"); next }
	tolower($1) == "errorlog" { out("ErrorLog " tmp "/error.log"); next }
	tolower($1) == "customlog" || tolower($1) == "transferlog" { out("# log dropped for the oracle"); next }
	tolower($1) == "pidfile" { out("PidFile " tmp "/apache2.pid"); next }
	tolower($1) == "sslsessioncache" { out("SSLSessionCache shmcb:" tmp "/ssl_scache(512000)"); next }
	tolower($1) == "sslcertificatefile" { out("SSLCertificateFile " tmp "/cert.pem"); next }
	tolower($1) == "sslcertificatekeyfile" { out("SSLCertificateKeyFile " tmp "/key.pem"); next }
	tolower($1) == "sslcertificatechainfile" { out("# chain dropped for the oracle"); next }
	# client certificates keep curl out, and so can suites (@SECLEVEL= can
	# refuse the certificate used here), OpenSSL commands and stapling that
	# httpd refuses: the TLS oracle judges them
	tolower($1) == "sslcacertificatefile" || tolower($1) == "sslverifyclient" { out("# " $1 " dropped for the oracle"); next }
	tolower($1) == "sslciphersuite" || tolower($1) == "sslopensslconfcmd" || tolower($1) == "sslusestapling" { out("# " $1 " dropped for the oracle"); next }
	# a host with TLS on and no certificate stops httpd (judged by the TLS oracle):
	# every such host gets the certificate made here
	tolower($1) == "sslengine" && tolower($2) == "on" { out(line); out("SSLCertificateFile " tmp "/cert.pem"); out("SSLCertificateKeyFile " tmp "/key.pem"); next }
	tolower($1) == "mutex" { out("Mutex file:" tmp " default"); next }
	tolower($1) == "sslpassphrasedialog" || tolower($1) == "sslcryptodevice" { out("# dropped for the oracle"); next }
	tolower($1) ~ /^<virtualhost/ {
		s = line; sub(/^[ \t]*<[Vv][Ii][Rr][Tt][Uu][Aa][Ll][Hh][Oo][Ss][Tt][ \t]+/, "", s); sub(/>[ \t]*$/, "", s)
		k = split(s, addrs, /[ \t]+/)
		r = ""
		for (i = 1; i <= k; i++) {
			a = addrs[i]; p = port_of(a)
			if (p ~ /^[0-9]+$/) { h = substr(a, 1, length(a) - length(p)); a = h (p + shift) }
			r = r (i > 1 ? " " : "") a
		}
		out("<VirtualHost " r ">")
		out("\tHeader always set X-Cfaudit-Vhost \"" file ":" n "\"")
		next
	}
	{ out(line) }
	END { if (main) out("Header always set X-Cfaudit-Vhost \"main\"") }
	' "$1$2" >"$1$2.new" && mv "$1$2.new" "$1$2"
}

# hosts ROOT: one hostname per line that some ServerName/ServerAlias names
# (wildcards made concrete), and one that nothing names
hosts() {
	grep -rhiE '^[[:space:]]*(servername|serveralias)[[:space:]]' "$1/etc" |
		sed 's/^[[:space:]]*[A-Za-z]*[[:space:]]*//' | tr ' \t' '\n\n' | tr -d '"' |
		while read -r n; do
			n=${n#*://}
			n=${n%%:*}
			case $n in
			"") ;;
			\*.*) echo "oracle.${n#\*.}" ;;
			*\*) echo "${n%\*}oracle" ;;
			*\?*) echo "$n" | tr '?' 'x' ;;
			*) echo "$n" ;;
			esac
		done
	echo "nothing-matches.invalid"
}

# The variables apache2ctl's envvars would set, in the temporary directory.
export APACHE_RUN_USER=www-data APACHE_RUN_GROUP=www-data APACHE_PID_FILE="$tmp/apache2.pid" \
	APACHE_RUN_DIR="$tmp/run" APACHE_LOCK_DIR="$tmp/lock" APACHE_LOG_DIR="$tmp/log" LANG=C
mkdir -p "$tmp/run" "$tmp/lock" "$tmp/log"

# vhost_table OUTPUT ROOT: "apache2 -S" groups as "ADDR:PORT FILE:LINE...",
# the files as the server sees them
vhost_table() {
	sed "s|$2/|/|g" "$1" | awk '
	/^VirtualHost configuration:/ { on = 1; next }
	on && /^[^ \t]/ && !/^\*|^[0-9\[]/ { on = 0 }
	!on { next }
	/^[^ \t]/ {
		if (key != "") print key list
		key = $1; list = ""
		if ($0 !~ /is a NameVirtualHost/) { f = $NF; gsub(/[()]/, "", f); list = " " f }
		next
	}
	/ namevhost / { f = $NF; gsub(/[()]/, "", f); list = list " " f }
	END { if (key != "") print key list }
	' | sort
}

# Debian's own configuration, as the apache2 package installs it: no input
# error, and the groups apache2ctl -S lists (it sources envvars itself)
if [ -f /etc/apache2/apache2.conf ] && command -v apache2ctl >/dev/null 2>&1; then
	(unset APACHE_RUN_USER APACHE_RUN_GROUP APACHE_PID_FILE APACHE_RUN_DIR APACHE_LOCK_DIR \
		APACHE_LOG_DIR; apache2ctl -S) >"$tmp/S.out" 2>&1
	vhost_table "$tmp/S.out" "" >"$tmp/S.apache"
	if ! "$RESOLVE" -S / /etc/apache2/apache2.conf >"$tmp/S.model" 2>"$tmp/S.err"; then
		echo "not ok apache-oracle debian: the model reports input errors in /etc/apache2: $(head -n 1 "$tmp/S.err")"
	elif cmp -s "$tmp/S.apache" "$tmp/S.model"; then
		echo "ok apache-oracle debian: /etc/apache2 reads with no error, $(wc -l <"$tmp/S.model") groups as apache2ctl -S lists them"
	else
		echo "not ok apache-oracle debian -S: the groups differ (apache2ctl -S, then the model): $(diff "$tmp/S.apache" "$tmp/S.model" | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
	fi
fi

total=0
trees=
for s in samples/*/ tests/apache/*/; do
	[ -f "$s/etc/apache2/apache2.conf" ] || [ -f "$s/etc/httpd/conf/httpd.conf" ] || continue
	trees="$trees $s"
done
[ -n "$trees" ] || { echo "not ok apache-oracle: no tree with an Apache configuration"; exit 0; }

k=0
for s in $trees; do
	name=$(basename "$s")
	# ports of their own per tree: a stopping apache2 keeps its sockets a moment
	k=$((k + 1))
	SHIFT=$((10000 + 200 * k))
	r=$tmp/$name
	mkdir -p "$r"
	cp -R "$s/etc" "$r/"
	if [ -f "$r/etc/apache2/apache2.conf" ]; then
		conf=/etc/apache2/apache2.conf
		sroot=$r/etc/apache2
	else
		conf=/etc/httpd/conf/httpd.conf
		sroot=$r/etc/httpd
	fi
	(cd "$r" && find etc/apache2 etc/httpd -type f 2>/dev/null) | while read -r f; do
		m=0
		[ "/$f" = "$conf" ] && m=1
		rewrite "$r" "/$f" $m "${sroot#"$r"}"
	done
	rm -f "$tmp/error.log"
	if ! apache2 -d "$sroot" -f "$r$conf" -c "PidFile $tmp/apache2.pid" -t >"$tmp/t.out" 2>&1; then
		echo "not ok apache-oracle $name: apache2 -t refuses the rewritten copy: $(grep -v AH00558 "$tmp/t.out" | head -n 3 | tr '\n' ' ')"
		continue
	fi

	# the groups, as apache2 -S lists them
	apache2 -d "$sroot" -f "$r$conf" -c "PidFile $tmp/apache2.pid" -S >"$tmp/S.out" 2>&1
	vhost_table "$tmp/S.out" "$r" >"$tmp/S.apache"
	"$RESOLVE" -S "$r" "$conf" >"$tmp/S.model" 2>"$tmp/S.err"
	if [ -s "$tmp/S.err" ]; then
		echo "not ok apache-oracle $name: the model reports input errors: $(head -n 1 "$tmp/S.err")"
	elif cmp -s "$tmp/S.apache" "$tmp/S.model"; then
		echo "ok apache-oracle $name -S: $(wc -l <"$tmp/S.model") address:port groups as apache2 -S lists them"
	else
		echo "not ok apache-oracle $name -S: the groups differ (apache2 -S, then the model): $(diff "$tmp/S.apache" "$tmp/S.model" | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
	fi

	apache2 -d "$sroot" -f "$r$conf" -c "PidFile $tmp/apache2.pid" -DFOREGROUND >"$tmp/run.out" 2>&1 &
	pid=$!
	ports=$(grep -rhi '^[[:space:]]*listen[[:space:]]*127\.0\.0\.1:' "$r/etc" |
		sed 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/' | sort -un)
	# shellcheck disable=SC2086
	wait_listening $ports
	hosts "$r" | sort -u >"$tmp/hosts"
	bad=0
	n=0
	for port in $ports; do
		# TLS or not is the hosts' (SSLEngine), whatever the Listen says
		tls=no
		curl -sk -o /dev/null --max-time 2 "https://127.0.0.1:$port/" 2>/dev/null && tls=yes
		# shellcheck disable=SC2046
		"$RESOLVE" "$r" "$conf" 127.0.0.1 "$port" $(cat "$tmp/hosts") >"$tmp/model" 2>"$tmp/model.err"
		while read -r host want; do
			if [ $tls = yes ]; then
				got=$(curl -sk -o /dev/null -D - --max-time 5 --resolve "$host:$port:127.0.0.1" \
					"https://$host:$port/" | tr -d '\r' | sed -n 's/^[Xx]-[Cc]faudit-[Vv]host: //p')
			else
				got=$(curl -s -o /dev/null -D - --max-time 5 -H "Host: $host" \
					"http://127.0.0.1:$port/" | tr -d '\r' | sed -n 's/^[Xx]-[Cc]faudit-[Vv]host: //p')
			fi
			[ "$want" = - ] && want=
			n=$((n + 1))
			if [ "$got" != "$want" ]; then
				bad=$((bad + 1))
				echo "not ok apache-oracle $name: $host on port $port: Apache answers from \"$got\", the model predicts \"$want\""
			fi
		done <"$tmp/model"
		# a request without a Host (HTTP/1.0), plain HTTP ports only
		if [ $tls = no ]; then
			got=$(curl -s --http1.0 -o /dev/null -D - --max-time 5 -H "Host:" "http://127.0.0.1:$port/" |
				tr -d '\r' | sed -n 's/^[Xx]-[Cc]faudit-[Vv]host: //p')
			want=$("$RESOLVE" "$r" "$conf" 127.0.0.1 "$port" "" 2>/dev/null | cut -d' ' -f2)
			[ "$want" = - ] && want=
			n=$((n + 1))
			if [ "$got" != "$want" ]; then
				bad=$((bad + 1))
				echo "not ok apache-oracle $name: no Host on port $port: Apache answers from \"$got\", the model predicts \"$want\""
			fi
		fi
	done
	if [ -s "$tmp/model.err" ]; then
		bad=$((bad + 1))
		echo "not ok apache-oracle $name: the model reports input errors: $(head -n 1 "$tmp/model.err")"
	fi
	stop_server
	# its children go with it
	i=0
	while [ -f "$tmp/apache2.pid" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	total=$((total + n))
	[ $bad -eq 0 ] && echo "ok apache-oracle $name: $n requests answered by the predicted virtual host"
done
[ "$total" -gt 0 ] || echo "not ok apache-oracle: no request was made"

# The access rules: tests/apache/access runs with its DocumentRoot in the
# temporary directory (its paths rewritten, for apache2 and for the model,
# which reads the same files with / as the root); mod_remoteip takes the
# client address from X-Oracle-Client, sent from 127.0.0.1 only. For each
# scope and client address, httpd's 403 must be exactly the model's refusal.
# Patterns on the address text are decided for IPv4 only: IPv6 addresses are
# asked of the scopes without one.
acc=tests/apache/access
if [ -d "$acc/etc/apache2" ]; then
	k=$((k + 1))
	SHIFT=$((10000 + 200 * k))
	r=$tmp/access
	mkdir -p "$r"
	cp -R "$acc/etc" "$acc/var" "$r/"
	chmod -R a+rX "$r"
	(cd "$r" && find etc/apache2 -type f) | while read -r f; do
		m=0
		[ "/$f" = /etc/apache2/apache2.conf ] && m=1
		rewrite "$r" "/$f" $m /etc/apache2
		sed "s|/var/www/access|$r/var/www/access|g" "$r/$f" >"$r/$f.new" && mv "$r/$f.new" "$r/$f"
	done
	conf=$r/etc/apache2/apache2.conf
	port=$((80 + SHIFT))
	v4="173.245.48.1 103.21.244.1 103.21.245.1 104.16.0.1 104.19.255.1 104.24.0.1 162.158.0.1 \
162.158.0.2 163.0.0.1 172.64.0.1 141.101.64.1 190.93.240.5 190.93.241.1 198.41.128.1 198.41.200.1 \
198.51.100.7 203.0.113.5 10.1.2.3 10.9.9.9 192.168.1.5 1.2.3.4"
	v6="2400:cb00::1 2606:4700::1"
	if ! apache2 -d "$r/etc/apache2" -f "$conf" -c "PidFile $tmp/apache2.pid" -t >"$tmp/t.out" 2>&1; then
		echo "not ok apache-oracle access: apache2 -t refuses it: $(grep -v AH00558 "$tmp/t.out" | head -n 2 | tr '\n' ' ')"
	else
		apache2 -d "$r/etc/apache2" -f "$conf" -c "PidFile $tmp/apache2.pid" -DFOREGROUND \
			>"$tmp/run.out" 2>&1 &
		pid=$!
		wait_listening "$port"
		bad=0
		n=0
		for url in / /a/ /a/b/ /c/ /c/d/ /e/ /f/ /g/ /h/ /i/ /j/ /k/ /loc-mixed /loc-any /loc-old; do
			case $url in
			/e/ | /f/ | /g/) addrs=$v4 ;;
			*) addrs="$v4 $v6" ;;
			esac
			# shellcheck disable=SC2086
			if ! "$RESOLVE" -A / "$conf" access.example.com "$port" "$url" $addrs >"$tmp/model" 2>"$tmp/model.err"; then
				bad=$((bad + 1))
				echo "not ok apache-oracle access $url: $(head -n 1 "$tmp/model.err")"
				continue
			fi
			while read -r addr want; do
				code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: access.example.com" \
					-H "X-Oracle-Client: $addr" "http://127.0.0.1:$port$url")
				got=allowed
				[ "$code" = 403 ] && got=refused
				n=$((n + 1))
				if [ "$got" != "$want" ]; then
					bad=$((bad + 1))
					echo "not ok apache-oracle access $url: $addr gets $code from Apache, the model says $want"
				fi
			done <"$tmp/model"
		done
		stop_server
		[ $bad -eq 0 ] && echo "ok apache-oracle access: $n requests, each refused (403) exactly where the model refuses the client address"
	fi
fi
exit 0
