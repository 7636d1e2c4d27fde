#!/bin/sh
# H5BP's Apache server configs (../shared/corpus/apache-h5bp): every file
# must be read with no input error.
#
#   - httpd.conf as a source build's /usr/local/apache2/conf/httpd.conf, with
#     h5bp/ and vhosts/ under its ServerRoot (it includes them);
#   - every h5bp/**/*.conf on its own, included in a <VirtualHost> of a main
#     file that loads httpd.conf's modules (the place H5BP documents);
#   - every vhosts/ file (.000-default.conf, the templates) included by that
#     main file;
#   - dist/.htaccess as the .htaccess of the DocumentRoot, with
#     "AllowOverride All" so that httpd (and cfaudit) read it.
# Prints ok/not ok lines and the number of files read.
: "${BIN:=./cfaudit}"
corpus=../shared/corpus/apache-h5bp

if [ ! -d "$corpus" ]; then
	echo "skip corpus_apache: $corpus is absent"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "not ok corpus_apache: $BIN is not built"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-h5bp.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

sroot=usr/local/apache2

# audit ROOT NAME: cfaudit over ROOT must read every input with no error
audit() {
	"$BIN" --root "$1" --format json --fail-on never --no-config >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" -ne 0 ]; then
		echo "not ok corpus_apache $2: exit $st: $(grep -v '^T ' "$tmp/err" | head -n 3 | tr '\n' ' ')"
		return 1
	fi
	if ! jq -e '[.inputs[] | select(.kind == "apache" and .status != "ok")] | length == 0' \
		"$tmp/out" >/dev/null 2>&1; then
		echo "not ok corpus_apache $2: $(jq -r '.inputs[] | select(.status != "ok") | .file' "$tmp/out" | head -n 3 | tr '\n' ' ')"
		return 1
	fi
	jq '[.inputs[] | select(.kind == "apache")] | length' "$tmp/out"
}

if ! command -v jq >/dev/null 2>&1; then
	echo "skip corpus_apache: jq is not installed"
	exit 0
fi

# the main file: httpd.conf as a source build has it
r=$tmp/main
mkdir -p "$r/$sroot/conf"
cp "$corpus/httpd.conf" "$r/$sroot/conf/httpd.conf"
cp -R "$corpus/h5bp" "$corpus/vhosts" "$r/$sroot/"
bad=0
if n=$(audit "$r" httpd.conf); then
	main_files=$n
else
	bad=$((bad + 1))
	main_files=0
fi

# a main file that loads httpd.conf's modules and includes FILE in a
# virtual host, or, with "top", where the main file's directives are
wrap() {
	mkdir -p "$2/$sroot/conf"
	{
		echo 'ServerRoot "/usr/local/apache2"'
		grep -E '^[[:space:]]*LoadModule' "$corpus/httpd.conf"
		echo 'Listen 80'
		echo 'Listen 443'
		if [ "$3" = top ]; then
			echo "Include $1"
		else
			echo '<VirtualHost *:80>'
			echo '    ServerName www.example.com'
			echo "    Include $1"
			echo '</VirtualHost>'
		fi
	} >"$2/$sroot/conf/httpd.conf"
}

# audit_quiet ROOT NAME: audit, saying only what fails
audit_quiet() {
	out=$(audit "$1" "$2") || { echo "$out"; return 1; }
}

n=0
for f in $(cd "$corpus" && find h5bp -name '*.conf' | sort); do
	r=$tmp/snippet.$n
	n=$((n + 1))
	mkdir -p "$r/$sroot"
	cp -R "$corpus/h5bp" "$r/$sroot/"
	# a snippet with a directive httpd takes only at the top
	# (SSLStaplingCache: "cannot occur within <VirtualHost> section")
	# goes there
	place=vhost
	grep -qi '^[[:space:]]*SSLStaplingCache' "$corpus/$f" && place=top
	wrap "$f" "$r" $place
	audit_quiet "$r" "$f" || bad=$((bad + 1))
done
snippets=$n

n=0
for f in $(cd "$corpus" && find vhosts -type f | sort); do
	r=$tmp/vhost.$n
	n=$((n + 1))
	mkdir -p "$r/$sroot"
	cp -R "$corpus/h5bp" "$corpus/vhosts" "$r/$sroot/"
	wrap "$f" "$r" top
	audit_quiet "$r" "$f" || bad=$((bad + 1))
done
vhosts=$n

# dist/.htaccess, read by httpd for the DocumentRoot
r=$tmp/htaccess
mkdir -p "$r/$sroot/conf" "$r/srv/www"
cp "$corpus/dist/.htaccess" "$r/srv/www/.htaccess"
{
	grep -E '^[[:space:]]*LoadModule' "$corpus/httpd.conf"
	echo 'Listen 80'
	echo 'DocumentRoot "/srv/www"'
	echo '<Directory "/srv/www">'
	echo '    AllowOverride All'
	echo '    Require all granted'
	echo '</Directory>'
} >"$r/$sroot/conf/httpd.conf"
if audit_quiet "$r" dist/.htaccess; then
	if jq -e '.inputs[] | select(.file == "/srv/www/.htaccess" and .status == "ok" and (.detail // "") == "")' \
		"$tmp/out" >/dev/null; then
		htlines=$(wc -l <"$corpus/dist/.htaccess")
	else
		echo "not ok corpus_apache dist/.htaccess: not read as live: $(jq -c '.inputs[] | select(.file == "/srv/www/.htaccess")' "$tmp/out")"
		bad=$((bad + 1))
	fi
else
	bad=$((bad + 1))
fi

if [ "$bad" -eq 0 ]; then
	echo "ok corpus_apache: httpd.conf ($main_files files with its includes), $snippets h5bp snippets, $vhosts vhosts files and dist/.htaccess (${htlines:-0} lines) read with no error"
fi
exit 0
