# The front door. `make run` and `make test` install what is missing, build, and go.
SHELL := /bin/bash
SIGFLOW := build/release/src/cli/sigflow
JOBS ?= 2
# ctest's slots: twice the cores, since most tests wait on PostgreSQL, Kafka or a timeout (the
# release tree's tests kept 41% of two cores busy at -j2). The busy ones claim several slots
# (PROCESSORS in tests/CMakeLists.txt): at most two e2e scripts at once, and an integration test
# beside one light test only.
TEST_JOBS ?= 4

.PHONY: run test deps build build-asan test-release test-asan format format-check clean

# `run` builds only the binary (not the tests), so a first `make run` is quick.
run: deps
	@cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target sigflow
	$(SIGFLOW) run

test: deps
	$(MAKE) format-check
	$(MAKE) build
	$(MAKE) build-asan
	$(MAKE) test-release
	$(MAKE) test-asan

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

test-release:
	ctest --preset release -j $(TEST_JOBS)

test-asan:
	ctest --preset asan -j $(TEST_JOBS)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
