/*
 * The web configurator's backend (docs/web.md) against a real watsd and a real wats-devserver,
 * through libcurl as a browser would talk to it:
 *  - assets embedded and served with the security headers and an ETag (304);
 *  - the session: 401 without it; a wrong key 401 and then 429 while the delay runs; the right
 *    key sets an HttpOnly SameSite=Strict cookie; CSRF missing/wrong 403; Origin mismatch 403;
 *  - GET /api/config never contains the token or the API key; PUT /api/config valid (file
 *    changed, still 0600) and invalid (400, the error under the loader's key, file unchanged);
 *    a new API key ends every session of the old one;
 *  - test connection (ok, and against a closed port; the saved token never sent to another
 *    URL the page names); convert a fixture and a broken file
 *    (error with its line), nothing queued; a body over the limit 413; a large upload
 *    without a session refused before its body is read;
 *  - dashboard counts after files are dropped; queue list/item/retry/purge; the logs ring;
 *  - five pages polled at once while files flow and a save reloads (no refused connection);
 *  - six saves of different keys at once: each answered 200, each in the file;
 *  - the serial-number check rejects a report into Error with a .reason, and with action
 *    warn (saved from the page, applied live) queues it with the warning in its log;
 *  - bound to 0.0.0.0: /api/session says loopback false; without an API key login is 403;
 *  - config sections: a bad pattern, manual proxy without url, a secret in a non-0600 file.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "devcontrol.h"
#include "watsd_fixture.h"

#define API_KEY "web-k3y-0123456789abcdef"

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

typedef struct web {
	int port;
	char cookie[200];  /* "watsd_session=..." */
	char csrf[80];
} web;

typedef struct resp {
	long status;
	char *body;
	size_t len;
	char headers[16384];
	size_t hlen;
} resp;

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
	resp *r = u;
	size_t k = sz * n;
	r->body = realloc(r->body, r->len + k + 1);
	memcpy(r->body + r->len, p, k);
	r->len += k;
	r->body[r->len] = '\0';
	return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
	resp *r = u;
	size_t k = sz * n;
	if (r->hlen + k < sizeof(r->headers)) {
		memcpy(r->headers + r->hlen, p, k);
		r->hlen += k;
		r->headers[r->hlen] = '\0';
	}
	return k;
}

/* A header's value (case-insensitive name) into out; 1 when present. */
static int header(const resp *r, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	for (const char *p = r->headers; p && *p;) {
		const char *e = strstr(p, "\r\n");
		size_t ll = e ? (size_t)(e - p) : strlen(p);
		if (ll > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)(ll - (size_t)(v - p)), v);
			return 1;
		}
		p = e ? e + 2 : NULL;
	}
	return 0;
}

enum { WITH_SESSION = 1, WITH_CSRF = 2 };

static _Thread_local int soft_fail; /* a transport error gives status 0 instead of failing */

/* One request. extra: one more header line or NULL. Returns the status; free r->body. */
static long call(web *w, const char *method, const char *path, const char *body, size_t blen,
		 int flags, const char *extra, resp *r)
{
	memset(r, 0, sizeof(*r));
	CURL *c = curl_easy_init();
	char url[512];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", w->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	struct curl_slist *h = NULL;
	char line[300];
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
		h = curl_slist_append(h, "Content-Type: application/json");
	}
	if (!extra || strncasecmp(extra, "Expect:", 7))
		h = curl_slist_append(h, "Expect:");
	if ((flags & WITH_SESSION) && w->cookie[0]) {
		snprintf(line, sizeof(line), "Cookie: %s", w->cookie);
		h = curl_slist_append(h, line);
	}
	if ((flags & WITH_CSRF) && w->csrf[0]) {
		snprintf(line, sizeof(line), "X-CSRF-Token: %s", w->csrf);
		h = curl_slist_append(h, line);
	}
	if (extra)
		h = curl_slist_append(h, extra);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK && !soft_fail)
		fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (!r->body)
		r->body = strdup("");
	return r->status;
}

/* A JSON answer (status checked), parsed; put it. */
static json_object *call_json(web *w, const char *method, const char *path, const char *body,
			      long want)
{
	resp r;
	long st = call(w, method, path, body, body ? strlen(body) : 0, WITH_SESSION | WITH_CSRF,
		       NULL, &r);
	if (st != want)
		fail_msg("%s %s: status %ld, expected %ld: %s", method, path, st, want, r.body);
	json_object *j = json_tokener_parse(r.body);
	if (!j)
		fail_msg("%s %s: not JSON: %.300s", method, path, r.body);
	free(r.body);
	return j;
}

static json_object *get(json_object *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *p = strtok_r(buf, ".", &save); p && o; p = strtok_r(NULL, ".", &save)) {
		json_object *v = NULL;
		if (json_object_is_type(o, json_type_array))
			v = json_object_array_get_idx(o, (size_t)atoi(p));
		else if (!json_object_object_get_ex(o, p, &v))
			v = NULL;
		o = v;
	}
	return o;
}

