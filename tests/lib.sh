# lib.sh: helpers for tlsmail's integration tests (bash).  Source it:
#
#	. "${srcdir:-$(dirname "$0")}/lib.sh"
#
#	tsrv_start "$(cat <<'EOF'
#	cert @CERTS@/good.pem
#	key @CERTS@/good.key
#	ehlo STARTTLS
#	EOF
#	)"
#	tlsmail_run --host 127.0.0.1 --port "$TSRV_PORT" ... <"$T/mail"
#	tsrv_wait
#	assert_rc 0
#	assert_group MAIL,RCPT,DATA tls
#	assert_same "$T/mail.expected" "$TSRV_MSG"
#
# What it sets up: $T, a private directory removed on exit (TEST_KEEP=1
# keeps it); every tsrv started here is stopped on exit, by its PID.
# Test scripts exit 0 (pass), 1 (fail), 77 (skip) or 99 (hard error).
#
# tsrv's log (tsrv.c documents it in full): one record a line,
#	CONNECT <peer>
#	C plain|tls <bytes read by one read>
#	S plain|tls <bytes sent by one write>
#	G plain|tls VERB,VERB,...	the commands that arrived in one read
#	DISCARD plain <bytes>		read after STARTTLS, dropped
#	TLS <version> <suite> / SNI <name>|- / RESUMED
#	TLSFAIL <gnutls error> / ALERT <alert name>
#	AUTH ok <user> <MECH> | AUTH fail <MECH> | AUTH cancel <MECH>
#	MSG <n> <size>			message n arrived complete
#	CLOSE eof|quit|fault|signal|alarm|error <text>
#	EXIT <status>
# Bytes are escaped: printable ASCII as is except backslash, then \r \n \t
# \\ and \xNN.  So in a grep -E pattern, the CRLF of a record is '\\r\\n'
# (in single quotes); assert_fgrep takes the record text literally.
#
# Messages: message 1 is $TSRV_MSG, message k >= 2 is $TSRV_MSG.k (see
# tsrv_msg); each exists only once the server received it completely.

# The TSRV_* variables and RC are for the tests that source this file.
# shellcheck disable=SC2034

# The harness may start a test with sh (SH_LOG_COMPILER): start it again
# with bash, before any bash syntax below is read.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

# "printf ... | tlsmail_run ..." runs tlsmail_run in this shell, so that it
# can set RC.
shopt -s lastpipe

# "make check VALGRIND=1" (tests/check.sh): every tlsmail run under
# memcheck, with the options wrap.sh gives the unit suites.
if [ "${VALGRIND:-0}" = 1 ] && [ -z "${TLSMAIL_WRAPPER+set}" ] &&
	command -v valgrind >/dev/null 2>&1; then
	TLSMAIL_WRAPPER="valgrind --quiet --error-exitcode=99
		--leak-check=full --errors-for-leak-kinds=definite,indirect
		--show-leak-kinds=definite,indirect"
fi

lib_abs() {
	(cd "$1" 2>/dev/null && pwd) || printf '%s\n' "$1"
}

: "${srcdir:=$(dirname "${BASH_SOURCE[0]}")}"
: "${builddir:=$srcdir}"
: "${top_srcdir:=$srcdir/..}"
: "${top_builddir:=$builddir/..}"
srcdir=$(lib_abs "$srcdir")
builddir=$(lib_abs "$builddir")
top_srcdir=$(lib_abs "$top_srcdir")
top_builddir=$(lib_abs "$top_builddir")

TSRV_N=0
TSRV_PIDS=
RC=

T=$(mktemp -d "${TMPDIR:-/tmp}/tlsmail-test.XXXXXX") || {
	echo "ERROR: mktemp failed" >&2
	exit 99
}

