#!/bin/bash
# t-tsrv-selftest.sh: the test server and the test PKI, checked on their own
# before any tlsmail test relies on them.  A small python3 client (stdlib;
# its ssl module is OpenSSL, an independent TLS stack) speaks to tsrv and
# the log and message files are compared with what it sent, byte for byte.
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd python3 certtool
certs_dir >/dev/null
# The interpreter itself, not a wrapper script: it starts once per client.
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 broken"

# drive.py HOST PORT STEP...: one scripted SMTP client connection.
#   tls            start TLS now (implicit TLS, or after the 220 to STARTTLS)
#   tlsfail        start TLS, which must fail to verify the server
#   send:TEXT      send TEXT (Python escapes: \r \n \x00) in one write
#   sendfile:PATH  send the bytes of PATH
#   reply:CODE     read one whole reply; its last line must start with CODE
#   line:N         read one line; it must be N bytes long, CRLF included
#   lines:N        read N lines, whatever they say
#   silent:SECS    nothing may arrive within SECS
#   pause:SECS     sleep, so that the next send is a read of its own
#   eof            the server must close the connection
cat >"$T/drive.py" <<'EOF'
import socket, ssl, sys, time

ca = sys.argv[1]
host, port = sys.argv[2], int(sys.argv[3])
sock = socket.create_connection((host, port), timeout=10)
pending = b""

def fail(msg):
    sys.exit("drive.py: " + msg)

def more():
    global pending
    data = sock.recv(65536)
    if not data:
        fail("unexpected EOF")
    pending += data

def readline():
    global pending
    while b"\n" not in pending:
        more()
    line, _, pending = pending.partition(b"\n")
    return line + b"\n"

for step in sys.argv[4:]:
    op, _, arg = step.partition(":")
    if op == "tls":
        ctx = ssl.create_default_context(cafile=ca)
        sock = ctx.wrap_socket(sock, server_hostname="localhost")
    elif op == "tlsfail":
        ctx = ssl.create_default_context(cafile=ca)
        try:
            ctx.wrap_socket(sock, server_hostname="localhost")
            fail("the handshake succeeded")
        except ssl.SSLCertVerificationError:
            break
    elif op == "send":
        sock.sendall(arg.encode("latin-1").decode("unicode_escape")
                     .encode("latin-1"))
    elif op == "sendfile":
        with open(arg, "rb") as f:
            sock.sendall(f.read())
    elif op == "reply":
        line = readline()
        while line[3:4] == b"-":
            line = readline()
        if not line.startswith(arg.encode()):
            fail("expected %s, got %r" % (arg, line))
    elif op == "line":
        line = readline()
        if len(line) != int(arg):
            fail("expected a line of %s bytes, got %d" % (arg, len(line)))
    elif op == "lines":
        for _ in range(int(arg)):
            readline()
    elif op == "silent":
        sock.settimeout(float(arg))
        try:
            data = sock.recv(1)
            fail("expected silence, got %r" % data)
        except (socket.timeout, TimeoutError):
            pass
        sock.settimeout(10)
    elif op == "pause":
        time.sleep(float(arg))
    elif op == "eof":
        try:
            while sock.recv(65536):
                pass
        except ConnectionResetError:
            pass
    else:
        fail("unknown step " + step)
sock.close()
EOF

drive() {
	"$PY" "$T/drive.py" "$CERTS/ca.pem" "${HOST:-127.0.0.1}" \
		"$TSRV_PORT" "$@" || fail "client script failed"
}

# Compares the bytes of the records TAG PHASE with printf FORMAT.
expect_bytes() {
	tsrv_bytes "$1" "$2" >"$T/got"
	# shellcheck disable=SC2059 # $3 is the format
	printf "$3" >"$T/want"
	assert_same "$T/want" "$T/got"
}

TLS_SCN="cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo SIZE 1000
ehlo AUTH PLAIN LOGIN   # offered before TLS: the client must not use it
ehlo-tls PIPELINING
ehlo-tls SIZE 1000
ehlo-tls CHUNKING
ehlo-tls AUTH PLAIN LOGIN
auth alice s3cret
reply RCPT <bad@example.org> 550 5.1.1 no such user"

# --- mkcerts.sh: each certificate fails (or not) for its one reason.
verify() {
	certtool --verify --load-ca-certificate "$CERTS/ca.pem" \
		--infile "$CERTS/$1.pem" --verify-hostname localhost 2>&1 |
		grep -q "^Chain verification output: Verified" && echo ok ||
		echo bad
}
for c in good chain rsa1024; do
	[ "$(verify "$c")" = ok ] || fail "$c.pem does not verify"
