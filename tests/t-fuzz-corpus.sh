#!/bin/bash
# Every fuzz harness over its seed corpus (tests/fuzz/corpus/NAME) and over
# every input that once crashed it (tests/fuzz/regress/NAME), without
# libFuzzer: so the invariants the harnesses assert, and the fixes for
# what fuzzing found, are checked in every build, sanitizers and Valgrind
# included.  "make fuzz" is where new inputs are searched for.
. "${srcdir:-$(dirname "$0")}/lib.sh"

n=0
for name in reply addr msg conf dot sasl mime8; do
	bin=$builddir/fuzz_${name}_replay
	[ -x "$bin" ] || fail "$bin is not built"
	files=()
	for f in "$srcdir/fuzz/corpus/$name"/* \
		"$srcdir/fuzz/regress/$name"/*; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || fail "no corpus for $name"
	# shellcheck disable=SC2086 # the wrapper is a command line
	${TLSMAIL_WRAPPER:-} "$bin" "${files[@]}" >"$T/out" 2>&1 ||
		fail "fuzz_$name: $(head -c 2000 "$T/out")"
	n=$((n + ${#files[@]}))
done
echo "replayed $n inputs"
exit 0
