/*
 * Web configurator sessions (docs/web.md, Security).
 *
 * Login with the instance's API key gives a 256-bit random session id in an HttpOnly,
 * SameSite=Strict cookie and a CSRF token the page sends back as X-CSRF-Token on every change.
 * Sessions live in memory only (at most MAX_SESSIONS; 8 h idle, 24 h absolute; a restart logs
 * everyone out). Each wrong key doubles a global delay (1 s .. 30 s) during which logins get
 * 429: guessing is slow whoever guesses, and the delay is not a sleep holding a thread. The
 * same delay guards the API key of the scripted routes (POST /pause ... in http.c), so that
 * they are no faster way to guess it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "web.h"

#define MAX_SESSIONS 32
#define IDLE_MS (8LL * 3600 * 1000)
#define ABSOLUTE_MS (24LL * 3600 * 1000)
#define DELAY_FIRST_MS 1000
#define DELAY_MAX_MS 30000

typedef struct session {
	char id[65], csrf[65];   /* hex; id[0] == 0: free slot */
	int64_t created_ms, last_ms;
} session;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static session sessions[MAX_SESSIONS];
static int64_t delay_ms, next_login_ms; /* mono */

/* Constant time in the length of the expected key. */
int watsd_web_key_equal(const char *given, const char *want)
{
	size_t gl = strlen(given), wl = strlen(want);
	unsigned char diff = (unsigned char)(gl != wl);
	for (size_t i = 0; i < wl; i++)
		diff |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
	return diff == 0;
}

static int random_hex(char out[65])
{
	unsigned char b[32];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* lock held: the live session with this id, or NULL (expired ones are freed on the way). */
static session *find_locked(const char *id)
{
	int64_t now = watsd_mono_ms();
	session *hit = NULL;
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		session *s = &sessions[i];
		if (!s->id[0])
			continue;
		if (now - s->last_ms > IDLE_MS || now - s->created_ms > ABSOLUTE_MS) {
			memset(s, 0, sizeof(*s));
			continue;
		}
		if (watsd_web_key_equal(id, s->id))
			hit = s;
	}
	return hit;
}

static const char *cookie_of(watsd_req *r)
{
	const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "watsd_session");
	return c && strlen(c) == 64 ? c : NULL;
}

int watsd_web_session(watsd_req *r)
{
	const char *id = cookie_of(r);
	if (!id)
		return 0;
	pthread_mutex_lock(&lock);
	session *s = find_locked(id);
	if (s) {
		s->last_ms = watsd_mono_ms();
		memcpy(r->csrf, s->csrf, sizeof(r->csrf));
	}
	pthread_mutex_unlock(&lock);
	return s != NULL;
}

int watsd_web_origin_ok(watsd_req *r)
{
	const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
	if (!origin)
		return 1;
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
	const char *o = strstr(origin, "://");
	o = o ? o + 3 : origin;
	if (host && *host && !strcmp(o, host) &&
	    (!strncmp(origin, "http://", 7) || !strncmp(origin, "https://", 8)))
		return 1;
	watsd_log(WATS_LOG_WARNING, NULL, "web: %s %s refused: Origin %s is not this host (%s)",
		  r->method, r->path, origin, host ? host : "no Host");
	watsd_reply_error(r, 403, "cross-origin request refused (Origin does not match Host)");
	return 0;
}

int watsd_web_csrf_ok(watsd_req *r)
{
	const char *t = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	if (t && r->csrf[0] && watsd_web_key_equal(t, r->csrf))
		return 1;
	watsd_log(WATS_LOG_WARNING, NULL, "web: %s %s refused: %s CSRF token", r->method, r->path,
		  t ? "wrong" : "no");
	watsd_reply_error(r, 403, t ? "wrong CSRF token (reload the page)" :
			  "missing X-CSRF-Token header");
	return 0;
}

