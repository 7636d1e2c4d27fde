#!/bin/sh
# make demo: audit every bundled sample origin and show what cfaudit says.
#   sh tests/demo.sh [CFAUDIT]     (default ./cfaudit)
# For each samples/NAME (the healthy one first): a heading with the first line
# of its README, the command, its output and its exit status (not fatal:
# broken origins are supposed to make cfaudit exit non-zero).

bin=${1:-./cfaudit}
if [ ! -x "$bin" ]; then
	echo "demo: $bin is missing (run make)" >&2
	exit 1
fi

names=
[ -d samples/healthy ] && names=healthy
for d in samples/*/; do
	[ -d "$d/etc" ] || continue # samples/integrations holds CI examples
	n=$(basename "$d")
	[ "$n" = healthy ] && continue
	names="$names $n"
done

first=1
for n in $names; do
	[ "$first" = 1 ] || echo
	first=0
	title=$n
	[ -f "samples/$n/README" ] && title=$(head -n 1 "samples/$n/README")
	echo "=== samples/$n"
	echo "    $title"
	if [ -f "samples/$n/cfaudit.conf" ]; then
		# the sample's settings: its test trust store (--ca)
		echo "\$ $bin --config samples/$n/cfaudit.conf --root samples/$n"
		"$bin" --config "samples/$n/cfaudit.conf" --root "samples/$n"
	else
		echo "\$ $bin --root samples/$n"
		"$bin" --root "samples/$n"
	fi
	echo "[exit status $?]"
done
exit 0
