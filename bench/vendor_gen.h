/* Larger vendor inputs for vendor_bench, generated from a fixture's structure (vendor_gen.c). */
#ifndef VENDOR_GEN_H
#define VENDOR_GEN_H

#include <stddef.h>

typedef struct vg_spec {
	const char *start; /* the body starts at the line of the nth occurrence of this */
	int nth;	   /* 0 or 1: the first */
	const char *end;   /* the body ends before the line of its last occurrence; NULL: at EOF */
	const char *key;   /* copy number + '-' inserted after every occurrence in the body; or NULL */
	int end_first;	   /* end at the first occurrence of end after the start instead */
} vg_spec;
/* (a marker starting with '\n' matches at a line start: the line after that '\n' is meant) */

/**
 * The fixture src[0..n) with its body repeated until the whole is about target bytes (malloc'ed,
 * NUL-terminated, length in *outlen); NULL when a marker is not found.
 */
char *vg_repeat(const char *src, size_t n, const vg_spec *g, size_t target, size_t *outlen);

/**
 * A Klippel summary and its folder written to dir as "DUT gen.txt" / "DUT gen/", every curve
 * file with its rows `times` over; the summary's path in out. Returns the bytes written, -1 on
 * failure.
 */
long vg_klippel(const char *summary, const char *dir, int times, char *out, size_t size);
/** Remove what vg_klippel wrote, and dir. */
void vg_klippel_remove(const char *dir);

/* The whole file (malloc'ed, NUL-terminated, length in *n), or NULL. */
char *vg_read_file(const char *path, size_t *n);

#endif