lib_cleanup() {
	local pid _
	for pid in $TSRV_PIDS ${MTA_PIDS:-}; do	# MTA_PIDS: mta.sh
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null
	done
	if [ "${TEST_KEEP:-0}" = 1 ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

skip() {
	echo "SKIP: $*"
	exit 77
}

# need_cmd CMD...: skips the test when a tool is missing.
need_cmd() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

# What helps to understand a failure: tlsmail's stderr, the end of the log.
lib_dump() {
	if [ -s "$T/err" ]; then
		echo "--- tlsmail stderr:" >&2
		head -c 4000 "$T/err" >&2
	fi
	if [ -n "${TSRV_LOG:-}" ] && [ -s "$TSRV_LOG" ]; then
		echo "--- tsrv log (last 40 records, $TSRV_LOG):" >&2
		tail -n 40 "$TSRV_LOG" | cut -c1-300 >&2
	fi
	if [ -n "${MTA_LOG:-}" ] && [ -s "$MTA_LOG" ]; then	# mta.sh
		echo "--- MTA log (last 40 lines, $MTA_LOG):" >&2
		tail -n 40 "$MTA_LOG" | cut -c1-300 >&2
	fi
	if [ -n "${TSRV_ERR:-}" ] && [ -s "$TSRV_ERR" ]; then
		echo "--- tsrv stderr:" >&2
		head -c 4000 "$TSRV_ERR" >&2
	fi
}

fail() {
	echo "FAIL: $*" >&2
	lib_dump
	exit 1
}

# certs_dir: sets CERTS to the shared test PKI (mkcerts.sh), made once per
# build tree, and prints it.  Parallel tests may race to make it: each
# builds its own copy aside and renames it into place; rename(2) of a
# directory onto a non-empty one fails, so the first one wins.  Call it
# directly rather than in $(...), so that a failure stops the test.
certs_dir() {
	local dir=$builddir/certs tmp
	if [ ! -f "$dir/.complete" ]; then
		need_cmd certtool
		tmp=$(mktemp -d "$builddir/certs.tmp.XXXXXX") ||
			fail "cannot create a directory in $builddir"
		if ! bash "$srcdir/mkcerts.sh" "$tmp"; then
			rm -rf "$tmp"
			fail "mkcerts.sh failed"
		fi
		mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
		[ -f "$dir/.complete" ] || fail "$dir is incomplete, remove it"
	fi
	CERTS=$dir
	printf '%s\n' "$dir"
}

# ocsp_responses: $T/good.ocsp and $T/revoked.ocsp, OCSP responses (made
# by openssl, signed by the test CA) that say the good.pem certificate is
# good, respectively revoked since yesterday; for tsrv's "ocsp" directive.
ocsp_responses() {
	local serial exp rev s
	need_cmd openssl
	serial=$(openssl x509 -in "$CERTS/good.pem" -noout -serial |
		cut -d= -f2)
	exp=$(date -u -d '+1 year' +%y%m%d%H%M%SZ)
	rev=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)
	printf 'V\t%s\t\t%s\tunknown\t/CN=localhost\n' "$exp" "$serial" \
		>"$T/index.good"
	printf 'R\t%s\t%s\t%s\tunknown\t/CN=localhost\n' "$exp" "$rev" \
		"$serial" >"$T/index.revoked"
	for s in good revoked; do
		openssl ocsp -index "$T/index.$s" -rsigner "$CERTS/ca.pem" \
			-rkey "$CERTS/ca.key" -CA "$CERTS/ca.pem" \
			-issuer "$CERTS/ca.pem" -cert "$CERTS/good.pem" -no_nonce \
			-ndays 7 -respout "$T/$s.ocsp" >"$T/ocsp.log" 2>&1 ||
			fail "openssl ocsp: $(cat "$T/ocsp.log")"
	done
}

# tsrv_start SCENARIO_TEXT [tsrv args...]: starts a tsrv, @CERTS@ in the
# text standing for the certs directory; waits for its port.  Sets
# TSRV_PORT, TSRV_PID, TSRV_LOG, TSRV_MSG (and TSRV_SCN, TSRV_ERR).  A
# second call starts a second server; both are stopped on exit.
tsrv_start() {
	local text=$1 limit=${TSRV_START_TIMEOUT:-10} _
	shift
	case $text in
	*@CERTS@*) certs_dir >/dev/null ;;
	esac
	[ -x "$builddir/tsrv" ] || fail "tsrv is not built ($builddir/tsrv)"
	TSRV_N=$((TSRV_N + 1))
	TSRV_SCN=$T/tsrv$TSRV_N.scn
	TSRV_LOG=$T/tsrv$TSRV_N.log
	TSRV_MSG=$T/tsrv$TSRV_N.msg
	TSRV_ERR=$T/tsrv$TSRV_N.err
	TSRV_PORTFILE=$T/tsrv$TSRV_N.port
	printf '%s\n' "${text//@CERTS@/"${CERTS:-}"}" >"$TSRV_SCN"
	# shellcheck disable=SC2086 # the wrapper is a command line
	${TSRV_WRAPPER:-} "$builddir/tsrv" -s "$TSRV_SCN" -l "$TSRV_LOG" \
		-P "$TSRV_PORTFILE" -m "$TSRV_MSG" "$@" 2>"$TSRV_ERR" &
	TSRV_PID=$!
	TSRV_PIDS="$TSRV_PIDS $TSRV_PID"
	for _ in $(seq $((limit * 20))); do
		[ -s "$TSRV_PORTFILE" ] && break
		kill -0 "$TSRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$TSRV_PORTFILE" ] || fail "tsrv did not start within ${limit}s"
	TSRV_PORT=$(cat "$TSRV_PORTFILE")
}

