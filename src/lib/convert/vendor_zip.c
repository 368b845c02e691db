/*
 * ZIP archives for the vendor formats that come zipped (XJTAG .xjlog): the central directory,
 * stored and deflated members (inflated by zlib). Written for untrusted input: every read is
 * bounds checked, output is limited, ZIP64 and encryption are refused.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "convert/vendor_util.h"

/* Raw deflate (RFC 1951, as ZIP stores it) through zlib, with the output limited to max
 * bytes: 0, -1 damaged data, -2 over the limit, -3 out of memory. */
static int inflate_raw(unsigned char **out, size_t *outlen, const unsigned char *in, size_t inlen,
		       size_t max)
{
	if (inlen > UINT_MAX)
		return -2;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
		return -3;
	size_t cap = inlen * 4 + 1024;
	if (cap > max + 1)
		cap = max + 1;
	unsigned char *buf = malloc(cap);
	if (!buf) {
		inflateEnd(&z);
		return -3;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)inlen;
	int rc;
	for (;;) {
		z.next_out = buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out > UINT_MAX ? UINT_MAX : cap - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR))
			break;
		if (z.total_out > max)
			break;
		if (z.avail_out == 0) {
			/* Room ran out: grow, one byte past the limit so an overflow shows. */
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if (ncap == cap)
				break;
			unsigned char *nb = realloc(buf, ncap);
			if (!nb) {
				rc = Z_MEM_ERROR;
				break;
			}
			buf = nb;
			cap = ncap;
		} else if (rc == Z_BUF_ERROR) {
			break; /* no progress possible: the input ended early */
		}
	}
	size_t produced = z.total_out;
	inflateEnd(&z);
	if (rc == Z_STREAM_END && produced <= max) {
		*out = buf;
		*outlen = produced;
		return 0;
	}
	free(buf);
	if (rc == Z_MEM_ERROR)
		return -3;
	return produced > max ? -2 : -1;
}

/* ---- the archive --------------------------------------------------------------------------- */

static unsigned rd16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int wats__vu_is_zip(const unsigned char *data, size_t len)
{
	return len >= 4 && !memcmp(data, "PK\3\4", 4);
}

int wats__vu_zip_read(const char **msg, unsigned char **out, size_t *outlen, const unsigned char *zip,
		      size_t len, const char *member, size_t max)
{
	*out = NULL;
	*outlen = 0;
	*msg = NULL;
	/* The end of central directory record: 22 bytes plus a comment of up to 65535. */
	size_t eocd = (size_t)-1;
	for (size_t i = len >= 22 ? len - 22 + 1 : 0; i-- > 0 && len - i <= 22 + 65535;)
		if (rd32(zip + i) == 0x06054b50u) {
			eocd = i;
			break;
		}
	if (eocd == (size_t)-1) {
		*msg = "not a complete ZIP archive (no end of central directory; truncated?)";
		return -1;
	}
	unsigned n = rd16(zip + eocd + 10);
	size_t cdoff = rd32(zip + eocd + 16), cdsize = rd32(zip + eocd + 12);
	if (cdoff == 0xFFFFFFFFu || n == 0xFFFF) {
		*msg = "ZIP64 archives are not supported";
		return -1;
	}
	if (cdoff > eocd || cdsize > eocd - cdoff) {
		*msg = "the ZIP central directory lies outside the file";
		return -1;
	}
	size_t p = cdoff, end = cdoff + cdsize, mlen = strlen(member);
	for (unsigned k = 0; k < n; k++) {
		if (end - p < 46 || rd32(zip + p) != 0x02014b50u) {
			*msg = "damaged ZIP central directory";
			return -1;
		}
		unsigned flags = rd16(zip + p + 8), method = rd16(zip + p + 10);
		size_t csize = rd32(zip + p + 20), usize = rd32(zip + p + 24);
		size_t nl = rd16(zip + p + 28), xl = rd16(zip + p + 30), cl = rd16(zip + p + 32);
		size_t loff = rd32(zip + p + 42);
		if (end - p - 46 < nl + xl + cl) {
			*msg = "damaged ZIP central directory";
			return -1;
		}
		const unsigned char *name = zip + p + 46;
		p += 46 + nl + xl + cl;
		if (nl != mlen || memcmp(name, member, mlen))
			continue;
		if (flags & 1) {
			*msg = "encrypted ZIP member";
			return -1;
		}
		if (loff > len || len - loff < 30 || rd32(zip + loff) != 0x04034b50u) {
			*msg = "damaged ZIP local header";
			return -1;
		}
		size_t data = loff + 30 + rd16(zip + loff + 26) + rd16(zip + loff + 28);
		if (data > len || len - data < csize) {
			*msg = "ZIP member data lies outside the file (truncated?)";
			return -1;
		}
		if (usize > max) {
			*msg = "ZIP member larger than the size limit";
			return -2;
		}
		if (method == 0) {
			if (csize != usize) {
				*msg = "damaged stored ZIP member";
				return -1;
			}
			*out = malloc(usize + 1);
			if (!*out)
				return -3;
			memcpy(*out, zip + data, usize);
			*outlen = usize;
			return 1;
		}
		if (method != 8) {
			*msg = "ZIP member compressed with a method other than deflate";
			return -1;
		}
		int rc = inflate_raw(out, outlen, zip + data, csize, usize ? usize : max);
		if (rc == -1)
			*msg = "damaged deflate data in the ZIP member";
		else if (rc == -2)
			*msg = "ZIP member inflates beyond its declared size";
		if (rc < 0)
			return rc;
		if (*outlen != usize) {
			free(*out);
			*out = NULL;
			*msg = "ZIP member inflates to another size than declared";
			return -1;
		}
		return 1;
	}
	return 0;
}
