#!/bin/sh
# The Apache benchmark (make bench): a Debian-layout server with N virtual
# hosts (default 10,000), each in a file of its own under sites-enabled with
# its DocumentRoot, and an .htaccess file in every DocumentRoot that
# "AllowOverride All" lets httpd read (N files). Times cfaudit on it (median
# wall of BENCH_RUNS runs, default 5); the goal is at most 0.5 s for 10,000
# of each. Nothing here fails on time: the script fails only when cfaudit
# crashes or does not read the whole tree.
#   sh tests/bench/apache-bench.sh ./cfaudit [N]
set -u

[ $# -ge 1 ] || { echo "usage: sh tests/bench/apache-bench.sh ./cfaudit [N]" >&2; exit 3; }
bin=$1
n=${2:-10000}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
[ -x "$bin" ] || { echo "apache-bench: $1: no such executable (run make first)" >&2; exit 1; }
RUNS=${BENCH_RUNS:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-apache-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

r=$tmp/root
mkdir -p "$r/etc/apache2/sites-enabled" "$r/etc/apache2/mods-enabled" "$r/srv/www"
cat >"$r/etc/apache2/apache2.conf" <<'EOF'
DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Timeout 60
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}
ErrorLog ${APACHE_LOG_DIR}/error.log
IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
Include ports.conf
<Directory />
	Options FollowSymLinks
	AllowOverride None
	Require all denied
</Directory>
<Directory /srv/www/>
	AllowOverride All
	Require all granted
</Directory>
AccessFileName .htaccess
<FilesMatch "^\.ht">
	Require all denied
</FilesMatch>
IncludeOptional sites-enabled/*.conf
EOF
printf 'Listen 80\n' >"$r/etc/apache2/ports.conf"
for m in mpm_event authz_core authz_host access_compat rewrite setenvif remoteip proxy proxy_http; do
	echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so" >"$r/etc/apache2/mods-enabled/$m.load"
done
{
	echo 'RemoteIPHeader CF-Connecting-IP'
	grep -hv '^#' ipranges/ips-v4.txt ipranges/ips-v6.txt | sed 's/^/RemoteIPTrustedProxy /'
} >"$r/etc/apache2/mods-enabled/remoteip.conf"
awk -v n="$n" -v r="$r" 'BEGIN {
	for (i = 0; i < n; i++) {
		f = sprintf("%s/etc/apache2/sites-enabled/site%05d.conf", r, i)
		printf "<VirtualHost *:80>\n\tServerName site%d.example.com\n\tServerAlias www.site%d.example.com *.site%d.example.net\n\tDocumentRoot /srv/www/site%d\n\tProxyPass /api/ http://127.0.0.1:%d/\n</VirtualHost>\n", i, i, i, i, 8000 + i % 1000 >f
		close(f)
		d = sprintf("%s/srv/www/site%d", r, i)
		system("")
		print d > (r "/dirs")
	}
}'
xargs mkdir -p <"$r/dirs"
while read -r d; do
	printf 'RewriteEngine On\nRewriteCond %%{REQUEST_FILENAME} !-f\nRewriteRule ^ index.php [L]\n<Files wp-login.php>\nRequire ip 203.0.113.0/24\n</Files>\nSetEnvIf Remote_Addr "^198\\.51\\.100\\." blocked\nOrder Allow,Deny\nAllow from all\nDeny from env=blocked\n' >"$d/.htaccess"
done <"$r/dirs"
rm -f "$r/dirs"

times=
for i in $(seq "$RUNS"); do
	s=$(date +%s%N)
	"$bin" --root "$r" --no-config --format json --fail-on never >"$tmp/out.json" 2>"$tmp/err"
	st=$?
	e=$(date +%s%N)
	if [ "$st" -gt 3 ]; then
		echo "apache-bench: cfaudit died (status $st): $(head -n 2 "$tmp/err")" >&2
		exit 1
	fi
	times="$times $(( (e - s) / 1000000 ))"
done
vhosts=$(grep -c '<VirtualHost' "$r"/etc/apache2/sites-enabled/*.conf | awk -F: '{ s += $2 } END { print s }')
ht=$(jq '[.inputs[] | select(.file | endswith(".htaccess")) | select(.status == "ok")] | length' "$tmp/out.json" 2>/dev/null)
med=$(echo "$times" | tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "apache: $vhosts virtual hosts, ${ht:-?} .htaccess files read: median ${med} ms over $RUNS runs (goal: 500 ms for 10,000 of each)"
[ "${ht:-0}" -eq "$n" ] || { echo "apache-bench: expected $n .htaccess files read, got ${ht:-none}" >&2; exit 1; }
exit 0
