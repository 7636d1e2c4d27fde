#!/bin/sh
# TLS checks end to end: cfaudit on the TLS samples with other options
# (--ssl-mode, --expiry-warn, --at, without --ca), and on trees made here
# from them (a system CA bundle in the root, a locally added anchor, a
# missing or DER certificate, an encrypted key, no certificate at all, a
# path with variables; what stops httpd: missing CA, CRL and ticket key
# files, SSLCompression, SSLv3, OpenSSL commands). Key material never
# reaches a report. Environment:
# BIN (cfaudit).
: "${BIN:=./cfaudit}"
AT=2026-11-01T00:00:00Z

if [ ! -x "$BIN" ]; then
	echo "not ok tls: $BIN is missing (run make)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-tls.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM

# run NAME ARGS...: cfaudit's text output in $tmp/NAME.out, status in $tmp/NAME.st
run() {
	n=$1
	shift
	NO_COLOR=1 "$BIN" --no-config --at "$AT" "$@" >"$tmp/$n.out" 2>&1
	st=$?
	echo $st >"$tmp/$n.st"
	# a crash or a sanitizer's report fails whatever the output says
	if [ $st -gt 3 ] || grep -q 'Sanitizer\|runtime error' "$tmp/$n.out"; then
		echo "not ok tls $n: cfaudit failed (status $st): $(grep -m1 'Sanitizer\|runtime error' "$tmp/$n.out")"
	fi
}

# expect NAME WHAT PATTERN: the output holds PATTERN
expect() {
	if grep -q -e "$3" "$tmp/$1.out"; then
		echo "ok tls $1: $2"
	else
		echo "not ok tls $1: $2: no \"$3\" in: $(grep -E 'error|warning|info' "$tmp/$1.out" | head -n 3 | tr '\n' ' ')"
	fi
}

# expect_not NAME WHAT PATTERN
expect_not() {
	if grep -q -e "$3" "$tmp/$1.out"; then
		echo "not ok tls $1: $2: $(grep -e "$3" "$tmp/$1.out" | head -n 1)"
	else
		echo "ok tls $1: $2"
	fi
}

# expect_status NAME STATUS
expect_status() {
	if [ "$(cat "$tmp/$1.st")" = "$2" ]; then
		echo "ok tls $1: exit status $2"
	else
		echo "not ok tls $1: exit status $(cat "$tmp/$1.st"), not $2"
	fi
}

# tree NAME SAMPLE: a copy of a sample to change
tree() {
	cp -R "samples/$2" "$tmp/$1"
}

S=samples
CA=--ca

# ---- SSL modes ----
run full-self --ca $S/tls-self-signed/test-ca.pem --ssl-mode full --root $S/tls-self-signed
expect_not full-self "Full does not validate" "CF526"
expect_status full-self 0
run full-cipher --ca $S/tls-no-common-cipher/test-ca.pem --ssl-mode full --root $S/tls-no-common-cipher
expect full-cipher "no common cipher is 525 in Full too" "CF525-TLS-NO-COMMON-CIPHER"
run flexible-key --ssl-mode flexible --root $S/tls-key-mismatch
expect flexible-key "a key mismatch stops the server in any mode" "CF521-TLS-KEY-MISMATCH"
run flexible-cipher --ssl-mode flexible --root $S/tls-no-common-cipher
expect_not flexible-cipher "no TLS to the origin in Flexible" "CF525-TLS"

# ---- dates ----
run warn5 $CA $S/tls-expired/test-ca.pem --expiry-warn 5 --root $S/tls-expired
expect_not warn5 "--expiry-warn 5: 9 days left is not reported" "CF526-CERT-EXPIRING"
run warn30 $CA $S/tls-expired/test-ca.pem --expiry-warn 30 --root $S/tls-expired
expect warn30 "--expiry-warn 30" "CF526-CERT-EXPIRING.*in 9 days"
run early --ca $S/tls-expired/test-ca.pem --at 2026-06-01 --root $S/tls-expired
expect_not early "--at before the expiry" "CF526-CERT-EXPIRED"
expect early "--at: blog's is still not valid" "CF526-CERT-NOT-YET-VALID"
run badwarn --expiry-warn soon --root $S/tls-expired
expect_status badwarn 3

