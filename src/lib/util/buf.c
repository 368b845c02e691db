#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int wats__buf_grow(wats_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need < b->len)
		return wats__error_oom();
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->ptr, cap);
	if (!p)
		return wats__error_oom();
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int wats__buf_put(wats_buf *b, const void *data, size_t len)
{
	if (wats__buf_grow(b, len) < 0)
		return WATS_ENOMEM;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int wats__buf_puts(wats_buf *b, const char *s)
{
	return wats__buf_put(b, s, strlen(s));
}

int wats__buf_putc(wats_buf *b, char c)
{
	return wats__buf_put(b, &c, 1);
}

int wats__buf_vprintf(wats_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "bad format string");
	if (wats__buf_grow(b, (size_t)n) < 0)
		return WATS_ENOMEM;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int wats__buf_printf(wats_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = wats__buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void wats__buf_clear(wats_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *wats__buf_detach(wats_buf *b, size_t *len_out)
{
	if (!b->ptr && wats__buf_grow(b, 0) < 0)
		return NULL;
	char *p = b->ptr;
	if (len_out)
		*len_out = b->len;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void wats__buf_dispose(wats_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

int wats__read_file(char **out, size_t *len_out, const char *path, size_t max_size)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wats__error_at(errno == ENOENT ? WATS_ENOTFOUND : WATS_EIO, WATS_ERRCLASS_OS,
				      path, 0, 0, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;
		close(fd);
		return wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, path, 0, 0, "%s: %s", path,
				      e ? strerror(e) : "not a regular file");
	}
	if (max_size && (size_t)st.st_size > max_size) {
		close(fd);
		return wats__error_at(WATS_ELIMIT, WATS_ERRCLASS_OS, path, 0, 0,
				      "%s: file is %lld bytes, over the limit of %zu", path,
				      (long long)st.st_size, max_size);
	}
	wats_buf b = WATS_BUF_INIT;
	if (wats__buf_grow(&b, (size_t)st.st_size) < 0) {
		close(fd);
		return WATS_ENOMEM;
	}
	for (;;) {
		if (wats__buf_grow(&b, 65536) < 0) {
			close(fd);
			wats__buf_dispose(&b);
			return WATS_ENOMEM;
		}
		ssize_t n = read(fd, b.ptr + b.len, b.cap - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			wats__buf_dispose(&b);
			return wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, path, 0, 0,
					      "%s: read failed: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (max_size && b.len > max_size) {
			close(fd);
			wats__buf_dispose(&b);
			return wats__error_at(WATS_ELIMIT, WATS_ERRCLASS_OS, path, 0, 0,
					      "%s: file grew over the limit of %zu bytes", path, max_size);
		}
	}
	close(fd);
	b.ptr[b.len] = '\0';
	*out = wats__buf_detach(&b, len_out);
	return 0;
}

int wats__write_file_atomic(const char *path, const void *data, size_t len)
{
	wats_buf tmp = WATS_BUF_INIT;
	if (wats__buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return WATS_ENOMEM;
	int fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		wats__buf_dispose(&tmp);
		return wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, path, 0, 0,
				      "%s: cannot create: %s", path, strerror(e));
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			unlink(tmp.ptr);
			wats__buf_dispose(&tmp);
			return wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, path, 0, 0,
					      "%s: write failed: %s", path, strerror(e));
		}
		p += n;
		left -= (size_t)n;
	}
	int synced = fsync(fd) == 0;
	int e = errno;
	if (close(fd) < 0 && synced) {
		synced = 0;
		e = errno;
	}
	if (synced && rename(tmp.ptr, path) < 0) {
		synced = 0;
		e = errno;
	}
	if (!synced) {
		unlink(tmp.ptr);
		wats__buf_dispose(&tmp);
		return wats__error_at(WATS_EIO, WATS_ERRCLASS_OS, path, 0, 0,
				      "%s: cannot commit: %s", path, strerror(e));
	}
	wats__buf_dispose(&tmp);
	return 0;
}
