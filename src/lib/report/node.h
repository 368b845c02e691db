/*
 * The document tree behind a report.
 *
 * A report is kept as the JSON it came from: objects keep their key order, numbers keep their
 * source text, null stays distinct from absent, unknown keys stay where they were. The typed API
 * (report.c, step.c, meas.c) reads and writes this tree; nothing is lost because nothing is
 * translated into a narrower struct. Nodes live in an arena owned by the report: freeing the
 * report frees them all at once.
 */
#ifndef WATS_REPORT_NODE_H
#define WATS_REPORT_NODE_H

#include <stdint.h>

#include "wats/report.h"
#include "report/keys_gen.h"

/* Node flags. */
#define WATS_NF_NUM_DOUBLE   0x02 /* number holds u.num (set from code), not source text */
#define WATS_NF_STATUS_SET   0x04 /* status was set explicitly: propagation must not change it */
#define WATS_NF_NO_PROPAGATE 0x08 /* a failure here does not fail the parent sequence */
#define WATS_NF_NUM_INT      0x10 /* with NUM_DOUBLE: print as an integer */

/* key_id: 0 for an array element, 1..WATS_K__COUNT for a known key, WATS_KEY_EXTERNAL for
 * any other key, whose text then sits in the 8 bytes just before the node. Known keys (nearly
 * all of them) thus cost nothing, and a node is 32 bytes. */
#define WATS_KEY_EXTERNAL 0xFFFFu

struct wats_node {
	struct wats_node *next;   /* next sibling */
	struct wats_node *parent;
	union {
		struct wats_node *first; /* object / array: first child */
		const char *str;         /* string bytes, or number source text (NUL-terminated) */
		double num;              /* number with WATS_NF_NUM_DOUBLE */
		int boolean;
	} u;
	uint32_t len;     /* string/number text length; child count for containers */
	uint8_t kind;     /* wats_node_kind */
	uint8_t flags;
	uint16_t key_id;  /* see above */
};

/** The member name of n, or NULL for an array element. */
static inline const char *wats__node_keystr(const wats_node *n)
{
	if (n->key_id == WATS_KEY_EXTERNAL)
		return ((const char *const *)(const void *)n)[-1];
	return n->key_id ? wats__key_names[n->key_id - 1] : NULL;
}

/* Nodes are carved from the front of a block (8-byte aligned), string bytes from the back
 * (unaligned), so text costs no padding. */
typedef struct wats_arena_block {
	struct wats_arena_block *next;
	size_t lo, hi; /* free space is [lo, hi) */
	size_t cap;    /* bytes of data (the header pads to 32 bytes anyway) */
	max_align_t data[];
} wats_arena_block;

/*
 * Blocks handed from the reports freed to the reports built next (node.c). The owner is the
 * converter registry: a station converting file after file frees each report before the next
 * is built, and a fresh 0.5-2 MiB block would come from the kernel again (glibc trims or unmaps
 * it at free) and fault on first touch, page by page. Reports may be freed on any thread, after
 * the owner is gone too: the cache is locked and counts its references.
 */
typedef struct wats_block_cache wats_block_cache;

typedef struct wats_arena {
	wats_arena_block *head;
	size_t total;     /* bytes obtained from malloc, for memory accounting */
	size_t next_cap;  /* size of the next block */
	wats_block_cache *cache; /* NULL: blocks come from malloc and go back to free */
} wats_arena;

/** A cache keeping at most max_bytes of blocks; NULL on OOM (then simply no cache). */
wats_block_cache *wats__block_cache_new(size_t max_bytes);
/** The owner is done with it: its blocks are freed now, those of reports still alive when they
 * are freed. NULL is a no-op. */
void wats__block_cache_close(wats_block_cache *c);
/** Bytes the cache holds now (tests and benchmarks). */
size_t wats__block_cache_bytes(wats_block_cache *c);
/** Let a fresh arena (no block yet) take its blocks from c and give them back; NULL: none. */
void wats__arena_use_cache(wats_arena *a, wats_block_cache *c);

