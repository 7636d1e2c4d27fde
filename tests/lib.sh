# Shared by the tests/*.test.sh scripts (POSIX sh; sourced, not run):
#
#	SUITE=name
#	. "$(dirname "$0")/lib.sh"
#
# The runner (tests/run.sh) counts the "ok SUITE ...", "not ok SUITE ...:
# why" and "skip SUITE ...: why" lines these functions print. A script that
# cannot run at all prints one line and exits 0: the line is what counts.

ok() { echo "ok $SUITE $1"; }
fail() { echo "not ok $SUITE $1: $2"; }
skip() { echo "skip $SUITE $1: $2"; }

# need_root WHY: skip the suite unless run as root
need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "skip $SUITE: needs root ($1)"
		exit 0
	fi
}

# need_tools TOOL...: skip the suite when a program is missing
need_tools() {
	for need_tool in "$@"; do
		if ! command -v "$need_tool" >/dev/null 2>&1; then
			echo "skip $SUITE: $need_tool is not installed (make check installs it as root)"
			exit 0
		fi
	done
}

# need_built FILE...: a program the Makefile builds (test-bins); missing
# is a failure, not a skip, since make check builds them all
need_built() {
	for need_file in "$@"; do
		if [ ! -x "$need_file" ]; then
			echo "not ok $SUITE: $need_file is not built"
			exit 0
		fi
	done
}

# make_tmp TAG: $tmp, a private directory removed at exit (kept when KEEP is
# set), after stopping the server whose process id is in $pid, if any
make_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfa-$1.XXXXXX") || exit 1
	pid=
	trap cleanup_tmp EXIT
	trap 'exit 130' HUP INT PIPE TERM
}

cleanup_tmp() {
	stop_server
	[ -n "$KEEP" ] || rm -rf "$tmp"
}

# stop_server: stop the server started in the background as $pid
stop_server() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}

# expect_status NAME STATUS CMD...: run CMD (its output in $tmp/out and
# $tmp/err), compare its exit status
expect_status() {
	expect_name=$1 expect_want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	expect_got=$?
	if [ "$expect_got" = "$expect_want" ]; then
		ok "$expect_name"
	else
		fail "$expect_name" "exit $expect_got, expected $expect_want: $(head -c 300 "$tmp/err")"
	fi
}

# grep_in NAME PATTERN FILE: the file must hold the pattern
grep_in() {
	if grep -q -- "$2" "$3"; then ok "$1"; else fail "$1" "no \"$2\" in $(head -c 400 "$3")"; fi
}

# wait_listening PORT...: until a TCP socket listens on each port (ss), or
# the server $pid has exited, or 5 s have passed for a port
wait_listening() {
	for wait_port in "$@"; do
		wait_i=0
		while [ -z "$(ss -ltnH "sport = :$wait_port" 2>/dev/null)" ]; do
			wait_i=$((wait_i + 1))
			if [ $wait_i -ge 50 ] || ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			sleep 0.1
		done
	done
}
