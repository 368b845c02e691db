/* Plugins: shared objects exporting wats_converter_v1_entry (wats/converter_plugin.h). */
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_internal.h"
#include "convert/wsjf_split.h"
#include "wats/converter_plugin.h"

void wats__registry_load_error(wats_converters *reg, const char *msg);

typedef struct plugin {
	void *handle;
	const wats_converter_v1 *api;
} plugin;

static void plugin_free(void *impl)
{
	plugin *p = impl;
	if (!p)
		return;
	if (p->handle)
		dlclose(p->handle);
	free(p);
}

static double plugin_detect(const wats_converter *cv, const char *name, const unsigned char *head,
			    size_t len, char *sn, char *pn, size_t size)
{
	const plugin *p = cv->impl;
	if (!p->api->detect)
		return wats__name_matches(name, cv->patterns) ? 0.3 : 0;
	void *state = p->api->create_state ? p->api->create_state() : NULL;
	double d = p->api->detect(state, name, head, len, sn, pn, size);
	sn[size - 1] = pn[size - 1] = '\0';
	if (p->api->free_state)
		p->api->free_state(state);
	return d;
}

typedef struct host_ctx {
	wats__cctx *c;
	int rc;
} host_ctx;

static const char *host_param(void *ctx, const char *key)
{
	return wats__cctx_param(((host_ctx *)ctx)->c, key);
}

static void host_warn(void *ctx, long line, const char *msg)
{
	wats__cctx_warn(((host_ctx *)ctx)->c, line, NULL, "%s", msg ? msg : "");
}

static int one_object(void *ud, const char *text, size_t len, long line)
{
	host_ctx *h = ud;
	wats_parse_options po = WATS_PARSE_OPTIONS_INIT;
	po.filename = h->c->name;
	wats_report *r;
	int rc = wats_report_parse(&r, text, len, &po);
	if (rc < 0)
		return wats__cctx_error(h->c, rc, line, 0, "the converter's output is not WSJF: %s",
					wats_error_last()->message);
	if ((rc = wats__cctx_ensure_id(h->c, r)) < 0) {
		wats_report_free(r);
		return rc;
	}
	return wats__cctx_emit(h->c, r);
}

static int host_emit(void *ctx, const char *json, size_t len)
{
	host_ctx *h = ctx;
	if (h->rc)
		return h->rc;
	if (!json)
		return h->rc = wats__error(WATS_EINVAL, WATS_ERRCLASS_CONVERT, "emit_wsjf(NULL)");
	int rc = wats__json_split(json, len, one_object, h, h->c);
	if (rc < 0)
		h->rc = rc;
	return rc;
}

static int plugin_convert(const wats_converter *cv, wats__cctx *c)
{
	const plugin *p = cv->impl;
	const unsigned char *data;
	size_t len;
	char *owned;
	int rc = wats__cctx_read_all(c, &data, &len, &owned, WATS__CONV_MAX_WHOLE);
	if (rc < 0)
		return rc;
	host_ctx h = { c, 0 };
	wats_converter_host_v1 host = { WATS_CONVERTER_ABI_VERSION, &h, host_param, host_warn, host_emit };
	void *state = p->api->create_state ? p->api->create_state() : NULL;
	char err[512] = "";
	int prc = p->api->convert(state, c->name, data, len, &host, err, sizeof(err));
	if (p->api->free_state)
		p->api->free_state(state);
	free(owned);
	if (h.rc)
		return h.rc;
	if (prc < 0) {
		err[sizeof(err) - 1] = '\0';
		return wats__cctx_error(c, WATS_EPARSE, 0, 0, "plugin %s: %s", cv->name,
					*err ? err : "conversion failed (no message)");
	}
	return 0;
}

int wats__plugin_open(wats_converter **out, const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONVERT, "%s: not loadable: %s", path, dlerror());
	void *sym = dlsym(h, WATS_CONVERTER_ENTRY);
	if (!sym) {
		dlclose(h);
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONVERT,
				   "%s: no " WATS_CONVERTER_ENTRY " symbol: not a cwats converter plugin", path);
	}
	wats_converter_v1_entry_fn entry;
	memcpy(&entry, &sym, sizeof(entry));
	const wats_converter_v1 *api = entry();
	const char *why = !api ? "the entry point returned NULL"
			  : api->abi_version != WATS_CONVERTER_ABI_VERSION ? "ABI version is not 1"
			  : api->struct_size < sizeof(wats_converter_v1) ? "struct_size too small"
			  : !api->name || !*api->name ? "no name"
			  : !api->convert ? "no convert function" : NULL;
	if (why) {
		dlclose(h);
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_CONVERT, "%s: rejected: %s", path, why);
	}
	wats_converter *cv = calloc(1, sizeof(*cv));
	plugin *p = calloc(1, sizeof(*p));
	if (!cv || !p) {
		free(cv), free(p);
		dlclose(h);
		return wats__error_oom();
	}
	p->handle = h;
	p->api = api;
	cv->name = strdup(api->name);
	cv->description = strdup(api->description ? api->description : "plugin");
	cv->patterns = api->patterns ? strdup(api->patterns) : NULL;
	cv->detect = plugin_detect;
	cv->convert = plugin_convert;
	cv->impl = p;
	cv->free_impl = plugin_free;
	*out = cv;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int wats_converters_load_plugins(size_t *loaded, wats_converters *reg, const char *dir)
{
	if (loaded)
		*loaded = 0;
	if (!reg || !dir)
		return wats__error(WATS_EINVAL, WATS_ERRCLASS_INVALID, "NULL argument");
	DIR *d = opendir(dir);
	if (!d)
		return wats__error(WATS_ENOTFOUND, WATS_ERRCLASS_OS, "%s: cannot open the plugin folder", dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 3, ".so"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			char **nn = realloc(names, cap * sizeof(char *));
			if (!nn)
				break;
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), by_name); /* a stable load order */
	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (wats_converters_load_plugin(reg, path) == 0) {
			if (loaded)
				(*loaded)++;
		} else {
			wats__registry_load_error(reg, wats_error_last()->message);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}
