#!/bin/sh
# The whole test suite, from a fresh clone: installs what is missing,
# builds tlsmail three times and runs every test in each build:
#   plain      -O2, warnings as errors
#   sanitize   AddressSanitizer + UndefinedBehaviorSanitizer
#   valgrind   memcheck over every unit suite and every tlsmail run
# then "make fuzz" (libFuzzer, FUZZ_SECONDS each, default 60: one check
# per harness) and "make distcheck".  The last line counts individual checks:
# "N passed, N failed" (", N skipped" when any were).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sh tests/deps.sh || exit 1
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed" >&2; exit 1; }

jobs=$(nproc 2>/dev/null || echo 2)
# Only the sanitizer build reads these.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
passed=0 failed=0 skipped=0

# Adds up one build's results: Check's own counts for the unit suites,
# one result per integration script.
tally() {
	dir=$1
	for trs in "$dir"/tests/*.trs; do
		[ -f "$trs" ] || continue
		log=${trs%.trs}.log
		res=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
		counts=$(grep -Eo 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' \
			"$log" 2>/dev/null | tail -n 1)
		if [ -n "$counts" ]; then
			set -- $(echo "$counts" | tr -dc '0-9 ')
			p=$(($1 - $2 - $3)) f=$(($2 + $3))
			# a crash after the summary still fails the program
			[ "$res" != PASS ] && [ "$f" -eq 0 ] && f=1
		else
			p=0 f=0
			case $res in
			PASS) p=1 ;;
			SKIP) skipped=$((skipped + 1)) ;;
			*) f=1 ;;
			esac
		fi
		passed=$((passed + p)) failed=$((failed + f))
		[ "$f" -gt 0 ] && { echo "--- FAILED: $log"; tail -n 40 "$log"; }
	done
}

build() {
	name=$1; shift
	dir=_build-$name
	rm -rf "$dir" && mkdir "$dir" || exit 1
	echo "== $name build" >&2
	if ! (cd "$dir" && ../configure --enable-werror "$@" >configure.out 2>&1 &&
	    make -j"$jobs" >make.out 2>&1); then
		echo "--- $name: build failed"; tail -n 40 "$dir"/configure.out \
			"$dir"/make.out 2>/dev/null
		failed=$((failed + 1))
		return
	fi
	before=$failed
	(cd "$dir" && make -j"$jobs" check $MAKE_VARS >check.out 2>&1)
	status=$?
	tally "$dir"
	# a suite that could not even be built or run still fails
	if [ "$status" -ne 0 ] && [ "$failed" -eq "$before" ]; then
		echo "--- $name: make check failed"; tail -n 40 "$dir"/check.out
		failed=$((failed + 1))
	fi
}

MAKE_VARS=""
build plain CFLAGS="-O2 -g"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
build sanitize CFLAGS="-O1 -g $san" LDFLAGS="$san"
MAKE_VARS="VALGRIND=1"
build valgrind CFLAGS="-O0 -g"
MAKE_VARS=""

echo "== fuzz" >&2
(cd _build-plain && make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}" \
	>fuzz.out 2>&1)
status=$?
res=_build-plain/tests/fuzz-run/results
if [ "$status" -eq 77 ]; then
	skipped=$((skipped + 1))
elif [ -s "$res" ]; then
	passed=$((passed + $(grep -c '^PASS' "$res")))
	failed=$((failed + $(grep -c '^FAIL' "$res")))
	grep -q '^FAIL' "$res" && { echo "--- FAILED: make fuzz"; tail -n 40 \
		_build-plain/fuzz.out; }
	[ "$status" -ne 0 ] && ! grep -q '^FAIL' "$res" &&
		failed=$((failed + 1))
else
	failed=$((failed + 1))
	echo "--- FAILED: make fuzz"; tail -n 40 _build-plain/fuzz.out
fi

echo "== distcheck" >&2
if (cd _build-plain && make -j"$jobs" distcheck >distcheck.out 2>&1); then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "--- FAILED: make distcheck"; tail -n 40 _build-plain/distcheck.out
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
