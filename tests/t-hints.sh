#!/bin/bash
# Every failure a person is likely to meet at a terminal says the step,
# what happened (the server's own words where it said any), and what to
# do next, in one line.  One case per hint, asserting the whole line.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null
printf 'Subject: x\n\nbody\n' >"$T/mail"

# send ARGS...: to the current tsrv, the test CA trusted
send() {
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" -f a@example.org b@example.org "$@" \
		<"$T/mail"
}

# line TEXT...: tlsmail's stderr is exactly this one line (the arguments
# joined by spaces)
line() {
	printf '%s\n' "$*" >"$T/want"
	assert_same "$T/want" "$T/err"
}

TLS_SERVER="cert @CERTS@/good.pem
key @CERTS@/good.key"

# --- implicit TLS port spoken to with STARTTLS: no greeting comes
tsrv_start "mode implicit
$TLS_SERVER"
send --tls=starttls --timeout 2
tsrv_stop
assert_rc 75
line "tlsmail: greeting: timed out waiting for the server; no SMTP" \
	"greeting came; if port $TSRV_PORT expects implicit TLS, try" \
	"--tls=implicit"

# ... and on port 465 itself, which only a network namespace of our own
# (or a free port 465 and root) gives a test; silentsrv.py stays silent
# there the way an implicit-TLS server does.
need_cmd python3
run465() {
	timeout -k 5 30 ${TLSMAIL_WRAPPER:-} "$top_builddir/src/tlsmail" \
		--host 127.0.0.1 --port 465 --tls=starttls --timeout 2 \
		-f a@example.org b@example.org <"$T/mail" >"$T/out" 2>"$T/err"
}
if unshare -n true 2>/dev/null; then
	unshare -n python3 "$srcdir/silentsrv.py" 465 -- bash -c \
		"$(declare -f run465); T='$T'; top_builddir='$top_builddir';
		TLSMAIL_WRAPPER='${TLSMAIL_WRAPPER:-}'; run465"
	RC=$?
	ran465=yes
elif [ "$(id -u)" = 0 ] && ! (exec 3<>/dev/tcp/127.0.0.1/465) 2>/dev/null
then
	python3 "$srcdir/silentsrv.py" 465 -- bash -c \
		"$(declare -f run465); T='$T'; top_builddir='$top_builddir';
		TLSMAIL_WRAPPER='${TLSMAIL_WRAPPER:-}'; run465"
	RC=$?
	ran465=yes
fi
if [ -n "${ran465:-}" ]; then
	assert_rc 75
	line "tlsmail: greeting: timed out waiting for the server; port" \
		"465 expects implicit TLS: try --tls=implicit"
else
	echo "note: no network namespace, and port 465 is taken:" \
		"the port 465 wording is not checked here"
fi

# --- the certificate names another host
tsrv_start "cert @CERTS@/wronghost.pem
key @CERTS@/wronghost.key
ehlo STARTTLS"
send
tsrv_wait
assert_rc 69
re='^tlsmail: TLS: certificate for "localhost" not trusted: .*; '
re+='the certificate is for wrong\.example, not localhost: check --host$'
assert_grep "$re" "$T/err"
[ "$(wc -l <"$T/err")" = 1 ] || fail "more than one line: $(cat "$T/err")"

# --- no STARTTLS offered
tsrv_start "$TLS_SERVER
ehlo PIPELINING"
send
tsrv_wait
assert_rc 69
line "tlsmail: STARTTLS: server does not offer STARTTLS (the server or" \
	"the network refused TLS); TLS is required; use a server that offers" \
	"it, or --tls=off if you accept plaintext"

# --- implicit TLS to a port that greets in plaintext
tsrv_start "mode plain"
send --tls=implicit
tsrv_wait
assert_rc 76
line "tlsmail: TLS: the server answered in plaintext, not TLS; port" \
	"$TSRV_PORT speaks plaintext first: try --tls=starttls"

# --- nothing listens: a port tsrv had and gave back
tsrv_start "$TLS_SERVER"
tsrv_stop
send
assert_rc 75
line "tlsmail: connect: cannot connect to localhost port $TSRV_PORT:" \
	"Connection refused; check --host and --port (587 for STARTTLS, 465" \
	"for implicit TLS)"

