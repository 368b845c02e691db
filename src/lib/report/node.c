/* The arena and the generic node operations (internal and public wats_node_* API). */
#include "report/node.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/jsonnum.h"
#include "util/error.h"
#include "util/utf8.h"

#define ARENA_MIN_BLOCK 4096
#define ARENA_MAX_BLOCK (2u << 20)
/* Blocks of 2 MiB are allocated 2 MiB-aligned, so that with transparent huge pages the kernel
 * backs each with one huge page: one fault instead of 512 on first touch, which was half the
 * time of building a large report. */
#define ARENA_HUGE (2u << 20)

/* With ASan, blocks waiting in a cache are poisoned: a report used after wats_report_free
 * still fails loudly although its memory was not given back to malloc. */
#if defined(__SANITIZE_ADDRESS__)
#define WATS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WATS_ASAN 1
#endif
#endif
#ifdef WATS_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Size classes of cached blocks: floor(log2(cap / ARENA_MIN_BLOCK)), the last one open-ended. */
#define CACHE_CLASSES 12

struct wats_block_cache {
	pthread_mutex_t lock;
	unsigned refs;  /* the owner until it closes the cache, and every arena using it */
	int open;       /* 0 once the owner closed it: blocks given back are freed */
	size_t bytes, max;
	wats_arena_block *bins[CACHE_CLASSES];
};

static unsigned cache_class(size_t cap)
{
	unsigned k = 0;
	for (cap /= ARENA_MIN_BLOCK; cap > 1 && k < CACHE_CLASSES - 1; cap >>= 1)
		k++;
	return k;
}

wats_block_cache *wats__block_cache_new(size_t max_bytes)
{
	wats_block_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL)) {
		free(c);
		return NULL;
	}
	c->refs = 1;
	c->open = 1;
	c->max = max_bytes;
	return c;
}

static void free_chain(wats_arena_block *b)
{
	while (b) {
		wats_arena_block *n = b->next;
		UNPOISON(b->data, b->cap);
		free(b);
		b = n;
	}
}

/* Drop a reference (the lock is held): the last one frees the cache once unlocked. */
static void cache_unref_unlock(wats_block_cache *c)
{
	int last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last) {
		pthread_mutex_destroy(&c->lock);
		free(c);
	}
}

void wats__block_cache_close(wats_block_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->open = 0;
	wats_arena_block *all = NULL;
	for (unsigned k = 0; k < CACHE_CLASSES; k++) {
		while (c->bins[k]) {
			wats_arena_block *b = c->bins[k];
			c->bins[k] = b->next;
			b->next = all;
			all = b;
		}
	}
	c->bytes = 0;
	cache_unref_unlock(c);
	free_chain(all);
}

size_t wats__block_cache_bytes(wats_block_cache *c)
{
	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	size_t n = c->bytes;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void wats__arena_use_cache(wats_arena *a, wats_block_cache *c)
{
	if (!c || a->head)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->open) {
		c->refs++;
		a->cache = c;
	}
	pthread_mutex_unlock(&c->lock);
}

/* The smallest class that can hold want, then any larger block (reports of one station look
 * alike, so the first block looked at nearly always fits). */
