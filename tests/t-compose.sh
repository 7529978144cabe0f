#!/bin/bash
# A message composed from options (-s, -F, --cc, --bcc, --reply-to,
# --header, --attach), sent through tsrv and parsed back as delivered by
# Python's email package (mimecheck.py): every header, the text part,
# every file name and every attachment byte for byte, at the sizes that
# matter to base64 (0, 1, 57 bytes) and at 50 MB, where peak memory must
# stay where a small send has it.  Then the refusals, each before
# anything is sent.
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd python3
certs_dir >/dev/null

SCENARIO="cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo 8BITMIME
ehlo SIZE 200000000"

# compose ARGS...: tlsmail with the test server's settings; stdin passed.
compose() {
	tlsmail_run --host localhost --port "$TSRV_PORT" \
		--cafile "$CERTS/ca.pem" -f alice@example.org "$@"
}

# check SPEC_JSON: the delivered message against the spec.
check() {
	printf '%s\n' "$1" >"$T/spec.json"
	python3 "$srcdir/mimecheck.py" "$TSRV_MSG" "$T/spec.json" >"$T/check" ||
		fail "mimecheck: $(cat "$T/check")"
}

# --- every option, attachments of 0, 1 and 57 bytes, non-ASCII names
mkdir "$T/files"
: >"$T/files/empty.txt"
printf 'x' >"$T/files/one.bin"
head -c 57 /dev/urandom >"$T/files/line57.dat"
printf '%%PDF-1.4 fake\n' >"$T/files/Résumé 2024.PDF"
printf 'a,b\n' >"$T/files/say \"hi\".csv"
printf 'Hello Bob,\n\nthe figures \xe2\x80\x94 as promised.\n.\nBye\n' \
	>"$T/body"

tsrv_start "$SCENARIO"
compose -F 'Alice Müller' -s 'Quartalsbericht für Q3 — final' \
	--cc carol@example.net -b dave@example.net --bcc erin@example.net \
	--reply-to replies@example.org --header 'X-Ticket: 4711' \
	--header 'In-Reply-To: <abc@example.org>' \
	--attach "$T/files/empty.txt" --attach "$T/files/one.bin" \
	--attach "$T/files/line57.dat" --attach "$T/files/Résumé 2024.PDF" \
	--attach "$T/files/say \"hi\".csv" bob@example.net <"$T/body"
tsrv_wait
assert_rc 0
[ -s "$T/err" ] && fail "stderr is not empty: $(cat "$T/err")"
# the envelope: To, Cc and both Bcc; the header: no Bcc anywhere
for r in bob carol dave erin; do
	assert_fgrep "RCPT TO:<$r@example.net>" "$TSRV_LOG"
done
check '{
 "headers": {"From": "Alice Müller <alice@example.org>",
	"To": "bob@example.net", "Cc": "carol@example.net",
	"Reply-To": "replies@example.org",
	"Subject": "Quartalsbericht für Q3 — final",
	"X-Ticket": "4711", "In-Reply-To": "<abc@example.org>",
	"MIME-Version": "1.0"},
 "raw": {"From": "=?UTF-8?Q?Alice_M=C3=BCller?= <alice@example.org>"},
 "absent": ["Bcc", "Resent-Bcc"],
 "absent_bytes": ["dave@", "erin@"],
 "text": {"content": "Hello Bob,\n\nthe figures \u2014 as promised.\n.\nBye\n",
	"charset": "utf-8", "cte": "quoted-printable"},
 "attachments": [
	{"filename": "empty.txt", "type": "text/plain",
	 "file": "'"$T"'/files/empty.txt"},
	{"filename": "one.bin", "type": "application/octet-stream",
	 "file": "'"$T"'/files/one.bin"},
	{"filename": "line57.dat", "type": "application/octet-stream",
	 "file": "'"$T"'/files/line57.dat"},
	{"filename": "Résumé 2024.PDF", "type": "application/pdf",
	 "file": "'"$T"'/files/Résumé 2024.PDF"},
	{"filename": "say \"hi\".csv", "type": "text/csv",
	 "file": "'"$T"'/files/say \"hi\".csv"}]
}'
# RFC 2231 on the wire for the non-ASCII name, RFC 2047 for the subject
assert_fgrep "filename*=utf-8''R%C3%A9sum%C3%A9%202024.PDF" "$TSRV_MSG"
assert_grep '^Subject: =\?UTF-8\?[BQ]\?' "$TSRV_MSG"