# ---- trust ----
run noca --root $S/tls-healthy
expect noca "without the zone's trust store the test root is unknown" "CF526-CERT-UNTRUSTED"
run missingca --ca "$tmp/nothere.pem" --root $S/tls-healthy
expect_status missingca 2
tree bundle tls-healthy
mkdir -p "$tmp/bundle/etc/ssl/certs"
cp $S/tls-healthy/test-ca.pem "$tmp/bundle/etc/ssl/certs/ca-certificates.crt"
run bundle --root "$tmp/bundle"
expect_not bundle "a root in the system bundle is trusted" "CF526"
expect bundle "the bundle is listed" "tls .*/etc/ssl/certs/ca-certificates.crt (the system CA bundle: 1 trust anchor"
expect_status bundle 0
mkdir -p "$tmp/bundle/usr/local/share/ca-certificates"
cp $S/tls-healthy/test-ca.pem "$tmp/bundle/usr/local/share/ca-certificates/corp.crt"
run local --root "$tmp/bundle"
expect local "a locally added anchor is not Cloudflare's" "CF526-CERT-UNTRUSTED"
expect local "and the bundle says so" "1 locally added left out"

# ---- files ----
tree nocert tls-self-signed
rm "$tmp/nocert/etc/ssl/certs/www.example.com.pem"
run nocert --root "$tmp/nocert"
expect nocert "a missing certificate stops nginx" "CF521-TLS-CERT-LOAD.*no such file"
tree der tls-self-signed
openssl x509 -in $S/tls-self-signed/etc/ssl/certs/www.example.com.pem -outform der \
	-out "$tmp/der/etc/ssl/certs/www.example.com.pem"
run der --root "$tmp/der"
expect der "a DER certificate" "CF521-TLS-CERT-LOAD.*DER"
tree enc tls-self-signed
openssl pkey -in $S/tls-self-signed/etc/ssl/private/www.example.com.key -aes128 -passout pass:test \
	-out "$tmp/enc/etc/ssl/private/www.example.com.key" 2>/dev/null
run enc --ca $S/tls-self-signed/test-ca.pem --root "$tmp/enc"
# nginx asks for the passphrase on a terminal: under systemd it has none
expect enc "an encrypted key without ssl_password_file stops nginx" "CF521-TLS-KEY-LOAD.*encrypted and no ssl_password_file"
# with ssl_password_file, each line is tried in turn (a CR before the LF
# is dropped); the right one opens the key, which is then checked
printf 'wrong\r\n\ntest\n' >"$tmp/enc/etc/nginx/pass"
sed -i 's#^http {#http {\n\tssl_password_file /etc/nginx/pass;#' "$tmp/enc/etc/nginx/nginx.conf"
run encpw --ca $S/tls-self-signed/test-ca.pem --root "$tmp/enc"
expect_not encpw "the right passphrase in ssl_password_file opens the key" "CF521\|CF000-TLS-UNCHECKED"
expect encpw "and the certificate is checked as before" "CF526-CERT-SELF-SIGNED"
printf 'wrong\n' >"$tmp/enc/etc/nginx/pass"
run encbad --ca $S/tls-self-signed/test-ca.pem --root "$tmp/enc"
expect encbad "no passphrase of ssl_password_file opens the key: nginx stops" "CF521-TLS-KEY-LOAD.*no passphrase in /etc/nginx/pass opens it"
expect_not encbad "a passphrase is never printed" "wrong"
rm "$tmp/enc/etc/nginx/pass"
run encmiss --ca $S/tls-self-signed/test-ca.pem --root "$tmp/enc"
expect encmiss "a missing ssl_password_file stops nginx" "CF521-TLS-FILE-LOAD: ssl_password_file /etc/nginx/pass: no such file"
expect_not encmiss "once" "CF521-TLS-KEY-LOAD"
tree nokey tls-self-signed
rm "$tmp/nokey/etc/ssl/private/www.example.com.key"
run nokey --root "$tmp/nokey"
expect nokey "a missing key stops nginx" "CF521-TLS-KEY-LOAD"
tree var tls-self-signed
sed -i 's#ssl_certificate /etc/ssl/certs/www.example.com.pem#ssl_certificate /etc/ssl/certs/$ssl_server_name.pem#' \
	"$tmp/var/etc/nginx/sites-enabled/www"