static wats_arena_block *cache_take(wats_block_cache *c, size_t want)
{
	wats_arena_block *got = NULL;
	pthread_mutex_lock(&c->lock);
	for (unsigned k = cache_class(want); k < CACHE_CLASSES && !got; k++) {
		for (wats_arena_block **pp = &c->bins[k]; *pp; pp = &(*pp)->next) {
			if ((*pp)->cap >= want) {
				got = *pp;
				*pp = got->next;
				c->bytes -= got->cap;
				break;
			}
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (got)
		UNPOISON(got->data, got->cap);
	return got;
}

/* Give a disposed arena's blocks to the cache (what does not fit is freed) and drop the
 * arena's reference. */
static void cache_put(wats_block_cache *c, wats_arena_block *b)
{
	wats_arena_block *drop = NULL;
	pthread_mutex_lock(&c->lock);
	while (b) {
		wats_arena_block *n = b->next;
		if (c->open && c->bytes + b->cap <= c->max) {
			unsigned k = cache_class(b->cap);
			b->next = c->bins[k];
			c->bins[k] = b;
			c->bytes += b->cap;
			POISON(b->data, b->cap);
		} else {
			b->next = drop;
			drop = b;
		}
		b = n;
	}
	cache_unref_unlock(c);
	free_chain(drop);
}

void wats__arena_init(wats_arena *a, size_t first_block)
{
	a->head = NULL;
	a->total = 0;
	a->next_cap = first_block < ARENA_MIN_BLOCK ? ARENA_MIN_BLOCK : first_block;
	a->cache = NULL;
}

void wats__arena_dispose(wats_arena *a)
{
	if (a->cache) {
		cache_put(a->cache, a->head);
		a->cache = NULL;
	} else {
		free_chain(a->head);
	}
	a->head = NULL;
	a->total = 0;
}

static wats_arena_block *arena_block(wats_arena *a, size_t size)
{
	size_t cap = a->next_cap;
	if (cap < size + 8)
		cap = size + 8;
	wats_arena_block *b = a->cache ? cache_take(a->cache, cap) : NULL;
	if (b) {
		cap = b->cap;
	} else if (cap + sizeof(*b) >= ARENA_HUGE) {
		size_t total = (cap + sizeof(*b) + ARENA_HUGE - 1) & ~(size_t)(ARENA_HUGE - 1);
		b = aligned_alloc(ARENA_HUGE, total);
		cap = total - sizeof(*b);
		if (b)
			madvise(b, total, MADV_HUGEPAGE);
	} else {
		b = malloc(sizeof(*b) + cap);
	}
	if (!b)
		return NULL;
	b->cap = cap;
	b->lo = 0;
	b->hi = cap;
	b->next = a->head;
	a->head = b;
	a->total += sizeof(*b) + cap;
	/* Grow geometrically so a big report costs few mallocs, but cap the step. */
	if (a->next_cap < ARENA_MAX_BLOCK)
		a->next_cap *= 2;
	return b;
}

void *wats__arena_alloc_slow(wats_arena *a, size_t size)
{
	wats_arena_block *b = arena_block(a, size);
	if (!b)
		return NULL;
	void *p = (char *)b->data + b->lo;
	b->lo += size;
	return p;
}

char *wats__arena_bytes(wats_arena *a, size_t size)
{
	wats_arena_block *b = a->head;
	if (!b || b->hi - b->lo < size) {
		b = arena_block(a, size);
		if (!b)
			return NULL;
	}
	b->hi -= size;
	return (char *)b->data + b->hi;
}

char *wats__arena_strndup(wats_arena *a, const char *s, size_t len)
{
	char *p = wats__arena_bytes(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

size_t wats__arena_used(const wats_arena *a)
{
	size_t used = a->total;
	for (const wats_arena_block *b = a->head; b; b = b->next)
		used -= b->hi - b->lo;
	return used;
}

wats_node *wats__node_new(wats_report *r, wats_node_kind kind)
{
	wats_node *n = wats__arena_alloc(&r->arena, sizeof(*n));
	if (!n) {
		wats__error_oom();
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = (uint8_t)kind;
	return n;
}

wats_node *wats__node_new_keyed(wats_report *r, wats_node_kind kind, const char *key, size_t len)
{
	int id = wats__key_lookup(key, len);
	if (id >= 0) {
		wats_node *n = wats__node_new(r, kind);
		if (n)
			n->key_id = (uint16_t)(id + 1);
		return n;
	}
	const char *copy = wats__arena_strndup(&r->arena, key, len);
	const char **slot = wats__arena_alloc(&r->arena, sizeof(const char *) + sizeof(wats_node));
	if (!copy || !slot) {
		wats__error_oom();
		return NULL;
	}
	*slot = copy;
	wats_node *n = (wats_node *)(slot + 1);
	memset(n, 0, sizeof(*n));
	n->kind = (uint8_t)kind;
	n->key_id = WATS_KEY_EXTERNAL;
	return n;
}

void wats__node_append(wats_report *r, wats_node *parent, wats_node *child)
{
	child->parent = parent;
	child->next = NULL;
	wats_node *last = NULL;
	unsigned slot = WATS_APPEND_CACHE, oldest = 0;
	if (r->tail[r->tail_mru].parent == parent) {
		slot = r->tail_mru;
		last = r->tail[slot].last;
	} else {
		for (unsigned i = 0; i < WATS_APPEND_CACHE; i++) {
			if (r->tail[i].parent == parent) {
				last = r->tail[i].last;
				slot = i;
				break;
			}
			if (r->tail_used[i] < r->tail_used[oldest])
				oldest = i;
		}
	}
	if (!last && parent->u.first) {
		last = parent->u.first;
		while (last->next)
			last = last->next;
	}
	if (last)
		last->next = child;
	else
		parent->u.first = child;
	parent->len++;
	/* Least recently used replacement: the long arrays a builder keeps appending to stay. */
	if (slot == WATS_APPEND_CACHE) {
		slot = oldest;
		r->tail[slot].parent = parent;
	}
	r->tail[slot].last = child;
	r->tail_used[slot] = ++r->tail_clock;
	r->tail_mru = slot;
}

/* Forget cached tails that may point at removed nodes. */
static void tail_forget(wats_report *r, const wats_node *parent)
{
	for (unsigned i = 0; i < WATS_APPEND_CACHE; i++)
		if (r->tail[i].parent == parent)
			r->tail[i].parent = NULL;
}

wats_node *wats__obj_get(const wats_node *obj, int key_id)
{
	if (!obj || obj->kind != WATS_NODE_OBJECT)
		return NULL;
	/* The last of duplicate keys wins, as in every mainstream JSON reader (and the server). */
	uint16_t want = (uint16_t)(key_id + 1);
	wats_node *found = NULL;
	for (wats_node *c = obj->u.first; c; c = c->next)
		if (c->key_id == want)
			found = c;
	return found;
}

static wats_node *obj_get_text(const wats_node *obj, const char *key)
{
	int id = wats__key_lookup(key, strlen(key));
	if (id >= 0)
		return wats__obj_get(obj, id);
	wats_node *found = NULL;
	for (wats_node *c = obj->u.first; c; c = c->next)
		if (c->key_id == WATS_KEY_EXTERNAL && !strcmp(wats__node_keystr(c), key))
			found = c;
	return found;
}

static void reset_value(wats_report *r, wats_node *n, wats_node_kind kind)
{
	if (n->kind == WATS_NODE_OBJECT || n->kind == WATS_NODE_ARRAY)
		tail_forget(r, n);
	n->kind = (uint8_t)kind;
	n->flags = 0;
	n->len = 0;
	memset(&n->u, 0, sizeof(n->u));
}

wats_node *wats__obj_put(wats_report *r, wats_node *obj, int key_id, wats_node_kind kind)
{
	wats_node *n = wats__obj_get(obj, key_id);
	if (n) {
		reset_value(r, n, kind);
		return n;
	}
	n = wats__node_new(r, kind);
	if (!n)
		return NULL;
	n->key_id = (uint16_t)(key_id + 1);
	wats__node_append(r, obj, n);
	return n;
}

wats_node *wats__obj_put_key(wats_report *r, wats_node *obj, const char *key, wats_node_kind kind)
{
	size_t len = strlen(key);
	int id = wats__key_lookup(key, len);
	if (id >= 0)
		return wats__obj_put(r, obj, id, kind);
	wats_node *n = obj_get_text(obj, key);
	if (n) {
		reset_value(r, n, kind);
		return n;
	}
	n = wats__node_new_keyed(r, kind, key, len);
	if (!n)
		return NULL;
	wats__node_append(r, obj, n);
	return n;
}

static int fill_string(wats_report *r, wats_node *n, const char *value, size_t len)
{
	if (!value) {
		n->kind = WATS_NODE_NULL;
		return 0;
	}
	char *s = wats__arena_strndup(&r->arena, value, len);
	if (!s)
		return wats__error_oom();
	n->u.str = s;
	n->len = (uint32_t)len;
	return 0;
}

int wats__obj_set_str(wats_report *r, wats_node *obj, int key_id, const char *value)
{
	size_t len = value ? strlen(value) : 0;
	if (value && !wats__utf8_valid(value, len))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "%s is not valid UTF-8 (convert the text before passing it)", WATS_KEY(key_id));
	wats_node *n = wats__obj_put(r, obj, key_id, WATS_NODE_STRING);
	if (!n)
		return wats_error_last()->code;
	return fill_string(r, n, value, len);
}

static void fill_double(wats_node *n, double v)
{
	n->kind = WATS_NODE_NUMBER;
	n->flags |= WATS_NF_NUM_DOUBLE;
	n->u.num = v;
}

/* NaN and infinities are not JSON numbers: WATS carries them as strings in float fields. */
static const char *nonfinite_text(double v)
{
	return isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

int wats__obj_set_num(wats_report *r, wats_node *obj, int key_id, double value)
{
	if (!isfinite(value))
		return wats__obj_set_str(r, obj, key_id, nonfinite_text(value));
	wats_node *n = wats__obj_put(r, obj, key_id, WATS_NODE_NUMBER);
	if (!n)
		return WATS_ENOMEM;
	fill_double(n, value);
	return 0;
}

size_t wats__format_int(char buf[24], int64_t value)
{
	/* Digits from the end: snprintf's format parsing cost more than the rest of a setter. */
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (value < 0)
		*--p = '-';
	size_t len = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return len;
}

int wats__obj_set_int(wats_report *r, wats_node *obj, int key_id, int64_t value)
{
	char buf[24];
	size_t len = wats__format_int(buf, value);
	wats_node *n = wats__obj_put(r, obj, key_id, WATS_NODE_NUMBER);
	if (!n)
		return WATS_ENOMEM;
	return fill_string(r, n, buf, len);
}

int wats__obj_set_bool(wats_report *r, wats_node *obj, int key_id, int value)
{
	wats_node *n = wats__obj_put(r, obj, key_id, WATS_NODE_BOOL);
	if (!n)
		return WATS_ENOMEM;
	n->u.boolean = value ? 1 : 0;
	return 0;
}

const char *wats__obj_str(const wats_node *obj, int key_id)
{
	wats_node *n = wats__obj_get(obj, key_id);
	return n && n->kind == WATS_NODE_STRING ? n->u.str : NULL;
}

int wats__node_to_double(const wats_node *n, double *out)
{
	if (!n)
		return -1;
	if (n->kind == WATS_NODE_NUMBER) {
		*out = (n->flags & WATS_NF_NUM_DOUBLE) ? n->u.num : strtod(n->u.str, NULL);
		return 0;
	}
	if (n->kind == WATS_NODE_STRING) {
		/* Float fields may hold text: "NaN", "Infinity", or a number written as a string. */
		char *end;
		const char *s = n->u.str;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return -1;
		double v = strtod(s, &end);
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end)
			return -1;
		*out = v;
		return 0;
	}
	return -1;
}

int wats__obj_num(const wats_node *obj, int key_id, double *out)
{
	return wats__node_to_double(wats__obj_get(obj, key_id), out) == 0 ? 0 : WATS_ENOTFOUND;
}

int wats__format_double(char *buf, size_t size, double v)
{
	int n = 0;
	/* The shortest of 15, 16 or 17 significant digits that reads back as the same double. */
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if ((size_t)n + 2 < size && !strpbrk(buf, ".eEn")) {
		buf[n++] = '.';
		buf[n++] = '0';
		buf[n] = '\0';
	}
	return n;
}

/* ---- public generic API -------------------------------------------------------------------- */

wats_node *wats_report_node(wats_report *report)
{
	return report ? report->doc : NULL;
}

wats_node_kind wats_node_kind_of(const wats_node *node)
{
	return node ? (wats_node_kind)node->kind : WATS_NODE_NULL;
}

const char *wats_node_key(const wats_node *node)
{
	return node ? wats__node_keystr(node) : NULL;
}

wats_node *wats_node_get(const wats_node *object, const char *key)
{
	if (!object || !key || object->kind != WATS_NODE_OBJECT)
		return NULL;
	return obj_get_text(object, key);
}

wats_node *wats_node_at(const wats_node *container, size_t index)
{
	if (!container || (container->kind != WATS_NODE_OBJECT && container->kind != WATS_NODE_ARRAY))
		return NULL;
	wats_node *c = container->u.first;
	while (c && index--)
		c = c->next;
	return c;
}

wats_node *wats_node_first(const wats_node *container)
{
	if (!container || (container->kind != WATS_NODE_OBJECT && container->kind != WATS_NODE_ARRAY))
		return NULL;
	return container->u.first;
}

wats_node *wats_node_next(const wats_node *node)
{
	return node ? node->next : NULL;
}

wats_node *wats_node_parent(const wats_node *node)
{
	return node ? node->parent : NULL;
}

size_t wats_node_count(const wats_node *container)
{
	if (!container || (container->kind != WATS_NODE_OBJECT && container->kind != WATS_NODE_ARRAY))
		return 0;
	return container->len;
}

const char *wats_node_string(const wats_node *node, size_t *len)
{
	if (!node || node->kind != WATS_NODE_STRING)
		return NULL;
	if (len)
		*len = node->len;
	return node->u.str;
}

const char *wats_node_get_string(const wats_node *object, const char *key)
{
	return wats_node_string(wats_node_get(object, key), NULL);
}

int wats_node_number(double *out, const wats_node *node)
{
	if (!node || node->kind != WATS_NODE_NUMBER)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "value is not a number");
	return wats__node_to_double(node, out) == 0 ? 0 : WATS_EINVAL;
}

int wats_node_int(int64_t *out, const wats_node *node)
{
	if (!node || node->kind != WATS_NODE_NUMBER)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "value is not a number");
	if (node->flags & WATS_NF_NUM_DOUBLE) {
		double d = node->u.num;
		if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
			return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "value is not an integer");
		*out = (int64_t)d;
		return 0;
	}
	char *end;
	long long v = strtoll(node->u.str, &end, 10);
	if (*end) {
		/* "10.0" is an integer too, as far as the value goes. */
		double d = strtod(node->u.str, NULL);
		if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
			return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "value %s is not an integer",
					   node->u.str);
		v = (long long)d;
	}
	*out = v;
	return 0;
}

