#!/bin/sh
# The certificates and keys of the samples (TEST ONLY: every key here is
# made up for cfaudit's samples and tests, is not secret, and protects
# nothing). Run from the top of the tree:
#
#   sh tests/tls/mkcerts.sh
#
# Dates are fixed (openssl ca -startdate/-enddate), chosen around the golden
# tests' audit time (--at 2026-11-01T00:00:00Z):
#   test root CA           2025-01-01 .. 2035-01-01  (the samples' --ca, test-ca.pem)
#   test intermediate CA   2025-01-01 .. 2032-01-01
#   ordinary leaves        2026-01-01 .. 2027-06-01
#   expired leaf           2025-06-01 .. 2026-06-30
#   expiring leaf          2026-01-01 .. 2026-11-10  (9 days after --at)
#   not-yet-valid leaf     2026-12-01 .. 2027-12-01
# Each sample that serves TLS gets test-ca.pem (the root) and cfaudit.conf
# ("ca = test-ca.pem"), which tests/golden.test.sh passes with --config:
# the test root stands for the zone's custom origin trust store, as an
# Origin CA certificate would chain to Cloudflare's Origin CA root.
# Keys and certificates change on every run (fresh keys); the goldens do
# not, since findings never print serials or fingerprints.
set -eu

top=$(pwd)
[ -d "$top/samples" ] || { echo "mkcerts: run from the top of the tree" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cfa-mkcerts.XXXXXX")
trap 'rm -rf "$work"' EXIT

OPENSSL=${OPENSSL:-openssl}
NOTE="# TEST KEY made by tests/tls/mkcerts.sh for cfaudit's samples: not secret, protects nothing"

cat >"$work/ca.cnf" <<'EOF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $ENV::CADIR
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
default_crl_days = 3650
[ policy_any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
[ v3_leaf_nosan ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
export CADIR="$work/db"
export SAN="DNS:unused"
mkdir -p "$CADIR/new"
: >"$CADIR/index.txt"
echo 1000 >"$CADIR/serial"
echo 1000 >"$CADIR/crlnumber"

ca() {
	"$OPENSSL" ca -batch -notext -config "$work/ca.cnf" "$@" >/dev/null 2>"$work/ca.err" ||
		{ cat "$work/ca.err" >&2; exit 1; }
}

# rsa_key FILE / ec_key FILE: a fresh key (rsa1024_key: one below OpenSSL's
# default security level)
rsa_key() { "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
rsa1024_key() { "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$1" 2>/dev/null; }
ec_key() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

csr() { "$OPENSSL" req -new -key "$1" -subj "/CN=$2" -config "$work/ca.cnf" -out "$3"; }

# The test CAs.
rsa_key "$work/root.key"
csr "$work/root.key" "cfaudit Test Root CA" "$work/root.csr"
ca -selfsign -keyfile "$work/root.key" -in "$work/root.csr" -extensions v3_ca \
	-startdate 20250101000000Z -enddate 20350101000000Z -out "$work/root.pem"
rsa_key "$work/inter.key"
csr "$work/inter.key" "cfaudit Test Intermediate CA" "$work/inter.csr"
ca -cert "$work/root.pem" -keyfile "$work/root.key" -in "$work/inter.csr" -extensions v3_ca \
	-startdate 20250101000000Z -enddate 20320101000000Z -out "$work/inter.pem"

# leaf NAME KEYTYPE START END SAN... : $work/NAME.pem (leaf only) and NAME.key,
# signed by the intermediate; the CN is the first name. "leaf NAME KEYTYPE
# START END - CN": no subjectAltName, the name in the CN only.
leaf() {
	name=$1 type=$2 start=$3 end=$4
	shift 4
	"${type}_key" "$work/$name.key"
	if [ "$1" = - ]; then
		csr "$work/$name.key" "$2" "$work/$name.csr"
		ca -cert "$work/inter.pem" -keyfile "$work/inter.key" -in "$work/$name.csr" \
			-extensions v3_leaf_nosan -startdate "$start" -enddate "$end" -out "$work/$name.pem"
	else
		csr "$work/$name.key" "${1#DNS:}" "$work/$name.csr"
		SAN=$(echo "$@" | tr ' ' ',') ca -cert "$work/inter.pem" -keyfile "$work/inter.key" \
			-in "$work/$name.csr" -extensions v3_leaf -startdate "$start" -enddate "$end" \
			-out "$work/$name.pem"
	fi
}

# selfsigned NAME SAN...: a self-signed leaf
selfsigned() {
	name=$1
	shift
	rsa_key "$work/$name.key"
	csr "$work/$name.key" "${1#DNS:}" "$work/$name.csr"
	SAN=$(echo "$@" | tr ' ' ',') ca -selfsign -keyfile "$work/$name.key" -in "$work/$name.csr" \
		-extensions v3_leaf -startdate 20260101000000Z -enddate 20270601000000Z \
		-out "$work/$name.pem"
}

OK_START=20260101000000Z
OK_END=20270601000000Z

# install SAMPLE NAME CERT KEY [chain]: the leaf (with the intermediate
# unless "nochain") at etc/ssl/certs/CERT, its key at etc/ssl/private/KEY
install() {
	s=samples/$1
	mkdir -p "$s/etc/ssl/certs" "$s/etc/ssl/private"
	if [ "${5:-chain}" = nochain ]; then
		cat "$work/$2.pem" >"$s/etc/ssl/certs/$3"
	else
		cat "$work/$2.pem" "$work/inter.pem" >"$s/etc/ssl/certs/$3"
	fi
	{ echo "$NOTE"; cat "$work/$2.key"; } >"$s/etc/ssl/private/$4"
	trust "$1"
}

# trust SAMPLE: the sample's custom origin trust store and config
trust() {
	s=samples/$1
	cp "$work/root.pem" "$s/test-ca.pem"
	cat >"$s/cfaudit.conf" <<'EOF'
# The golden tests and the demo read this (--config): the sample's
# certificates chain to a test root (tests/tls/mkcerts.sh), given as the
# zone's custom origin trust store.
ca = test-ca.pem
EOF
}

# ---- the nginx samples of the other checks: valid certificates ----
leaf www rsa $OK_START $OK_END DNS:www.example.com DNS:example.com
leaf api ec $OK_START $OK_END DNS:api.example.com
leaf app rsa $OK_START $OK_END DNS:app.example.com
leaf examplenet rsa $OK_START $OK_END DNS:*.example.net DNS:example.net
leaf shop rsa $OK_START $OK_END DNS:shop.example.com
leaf users rsa $OK_START $OK_END DNS:*.users.example.com
leaf blog rsa $OK_START $OK_END DNS:blog.example.com
selfsigned snakeoil DNS:localhost

for s in nginx-access-deny nginx-keepalive-off nginx-limit-req nginx-realip-missing \
	nginx-realip-retired; do
	install $s www www.example.com.pem www.example.com.key
done
install nginx-healthy www www.example.com.pem www.example.com.key
install nginx-healthy api api.example.com.pem api.example.com.key
install nginx-healthy examplenet example.net.pem example.net.key
install nginx-healthy shop shop.pem shop.key
install nginx-healthy users users.pem users.key
install nginx-keepalive-requests api api.example.com.pem api.example.com.key
install nginx-listen-loopback app app.pem app.key
install nginx-listen-plain www www.pem www.key
install nginx-realip-header www www.example.com.pem www.example.com.key
install nginx-realip-header api api.example.com.pem api.example.com.key
install nginx-return-444 blog blog.pem blog.key
install nginx-return-444 snakeoil snakeoil.pem snakeoil.key nochain
install nginx-return-444 shop shop.pem shop.key
install nginx-timeout-read app app.example.com.pem app.example.com.key

# ---- the TLS samples ----
# tls-healthy: RSA and ECDSA chains, a wildcard, a CN-only certificate, a
# self-signed catch-all default server no hostname reaches
leaf wild rsa $OK_START $OK_END DNS:*.example.org DNS:example.org
leaf legacy rsa $OK_START $OK_END - legacy.example.com
install tls-healthy www www.example.com.pem www.example.com.key
install tls-healthy api api.example.com.pem api.example.com.key
install tls-healthy wild example.org.pem example.org.key
install tls-healthy snakeoil snakeoil.pem snakeoil.key nochain
install tls-healthy legacy legacy.pem legacy.key

# tls-expired: expired, expiring and not-yet-valid leaves
leaf expired rsa 20250601000000Z 20260630000000Z DNS:www.example.com
leaf expiring rsa $OK_START 20261110000000Z DNS:shop.example.com
leaf future rsa 20261201000000Z 20271201000000Z DNS:blog.example.com
install tls-expired expired www.example.com.pem www.example.com.key
install tls-expired expiring shop.example.com.pem shop.example.com.key
install tls-expired future blog.example.com.pem blog.example.com.key

# tls-self-signed
selfsigned selfwww DNS:www.example.com
install tls-self-signed selfwww www.example.com.pem www.example.com.key nochain

# tls-wrong-name: a certificate for another name, a wildcard one level too
# shallow, a hostname that has no TLS server and falls into the default
leaf other rsa $OK_START $OK_END DNS:other.example.com
leaf wildnet rsa $OK_START $OK_END DNS:*.example.net
install tls-wrong-name other www.example.com.pem www.example.com.key
install tls-wrong-name wildnet example.net.pem example.net.key

# tls-missing-intermediate: the leaf without its intermediate
install tls-missing-intermediate www www.example.com.pem www.example.com.key nochain

# tls-key-mismatch: www's certificate with app's key (both RSA)
install tls-key-mismatch www www.example.com.pem www.example.com.key
{ echo "$NOTE"; cat "$work/app.key"; } >samples/tls-key-mismatch/etc/ssl/private/www.example.com.key

# tls-no-common-cipher, tls-h2-cipher: plain valid certificates
install tls-no-common-cipher www www.example.com.pem www.example.com.key
install tls-no-common-cipher api api.example.com.pem api.example.com.key
install tls-h2-cipher www www.example.com.pem www.example.com.key

# tls-client-cert: the internal CA is the test root; the origin-pull CA is
# Cloudflare's (copied from ipranges/)
install tls-client-cert www www.example.com.pem www.example.com.key
install tls-client-cert api api.example.com.pem api.example.com.key
cp "$work/root.pem" samples/tls-client-cert/etc/ssl/certs/internal-ca.pem
cp ipranges/origin-pull-ca.pem samples/tls-client-cert/etc/ssl/certs/cloudflare-origin-pull-ca.pem

# tls-revoked: shop's certificate is revoked by the intermediate's CRL
leaf revoked rsa $OK_START $OK_END DNS:shop.example.com
install tls-revoked www www.example.com.pem www.example.com.key
install tls-revoked revoked shop.example.com.pem shop.example.com.key
ca -cert "$work/inter.pem" -keyfile "$work/inter.key" -revoke "$work/revoked.pem" \
	-crl_reason keyCompromise
ca -gencrl -cert "$work/inter.pem" -keyfile "$work/inter.key" -crlexts crl_ext \
	-crl_lastupdate 20260901000000Z -crl_nextupdate 20361001000000Z -out samples/tls-revoked/test.crl
echo "crl = test.crl" >>samples/tls-revoked/cfaudit.conf
# tls-seclevel-low: a 1024-bit RSA leaf, which nginx loads only because
# ssl_ciphers' @SECLEVEL=0 lowers the level first; tls-seclevel-high: a
# plain RSA 2048 leaf, which @SECLEVEL=3 refuses
leaf weak rsa1024 $OK_START $OK_END DNS:www.example.com DNS:example.com
install tls-seclevel-low weak www.example.com.pem www.example.com.key
install tls-seclevel-high www www.example.com.pem www.example.com.key
# tls-seclevel-apache: the same 1024-bit leaf, with its chain, for Apache (RHEL paths)
s=samples/tls-seclevel-apache
mkdir -p "$s/etc/pki/tls/certs" "$s/etc/pki/tls/private"
cp samples/tls-seclevel-low/etc/ssl/certs/www.example.com.pem "$s/etc/pki/tls/certs/"
cp samples/tls-seclevel-low/etc/ssl/private/www.example.com.key "$s/etc/pki/tls/private/"
trust tls-seclevel-apache
# tls-seclevel-apache-high: tls-seclevel-high's RSA 2048 leaf, for Apache
s=samples/tls-seclevel-apache-high
mkdir -p "$s/etc/pki/tls/certs" "$s/etc/pki/tls/private"
cp samples/tls-seclevel-high/etc/ssl/certs/www.example.com.pem "$s/etc/pki/tls/certs/"
cp samples/tls-seclevel-high/etc/ssl/private/www.example.com.key "$s/etc/pki/tls/private/"
trust tls-seclevel-apache-high

# tls-password-file: www's key encrypted; ssl_password_file holds its
# passphrase (TEST ONLY, like the key) after a wrong one
install tls-password-file www www.example.com.pem www.example.com.key
{ echo "$NOTE"; "$OPENSSL" pkey -in "$work/www.key" -aes256 -passout pass:cfaudit-test-passphrase; } \
	>samples/tls-password-file/etc/ssl/private/www.example.com.key
mkdir -p samples/tls-password-file/etc/nginx
printf 'an-old-passphrase\ncfaudit-test-passphrase\n' >samples/tls-password-file/etc/nginx/passphrases
# tls-encrypted-key: the same, without ssl_password_file
trust tls-encrypted-key
mkdir -p samples/tls-encrypted-key/etc/ssl/certs samples/tls-encrypted-key/etc/ssl/private
cp samples/tls-password-file/etc/ssl/certs/www.example.com.pem samples/tls-encrypted-key/etc/ssl/certs/
cp samples/tls-password-file/etc/ssl/private/www.example.com.key samples/tls-encrypted-key/etc/ssl/private/

# tls-apache (RHEL paths): a leaf with its chain in a separate file, an
# ECDSA host, a host demanding a client certificate from the test root
leaf admin rsa $OK_START $OK_END DNS:admin.example.com
s=samples/tls-apache
mkdir -p "$s/etc/pki/tls/certs" "$s/etc/pki/tls/private"
cp "$work/www.pem" "$s/etc/pki/tls/certs/www.example.com.pem"
cp "$work/inter.pem" "$s/etc/pki/tls/certs/intermediate.pem"
cat "$work/api.pem" "$work/inter.pem" >"$s/etc/pki/tls/certs/api.example.com.pem"
cat "$work/admin.pem" "$work/inter.pem" >"$s/etc/pki/tls/certs/admin.example.com.pem"
cp "$work/root.pem" "$s/etc/pki/tls/certs/internal-ca.pem"
for k in www api admin; do
	{ echo "$NOTE"; cat "$work/$k.key"; } >"$s/etc/pki/tls/private/$k.example.com.key"
done
trust tls-apache

# ---- the Apache samples: valid certificates (Debian's /etc/ssl, RHEL's /etc/pki/tls) ----
for s in apache-access-deny apache-keepalive-requests apache-limit-evasive \
	apache-listen-loopback; do
	install $s www www.example.com.pem www.example.com.key
done
install apache-healthy www www.example.com.pem www.example.com.key
install apache-healthy api api.example.com.pem api.example.com.key
install apache-timeout-read app app.example.com.pem app.example.com.key
for s in apache-rhel apache-timeout-body; do
	mkdir -p "samples/$s/etc/pki/tls/certs" "samples/$s/etc/pki/tls/private"
	cat "$work/www.pem" "$work/inter.pem" >"samples/$s/etc/pki/tls/certs/www.example.com.pem"
	{ echo "$NOTE"; cat "$work/www.key"; } >"samples/$s/etc/pki/tls/private/www.example.com.key"
	trust $s
done
echo "mkcerts: done"
