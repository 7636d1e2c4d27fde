#!/bin/sh
# The nginx oracle: for every sample origin with an nginx configuration, the
# server block the real nginx answers with must be the one the model
# predicts (web_vhost_for, through tests/oracle/nginx_resolve).
#
# Each sample's /etc tree is copied to a temporary directory and rewritten
# so that nginx can run it there: every IPv4 listen moves to 127.0.0.1 on
# its port + 10000 (IPv6 listens are dropped), includes become relative to
# the configuration prefix, logs and the pid file go to the temporary
# directory, every certificate is one self-signed pair made here, and each
# server block starts with `return 200 "FILE:LINE"` (the block's own place,
# as the model names it) so the answer identifies it. The model reads the
# same rewritten files. nginx runs in the foreground of a background job
# (-p PREFIX -c CONF, daemon off) and is killed at the end.
#
# For each port and hostname (every server_name of the sample, wildcards
# and regexes turned into a matching name, and a name nothing matches) the
# request goes to 127.0.0.1 with that Host (HTTPS: with that SNI too) and
# the answer must equal the prediction. Then `nginx -T` dumps the same
# configuration and `cfaudit --nginx DUMP` must find what `cfaudit --root`
# finds, at the original files and lines. Needs root, nginx, curl, openssl.
: "${BIN:=./cfaudit}" "${O:=build/rel}"
RESOLVE=$O/tests/nginx_resolve
PORT_SHIFT=10000

SUITE=nginx-oracle
. "$(dirname "$0")/lib.sh"
need_root "nginx binds ports, writes its pid"
need_tools nginx curl openssl jq ss
need_built "$RESOLVE" "$BIN"
make_tmp nginx

if ! openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-subj /CN=cfaudit-oracle -days 2 >/dev/null 2>&1; then
	echo "not ok nginx-oracle: openssl cannot make a certificate"
	exit 0
fi

# rewrite ROOT FILE: the rewritten copy of ROOT/FILE (FILE as the server sees it)
rewrite() {
	awk -v file="$2" -v shift="$PORT_SHIFT" -v tmp="$tmp" '
	/^[ \t]*listen[ \t]/ {
		a = $2
		semi = sub(/;$/, "", a)
		if (a ~ /^\[/) { print "\t# IPv6 listen dropped for the oracle"; next }
		if (a ~ /^unix:/) { print; next }
		port = a
		if (a ~ /:/) { sub(/.*:/, "", port) } else if (a !~ /^[0-9]+$/) { port = 80 }
		$2 = "127.0.0.1:" (port + shift) (semi ? ";" : "")
		print "\t" $0
		next
	}
	/^[ \t]*user[ \t]/ { print "# user dropped for the oracle"; next }
	/^[ \t]*pid[ \t]/ { print "pid nginx.pid;"; next }
	/^[ \t]*access_log[ \t]/ { print "\taccess_log off;"; next }
	/^[ \t]*error_log[ \t]/ { print "\terror_log " tmp "/error.log;"; next }
	/^[ \t]*ssl_certificate[ \t]/ { print "\tssl_certificate " tmp "/cert.pem;"; next }
	/^[ \t]*ssl_certificate_key[ \t]/ { print "\tssl_certificate_key " tmp "/key.pem;"; next }
	/^[ \t]*ssl_(client|trusted)_certificate[ \t]/ { print "\t" $1 " " tmp "/cert.pem;"; next }
	# TLS settings that would keep curl out or nginx from starting (client
	# certificates, SSLv3 only, a missing dhparam file...): the TLS oracle
	# judges them; this one asks which server answers
	/^[ \t]*ssl_(verify_client|protocols|ciphers|prefer_server_ciphers|dhparam|crl|trusted_certificate|client_certificate|stapling_file|session_ticket_key|password_file|session_cache)[ \t]/ { print "\t# " $1 " dropped for the oracle"; next }
	{ gsub(/include \/etc\/nginx\//, "include ") }
	/^[ \t]*server[ \t]*\{[ \t]*$/ {
		print $0 " return 200 \"" file ":" FNR "\";"
		next
	}
	{ print }
	' "$1$2" >"$1$2.new" && mv "$1$2.new" "$1$2"
}

# hosts ROOT: one hostname per line that some server_name matches, and one
# that none does
hosts() {
	grep -rh '^[[:space:]]*server_name[[:space:]]' "$1/etc/nginx" | sed 's/^[[:space:]]*server_name//; s/;.*//' |
		tr ' \t' '\n\n' | tr -d '"' | while read -r n; do
		case $n in
		"" | _) ;;
		\~*) ;;
		\*.*) echo "oracle.${n#\*.}" ;;
		.*) echo "${n#.}"; echo "oracle${n}" ;;
		*.\*) echo "${n%.\*}.oracle" ;;
		*) echo "$n" ;;
		esac
	done
	echo "nothing-matches.invalid"
}

# extra_hosts NAME: names for the sample's regex server_names
extra_hosts() {
	case $1 in
	nginx-healthy) echo alice.users.example.com ;;
	esac
}

# findings JSON PREFIX: "ID FILE LINE" per finding, PREFIX removed from FILE
findings() {
	jq -r --arg p "$2" '.findings[] | select(.id | test("-FW-") | not) | "\(.id) \(.file | ltrimstr($p)) \(.line)"' "$1" | sort
}

