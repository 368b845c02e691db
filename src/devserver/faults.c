/* Fault injection state and the per-request decision. */
#include "faults.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void ds_fault_config_default(ds_fault_config *c)
{
	memset(c, 0, sizeof(*c));
	c->error_status = 503;
	c->outage_status = 503;
}

void ds_faults_init(ds_faults *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	ds_fault_config_default(&f->cfg);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	f->rng = (uint64_t)now.tv_nsec * 2654435761u + (uint64_t)now.tv_sec + 1;
}

void ds_faults_destroy(ds_faults *f)
{
	pthread_mutex_destroy(&f->lock);
}

/* xorshift64*: good enough to pick a fraction of requests, and reproducible with a seed. */
static double next_unit(ds_faults *f)
{
	uint64_t x = f->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int get_rate(json_object *o, const char *key, double *out, char *err, size_t errlen)
{
	json_type t = json_object_get_type(o);
	if (t != json_type_double && t != json_type_int) {
		snprintf(err, errlen, "faults: \"%s\" must be a number between 0 and 1", key);
		return -1;
	}
	double v = json_object_get_double(o);
	if (!(v >= 0.0 && v <= 1.0)) {
		snprintf(err, errlen, "faults: \"%s\" must be between 0 and 1, got %g", key, v);
		return -1;
	}
	*out = v;
	return 0;
}

static int get_long(json_object *o, const char *key, long min, long max, long *out, char *err,
		    size_t errlen)
{
	if (json_object_get_type(o) != json_type_int) {
		snprintf(err, errlen, "faults: \"%s\" must be an integer", key);
		return -1;
	}
	int64_t v = json_object_get_int64(o);
	if (v < min || v > max) {
		snprintf(err, errlen, "faults: \"%s\" must be between %ld and %ld, got %lld", key,
			 min, max, (long long)v);
		return -1;
	}
	*out = (long)v;
	return 0;
}

int ds_fault_config_parse(ds_fault_config *c, const char *json, size_t len, char *err,
			  size_t errlen)
{
	ds_fault_config_default(c);
	json_tokener *tok = json_tokener_new_ex(16);
	if (!tok) {
		snprintf(err, errlen, "faults: out of memory");
		return -1;
	}
	json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success || used != len) {
		snprintf(err, errlen, "faults: body is not valid JSON (%s)",
			 jerr != json_tokener_success ? json_tokener_error_desc(jerr)
						      : "trailing data");
		json_object_put(root);
		return -1;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "faults: body must be a JSON object");
		json_object_put(root);
		return -1;
	}
	int rc = 0;
	long v = 0;
	json_object_object_foreach(root, key, val) {
		if (!strcmp(key, "latency_ms")) {
			rc = get_long(val, key, 0, 600000, &v, err, errlen);
			c->latency_ms = (unsigned)v;
		} else if (!strcmp(key, "latency_jitter_ms")) {
			rc = get_long(val, key, 0, 600000, &v, err, errlen);
			c->latency_jitter_ms = (unsigned)v;
		} else if (!strcmp(key, "error_rate")) {
			rc = get_rate(val, key, &c->error_rate, err, errlen);
		} else if (!strcmp(key, "error_count")) {
			rc = get_long(val, key, 0, 1000000000, &c->error_count, err, errlen);
		} else if (!strcmp(key, "error_status")) {
			rc = get_long(val, key, 400, 599, &v, err, errlen);
			c->error_status = (int)v;
		} else if (!strcmp(key, "retry_after")) {
			rc = get_long(val, key, 0, 86400, &v, err, errlen);
			c->retry_after = (int)v;
		} else if (!strcmp(key, "reset_before_rate")) {
			rc = get_rate(val, key, &c->reset_before_rate, err, errlen);
		} else if (!strcmp(key, "reset_before_count")) {
			rc = get_long(val, key, 0, 1000000000, &c->reset_before_count, err, errlen);
		} else if (!strcmp(key, "reset_after_rate")) {
			rc = get_rate(val, key, &c->reset_after_rate, err, errlen);
		} else if (!strcmp(key, "reset_after_count")) {
			rc = get_long(val, key, 0, 1000000000, &c->reset_after_count, err, errlen);
		} else if (!strcmp(key, "outage_ms")) {
			rc = get_long(val, key, 0, 86400000, &v, err, errlen);
			c->outage_ms = (unsigned)v;
		} else if (!strcmp(key, "outage_status")) {
			rc = get_long(val, key, 0, 599, &v, err, errlen);
			if (!rc && v != 0 && v < 400) {
				snprintf(err, errlen,
					 "faults: \"outage_status\" must be 0 (reset) or 400..599");
				rc = -1;
			}
			c->outage_status = (int)v;
		} else if (!strcmp(key, "match")) {
			const char *s = json_object_get_string(val);
			if (!json_object_is_type(val, json_type_string) ||
			    strlen(s) >= sizeof(c->match)) {
				snprintf(err, errlen, "faults: \"match\" must be a string under %zu bytes",
					 sizeof(c->match));
				rc = -1;
			} else {
				snprintf(c->match, sizeof(c->match), "%s", s);
			}
		} else if (!strcmp(key, "seed")) {
			rc = get_long(val, key, 0, 0x7fffffffffffffffL, &v, err, errlen);
			c->seed = (uint64_t)v;
		} else {
			snprintf(err, errlen,
				 "faults: unknown key \"%s\" (see docs/devserver.md for the keys)", key);
			rc = -1;
		}
		if (rc)
			break;
	}
	json_object_put(root);
	return rc;
}

