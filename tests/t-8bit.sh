#!/bin/bash
# 8-bit data, long lines and international addresses on the wire.  A
# server without 8BITMIME gets no BODY=8BITMIME and a quoted-printable
# body that decodes (python3's email package) to exactly the input text;
# a line of 1500 octets is converted, never folded or cut, whatever the
# server offers; multipart text parts are converted and attachments left
# byte for byte; what cannot be converted is refused with exit 65 before
# MAIL.  Domains go in A-labels unless the server offers SMTPUTF8, and a
# UTF-8 local part needs it.  DSN parameters go out when offered; asked
# for and not offered is exit 69, before MAIL.
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd python3
certs_dir >/dev/null

# start CAPABILITY...: a STARTTLS server offering these after TLS.
start() {
	local caps="" c
	for c; do
		caps="$caps
ehlo $c"
	done
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS$caps"
}

run() {
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" "$@" <"$T/in"
	tsrv_wait
}

# mail_line: the MAIL command as the server read it.
mail_line() {
	grep -ao 'MAIL FROM:[^\\]*' "$TSRV_LOG"
}

# check_parts MSG SPEC...: python3 parses MSG; each SPEC "N:FILE" says
# that the N-th leaf part (0 is the first) decodes to the bytes of FILE,
# with its LF line ends as CR LF; "N-:FILE" is a part of a multipart,
# whose last CR LF belongs to the delimiter (RFC 2046 5.1.1).  Every line
# of MSG is 7-bit and at most 998 octets.
check_parts() {
	python3 - "$@" <<'EOF' || fail "the message does not decode as sent"
import email, email.policy, sys
raw = open(sys.argv[1], 'rb').read()
for n, line in enumerate(raw.split(b'\r\n')):
    if len(line) > 998 or any(b > 127 for b in line):
        sys.exit("line %d: %d octets, 8-bit: %s" % (n, len(line),
                 any(b > 127 for b in line)))
msg = email.message_from_bytes(raw, policy=email.policy.compat32)
leaves = [p for p in msg.walk() if not p.is_multipart()]
for spec in sys.argv[2:]:
    i, path = spec.split(':', 1)
    want = open(path, 'rb').read().replace(b'\n', b'\r\n')
    if i.endswith('-'):
        i, want = i[:-1], want[:-2]
    got = leaves[int(i)].get_payload(decode=True)
    if got != want:
        sys.exit("part %s: %r... != %r..." % (i, got[:60], want[:60]))
EOF
}

long=$(head -c 1500 /dev/zero | tr '\0' 'x')

# 1. No 8BITMIME: UTF-8 text, a 1500-octet line, trailing white space and
#    '=' become quoted-printable; the text decodes to the input.
printf 'Grüße aus Köln = Cologne \n%s\nend\t\n' "$long" >"$T/body"
{ printf "$HDR_FULL"'Subject: s\n\n'; cat "$T/body"; } >"$T/in"
start SIZE
run -f a@example.org b@example.net --report
assert_rc 0
mail_line | grep -q BODY && fail "BODY= without 8BITMIME: $(mail_line)"
# --report says so, with the size SIZE= announced
re="^message: +$(stat -c %s "$TSRV_MSG") octets, 7bit \(8-bit parts "
re+='converted to quoted-printable\)$'
assert_grep "$re" "$T/err"
assert_grep '^MIME-Version: 1\.0.$' "$TSRV_MSG"
assert_grep '^Content-Type: text/plain; charset=utf-8.$' "$TSRV_MSG"
assert_grep '^Content-Transfer-Encoding: quoted-printable.$' "$TSRV_MSG"
assert_grep "SIZE=$(stat -c %s "$TSRV_MSG")" "$TSRV_LOG"
check_parts "$TSRV_MSG" "0:$T/body"

# 2. With 8BITMIME the long line is still converted: 8BITMIME lines are
#    998 octets too (RFC 6152 3).  The result is 7-bit: no BODY=.
start 8BITMIME
run -f a@example.org b@example.net
assert_rc 0
mail_line | grep -q BODY && fail "BODY= for a 7-bit result: $(mail_line)"
check_parts "$TSRV_MSG" "0:$T/body"
# ... and without the long line the 8-bit text goes as it is
printf "$HDR_FULL"'Subject: s\n\nGrüße\n' >"$T/in"
start 8BITMIME
run -f a@example.org b@example.net --report
assert_rc 0
assert_fgrep 'BODY=8BITMIME' "$TSRV_LOG"
assert_grep "^message: +$(stat -c %s "$TSRV_MSG") octets, 8BITMIME$" "$T/err"
sed 's/$/\r/' "$T/in" >"$T/want"
assert_same "$T/want" "$TSRV_MSG"

# 3. Multipart: the text parts are converted, the base64 attachment and
#    the 7-bit part arrive byte for byte, the boundary is a new one.
printf 'Grüße\n' >"$T/p0"
printf '<p>%s</p>\n' "$long" >"$T/p1"
printf 'plain ascii\n' >"$T/p2"
head -c 3000 /dev/urandom >"$T/p3"
base64 "$T/p3" >"$T/p3.b64"
{
	printf "$HDR_FULL"'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="zz"\n\npreamble\n--zz\n'
	printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
	cat "$T/p0"
	printf -- '--zz\nContent-Type: text/html; charset=us-ascii\n\n'
	cat "$T/p1"
	printf -- '--zz\nContent-Type: text/plain\n\n'
	cat "$T/p2"
	printf -- '--zz\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	cat "$T/p3.b64"
	printf -- '--zz--\n'
} >"$T/in"
start
run -f a@example.org b@example.net
assert_rc 0
assert_no_grep '^--zz' "$TSRV_MSG"
assert_grep '^Content-Type: multipart/mixed; boundary="=_' "$TSRV_MSG"
check_parts "$TSRV_MSG" "0-:$T/p0" "1-:$T/p1" "2-:$T/p2"
python3 - "$TSRV_MSG" "$T/p3" <<'EOF' || fail "the attachment changed"
import email, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read())
parts = [p for p in m.walk() if not p.is_multipart()]
sys.exit(parts[3].get_payload(decode=True) != open(sys.argv[2], 'rb').read())
EOF
sed 's/$/\r/' "$T/p3.b64" >"$T/want"
grep -aFq -f "$T/want" "$TSRV_MSG" || fail "base64 lines changed"

