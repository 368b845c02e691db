/*
 * wats/api.h - the WATS REST API over a wats_client: typed operations for stations and test
 * programs, and every other route through one generated table (wats_call).
 *
 * JSON: the public API never exposes a JSON library type. Typed operations return small model
 * structs whose `json` member keeps the server's object as text (nothing is lost, and a caller
 * can parse it with any library); wats_call returns the raw answer (wats_response, body text).
 *
 * Ownership: every model returned through an out-parameter is owned by the caller and freed with
 * the *_free() function named next to it (all accept NULL). Strings inside a model belong to it.
 */
#ifndef WATS_API_H
#define WATS_API_H

#include <stdint.h>

#include "client.h"
#include "common.h"

WATS_BEGIN_DECL

/* ---------------------------------------------------------------------------------------- */
/* Route table (generated from the reference endpoint list by scripts/gen_routes.py)         */

typedef enum wats_body_kind {
	WATS_BODY_NONE = 0,  /**< no body */
	WATS_BODY_JSON = 1,  /**< JSON (shape described in body_shape) */
	WATS_BODY_RAW = 2    /**< bytes with the route's content_type (XML, CSV, zip, ...) */
} wats_body_kind;

#define WATS_ROUTE_INTERNAL     (1u << 0) /**< /api/internal: sends Referer: <base URL> */
#define WATS_ROUTE_IDEMPOTENT   (1u << 1) /**< a POST that is safe to retry (query, submit by id) */
#define WATS_ROUTE_KEEP_CACHE   (1u << 2) /**< a write that invalidates only `invalidates` */
#define WATS_ROUTE_RAW_RESPONSE (1u << 3) /**< the answer is bytes (file, zip, XML), not JSON */

typedef struct wats_route {
	const char *id;           /**< reference id: "PR14" */
	const char *name;         /**< "product.get_bom" */
	const char *method;       /**< "GET", "POST", "PUT", "DELETE", "PATCH" */
	const char *path;         /**< template, "{name}" placeholders: "/api/Product/{partNumber}" */
	const char *query;        /**< query parameter names, comma-separated ("" for none) */
	wats_body_kind body;
	const char *content_type; /**< for WATS_BODY_RAW, else NULL */
	const char *body_shape;   /**< "[Product]", "WATSFilter", ... ("" for none) */
	const char *response;     /**< what the server answers */
	unsigned int flags;       /**< WATS_ROUTE_* */
	unsigned int cache_tags;  /**< GET answers cached under these WATS_CACHE_* tags (0 = never) */
	unsigned int invalidates; /**< writes: WATS_CACHE_* tags they make stale */
} wats_route;

/** Number of routes (204). */
WATS_EXTERN(size_t) wats_route_count(void);
/** Route i (0-based) or NULL; static, never free. */
WATS_EXTERN(const wats_route *) wats_route_at(size_t i);
/** Find a route by name ("product.get_bom") or id ("PR14", any case); NULL if none. */
WATS_EXTERN(const wats_route *) wats_route_find(const char *name_or_id);

typedef struct wats_param {
	const char *key;
	const char *value;
} wats_param;

/**
 * Call a route by name or id. Each param fills a path placeholder (escaped as one path
 * segment: "/" in a serial number cannot break the URL) or a query parameter of the route;
 * an unknown key, a missing placeholder, or a body for a route that takes none is WATS_EINVAL
 * with a message listing what the route accepts. body/body_len is sent with the route's
 * content type (JSON unless the route says otherwise). *out: as wats_client_request (always
 * free it with wats_response_free).
 */
WATS_EXTERN(int) wats_call(wats_response **out, wats_client *client, const char *route,
			   const wats_param *params, size_t nparams, const void *body, size_t body_len);

/* ---------------------------------------------------------------------------------------- */
/* OData filter builder ($filter of report header queries, assets, ...)                      */

typedef struct wats_odata wats_odata;

WATS_EXTERN(int) wats_odata_new(wats_odata **out);
WATS_EXTERN(void) wats_odata_free(wats_odata *filter);
/** Join terms with "or" instead of "and" (for the whole builder). */
WATS_EXTERN(void) wats_odata_use_or(wats_odata *filter, int use_or);
/** field op 'value' with quotes doubled; op is eq, ne, gt, ge, lt or le. */
WATS_EXTERN(int) wats_odata_add_string(wats_odata *filter, const char *field, const char *op,
				       const char *value);
