/*
 * ZIP archives for the vendor formats that come zipped (XJTAG .xjlog): the central directory,
 * stored and deflated (RFC 1951) members. Written for untrusted input: every read is bounds
 * checked, output is limited, ZIP64 and encryption are refused. No zlib in the build, so the
 * inflater is here (canonical Huffman codes decoded bit by bit: small, not fast).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/vendor_util.h"

typedef struct inflater {
	const unsigned char *in;
	size_t inlen, ipos;
	uint32_t bitbuf;
	int bitcnt;
	unsigned char *out;
	size_t outlen, outcap, max;
	int err; /* 1 data error, 2 limit, 3 out of memory */
} inflater;

typedef struct huff {
	short count[16];
	short sym[288];
} huff;

static int getbits(inflater *s, int need)
{
	uint32_t v = s->bitbuf;
	while (s->bitcnt < need) {
		if (s->ipos >= s->inlen) {
			s->err = 1;
			return -1;
		}
		v |= (uint32_t)s->in[s->ipos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	s->bitbuf = need < 32 ? v >> need : 0;
	s->bitcnt -= need;
	return (int)(v & ((1u << need) - 1u));
}

/* Canonical code from code lengths; <0 over-subscribed, else the number of unused codes. */
static int build(huff *h, const unsigned char *len, int n)
{
	short offs[16];
	memset(h->count, 0, sizeof(h->count));
	for (int i = 0; i < n; i++)
		h->count[len[i]]++;
	if (h->count[0] == n)
		return 0;
	int left = 1;
	for (int l = 1; l < 16; l++) {
		left <<= 1;
		left -= h->count[l];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (int l = 1; l < 15; l++)
		offs[l + 1] = (short)(offs[l] + h->count[l]);
	for (int i = 0; i < n; i++)
		if (len[i])
			h->sym[offs[len[i]]++] = (short)i;
	return left;
}

static int decode(inflater *s, const huff *h)
{
	int code = 0, first = 0, index = 0;
	for (int l = 1; l < 16; l++) {
		int b = getbits(s, 1);
		if (b < 0)
			return -1;
		code |= b;
		int cnt = h->count[l];
		if (code - cnt < first)
			return h->sym[index + (code - first)];
		index += cnt;
		first += cnt;
		first <<= 1;
		code <<= 1;
	}
	s->err = 1;
	return -1;
}

static int put(inflater *s, unsigned char b)
{
	if (s->outlen == s->outcap) {
		if (s->outcap >= s->max) {
			s->err = 2;
			return -1;
		}
		size_t nc = s->outcap ? s->outcap * 2 : 65536;
		if (nc > s->max)
			nc = s->max;
		unsigned char *no = realloc(s->out, nc);
		if (!no) {
			s->err = 3;
			return -1;
		}
		s->out = no;
		s->outcap = nc;
	}
	s->out[s->outlen++] = b;
	return 0;
}

static const short len_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
				    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const short len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				     2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const unsigned short dist_base[30] = { 1,    2,    3,    4,    5,    7,     9,     13,
					      17,   25,   33,   49,   65,   97,    129,   193,
					      257,  385,  513,  769,  1025, 1537,  2049,  3073,
					      4097, 6145, 8193, 12289, 16385, 24577 };
static const short dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
				      6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

static int codes(inflater *s, const huff *lit, const huff *dist)
{
	for (;;) {
		int sym = decode(s, lit);
		if (sym < 0)
			return -1;
		if (sym < 256) {
			if (put(s, (unsigned char)sym) < 0)
				return -1;
			continue;
		}
		if (sym == 256)
			return 0;
		sym -= 257;
		if (sym >= 29) {
			s->err = 1;
			return -1;
		}
		int e = getbits(s, len_extra[sym]);
		if (e < 0)
			return -1;
		int len = len_base[sym] + e;
		int ds = decode(s, dist);
		if (ds < 0 || ds >= 30) {
			s->err = 1;
			return -1;
		}
		e = getbits(s, dist_extra[ds]);
		if (e < 0)
			return -1;
		size_t d = (size_t)dist_base[ds] + (size_t)e;
		if (d > s->outlen) {
			s->err = 1;
			return -1;
		}
		while (len--)
			if (put(s, s->out[s->outlen - d]) < 0)
				return -1;
	}
}

static int block_stored(inflater *s)
{
	s->bitbuf = 0;
	s->bitcnt = 0;
	if (s->inlen - s->ipos < 4) {
		s->err = 1;
		return -1;
	}
	const unsigned char *p = s->in + s->ipos;
	unsigned len = p[0] | (unsigned)p[1] << 8, nlen = p[2] | (unsigned)p[3] << 8;
	s->ipos += 4;
	if ((len ^ 0xFFFFu) != nlen || s->inlen - s->ipos < len) {
		s->err = 1;
		return -1;
	}
	for (unsigned i = 0; i < len; i++)
		if (put(s, s->in[s->ipos + i]) < 0)
			return -1;
	s->ipos += len;
	return 0;
}

static int block_fixed(inflater *s)
{
	huff lit, dist; /* built each time: cheap, and no shared state between threads */
	unsigned char l[288];
	int i = 0;
	for (; i < 144; i++)
		l[i] = 8;
	for (; i < 256; i++)
		l[i] = 9;
	for (; i < 280; i++)
		l[i] = 7;
	for (; i < 288; i++)
		l[i] = 8;
	build(&lit, l, 288);
	memset(l, 5, 30);
	build(&dist, l, 30);
	return codes(s, &lit, &dist);
}

static int block_dynamic(inflater *s)
{
	static const unsigned char order[19] = { 16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
						 11, 4,  12, 3, 13, 2, 14, 1, 15 };
	unsigned char len[320];
	huff lencode, lit, dist;
	int nlit = getbits(s, 5), ndist = getbits(s, 5), ncode = getbits(s, 4);
	if (nlit < 0 || ndist < 0 || ncode < 0)
		return -1;
	nlit += 257, ndist += 1, ncode += 4;
	if (nlit > 286 || ndist > 30) {
		s->err = 1;
		return -1;
	}
	memset(len, 0, sizeof(len));
	for (int i = 0; i < ncode; i++) {
		int b = getbits(s, 3);
		if (b < 0)
			return -1;
		len[order[i]] = (unsigned char)b;
	}
	if (build(&lencode, len, 19) != 0) {
		s->err = 1;
		return -1;
	}
	int n = 0;
	while (n < nlit + ndist) {
		int sym = decode(s, &lencode);
		if (sym < 0)
			return -1;
		if (sym < 16) {
			len[n++] = (unsigned char)sym;
			continue;
		}
		int rep, val = 0, b;
		if (sym == 16) {
			if (!n) {
				s->err = 1;
				return -1;
			}
			val = len[n - 1];
			b = getbits(s, 2);
			rep = 3 + b;
		} else if (sym == 17) {
			b = getbits(s, 3);
			rep = 3 + b;
		} else {
			b = getbits(s, 7);
			rep = 11 + b;
		}
		if (b < 0 || n + rep > nlit + ndist) {
			s->err = 1;
			return -1;
		}
		while (rep--)
			len[n++] = (unsigned char)val;
	}
	if (!len[256]) {
		s->err = 1;
		return -1;
	}
	int e = build(&lit, len, nlit);
	if (e < 0 || (e > 0 && nlit - lit.count[0] != 1)) {
		s->err = 1;
		return -1;
	}
	e = build(&dist, len + nlit, ndist);
	if (e < 0 || (e > 0 && ndist - dist.count[0] != 1)) {
		s->err = 1;
		return -1;
	}
	return codes(s, &lit, &dist);
}

static int inflate_raw(unsigned char **out, size_t *outlen, const unsigned char *in, size_t inlen,
		       size_t max)
{
	inflater s;
	memset(&s, 0, sizeof(s));
	s.in = in, s.inlen = inlen, s.max = max;
	int last;
	do {
		last = getbits(&s, 1);
		int type = getbits(&s, 2);
		if (last < 0 || type < 0)
			break;
		int rc = type == 0 ? block_stored(&s) : type == 1 ? block_fixed(&s)
			: type == 2 ? block_dynamic(&s) : (s.err = 1, -1);
		if (rc < 0)
			break;
	} while (!last);
	if (s.err) {
		free(s.out);
		return s.err == 3 ? -3 : s.err == 2 ? -2 : -1;
	}
	*out = s.out;
	*outlen = s.outlen;
	return 0;
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