run var --root "$tmp/var"
expect var "a certificate with variables is not checked" "CF000-TLS-UNCHECKED.*for each handshake"
tree nossl tls-self-signed
sed -i '/ssl_certificate/d' "$tmp/nossl/etc/nginx/sites-enabled/www"
run nossl --root "$tmp/nossl"
# nginx checks the default server of a TLS port for a certificate at start
expect nossl "a TLS port whose default server has no certificate stops nginx" "CF521-TLS-CERT-LOAD.*no ssl_certificate is defined"
tree badciphers tls-self-signed
sed -i 's#^http {#http {\n\tssl_ciphers NOTHING-AT-ALL;#' "$tmp/badciphers/etc/nginx/nginx.conf"
run badciphers --root "$tmp/badciphers"
expect badciphers "a cipher string that selects nothing stops nginx" "CF521-TLS-CONFIG-INVALID.*no cipher match"

# the other files nginx loads at start: there, and usable
tree aux tls-self-signed
printf 'not parameters\n' >"$tmp/aux/etc/nginx/dh.pem"
head -c 47 /dev/zero >"$tmp/aux/etc/nginx/ticket47"
head -c 80 /dev/zero >"$tmp/aux/etc/nginx/ticket80"
printf 'not a certificate\n' >"$tmp/aux/etc/nginx/ca.pem"
printf 'not DER\n' >"$tmp/aux/etc/nginx/ocsp.der"
sed -i 's#^http {#http {\n\tssl_dhparam dh.pem;\n\tssl_session_ticket_key ticket80;\n\tssl_session_ticket_key ticket47;\n\tssl_trusted_certificate ca.pem;\n\tssl_stapling on;\n\tssl_stapling_file ocsp.der;#' \
	"$tmp/aux/etc/nginx/nginx.conf"
run aux --root "$tmp/aux"
expect aux "DH parameters nginx cannot read stop it" "CF521-TLS-FILE-LOAD: ssl_dhparam /etc/nginx/dh.pem: no DH parameters"
expect aux "a session ticket key of the wrong size stops nginx" "CF521-TLS-FILE-LOAD: ssl_session_ticket_key /etc/nginx/ticket47: 47 bytes"
expect_not aux "one of 80 bytes is fine" "ticket80"
expect aux "a CA file without certificates stops nginx" "CF521-TLS-FILE-LOAD: ssl_trusted_certificate /etc/nginx/ca.pem: no certificate or CRL"
expect aux "a stapling file that is not an OCSP response stops nginx" "CF521-TLS-FILE-LOAD: ssl_stapling_file /etc/nginx/ocsp.der: not a DER OCSP response"
sed -i 's#ssl_stapling on;#ssl_stapling off;#' "$tmp/aux/etc/nginx/nginx.conf"
run auxoff --root "$tmp/aux"
expect_not auxoff "the stapling file is read only with ssl_stapling on" "ssl_stapling_file"
# a 1024-bit group is refused at the default security level ("dh key too
# small"), taken at the level @SECLEVEL=0 in ssl_ciphers sets first
tree dh tls-self-signed
openssl dhparam -out "$tmp/dh/etc/nginx/dh.pem" 1024 2>/dev/null
sed -i 's#^http {#http {\n\tssl_dhparam dh.pem;#' "$tmp/dh/etc/nginx/nginx.conf"
run dh --root "$tmp/dh"
expect dh "a 1024-bit DH group stops nginx" "CF521-TLS-FILE-LOAD: ssl_dhparam /etc/nginx/dh.pem: .*dh key too small"
sed -i 's#^http {#http {\n\tssl_ciphers DEFAULT:@SECLEVEL=0;#' "$tmp/dh/etc/nginx/nginx.conf"
run dh0 --root "$tmp/dh"
expect_not dh0 "at @SECLEVEL=0 it is taken" "CF521"

