#!/bin/sh
# The TLS oracle: for every TLS sample (samples/tls-*), a real nginx (or
# Apache, for a sample with /etc/httpd/conf/httpd.conf) serves the sample's
# own certificates and settings on 127.0.0.1, and a real
# OpenSSL client connects the way Cloudflare does (its cipher offer from
# ipranges/origin-ciphers.txt, TLSv1 to TLSv1.3, the hostname as SNI, h2
# and http/1.1 by ALPN), verifying against the sample's trust store at the
# audit time (-attime). For every hostname on every TLS port the outcome
# must be what the TLS evaluator predicts (tests/oracle/tls_predict):
#   521  the server refuses the configuration (nginx -t, apache2 -t fail),
#        or passes that test and stops when it starts (httpd sets its TLS
#        contexts up then: AH02572, AH02407, AH01958...)
#   525  the handshake fails
#   526  the handshake succeeds, and verification with -verify_hostname
#        -verify_return_error fails with the predicted first error
#   400  (and AOP: without Authenticated Origin Pulls) the handshake and
#        verification succeed, and the request gets 400
#   520  the handshake agrees h2 with the predicted (HTTP/2-forbidden) suite;
#        or (Apache's per-directory SSLVerifyClient require over TLS 1.2) the
#        request of a client that does not renegotiate gets no answer
#   403  (the same over TLS 1.3) the request gets 403
#   OK   the handshake and verification succeed and the request is served
#        (not 400)
# and wherever a handshake succeeds, the version, suite and ALPN protocol
# must be the predicted ones. Client certificates (Authenticated Origin
# Pulls) are run on two trees made here, for nginx (ssl_verify_client on and
# optional) and Apache (SSLVerifyClient require and optional): a test CA
# stands for Cloudflare's origin-pull CA (tls_predict --origin-pull-ca) and
# signs the client certificate that Cloudflare presents with Authenticated
# Origin Pulls on. Where a certificate is demanded, the run without one must
# fail as predicted (400 after the handshake, or the handshake itself), and
# the run with one must be served for AOP and fail the same way for a CA
# that is not the origin-pull CA. The sample's tree is copied and rewritten so
# that the server can run it: listens move to 127.0.0.1 on port + 20000
# (IPv6 listens are dropped; Apache's <VirtualHost *:PORT> moves the same
# way), absolute paths of includes and TLS files point into the copy (and
# Apache's ServerRoot, and its modules to Debian's module directory), logs
# and the pid file go to the temporary directory. The prediction is made on
# the sample itself, at its original ports. Needs root, nginx, openssl, ss
# (and apache2 for Apache samples). KEEP=1 keeps the temporary directory.
: "${BIN:=./cfaudit}" "${O:=build/rel}"
PREDICT=$O/tests/tls_predict
SHIFT=20000
AT=2026-11-01T00:00:00Z

SUITE=tls-oracle
. "$(dirname "$0")/lib.sh"
need_root "nginx writes its pid and logs as root"
need_tools nginx openssl ss
need_built "$PREDICT"
make_tmp tlso

epoch=$(date -u -d "$AT" +%s)
# Cloudflare's offer: TLS 1.3 suites apart, the rest as a cipher list
CF13=$(awk '!/^#/ && NF && / TLSv1\.3/ { printf "%s%s", s, $1; s = ":" }' ipranges/origin-ciphers.txt)
CF12=$(awk '!/^#/ && NF && !/ TLSv1\.3/ { printf "%s%s", s, $1; s = ":" }' ipranges/origin-ciphers.txt)