# --- a name that does not resolve (RFC 6761: .invalid never does); where
# no name server answers at all, the temporary failure says so instead
tlsmail_run --host no-such-host.invalid -f a@example.org b@example.org \
	<"$T/mail"
if [ "$RC" = 75 ] && grep -q 'not answering' "$T/err"; then
	echo "note: no name server here; checked the temporary failure"
	re='^tlsmail: resolve: cannot resolve no-such-host\.invalid: .*; '
	assert_grep "$re"'the name service is not answering; try again later$' \
		"$T/err"
else
	assert_rc 68
	re='^tlsmail: resolve: cannot resolve no-such-host\.invalid: .*; '
	assert_grep "$re"'check the spelling of --host$' "$T/err"
fi

# --- the server refuses the credentials: its words, then what to check
tsrv_start "$TLS_SERVER
ehlo PIPELINING
ehlo STARTTLS
ehlo AUTH PLAIN LOGIN
auth alice s3cret"
WRONG=nope send --user alice --password-env WRONG
tsrv_wait
assert_rc 77
line "tlsmail: AUTH: server refused authentication: 535 5.7.8 Error:" \
	"authentication failed; check --user and the password"

# --- the sender refused: its words, then -f
tsrv_start "$TLS_SERVER
ehlo PIPELINING
ehlo STARTTLS
reply MAIL 553 5.7.1 <a@example.org>: Sender address rejected: not owned by user"
send
tsrv_wait
assert_rc 65
line "tlsmail: MAIL: server refused sender: 553 5.7.1 <a@example.org>:" \
	"Sender address rejected: not owned by user; check -f: many servers" \
	"take only the address of the account you log in as"

# --- a server that wants a login before MAIL (RFC 4954 section 6)
tsrv_start "$TLS_SERVER
ehlo PIPELINING
ehlo STARTTLS
reply MAIL 530 5.7.0 Authentication required"
send
tsrv_wait
assert_rc 65
line "tlsmail: MAIL: server refused sender: 530 5.7.0 Authentication" \
	"required; the server wants a login first: give --user and a" \
	"password source"

# --- the recipient refused: the enhanced status code (RFC 3463) says why
tsrv_start "$TLS_SERVER
ehlo PIPELINING
ehlo STARTTLS
reply RCPT 550 5.1.1 <b@example.org>: Recipient address rejected: User unknown"
send
tsrv_wait
assert_rc 65
line "tlsmail: RCPT: server refused recipient <b@example.org>: 550 5.1.1" \
	"<b@example.org>: Recipient address rejected: User unknown; nothing" \
	"was sent to any recipient; the mailbox does not exist: check the" \
	"spelling of the address"

# --- relaying denied to a client that did not log in
tsrv_start "$TLS_SERVER
ehlo PIPELINING
ehlo STARTTLS
reply RCPT 554 5.7.1 <b@example.org>: Relay access denied"
send
tsrv_wait
assert_rc 65
line "tlsmail: RCPT: server refused recipient <b@example.org>: 554 5.7.1" \
	"<b@example.org>: Relay access denied; nothing was sent to any" \
	"recipient; servers relay only for users who log in: give --user," \
	"or send through a server of the recipient's domain"

# --- the content refused at the end of DATA
tsrv_start "$TLS_SERVER
ehlo PIPELINING
ehlo STARTTLS
reply . 554 5.7.1 Message rejected as spam"
send
tsrv_wait
assert_rc 65
line "tlsmail: DATA: server refused the message: 554 5.7.1 Message" \
	"rejected as spam; nothing was delivered: the server's policy" \
	"refuses the content; ask its postmaster if the reason is unclear"

# --- over the SIZE the server announced (RFC 1870): refused before MAIL
tsrv_start "$TLS_SERVER
ehlo PIPELINING
ehlo STARTTLS
ehlo SIZE 10"
send
tsrv_wait
assert_rc 65
# (its size counts the Date, Message-ID and From header completion adds)
re='^tlsmail: MAIL: the message is [0-9]+ octets; the server takes at most '
re+='10; send a smaller message, or the files another way \(base64 makes '
re+='an attachment a third larger\)$'
assert_grep "$re" "$T/err"
[ "$(wc -l <"$T/err")" = 1 ] || fail "more than one line: $(cat "$T/err")"
assert_no_grep 'MAIL FROM' "$TSRV_LOG"
exit 0
