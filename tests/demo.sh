#!/bin/sh
# The main job, end to end, on this machine: builds tlsmail, makes a
# throw-away CA, starts the project's test server on 127.0.0.1 as a
# STARTTLS submission server with AUTH, and sends a sample message through
# it with --report.  Everything it makes lives in a temporary directory
# that is removed at the end; the server is stopped by its PID.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sh tests/deps.sh || exit 1

build=$top/_build-demo
if [ ! -x "$build/src/tlsmail" ] || [ ! -x "$build/tests/tsrv" ]; then
	echo "building tlsmail ..."
	autoreconf -fi >/dev/null 2>&1 &&
	mkdir -p "$build" && cd "$build" &&
	../configure -q >/dev/null &&
	make -s -j"$(nproc)" >/dev/null &&
	make -s -C tests tsrv >/dev/null ||
		{ echo "build failed: run it by hand to see why" >&2; exit 1; }
	cd "$top" || exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/tlsmail-demo.XXXXXX") || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

bash tests/mkcerts.sh "$dir/certs" || exit 1
sed "s|@CERTS@|$dir/certs|g" tests/scenarios/starttls.scn >"$dir/scn"
"$build/tests/tsrv" -s "$dir/scn" -l "$dir/log" -P "$dir/port" \
	-m "$dir/msg" 2>"$dir/tsrv.err" &
pid=$!
i=0
while [ ! -s "$dir/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$dir/port") || exit 1
umask 077
printf 's3cret\n' >"$dir/password"

echo "== tlsmail --host localhost --port $port --cafile <test CA> --user alice ... --report"
printf 'Subject: hello from tlsmail\nTo: bob@example.net\n\nThis message crossed a verified TLS connection.\n' |
	"$build/src/tlsmail" --host localhost --port "$port" \
		--cafile "$dir/certs/ca.pem" --user alice \
		--password-file "$dir/password" -f alice@example.org \
		bob@example.net --report
rc=$?
wait "$pid" 2>/dev/null
pid=
echo "== exit status: $rc"
echo "== the server received:"
cat "$dir/msg" 2>/dev/null | tr -d '\r'
exit $rc
