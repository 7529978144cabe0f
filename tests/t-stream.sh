#!/bin/bash
# The message is streamed, never slurped: peak memory for a 40 MB message
# stays within a few MB of a 1 KB one, and the 40 MB arrive intact.
# (The figures for the closing note come from tests/bench.sh.)
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd /usr/bin/time
# The binary runs without $TLSMAIL_WRAPPER: valgrind would measure itself.
# In the sanitizer build, ASan's quarantine would keep every freed buffer.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
export ASAN_OPTIONS
certs_dir >/dev/null

# peak_kb FILE: sends FILE; PEAK is tlsmail's maximum resident set in KB
peak_kb() {
	tsrv_start "cert @CERTS@/good.pem
key @CERTS@/good.key
ehlo PIPELINING
ehlo STARTTLS
ehlo SIZE 100000000"
	/usr/bin/time -f '%M' -o "$T/rss" "$top_builddir/src/tlsmail" \
		--host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
		-f a@example.org b@example.org <"$1" 2>"$T/err"
	RC=$?
	tsrv_wait 60
	assert_rc 0
	PEAK=$(cat "$T/rss")
}

printf 'Subject: small\n\nhello\n' >"$T/small"
{ printf "$HDR_FULL"'Subject: big\n\n'; yes 'the quick brown fox jumps over the lazy dog 0123456789' |
	head -c 40000000; echo; } >"$T/big"
peak_kb "$T/small"
small=$PEAK
peak_kb "$T/big"
big=$PEAK
echo "peak RSS: small ${small} KB, 40 MB message ${big} KB"
[ $((big - small)) -lt 4096 ] ||
	fail "memory grows with the message: ${small} KB -> ${big} KB"
# intact: the server's copy is the input with CRLF line ends
sed 's/$/\r/' "$T/big" >"$T/want"
assert_same "$T/want" "$TSRV_MSG"
exit 0