int wats_node_number_text(char *buf, size_t size, const wats_node *node)
{
	if (!node || node->kind != WATS_NODE_NUMBER || !buf || !size)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "value is not a number");
	/* Never a cut number: a short buffer is an error that names the size needed. */
	char tmp[64];
	const char *text = tmp;
	if ((node->flags & WATS_NF_NUM_DOUBLE) && (node->flags & WATS_NF_NUM_INT))
		snprintf(tmp, sizeof(tmp), "%lld", (long long)node->u.num);
	else if (node->flags & WATS_NF_NUM_DOUBLE)
		wats__format_double(tmp, sizeof(tmp), node->u.num);
	else
		text = node->u.str;
	size_t n = strlen(text);
	if (n >= size) {
		buf[0] = '\0';
		return wats__error(WATS_ELIMIT, WATS_ERRCLASS_INVALID,
				   "number text needs a buffer of %zu bytes (got %zu)", n + 1, size);
	}
	memcpy(buf, text, n + 1);
	return 0;
}

int wats_node_bool(const wats_node *node)
{
	return node && node->kind == WATS_NODE_BOOL ? node->u.boolean : -1;
}

/* Resolve where a setter writes: a member of an object, or a new element of an array. */
static wats_node *slot_for(wats_report *r, wats_node *container, const char *key,
			   wats_node_kind kind)
{
	if (!r || !container) {
		wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL report or container");
		return NULL;
	}
	if (container->kind == WATS_NODE_OBJECT) {
		if (!key) {
			wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "a member of an object needs a key");
			return NULL;
		}
		if (!wats__utf8_valid(key, strlen(key))) {
			wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "key is not valid UTF-8");
			return NULL;
		}
		return wats__obj_put_key(r, container, key, kind);
	}
	if (container->kind == WATS_NODE_ARRAY) {
		if (key) {
			wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				    "cannot set key '%s' on an array (pass NULL to append)", key);
			return NULL;
		}
		wats_node *n = wats__node_new(r, kind);
		if (n)
			wats__node_append(r, container, n);
		return n;
	}
	wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "container is neither an object nor an array");
	return NULL;
}

