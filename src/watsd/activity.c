/*
 * What the service did lately, for the web configurator's dashboard: per-minute counters of
 * the last hour (files converted and failed, uploads done and failed) and the last errors.
 * Fixed arrays under one mutex: a note is a few stores, no allocation.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "watsd.h"

#define MINUTES 60
#define ERRORS 20

typedef struct minute {
	int64_t minute; /* wall ms / 60 000 of this slot */
	unsigned count[WATSD_ACT_KINDS];
} minute;

typedef struct act_error {
	int64_t time_ms;
	watsd_act_kind kind;
	char subject[256], cid[40], message[512];
} act_error;

struct watsd_activity {
	pthread_mutex_t lock;
	minute min[MINUTES];
	act_error err[ERRORS];
	size_t err_next, err_count;
};

static const char *const kind_names[WATSD_ACT_KINDS] = { "converted", "failed", "uploaded",
							 "upload_failed" };

watsd_activity *watsd_activity_new(void)
{
	watsd_activity *a = calloc(1, sizeof(*a));
	if (a)
		pthread_mutex_init(&a->lock, NULL);
	return a;
}

void watsd_activity_free(watsd_activity *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a);
}

void watsd_activity_note(watsd_activity *a, watsd_act_kind kind, const char *subject,
			 const char *cid, const char *message)
{
	if (!a || kind < 0 || kind >= WATSD_ACT_KINDS)
		return;
	int64_t now = watsd_wall_ms(), m = now / 60000;
	pthread_mutex_lock(&a->lock);
	minute *s = &a->min[m % MINUTES];
	if (s->minute != m) { /* a slot last used an hour (or more) ago */
		memset(s, 0, sizeof(*s));
		s->minute = m;
	}
	s->count[kind]++;
	if (message) {
		act_error *e = &a->err[a->err_next];
		a->err_next = (a->err_next + 1) % ERRORS;
		if (a->err_count < ERRORS)
			a->err_count++;
		e->time_ms = now;
		e->kind = kind;
		snprintf(e->subject, sizeof(e->subject), "%s", subject ? subject : "");
		snprintf(e->cid, sizeof(e->cid), "%s", cid ? cid : "");
		snprintf(e->message, sizeof(e->message), "%s", message);
	}
	pthread_mutex_unlock(&a->lock);
}

static void iso_time(char *out, size_t size, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%03dZ", (int)(ms % 1000));
}

void watsd_activity_json(watsd_activity *a, json_object *into)
{
	json_object *pm = json_object_new_object(), *arr[WATSD_ACT_KINDS];
	json_object_object_add(pm, "minutes", json_object_new_int(MINUTES));
	for (int k = 0; k < WATSD_ACT_KINDS; k++)
		arr[k] = json_object_new_array();
	json_object *errs = json_object_new_array();
	int64_t now_min = watsd_wall_ms() / 60000;
	if (a)
		pthread_mutex_lock(&a->lock);
	/* Oldest minute first; the last element is the current minute. */
	for (int64_t m = now_min - MINUTES + 1; m <= now_min; m++) {
		const minute *s = a ? &a->min[m % MINUTES] : NULL;
		for (int k = 0; k < WATSD_ACT_KINDS; k++)
			json_object_array_add(arr[k], json_object_new_int(
				s && s->minute == m ? (int)s->count[k] : 0));
	}
	for (size_t i = 0; a && i < a->err_count; i++) { /* oldest first, as the log lines */
		const act_error *e = &a->err[(a->err_next + ERRORS - a->err_count + i) % ERRORS];
		json_object *o = json_object_new_object();
		char when[40];
		iso_time(when, sizeof(when), e->time_ms);
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "kind", json_object_new_string(kind_names[e->kind]));
		json_object_object_add(o, "subject", json_object_new_string(e->subject));
		json_object_object_add(o, "cid", json_object_new_string(e->cid));
		json_object_object_add(o, "message", json_object_new_string(e->message));
		json_object_array_add(errs, o);
	}
	if (a)
		pthread_mutex_unlock(&a->lock);
	for (int k = 0; k < WATSD_ACT_KINDS; k++)
		json_object_object_add(pm, kind_names[k], arr[k]);
	json_object_object_add(into, "per_minute", pm);
	json_object_object_add(into, "last_errors", errs);
}
