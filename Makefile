# Set-up and entry points; CMake is the build.
#   make run   install what is missing, build, run etc/rules.cfg in the foreground
#   make test  install what is missing, then the whole suite, plain and
#              under AddressSanitizer + UndefinedBehaviorSanitizer

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)

.PHONY: all deps build build-asan run test test-plain test-asan clean

all: build

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/dispatcher -c etc/rules.cfg

test-plain: build
	cd $(BUILD) && ctest --output-on-failure -j 2

# Sanitizer reports go to files, from every process: the dispatcher, its
# workers, and Criterion's forked tests (whose leaks would not fail a
# test by themselves).  Any report fails the run.
SANLOG = $(abspath $(ASAN_BUILD))/sanitizer-logs
test-asan: build-asan
	rm -rf $(SANLOG) && mkdir -p $(SANLOG)
	cd $(ASAN_BUILD) && \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(SANLOG)/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SANLOG)/ubsan \
	    ctest --output-on-failure -j 2
	@if ls $(SANLOG)/* >/dev/null 2>&1; then \
	    cat $(SANLOG)/*; echo "FAIL: sanitizer reports above"; exit 1; fi

# The sanitizer run comes last so that its summary line ends the output.
test: test-plain test-asan

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
