/*
 * The route table: method + path pattern -> handler. Matching is case-insensitive (the real
 * server's routing is; pyWATS sends POST /WSJF but GET /Wsjf/{id}). Literal routes are listed
 * before parameterised ones with the same prefix, and the first match wins.
 */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const ds_route routes[] = {
	/* App / process */
	{ "GET", "/api/App/Version", h_app_version },
	{ "GET", "/api/App/Processes", h_app_processes },
	{ "GET", "/api/App/Levels", h_app_levels },
	{ "GET", "/api/App/ProductGroups", h_app_product_groups },
	{ "GET", "/api/internal/Mes/GetUnitPhases", h_unit_phases },
	{ "GET", "/api/internal/Production/isConnected", h_true },
	{ "GET", "/api/internal/Software/isConnected", h_true },

	/* Reports */
	{ "POST", "/api/Report/WSJF", h_report_post_wsjf },
	{ "POST", "/api/Report/WSXF", h_report_post_wsxf },
	{ "GET", "/api/Report/Wsjf/{id}", h_report_get_wsjf },
	{ "GET", "/api/Report/Wsxf/{id}", h_report_get_wsxf },
	{ "GET", "/api/Report/Query/Header", h_report_query_header },
	{ "GET", "/api/Report/Query/HeaderByMiscInfo", h_report_query_misc },

	/* Products */
	{ "GET", "/api/Product/Query", h_product_query },
	{ "GET", "/api/Product/Groups", h_product_groups },
	{ "PUT", "/api/Product/Group", h_product_group_put },
	{ "GET", "/api/Product/Vendors", h_vendors_get },
	{ "PUT", "/api/Product/Vendors", h_vendor_put },
	{ "DELETE", "/api/Product/Vendors/{vendorId}", h_vendor_delete },
	{ "PUT", "/api/Product/Products", h_products_put },
	{ "PUT", "/api/Product/Revision", h_revision_put },
	{ "PUT", "/api/Product/Revisions", h_revisions_put },
	{ "GET", "/api/Product", h_product_revision_get },
	{ "PUT", "/api/Product", h_product_put },
	{ "GET", "/api/Product/{partNumber}", h_product_get },

	/* Production */
	{ "GET", "/api/Production/Unit/{serialNumber}/{partNumber}", h_unit_get },
	{ "PUT", "/api/Production/Units", h_units_put },
	{ "GET", "/api/Production/UnitVerification", h_unit_verification },
	{ "PUT", "/api/Production/SetUnitPhase", h_unit_set_phase },
	{ "PUT", "/api/Production/SetUnitProcess", h_unit_set_process },
	{ "POST", "/api/Production/AddChildUnit", h_unit_add_child },
	{ "POST", "/api/Production/RemoveChildUnit", h_unit_remove_child },
	{ "GET", "/api/Production/SerialNumbers/Types", h_empty_list },
	{ "POST", "/api/Production/SerialNumbers/Take", h_serials_take },

	/* Assets */
	{ "GET", "/api/Asset", h_assets_get },
	{ "PUT", "/api/Asset", h_asset_put },
	{ "DELETE", "/api/Asset", h_asset_delete },
	{ "GET", "/api/Asset/Status", h_asset_status },
	{ "PUT", "/api/Asset/State", h_asset_state },
	{ "PUT", "/api/Asset/Count", h_asset_count },
	{ "POST", "/api/Asset/ResetRunningCount", h_asset_reset_count },
	{ "POST", "/api/Asset/Calibration", h_asset_calibration },
	{ "POST", "/api/Asset/Maintenance", h_asset_maintenance },
	{ "GET", "/api/Asset/Log", h_asset_log },
	{ "POST", "/api/Asset/Message", h_asset_message },
	{ "GET", "/api/Asset/Types", h_asset_types_get },
	{ "PUT", "/api/Asset/Types", h_asset_type_put },
	{ "GET", "/api/Asset/SubAssets", h_asset_subassets },
	{ "GET", "/api/Asset/{idOrSerialNumber}", h_asset_get },

	/* Software distribution */
	{ "GET", "/api/Software/Packages", h_packages_get },
	{ "GET", "/api/Software/PackageByName", h_package_by_name },
	{ "DELETE", "/api/Software/PackageByName", h_package_delete_by_name },
	{ "GET", "/api/Software/PackagesByTag", h_packages_by_tag },
	{ "POST", "/api/Software/Package", h_package_post },
	{ "GET", "/api/Software/Package/{id}", h_package_get },
	{ "PUT", "/api/Software/Package/{id}", h_package_put },
	{ "DELETE", "/api/Software/Package/{id}", h_package_delete },
	{ "POST", "/api/Software/PackageStatus/{id}", h_package_status },
	{ "GET", "/api/Software/PackageFiles/{id}", h_package_files },
	{ "GET", "/api/Software/VirtualFolders", h_empty_list },

	/* Root cause tickets */
	{ "GET", "/api/RootCause/Ticket", h_ticket_get },
	{ "POST", "/api/RootCause/Ticket", h_ticket_post },
	{ "PUT", "/api/RootCause/Ticket", h_ticket_put },
	{ "GET", "/api/RootCause/Tickets", h_tickets_get },
	{ "POST", "/api/RootCause/ArchiveTickets", h_tickets_archive },

	/* Development controls (never faulted) */
	{ "GET", "/_dev/faults", h_dev_faults_get },
	{ "POST", "/_dev/faults", h_dev_faults_post },
	{ "DELETE", "/_dev/faults", h_dev_faults_delete },
	{ "GET", "/_dev/stats", h_dev_stats_get },
	{ "DELETE", "/_dev/stats", h_dev_stats_delete },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

size_t ds_route_count(void)
{
	return NROUTES;
}

const ds_route *ds_route_at(size_t i)
{
	return i < NROUTES ? &routes[i] : NULL;
}

/* Next '/'-separated segment of s starting at *pos; returns its length (0 at the end). */
static size_t segment(const char *s, size_t *pos, const char **seg)
{
	while (s[*pos] == '/')
		(*pos)++;
	*seg = s + *pos;
	size_t n = 0;
	while (s[*pos] && s[*pos] != '/') {
		(*pos)++;
		n++;
	}
	return n;
}

static int match(const char *pattern, const char *path, char **params, int *nparams)
{
	size_t pp = 0, up = 0;
	int n = 0;
	for (;;) {
		const char *ps, *us;
		size_t pl = segment(pattern, &pp, &ps), ul = segment(path, &up, &us);
		if (!pl || !ul) {
			if (pl || ul)
				goto no;
			*nparams = n;
			return 1;
		}
		if (ps[0] == '{') {
			if (n >= 4 || !(params[n] = strndup(us, ul)))
				goto no;
			n++;
		} else if (pl != ul || strncasecmp(ps, us, pl)) {
			goto no;
		}
	}
no:
	for (int i = 0; i < n; i++) {
		free(params[i]);
		params[i] = NULL;
	}
	return 0;
}

const ds_route *ds_route_match(const char *method, const char *path, char **params,
			       int *nparams, int *path_known)
{
	*nparams = 0;
	*path_known = 0;
	for (size_t i = 0; i < NROUTES; i++) {
		int n = 0;
		if (!match(routes[i].pattern, path, params, &n))
			continue;
		if (!strcmp(routes[i].method, method)) {
			*nparams = n;
			return &routes[i];
		}
		*path_known = 1;
		for (int j = 0; j < n; j++) {
			free(params[j]);
			params[j] = NULL;
		}
	}
	return NULL;
}