done
for c in wronghost expired notyet selfsigned untrusted chain-missing \
	ip-in-cn wildcard; do
	[ "$(verify "$c")" = bad ] || fail "$c.pem verifies, it must not"
done
[ "$(grep -c 'BEGIN CERTIFICATE' "$CERTS/chain.pem")" = 2 ] ||
	fail "chain.pem must hold the leaf and the intermediate"
for c in ca good wronghost expired notyet selfsigned other-ca untrusted \
	inter chain chain-missing cnonly ip-in-cn wildcard rsa1024; do
	if [ ! -s "$CERTS/$c.pem" ] || [ ! -s "$CERTS/$c.key" ]; then
		fail "$c.pem or $c.key missing"
	fi
done

# --- STARTTLS, AUTH after TLS, a pipelined transaction with one recipient
# refused, dot-stuffed content.
tsrv_start "$TLS_SCN"
AUTH=$(printf '\0alice\0s3cret' | base64)
drive reply:220 'send:EHLO client.test\r\n' reply:250 \
	'send:STARTTLS\r\n' reply:220 tls \
	'send:EHLO client.test\r\n' reply:250 \
	"send:AUTH PLAIN $AUTH\\r\\n" reply:235 \
	'send:MAIL FROM:<a@example.org> SIZE=30\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<bad@example.org>\r\nDATA\r\n' \
	reply:250 reply:250 reply:550 reply:354 \
	'send:Subject: t\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n' \
	reply:250 reply:221
tsrv_wait
expect_bytes C plain 'EHLO client.test\r\nSTARTTLS\r\n'
assert_no_plain 'AUTH|MAIL|RCPT'
assert_grep '^TLS TLS1\.3 TLS_' "$TSRV_LOG"
assert_grep '^SNI localhost$' "$TSRV_LOG"
assert_grep '^AUTH ok alice PLAIN$' "$TSRV_LOG"
assert_group EHLO plain
assert_group STARTTLS plain
assert_group MAIL,RCPT,RCPT,DATA tls
assert_group .,QUIT tls
# The four replies of the group went out in one write.
assert_fgrep 'S tls 250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no such user\r\n354 ' \
	"$TSRV_LOG"
assert_grep '^CLOSE quit$' "$TSRV_LOG"
assert_grep '^EXIT 0$' "$TSRV_LOG"
printf 'Subject: t\r\n\r\n.leading dot\r\n' >"$T/want"
assert_same "$T/want" "$TSRV_MSG"
assert_grep "^MSG 1 $(wc -c <"$T/want")\$" "$TSRV_LOG"

# --- The assertions of lib.sh fail when they must, on this very log.
must_fail() {
	if ("$@") >/dev/null 2>&1; then
		fail "lib.sh: '$*' should have failed"
	fi
}
must_fail assert_no_plain STARTTLS
must_fail assert_group EHLO,STARTTLS
must_fail assert_group MAIL,RCPT,RCPT,DATA plain
must_fail assert_grep '^TLSFAIL' "$TSRV_LOG"
must_fail assert_no_grep '^TLS ' "$TSRV_LOG"
must_fail assert_fgrep 'AUTH ok bob' "$TSRV_LOG"
printf 'Subject: t\r\n\r\nleading dot\r\n' >"$T/other"
must_fail assert_same "$T/other" "$TSRV_MSG"
# A command split over two reads is still seen by assert_no_plain.
printf 'C plain MA\nC plain IL FROM:<a@b>\\r\\n\n' >"$T/split.log"
TSRV_LOG=$T/split.log must_fail assert_no_plain 'MAIL FROM'

# --- Implicit TLS (RFC 8314), AUTH LOGIN, and BDAT whose command and
# chunks arrive in one read with the envelope; over IPv6 when available.
if "$PY" -c 'import socket
socket.create_server(("::1", 0), family=socket.AF_INET6)' 2>/dev/null; then
	V6=-6 V6HOST=::1
else
	V6='' V6HOST=127.0.0.1
fi
tsrv_start "mode implicit
$TLS_SCN" $V6
U=$(printf alice | base64) P=$(printf s3cret | base64)
HOST=$V6HOST drive tls reply:220 'send:EHLO client.test\r\n' reply:250 \
	'send:AUTH LOGIN\r\n' reply:334 "send:$U\\r\\n" reply:334 \
	"send:$P\\r\\n" reply:235 \
	'send:MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 6\r\nline\r\nBDAT 3 LAST\r\n.\r\n' \
	reply:250 reply:250 reply:250 reply:250 'send:QUIT\r\n' reply:221
