#!/bin/sh
# nginx configurations from gixy's test suite (../shared/corpus/nginx-gixy):
# every tests/plugins/simply/*/*.conf must be read with no input error.
#
# They are snippets of some context, as an include file is, so each is
# included where nginx would accept it: a file with a top-level "http"
# block as the main file; one with top-level "server" blocks inside http{};
# any other (locations, if blocks, directives of a location) inside
# http { server { location / { ... } } }, where nested locations, if,
# proxy_pass, return, add_header and the rest are all allowed.
# Two snippets are valid in no nginx context (gixy reads them without
# nginx's rules): they must fail with nginx's own message, checked with the
# real nginx too when it is installed. Prints ok/not ok/skip lines and the
# number of files read.
: "${BIN:=./cfaudit}"
corpus=../shared/corpus/nginx-gixy/tests/plugins/simply

if [ ! -d "$corpus" ]; then
	echo "skip corpus_nginx: $corpus is absent"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "not ok corpus_nginx: $BIN is not built"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-gixy.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# expected NAME: the message nginx gives for a snippet valid nowhere ("" if none)
expected() {
	case $1 in
	add_header_redefinition/non_block_fp.conf) echo '"server" directive is not allowed here' ;;
	origins/origin_wo_slash.conf) echo '"if" directive is not allowed here' ;;
	*) echo "" ;;
	esac
}

# wrap FILE ROOT: lay out ROOT/etc/nginx/nginx.conf including FILE where it fits
wrap() {
	mkdir -p "$2/etc/nginx"
	cp "$1" "$2/etc/nginx/snippet.conf"
	if grep -Eq '^[[:space:]]*http[[:space:]]*\{' "$1"; then
		printf 'events {}\ninclude snippet.conf;\n' >"$2/etc/nginx/nginx.conf"
	elif grep -Eq '^server[[:space:]]*\{' "$1"; then
		printf 'events {}\nhttp {\n\tinclude snippet.conf;\n}\n' >"$2/etc/nginx/nginx.conf"
	else
		printf 'events {}\nhttp {\n\tserver {\n\t\tlocation / {\n\t\t\tinclude snippet.conf;\n\t\t}\n\t}\n}\n' \
			>"$2/etc/nginx/nginx.conf"
	fi
}

n=0
bad=0
invalid=0
for f in "$corpus"/*/*.conf; do
	[ -f "$f" ] || continue
	name=${f#"$corpus"/}
	r=$tmp/root.$n
	wrap "$f" "$r"
	n=$((n + 1))
	"$BIN" --root "$r" --format json --fail-on never >"$tmp/out" 2>"$tmp/err"
	st=$?
	want=$(expected "$name")
	if [ -z "$want" ]; then
		if [ "$st" -ne 0 ]; then
			bad=$((bad + 1))
			echo "not ok corpus_nginx $name: exit $st: $(head -n 3 "$tmp/err" | tr '\n' ' ')"
		fi
		continue
	fi
	invalid=$((invalid + 1))
	if [ "$st" -eq 2 ] && grep -qF "$want" "$tmp/err"; then
		echo "ok corpus_nginx $name: rejected as nginx rejects it ($want)"
	else
		bad=$((bad + 1))
		echo "not ok corpus_nginx $name: expected exit 2 with '$want', got $st: $(head -n 2 "$tmp/err" | tr '\n' ' ')"
	fi
	# the real nginx agrees that it is invalid
	if command -v nginx >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		if nginx -t -q -p "$r/" -c "$r/etc/nginx/nginx.conf" -e "$tmp/nginx.err" \
			>"$tmp/nginx.out" 2>&1; then
			echo "not ok corpus_nginx $name: nginx -t accepts it"
		elif grep -qF "$want" "$tmp/nginx.out"; then
			echo "ok corpus_nginx $name: nginx -t says the same"
		else
			echo "not ok corpus_nginx $name: nginx -t says: $(head -n 1 "$tmp/nginx.out")"
		fi
	fi
done
if [ "$n" -eq 0 ]; then
	echo "not ok corpus_nginx: no file under $corpus"
elif [ "$bad" -eq 0 ]; then
	echo "ok corpus_nginx: $n files read, $((n - invalid)) with no error, $invalid invalid as nginx says"
fi
exit 0
