#!/bin/sh
# The test runner: every unit binary and every tests/*.test.sh script prints
# "ok NAME", "not ok NAME: why" or "skip NAME: why" lines; this counts them
# and ends with "N passed, N failed". Environment: BIN (the cfaudit binary),
# O (the build directory of the unit binaries).
: "${BIN:=./cfaudit}" "${O:=build/rel}"
export BIN O
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" >>"$out" 2>&1 || echo "not ok $(basename "$t"): exited with status $?" >>"$out"
done
for t in tests/*.test.sh; do
	[ -f "$t" ] || continue
	sh "$t" >>"$out" 2>&1 || echo "not ok $(basename "$t"): exited with status $?" >>"$out"
done
grep -E '^(not ok|skip) ' "$out"
passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^not ok ' "$out")
skipped=$(grep -c '^skip ' "$out")
[ "$failed" -eq 0 ] || status=1
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
exit $status
