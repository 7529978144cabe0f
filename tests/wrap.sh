#!/bin/sh
# LOG_COMPILER for the unit test programs: runs them as they are, or under
# valgrind memcheck when VALGRIND=1 (tests/check.sh sets it for one pass).
# Check's fork mode would hide children from valgrind's leak summary, so
# the suites run in one process there.
if [ "${VALGRIND:-0}" = 1 ]; then
	CK_FORK=no
	export CK_FORK
	exec valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect "$@"
fi
exec "$@"