total=0
for s in samples/*/; do
	name=$(basename "$s")
	[ -f "$s/etc/nginx/nginx.conf" ] || continue
	r=$tmp/$name
	mkdir -p "$r"
	cp -R "$s/etc" "$r/"
	# the certificate at the same path inside the copy, so that the tree
	# and the nginx -T dump (read from this host) name the same files
	mkdir -p "$r$tmp"
	cp "$tmp/cert.pem" "$tmp/key.pem" "$r$tmp/"
	(cd "$r" && find etc/nginx -type f) | while read -r f; do
		rewrite "$r" "/$f"
	done
	conf=$r/etc/nginx/nginx.conf
	if ! nginx -t -q -p "$r/etc/nginx/" -c "$conf" -e "$tmp/error.log" >"$tmp/t.out" 2>&1; then
		echo "not ok nginx-oracle $name: nginx -t refuses the rewritten copy: $(head -n 2 "$tmp/t.out" | tr '\n' ' ')"
		continue
	fi
	nginx -p "$r/etc/nginx/" -c "$conf" -e "$tmp/error.log" -g 'daemon off;' >"$tmp/run.out" 2>&1 &
	pid=$!
	ports=$(grep -rh '^[[:space:]]*listen[[:space:]]*127\.0\.0\.1:' "$r/etc/nginx" |
		sed 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/' | sort -un)
	# shellcheck disable=SC2086
	wait_listening $ports
	{ hosts "$r"; extra_hosts "$name"; } | sort -u >"$tmp/hosts"
	bad=0
	n=0
	for port in $ports; do
		tls=no
		grep -rhq "^[[:space:]]*listen[[:space:]]*127\.0\.0\.1:$port[^0-9].*ssl" "$r/etc/nginx" && tls=yes
		# shellcheck disable=SC2046
		"$RESOLVE" "$r" /etc/nginx/nginx.conf 127.0.0.1 "$port" $(cat "$tmp/hosts") >"$tmp/model" 2>"$tmp/model.err"
		while read -r host want; do
			if [ $tls = yes ]; then
				got=$(curl -sk --max-time 5 --resolve "$host:$port:127.0.0.1" "https://$host:$port/")
			else
				got=$(curl -s --max-time 5 -H "Host: $host" "http://127.0.0.1:$port/")
			fi
			n=$((n + 1))
			if [ "$got" != "$want" ]; then
				bad=$((bad + 1))
				echo "not ok nginx-oracle $name: $host on port $port: nginx answers from \"$got\", the model predicts \"$want\""
			fi
		done <"$tmp/model"
		if [ $tls = no ]; then
			# a request without a Host (HTTP/1.0)
			got=$(curl -s --http1.0 --max-time 5 -H "Host:" "http://127.0.0.1:$port/")
			want=$("$RESOLVE" "$r" /etc/nginx/nginx.conf 127.0.0.1 "$port" "" 2>/dev/null | cut -d' ' -f2)
			n=$((n + 1))
			if [ "$got" != "$want" ]; then
				bad=$((bad + 1))
				echo "not ok nginx-oracle $name: no Host on port $port: nginx answers from \"$got\", the model predicts \"$want\""
			fi
		fi
	done
	if [ -s "$tmp/model.err" ]; then
		bad=$((bad + 1))
		echo "not ok nginx-oracle $name: the model reports input errors: $(head -n 1 "$tmp/model.err")"
	fi
	stop_server
	total=$((total + n))
	[ $bad -eq 0 ] && echo "ok nginx-oracle $name: $n requests answered by the predicted server block"

	# nginx -T: the dump gives the findings the tree gives, at the same places
	if nginx -T -q -p "$r/etc/nginx/" -c "$conf" -e "$tmp/error.log" >"$tmp/dump" 2>/dev/null; then
		"$BIN" --root "$r" --at 2026-11-01 --format json --fail-on never >"$tmp/tree.json" 2>/dev/null
		"$BIN" --nginx "$tmp/dump" --at 2026-11-01 --format json --fail-on never >"$tmp/dump.json" 2>/dev/null
		findings "$tmp/tree.json" "" >"$tmp/f.tree"
		findings "$tmp/dump.json" "$r" >"$tmp/f.dump"
		if [ -s "$tmp/f.tree" ] && cmp -s "$tmp/f.tree" "$tmp/f.dump"; then
			echo "ok nginx-oracle $name dump: nginx -T gives the same $(wc -l <"$tmp/f.tree") findings"
		elif [ ! -s "$tmp/f.tree" ] && [ ! -s "$tmp/f.dump" ] && jq -e '.summary.complete' "$tmp/dump.json" >/dev/null; then
			echo "ok nginx-oracle $name dump: nginx -T gives no finding either"
		else
			echo "not ok nginx-oracle $name dump: findings differ (tree vs dump): $(diff "$tmp/f.tree" "$tmp/f.dump" | head -n 4 | tr '\n' ' ')"
		fi
	else
		echo "not ok nginx-oracle $name dump: nginx -T failed"
	fi
done
[ "$total" -gt 0 ] || echo "not ok nginx-oracle: no sample with an nginx configuration"
exit 0
