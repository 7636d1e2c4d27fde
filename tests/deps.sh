#!/bin/sh
# Install the Debian packages named in "$@" that are missing: as root with
# apt-get, otherwise print the one command that does it and fail.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1 || true
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "apt-get install$missing failed" >&2; exit 1; }
	exit 0
fi
echo "missing Debian packages; install them with:" >&2
echo "  sudo apt-get install$missing" >&2
exit 1
