#include "cli.h"
int wats_cmd_validate(int argc, char **argv) { (void)argc; (void)argv; return WATS_EXIT_INTERNAL; }
int wats_cmd_fmt(int argc, char **argv) { (void)argc; (void)argv; return WATS_EXIT_INTERNAL; }
int wats_cmd_diff(int argc, char **argv) { (void)argc; (void)argv; return WATS_EXIT_INTERNAL; }
int wats_cmd_summary(int argc, char **argv) { (void)argc; (void)argv; return WATS_EXIT_INTERNAL; }