/** field op number (printed with up to 17 significant digits). */
WATS_EXTERN(int) wats_odata_add_number(wats_odata *filter, const char *field, const char *op,
				       double value);
/** field op 2026-01-31T12:00:00Z, from UTC seconds since 1970 (really UTC, unlike pyWATS). */
WATS_EXTERN(int) wats_odata_add_time(wats_odata *filter, const char *field, const char *op,
				     int64_t utc_seconds);
/** func(field,'value'), func one of contains, startswith, endswith. */
WATS_EXTERN(int) wats_odata_add_function(wats_odata *filter, const char *func, const char *field,
					 const char *value);
/** An expression used as is, in parentheses (the caller escapes it). */
WATS_EXTERN(int) wats_odata_add_raw(wats_odata *filter, const char *expression);
/** The filter text so far ("" when empty). Owned by the builder, valid until it changes. */
WATS_EXTERN(const char *) wats_odata_text(const wats_odata *filter);
/** 'text' with every ' doubled. *out owned by the caller (wats_free). */
WATS_EXTERN(int) wats_odata_quote(char **out, const char *text);

/* ---------------------------------------------------------------------------------------- */
/* Reports                                                                                   */

typedef enum wats_wire_format {
	WATS_WIRE_AUTO = 0, /**< submit: '<' starts WSXF, anything else is WSJF */
	WATS_WIRE_WSJF = 1, /**< JSON */
	WATS_WIRE_WSXF = 2  /**< XML */
} wats_wire_format;

/** Flags of wats_api_submit_report. */
#define WATS_SUBMIT_APPLY_STATION (1u << 0) /**< WSJF: fill empty machineName/location/purpose
					     from the client's station (parses the report) */

/**
 * Submit one report (POST /api/Report/WSJF or WSXF). Retried on 429/5xx/transport errors: the
 * report id makes a repeat harmless (the server stores the report once). *id_out (may be NULL)
 * receives the id the server answered with; caller frees it with wats_free().
 */
WATS_EXTERN(int) wats_api_submit_report(char **id_out, wats_client *client, const char *data,
					size_t len, wats_wire_format format, unsigned int flags);

/** Download a report as WSJF or WSXF text; *out (len bytes + NUL) freed with wats_free(). */
WATS_EXTERN(int) wats_api_get_report(char **out, size_t *len, wats_client *client,
				     const char *report_id, wats_wire_format format);

typedef struct wats_report_header {
	char *uuid;
	char *serial_number;
	char *part_number;
	char *revision;
	char *report_type;   /**< "U"/"T" (UUT) or "R" (UUR) as the server says */
	char *result;        /**< "Passed", "Failed", ... or the server's code */
	char *station_name;
	char *location;
	char *purpose;
	char *process_name;
	int process_code;
	char *operator_name;
	char *start_utc;     /**< ISO-8601 text as sent */
	double execution_time;
} wats_report_header;

typedef struct wats_report_header_list {
	wats_report_header *items;
	size_t count;
	char *json;          /**< the whole answer as received */
} wats_report_header_list;

WATS_EXTERN(void) wats_report_header_list_free(wats_report_header_list *list);

typedef struct wats_header_query {
	unsigned int version;
	int uur;              /**< 0 = UUT reports, 1 = UUR reports (reportType U/R) */
	const char *filter;   /**< OData $filter (see wats_odata), or NULL */
	unsigned int top;     /**< $top; 0 = 100 */
	unsigned int skip;    /**< $skip */
	const char *orderby;  /**< $orderby; NULL = "start desc" */
	const char *expand;   /**< $expand ("subUnits,miscInfo"), or NULL */
} wats_header_query;

#define WATS_HEADER_QUERY_VERSION 1
#define WATS_HEADER_QUERY_INIT { .version = WATS_HEADER_QUERY_VERSION }

/** GET /api/Report/Query/Header. */
WATS_EXTERN(int) wats_api_query_headers(wats_report_header_list **out, wats_client *client,
					const wats_header_query *query);

/* ---------------------------------------------------------------------------------------- */
/* Products                                                                                   */

