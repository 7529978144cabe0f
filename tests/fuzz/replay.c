/*
 * replay: runs a harness over files, without libFuzzer, so that the seed
 * corpus and every input that once crashed stay in the ordinary test
 * suite (under ASan+UBSan and Valgrind too).  Usage: fuzz_X_replay FILE...
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *p;

			cap = cap ? 2 * cap : 4096;
			if ((p = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++)
		if (replay_file(argv[i]) < 0)
			bad = 1;
	return bad;
}
