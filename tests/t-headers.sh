#!/bin/bash
# Header completion on the wire: what the server receives when the message
# lacks Date, Message-ID and From (each added at the top of the header
# block, the rest byte for byte as given), when it has them (nothing
# added), with a full name that needs RFC 2047, with the configuration's
# set_from_header, domain and undisclosed_recipients; and -t over the
# whole RFC 5322 address-list syntax (groups, comments, quoted local
# parts, folded lines, encoded words), the Bcc field gone.
. "${srcdir:-$(dirname "$0")}/lib.sh"

certs_dir >/dev/null

start() {
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo SIZE 1000000
ehlo 8BITMIME"
}

send() {
	start
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" "$@" <"$T/in"
	tsrv_wait
	assert_rc 0
}

# head_is N LINE_ERE...: the first lines of the received message match.
head_is() {
	local i=1 re line
	for re; do
		line=$(sed -n "${i}p" "$TSRV_MSG")
		[[ $line =~ ^$re$'\r'$ ]] ||
			fail "line $i of the message: '$line', expected /$re/"
		i=$((i + 1))
	done
}

date_re='Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20[0-9][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [-+][0-9]{4}'
id_re='Message-ID: <[0-9A-Za-z]{24}@'

# 1. Nothing but a Subject: Date (now, as this host's clock says),
#    Message-ID (the sender's domain) and From (the envelope sender, the
#    full name encoded) are added at the top; the rest is the input.
printf 'Subject: cron job\nX-Mine: kept\n\nline 1\n\n.line 3\n' >"$T/in"
TZ=UTC0 send -f cron@example.org -F 'Jörg Müller' root@example.net
head_is "$date_re" "${id_re}example\\.org>" \
	'From: =\?UTF-8\?[BQ]\?[^? ]+\?= <cron@example\.org>'