typedef struct wats_product_revision {
	char *part_number;
	char *revision;
	char *name;
	char *description;
	int state;                  /**< 1 active, 0 inactive */
	char *product_revision_id;  /**< GUID, NULL for a new revision */
	char *product_id;
	char *json;                 /**< the server's object (NULL in caller-built structs) */
} wats_product_revision;

typedef struct wats_product {
	char *part_number;
	char *name;
	char *description;
	int non_serial;
	int state;                  /**< 1 active (default for new products), 0 inactive */
	char *product_id;
	wats_product_revision *revisions;
	size_t revision_count;
	char *json;                 /**< the server's object; when set, save keeps its other fields */
} wats_product;

WATS_EXTERN(void) wats_product_free(wats_product *product);
WATS_EXTERN(void) wats_product_revision_free(wats_product_revision *revision);

/** GET /api/Product/{partNumber}. WATS_ENOTFOUND when the server has no such product. */
WATS_EXTERN(int) wats_api_get_product(wats_product **out, wats_client *client,
				      const char *part_number);
/** PUT /api/Product (create or update). *out (may be NULL) gets the saved product. */
WATS_EXTERN(int) wats_api_save_product(wats_product **out, wats_client *client,
				       const wats_product *product);
/** PUT /api/Product/Revision. product_id is looked up from part_number when missing. */
WATS_EXTERN(int) wats_api_save_revision(wats_product_revision **out, wats_client *client,
					const wats_product_revision *revision);

/* ---------------------------------------------------------------------------------------- */
/* Production units                                                                           */

typedef struct wats_unit {
	char *serial_number;
	char *part_number;
	char *revision;
	char *batch_number;
	char *parent_serial_number;
	char *current_location;
	char *unit_phase;
	int unit_phase_id;     /**< 0 = not set */
	char *json;            /**< the server's object; when set, save keeps its other fields */
} wats_unit;

WATS_EXTERN(void) wats_unit_free(wats_unit *unit);

/** GET /api/Production/Unit/{sn}/{pn}. */
WATS_EXTERN(int) wats_api_get_unit(wats_unit **out, wats_client *client, const char *serial_number,
				   const char *part_number);
/** PUT /api/Production/Units with n units (create or update). */
WATS_EXTERN(int) wats_api_save_units(wats_client *client, const wats_unit *const *units, size_t n);

typedef struct wats_unit_verification {
	char *status;
	char *grade;
	int executed_in_order;   /**< allProcessesExecutedInCorrectOrder */
	int passed_first_run;    /**< allProcessesPassedFirstRun */
	int passed_any_run;
	int passed_last_run;     /**< the "is the unit passing" answer */
	int no_repairs;
	char *json;
} wats_unit_verification;

WATS_EXTERN(void) wats_unit_verification_free(wats_unit_verification *v);

/** GET /api/Production/UnitVerification (revision may be NULL). */
WATS_EXTERN(int) wats_api_verify_unit(wats_unit_verification **out, wats_client *client,
				      const char *serial_number, const char *part_number,
				      const char *revision);

/**
 * POST /api/Production/SerialNumbers/Take: reserve count serial numbers of a type (for this
 * station; ref_sn/ref_pn may be NULL). *out is an array of *n strings; free with
 * wats_strings_free(). Not retried: a repeat would take more numbers.
 */
WATS_EXTERN(int) wats_api_allocate_serials(char ***out, size_t *n, wats_client *client,
					   const char *type_name, unsigned int count,
					   const char *ref_sn, const char *ref_pn);

WATS_EXTERN(void) wats_strings_free(char **list, size_t n);

/* ---------------------------------------------------------------------------------------- */
/* Processes (operation types)                                                               */

typedef struct wats_process {
	int code;
	char *name;
	char *description;
	int is_test;
	int is_repair;
	int is_wip;
} wats_process;

typedef struct wats_process_list {
	wats_process *items;
	size_t count;
} wats_process_list;

WATS_EXTERN(void) wats_process_list_free(wats_process_list *list);

/** GET /api/App/Processes (cached by the client for its cache TTL). */
WATS_EXTERN(int) wats_api_get_processes(wats_process_list **out, wats_client *client);

/** The process with this code in list, or NULL. */
WATS_EXTERN(const wats_process *) wats_process_find(const wats_process_list *list, int code);

WATS_END_DECL
#endif
