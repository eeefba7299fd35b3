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

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j 2

# The sanitizer run comes last so that its summary line ends the output.
test: test-plain test-asan

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
