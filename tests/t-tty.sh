#!/bin/bash
# A person at a terminal (a pseudo-terminal from ptyrun.py): tlsmail asks
# for the password there without echoing it, puts the terminal back even
# when Ctrl-C ends the prompt, and shows a progress line for a message
# over a megabyte, cleared at the end.  Without a terminal (output
# redirected, or no controlling terminal at all, as under cron): no
# prompt, exit 78 at once with the options to use, and no progress line.
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd python3 setsid
certs_dir >/dev/null

AUTH_SERVER="cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH PLAIN LOGIN
auth alice s3cret"
PROMPT='Password for alice at localhost: '
printf 'Subject: x\n\nbody\n' >"$T/mail"

# onpty ARGS... -- TLSMAIL_ARGS...: tlsmail on a pseudo-terminal; the
# output on it in $T/tty, ptyrun's echo verdict in $T/echo, status in RC
onpty() {
	local pre=()
	while [ "$1" != -- ]; do
		pre+=("$1")
		shift
	done
	shift
	# shellcheck disable=SC2086 # the wrapper is a command line
	python3 "$srcdir/ptyrun.py" --log "$T/tty" "${pre[@]}" -- \
		${TLSMAIL_WRAPPER:-} "$top_builddir/src/tlsmail" "$@" \
		>"$T/echo"
	RC=$?
}

# --- the prompt: on the terminal, nothing echoed, the terminal restored;
# the message itself comes from a file on stdin
tsrv_start "$AUTH_SERVER"
onpty --stdin "$T/mail" --answer "$PROMPT=s3cret\\n" -- --host localhost \
	--port "$TSRV_PORT" --cafile "$CERTS/ca.pem" --user alice \
	-f a@example.org b@example.org
tsrv_wait
assert_rc 0
# exactly the prompt and the line end typed after it: no echo
printf '%s\r\n' "$PROMPT" >"$T/want"
assert_same "$T/want" "$T/tty"
assert_fgrep 'echo on' "$T/echo"
assert_fgrep 'AUTH ok alice PLAIN' "$TSRV_LOG"

# --- Ctrl-C at the prompt: SIGINT ends tlsmail, the echo is back on
onpty --stdin "$T/mail" --interrupt "$PROMPT" -- --host localhost \
	--port 9 --user alice -f a@example.org b@example.org
assert_rc 130
assert_fgrep 'echo on' "$T/echo"

# --- nothing typed (Ctrl-D): a configuration error, no connection
onpty --stdin "$T/mail" --answer "$PROMPT=$(printf '\004')" -- \
	--host localhost --port 9 --user alice -f a@example.org b@example.org
assert_rc 78
assert_fgrep 'no password was typed' "$T/tty"

# --- the message typed at the terminal: tlsmail says how to end it, the
# typed text is the body (no header block), and the password is asked for
# after Ctrl-D
TYPING='tlsmail: type the message, then Ctrl-D on a line of its own'
tsrv_start "$AUTH_SERVER"
onpty --answer "$TYPING=Hello Bob,\nsee you.\n$(printf '\004')" \
	--answer "$PROMPT=s3cret\\n" -- --host localhost \
	--port "$TSRV_PORT" --cafile "$CERTS/ca.pem" --user alice \
	-f a@example.org -s typed b@example.org
tsrv_wait
assert_rc 0
printf '%s\r\n' "$TYPING" 'Hello Bob,' 'see you.' "$PROMPT" >"$T/want"
assert_same "$T/want" "$T/tty"
assert_grep '^Subject: typed.$' "$TSRV_MSG"
tail -n 2 "$TSRV_MSG" >"$T/got"
printf 'Hello Bob,\r\nsee you.\r\n' >"$T/want"
assert_same "$T/want" "$T/got"
# ... and not a word of it when the message comes from a file
tsrv_start "$AUTH_SERVER"
onpty --stdin "$T/mail" --answer "$PROMPT=s3cret\\n" -- --host localhost \
	--port "$TSRV_PORT" --cafile "$CERTS/ca.pem" --user alice \
	-f a@example.org b@example.org
tsrv_wait
assert_rc 0
assert_no_grep 'type the message' "$T/tty"

# --- no terminal for the prompt: redirected stderr, then no controlling
# terminal at all (setsid); both fail at once, before connecting
for how in redirected setsid; do
	if [ $how = setsid ]; then
		setsid -w timeout -k 5 30 "$top_builddir/src/tlsmail" \
			--host localhost --port 9 --user alice \
			-f a@example.org b@example.org <"$T/mail" \
			>"$T/out" 2>"$T/err"
		RC=$?
	else
		tlsmail_run --host localhost --port 9 --user alice \
			-f a@example.org b@example.org <"$T/mail"
	fi
	assert_rc 78
	want="tlsmail: AUTH: --user needs a password, and there is no "
	want+="terminal to ask for it on; give --password-file, "
	want+="--password-env or --passwordeval"
	printf '%s\n' "$want" >"$T/want"
	assert_same "$T/want" "$T/err"
done

# --- progress: over a megabyte on a terminal, one or more lines each
# drawn over the last, then blanked; the message arrives intact
{
	printf "$HDR_FULL"'Subject: big\n\n'
	head -c 2400000 /dev/urandom | base64
} >"$T/big"
sed 's/$/\r/' "$T/big" >"$T/big.wire"
PLAIN="cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS"
tsrv_start "$PLAIN"
onpty --stdin "$T/big" -- --host localhost --port "$TSRV_PORT" \
	--cafile "$CERTS/ca.pem" -f a@example.org b@example.org
tsrv_wait
assert_rc 0
assert_same "$T/big.wire" "$TSRV_MSG"
size=$(stat -c %s "$T/big.wire")
mib=$(awk -v n="$size" 'BEGIN { t = int(n * 10 / 1048576);
	printf "%d.%d", t / 10, t % 10 }')
re="^"$'\r'"tlsmail: sent [0-9]+\.[0-9] of $mib MiB \([0-9]+%\)"
re+="(, [0-9]+\.[0-9] MiB/s)? *"$'\r'
grep -aqE "$re" "$T/tty" ||
	fail "no progress line in: $(cat -A "$T/tty" | head -c 400)"
# the last thing on the terminal is the blanked line
printf '\r%72s\r' '' >"$T/want"
tail -c 74 "$T/tty" >"$T/got"
assert_same "$T/want" "$T/got"

# ... a small message on a terminal: nothing at all
tsrv_start "$PLAIN"
onpty --stdin "$T/mail" -- --host localhost --port "$TSRV_PORT" \
	--cafile "$CERTS/ca.pem" -f a@example.org b@example.org
tsrv_wait
assert_rc 0
[ -s "$T/tty" ] && fail "output for a small message: $(cat -A "$T/tty")"

# ... the large one with stderr redirected: nothing either
tsrv_start "$PLAIN"
tlsmail_run --host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
	-f a@example.org b@example.org <"$T/big"
tsrv_wait
assert_rc 0
[ -s "$T/err" ] && fail "progress without a terminal: $(cat -A "$T/err")"
exit 0