tsrv_wait
assert_grep "^CONNECT ${V6HOST//./\\.}$" "$TSRV_LOG"
assert_no_grep '^C plain' "$TSRV_LOG"
assert_grep '^AUTH ok alice LOGIN$' "$TSRV_LOG"
assert_group AUTH tls
assert_group SASL tls
assert_group MAIL,RCPT,BDAT,BDAT tls
printf 'line\r\n.\r\n' >"$T/want"
assert_same "$T/want" "$TSRV_MSG"
assert_grep "^MSG 1 $(wc -c <"$T/want")\$" "$TSRV_LOG"

# --- TLS session resumption across connections (RFC 8446 2.2).
tsrv_start "mode implicit
cert @CERTS@/good.pem
key @CERTS@/good.key" -n 2
"$PY" - "$CERTS/ca.pem" "$TSRV_PORT" <<'EOF' || fail "resumption failed"
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[1])
session = None
for i in range(2):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1",
        int(sys.argv[2])), timeout=10), server_hostname="localhost",
        session=session)
    s.recv(100)
    s.sendall(b"QUIT\r\n")
    s.recv(100)
    session = s.session
    s.close()
EOF
tsrv_wait
[ "$(grep -c '^RESUMED$' "$TSRV_LOG")" = 1 ] ||
	fail "the second connection should have resumed the first one's session"

# --- Plain-text faults, one connection each: -n 8.
tsrv_start "mode plain
ehlo PIPELINING
ehlo SIZE 100
reply RCPT <bad@example.org> 550 5.1.1 no such user
reply MAIL <later@example.org> 451 4.3.0 try later
fault close RSET
fault raw NOOP 250 bare\\n
fault long-line VRFY 2000
fault endless HELP
fault stall EXPN" -n 8
# 1. refused recipient: DATA gets 554 (RFC 2920 3.1); a 4xx MAIL; RSET
#    closes.
drive reply:220 'send:EHLO c\r\n' reply:250 \
	'send:MAIL FROM:<a@example.org>\r\nRCPT TO:<bad@example.org>\r\nDATA\r\n' \
	reply:250 reply:550 reply:554 \
	'send:RSET\r\n' eof
# 2. parameters: SIZE over the limit, an extension not offered; lines
#    that are too long or not CRLF-terminated.
drive reply:220 'send:EHLO c\r\n' reply:250 \
	'send:MAIL FROM:<a@example.org> SIZE=101\r\n' reply:552 \
	'send:MAIL FROM:<a@example.org> BODY=8BITMIME\r\n' reply:555 \
	'send:MAIL FROM:<later@example.org>\r\n' reply:451 \
	"send:NOOP $(printf 'x%.0s' $(seq 4100))\\r\\n" reply:500 \
	'send:NOOP\n' reply:500 'send:BDAT 1 LAST\r\n' reply:500 \
	'send:QUIT\r\n' reply:221
# 3-5. raw, long-line and endless answers.
drive reply:220 'send:NOOP\r\n' reply:'250 bare' 'send:QUIT\r\n' reply:221
drive reply:220 'send:VRFY x\r\n' line:2000 'send:QUIT\r\n' reply:221
drive reply:220 'send:HELP\r\n' lines:500
# 6. stall: the reply to NOOP arrives, none to EXPN, nor after.
drive reply:220 'send:NOOP\r\nEXPN x\r\n' reply:'250 bare' silent:0.5 \
	'send:QUIT\r\n' silent:0.3
# 7. the greeting is sent alone, before anything is read.
drive reply:220 'send:QUIT\r\n' reply:221
# 8. the client goes away.
drive reply:220
tsrv_wait
assert_group MAIL,RCPT,DATA plain
assert_fgrep 'S plain 250 2.1.0 Ok\r\n550 5.1.1 no such user\r\n554 5.5.1 ' \
	"$TSRV_LOG"
