/* Route handlers, one file per WATS domain (h_*.c). Each fills r->resp via ds_reply_*. */
#ifndef WATS_DEVSERVER_HANDLERS_H
#define WATS_DEVSERVER_HANDLERS_H

#include "devserver.h"

/* h_reports.c */
int h_report_post_wsjf(ds_req *r);
int h_report_post_wsxf(ds_req *r);
int h_report_get_wsjf(ds_req *r);
int h_report_get_wsxf(ds_req *r);
int h_report_query_header(ds_req *r);
int h_report_query_misc(ds_req *r);

/* h_app.c */
int h_app_version(ds_req *r);
int h_app_processes(ds_req *r);
int h_true(ds_req *r);
int h_empty_list(ds_req *r);
int h_app_levels(ds_req *r);
int h_app_product_groups(ds_req *r);
/* Name of a built-in process code, or NULL. */
const char *ds_process_name(int64_t code);

/* h_product.c */
int h_product_query(ds_req *r);
int h_product_get(ds_req *r);
int h_product_put(ds_req *r);
int h_product_revision_get(ds_req *r);
int h_products_put(ds_req *r);
int h_revision_put(ds_req *r);
int h_revisions_put(ds_req *r);
int h_product_groups(ds_req *r);
int h_product_group_put(ds_req *r);
int h_vendors_get(ds_req *r);
int h_vendor_put(ds_req *r);
int h_vendor_delete(ds_req *r);

/* h_production.c */
int h_unit_get(ds_req *r);
int h_units_put(ds_req *r);
int h_unit_verification(ds_req *r);
int h_unit_set_phase(ds_req *r);
int h_unit_set_process(ds_req *r);
int h_unit_phases(ds_req *r);
int h_unit_add_child(ds_req *r);
int h_unit_remove_child(ds_req *r);
int h_serials_take(ds_req *r);

/* h_asset.c */
int h_assets_get(ds_req *r);
int h_asset_get(ds_req *r);
int h_asset_put(ds_req *r);
int h_asset_delete(ds_req *r);
int h_asset_status(ds_req *r);
int h_asset_state(ds_req *r);
int h_asset_count(ds_req *r);
int h_asset_reset_count(ds_req *r);
int h_asset_calibration(ds_req *r);
int h_asset_maintenance(ds_req *r);
int h_asset_log(ds_req *r);
int h_asset_message(ds_req *r);
int h_asset_types_get(ds_req *r);
int h_asset_type_put(ds_req *r);
int h_asset_subassets(ds_req *r);

/* h_software.c */
int h_packages_get(ds_req *r);
int h_package_get(ds_req *r);
int h_package_by_name(ds_req *r);
int h_packages_by_tag(ds_req *r);
int h_package_post(ds_req *r);
int h_package_put(ds_req *r);
int h_package_delete(ds_req *r);
int h_package_delete_by_name(ds_req *r);
int h_package_status(ds_req *r);
int h_package_files(ds_req *r);

/* h_rootcause.c */
int h_ticket_get(ds_req *r);
int h_tickets_get(ds_req *r);
int h_ticket_post(ds_req *r);
int h_ticket_put(ds_req *r);
int h_tickets_archive(ds_req *r);

/* h_dev.c */
int h_dev_faults_get(ds_req *r);
int h_dev_faults_post(ds_req *r);
int h_dev_faults_delete(ds_req *r);
int h_dev_stats_get(ds_req *r);
int h_dev_stats_delete(ds_req *r);

#endif

/* doc_util.c: small JSON helpers shared by the domain handlers. */
#ifndef WATS_DEVSERVER_DOC_UTIL
#define WATS_DEVSERVER_DOC_UTIL
/* String value of key, or NULL when absent, null or not a string. */
const char *ds_jstr(json_object *o, const char *key);
/* Non-empty string value of key; else replies 400 naming the field and returns NULL. */
const char *ds_jrequire(ds_req *r, json_object *o, const char *key, const char *what);
/* Set key (replacing), taking ownership of v. */
void ds_jset(json_object *o, const char *key, json_object *v);
/* Copy every key of src into dst (shallow: values are shared by reference count). */
void ds_jmerge(json_object *dst, json_object *src);
/* Set key to the current UTC time. */
void ds_jset_now(json_object *o, const char *key);
/* First document of kind whose JSON property field equals value (a new object), or NULL. */
json_object *ds_doc_find(ds_store *st, const char *kind, const char *field, const char *value);
/* Reply with the documents of kind, honouring $filter, $orderby, $top and $skip. */
int ds_reply_doc_query(ds_req *r, const char *kind);
#endif
