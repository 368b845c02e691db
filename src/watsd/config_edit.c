/*
 * watsd_config_apply: change keys of a config file with watsd's own rules (`wats config set`,
 * the web configurator's PUT /api/config).
 *
 * Every candidate is validated by writing it to a private temporary file beside the real one
 * (relative paths keep their meaning) and loading it with watsd_config_load; the real file is
 * replaced (rename) only when the whole set is valid, so a running watsd or a reload never
 * sees a half-edited or invalid file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "watsd.h"

#define JSON_OUT (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

/* A secret and the key naming a file that holds it instead of the config. */
static const struct { const char *key, *section, *name, *file_key; } secrets[] = {
	{ "server.token", "server", "token", "token_file" },
	{ "http.api_key", "http", "api_key", "api_key_file" },
	{ "proxy.password", "proxy", "password", "password_file" },
};

/* A secret bound for its own file (written after the config validated). */
typedef struct secret_write {
	char *file;
	const char *value;
} secret_write;

/* The config file's folder (no trailing slash) into dir. */
static void dir_of(char *dir, size_t size, const char *path)
{
	snprintf(dir, size, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, size, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
}

static json_object *walk_fail(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static json_object *walk_fail(char *msg, size_t len, const char *fmt, ...)
{
	if (msg && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

json_object *watsd_config_walk(json_object *doc, const char *key, watsd_key_mode mode, char *name,
			       size_t namelen, long *index, char *msg, size_t msglen)
{
	char buf[WATSD_CONFIG_KEY_MAX];
	if (!*key || strlen(key) >= sizeof(buf))
		return walk_fail(msg, msglen, "key \"%s\": not a config key", key);
	snprintf(buf, sizeof(buf), "%s", key);
	json_object *cur = doc;
	char *save = NULL, *part = strtok_r(buf, ".", &save);
	while (part) {
		char *next = strtok_r(NULL, ".", &save);
		long idx = -1;
		char *br = strchr(part, '[');
		if (br) {
			char *end;
			idx = strtol(br + 1, &end, 10);
			if (end == br + 1 || *end != ']' || end[1] || idx < 0)
				return walk_fail(msg, msglen, "key \"%s\": bad index in \"%s\"", key,
						 part);
			*br = '\0';
		}
		if (!next && idx < 0) {
			snprintf(name, namelen, "%s", part);
			*index = -1;
			return cur;
		}
		json_object *child = NULL;
		int present = json_object_object_get_ex(cur, part, &child);
		/* Creating, FIND never; OBJECTS for an absent object; GROW also over a null, and
		 * "name[0]" an array. */
		int missing = mode == WATSD_KEY_GROW ? !child : !present;
		if (missing && idx < 0 && mode != WATSD_KEY_FIND) {
			child = json_object_new_object();
			json_object_object_add(cur, part, child);
		}
		if (idx >= 0) {
			if (missing && idx == 0 && mode == WATSD_KEY_GROW) {
				child = json_object_new_array();
				json_object_object_add(cur, part, child);
			}
			int arr = child && json_object_is_type(child, json_type_array);
			size_t n = arr ? json_object_array_length(child) : 0;
			/* GROW may append: [n] is the next element. */
			if (!arr || (size_t)idx > n || ((size_t)idx == n && mode != WATSD_KEY_GROW))
				return walk_fail(msg, msglen, "key \"%s\": %s has no element %ld (it has %zu)",
						 key, part, idx, n);
			if (!next) {
				snprintf(name, namelen, "%s", part);
				*index = idx;
				return child;
			}
			if ((size_t)idx == n)
				json_object_array_add(child, json_object_new_object());
			child = json_object_array_get_idx(child, (size_t)idx);
		}
		if (!json_object_is_type(child, json_type_object))
			return walk_fail(msg, msglen, "key \"%s\": \"%s\" is not an object", key, part);
		cur = child;
		part = next;
	}
	return walk_fail(msg, msglen, "key \"%s\": not a config key", key);
}

json_object *watsd_config_lookup(json_object *doc, const char *key)
{
	char name[WATSD_CONFIG_KEY_MAX];
	long idx;
	json_object *at = watsd_config_walk(doc, key, WATSD_KEY_FIND, name, sizeof(name), &idx, NULL, 0),
		    *v = NULL;
	if (!at)
		return NULL;
	if (idx >= 0)
		return json_object_array_get_idx(at, (size_t)idx);
	return json_object_object_get_ex(at, name, &v) ? v : NULL;
}

/* Set (value non-NULL, reference taken) or remove (NULL) a dotted key such as "server.url",
 * "watch[0].priority", "watch" or "watch[2]" (index == length appends). Objects on the way are
 * created; array elements must exist. */
static int set_path(json_object *doc, const char *key, json_object *value, char *msg, size_t len)
{
	char name[WATSD_CONFIG_KEY_MAX];
	long idx;
	json_object *at = watsd_config_walk(doc, key, WATSD_KEY_GROW, name, sizeof(name), &idx, msg, len);
	if (!at)
		return -1;
	if (idx < 0) {
		if (value)
			json_object_object_add(at, name, json_object_get(value));
		else
			json_object_object_del(at, name);
		return 0;
	}
	size_t n = json_object_array_length(at);
	if (!value && (size_t)idx < n)
		json_object_array_del_idx(at, (size_t)idx, 1);
	else if (value && (size_t)idx < n)
		json_object_array_put_idx(at, (size_t)idx, json_object_get(value));
	else if (value)
		json_object_array_add(at, json_object_get(value));
	return 0;
}

/* Apply one change. A secret whose section names a *_file goes to that file: with sw NULL
 * (validation) it is put inline instead and *priv set (the copy must then be 0600, as the
 * secret's file is); with sw it is only recorded there. */
static int apply_change(json_object *doc, const char *dir, const char *key, json_object *value,
			int *priv, secret_write *sw, char *msg, size_t len)
{
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		json_object *sec, *f;
		if (strcmp(key, secrets[i].key) || !value ||
		    !json_object_object_get_ex(doc, secrets[i].section, &sec) ||
		    !json_object_is_type(sec, json_type_object) ||
		    !json_object_object_get_ex(sec, secrets[i].file_key, &f) ||
		    !json_object_is_type(f, json_type_string) || !*json_object_get_string(f))
			continue;
		if (!sw) {
			json_object_object_add(sec, secrets[i].name, json_object_get(value));
			json_object_object_del(sec, secrets[i].file_key);
			*priv = 1;
			return 0;
		}
		const char *p = json_object_get_string(f);
		size_t n = strlen(dir) + strlen(p) + 2;
		sw->file = malloc(n);
		if (!sw->file) {
			snprintf(msg, len, "out of memory");
			return -1;
		}
		if (p[0] == '/')
			snprintf(sw->file, n, "%s", p);
		else
			snprintf(sw->file, n, "%s/%s", dir, p);
		sw->value = json_object_get_string(value);
		return 0;
	}
	return set_path(doc, key, value, msg, len);
}

/* Write text to a new temporary file beside path (mode), fsynced when it is to replace a file
 * (a copy only loaded for validation needs no fsync). 0, or -1 with errno. */
static int write_temp(char *tmp, size_t size, const char *path, const char *text, mode_t mode,
		      int sync)
{
	char dir[PATH_MAX];
	dir_of(dir, sizeof(dir), path);
	const char *base = strrchr(path, '/');
	int len0 = snprintf(tmp, size, "%s/.%s.XXXXXX", dir, base ? base + 1 : path);
	if (len0 < 0 || (size_t)len0 >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	int bad = fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len ||
		  write(fd, "\n", 1) != 1 || (sync && fsync(fd) != 0);
	int e = errno;
	bad |= close(fd) != 0;
	if (bad) {
		unlink(tmp);
		errno = e ? e : EIO;
		return -1;
	}
	return 0;
}

/* Replace every from in s (size) by to. */
static void replace_all(char *s, size_t size, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p = s;
	while (fl && (p = strstr(p, from))) {
		size_t rest = strlen(p + fl);
		if ((size_t)(p - s) + tl + rest + 1 > size)
			break;
		memmove(p + tl, p + fl, rest + 1);
		memcpy(p, to, tl);
		p += tl;
	}
}

/* Validate doc as if it were the file at path: 0 valid, 1 invalid (msg: the loader's message
 * naming path), -1 I/O (msg). */
static int validate(const char *path, json_object *doc, int priv, char *msg, size_t len)
{
	json_object *copy = NULL;
	if (json_object_deep_copy(doc, &copy, NULL) != 0 || !copy) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	/* The instance defaults to the file name: keep it under the temporary name. */
	if (json_object_is_type(copy, json_type_object) &&
	    !json_object_object_get_ex(copy, "instance", NULL)) {
		char inst[256];
		const char *b = strrchr(path, '/');
		snprintf(inst, sizeof(inst), "%s", b ? b + 1 : path);
		char *dot = strrchr(inst, '.');
		if (dot)
			*dot = '\0';
		json_object_object_add(copy, "instance", json_object_new_string(inst));
	}
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 0777) : 0600;
	char tmp[PATH_MAX];
	int rc = write_temp(tmp, sizeof(tmp), path, json_object_to_json_string_ext(copy, JSON_OUT),
			    priv ? 0600 : mode, 0);
	json_object_put(copy);
	if (rc) {
		snprintf(msg, len, "config %s: cannot write a temporary file beside it: %s", path,
			 strerror(errno));
		return -1;
	}
	char *real_tmp = realpath(tmp, NULL), *real = realpath(path, NULL);
	watsd_config cfg;
	rc = watsd_config_load(&cfg, tmp, msg, len) ? 1 : 0;
	if (!rc)
		watsd_config_free(&cfg);
	unlink(tmp);
	if (rc) {
		replace_all(msg, len, real_tmp ? real_tmp : tmp, real ? real : path);
		replace_all(msg, len, tmp, path);
	}
	free(real_tmp);
	free(real);
	return rc;
}

/* The key a loader message names (`key "watch[0].priority": ...`), else fallback. */
static void add_error(json_object *errors, const char *fallback, const char *msg)
{
	char key[256];
	snprintf(key, sizeof(key), "%s", fallback);
	const char *k = strstr(msg, "key \"");
	if (k) {
		k += 5;
		const char *e = strchr(k, '"');
		if (e && (size_t)(e - k) < sizeof(key)) {
			memcpy(key, k, (size_t)(e - k));
			key[e - k] = '\0';
		}
	}
	if (!json_object_object_get_ex(errors, key, NULL))
		json_object_object_add(errors, key, json_object_new_string(msg));
}

/* Replace file (a secret) atomically with value, mode 0600. */
static int write_secret(const char *file, const char *value, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	if (write_temp(tmp, sizeof(tmp), file, value, 0600, 1) != 0 || rename(tmp, file) != 0) {
		int e = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot write the secret file %s: %s", file, strerror(e));
		return -1;
	}
	return 0;
}

static int apply_real(const char *path, json_object *changes, json_object **errors, char *err,
		      size_t errlen);

int watsd_config_apply(const char *path, json_object *changes, json_object **errors, char *err,
		       size_t errlen)
{
	*errors = NULL;
	err[0] = '\0';
	if (!changes || !json_object_is_type(changes, json_type_object)) {
		snprintf(err, errlen, "the changes must be a JSON object of keys to values");
		return -1;
	}
	/* The real file, so that a symlinked config is edited, not replaced by a file. */
	char *real = realpath(path, NULL);
	if (!real) {
		snprintf(err, errlen, "config %s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	/* One edit at a time (the web server runs a thread per connection): two saves each read
	 * the file, and the second rename would drop the first one's change. */
	static pthread_mutex_t edit_lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&edit_lock);
	int rc = apply_real(real, changes, errors, err, errlen);
	pthread_mutex_unlock(&edit_lock);
	free(real);
	return rc;
}

static int apply_real(const char *path, json_object *changes, json_object **errors, char *err,
		      size_t errlen)
{
	json_object *root = json_object_from_file(path);
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "config %s: not a JSON object: %s", path,
			 root ? "the top level is not an object" : json_util_get_last_err());
		json_object_put(root);
		return -1;
	}
	char dir[PATH_MAX], msg[1024];
	dir_of(dir, sizeof(dir), path);
	json_object *errs = json_object_new_object();
	int rc = 0;

	/* Each change alone on top of the file: its own error, next to its own field. */
	json_object_object_foreach(changes, key, value) {
		json_object *copy = NULL;
		int priv = 0;
		if (json_object_deep_copy(root, &copy, NULL) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto out;
		}
		if (apply_change(copy, dir, key, value, &priv, NULL, msg, sizeof(msg)) != 0) {
			json_object_object_add(errs, key, json_object_new_string(msg));
		} else {
			int v = validate(path, copy, priv, msg, sizeof(msg));
			if (v < 0) {
				json_object_put(copy);
				snprintf(err, errlen, "%s", msg);
				rc = -1;
				goto out;
			}
			if (v)
				add_error(errs, key, msg);
		}
		json_object_put(copy);
	}
	/* Then all together (rules across keys: backoff_max >= base, two watches on one path);
	 * one change alone was just that. */
	if (json_object_object_length(errs) == 0 && json_object_object_length(changes) > 1) {
		json_object *copy = NULL;
		int priv = 0;
		if (json_object_deep_copy(root, &copy, NULL) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto out;
		}
		json_object_object_foreach(changes, k2, v2)
			apply_change(copy, dir, k2, v2, &priv, NULL, msg, sizeof(msg));
		int v = validate(path, copy, priv, msg, sizeof(msg));
		json_object_put(copy);
		if (v < 0) {
			snprintf(err, errlen, "%s", msg);
			rc = -1;
			goto out;
		}
		if (v) {
			const char *first = "";
			json_object_object_foreach(changes, k4, v4) {
				(void)v4;
				first = k4;
				break;
			}
			add_error(errs, first, msg);
		}
	}
	if (json_object_object_length(errs)) {
		*errors = errs;
		errs = NULL;
		rc = 1;
		goto out;
	}

	/* Valid: secrets into their own files first, then the config, each replaced atomically. */
	size_t n = (size_t)json_object_object_length(changes), ns = 0;
	secret_write *sw = calloc(n ? n : 1, sizeof(*sw));
	if (!sw) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	json_object_object_foreach(changes, k3, v3) {
		secret_write one = { 0 };
		apply_change(root, dir, k3, v3, NULL, &one, msg, sizeof(msg));
		if (one.file)
			sw[ns++] = one;
	}
	for (size_t i = 0; i < ns && rc == 0; i++)
		if (write_secret(sw[i].file, sw[i].value, err, errlen))
			rc = -1;
	for (size_t i = 0; i < ns; i++)
		free(sw[i].file);
	free(sw);
	if (rc)
		goto out;
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 0777) : 0600;
	char tmp[PATH_MAX];
	if (write_temp(tmp, sizeof(tmp), path, json_object_to_json_string_ext(root, JSON_OUT), mode,
		       1) ||
	    rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		snprintf(err, errlen, "config %s: cannot replace it: %s", path, strerror(e));
		rc = -1;
	}
out:
	json_object_put(errs);
	json_object_put(root);
	return rc;
}
