/* Growable byte buffer, always NUL-terminated. */
#ifndef WATS_UTIL_BUF_H
#define WATS_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/error.h"

typedef struct wats_buf {
	char *ptr;
	size_t len;
	size_t cap;
} wats_buf;

#define WATS_BUF_INIT { NULL, 0, 0 }

int wats__buf_grow(wats_buf *b, size_t extra);
int wats__buf_put(wats_buf *b, const void *data, size_t len);
int wats__buf_puts(wats_buf *b, const char *s);
int wats__buf_putc(wats_buf *b, char c);
int wats__buf_printf(wats_buf *b, const char *fmt, ...) WATS__PRINTF(2, 3);
int wats__buf_vprintf(wats_buf *b, const char *fmt, va_list ap);
void wats__buf_clear(wats_buf *b);
/** Hand the memory to the caller (free with free()/wats_free()); the buffer is reset. */
char *wats__buf_detach(wats_buf *b, size_t *len_out);
void wats__buf_dispose(wats_buf *b);

/**
 * Read a whole file. On success *out holds the bytes plus a NUL (free with free()).
 * Errors name the file and the OS reason. max_size 0 means no limit.
 */
int wats__read_file(char **out, size_t *len_out, const char *path, size_t max_size);

/** Write bytes to path atomically (temp file in the same folder, fsync, rename). */
int wats__write_file_atomic(const char *path, const void *data, size_t len);

#endif