# tsrv_wait [SECONDS]: waits (default 10 s) for tsrv to finish its
# connections and exit; fails if it does not, or exits non-zero.  Sets
# TSRV_RC.  Call it before asserting on the log: the client may be done
# before the server has logged its last records.
tsrv_wait() {
	local limit=${1:-10} _
	[ "${TSRV_WAITED:-}" = "$TSRV_PID" ] && return 0
	for _ in $(seq $((limit * 20))); do
		kill -0 "$TSRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$TSRV_PID" 2>/dev/null; then
		kill -TERM "$TSRV_PID"
		wait "$TSRV_PID"
		fail "tsrv did not exit within ${limit}s"
	fi
	wait "$TSRV_PID"
	TSRV_RC=$?
	TSRV_WAITED=$TSRV_PID
	[ "$TSRV_RC" = 0 ] || fail "tsrv exited with status $TSRV_RC"
}

# tsrv_stop: stops tsrv now (SIGTERM), for scenarios that stall.
tsrv_stop() {
	kill -TERM "$TSRV_PID" 2>/dev/null
	tsrv_wait 10
}

# tsrv_msg N: the file message N was written to.
tsrv_msg() {
	if [ "$1" = 1 ]; then
		printf '%s\n' "$TSRV_MSG"
	else
		printf '%s\n' "$TSRV_MSG.$1"
	fi
}

# tsrv_bytes C|S plain|tls: the bytes of all those records, unescaped, on
# stdout: what the client sent (C) or received (S) in that phase.
tsrv_bytes() {
	local tag="$1 $2 " line
	while IFS= read -r line; do
		case $line in
		"$tag"*) printf '%b' "${line#"$tag"}" ;;
		esac
	done <"$TSRV_LOG"
}

# tlsmail_run ARGS...: runs tlsmail ($TLSMAIL_WRAPPER first if set, e.g.
# valgrind; set from VALGRIND=1), stdin passed on; stdout to $T/out,
# stderr to $T/err, exit code to RC (99: valgrind found an error).  It
# never fails by itself: assert on RC.
tlsmail_run() {
	local bin=$top_builddir/src/tlsmail
	[ -x "$bin" ] || fail "tlsmail is not built ($bin)"
	# shellcheck disable=SC2086 # the wrapper is a command line
	timeout -k 5 "${TLSMAIL_TIMEOUT:-60}" ${TLSMAIL_WRAPPER:-} "$bin" "$@" \
		>"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" != 124 ] || echo "note: tlsmail timed out" >&2
	return 0
}

# The fields tlsmail adds to a message that lacks them (hdrfill.c, the
# set_*_header defaults), as printf formats: a test that compares what the
# server got with its input byte for byte starts the input with HDR_FULL
# and the expected bytes with HDR_FULL_WIRE, so that nothing is added.
# t-headers.sh tests the adding.
HDR_FULL='Date: Thu, 01 Jan 2026 00:00:00 +0000\nMessage-ID: <t@example.org>\nFrom: a@example.org\n'
HDR_FULL_WIRE=${HDR_FULL//\\n/\\r\\n}

assert_rc() {
	[ "$RC" = "$1" ] || fail "tlsmail exited with $RC, expected $1"
}

# assert_grep ERE FILE / assert_no_grep ERE FILE
assert_grep() {
	grep -Eq -e "$1" "$2" || fail "no line of $2 matches: $1"
}

assert_no_grep() {
	local hit
	hit=$(grep -E -m1 -e "$1" "$2")
	[ -z "$hit" ] || fail "$2 has a line matching '$1': $hit"
}

# assert_fgrep STRING FILE: a line of FILE contains STRING, literally.
assert_fgrep() {
	grep -Fq -e "$1" "$2" || fail "no line of $2 contains: $1"
}

# assert_same FILE1 FILE2: byte for byte, with a hex dump diff otherwise.
assert_same() {
	cmp -s "$1" "$2" && return 0
	[ -f "$1" ] || fail "$1 does not exist"
	[ -f "$2" ] || fail "$2 does not exist"
	cmp "$1" "$2" >&2
	echo "--- diff of hex dumps (< $1, > $2):" >&2
	diff <(od -A d -t x1z -v "$1") <(od -A d -t x1z -v "$2") | head -n 20 >&2
	fail "$1 and $2 differ"
}

# assert_group VERBS [plain|tls]: the commands VERBS ("MAIL,RCPT,DATA")
# arrived together in one read: tlsmail pipelined them.
assert_group() {
	awk -v g="$1" -v p="${2:-}" \
		'$1 == "G" && $3 == g && (p == "" || $2 == p) { f = 1 }
		END { exit !f }' "$TSRV_LOG" && return 0
	fail "no group $1${2:+ ($2)}; groups: $(grep '^G ' "$TSRV_LOG" |
		tr '\n' ' ')"
}

# assert_no_plain ERE: nothing the client sent before TLS matches: no
# "C plain" record, and no line of those bytes put together (a command
# split over two reads is still seen).
assert_no_plain() {
	local hit
	hit=$(sed -n 's/^C plain //p' "$TSRV_LOG" | grep -E -m1 -e "$1")
	[ -n "$hit" ] || hit=$(tsrv_bytes C plain | grep -aE -m1 -e "$1")
	[ -z "$hit" ] || fail "before TLS the client sent '$1': $hit"
}