# rewrite ROOT FILE: the rewritten copy of ROOT/FILE
rewrite() {
	awk -v shift="$SHIFT" -v tmp="$tmp" -v root="$1" '
	/^[ \t]*listen[ \t]/ {
		a = $2
		semi = sub(/;$/, "", a)
		if (a ~ /^\[/) { print "\t# IPv6 listen dropped for the oracle"; next }
		port = a
		if (a ~ /:/) { sub(/.*:/, "", port) }
		$2 = "127.0.0.1:" (port + shift) (semi ? ";" : "")
		print "\t" $0
		next
	}
	/^[ \t]*user[ \t]/ { print "# user dropped for the oracle"; next }
	/^[ \t]*pid[ \t]/ { print "pid " tmp "/nginx.pid;"; next }
	/^[ \t]*access_log[ \t]/ { print "\taccess_log off;"; next }
	/^[ \t]*error_log[ \t]/ { print "\terror_log " tmp "/error.log;"; next }
	/^[ \t]*(ssl_certificate|ssl_certificate_key|ssl_client_certificate|ssl_trusted_certificate|ssl_dhparam|ssl_crl|ssl_stapling_file|ssl_session_ticket_key|ssl_password_file|include)[ \t]+\// {
		sub(/[ \t]\//, " " root "/")
		print
		next
	}
	{ print }
	' "$1$2" >"$1$2.new" && mv "$1$2.new" "$1$2"
}

# rewrite_apache ROOT FILE: the same for Apache (RHEL layout)
rewrite_apache() {
	builtin=" $(apache2 -l 2>/dev/null | sed -n 's/^ *\(.*\.c\)$/\1/p' | tr '\n' ' ') "
	awk -v shift="$SHIFT" -v tmp="$tmp" -v root="$1" -v builtin="$builtin" '
	/^[ \t]*ServerRoot[ \t]/ { print "ServerRoot \"" root "/etc/httpd\""; print "DefaultRuntimeDir " tmp "/run"; next }
	/^[ \t]*Listen[ \t]/ {
		port = $2
		sub(/.*:/, "", port)
		if ($2 ~ /^\[/) { print "# IPv6 Listen dropped for the oracle"; next }
		print "Listen 127.0.0.1:" (port + shift)
		next
	}
	/^[ \t]*<VirtualHost[ \t]/ {
		line = $0
		while (match(line, /:[0-9]+/)) {
			out = out substr(line, 1, RSTART) (substr(line, RSTART + 1, RLENGTH - 1) + shift)
			line = substr(line, RSTART + RLENGTH)
		}
		print out line
		out = ""
		next
	}
	/^[ \t]*LoadModule[ \t]/ {
		# Debian builds some modules in (mod_unixd) and may lack others
		so = $3
		sub(/.*\//, "", so)
		c = so
		sub(/\.so$/, ".c", c)
		if (index(builtin, " " c " ") || system("test -f /usr/lib/apache2/modules/" so) != 0) {
			print "# " $2 " dropped for the oracle"
			next
		}
		sub(/modules\//, "/usr/lib/apache2/modules/")
		print
		next
	}
	/^[ \t]*User[ \t]/ { print "User www-data"; next }
	/^[ \t]*Group[ \t]/ { print "Group www-data"; next }
	/^[ \t]*ErrorLog[ \t]/ { print "ErrorLog " tmp "/error.log"; next }
	/^[ \t]*PidFile[ \t]/ { print "PidFile " tmp "/httpd.pid"; next }
	/^[ \t]*(SSLCertificateFile|SSLCertificateKeyFile|SSLCertificateChainFile|SSLCACertificateFile|Include|IncludeOptional)[ \t]+\// {
		sub(/[ \t]\//, " " root "/")
		print
		next
	}
	{ print }
	' "$1$2" >"$1$2.new" && mv "$1$2.new" "$1$2"
}

# conf_value SAMPLE KEY: a value of the sample's cfaudit.conf, as a path
conf_value() {
	v=$(sed -n "s/^[ \t]*$2[ \t]*=[ \t]*//p" "$1/cfaudit.conf" 2>/dev/null | head -n 1)
	[ -n "$v" ] && echo "$1/$v"
}

# client PORT HOST CAFILE CRL ARGS...: openssl s_client as Cloudflare; the
# rest of the arguments are added
client() {
	cport=$1 chost=$2 cca=$3 ccrl=$4
	shift 4
	set -- -connect "127.0.0.1:$cport" -cipher "$CF12:@SECLEVEL=0" -ciphersuites "$CF13" \
		-CAfile "$cca" -attime "$epoch" "$@"
	if [ "$chost" = - ]; then
		set -- "$@" -noservername
	else
		set -- "$@" -servername "$chost" -verify_hostname "$chost"
	fi
	[ -n "$ccrl" ] && set -- "$@" -CRL "$ccrl" -crl_check
	timeout 10 openssl s_client "$@" 2>&1
}

# request FILE PORT HOST ARGS...: a GET over HTTP/1.1 as Cloudflare sends
# it (the rest of the arguments are added), s_client's output in FILE
request() {
	rfile=$1 rport=$2 rhost=$3
	shift 3
	printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$rhost" |
		client "$rport" "$rhost" "$ca" "$crl" -alpn http/1.1 -ign_eof "$@" >"$rfile"
}

# http_status FILE: the status of the answer in s_client's output (it may
# follow a session ticket's lines on the same line)
http_status() {
	sed -n 's/.*HTTP\/1\.1 \([0-9][0-9][0-9]\).*/\1/p' "$1" | head -n 1
}

# refused FILE: the server aborted the handshake of a request: s_client
# names the suite of a handshake the server then aborts (a client
# certificate missing in TLS 1.2), and TLS 1.3's client has finished its
# handshake when the server's alert comes with the first read; no answer
refused() {
	[ -z "$(http_status "$1")" ] &&
		{ grep -q 'SSL alert number' "$1" || ! grep -q '^New, [^,]*, Cipher is [^(]' "$1"; }
}

# mtls_trees DIR: the client certificate trees (nginx; Apache when it is
# installed), with the test CA standing for Cloudflare's origin-pull CA
# (DIR/*/origin-pull-ca.pem) and the client certificate it signed
# (DIR/*/client.pem, .key); the server certificate is tls-healthy's
# *.example.org, the other CA tls-client-cert's internal one.
mtls_trees() {
	g=$1
	mkdir -p "$g/ca" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$g/ca/pull.key" -out "$g/ca/pull.pem" -days 2 \
		-subj "/CN=cfaudit test origin-pull CA (stands for Cloudflare's)" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
		>"$g/ca/log" 2>&1 || return 1
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$g/ca/client.key" -out "$g/ca/client.csr" \
		-subj "/CN=cfaudit test client (stands for Cloudflare's)" >>"$g/ca/log" 2>&1 || return 1
	printf 'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' >"$g/ca/client.ext"
	openssl x509 -req -in "$g/ca/client.csr" -CA "$g/ca/pull.pem" -CAkey "$g/ca/pull.key" \
		-set_serial 2 -days 2 -extfile "$g/ca/client.ext" -out "$g/ca/client.pem" \
		>>"$g/ca/log" 2>&1 || return 1
	for t in nginx apache; do
		[ $t = apache ] && ! command -v apache2 >/dev/null 2>&1 && continue
		d=$g/tls-mtls-$t
		if [ $t = nginx ]; then
			certs=$d/etc/ssl/certs keys=$d/etc/ssl/private
		else
			certs=$d/etc/pki/tls/certs keys=$d/etc/pki/tls/private
		fi
		mkdir -p "$certs" "$keys"
		cp samples/tls-healthy/test-ca.pem "$d/test-ca.pem"
		echo "ca = test-ca.pem" >"$d/cfaudit.conf"
		cp "$g/ca/pull.pem" "$d/origin-pull-ca.pem"
		cp "$g/ca/client.pem" "$g/ca/client.key" "$d/"
		cp samples/tls-healthy/etc/ssl/certs/example.org.pem "$certs/"
		cp samples/tls-healthy/etc/ssl/private/example.org.key "$keys/"
		cp "$g/ca/pull.pem" "$certs/origin-pull-ca.pem"
		cp samples/tls-client-cert/etc/ssl/certs/internal-ca.pem "$certs/"
	done
	d=$g/tls-mtls-nginx
	mkdir -p "$d/etc/nginx"
	cat >"$d/etc/nginx/nginx.conf" <<'EOF'
events {
	worker_connections 64;
}

http {
	access_log /var/log/nginx/access.log;
	error_log /var/log/nginx/error.log;
	ssl_protocols TLSv1.2 TLSv1.3;

	server {
		listen 443 ssl default_server;
		server_name example.org;
		ssl_certificate /etc/ssl/certs/example.org.pem;
		ssl_certificate_key /etc/ssl/private/example.org.key;
		return 200 "ok\n";
	}
	server {
		listen 443 ssl;
		server_name aop.example.org;
		ssl_certificate /etc/ssl/certs/example.org.pem;
		ssl_certificate_key /etc/ssl/private/example.org.key;
		ssl_verify_client on;
		ssl_client_certificate /etc/ssl/certs/origin-pull-ca.pem;
		return 200 "ok\n";
	}
	server {
		listen 443 ssl;
		server_name internal.example.org;
		ssl_certificate /etc/ssl/certs/example.org.pem;
		ssl_certificate_key /etc/ssl/private/example.org.key;
		ssl_verify_client on;
		ssl_client_certificate /etc/ssl/certs/internal-ca.pem;
		return 200 "ok\n";
	}
	server {
		listen 443 ssl;
		server_name optional.example.org;
		ssl_certificate /etc/ssl/certs/example.org.pem;
		ssl_certificate_key /etc/ssl/private/example.org.key;
		ssl_verify_client optional;
		ssl_client_certificate /etc/ssl/certs/origin-pull-ca.pem;
		return 200 "ok\n";
	}
}
EOF
	d=$g/tls-mtls-apache
	[ -d "$d" ] || return 0
	mkdir -p "$d/etc/httpd/conf" "$d/etc/httpd/conf.d"
	cat >"$d/etc/httpd/conf/httpd.conf" <<'EOF'
ServerRoot "/etc/httpd"
Listen 443

LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule unixd_module modules/mod_unixd.so
LoadModule socache_shmcb_module modules/mod_socache_shmcb.so
LoadModule ssl_module modules/mod_ssl.so

User apache
Group apache
ServerName origin.example.org
ErrorLog logs/error_log
PidFile run/httpd.pid

IncludeOptional conf.d/*.conf
EOF
	cat >"$d/etc/httpd/conf.d/hosts.conf" <<'EOF'
<VirtualHost *:443>
	ServerName example.org
	SSLEngine on
	SSLCertificateFile /etc/pki/tls/certs/example.org.pem
	SSLCertificateKeyFile /etc/pki/tls/private/example.org.key
</VirtualHost>
<VirtualHost *:443>
	ServerName aop.example.org
	SSLEngine on
	SSLVerifyClient require
	SSLCACertificateFile /etc/pki/tls/certs/origin-pull-ca.pem
	SSLCertificateFile /etc/pki/tls/certs/example.org.pem
	SSLCertificateKeyFile /etc/pki/tls/private/example.org.key
</VirtualHost>
<VirtualHost *:443>
	ServerName internal.example.org
	SSLEngine on
	SSLVerifyClient require
	SSLCACertificateFile /etc/pki/tls/certs/internal-ca.pem
	SSLCertificateFile /etc/pki/tls/certs/example.org.pem
	SSLCertificateKeyFile /etc/pki/tls/private/example.org.key
</VirtualHost>
<VirtualHost *:443>
	ServerName optional.example.org
	SSLEngine on
	SSLVerifyClient optional
	SSLCACertificateFile /etc/pki/tls/certs/origin-pull-ca.pem
	SSLCertificateFile /etc/pki/tls/certs/example.org.pem
	SSLCertificateKeyFile /etc/pki/tls/private/example.org.key
</VirtualHost>
EOF
}

if ! mtls_trees "$tmp/gen"; then
	echo "not ok tls-oracle: cannot make the client certificate trees: $(tail -n 1 "$tmp/gen/ca/log")"
fi

total=0
for s in samples/tls-*/ "$tmp"/gen/tls-*/; do
	[ -d "$s" ] || continue
	s=${s%/}
	name=$(basename "$s")
	if [ -f "$s/etc/nginx/nginx.conf" ]; then
		kind=nginx
	elif [ -f "$s/etc/httpd/conf/httpd.conf" ]; then
		kind=apache
		if ! command -v apache2 >/dev/null 2>&1; then
			echo "skip tls-oracle $name: apache2 is not installed"
			continue
		fi
	else
		continue
	fi
	ca=$(conf_value "$s" ca)
	crl=$(conf_value "$s" crl)
	if [ -z "$ca" ]; then
		echo "not ok tls-oracle $name: no ca in $s/cfaudit.conf"
		continue
	fi
	set -- "$s" "$epoch" --ca "$ca"
	[ -n "$crl" ] && set -- "$@" --crl "$crl"
	[ -f "$s/origin-pull-ca.pem" ] && set -- "$@" --origin-pull-ca "$s/origin-pull-ca.pem"
	# the client certificate Cloudflare presents with Authenticated Origin Pulls
	withcert=
	[ -f "$s/client.pem" ] && withcert="-cert $s/client.pem -key $s/client.key"
	"$PREDICT" "$@" >"$tmp/predict" 2>"$tmp/predict.err"
	if [ -s "$tmp/predict.err" ] || [ ! -s "$tmp/predict" ]; then
		echo "not ok tls-oracle $name: no prediction: $(head -n 1 "$tmp/predict.err")"
		continue
	fi
	r=$tmp/$name
	mkdir -p "$r" "$tmp/run"
	cp -R "$s/etc" "$r/"
	: >"$tmp/error.log"
	bad=0
	n=0
	if [ $kind = nginx ]; then
		(cd "$r" && find etc/nginx -type f) | while read -r f; do
			rewrite "$r" "/$f"
		done
		conf=$r/etc/nginx/nginx.conf
		set -- nginx -p "$r/etc/nginx/" -c "$conf" -e "$tmp/error.log"
	else
		(cd "$r" && find etc/httpd -type f -name '*.conf') | while read -r f; do
			rewrite_apache "$r" "/$f"
		done
		set -- apache2 -d "$r/etc/httpd" -f "$r/etc/httpd/conf/httpd.conf"
	fi
	if [ $kind = nginx ]; then
		# without a terminal, as systemd starts it: nginx cannot ask
		# for an encrypted key's passphrase
		setsid -w "$@" -t -q </dev/null >"$tmp/t.out" 2>&1
	else
		"$@" -t >"$tmp/t.out" 2>&1
	fi
	st=$?
	if [ $st != 0 ]; then
		# every hostname must be predicted to get 521
		if grep -qv ' 521 ' "$tmp/predict"; then
			echo "not ok tls-oracle $name: $kind refuses the configuration ($(grep -m1 -i 'emerg\|error' "$tmp/t.out")), the model predicts: $(grep -v ' 521 ' "$tmp/predict" | head -n 1)"
		else
			echo "ok tls-oracle $name: $kind refuses to start, as predicted (521): $(grep -m1 -i 'emerg\|error' "$tmp/t.out" | sed 's/.*\[emerg\] [0-9#]*: //; s#'"$tmp"'/[^/]*##g' | cut -c1-160)"
		fi
		continue
	fi
	if [ $kind = nginx ]; then
		"$@" -g 'daemon off;' >"$tmp/run.out" 2>&1 &
	else
		"$@" -DFOREGROUND >"$tmp/run.out" 2>&1 &
	fi
	pid=$!
	if grep -q ' 521 ' "$tmp/predict"; then
		# what the configuration test does not try (httpd sets its TLS
		# contexts up when it starts): the server must stop by itself
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			stop_server
			echo "not ok tls-oracle $name: $kind accepts the configuration and starts, the model predicts 521"
		elif grep -qv ' 521 ' "$tmp/predict"; then
			pid=
			echo "not ok tls-oracle $name: $kind stops when it starts, the model predicts: $(grep -v ' 521 ' "$tmp/predict" | head -n 1)"
		else
			pid=
			echo "ok tls-oracle $name: $kind passes its configuration test and stops when it starts, as predicted (521): $(cat "$tmp/run.out" "$tmp/error.log" 2>/dev/null | grep -m1 'emerg' | sed 's/.*emerg\] *//; s/^\[pid [^]]*\] *//' | cut -c1-120)"
		fi
		continue
	fi
	# listening on every port of the prediction
	for port in $(cut -d' ' -f1 "$tmp/predict" | sort -u); do
		wait_listening $((port + SHIFT))
	done
	while read -r port host status vcode version cipher alpn demand; do
		# undecided by the model (a certificate chosen per handshake, an
		# OpenSSL command it does not model): nothing to compare
		[ "$status" = unknown ] && continue
		n=$((n + 1))
		oport=$((port + SHIFT))
		what="$host on port $port"
		auth=
		if [ "$status" = AOP ] && [ "$demand" = handshake ]; then
			# demanded in the handshake: it fails without a certificate,
			# and the rest is run with Cloudflare's
			request "$tmp/a" "$oport" "$host"
			if ! refused "$tmp/a"; then
				bad=$((bad + 1))
				echo "not ok tls-oracle $name: $what: a request without a client certificate gets $(http_status "$tmp/a"), the model predicts AOP with the demand in the handshake"
				continue
			fi
			[ -n "$withcert" ] || continue
			auth=$withcert
		fi
		# A: the handshake as Cloudflare makes it
		# shellcheck disable=SC2086
		client "$oport" "$host" "$ca" "$crl" -alpn h2,http/1.1 $auth </dev/null >"$tmp/a"
		# "New, X, Cipher is" names the suite's version; the session block
		# (printed before TLS 1.3's tickets arrive only) the connection's
		got_version=$(sed -n 's/^ *Protocol *: *//p' "$tmp/a" | head -n 1)
		[ -n "$got_version" ] ||
			got_version=$(sed -n 's/^New, \([^,]*\), Cipher is .*/\1/p' "$tmp/a" | head -n 1)
		got_cipher=$(sed -n 's/^New, [^,]*, Cipher is //p' "$tmp/a" | head -n 1)
		got_alpn=$(sed -n 's/^ALPN protocol: //p' "$tmp/a" | head -n 1)
		[ -n "$got_alpn" ] || got_alpn=http/1.1
		# s_client names the suite of a handshake the server then aborts
		# (a client certificate demanded in TLS 1.2): the alert says so
		if grep -q 'SSL alert number' "$tmp/a"; then
			got_cipher="(NONE)"
		fi
		if [ "$status" = 525 ] && [ "$demand" = handshake ]; then
			# refused for want of a client certificate: TLS 1.3's
			# alert comes with the first read
			request "$tmp/a" "$oport" "$host"
			if ! refused "$tmp/a"; then
				bad=$((bad + 1))
				echo "not ok tls-oracle $name: $what: a request without a client certificate gets $(http_status "$tmp/a"), the model predicts 525"
			elif [ -n "$withcert" ]; then
				# D: a CA other than the origin-pull CA: Cloudflare's
				# certificate fails the handshake too
				# shellcheck disable=SC2086
				request "$tmp/d" "$oport" "$host" $withcert
				if ! refused "$tmp/d"; then
					bad=$((bad + 1))
					echo "not ok tls-oracle $name: $what: with Cloudflare's client certificate the request gets $(http_status "$tmp/d"), the model predicts 525 (not the origin-pull CA)"
				fi
			fi
			continue
		fi
		if [ "$status" = 525 ]; then
			if [ -n "$got_cipher" ] && [ "$got_cipher" != "(NONE)" ]; then
				bad=$((bad + 1))
				echo "not ok tls-oracle $name: $what: the handshake succeeds ($got_version $got_cipher), the model predicts 525"
			fi
			continue
		fi
		if [ -z "$got_cipher" ] || [ "$got_cipher" = "(NONE)" ]; then
			bad=$((bad + 1))
			echo "not ok tls-oracle $name: $what: the handshake fails ($(grep -m1 -i 'error\|alert' "$tmp/a")), the model predicts $status"
			continue
		fi
		if [ "$got_cipher" != "$cipher" ] || [ "$got_version" != "$version" ] ||
			[ "$got_alpn" != "$alpn" ]; then
			bad=$((bad + 1))
			echo "not ok tls-oracle $name: $what: the handshake agrees $got_version $got_cipher $got_alpn, the model predicts $version $cipher $alpn"
			continue
		fi
		# B: verification as Full (strict) makes it: the first error
		# shellcheck disable=SC2086
		client "$oport" "$host" "$ca" "$crl" -verify_return_error $auth </dev/null >"$tmp/b"
		got_vcode=$(sed -n 's/^verify error:num=\([0-9]*\):.*/\1/p' "$tmp/b" | head -n 1)
		[ -n "$got_vcode" ] || got_vcode=0
		if [ "$got_vcode" != "$vcode" ]; then
			bad=$((bad + 1))
			echo "not ok tls-oracle $name: $what: verification reports $got_vcode ($(grep -m1 '^verify error' "$tmp/b")), the model predicts $vcode"
			continue
		fi
		if [ "$status" = 526 ] && [ "$vcode" = 0 ]; then
			bad=$((bad + 1))
			echo "not ok tls-oracle $name: $what: predicted 526 without a verification error"
			continue
		fi
		[ "$status" = 526 ] && continue
		[ "$host" = - ] && continue
		# C: a request over HTTP/1.1 (a client that never renegotiates,
		# as Cloudflare's)
		# shellcheck disable=SC2086
		request "$tmp/c" "$oport" "$host" -no_renegotiation $auth
		got_http=$(http_status "$tmp/c")
		served=$([ -n "$got_http" ] && [ "$got_http" != 400 ] && echo yes)
		case $status in
		400) ok_http=$([ "$got_http" = 400 ] && echo yes) ;;
		403) ok_http=$([ "$got_http" = 403 ] && echo yes) ;;
		520) if [ "$demand" = directory ]; then
			# renegotiation refused: the connection ends unanswered
			ok_http=$([ -z "$got_http" ] && echo yes)
		else
			ok_http=$served
		fi ;;
		AOP) if [ -n "$auth" ]; then
			ok_http=$served
		else
			ok_http=$([ "$got_http" = 400 ] && echo yes)
		fi ;;
		*) ok_http=$served ;;
		esac
		if [ -z "$ok_http" ]; then
			bad=$((bad + 1))
			echo "not ok tls-oracle $name: $what: the request gets ${got_http:-no answer}${auth:+ with Cloudflare's client certificate}, the model predicts $status"
			continue
		fi
		# D: demanded after the handshake, and Cloudflare presents its
		# certificate: served with the origin-pull CA (AOP), still 400
		# with another CA
		if [ "$demand" = request ] && [ -n "$withcert" ]; then
			# shellcheck disable=SC2086
			request "$tmp/d" "$oport" "$host" $withcert
			got_http=$(http_status "$tmp/d")
			if [ "$status" = AOP ]; then
				ok_http=$([ -n "$got_http" ] && [ "$got_http" != 400 ] && echo yes)
			else
				ok_http=$([ "$got_http" = 400 ] && echo yes)
			fi
			if [ -z "$ok_http" ]; then
				bad=$((bad + 1))
				echo "not ok tls-oracle $name: $what: with Cloudflare's client certificate the request gets ${got_http:-no answer}, the model predicts $status"
			fi
		fi
	done <"$tmp/predict"
	stop_server
	total=$((total + n))
	[ $bad -eq 0 ] && echo "ok tls-oracle $name: $n hostnames and ports get what the model predicts ($(cut -d' ' -f3 "$tmp/predict" | sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }'))"
done
[ "$total" -gt 0 ] || echo "not ok tls-oracle: no TLS sample was run"
exit 0
