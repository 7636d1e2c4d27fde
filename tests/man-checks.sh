#!/bin/sh
# The CHECKS list of cfaudit.1, generated from "cfaudit --list-checks" so the
# manual names every check the binary makes (tests/man.test.sh compares them).
#
#   sh tests/man-checks.sh BIN            print the mdoc list
#   sh tests/man-checks.sh BIN cfaudit.1  rewrite the list in the page, between
#                                         the ".\" checks:" and ".\" end of checks" lines
#                                         (make man)
BIN=${1:-./cfaudit}

list() {
	echo '.Bl -tag -width Ds'
	"$BIN" --list-checks --no-config | awk '
	function esc(s) {
		gsub(/\\/, "\\e", s)
		if (s ~ /^[.\047]/)
			s = "\\&" s
		return s
	}
	{
		# ID, the code column ("-" or the code; blank in older versions),
		# the severity, the title
		id = $1
		i = $2 ~ /^(error|warning|info)$/ ? 2 : 3
		sev = $i
		title = $0
		sub(/^[^ ]+ +([^ ]+ +)?(error|warning|info) +/, "", title)
		code = substr(id, 3, 3)
		print ".It Sy " id " Pq " (code == "000" ? "no error predicted" : code) ", " sev
		# text lines of at most 80 bytes (mandoc -Tlint)
		line = ""
		n = split(esc(title), w, " ")
		for (k = 1; k <= n; k++) {
			if (line != "" && length(line) + 1 + length(w[k]) > 78) {
				print line
				line = ""
			}
			line = line == "" ? w[k] : line " " w[k]
		}
		if (line != "")
			print line
	}'
	echo '.El'
}

if [ -z "$2" ]; then
	list
	exit 0
fi
list >"$2.list" || exit 1
awk -v listfile="$2.list" '
	/^\.\\" checks:/ { print; while ((getline l < listfile) > 0) print l; skip = 1; next }
	/^\.\\" end of checks/ { skip = 0 }
	!skip { print }
' "$2" >"$2.new" && mv "$2.new" "$2"
rm -f "$2.list"