# Apache reads the key from the certificate's file when no key file is named
tree apkey tls-apache
cat samples/tls-apache/etc/pki/tls/private/www.example.com.key >>"$tmp/apkey/etc/pki/tls/certs/www.example.com.pem"
sed -i '0,/SSLCertificateKeyFile/{/SSLCertificateKeyFile/d}' "$tmp/apkey/etc/httpd/conf.d/hosts.conf"
run apkey --ca $S/tls-apache/test-ca.pem --root "$tmp/apkey"
expect_not apkey "Apache: the key in the certificate's file" "CF521"
tree apnokey tls-apache
sed -i '0,/SSLCertificateKeyFile/{/SSLCertificateKeyFile/d}' "$tmp/apnokey/etc/httpd/conf.d/hosts.conf"
run apnokey --ca $S/tls-apache/test-ca.pem --root "$tmp/apnokey"
expect apnokey "Apache: no key anywhere" "CF521-TLS-KEY-LOAD.*SSLCertificateFile"
# Full mode: the handshake still counts (a client certificate demand)
run apfull --ca $S/tls-apache/test-ca.pem --ssl-mode full --root $S/tls-apache
expect apfull "Apache: SSLVerifyClient require fails the handshake in Full too" "CF525-TLS-CLIENT-CERT"

# ---- what stops httpd (syntax errors, and TLS contexts set up at start) ----
# apache_case NAME LINE WHAT PATTERN: tls-apache with LINE added to the main
# server (the hosts inherit it) must report PATTERN
apache_case() {
	tree "$1" tls-apache
	printf '%s\n' "$2" >"$tmp/$1/etc/httpd/conf.d/zz-case.conf"
	run "$1" $CA "$tmp/$1/test-ca.pem" --root "$tmp/$1"
	expect "$1" "$3" "$4"
}
apache_case a-cafile "SSLCACertificateFile /etc/pki/tls/certs/nope.pem" \
	"a missing SSLCACertificateFile is a syntax error" \
	"CF521-TLS-FILE-LOAD: SSLCACertificateFile: file '/etc/pki/tls/certs/nope.pem' does not exist or is empty"
apache_case a-capath "SSLCACertificatePath /etc/pki/tls/nope" \
	"a missing SSLCACertificatePath is a syntax error" \
	"CF521-TLS-FILE-LOAD: SSLCACertificatePath: directory '/etc/pki/tls/nope' does not exist"
tree a-crl tls-apache
: >"$tmp/a-crl/etc/pki/tls/certs/empty.crl"
printf 'SSLCARevocationFile /etc/pki/tls/certs/empty.crl\n' >"$tmp/a-crl/etc/httpd/conf.d/zz-case.conf"
run a-crl $CA "$tmp/a-crl/test-ca.pem" --root "$tmp/a-crl"
expect a-crl "an empty SSLCARevocationFile is a syntax error" "CF521-TLS-FILE-LOAD: SSLCARevocationFile: file '/etc/pki/tls/certs/empty.crl' does not exist or is empty"
expect_status a-crl 1
for len in 47 48; do
	tree a-ticket$len tls-apache
	head -c $len /dev/zero >"$tmp/a-ticket$len/etc/pki/tls/private/ticket.key"
	printf 'SSLSessionTicketKeyFile /etc/pki/tls/private/ticket.key\n' >"$tmp/a-ticket$len/etc/httpd/conf.d/zz-case.conf"
	run a-ticket$len $CA "$tmp/a-ticket$len/test-ca.pem" --root "$tmp/a-ticket$len"
