/* TTL cache: a small chained hash table under one mutex. It holds a handful of keys (static
 * data), so eviction when full is a linear scan for the entry closest to expiry. */
#include "http/cache.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

struct wats__cache_entry {
	wats__cache_entry *next;
	char *key;
	unsigned int tags;
	uint64_t expires;
	wats_response *resp;
};

static unsigned int hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % WATS__CACHE_BUCKETS;
}

void wats__cache_init(wats__cache *c, uint64_t ttl_ms, size_t max_entries)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->ttl_ms = ttl_ms;
	c->max_entries = max_entries ? max_entries : 256;
}

static void entry_free(wats__cache_entry *e)
{
	wats_response_free(e->resp);
	free(e->key);
	free(e);
}

/* Unlink and free every entry for which drop() says so; returns how many. Lock held. */
static size_t sweep(wats__cache *c, int (*drop)(const wats__cache_entry *, const void *),
		    const void *arg)
{
	size_t n = 0;
	for (size_t i = 0; i < WATS__CACHE_BUCKETS; i++) {
		wats__cache_entry **pp = &c->buckets[i];
		while (*pp) {
			wats__cache_entry *e = *pp;
			if (drop(e, arg)) {
				*pp = e->next;
				entry_free(e);
				n++;
			} else {
				pp = &e->next;
			}
		}
	}
	c->count -= n;
	return n;
}

static int drop_all(const wats__cache_entry *e, const void *arg)
{
	(void)e;
	(void)arg;
	return 1;
}

static int drop_tags(const wats__cache_entry *e, const void *arg)
{
	return (e->tags & *(const unsigned int *)arg) != 0;
}

static int drop_expired(const wats__cache_entry *e, const void *arg)
{
	return e->expires <= *(const uint64_t *)arg;
}

void wats__cache_dispose(wats__cache *c)
{
	sweep(c, drop_all, NULL);
	pthread_mutex_destroy(&c->lock);
}

int wats__response_copy(wats_response **out, const wats_response *r)
{
	wats_response *n = calloc(1, sizeof(*n));
	if (!n)
		return wats__error_oom();
	*n = *r;
	n->body = malloc(r->body_len + 1);
	n->content_type = r->content_type ? strdup(r->content_type) : NULL;
	if (!n->body || (r->content_type && !n->content_type)) {
		free(n->body);
		free(n->content_type);
		free(n);
		return wats__error_oom();
	}
	memcpy(n->body, r->body, r->body_len);
	n->body[r->body_len] = '\0';
	*out = n;
	return 0;
}

int wats__cache_get(wats_response **out, wats__cache *c, const char *key, uint64_t now)
{
	int rc = WATS_ENOTFOUND;
	pthread_mutex_lock(&c->lock);
	wats__cache_entry **pp = &c->buckets[hash(key)];
	for (; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key))
			continue;
		wats__cache_entry *e = *pp;
		if (e->expires <= now) {
			*pp = e->next;
			entry_free(e);
			c->count--;
			c->evictions++;
			break;
		}
		rc = wats__response_copy(out, e->resp);
		break;
	}
	if (rc == 0)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->lock);
	return rc == WATS_ENOMEM ? rc : (rc ? WATS_ENOTFOUND : 0);
}

static void evict_one(wats__cache *c)
{
	wats__cache_entry **victim = NULL;
	for (size_t i = 0; i < WATS__CACHE_BUCKETS; i++)
		for (wats__cache_entry **pp = &c->buckets[i]; *pp; pp = &(*pp)->next)
			if (!victim || (*pp)->expires < (*victim)->expires)
				victim = pp;
	if (victim) {
		wats__cache_entry *e = *victim;
		*victim = e->next;
		entry_free(e);
		c->count--;
		c->evictions++;
	}
}

void wats__cache_put(wats__cache *c, const char *key, unsigned int tags, uint64_t now,
		     const wats_response *r)
{
	wats__cache_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->key = strdup(key)) || wats__response_copy(&e->resp, r)) {
		if (e)
			free(e->key);
		free(e);
		wats_error_clear();
		return;
	}
	e->resp->flags |= WATS_RESPONSE_FROM_CACHE;
	e->resp->attempts = 0;
	e->tags = tags;
	e->expires = now + c->ttl_ms;
	pthread_mutex_lock(&c->lock);
	wats__cache_entry **pp = &c->buckets[hash(key)];
	for (; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->key, key)) {
			wats__cache_entry *old = *pp;
			*pp = old->next;
			entry_free(old);
			c->count--;
			break;
		}
	}
	if (c->count >= c->max_entries)
		c->evictions += sweep(c, drop_expired, &now);
	if (c->count >= c->max_entries)
		evict_one(c);
	unsigned int b = hash(key);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	c->count++;
	pthread_mutex_unlock(&c->lock);
}

void wats__cache_invalidate(wats__cache *c, unsigned int tags)
{
	pthread_mutex_lock(&c->lock);
	c->evictions += sweep(c, drop_tags, &tags);
	pthread_mutex_unlock(&c->lock);
}

void wats__cache_stats(wats__cache *c, wats_client_stats *st)
{
	pthread_mutex_lock(&c->lock);
	st->cache_hits = c->hits;
	st->cache_misses = c->misses;
	st->cache_evictions = c->evictions;
	st->cache_entries = c->count;
	pthread_mutex_unlock(&c->lock);
}