# 4. What cannot be converted: exit 65, the part named, nothing sent
#    after EHLO but QUIT.
refused() {
	start "${@:2}"
	run -f a@example.org b@example.net
	assert_rc 65
	assert_fgrep "$1" "$T/err"
	assert_no_grep 'MAIL FROM' "$TSRV_LOG"
	[ ! -e "$TSRV_MSG" ] || fail "a message was delivered"
}
printf "$HDR_FULL"'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: 8bit\n\n\001\377\376\n--b--\n' >"$T/in"
refused 'part 1 (application/octet-stream) has 8-bit bytes'
printf "$HDR_FULL"'Subject: Grüße\n\nascii\n' >"$T/in"
refused 'has 8-bit bytes in its header fields'
{ printf "$HDR_FULL"'Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n'
	printf '%s\n' "$long"; } >"$T/in"
refused 'the message (image/png) has a line over 998 octets' 8BITMIME

# 5. International addresses.  Without SMTPUTF8: A-labels.
printf "$HDR_FULL"'Subject: idn\n\nhi\n' >"$T/in"
start 8BITMIME
run -f a@münchen.example b@bücher.example
assert_rc 0
assert_fgrep 'MAIL FROM:<a@xn--mnchen-3ya.example>\r\n' "$TSRV_LOG"
assert_fgrep 'RCPT TO:<b@xn--bcher-kva.example>\r\n' "$TSRV_LOG"
# With SMTPUTF8: as given, and the parameter on MAIL (RFC 6531 3.4).
start 8BITMIME SMTPUTF8
run -f a@example.org jörg@bücher.example
assert_rc 0
assert_fgrep 'MAIL FROM:<a@example.org> SMTPUTF8\r\n' "$TSRV_LOG"
assert_fgrep 'RCPT TO:<j\xc3\xb6rg@b\xc3\xbccher.example>\r\n' "$TSRV_LOG"
# A UTF-8 local part without SMTPUTF8: exit 65 before MAIL.
start 8BITMIME
run -f a@example.org jörg@example.net
assert_rc 65
assert_fgrep 'SMTPUTF8' "$T/err"
assert_no_grep 'MAIL FROM' "$TSRV_LOG"
# An invalid U-label is refused too.
start 8BITMIME
run -f a@example.org 'b@i♥.example'
assert_rc 65
assert_fgrep 'not a valid internationalised domain name' "$T/err"

# 6. DSN (RFC 3461): RET and ENVID (xtext) on MAIL, NOTIFY on each RCPT.
start DSN
run -f a@example.org -N failure,delay -R hdrs -V 'job42+x=y' b@example.net \
	c@example.net
assert_rc 0
assert_fgrep 'MAIL FROM:<a@example.org> RET=HDRS ENVID=job42+2Bx+3Dy\r\n' \
	"$TSRV_LOG"
assert_fgrep 'RCPT TO:<b@example.net> NOTIFY=FAILURE,DELAY\r\n' "$TSRV_LOG"
assert_fgrep 'RCPT TO:<c@example.net> NOTIFY=FAILURE,DELAY\r\n' "$TSRV_LOG"
start DSN
run -f a@example.org -N never b@example.net
assert_rc 0
assert_fgrep 'MAIL FROM:<a@example.org>\r\n' "$TSRV_LOG"
assert_fgrep 'RCPT TO:<b@example.net> NOTIFY=NEVER\r\n' "$TSRV_LOG"
# Asked for, not offered: exit 69, nothing sent.
start 8BITMIME
run -f a@example.org -R full b@example.net
assert_rc 69
assert_fgrep 'does not offer DSN' "$T/err"
assert_no_grep 'MAIL FROM' "$TSRV_LOG"

# 7. sendmail -B7BIT: converted although the server offers 8BITMIME.
ln -s "$top_builddir/src/tlsmail" "$T/sendmail"
cat >"$T/rc" <<EOF
account default
host localhost
port PORT
tls_trust_file $CERTS/ca.pem
EOF
printf 'Grüße\n' >"$T/body"
{ printf "$HDR_FULL"'Subject: s\n\n'; cat "$T/body"; } >"$T/in"
start 8BITMIME
sed -i "s/PORT/$TSRV_PORT/" "$T/rc"
chmod 600 "$T/rc"
# shellcheck disable=SC2086 # the wrapper is a command line
timeout -k 5 60 ${TLSMAIL_WRAPPER:-} "$T/sendmail" -C "$T/rc" -B7BIT \
	-f a@example.org b@example.net <"$T/in" >"$T/out" 2>"$T/err"
RC=$?
tsrv_wait
assert_rc 0
mail_line | grep -q BODY && fail "BODY= with -B7BIT: $(mail_line)"
check_parts "$TSRV_MSG" "0:$T/body"
exit 0