#define WATS_APPEND_CACHE 8

struct wats_report {
	wats_arena arena;
	wats_node *doc;            /* the top-level object: &top once parsed or created */
	wats_node top;             /* embedded so any node can find its report (walk up, then
				    * container_of): steps and measurements need no report argument */
	int mode;                  /* wats_report_mode */
	/* Last child of recently appended-to containers: nodes keep no tail pointer (it would
	 * cost 8 bytes on every node), and builders append to a handful of containers in turn. */
	struct { wats_node *parent, *last; } tail[WATS_APPEND_CACHE];
	unsigned tail_clock;
	unsigned tail_mru;         /* slot hit last: checked first */
	unsigned tail_used[WATS_APPEND_CACHE];
};

void wats__arena_init(wats_arena *a, size_t first_block);
void wats__arena_dispose(wats_arena *a);
void *wats__arena_alloc_slow(wats_arena *a, size_t size);

/* The hot path of every node: a bump of the block's low mark. */
static inline void *wats__arena_alloc(wats_arena *a, size_t size)
{
	size = (size + 7) & ~(size_t)7;
	wats_arena_block *b = a->head;
	if (b && b->hi - b->lo >= size) {
		void *p = (char *)b->data + b->lo;
		b->lo += size;
		return p;
	}
	return wats__arena_alloc_slow(a, size);
}
char *wats__arena_strndup(wats_arena *a, const char *s, size_t len);
/** size bytes for text (unaligned, from the back of a block); NULL on OOM. */
char *wats__arena_bytes(wats_arena *a, size_t size);
/** Bytes actually in use (allocated minus free space in blocks). */
size_t wats__arena_used(const wats_arena *a);

/** Allocate a node of `kind` (no key, no parent). NULL with an error set on OOM. */
wats_node *wats__node_new(wats_report *r, wats_node_kind kind);
/** Allocate a node whose member name is `key` (len bytes): interned when known, else copied. */
wats_node *wats__node_new_keyed(wats_report *r, wats_node_kind kind, const char *key, size_t len);
/** Append child to a container. */
void wats__node_append(wats_report *r, wats_node *parent, wats_node *child);
/** Find a member by known key id (fast path), or NULL. */
wats_node *wats__obj_get(const wats_node *obj, int key_id);
/**
 * Get or create member key_id of obj, reset to `kind`. Keeps the position of an existing member.
 * NULL on OOM.
 */
wats_node *wats__obj_put(wats_report *r, wats_node *obj, int key_id, wats_node_kind kind);
/** Same as wats__obj_put for any key text (looked up, interned when known). */
wats_node *wats__obj_put_key(wats_report *r, wats_node *obj, const char *key, wats_node_kind kind);
/** Set a member to a string / number / int / bool; NULL value means JSON null. */
int wats__obj_set_str(wats_report *r, wats_node *obj, int key_id, const char *value);
int wats__obj_set_num(wats_report *r, wats_node *obj, int key_id, double value);
int wats__obj_set_int(wats_report *r, wats_node *obj, int key_id, int64_t value);
int wats__obj_set_bool(wats_report *r, wats_node *obj, int key_id, int value);
/** The string of member key_id, or NULL when absent or not a string. */
const char *wats__obj_str(const wats_node *obj, int key_id);
/** The number of member key_id (number, or a string holding a number): 0, else WATS_ENOTFOUND. */
int wats__obj_num(const wats_node *obj, int key_id, double *out);
/** Numeric value of a number node or numeric string node: 0 or -1. */
int wats__node_to_double(const wats_node *n, double *out);

/** value in decimal and a NUL into buf (at most 20 characters + NUL): the length. */
size_t wats__format_int(char buf[24], int64_t value);
/** Shortest text that reads back as the same double; integral values get ".0". */
int wats__format_double(char *buf, size_t size, double v);

#define WATS_KEY(id) (wats__key_names[id])

#endif
