/*
 * TTL cache of static GET answers (version, processes, levels, product groups, ...). Entries
 * carry tags; a write drops the tags it changes. Only data that changes through writes we can
 * see is cached, so a cached answer is never staler than the TTL for changes made elsewhere.
 */
#ifndef WATS_HTTP_CACHE_H
#define WATS_HTTP_CACHE_H

#include <pthread.h>
#include <stdint.h>

#include "wats/client.h"

#define WATS__CACHE_BUCKETS 64

typedef struct wats__cache_entry wats__cache_entry;

typedef struct wats__cache {
	pthread_mutex_t lock;
	wats__cache_entry *buckets[WATS__CACHE_BUCKETS];
	size_t count;
	size_t max_entries;
	uint64_t ttl_ms;
	uint64_t hits, misses, evictions;
} wats__cache;

void wats__cache_init(wats__cache *c, uint64_t ttl_ms, size_t max_entries);
void wats__cache_dispose(wats__cache *c);

/* A copy of the live entry for key into a new response (*out), or WATS_ENOTFOUND (a miss,
 * counted; no error raised). */
int wats__cache_get(wats_response **out, wats__cache *c, const char *key, uint64_t now);

/* Store a copy of r under key with tags, replacing an older one. Best effort: on ENOMEM the
 * answer is simply not cached. */
void wats__cache_put(wats__cache *c, const char *key, unsigned int tags, uint64_t now,
		     const wats_response *r);

/* Drop every entry with any of tags. */
void wats__cache_invalidate(wats__cache *c, unsigned int tags);

void wats__cache_stats(wats__cache *c, wats_client_stats *st);

/* A response copy (body, content type), for cache hits. */
int wats__response_copy(wats_response **out, const wats_response *r);

#endif
