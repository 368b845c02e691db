#!/usr/bin/env python3
"""Generate src/lib/report/keys_gen.{h,c}: the WSJF keys libwats knows, interned as static strings.

Why generated: the parser looks up every key it reads (5,000 in a 97 KB report). A collision-free
open-addressing table computed here makes that one hash and one memcmp, with no start-up work and
no mutable global state. Run after editing KEYS or ALIASES; the output is committed.
"""
import os

KEYS = """
id type pn sn rev processCode result machineName location purpose start startUTC subUnits miscInfos
assets assetStats binaryData additionalData origin productName processName processCodeFormat uut uur root
user comment execTime fixtureId testSocketIndex testSocketIndexFormat errorCode errorCodeFormat errorMessage
batchSN batchFailCount batchFailCountFormat batchLoopIndex batchLoopIndexFormat stepIdCausedUUTFailure
referencedByUURs testOperationCode testOperationName testOperationGuid refUUT confirmDate finalizeDate active
parent children userLoginName execTimeFormat partType position idx parentIdx replacedIdx failures category
code comRef funcBlock refStepId refStepName artNumber artRev artVendor artDescription failIdx description
text numeric typedef numericFormat assetType partNumber usageCount calibrationDate calibrationDue assetSN
usageCountFormat contentType data name props flags value numFormat array dimension indexes num endingIndex
passed failed chartType label xLabel xUnit yLabel yUnit series dataType xdata ydata path version stepType
group status reportText totTime totTimeFormat tsGuid causedSeqFailure causedUUTFailure loop
additionalResults chart attachment seqCall caller module steps numericMeas booleanMeas stringMeas callExe
messagePopup buttonFormat valueFormat unit compOp highLimit highLimitFormat lowLimit lowLimitFormat limit
exitCode response button
""".split()

# Python field names pyWATS accepts on input (populate_by_name), mapped to the WSJF key.
# ctx "*" = any object the model knows; otherwise only in that context.
ALIASES = [
    ("process_code", "processCode", "*"), ("station_name", "machineName", "*"),
    ("start_utc", "startUTC", "*"), ("sub_units", "subUnits", "*"), ("misc_infos", "miscInfos", "*"),
    ("asset_stats", "assetStats", "*"), ("binary_data", "binaryData", "*"),
    ("additional_data", "additionalData", "*"), ("product_name", "productName", "*"),
    ("process_name", "processName", "*"), ("process_code_format", "processCodeFormat", "*"),
    ("exec_time", "execTime", "*"), ("fixture_id", "fixtureId", "*"),
    ("socket_index", "testSocketIndex", "*"), ("socket_index_format", "testSocketIndexFormat", "*"),
    ("error_code", "errorCode", "*"), ("error_code_format", "errorCodeFormat", "*"),
    ("error_message", "errorMessage", "*"), ("batch_number", "batchSN", "*"),
    ("batch_fail_count", "batchFailCount", "*"), ("batch_fail_count_format", "batchFailCountFormat", "*"),
    ("batch_loop_index", "batchLoopIndex", "*"), ("batch_loop_index_format", "batchLoopIndexFormat", "*"),
    ("step_id_caused_uut_failure", "stepIdCausedUUTFailure", "*"),
    ("referenced_by_uurs", "referencedByUURs", "*"), ("test_operation_code", "testOperationCode", "*"),
    ("test_operation_name", "testOperationName", "*"), ("test_operation_guid", "testOperationGuid", "*"),
    ("ref_uut", "refUUT", "*"), ("confirm_date", "confirmDate", "*"), ("finalize_date", "finalizeDate", "*"),
    ("part_type", "partType", "*"), ("parent_idx", "parentIdx", "*"), ("replaced_idx", "replacedIdx", "*"),
    ("com_ref", "comRef", "*"), ("component_ref", "comRef", "*"), ("func_block", "funcBlock", "*"),
    ("ref_step_id", "refStepId", "*"), ("ref_step_name", "refStepName", "*"),
    ("art_number", "artNumber", "*"), ("art_rev", "artRev", "*"), ("art_vendor", "artVendor", "*"),
    ("art_description", "artDescription", "*"), ("fail_idx", "failIdx", "*"),
    ("asset_type", "assetType", "*"), ("part_number", "partNumber", "*"), ("usage_count", "usageCount", "*"),
    ("calibration_date", "calibrationDate", "*"), ("calibration_due", "calibrationDue", "*"),
    ("content_type", "contentType", "*"), ("num_format", "numFormat", "*"),
    ("ending_index", "endingIndex", "*"), ("chart_type", "chartType", "*"), ("x_label", "xLabel", "*"),
    ("x_unit", "xUnit", "*"), ("y_label", "yLabel", "*"), ("y_unit", "yUnit", "*"),
    ("data_type", "dataType", "*"), ("step_type", "stepType", "*"), ("report_text", "reportText", "*"),
    ("tot_time", "totTime", "*"), ("tot_time_format", "totTimeFormat", "*"), ("ts_guid", "tsGuid", "*"),
    ("caused_seq_failure", "causedSeqFailure", "*"), ("caused_uut_failure", "causedUUTFailure", "*"),
    ("additional_results", "additionalResults", "*"), ("seq_call", "seqCall", "*"),
    ("call_exe", "callExe", "*"), ("message_popup", "messagePopup", "*"),
    ("value_format", "valueFormat", "*"), ("comp_op", "compOp", "*"), ("high_limit", "highLimit", "*"),
    ("high_limit_format", "highLimitFormat", "*"), ("low_limit", "lowLimit", "*"),
    ("low_limit_format", "lowLimitFormat", "*"), ("exit_code", "exitCode", "*"),
    ("button_format", "buttonFormat", "*"),
    ("operator", "user", "uut"), ("operator", "user", "uur"),
    ("i", "idx", "loop"), ("n", "num", "loop"),
]