int wats_node_set_stringn(wats_report *report, wats_node *container, const char *key,
			  const char *value, size_t len)
{
	if (value && !wats__utf8_valid(value, len))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID,
				   "value for '%s' is not valid UTF-8", key ? key : "(element)");
	wats_node *n = slot_for(report, container, key, value ? WATS_NODE_STRING : WATS_NODE_NULL);
	if (!n)
		return wats_error_last()->code;
	return fill_string(report, n, value, len);
}

int wats_node_set_string(wats_report *report, wats_node *container, const char *key,
			 const char *value)
{
	return wats_node_set_stringn(report, container, key, value, value ? strlen(value) : 0);
}

int wats_node_set_number(wats_report *report, wats_node *container, const char *key, double value)
{
	if (!isfinite(value))
		return wats_node_set_string(report, container, key, nonfinite_text(value));
	wats_node *n = slot_for(report, container, key, WATS_NODE_NUMBER);
	if (!n)
		return wats_error_last()->code;
	fill_double(n, value);
	return 0;
}

int wats_node_set_number_text(wats_report *report, wats_node *container, const char *key,
			      const char *text)
{
	if (!text || !wats__json_number_valid(text))
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "'%s' is not a JSON number",
				   text ? text : "(null)");
	wats_node *n = slot_for(report, container, key, WATS_NODE_NUMBER);
	if (!n)
		return wats_error_last()->code;
	return fill_string(report, n, text, strlen(text));
}

