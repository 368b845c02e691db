/* /api/RootCause...: tickets with a comment history. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define K_TICKET "ticket"
#define STATUS_OPEN 1
#define STATUS_ARCHIVED 32

/* Move a pending `update` ({content, ...}) into `history`, as the server records comments. */
static void apply_update(json_object *t, const char *user)
{
	json_object *u = json_object_object_get(t, "update");
	if (u && json_object_is_type(u, json_type_object)) {
		json_object *h = json_object_object_get(t, "history");
		if (!h || !json_object_is_type(h, json_type_array)) {
			h = json_object_new_array();
			ds_jset(t, "history", h);
		}
		json_object *e = json_object_new_object();
		ds_jmerge(e, u);
		char id[37];
		ds_guid_new(id);
		ds_jset(e, "updateId", json_object_new_string(id));
		ds_jset_now(e, "updateUtc");
		if (!ds_jstr(e, "updateUser"))
			ds_jset(e, "updateUser", json_object_new_string(user ? user : ""));
		if (!json_object_object_get(e, "updateType"))
			ds_jset(e, "updateType", json_object_new_int(0));
		json_object_array_add(h, e);
	}
	json_object_object_del(t, "update");
}

int h_ticket_get(ds_req *r)
{
	const char *id = ds_query_required(r, "ticketId");
	if (!id)
		return 0;
	json_object *t = ds_doc_get(&r->srv->store, K_TICKET, id, NULL);
	if (!t)
		ds_reply_error(r, 404, "ticket '%s' not found", id);
	else
		ds_reply_json(r, 200, t);
	return 0;
}

int h_tickets_get(ds_req *r)
{
	long status;
	if (ds_query_long(r, "status", 0, 0, 1L << 30, &status) < 0)
		return 0;
	const char *search = ds_query(r, "searchString");
	char err[256];
	json_object *all = ds_doc_list(&r->srv->store, K_TICKET, NULL, NULL, NULL, NULL, -1, 0, err,
				       sizeof(err));
	if (!all) {
		ds_reply_error(r, 500, "%s", err);
		return 0;
	}
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *t = json_object_array_get_idx(all, i);
		long s = (long)json_object_get_int64(json_object_object_get(t, "status"));
		if (status && !(s & status))
			continue;
		const char *subj = ds_jstr(t, "subject");
		if (search && *search && (!subj || !strcasestr(subj, search)))
			continue;
		json_object_array_add(out, json_object_get(t));
	}
	json_object_put(all);
	ds_reply_json(r, 200, out);
	return 0;
}

int h_ticket_post(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	if (ds_jrequire(r, body, "subject", "ticket")) {
		json_object *t = json_object_new_object();
		ds_jmerge(t, body);
		char id[37];
		ds_guid_new(id);
		ds_jset(t, "ticketId", json_object_new_string(id));
		ds_jset(t, "ticketNumber",
			json_object_new_int64(ds_store_next_counter(&r->srv->store, K_TICKET)));
		if (!json_object_object_get(t, "status"))
			ds_jset(t, "status", json_object_new_int(STATUS_OPEN));
		if (!json_object_object_get(t, "priority"))
			ds_jset(t, "priority", json_object_new_int(1));
		if (!json_object_object_get(t, "history"))
			ds_jset(t, "history", json_object_new_array());
		ds_jset_now(t, "createdUtc");
		ds_jset_now(t, "updatedUtc");
		apply_update(t, ds_jstr(t, "owner"));
		ds_doc_put(&r->srv->store, K_TICKET, id, NULL, t);
		ds_reply_json(r, 200, t);
	}
	json_object_put(body);
	return 0;
}

int h_ticket_put(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_object);
	if (!body)
		return 0;
	const char *id = ds_jrequire(r, body, "ticketId", "ticket");
	json_object *t = id ? ds_doc_get(&r->srv->store, K_TICKET, id, NULL) : NULL;
	if (id && !t)
		ds_reply_error(r, 404, "ticket '%s' not found", id);
	if (t) {
		/* The history is the server's: a client sends new comments in `update`. */
		json_object *hist = json_object_get(json_object_object_get(t, "history"));
		json_object *number = json_object_get(json_object_object_get(t, "ticketNumber"));
		ds_jmerge(t, body);
		ds_jset(t, "history", hist ? hist : json_object_new_array());
		ds_jset(t, "ticketNumber", number);
		ds_jset_now(t, "updatedUtc");
		apply_update(t, ds_jstr(t, "assignee"));
		ds_doc_put(&r->srv->store, K_TICKET, id, NULL, t);
		ds_reply_json(r, 200, t);
	}
	json_object_put(body);
	return 0;
}

int h_tickets_archive(ds_req *r)
{
	json_object *body = ds_body_json(r, json_type_array);
	if (!body)
		return 0;
	json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(body); i++) {
		json_object *v = json_object_array_get_idx(body, i);
		const char *id = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
									 : NULL;
		json_object *t = id ? ds_doc_get(&r->srv->store, K_TICKET, id, NULL) : NULL;
		if (!t) {
			ds_reply_error(r, 404, "ticket %s not found", id ? id : "(not a string id)");
			json_object_put(out);
			json_object_put(body);
			return 0;
		}
		ds_jset(t, "status", json_object_new_int(STATUS_ARCHIVED));
		ds_jset_now(t, "updatedUtc");
		ds_doc_put(&r->srv->store, K_TICKET, id, NULL, t);
		json_object_array_add(out, t);
	}
	json_object_put(body);
	ds_reply_json(r, 200, out);
	return 0;
}
