#!/bin/sh
# run.sh: "make fuzz".  Builds every harness with clang and libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer over the library's own
# sources, then runs each for SECONDS (FUZZ_SECONDS, default 60) from the
# seed corpus in tests/fuzz/corpus/NAME.  Everything it makes is under
# tests/fuzz-run/ of the build tree: new inputs go to found/NAME there,
# never into the source tree; a crash leaves its input there as
# crash-NAME-*: copy it into tests/fuzz/regress/NAME/ so that
# t-fuzz-corpus.sh replays it for good.
#
#	run.sh TOP_SRCDIR TOP_BUILDDIR [SECONDS [NAME...]]
#
# FUZZ_CFLAGS and FUZZ_LIBS carry GnuTLS's and libidn2's flags (the make
# rule passes configure's).  One line per harness on stdout and in
# tests/fuzz-run/results: "PASS|FAIL NAME EXECUTIONS SECONDS".  Exit 0 when
# every harness ran its time without a crash, 1 otherwise, 77 when clang
# or libFuzzer is missing.
set -u
top_srcdir=$(cd "$1" && pwd) || exit 2
top_builddir=$(cd "$2" && pwd) || exit 2
secs=${3:-60}
[ $# -ge 3 ] && shift 3 || shift $#
names=${*:-reply addr msg conf dot sasl mime8}
clang=${CLANG:-clang}
fuzz_src=$top_srcdir/tests/fuzz
out=$top_builddir/tests/fuzz-run
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer -std=c11 -I$top_builddir
-I$top_srcdir/src -I$fuzz_src -DSYSCONFDIR=\"/etc\" ${FUZZ_CFLAGS:-}"

mkdir -p "$out/obj" "$out/found" || exit 2
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n)
{ return d && n ? 0 : 0; }' >"$out/probe.c" ||
	! $clang -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" \
		>/dev/null 2>&1; then
	echo "SKIP: clang with libFuzzer is missing (apt-get install clang" \
		"libclang-rt-14-dev)"
	exit 77
fi

# The library's sources, as src/Makefile.am lists them.
srcs=$(sed -n '/^libtlsmail_a_SOURCES/,/^$/p' "$top_srcdir/src/Makefile.am" |
	tr ' \t\\' '\n\n\n' | grep '\.c$')
objs=
for s in $srcs; do
	o=$out/obj/${s%.c}.o
	# shellcheck disable=SC2086 # the flags are lists
	$clang $cflags $san -fsanitize=fuzzer-no-link -c \
		"$top_srcdir/src/$s" -o "$o" || exit 2
	objs="$objs $o"
done
rm -f "$out/libfuzz.a"
# shellcheck disable=SC2086
ar cr "$out/libfuzz.a" $objs || exit 2

: >"$out/results"
failed=0
for n in $names; do
	bin=$out/fuzz_$n
	# shellcheck disable=SC2086
	if ! $clang $cflags $san -fsanitize=fuzzer "$fuzz_src/fuzz_$n.c" \
		"$out/libfuzz.a" ${FUZZ_LIBS:-} -o "$bin"; then
		echo "FAIL $n 0 0 (does not build)" | tee -a "$out/results"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$out/found/$n"
	log=$out/fuzz_$n.log
	"$bin" "$out/found/$n" "$fuzz_src/corpus/$n" \
		-max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
		-artifact_prefix="$out/crash-$n-" -print_final_stats=1 \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ]; then
		echo "PASS $n ${execs:-0} $secs" | tee -a "$out/results"
	else
		echo "FAIL $n ${execs:-0} $secs" | tee -a "$out/results"
		grep -E '^(==|SUMMARY|.*invariant broken|.*runtime error)' \
			"$log" | head -n 20
		ls "$out"/crash-"$n"-* 2>/dev/null
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
