/*
 * fuzz: the harnesses' common ground.  Each fuzz_*.c defines
 * LLVMFuzzerTestOneInput; libFuzzer drives it under "make fuzz" (run.sh),
 * and replay.c drives it over the seed corpus and every input that once
 * crashed, in the ordinary test suite (t-fuzz-corpus.sh).  A broken
 * invariant is a crash: FUZZ_CHECK aborts with the condition's text.
 */
#ifndef TLSMAIL_FUZZ_H
#define TLSMAIL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n", \
			    __FILE__, __LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