static void login(web *w)
{
	const char *b = "{\"key\":\"" API_KEY "\"}";
	resp r;
	long st = 0;
	for (int i = 0; i < 40; i++) { /* a delay from an earlier wrong key: wait it out */
		st = call(w, "POST", "/api/login", b, strlen(b), 0, NULL, &r);
		if (st != 429)
			break;
		free(r.body);
		nap_ms(250);
	}
	if (st != 200)
		fail_msg("login: %ld %s", st, r.body);
	char sc[300];
	assert_true(header(&r, "Set-Cookie", sc, sizeof(sc)));
	snprintf(w->cookie, sizeof(w->cookie), "%.*s", (int)strcspn(sc, ";"), sc);
	json_object *j = json_tokener_parse(r.body);
	snprintf(w->csrf, sizeof(w->csrf), "%s", json_object_get_string(get(j, "csrf")));
	json_object_put(j);
	free(r.body);
}

static web start_web(fx *f, pid_t *pid)
{
	*pid = start_watsd(f);
	web w = { .port = watsd_http_port(f, NULL) };
	return w;
}

/* ---- assets, session, config ----------------------------------------------------------- */

static void test_assets_session_config(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, NULL);
	pid_t pid;
	web w = start_web(f, &pid);
	resp r;
	char v[512];

	/* The page, embedded, with the security headers and an ETag. */
	assert_int_equal(call(&w, "GET", "/", NULL, 0, 0, NULL, &r), 200);
	assert_non_null(strstr(r.body, "<html") ? r.body : strstr(r.body, "<!doctype"));
	assert_true(header(&r, "Content-Security-Policy", v, sizeof(v)));
	assert_non_null(strstr(v, "default-src 'self'"));
	assert_non_null(strstr(v, "frame-ancestors 'none'"));
	assert_true(header(&r, "X-Frame-Options", v, sizeof(v)));
	assert_string_equal(v, "DENY");
	assert_true(header(&r, "Referrer-Policy", v, sizeof(v)));
	assert_true(header(&r, "Content-Type", v, sizeof(v)));
	assert_non_null(strstr(v, "text/html"));
	char etag[128], inm[200];
	assert_true(header(&r, "ETag", etag, sizeof(etag)));
	free(r.body);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	assert_int_equal(call(&w, "GET", "/index.html", NULL, 0, 0, inm, &r), 304);
	free(r.body);
	assert_int_equal(call(&w, "GET", "/nothing-here.js", NULL, 0, 0, NULL, &r), 404);
	free(r.body);

	/* No session: 401; /api/session says who we are not. */
	assert_int_equal(call(&w, "GET", "/api/config", NULL, 0, 0, NULL, &r), 401);
	assert_true(header(&r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "no-store");
	free(r.body);
	json_object *j = call_json(&w, "GET", "/api/session", NULL, 200);
	assert_false(json_object_get_boolean(get(j, "authenticated")));
	assert_true(json_object_get_boolean(get(j, "loopback")));
	assert_true(json_object_get_boolean(get(j, "api_key_configured")));
	assert_null(get(j, "csrf"));
	json_object_put(j);

	/* A wrong key: 401, then 429 while the delay runs (the right key too), then in. */
	const char *bad = "{\"key\":\"not-the-key-0000000000\"}";
	const char *good = "{\"key\":\"" API_KEY "\"}";
	assert_int_equal(call(&w, "POST", "/api/login", bad, strlen(bad), 0, NULL, &r), 401);
	assert_false(header(&r, "Set-Cookie", v, sizeof(v)));
	free(r.body);
	assert_int_equal(call(&w, "POST", "/api/login", good, strlen(good), 0, NULL, &r), 429);
	assert_true(header(&r, "Retry-After", v, sizeof(v)));
	free(r.body);
	nap_ms(1100);
	assert_int_equal(call(&w, "POST", "/api/login", good, strlen(good), 0, NULL, &r), 200);
	char sc[300];
	assert_true(header(&r, "Set-Cookie", sc, sizeof(sc)));
	assert_non_null(strstr(sc, "watsd_session="));
	assert_non_null(strstr(sc, "HttpOnly"));
	assert_non_null(strstr(sc, "SameSite=Strict"));
	assert_int_equal(strcspn(sc, ";"), strlen("watsd_session=") + 64); /* 256 bits, hex */
	free(r.body);
	login(&w);

	/* The config, with no secret anywhere in it. */
	resp cr;
	assert_int_equal(call(&w, "GET", "/api/config", NULL, 0, WITH_SESSION, NULL, &cr), 200);
	assert_null(strstr(cr.body, tu_devserver_token(f->ds)));
	assert_null(strstr(cr.body, API_KEY));
	j = json_tokener_parse(cr.body);
	free(cr.body);
	assert_true(json_object_get_boolean(get(j, "config.server.token.set")));
	assert_true(json_object_get_boolean(get(j, "config.http.api_key.set")));
	assert_false(json_object_get_boolean(get(j, "config.proxy.password.set")));
	assert_string_equal(json_object_get_string(get(j, "effective.station_name")), "watsd-test");
	assert_string_equal(json_object_get_string(get(j, "converters.0")), "auto");
	assert_true(json_object_array_length(get(j, "converters")) > 3);
	json_object_put(j);

	/* Changes: CSRF missing or wrong, Origin of another site: 403, nothing written. */
	size_t before_len;
	char *before = tu_read(f->config, &before_len);
	const char *ok = "{\"changes\":{\"watch[0].priority\":3,\"station.location\":\"Bay 7\"}}";
	assert_int_equal(call(&w, "PUT", "/api/config", ok, strlen(ok), WITH_SESSION, NULL, &r), 403);
	free(r.body);
	assert_int_equal(call(&w, "PUT", "/api/config", ok, strlen(ok), WITH_SESSION,
			      "X-CSRF-Token: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			      &r), 403);
	free(r.body);
	assert_int_equal(call(&w, "PUT", "/api/config", ok, strlen(ok), WITH_SESSION | WITH_CSRF,
			      "Origin: http://evil.example", &r), 403);
	free(r.body);
	size_t now_len;
	char *now = tu_read(f->config, &now_len);
	assert_true(now_len == before_len && !memcmp(now, before, now_len));
	free(now);

	/* Invalid: 400, the error under the loader's key, the file unchanged. */
	const char *inv = "{\"changes\":{\"watch[0].priority\":12,\"station.location\":\"Bay 9\"}}";
	j = call_json(&w, "PUT", "/api/config", inv, 400);
	json_object *errs = get(j, "errors"), *e;
	assert_true(json_object_object_get_ex(errs, "watch[0].priority", &e));
	assert_non_null(strstr(json_object_get_string(e), "must be 1..10 (got 12)"));
	assert_false(json_object_object_get_ex(errs, "station.location", NULL));
	json_object_put(j);
	now = tu_read(f->config, &now_len);
	assert_true(now_len == before_len && !memcmp(now, before, now_len));
	free(now);
	free(before);

	/* Valid, with the right Origin: saved, still 0600, the reload's answer passed on. */
	char origin[100];
	snprintf(origin, sizeof(origin), "Origin: http://127.0.0.1:%d", w.port);
	assert_int_equal(call(&w, "PUT", "/api/config", ok, strlen(ok), WITH_SESSION | WITH_CSRF,
			      origin, &r), 200);
	j = json_tokener_parse(r.body);
	free(r.body);
	assert_true(json_object_get_boolean(get(j, "saved")));
	/* Applied at once (watsd_reload): nothing here needs a restart; the running values show it. */
	assert_true(json_object_get_boolean(get(j, "applied")));
	assert_int_equal(json_object_array_length(get(j, "restart_required")), 0);
	json_object_put(j);
	j = call_json(&w, "GET", "/api/config", NULL, 200);
	assert_string_equal(json_object_get_string(get(j, "effective.location")), "Bay 7");
	assert_int_equal(json_object_get_int(get(j, "effective.watch.0.priority")), 3);
	json_object_put(j);
	/* A key only a restart applies is named. */
	j = call_json(&w, "PUT", "/api/config", "{\"changes\":{\"workers.convert\":3}}", 200);
	assert_true(json_object_get_boolean(get(j, "saved")));
	assert_string_equal(json_object_get_string(get(j, "restart_required.0")), "workers.convert");
	json_object_put(j);
	now = tu_read(f->config, &now_len);
	assert_non_null(strstr(now, "Bay 7"));
	json_object *file = json_tokener_parse(now);
	assert_int_equal(json_object_get_int(get(file, "watch.0.priority")), 3);
	json_object_put(file);
	free(now);
	struct stat st;
	assert_int_equal(stat(f->config, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* A new token goes to the token file (0600), never back to the page. */
	const char *tok = "{\"changes\":{\"server.token\":\"replaced-token-value\"}}";
	json_object_put(call_json(&w, "PUT", "/api/config", tok, 200));
	char tokfile[4200];
	snprintf(tokfile, sizeof(tokfile), "%s/token", f->dir);
	now = tu_read(tokfile, &now_len);
	assert_non_null(strstr(now, "replaced-token-value"));
	free(now);
	assert_int_equal(stat(tokfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(call(&w, "GET", "/api/config", NULL, 0, WITH_SESSION, NULL, &cr), 200);
	assert_null(strstr(cr.body, "replaced-token-value"));
	free(cr.body);

	/* Logout: the session is gone. */
	json_object_put(call_json(&w, "POST", "/api/logout", "{}", 200));
	assert_int_equal(call(&w, "GET", "/api/config", NULL, 0, WITH_SESSION, NULL, &r), 401);
	free(r.body);
	/* A new API key (saved and reloaded) ends the sessions of the old one; the new key logs in. */
	login(&w);
	web other = w;
	login(&other);
	json_object_put(call_json(&w, "PUT", "/api/config",
				  "{\"changes\":{\"http.api_key\":\"rotated-key-0123456789\"}}", 200));
	assert_int_equal(call(&other, "GET", "/api/config", NULL, 0, WITH_SESSION, NULL, &r), 401);
	free(r.body);
	assert_int_equal(call(&w, "GET", "/api/config", NULL, 0, WITH_SESSION, NULL, &r), 401);
	free(r.body);
	const char *rotated = "{\"key\":\"rotated-key-0123456789\"}";
	assert_int_equal(call(&w, "POST", "/api/login", rotated, strlen(rotated), 0, NULL, &r), 200);
	free(r.body);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
	/* The log names no secret. */
	char logp[4200];
	snprintf(logp, sizeof(logp), "%s/watsd.log", f->dir);
	char *log = tu_read(logp, &now_len);
	assert_null(strstr(log, API_KEY));
	assert_null(strstr(log, "replaced-token-value"));
	assert_null(strstr(log, "rotated-key-0123456789"));
	assert_non_null(strstr(log, "login with a wrong API key from 127.0.0.1"));
	free(log);
}

/* ---- test connection, convert ---------------------------------------------------------- */

static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	socklen_t l = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, l), 0);
	getsockname(fd, (struct sockaddr *)&a, &l);
	close(fd); /* nobody listens there now */
	return ntohs(a.sin_port);
}

/* A one-shot HTTP server: accepts one connection, keeps its request, answers 200 "1.0". */
typedef struct catcher {
	int fd, port;
	char request[8192];
} catcher;

static void *catch_thread(void *arg)
{
	catcher *c = arg;
	struct pollfd p = { c->fd, POLLIN, 0 };
	if (poll(&p, 1, 15000) != 1) /* nobody came: the test fails on the empty request */
		return NULL;
	int k = accept(c->fd, NULL, NULL);
	if (k < 0)
		return NULL;
	size_t len = 0;
	while (len + 1 < sizeof(c->request) && !strstr(c->request, "\r\n\r\n")) {
		ssize_t n = read(k, c->request + len, sizeof(c->request) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		c->request[len] = '\0';
	}
	const char *a = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
			"Connection: close\r\n\r\n\"1.0\"";
	(void)!write(k, a, strlen(a));
	close(k);
	return NULL;
}

static void catcher_start(catcher *c, pthread_t *t)
{
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	socklen_t l = sizeof(a);
	assert_int_equal(bind(c->fd, (struct sockaddr *)&a, l), 0);
	assert_int_equal(listen(c->fd, 4), 0);
	getsockname(c->fd, (struct sockaddr *)&a, &l);
	c->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(t, NULL, catch_thread, c), 0);
}

static void test_connection_and_convert(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, NULL);
	pid_t pid;
	web w = start_web(f, &pid);
	login(&w);

	json_object *j = call_json(&w, "POST", "/api/test/connection", "{}", 200);
	assert_true(json_object_get_boolean(get(j, "ok")));
	assert_int_equal(json_object_get_int(get(j, "http_status")), 200);
	assert_true(strlen(json_object_get_string(get(j, "server_version"))) > 0);
	assert_true(json_object_get_int(get(j, "latency_ms")) >= 0);
	json_object_put(j);
	char body[200];
	snprintf(body, sizeof(body), "{\"url\":\"http://127.0.0.1:%d\"}", closed_port());
	j = call_json(&w, "POST", "/api/test/connection", body, 200);
	assert_false(json_object_get_boolean(get(j, "ok")));
	assert_true(strlen(json_object_get_string(get(j, "error"))) > 0);
	json_object_put(j);
	/* Another URL without a token: the saved token is not sent there (else any page could
	 * read it by testing a server of its own); with a token typed, that one is. */
	catcher ca;
	pthread_t ct;
	catcher_start(&ca, &ct);
	snprintf(body, sizeof(body), "{\"url\":\"http://127.0.0.1:%d\"}", ca.port);
	json_object_put(call_json(&w, "POST", "/api/test/connection", body, 200));
	pthread_join(ct, NULL);
	close(ca.fd);
	assert_non_null(strstr(ca.request, "GET /api/App/Version"));
	if (strstr(ca.request, tu_devserver_token(f->ds)) || strstr(ca.request, "Authorization:"))
		fail_msg("the saved token went to a URL given by the page: %s", ca.request);
	catcher_start(&ca, &ct);
	snprintf(body, sizeof(body), "{\"url\":\"http://127.0.0.1:%d\",\"token\":\"dHlwZWQ=\"}",
		 ca.port);
	json_object_put(call_json(&w, "POST", "/api/test/connection", body, 200));
	pthread_join(ct, NULL);
	close(ca.fd);
	assert_non_null(strstr(ca.request, "Authorization: Basic dHlwZWQ="));

	/* A real report: converted, shown, not queued. */
	resp r;
	assert_int_equal(call(&w, "POST", "/api/test/convert?name=example.json", f->fixture,
			      f->fixture_len, WITH_SESSION | WITH_CSRF, NULL, &r), 200);
	j = json_tokener_parse(r.body);
	free(r.body);
	assert_true(json_object_get_boolean(get(j, "ok")));
	assert_string_equal(json_object_get_string(get(j, "converter")), "wsjf");
	assert_int_equal(json_object_array_length(get(j, "reports")), 1);
	assert_non_null(get(j, "reports.0.id"));
	assert_true(json_object_is_type(get(j, "reports.0.json"), json_type_object));
	assert_true(json_object_get_int(get(j, "reports.0.steps")) > 0);
	assert_true(json_object_is_type(get(j, "log"), json_type_string));
	json_object_put(j);
	j = call_json(&w, "GET", "/api/queue", NULL, 200);
	assert_int_equal(json_object_array_length(get(j, "items")), 0);
	json_object_put(j);

	/* A broken file: the error with its line. */
	const char *broken = "{\n  \"id\": \"x\",\n  \"steps\": [1,,2]\n}\n";
	assert_int_equal(call(&w, "POST", "/api/test/convert?name=broken.json&converter=wsjf", broken,
			      strlen(broken), WITH_SESSION | WITH_CSRF, NULL, &r), 200);
	j = json_tokener_parse(r.body);
	free(r.body);
	assert_false(json_object_get_boolean(get(j, "ok")));
	assert_true(strlen(json_object_get_string(get(j, "error.message"))) > 0);
	assert_int_equal(json_object_get_int(get(j, "error.line")), 3);
	json_object_put(j);
	/* An unknown converter; a JSON body over 64 KiB. */
	assert_int_equal(call(&w, "POST", "/api/test/convert?converter=nope", "x", 1,
			      WITH_SESSION | WITH_CSRF, NULL, &r), 400);
	free(r.body);
	size_t big = 70000;
	char *b = malloc(big);
	memset(b, ' ', big);
	assert_int_equal(call(&w, "POST", "/api/serial/test", b, big, WITH_SESSION | WITH_CSRF, NULL,
			      &r), 413);
	free(r.body);
	free(b);
	/* A file over 16 MiB: refused from its Content-Length, before the body is sent. */
	big = (16u << 20) + 1;
	b = calloc(1, big);
	assert_int_equal(call(&w, "POST", "/api/test/convert?name=big.json", b, big,
			      WITH_SESSION | WITH_CSRF, "Expect: 100-continue", &r), 413);
	assert_non_null(strstr(r.body, "larger than 16777216 bytes"));
	free(r.body);
	free(b);
	/* Without a session the upload limit is the small one: a 1 MiB file is refused (401)
	 * from its Content-Length, before the body is read (no "100 Continue"). */
	big = 1u << 20;
	b = calloc(1, big);
	assert_int_equal(call(&w, "POST", "/api/test/convert?name=big.json", b, big, 0,
			      "Expect: 100-continue", &r), 401);
	if (strstr(r.headers, " 100 "))
		fail_msg("the body was read before the session was checked: %s", r.headers);
	free(r.body);
	free(b);
	/* Bodies that are not one JSON object. */
	static const struct { const char *body, *want; } bad_json[] = {
		{ "{\"serial\":\"A\"} junk", "text after the value" },
		{ "{\"serial\":", "ends too early" },
		{ "[1]", "must be a JSON object" },
		{ "{nope}", "not JSON" },
	};
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		j = call_json(&w, "POST", "/api/serial/test", bad_json[i].body, 400);
		if (!strstr(json_object_get_string(get(j, "error")), bad_json[i].want))
			fail_msg("%s: %s", bad_json[i].body, json_object_get_string(get(j, "error")));
		json_object_put(j);
	}
	json_object_put(call_json(&w, "POST", "/api/serial/test", "{\"serial\":\"A\"}\n", 200));
	/* Serial test without a pattern: accepted. */
	j = call_json(&w, "POST", "/api/serial/test", "{\"serial\":\"ANY\"}", 200);
	assert_true(json_object_get_boolean(get(j, "ok")));
	json_object_put(j);
	/* About; software (the dev server may not serve packages: then an error, not a failure). */
	j = call_json(&w, "GET", "/api/about", NULL, 200);
	assert_non_null(get(j, "libraries.sqlite"));
	assert_non_null(get(j, "libraries.microhttpd"));
	json_object_put(j);
	j = call_json(&w, "GET", "/api/software", NULL, 200);
	assert_true(json_object_is_type(get(j, "packages"), json_type_array));
	json_object_put(j);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* ---- dashboard, queue, logs ------------------------------------------------------------ */

static long sum(json_object *arr)
{
	long s = 0;
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		s += json_object_get_int(json_object_array_get_idx(arr, i));
	return s;
}

static void test_dashboard_queue_logs(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, NULL);
	/* The first report the server gets is refused (400): an invalid item to retry. */
	tu_dev_faults(f->ctl, "{\"error_count\":1,\"error_status\":400,\"match\":\"POST /api/Report\"}");
	pid_t pid;
	web w = start_web(f, &pid);
	login(&w);
	enum { N = 3 };
	char ids[N][37];
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	char bad[4200];
	snprintf(bad, sizeof(bad), "%s/bad.json", f->inbox);
	tu_write(bad, "{ nope", 6);
	assert_int_equal(wait_reports(f, N - 1, 20000), N - 1);

	json_object *j = NULL;
	for (int i = 0; i < 100; i++) {
		json_object_put(j);
		j = call_json(&w, "GET", "/api/dashboard", NULL, 200);
		if (sum(get(j, "per_minute.converted")) == N && sum(get(j, "per_minute.failed")) == 1 &&
		    sum(get(j, "per_minute.uploaded")) == N - 1)
			break;
		nap_ms(100);
	}
	assert_int_equal(json_object_get_int(get(j, "per_minute.minutes")), 60);
	assert_int_equal(json_object_array_length(get(j, "per_minute.converted")), 60);
	assert_int_equal(sum(get(j, "per_minute.converted")), N);
	assert_int_equal(sum(get(j, "per_minute.failed")), 1);
	assert_int_equal(sum(get(j, "per_minute.uploaded")), N - 1);
	assert_int_equal(sum(get(j, "per_minute.upload_failed")), 1);
	assert_int_equal(json_object_get_int(get(j, "queue.sent")), N - 1);
	assert_int_equal(json_object_get_int(get(j, "queue.invalid")), 1);
	assert_string_equal(json_object_get_string(get(j, "breaker")), "closed");
	assert_non_null(get(j, "status.counters"));
	/* Last errors: the upload refused and the file that failed. */
	json_object *le = get(j, "last_errors");
	assert_int_equal(json_object_array_length(le), 2);
	int seen_failed = 0;
	for (size_t i = 0; i < 2; i++) {
		const char *kind = json_object_get_string(get(json_object_array_get_idx(le, i), "kind"));
		const char *subj = json_object_get_string(get(json_object_array_get_idx(le, i), "subject"));
		if (!strcmp(kind, "failed")) {
			seen_failed = 1;
			assert_non_null(strstr(subj, "bad.json"));
		}
	}
	assert_true(seen_failed);
	json_object_put(j);

	/* Queue: list by state, one item with its report and log, retry, purge. */
	j = call_json(&w, "GET", "/api/queue?state=invalid", NULL, 200);
	assert_int_equal(json_object_array_length(get(j, "items")), 1);
	char id[64];
	snprintf(id, sizeof(id), "%s", json_object_get_string(get(j, "items.0.id")));
	assert_string_equal(json_object_get_string(get(j, "items.0.state")), "invalid");
	assert_int_equal(json_object_get_int(get(j, "counts.sent")), N - 1);
	json_object_put(j);
	char path[200];
	snprintf(path, sizeof(path), "/api/queue/item?id=%s", id);
	j = call_json(&w, "GET", path, NULL, 200);
	assert_true(json_object_is_type(get(j, "report"), json_type_object));
	assert_string_equal(json_object_get_string(get(j, "report.id")), id);
	assert_true(json_object_is_type(get(j, "log"), json_type_string));
	json_object_put(j);
	json_object_put(call_json(&w, "GET", "/api/queue/item?id=00000000-0000-4000-8000-000000000000",
				  NULL, 404));
	json_object_put(call_json(&w, "GET", "/api/queue?state=nope", NULL, 400));
	j = call_json(&w, "GET", "/api/queue?limit=0", NULL, 200); /* counts only */
	assert_int_equal(json_object_array_length(get(j, "items")), 0);
	assert_int_equal(json_object_get_int(get(j, "counts.invalid")), 1);
	json_object_put(j);
	char rb[200];
	snprintf(rb, sizeof(rb), "{\"id\":\"%s\"}", id);
	j = call_json(&w, "POST", "/api/queue/retry", rb, 200);
	assert_int_equal(json_object_get_int(get(j, "count")), 1);
	json_object_put(j);
	assert_int_equal(wait_reports(f, N, 20000), N);
	for (int i = 0; i < 100; i++) { /* marked sent just after the server stored it */
		j = call_json(&w, "GET", "/api/queue?state=sent", NULL, 200);
		size_t n = json_object_array_length(get(j, "items"));
		json_object_put(j);
		if (n == N)
			break;
		nap_ms(50);
	}
	j = call_json(&w, "POST", "/api/queue/purge", "{\"states\":[\"sent\"]}", 200);
	assert_int_equal(json_object_get_int(get(j, "count")), N);
	json_object_put(j);
	j = call_json(&w, "GET", "/api/queue", NULL, 200);
	assert_int_equal(json_object_array_length(get(j, "items")), 0);
	json_object_put(j);

	/* Logs: the ring has the conversion lines; a level filter keeps only that level up. */
	j = call_json(&w, "GET", "/api/logs?limit=1000", NULL, 200);
	json_object *lines = get(j, "lines");
	int converted = 0;
	for (size_t i = 0; i < json_object_array_length(lines); i++)
		converted += strstr(json_object_get_string(get(json_object_array_get_idx(lines, i),
							   "message")), "converted ") != NULL;
	assert_int_equal(converted, N);
	json_object_put(j);
	j = call_json(&w, "GET", "/api/logs?level=error&limit=5", NULL, 200);
	lines = get(j, "lines");
	assert_true(json_object_array_length(lines) >= 1 && json_object_array_length(lines) <= 5);
	int failed = 0;
	for (size_t i = 0; i < json_object_array_length(lines); i++) {
		json_object *l = json_object_array_get_idx(lines, i);
		const char *lv = json_object_get_string(get(l, "level"));
		assert_true(!strcmp(lv, "error") || !strcmp(lv, "critical"));
		failed += strstr(json_object_get_string(get(l, "message")), "bad.json") != NULL;
	}
	assert_true(failed >= 1);
	json_object_put(j);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* ---- several pages at once while files flow (TSan: HTTP threads beside the pipeline) ----- */

typedef struct poller {
	web *w;
	const char *path;
	int ok, failed;
	long last_bad;
	char bad_body[200];
} poller;

static void *poll_thread(void *arg)
{
	poller *p = arg;
	soft_fail = 1; /* cmocka's failures jump: only the main thread may fail the test */
	for (int i = 0; i < 25; i++) {
		resp r;
		long st = call(p->w, "GET", p->path, NULL, 0, WITH_SESSION, NULL, &r);
		json_object *j = json_tokener_parse(r.body);
		if (st == 200 && j)
			p->ok++;
		else {
			p->failed++;
			p->last_bad = st;
			snprintf(p->bad_body, sizeof(p->bad_body), "%s", r.body);
		}
		json_object_put(j);
		free(r.body);
	}
	return NULL;
}

static void test_concurrent_pages(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, NULL);
	pid_t pid;
	web w = start_web(f, &pid);
	login(&w);
	static const char *const paths[] = { "/api/dashboard", "/api/logs?limit=100",
					     "/api/queue?limit=50", "/api/session", "/api/config" };
	enum { P = 5, N = 8 };
	poller pl[P];
	pthread_t t[P];
	for (int i = 0; i < P; i++) {
		pl[i] = (poller){ .w = &w, .path = paths[i] };
		assert_int_equal(pthread_create(&t[i], NULL, poll_thread, &pl[i]), 0);
	}
	char ids[N][37];
	for (int k = 0; k < N; k++)
		drop(f, ids, k);
	/* A save (and its reload) in the middle of it. */
	json_object_put(call_json(&w, "PUT", "/api/config",
				  "{\"changes\":{\"station.location\":\"Busy\"}}", 200));
	for (int i = 0; i < P; i++) {
		pthread_join(t[i], NULL);
		if (pl[i].failed) {
			char lp[4200], cmd[4400];
			snprintf(lp, sizeof(lp), "%s/watsd.log", f->dir);
			snprintf(cmd, sizeof(cmd), "grep -v INFO %s | tail -20 >&2", lp);
			(void)!system(cmd);
		}
		if (pl[i].failed)
			fail_msg("%s: %d of 25 failed (last: status %ld, %s)", pl[i].path, pl[i].failed,
				 pl[i].last_bad, pl[i].bad_body);
	}
	assert_int_equal(wait_reports(f, N, 20000), N);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* ---- saves from several pages at once: none is lost ------------------------------------ */

typedef struct saver {
	web *w;
	char body[200];
	long status;
} saver;

static void *save_thread(void *arg)
{
	saver *s = arg;
	soft_fail = 1;
	resp r;
	s->status = call(s->w, "PUT", "/api/config", s->body, strlen(s->body),
			 WITH_SESSION | WITH_CSRF, NULL, &r);
	free(r.body);
	return NULL;
}

static void test_concurrent_saves(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, NULL);
	pid_t pid;
	web w = start_web(f, &pid);
	login(&w);
	/* Each save changes its own key; each answer says saved, so the file must have them all. */
	static const char *const keys[] = { "station.location", "station.purpose", "log.level",
					    "queue.max_attempts", "rescan_ms", "shutdown_grace_ms" };
	static const char *const vals[] = { "\"Bay 3\"", "\"Burn-in\"", "\"debug\"", "7", "7000",
					    "4000" };
	enum { S = sizeof(keys) / sizeof(keys[0]) };
	saver sv[S];
	pthread_t t[S];
	for (int i = 0; i < S; i++) {
		sv[i] = (saver){ .w = &w };
		snprintf(sv[i].body, sizeof(sv[i].body), "{\"changes\":{\"%s\":%s}}", keys[i], vals[i]);
		assert_int_equal(pthread_create(&t[i], NULL, save_thread, &sv[i]), 0);
	}
	for (int i = 0; i < S; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(sv[i].status, 200);
	}
	size_t len;
	char *text = tu_read(f->config, &len);
	json_object *file = json_tokener_parse(text);
	free(text);
	for (int i = 0; i < S; i++) {
		json_object *v = get(file, keys[i]), *want = json_tokener_parse(vals[i]);
		if (!v || strcmp(json_object_get_string(v), json_object_get_string(want)))
			fail_msg("%s was saved (200) but is %s in the file", keys[i],
				 v ? json_object_get_string(v) : "missing");
		json_object_put(want);
	}
	json_object_put(file);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* ---- serial numbers -------------------------------------------------------------------- */

static void test_serial_reject(void **state)
{
	fx *f = *state;
	write_http_config(f, API_KEY, ",\"serial\":{\"pattern\":\"^NOPE-[0-9]+$\",\"action\":\"reject\"}");
	pid_t pid;
	web w = start_web(f, &pid);
	login(&w);
	json_object *j = call_json(&w, "POST", "/api/serial/test", "{\"serial\":\"NOPE-12\"}", 200);
	assert_true(json_object_get_boolean(get(j, "ok")));
	json_object_put(j);
	j = call_json(&w, "POST", "/api/serial/test", "{\"serial\":\"SN-12\"}", 200);
	assert_false(json_object_get_boolean(get(j, "ok")));
	assert_non_null(strstr(json_object_get_string(get(j, "message")), "does not match"));
	json_object_put(j);

	char ids[1][37];
	drop(f, ids, 0);
	char err[4200], reason[4300];
	snprintf(err, sizeof(err), "%s/Error/r00000.json", f->inbox);
	snprintf(reason, sizeof(reason), "%s.reason", err);
	for (int i = 0; i < 200 && !file_exists(reason); i++)
		nap_ms(50);
	assert_true(file_exists(err));
	size_t len;
	char *text = tu_read(reason, &len);
	assert_non_null(strstr(text, "does not match the pattern \"^NOPE-[0-9]+$\" (serial.pattern)"));
	free(text);
	assert_int_equal(stat_num(f, "reportsInDatabase"), 0);
	j = call_json(&w, "GET", "/api/dashboard", NULL, 200);
	assert_int_equal(sum(get(j, "per_minute.failed")), 1);
	json_object_put(j);

	/* action warn, saved from the page and applied live: queued and sent, the warning in the
	 * item's conversion log. */
	j = call_json(&w, "PUT", "/api/config", "{\"changes\":{\"serial.action\":\"warn\"}}", 200);
	assert_true(json_object_get_boolean(get(j, "applied")));
	json_object_put(j);
	char ids2[2][37];
	drop(f, ids2, 1);
	assert_int_equal(wait_reports(f, 1, 20000), 1);
	char path[200];
	snprintf(path, sizeof(path), "/api/queue/item?id=%s", ids2[1]);
	j = call_json(&w, "GET", path, NULL, 200);
	assert_non_null(strstr(json_object_get_string(get(j, "log")),
			       "warning: report "));
	assert_non_null(strstr(json_object_get_string(get(j, "log")), "does not match the pattern"));
	json_object_put(j);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* ---- bound beyond loopback (the page's red banner); no API key (nobody logs in) ---------- */

static void test_not_loopback(void **state)
{
	fx *f = *state;
	char key[4200];
	snprintf(key, sizeof(key), "%s/apikey", f->dir);
	tu_write(key, API_KEY, strlen(API_KEY));
	chmod(key, 0600);
	write_config(f, ",\"http\":{\"address\":\"0.0.0.0\",\"port\":0,\"api_key_file\":\"apikey\"}");
	pid_t pid;
	web w = start_web(f, &pid);
	json_object *j = call_json(&w, "GET", "/api/session", NULL, 200);
	assert_false(json_object_get_boolean(get(j, "loopback")));
	assert_non_null(strstr(json_object_get_string(get(j, "bound")), "0.0.0.0:"));
	json_object_put(j);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);

	/* No API key configured: nobody can log in, and the answer says how to set one. */
	write_config(f, ",\"http\":{\"port\":0}");
	w = start_web(f, &pid);
	j = call_json(&w, "GET", "/api/session", NULL, 200);
	assert_false(json_object_get_boolean(get(j, "api_key_configured")));
	assert_true(json_object_get_boolean(get(j, "loopback")));
	json_object_put(j);
	j = call_json(&w, "POST", "/api/login", "{\"key\":\"" API_KEY "\"}", 403);
	assert_non_null(strstr(json_object_get_string(get(j, "error")), "http.api_key_file"));
	json_object_put(j);
	assert_int_equal(stop_watsd(pid, SIGTERM), 0);
}

/* ---- config sections (watsd --check) --------------------------------------------------- */

static void check_refused(fx *f, const char *extra, const char *want)
{
	write_config(f, extra);
	char *argv[] = { (char *)watsd_bin(), (char *)"--config", f->config, (char *)"--check", NULL };
	char *out = NULL, *err = NULL;
	int rc = tu_run(argv, &out, &err);
	if (rc != 2 || !strstr(err, want))
		fail_msg("config %s: exit %d, expected 2 with \"%s\": %s", extra, rc, want, err);
	free(out);
	free(err);
}

static void test_config_sections(void **state)
{
	fx *f = *state;
	check_refused(f, ",\"serial\":{\"pattern\":\"^SN-[0-9\"}",
		      "key \"serial.pattern\": the pattern \"^SN-[0-9\" is not a POSIX extended");
	check_refused(f, ",\"serial\":{\"action\":\"drop\"}", "key \"serial.action\": must be");
	check_refused(f, ",\"proxy\":{\"mode\":\"manual\"}", "key \"proxy.url\": required when");
	check_refused(f, ",\"proxy\":{\"mode\":\"auto\"}", "key \"proxy.mode\": must be system");
	chmod(f->config, 0644);
	check_refused(f, ",\"proxy\":{\"mode\":\"system\",\"password\":\"pw-secret\"}",
		      "key \"proxy.password\": a secret in the config file needs mode 0600");
	check_refused(f, ",\"software\":{\"dir\":3}", "key \"software.dir\": must be a string");
	check_refused(f, ",\"watch\":[{\"path\":\"inbox\",\"enabled\":\"no\"}]",
		      "key \"watch[0].enabled\": must be true or false");
	/* And what is valid: every section, a password in its own 0600 file. */
	char pw[4200];
	snprintf(pw, sizeof(pw), "%s/proxy.pw", f->dir);
	tu_write(pw, "pw-secret", 9);
	chmod(pw, 0600);
	write_config(f, ",\"proxy\":{\"mode\":\"manual\",\"url\":\"http://127.0.0.1:3128\","
		     "\"username\":\"u\",\"password_file\":\"proxy.pw\",\"bypass\":\"localhost\"},"
		     "\"serial\":{\"pattern\":\"^SN-\",\"action\":\"warn\"},\"software\":{\"dir\":\"sw\"}");
	char *argv[] = { (char *)watsd_bin(), (char *)"--config", f->config, (char *)"--check", NULL };
	char *out = NULL, *err = NULL;
	assert_int_equal(tu_run(argv, &out, &err), 0);
	free(out);
	free(err);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_assets_session_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_and_convert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dashboard_queue_logs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_saves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_sections, setup, teardown),
	};
	int rc = cmocka_run_group_tests_name("watsd_web", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
