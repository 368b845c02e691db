# Thin wrapper over CMake. Every target installs missing Debian build dependencies first.
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_G := -G Ninja

.PHONY: all deps deps-web build check check-asan check-valgrind check-tsan demo bench fuzz install clean

all: build

deps:
	@scripts/deps.sh

# chromium, node, npm and playwright-core for the web end-to-end test (tests/web).
deps-web: deps
	@scripts/deps-web.sh

build: deps
	@cmake -S . -B $(BUILD)/release $(CMAKE_G) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD)/release -j $(JOBS)

# The tests labelled 'valgrind' under valgrind memcheck, those labelled 'tsan' under
# ThreadSanitizer, then the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (the three cannot share one binary; the full run comes last so its summary closes the log).
check: check-valgrind check-tsan check-asan

check-asan: deps deps-web
	@cmake -S . -B $(BUILD)/asan $(CMAKE_G) -DCMAKE_BUILD_TYPE=Debug -DWATS_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD)/asan -j $(JOBS)
	@cd $(BUILD)/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS) --timeout 600

check-valgrind: deps
	@cmake -S . -B $(BUILD)/valgrind $(CMAKE_G) -DCMAKE_BUILD_TYPE=Debug -DWATS_VALGRIND=ON >/dev/null
	@cmake --build $(BUILD)/valgrind -j $(JOBS)
	@cd $(BUILD)/valgrind && ctest -L valgrind --output-on-failure -j $(JOBS) --timeout 900

# The tests labelled 'tsan' (several threads on one client) under ThreadSanitizer.
check-tsan: deps
	@cmake -S . -B $(BUILD)/tsan $(CMAKE_G) -DCMAKE_BUILD_TYPE=Debug -DWATS_TSAN=ON >/dev/null
	@cmake --build $(BUILD)/tsan -j $(JOBS)
	@cd $(BUILD)/tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		ctest -L tsan --output-on-failure -j $(JOBS) --timeout 900

demo: build
	@scripts/demo.sh $(BUILD)/release

bench: deps
	@scripts/deps.sh wrk
	@cmake -S . -B $(BUILD)/bench $(CMAKE_G) -DCMAKE_BUILD_TYPE=Release -DWATS_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BUILD)/bench -j $(JOBS)
	@scripts/bench.sh $(BUILD)/bench

fuzz: deps
	@CC=clang cmake -S . -B $(BUILD)/fuzz $(CMAKE_G) -DCMAKE_BUILD_TYPE=Debug -DWATS_FUZZ=ON -DWATS_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BUILD)/fuzz -j $(JOBS)

install: build
	@cmake --install $(BUILD)/release

clean:
	rm -rf $(BUILD)