assert_grep '^S plain 500 5\.5\.2 Error: line too long\\r\\n$' "$TSRV_LOG"
assert_grep '^S plain 500 5\.5\.2 Error: bare LF' "$TSRV_LOG"
assert_grep '^S plain 250 bare\\n$' "$TSRV_LOG"
assert_grep "^S plain 250 x{1994}\\\\r\\\\n\$" "$TSRV_LOG"
assert_grep '^S plain (250-x{70}\\r\\n){64}$' "$TSRV_LOG"
assert_group NOOP,EXPN plain
[ "$(grep -c '^CLOSE fault$' "$TSRV_LOG")" = 2 ] ||
	fail "expected two CLOSE fault (RSET, HELP)"
[ "$(grep -c '^CLOSE eof$' "$TSRV_LOG")" = 2 ] ||
	fail "expected two CLOSE eof (stall, the silent client)"
assert_no_grep '^MSG' "$TSRV_LOG"
[ "$(grep -c '^CONNECT ' "$TSRV_LOG")" = 8 ] || fail "expected 8 connections"

# --- Protocol details, in plain text: -n 3.
tsrv_start "mode plain
ehlo PIPELINING
ehlo CHUNKING
ehlo AUTH PLAIN LOGIN
ehlo STARTTLS
auth alice s3cret
reply XYZZY 252 2.0.0 magic" -n 3
BADPW=$(printf '\0alice\0wrong' | base64)
# 1. AUTH (RFC 4954): its sequence, a cancel, undecodable and wrong
#    responses, then success; STARTTLS offered but not available here.
drive reply:220 'send:AUTH PLAIN\r\n' reply:503 'send:EHLO c\r\n' reply:250 \
	'send:STARTTLS\r\n' reply:454 'send:AUTH CRAM-MD5\r\n' reply:504 \
	'send:AUTH PLAIN\r\n' reply:'334 ' 'send:*\r\n' reply:501 \
	'send:AUTH PLAIN !!!!\r\n' reply:501 \
	"send:AUTH PLAIN $BADPW\\r\\n" reply:535 \
	'send:AUTH PLAIN\r\n' reply:'334 ' "send:$AUTH\\r\\n" reply:235 \
	'send:AUTH PLAIN x\r\n' reply:503 'send:XYZZY\r\n' reply:252 \
	'send:QUIT\r\n' reply:221
# 2. Sequence errors; BDAT chunks without a recipient are read (never
#    taken for commands) and refused; DATA after BDAT.
drive reply:220 'send:MAIL FROM:<a@b>\r\n' reply:503 'send:EHLO c\r\n' \
	reply:250 'send:RCPT TO:<c@d>\r\n' reply:503 \
	'send:MAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\n' reply:250 reply:503 \
	'send:BDAT 4\r\nabcdBDAT 2 LAST\r\nef' reply:554 reply:554 \
	'send:MAIL FROM:a@b\r\n' reply:501 \
	'send:MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 1\r\nxDATA\r\nRSET\r\n' \
	reply:250 reply:250 reply:250 reply:503 reply:250 \
	'send:QUIT\r\n' reply:221
# 3. Dot-unstuffing (RFC 5321 4.5.2) at its edges, and an end of data
#    split over three reads.
drive reply:220 'send:HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n' \
	reply:250 reply:250 reply:250 reply:354 \
	'send:.\rX\r\n..\r\n.x\r\n\r\n.\r\n' reply:250 \
	'send:MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n' \
	reply:250 reply:250 reply:354 'send:abc\r\n.' pause:0.2 'send:\r' \
	pause:0.2 'send:\nQUIT\r\n' reply:250 reply:221
tsrv_wait
assert_grep '^AUTH cancel PLAIN$' "$TSRV_LOG"
[ "$(grep -c '^AUTH fail PLAIN$' "$TSRV_LOG")" = 2 ] ||
	fail "expected two AUTH fail (undecodable, wrong password)"
assert_grep '^AUTH ok alice PLAIN$' "$TSRV_LOG"
assert_group SASL plain
assert_group BDAT,BDAT plain
assert_group MAIL,RCPT,BDAT,DATA,RSET plain
assert_group .,QUIT plain
printf '\rX\r\n.\r\nx\r\n\r\n' >"$T/want"
assert_same "$T/want" "$(tsrv_msg 1)"
printf 'abc\r\n' >"$T/want"
assert_same "$T/want" "$(tsrv_msg 2)"
[ "$(grep -c '^MSG ' "$TSRV_LOG")" = 2 ] || fail "expected two messages"

# --- A large message, streamed through many reads: lines of every length
# up to 1000, many with a leading dot, some with bare CRs.
"$PY" - "$T/big" <<'EOF'
import random, sys
rnd = random.Random(5321)
lines = [bytes(rnd.choice(b"ab. \r") for _ in range(rnd.randrange(1000)))
         for _ in range(4000)]
