/* Helpers shared by the cmocka test programs. */
#ifndef WATS_TESTUTIL_H
#define WATS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wats/convert.h"

/** $WATS_FIXTURES/rel (the shared real files). Returns a static buffer. */
const char *tu_fixture(const char *rel);
/** $WATS_TEST_DATA/rel (the project's hand-written samples). Returns a static buffer. */
const char *tu_data(const char *rel);
/** Read a whole file; fails the test if it cannot. Free with free(). */
char *tu_read(const char *path, size_t *len);
/** Write a file; fails the test if it cannot. */
void tu_write(const char *path, const void *data, size_t len);
/** A fresh temporary directory (mkdtemp); remove with tu_rmtree(). Free the string with free(). */
char *tu_tmpdir(void);
/** rm -rf path. */
void tu_rmtree(const char *path);
/**
 * Run argv (argv[0] is a path) with stdin from /dev/null, capture stdout and stderr
 * (each NUL-terminated, free with free(); out pointers may be NULL). Returns the exit status,
 * or -1 when the program died from a signal.
 */
int tu_run(char *const argv[], char **out, char **err);
/** Path of the built `wats` CLI ($WATS_CLI). */
const char *tu_cli(void);
/** Convert the file at path with the csv converter and the mapping file map through reg (with
 * WATS_CONVERT_DERIVE_IDS when derive_ids, so outputs are reproducible), each report to cb:
 * wats_convert_file's result; *count (may be NULL) the reports delivered. */
int tu_convert_csv(size_t *count, wats_converters *reg, const char *path, const char *map,
		   int derive_ids, wats_report_cb cb, void *payload);

#endif