int wats_node_set_int(wats_report *report, wats_node *container, const char *key, int64_t value)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)value);
	return wats_node_set_number_text(report, container, key, buf);
}

int wats_node_set_bool(wats_report *report, wats_node *container, const char *key, int value)
{
	wats_node *n = slot_for(report, container, key, WATS_NODE_BOOL);
	if (!n)
		return wats_error_last()->code;
	n->u.boolean = value ? 1 : 0;
	return 0;
}

int wats_node_set_null(wats_report *report, wats_node *container, const char *key)
{
	return slot_for(report, container, key, WATS_NODE_NULL) ? 0 : wats_error_last()->code;
}

int wats_node_set_object(wats_node **out, wats_report *report, wats_node *container,
			 const char *key)
{
	wats_node *n = slot_for(report, container, key, WATS_NODE_OBJECT);
	if (out)
		*out = n;
	return n ? 0 : wats_error_last()->code;
}

int wats_node_set_array(wats_node **out, wats_report *report, wats_node *container,
			const char *key)
{
	wats_node *n = slot_for(report, container, key, WATS_NODE_ARRAY);
	if (out)
		*out = n;
	return n ? 0 : wats_error_last()->code;
}

int wats_node_remove(wats_report *report, wats_node *object, const char *key)
{
	if (!report || !object || !key || object->kind != WATS_NODE_OBJECT)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "remove needs an object and a key");
	wats_node *n = obj_get_text(object, key);
	if (!n)
		return wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_INVALID, "no member '%s'", key);
	wats_node **pp = &object->u.first;
	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	object->len--;
	tail_forget(report, object);
	return 0;
}
