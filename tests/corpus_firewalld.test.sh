#!/bin/sh
# Every zone, service and policy firewalld ships (../shared/corpus/firewalld)
# must parse with no error: cfaudit is run with --firewalld on a directory
# laid out like /etc/firewalld that holds them all (with an empty root, so
# only these files are read); its report must list no input error. Prints the
# counts. Environment: BIN (cfaudit).
: "${BIN:=./cfaudit}"
C=../shared/corpus/firewalld/config
if [ ! -d "$C" ]; then
	echo "skip corpus_firewalld: $C is missing"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "not ok corpus_firewalld: $BIN is missing (run make)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-fwd.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root" "$tmp/etc"
for k in zones services policies; do
	cp -r "$C/$k" "$tmp/etc/$k"
done
echo "DefaultZone=public" >"$tmp/etc/firewalld.conf"
"$BIN" --root "$tmp/root" --firewalld "$tmp/etc" --format json --fail-on never >"$tmp/out.json" 2>"$tmp/err"
st=$?
nz=$(ls "$C/zones" | grep -c '\.xml$')
ns=$(ls "$C/services" | grep -c '\.xml$')
np=$(ls "$C/policies" | grep -c '\.xml$')
if [ "$st" -ne 0 ]; then
	echo "not ok corpus_firewalld: exit status $st on $nz zones, $ns services, $np policies: $(head -n 3 "$tmp/err" | tr '\n' ' ')"
	exit 0
fi
echo "ok corpus_firewalld: $nz zones, $ns services, $np policies parse with no error"