static void ts_add_ms(struct timespec *t, unsigned ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static long ms_left(const struct timespec *until)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(until->tv_sec - now.tv_sec) * 1000L + (until->tv_nsec - now.tv_nsec) / 1000000L;
}

void ds_faults_set(ds_faults *f, const ds_fault_config *c)
{
	pthread_mutex_lock(&f->lock);
	f->cfg = *c;
	clock_gettime(CLOCK_MONOTONIC, &f->cfg.outage_until);
	ts_add_ms(&f->cfg.outage_until, c->outage_ms);
	if (c->seed)
		f->rng = c->seed * 2654435761u + 1;
	pthread_mutex_unlock(&f->lock);
}

json_object *ds_faults_to_json(ds_faults *f)
{
	json_object *o = json_object_new_object();
	pthread_mutex_lock(&f->lock);
	const ds_fault_config *c = &f->cfg;
	long left = c->outage_ms ? ms_left(&c->outage_until) : 0;
	json_object_object_add(o, "latency_ms", json_object_new_int64(c->latency_ms));
	json_object_object_add(o, "latency_jitter_ms", json_object_new_int64(c->latency_jitter_ms));
	json_object_object_add(o, "error_rate", json_object_new_double(c->error_rate));
	json_object_object_add(o, "error_count", json_object_new_int64(c->error_count));
	json_object_object_add(o, "error_status", json_object_new_int(c->error_status));
	json_object_object_add(o, "retry_after", json_object_new_int(c->retry_after));
	json_object_object_add(o, "reset_before_rate", json_object_new_double(c->reset_before_rate));
	json_object_object_add(o, "reset_before_count", json_object_new_int64(c->reset_before_count));
	json_object_object_add(o, "reset_after_rate", json_object_new_double(c->reset_after_rate));
	json_object_object_add(o, "reset_after_count", json_object_new_int64(c->reset_after_count));
	json_object_object_add(o, "outage_ms", json_object_new_int64(c->outage_ms));
	json_object_object_add(o, "outage_remaining_ms", json_object_new_int64(left > 0 ? left : 0));
	json_object_object_add(o, "outage_status", json_object_new_int(c->outage_status));
	json_object_object_add(o, "match", json_object_new_string(c->match));
	json_object *n = json_object_new_object();
	json_object_object_add(n, "status", json_object_new_int64((int64_t)f->n_status));
	json_object_object_add(n, "reset_before", json_object_new_int64((int64_t)f->n_reset_before));
	json_object_object_add(n, "reset_after", json_object_new_int64((int64_t)f->n_reset_after));
	json_object_object_add(n, "delayed", json_object_new_int64((int64_t)f->n_delayed));
	json_object_object_add(n, "outage", json_object_new_int64((int64_t)f->n_outage));
	pthread_mutex_unlock(&f->lock);
	json_object_object_add(o, "injected", n);
	return o;
}

static int matches(const char *match, const char *method, const char *path)
{
	if (!match[0])
		return 1;
	if (match[0] == '/')
		return !strncasecmp(path, match, strlen(match));
	size_t ml = strlen(method);
	if (strncasecmp(match, method, ml) || match[ml] != ' ')
		return 0;
	const char *p = match + ml + 1;
	return !strncasecmp(path, p, strlen(p));
}

/* Take one from a countdown, or roll the dice against a rate. */
static int hit(ds_faults *f, long *count, double rate)
{
	if (*count > 0) {
		(*count)--;
		return 1;
	}
	return rate > 0.0 && next_unit(f) < rate;
}

void ds_faults_decide(ds_faults *f, const char *method, const char *path, ds_fault_plan *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&f->lock);
	ds_fault_config *c = &f->cfg;
	if (!matches(c->match, method, path))
		goto done;
	if (c->latency_ms || c->latency_jitter_ms) {
		out->latency_ms = c->latency_ms;
		if (c->latency_jitter_ms)
			out->latency_ms += (unsigned)(next_unit(f) * (c->latency_jitter_ms + 1));
		f->n_delayed++;
	}
	if (c->outage_ms && ms_left(&c->outage_until) > 0) {
		f->n_outage++;
		out->early = 1;
		if (c->outage_status == 0) {
			out->action = DS_FAULT_RESET_BEFORE;
		} else {
			out->action = DS_FAULT_STATUS;
			out->status = c->outage_status;
			out->retry_after = c->retry_after;
		}
		goto done;
	}
	if (hit(f, &c->reset_before_count, c->reset_before_rate)) {
		out->action = DS_FAULT_RESET_BEFORE;
		f->n_reset_before++;
	} else if (hit(f, &c->error_count, c->error_rate)) {
		out->action = DS_FAULT_STATUS;
		out->status = c->error_status;
		out->retry_after = c->retry_after;
		f->n_status++;
	} else if (hit(f, &c->reset_after_count, c->reset_after_rate)) {
		out->action = DS_FAULT_RESET_AFTER;
		f->n_reset_after++;
	}
done:
	pthread_mutex_unlock(&f->lock);
}