# --- the exact bytes of a small composed message (Date, Message-ID and
# the boundary are the only parts that change from run to run)
tsrv_start "$SCENARIO"
printf 'All good.\n' | compose -s 'nightly backup' \
	--attach "$T/files/one.bin" bob@example.net
tsrv_wait
assert_rc 0
date='[A-Z][a-z][a-z], [0-9][0-9] [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]\{8\}'
sed -e "s/^Date: $date [-+][0-9]\{4\}\r\$/Date: DATE\r/" \
	-e 's/^Message-ID: <[A-Za-z0-9]\{24\}@/Message-ID: <ID@/' \
	-e 's/=_[A-Za-z0-9]\{30\}/=_BOUNDARY/g' "$TSRV_MSG" >"$T/got"
printf '%s\r\n' 'Date: DATE' 'From: alice@example.org' 'To: bob@example.net' \
	'Subject: nightly backup' 'Message-ID: <ID@example.org>' \
	'MIME-Version: 1.0' 'Content-Type: multipart/mixed;' \
	' boundary="=_BOUNDARY"' '' '--=_BOUNDARY' \
	'Content-Type: text/plain; charset=us-ascii' \
	'Content-Transfer-Encoding: 7bit' '' 'All good.' '' '--=_BOUNDARY' \
	'Content-Type: application/octet-stream; name="one.bin"' \
	'Content-Disposition: attachment; filename="one.bin"' \
	'Content-Transfer-Encoding: base64' '' 'eA==' '' '--=_BOUNDARY--' \
	>"$T/want"
assert_same "$T/want" "$T/got"

# --- no attachment: one text/plain part; a long ASCII line is
# quoted-printable with soft breaks, and decodes to the same line
long=$(printf 'word%.0s ' $(seq 250))
tsrv_start "$SCENARIO"
printf 'short\n%s\n' "$long" | compose -s plain bob@example.net
tsrv_wait
assert_rc 0
check '{"headers": {"Subject": "plain"},
 "text": {"content": "short\n'"$long"'\n", "charset": "us-ascii",
	"cte": "quoted-printable"}}'

# --- without composing options stdin is the complete message, as it was
tsrv_start "$SCENARIO"
printf "$HDR_FULL"'Subject: as is\n\nuntouched\n' | compose bob@example.net
tsrv_wait
assert_rc 0
printf "$HDR_FULL_WIRE"'Subject: as is\r\n\r\nuntouched\r\n' >"$T/want"
assert_same "$T/want" "$TSRV_MSG"
# and the same from a regular file, which is read ahead and put back
printf "$HDR_FULL"'Subject: as is\n\nuntouched\n' >"$T/full"
tsrv_start "$SCENARIO"
compose bob@example.net <"$T/full"
tsrv_wait
assert_rc 0
assert_same "$T/want" "$TSRV_MSG"

# --- without composing options and without a header block (the first
# line is not a field), stdin is the body of a composed message: no
# Subject, UTF-8 declared and quoted-printable for 8-bit text.  Each input
# goes through a pipe and from a regular file: the look-ahead that decides
# is replayed in one case and put back in the other.
# headerless WANT_JSON: stdin ($T/hl) sent both ways, checked each time.
headerless() {
	local how
	for how in pipe file; do
		tsrv_start "$SCENARIO"
		if [ $how = pipe ]; then
			cat "$T/hl" | compose bob@example.net
		else
			compose bob@example.net <"$T/hl"
		fi
		tsrv_wait
		assert_rc 0
		check "$1"
	done
}
printf 'Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln,\nBob\n' >"$T/hl"
headerless '{"headers": {"From": "alice@example.org", "To": "bob@example.net",
	"MIME-Version": "1.0"},
 "absent": ["Subject"],
 "text": {"content": "Grüße aus Köln,\nBob\n", "charset": "utf-8",
	"cte": "quoted-printable"}}'