name=$(sed -n '3s/^From: \(.*\) <.*/\1/p' "$TSRV_MSG")
need_cmd python3
[ "$(python3 -c 'import sys, email.header as h
print(str(h.make_header(h.decode_header(sys.argv[1]))))' "$name")" = \
	'Jörg Müller' ] || fail "the full name does not decode: $name"
sed 1,3d "$TSRV_MSG" >"$T/rest"
printf 'Subject: cron job\r\nX-Mine: kept\r\n\r\nline 1\r\n\r\n.line 3\r\n' \
	>"$T/want"
assert_same "$T/want" "$T/rest"
# the Date is now, in the zone TZ says
now=$(date -u +%s)
sent=$(date -u -d "$(sed -n '1s/^Date: //p' "$TSRV_MSG" | tr -d '\r')" +%s)
[ $((now - sent)) -ge 0 ] && [ $((now - sent)) -lt 120 ] ||
	fail "Date is $((now - sent)) s off"
assert_grep '^Date: .* \+0000.$' "$TSRV_MSG"
# SIZE counted the added fields
size=$(stat -c %s "$TSRV_MSG")
assert_grep "MAIL FROM:<cron@example.org> SIZE=$size" "$TSRV_LOG"
id1=$(sed -n 2p "$TSRV_MSG")

# a second message gets another Message-ID
send -f cron@example.org root@example.net
[ "$(sed -n 2p "$TSRV_MSG")" != "$id1" ] || fail "the same Message-ID twice"
head_is "$date_re" "${id_re}example\\.org>" 'From: cron@example\.org'

# 2. A complete header: nothing added, nothing moved.
printf 'From: Ann <ann@example.org>\nDate: Mon, 1 Jan 2024 10:00:00 +0100\nmessage-id: <x@y>\nSubject: s\n\nbody\n' >"$T/in"
send -f cron@example.org root@example.net
sed 's/$/\r/' "$T/in" >"$T/want"
assert_same "$T/want" "$TSRV_MSG"

# 3. With -t, a message without a header block gets one, ended by an
#    empty line (without -t it is the body of a composed message, which
#    t-compose.sh checks).
printf 'just text\nno header\n' >"$T/in"
send -t -f cron@example.org root@example.net
head_is "$date_re" "$id_re.*" 'From: cron@example\.org' '' 'just text' \
	'no header'

# 4. The configuration: set_from_header on replaces the message's From,
#    domain names the Message-ID, undisclosed_recipients adds To when
#    there is neither To nor Cc (Bcc only, and Bcc is removed).
start
cat >"$T/rc" <<EOF
defaults
tls_trust_file $CERTS/ca.pem
account default
host localhost
port $TSRV_PORT
from cron@example.org
domain mail.example.com
set_from_header on
undisclosed_recipients on
EOF
chmod 600 "$T/rc"
printf 'From: someone@else.example\nBcc: hidden@example.net\nSubject: u\n\nbody\n' >"$T/in"
tlsmail_run -C "$T/rc" -t <"$T/in"
tsrv_wait
assert_rc 0
head_is "$date_re" "${id_re}mail\\.example\\.com>" 'From: cron@example\.org' \
	'To: undisclosed-recipients:;' 'Subject: u' '' 'body'
assert_no_grep 'someone|hidden|Bcc' "$TSRV_MSG"
assert_fgrep 'RCPT TO:<hidden@example.net>' "$TSRV_LOG"

# 5. -t reads RFC 5322 address lists in full: a group, comments (nested),
#    a quoted local part holding '@' and ',', a folded field, an encoded
#    word in a display name, an empty group; duplicates sent once.
cat >"$T/in" <<'EOF'
To: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.net>, team: a@example.net,
 (the (nested) comment) "odd@,local"@example.net;, undisclosed:;
Cc: "Doe, Jane" <jane@example.net> (work),
	b@example.net
Bcc: Joerg <joerg@example.net>, c@example.net
Subject: list

body
EOF
send -f cron@example.org -t
rcpts=$(grep -ao 'RCPT TO:<[^>]*>' "$TSRV_LOG" | tr '\n' ' ')
[ "$rcpts" = 'RCPT TO:<joerg@example.net> RCPT TO:<a@example.net> RCPT TO:<"odd@,local"@example.net> RCPT TO:<jane@example.net> RCPT TO:<b@example.net> RCPT TO:<c@example.net> ' ] ||
	fail "recipients: $rcpts"
# the header fields arrive as written, folds and all, without Bcc
sed 1,3d "$TSRV_MSG" >"$T/rest"
grep -v '^Bcc' "$T/in" | sed 's/$/\r/' >"$T/want"
assert_same "$T/want" "$T/rest"
# 6. A leading mbox separator before a header block, as git format-patch
#    writes it, is dropped (as Postfix's and Exim's sendmail drop it),
#    from a file and, with -t, from a pipe; "From now on ..." before text
#    is text.
cat >"$T/patch" <<'EOF'
From 2f1c0ffee Mon Sep 17 00:00:00 2001
From: Ann <ann@example.org>
To: root@example.net
Date: Mon, 1 Jan 2024 10:00:00 +0100
Message-ID: <p@example.org>
Subject: [PATCH] fix

---
 a | 1 +
EOF
sed 1d "$T/patch" | sed 's/$/\r/' >"$T/want"
cp "$T/patch" "$T/in"
send -f ann@example.org root@example.net
assert_same "$T/want" "$TSRV_MSG"
start
cat "$T/patch" | tlsmail_run --host localhost --port "$TSRV_PORT" \
	--cafile "$CERTS/ca.pem" -f ann@example.org -t
tsrv_wait
assert_rc 0
assert_same "$T/want" "$TSRV_MSG"
assert_fgrep 'RCPT TO:<root@example.net>' "$TSRV_LOG"
printf 'From now on, backups run at 3am.\nThanks\n' >"$T/in"
send -f cron@example.org root@example.net
assert_grep '^From now on, backups run at 3am\..$' "$TSRV_MSG"
assert_grep '^Content-Type: text/plain; charset=us-ascii.$' "$TSRV_MSG"
exit 0
