# The report fuzzer as a plain program (fuzz/standalone_driver.c): built in every test build
# (gcc or clang, with the sanitizers when WATS_SANITIZE is on) and run by ctest over the seed
# corpus and the saved crash inputs. Included from tests/cli/CMakeLists.txt.
add_executable(report_parse_standalone
  ${CMAKE_SOURCE_DIR}/fuzz/report_parse_fuzzer.c
  ${CMAKE_SOURCE_DIR}/fuzz/standalone_driver.c)
target_link_libraries(report_parse_standalone PRIVATE wats_core)
add_test(NAME fuzz_report_corpus
  COMMAND report_parse_standalone ${CMAKE_SOURCE_DIR}/fuzz/corpus/report
          ${CMAKE_SOURCE_DIR}/fuzz/regressions/report)
set_tests_properties(fuzz_report_corpus PROPERTIES LABELS "fuzz")