static void peer(watsd_req *r, char *out, size_t size)
{
	snprintf(out, size, "?");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

/* lock held: a wrong key doubles the delay before the next key is considered; returns it. */
static long wrong_key_locked(int64_t now)
{
	delay_ms = delay_ms ? delay_ms * 2 : DELAY_FIRST_MS;
	if (delay_ms > DELAY_MAX_MS)
		delay_ms = DELAY_MAX_MS;
	next_login_ms = now + delay_ms;
	return (long)delay_ms;
}

int watsd_web_key_try(watsd_req *r, const char *given, const char *want)
{
	int64_t now = watsd_mono_ms();
	pthread_mutex_lock(&lock);
	if (now < next_login_ms) {
		r->retry_after_s = (long)((next_login_ms - now + 999) / 1000);
		pthread_mutex_unlock(&lock);
		return -1;
	}
	if (!watsd_web_key_equal(given, want)) {
		long d = wrong_key_locked(now);
		pthread_mutex_unlock(&lock);
		char from[INET6_ADDRSTRLEN];
		peer(r, from, sizeof(from));
		watsd_log(WATS_LOG_WARNING, NULL, "http: a wrong API key from %s; the next key is "
			  "considered in %ld ms", from, d);
		return 0;
	}
	delay_ms = 0;
	pthread_mutex_unlock(&lock);
	return 1;
}

void watsd_web_login(watsd_req *r)
{
	watsd_config *cfg = watsd_cfg_acquire(r->d);
	const char *key = cfg->api_key;
	if (!key || !*key) {
		watsd_cfg_release(r->d, cfg);
		watsd_reply_error(r, 403, "no API key is configured, so nobody can log in: set "
				  "http.api_key_file (a 0600 file with at least 16 characters) or "
				  "WATSD_API_KEY and restart watsd");
		return;
	}
	json_object *b = watsd_req_json(r), *k;
	if (!b) {
		watsd_cfg_release(r->d, cfg);
		return;
	}
	const char *given = json_object_object_get_ex(b, "key", &k) &&
			    json_object_is_type(k, json_type_string) ? json_object_get_string(k) : "";
	char from[INET6_ADDRSTRLEN];
	peer(r, from, sizeof(from));
	int64_t now = watsd_mono_ms();
	pthread_mutex_lock(&lock);
	if (now < next_login_ms) {
		r->retry_after_s = (long)((next_login_ms - now + 999) / 1000);
		pthread_mutex_unlock(&lock);
		json_object_put(b);
		watsd_cfg_release(r->d, cfg);
		watsd_reply_error(r, 429, "too many wrong keys: wait before the next login");
		return;
	}
	if (!watsd_web_key_equal(given, key)) {
		long d = wrong_key_locked(now);
		pthread_mutex_unlock(&lock);
		json_object_put(b);
		watsd_cfg_release(r->d, cfg);
		watsd_log(WATS_LOG_WARNING, NULL, "web: login with a wrong API key from %s; next login "
			  "considered in %ld ms", from, d);
		watsd_reply_error(r, 401, "wrong API key");
		return;
	}
	json_object_put(b);
	watsd_cfg_release(r->d, cfg);
	delay_ms = 0;
	/* A free slot, else the least recently used session makes room. */
	session *s = NULL;
	find_locked(""); /* frees the expired ones */
	for (size_t i = 0; i < MAX_SESSIONS && !s; i++)
		if (!sessions[i].id[0])
			s = &sessions[i];
	if (!s) {
		s = &sessions[0];
		for (size_t i = 1; i < MAX_SESSIONS; i++)
			if (sessions[i].last_ms < s->last_ms)
				s = &sessions[i];
	}
	if (random_hex(s->id) || random_hex(s->csrf)) {
		memset(s, 0, sizeof(*s));
		pthread_mutex_unlock(&lock);
		watsd_reply_error(r, 500, "no random numbers for a session");
		return;
	}
	s->created_ms = s->last_ms = now;
	memcpy(r->csrf, s->csrf, sizeof(r->csrf));
	snprintf(r->cookie, sizeof(r->cookie), "watsd_session=%s; HttpOnly; SameSite=Strict; Path=/",
		 s->id);
	pthread_mutex_unlock(&lock);
	watsd_log(WATS_LOG_INFO, NULL, "web: login from %s", from);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "csrf", json_object_new_string(r->csrf));
	watsd_reply_json(r, 200, o);
}

void watsd_web_logout_all(void)
{
	pthread_mutex_lock(&lock);
	memset(sessions, 0, sizeof(sessions));
	pthread_mutex_unlock(&lock);
}

void watsd_web_logout(watsd_req *r)
{
	const char *id = cookie_of(r);
	pthread_mutex_lock(&lock);
	session *s = id ? find_locked(id) : NULL;
	if (s)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&lock);
	snprintf(r->cookie, sizeof(r->cookie),
		 "watsd_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
	json_object *o = json_object_new_object();
	json_object_object_add(o, "logged_out", json_object_new_boolean(1));
	watsd_reply_json(r, 200, o);
}
