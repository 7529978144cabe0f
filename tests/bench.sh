#!/bin/bash
# Benchmarks, not tests: numbers for the README and the release notes,
# reproducible by anyone with
#	sh tests/check.sh   (or any build), then
#	bash tests/bench.sh [BUILDDIR]
# 1. Round trips per send, measured through a proxy that delays each
#    direction by 50 ms (tests/delayproxy.py): (t_delayed - t_direct) /
#    100 ms, plus 1 for the TCP connect the proxy cannot delay; printed
#    next to tlsmail's own count (--report).
# 2. Peak resident memory for a 1 MB and a 100 MB message (GNU time).
set -u
build=${1:-_build-plain}
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "$top/$build/tests" 2>/dev/null && pwd) || {
	echo "no build in $build: run sh tests/check.sh first" >&2
	exit 1
}
srcdir=$top/tests
top_builddir=$builddir/..
. "$srcdir/lib.sh"
certs_dir >/dev/null
printf 's3cret\n' >"$T/pw"
chmod 600 "$T/pw"
printf 'Subject: bench\n\nhello\n' >"$T/small"

DELAY=50	# ms each way

# scenario MODE EXTRA-CAPS
scenario() {
	printf 'mode %s\ncert @CERTS@/good.pem\nkey @CERTS@/good.key\nehlo PIPELINING\n%sehlo AUTH PLAIN\nauth alice s3cret\n' \
		"$1" "$([ "$1" = starttls ] && echo 'ehlo STARTTLS\n')$2"
}

# timed_send MODE PORT: seconds (float) for one send
timed_send() {
	local mode=$1 port=$2 t0 t1
	t0=$(date +%s.%N)
	"$top_builddir/src/tlsmail" --host localhost --port "$port" \
		--tls="$mode" --cafile "$CERTS/ca.pem" --user alice \
		--password-file "$T/pw" -f a@example.org b@example.org \
		--report <"$T/small" 2>"$T/report" || fail "send failed: $(cat "$T/report")"
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

# measure MODE CAPS LABEL
measure() {
	local mode=$1 caps=$2 label=$3 best_d=99 best_p=99 i d p own
	for i in 1 2 3; do
		tsrv_start "$(printf "$(scenario "$mode" "$caps")")"
		d=$(timed_send "$mode" "$TSRV_PORT")
		tsrv_wait
		own=$(sed -n 's/^round trips: *//p' "$T/report")
		tsrv_start "$(printf "$(scenario "$mode" "$caps")")"
		python3 "$srcdir/delayproxy.py" "$DELAY" "$TSRV_PORT" "$T/proxyport" &
		ppid=$!
		while [ ! -s "$T/proxyport" ]; do sleep 0.05; done
		p=$(timed_send "$mode" "$(cat "$T/proxyport")")
		kill "$ppid"; wait "$ppid" 2>/dev/null; rm -f "$T/proxyport"
		tsrv_wait
		best_d=$(echo "if ($d < $best_d) $d else $best_d" | bc -l)
		best_p=$(echo "if ($p < $best_p) $p else $best_p" | bc -l)
	done
	rt=$(echo "($best_p - $best_d) / (2 * $DELAY / 1000) + 0.5" | bc -l)
	printf '%-34s %6.0f ms %6.0f ms  %d (+1 connect) = %d   own count %s\n' \
		"$label" "$(echo "$best_d * 1000" | bc -l)" \
		"$(echo "$best_p * 1000" | bc -l)" "${rt%.*}" \
		"$((${rt%.*} + 1))" "$own"
}

need_cmd bc python3 /usr/bin/time
echo "round trips, one message, AUTH PLAIN, TLS 1.3 (best of 3):"
printf '%-34s %9s %9s  %s\n' "" direct "+${DELAY}ms/way" "round trips"
measure starttls "" "STARTTLS + PIPELINING"
measure implicit "" "implicit TLS + PIPELINING"
measure starttls 'ehlo CHUNKING\n' "STARTTLS + PIPELINING + CHUNKING"
measure implicit 'ehlo CHUNKING\n' "implicit + PIPELINING + CHUNKING"

echo
echo "peak resident memory (GNU time, KB):"
for mb in 1 100; do
	{ printf "${HDR_FULL}Subject: %d MB\n\n" "$mb"
	  yes 'the quick brown fox jumps over the lazy dog 0123456789' |
		head -c $((mb * 1000000)); echo; } >"$T/msg"
	tsrv_start "$(printf "$(scenario starttls 'ehlo SIZE 200000000\n')")"
	/usr/bin/time -f '%M' -o "$T/rss" "$top_builddir/src/tlsmail" \
		--host localhost --port "$TSRV_PORT" --cafile "$CERTS/ca.pem" \
		--user alice --password-file "$T/pw" -f a@example.org \
		b@example.org <"$T/msg" || fail "send failed"
	tsrv_wait 120
	cmp -s <(sed 's/$/\r/' "$T/msg") "$TSRV_MSG" || fail "$mb MB: not intact"
	printf '  %3d MB message: %s KB\n' "$mb" "$(cat "$T/rss")"
done