with open(sys.argv[1], "wb") as f:
    f.write(b"".join(l + b"\r\n" for l in lines))
with open(sys.argv[1] + ".stuffed", "wb") as f:
    f.write(b"".join((b"." if l[:1] == b"." else b"") + l + b"\r\n"
                     for l in lines) + b".\r\n")
EOF
tsrv_start "mode plain"
drive reply:220 'send:HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n' \
	reply:250 reply:250 reply:250 reply:354 "sendfile:$T/big.stuffed" \
	reply:250 'send:QUIT\r\n' reply:221
tsrv_wait
assert_same "$T/big" "$TSRV_MSG"
assert_grep "^MSG 1 $(wc -c <"$T/big")\$" "$TSRV_LOG"
[ "$(grep -c '^C plain' "$TSRV_LOG")" -gt 10 ] ||
	fail "the message should have taken many reads"

# --- A greeting that is one long line.
tsrv_start "mode plain
fault long-line GREETING 1000"
drive line:1000 'send:QUIT\r\n' reply:221
tsrv_wait
assert_grep '^S plain 220 x{994}\\r\\n$' "$TSRV_LOG"

# --- A line injected after the 220 to STARTTLS, in a write of its own.
tsrv_start "$TLS_SCN
fault starttls-inject-later 250 injected"
drive reply:220 'send:EHLO c\r\n' reply:250 'send:STARTTLS\r\n' \
	reply:220 reply:250
tsrv_wait
assert_grep '^S plain 220 2\.0\.0 Ready to start TLS\\r\\n$' "$TSRV_LOG"
assert_grep '^S plain 250 injected\\r\\n$' "$TSRV_LOG"
assert_grep '^TLSFAIL ' "$TSRV_LOG"

# --- STARTTLS injection: the injected line shares the 220's write; bytes
# pipelined after STARTTLS are dropped, never read as commands under TLS.
tsrv_start "$TLS_SCN
fault starttls-inject 250 injected"
drive reply:220 'send:EHLO c\r\n' reply:250 \
	'send:STARTTLS\r\nRSET\r\n' reply:220 reply:250 tls \
	'send:NOOP\r\n' reply:250 'send:QUIT\r\n' reply:221
tsrv_wait
assert_fgrep 'S plain 220 2.0.0 Ready to start TLS\r\n250 injected\r\n' \
	"$TSRV_LOG"
assert_grep '^DISCARD plain RSET\\r\\n$' "$TSRV_LOG"
assert_group STARTTLS plain
assert_no_grep '^G plain STARTTLS,RSET' "$TSRV_LOG"
assert_group NOOP tls

# --- Messages: several over one connection, close-before-final keeps
# the complete message but never answers.
tsrv_start "mode plain
ehlo PIPELINING
ehlo CHUNKING
fault close-before-final" -n 1
drive reply:220 'send:EHLO c\r\n' reply:250 \
	'send:MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 2 LAST\r\nhi' \
	reply:250 reply:250 eof
tsrv_wait
assert_grep '^MSG 1 2$' "$TSRV_LOG"
assert_grep '^CLOSE fault$' "$TSRV_LOG"
printf hi >"$T/want"
assert_same "$T/want" "$TSRV_MSG"

tsrv_start "mode plain
ehlo PIPELINING
fault close-mid-data" -n 2
drive reply:220 'send:HELO c\r\n' reply:250 \
	'send:MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n' reply:250 \
	reply:250 reply:354 'send:partial' eof
drive reply:220 'send:DATA\r\n' reply:503 'send:QUIT\r\n' reply:221
tsrv_wait
assert_no_grep '^MSG' "$TSRV_LOG"
if [ -e "$TSRV_MSG" ] || [ -e "$TSRV_MSG.part" ]; then
	fail "an incomplete message left a file"
fi

tsrv_start "mode plain" -n 3
for i in 1 2 3; do
	drive reply:220 'send:HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n' \
		reply:250 reply:250 reply:250 reply:354 \
		"send:message $i\\r\\n.\\r\\nQUIT\\r\\n" reply:"250 2.0.0 Ok: queued as TSRV$i" \
		reply:221
done
tsrv_wait
for i in 1 2 3; do
	printf 'message %s\r\n' "$i" >"$T/want"
	assert_same "$T/want" "$(tsrv_msg $i)"
done