def fnv1a(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h

def build_table(keys):
    size = 1024
    slots = [0] * size
    worst = 0
    for i, k in enumerate(keys):
        pos = fnv1a(k) & (size - 1)
        probes = 1
        while slots[pos]:
            pos = (pos + 1) & (size - 1)
            probes += 1
        slots[pos] = i + 1
        worst = max(worst, probes)
    return size, slots, worst

def ident(k):
    return "WATS_K_" + k

def main():
    assert len(set(KEYS)) == len(KEYS), "duplicate key"
    for a, c, _ in ALIASES:
        assert c in KEYS, c
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "lib", "report")
    size, slots, worst = build_table(KEYS)
    h = ["/* Generated by scripts/gen_keys.py: do not edit. */",
         "#ifndef WATS_REPORT_KEYS_GEN_H", "#define WATS_REPORT_KEYS_GEN_H", "", "#include <stddef.h>", "",
         "enum wats_key_id {"]
    h += ["\t%s," % ident(k) for k in KEYS]
    h += ["\tWATS_K__COUNT", "};", "",
          "/** The interned key strings, indexed by wats_key_id. */",
          "extern const char *const wats__key_names[WATS_K__COUNT];",
          "/** Their lengths. */",
          "extern const unsigned char wats__key_lens[WATS_K__COUNT];",
          "/** Index of a known key, or -1. */",
          "int wats__key_lookup(const char *s, size_t len);",
          "", "typedef struct wats_key_alias { const char *alias; int key; const char *ctx; } wats_key_alias;",
          "extern const wats_key_alias wats__key_aliases[];", "extern const size_t wats__key_alias_count;",
          "", "#endif", ""]
    c = ["/* Generated by scripts/gen_keys.py: do not edit. */", '#include "report/keys_gen.h"', "",
         "#include <string.h>", "", "const char *const wats__key_names[WATS_K__COUNT] = {"]
    c += ['\t"%s",' % k for k in KEYS]
    c += ["};", "", "const unsigned char wats__key_lens[WATS_K__COUNT] = {"]
    c += ["\t" + ", ".join(str(len(k)) for k in KEYS[i:i + 16]) + "," for i in range(0, len(KEYS), 16)]
    c += ["};", "", "static const unsigned short slots[%d] = {" % size]
    for i in range(0, size, 16):
        c.append("\t" + ", ".join(str(v) for v in slots[i:i + 16]) + ",")
    c += ["};", "",
          "/* FNV-1a, the same hash the generator used; at most %d probes for any known key. */" % worst,
          "int wats__key_lookup(const char *s, size_t len)", "{",
          "\tunsigned h = 2166136261u;",
          "\tfor (size_t i = 0; i < len; i++)",
          "\t\th = (h ^ (unsigned char)s[i]) * 16777619u;",
          "\tfor (unsigned pos = h & %du;; pos = (pos + 1) & %du) {" % (size - 1, size - 1),
          "\t\tunsigned v = slots[pos];",
          "\t\tif (!v)", "\t\t\treturn -1;",
          "\t\tif (wats__key_lens[v - 1] == len && !memcmp(wats__key_names[v - 1], s, len))",
          "\t\t\treturn (int)v - 1;", "\t}", "}", "",
          "const wats_key_alias wats__key_aliases[] = {"]
    c += ['\t{ "%s", %s, "%s" },' % (a, ident(k), ctx) for a, k, ctx in ALIASES]
    c += ["};", "const size_t wats__key_alias_count = sizeof(wats__key_aliases) / sizeof(wats__key_aliases[0]);", ""]
    open(os.path.join(here, "keys_gen.h"), "w").write("\n".join(h))
    open(os.path.join(here, "keys_gen.c"), "w").write("\n".join(c))

main()