done
expect a-ticket47 "a ticket key file under 48 bytes stops httpd (AH02287)" "CF521-TLS-FILE-LOAD: SSLSessionTicketKeyFile /etc/pki/tls/private/ticket.key holds 47 bytes"
expect_not a-ticket48 "48 bytes of ticket key are what httpd reads" "CF521"
apache_case a-compression "SSLCompression on" "SSLCompression on is refused without a compression method" \
	"CF521-TLS-CONFIG-INVALID: SSLCompression on"
apache_case a-sslv3 "SSLProtocol +SSLv3 +TLSv1.2" "SSLProtocol naming SSLv3 is a syntax error" \
	"CF521-TLS-CONFIG-INVALID: SSLProtocol names SSLv3"
apache_case a-minus-sslv3 "SSLProtocol all -SSLv3" "SSLProtocol -SSLv3 is accepted" "summary: 1 error"
expect_not a-minus-sslv3 "SSLProtocol -SSLv3 starts" "CF521"
apache_case a-conf-unknown "SSLOpenSSLConfCmd NoSuchCommand on" "an unknown OpenSSL command is a syntax error" \
	"CF521-TLS-CONF-CMD: SSLOpenSSLConfCmd NoSuchCommand: \"'NoSuchCommand': invalid OpenSSL configuration command\""
apache_case a-conf-chain "SSLOpenSSLConfCmd ChainCAFile /etc/pki/tls/certs/intermediate.pem" \
	"a command naming a certificate file is not modelled: not checked, never OK" \
	"CF000-TLS-UNCHECKED: SSLOpenSSLConfCmd ChainCAFile"
if openssl dhparam -dsaparam -out "$tmp/dh1024.pem" 1024 >/dev/null 2>&1; then
	tree a-dh tls-apache
	cp "$tmp/dh1024.pem" "$tmp/a-dh/etc/pki/tls/certs/dh1024.pem"
	printf 'SSLOpenSSLConfCmd DHParameters /etc/pki/tls/certs/dh1024.pem\n' >"$tmp/a-dh/etc/httpd/conf.d/zz-case.conf"
	run a-dh $CA "$tmp/a-dh/test-ca.pem" --root "$tmp/a-dh"
	expect a-dh "DHParameters below the security level stops httpd, read inside the root" "CF521-TLS-CONF-CMD: SSLOpenSSLConfCmd DHParameters /etc/pki/tls/certs/dh1024.pem: OpenSSL refuses it (.*dh key too small)"
else
	echo "skip tls a-dh: openssl cannot make DH parameters"
fi

# ---- key material never reaches a report ----
leak=0
for s in $S/tls-*/; do
	for fmt in text json sarif junit; do
		"$BIN" --no-config --at "$AT" --format $fmt --root "$s" >"$tmp/leak.out" 2>&1
		if grep -q 'PRIVATE KEY' "$tmp/leak.out"; then
			leak=1
			echo "not ok tls no-key-material: $s $fmt prints a key"
		fi
		for k in "$s"etc/ssl/private/*.key; do
			[ -f "$k" ] || continue
			line=$(sed -n '3p' "$k")
			if [ -n "$line" ] && grep -qF -e "$line" "$tmp/leak.out"; then
				leak=1
				echo "not ok tls no-key-material: $s $fmt prints key bytes of $k"
			fi
		done
	done
done
[ $leak = 0 ] && echo "ok tls no-key-material: no report prints key material"

# ---- the table ----
if "$BIN" --list-checks | grep -q '^CF526-CERT-EXPIRED ' &&
	"$BIN" --explain CF525-TLS-NO-COMMON-CIPHER | grep -q '^Cause:'; then
	echo "ok tls explain: the TLS checks are listed and explained"
else
	echo "not ok tls explain: CF526-CERT-EXPIRED or CF525-TLS-NO-COMMON-CIPHER missing"
fi
exit 0