# --- GnuTLS as the client: the certificate chain with its intermediate,
# and a rejected certificate shows as TLSFAIL with the client's alert.
if command -v gnutls-cli >/dev/null 2>&1; then
	tsrv_start "cert @CERTS@/chain.pem
key @CERTS@/chain.key
ehlo STARTTLS"
	printf 'NOOP\r\nQUIT\r\n' | timeout 20 gnutls-cli \
		--starttls-proto=smtp --x509cafile "$CERTS/ca.pem" \
		-p "$TSRV_PORT" localhost >"$T/cli.out" 2>&1 ||
		fail "gnutls-cli failed: $(tail -5 "$T/cli.out")"
	tsrv_wait
	assert_grep '^TLS TLS1\.3 ' "$TSRV_LOG"
	assert_grep '^G tls NOOP' "$TSRV_LOG"

	tsrv_start "cert @CERTS@/wronghost.pem
key @CERTS@/wronghost.key
ehlo STARTTLS"
	printf 'QUIT\r\n' | timeout 20 gnutls-cli \
		--starttls-proto=smtp --x509cafile "$CERTS/ca.pem" \
		-p "$TSRV_PORT" localhost >"$T/cli.out" 2>&1 &&
		fail "gnutls-cli accepted wronghost.pem"
	tsrv_wait
	assert_grep '^TLSFAIL ' "$TSRV_LOG"
	assert_grep '^CLOSE error ' "$TSRV_LOG"
fi

# --- A client that rejects the certificate says so with an alert (under
# TLS 1.2: an OpenSSL client's TLS 1.3 alert at that point is not
# encrypted, and GnuTLS then sees a record it cannot decrypt).
tsrv_start "mode implicit
priority NORMAL:-VERS-TLS1.3
cert @CERTS@/untrusted.pem
key @CERTS@/untrusted.key"
drive tlsfail
tsrv_wait
assert_grep '^TLSFAIL ' "$TSRV_LOG"
assert_grep '^ALERT ' "$TSRV_LOG"
assert_no_grep '^TLS ' "$TSRV_LOG"

# --- SIGTERM while waiting for a connection, and in a stalled one.
tsrv_start "mode plain"
tsrv_stop
assert_grep '^EXIT 0$' "$TSRV_LOG"
tsrv_start "mode plain
fault stall GREETING"
"$PY" "$T/drive.py" "$CERTS/ca.pem" 127.0.0.1 "$TSRV_PORT" silent:5 \
	>/dev/null 2>&1 &
DRIVER=$!
for i in $(seq 100); do
	grep -q '^CONNECT' "$TSRV_LOG" && break
	sleep 0.05
done
tsrv_stop
wait "$DRIVER"
assert_grep '^CLOSE signal$' "$TSRV_LOG"

# --- The example scenarios load (certificates included).
for f in "$srcdir"/scenarios/*.scn; do
	tsrv_start "$(cat "$f")"
	TLS=
	grep -q '^mode implicit' "$f" && TLS=tls
	drive $TLS reply:220 'send:QUIT\r\n' reply:221
	tsrv_wait
done

# --- Bad scenarios are refused with the line that is wrong.
printf 'mode starttls\nreply MAIL nocode\n' >"$T/bad.scn"
"$builddir/tsrv" -s "$T/bad.scn" -l "$T/bad.log" -P "$T/bad.port" \
	2>"$T/bad.err"
[ $? = 2 ] || fail "a bad scenario was accepted"
assert_grep 'bad\.scn:2: reply VERB' "$T/bad.err"

# --- tsrv under valgrind: no error and no definite leak of its own (not
# for a sanitizer build, which valgrind cannot run).
if command -v valgrind >/dev/null 2>&1 &&
	! grep -qa __asan_init "$builddir/tsrv"; then
	TSRV_START_TIMEOUT=60 TSRV_WRAPPER="valgrind -q --leak-check=full
		--errors-for-leak-kinds=definite --error-exitcode=99" \
		tsrv_start "$TLS_SCN"
	drive reply:220 'send:EHLO c\r\n' reply:250 'send:STARTTLS\r\n' \
		reply:220 tls 'send:EHLO c\r\n' reply:250 \
		"send:AUTH PLAIN $AUTH\\r\\n" reply:235 \
		'send:MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n' \
		reply:250 reply:250 reply:354 'send:x\r\n.\r\nQUIT\r\n' \
		reply:250 reply:221
	tsrv_wait 60
fi
exit 0