# "Dear Bob:" has a space before its colon: text, not a field
printf 'Dear Bob:\nSubject: this line is body\n' >"$T/hl"
headerless '{"absent": ["Subject"],
 "text": {"content": "Dear Bob:\nSubject: this line is body\n",
	"charset": "us-ascii", "cte": "7bit"}}'
# an empty first line: an empty header block is no header block
printf '\nFrom: not me\n' >"$T/hl"
headerless '{"headers": {"From": "alice@example.org"},
 "text": {"content": "\nFrom: not me\n", "charset": "us-ascii"}}'
# a first line longer than the look-ahead (1000 bytes), with a UTF-8
# character cut by it
line=$(printf 'a%.0s' $(seq 999))
printf '%s\xc3\xa9 end\nnext\n' "$line" >"$T/hl"
headerless '{"text": {"content": "'"$line"'\u00e9 end\nnext\n",
	"charset": "utf-8", "cte": "quoted-printable"}}'
# nothing at all: an empty text part
: >"$T/hl"
headerless '{"absent": ["Subject"], "text": {"content": "",
	"charset": "us-ascii", "cte": "7bit"}}'

# --- refusals, all before anything is sent: the server sees no
# connection at all
refused() {
	local rc=$1 text=$2
	shift 2
	tsrv_start "$SCENARIO"
	compose "$@" bob@example.net <"$T/body"
	tsrv_stop
	assert_rc "$rc"
	assert_fgrep "$text" "$T/err"
	assert_no_grep '^CONNECT' "$TSRV_LOG"
}
refused 66 "cannot attach $T/files/missing.pdf: No such file or directory" \
	-s x --attach "$T/files/missing.pdf"
refused 66 "cannot attach $T/files: not a regular file" \
	--attach "$T/files"
refused 64 'a line break' --header "$(printf 'X-A: 1\r\nBcc: evil@example.org')"
refused 64 'is not a field name' --header 'Bad Name: x'
refused 64 '--header cannot set Subject; use -s' --header 'Subject: x'
refused 64 '-t reads a complete message' -t -s x
refused 64 'check --cc' --cc 'bad address@example.org'
printf 'caf\xe9\n' >"$T/body"
refused 65 'the body is not UTF-8 text: byte \xe9 on line 1' -s latin1
# the same body without a header block and without options
refused 65 'the body is not UTF-8 text: byte \xe9 on line 1'

# --- 50 MB: streamed from disk, memory flat, every byte delivered.  The
# binary runs without $TLSMAIL_WRAPPER: valgrind would measure itself.
need_cmd /usr/bin/time
# peak ATTACHMENT: sends it; PEAK is tlsmail's maximum resident set in KB.
# GnuTLS's base64 encoder allocates its output for each block: in the
# AddressSanitizer build the freed blocks would sit in ASan's quarantine
# and count as resident, so the quarantine is off for this measurement.
peak() {
	local asan=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=0
	tsrv_start "$SCENARIO"
	printf 'see attached\n' | ASAN_OPTIONS=$asan \
		/usr/bin/time -f '%M' -o "$T/rss" \
		"$top_builddir/src/tlsmail" --host localhost \
		--port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
		-f alice@example.org -s big --attach "$1" bob@example.net \
		2>"$T/err"
	RC=$?
	tsrv_wait 120
	assert_rc 0
	PEAK=$(cat "$T/rss")
}
peak "$T/files/one.bin"
small=$PEAK
head -c 52428800 /dev/urandom >"$T/files/big.bin"
peak "$T/files/big.bin"
big=$PEAK
echo "peak RSS: 1-byte attachment ${small} KB, 50 MB attachment ${big} KB"
[ $((big - small)) -lt 4096 ] ||
	fail "memory grows with the attachment: ${small} KB -> ${big} KB"
check '{"attachments": [{"filename": "big.bin",
	"type": "application/octet-stream",
	"file": "'"$T"'/files/big.bin"}],
 "text": {"content": "see attached\n"}}'
exit 0
