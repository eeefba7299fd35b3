# Set-up and entry points; CMake is the build.
#   make run   install what is missing, build, run etc/rules.cfg in the foreground
#   make test  install what is missing, then the whole suite, plain and
#              under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz  install clang if missing, build fuzz/ with libFuzzer and run
#              each target for FUZZ_SECONDS; `make fuzz-smoke` for CI
#   make chaos build, then the fault-injection scenarios (tests/chaos/),
#              each printing what it served, refused and lost
#   make bench install gnuplot if missing, build, then run the benchmark
#              scenarios (bench/run), plots into build/bench-out
#   make bench-before REV=<git revision>
#              the same, with REV's dispatcher built into build-before and
#              measured against this tree's in rows 1 to 3
#   make install  build, then install under PREFIX (/usr/local), inside
#              DESTDIR if set: the dispatcher in sbin, its worker in
#              libexec/dispatcher, the man pages, an example configuration,
#              the systemd units under lib/systemd/system
#   make deb   build, then the same as a Debian package (CPack), in BUILD

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
BEFORE     ?= build-before
JOBS       ?= $(shell nproc)
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 20

.PHONY: all deps build build-asan run test test-plain test-asan chaos clean \
	fuzz-deps fuzz-build fuzz fuzz-smoke bench-deps bench bench-before \
	install deb

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

# Throughput and priority under load, against baselines measured in the
# same run (bench/run); BENCH_SECONDS sets the length of one round.
# gnuplot draws the plots; bench/run run alone skips them without it.
bench-deps:
	@scripts/install-deps gnuplot-nox

bench: bench-deps build
	BUILD=$(BUILD) bench/run

# Before and after: REV's dispatcher and worker, from `git archive` into a
# temporary folder, built into BEFORE, then bench/run with BENCH_BEFORE:
# rows 1 to 3 measure both builds, in turn within each round.  REV's
# source goes once built; BEFORE keeps the programs and a REVISION file.
bench-before: bench-deps build
	@if [ -z "$(REV)" ]; then \
	    echo "usage: make bench-before REV=<git revision> [BEFORE=dir]" >&2; \
	    exit 64; fi
	@case "$(BEFORE)" in ''|.|/|$(BUILD)) \
	    echo "bench-before: BEFORE must be a build folder of its own" >&2; \
	    exit 64;; esac
	@set -e; \
	rev=$$(git rev-parse --verify --quiet "$(REV)^{commit}") || \
	    { echo "bench-before: no commit $(REV)" >&2; exit 64; }; \
	src=$$(mktemp -d "$${TMPDIR:-/tmp}/dispatcher-before.XXXXXX"); \
	trap 'rm -rf "$$src"' EXIT; \
	git archive "$$rev" | tar -x -C "$$src"; \
	rm -rf "$(BEFORE)/CMakeCache.txt" "$(BEFORE)/CMakeFiles"; \
	mkdir -p "$(BEFORE)"; \
	log="$(BEFORE)/build.log"; \
	{ cmake -S "$$src" -B "$(BEFORE)" -DCMAKE_BUILD_TYPE=RelWithDebInfo && \
	  cmake --build "$(BEFORE)" -j $(JOBS) --target dispatcher \
	    dispatch-worker; } >"$$log" 2>&1 || \
	    { tail -n 40 "$$log"; echo "bench-before: $(REV) does not build" >&2; \
	      exit 1; }; \
	git log -1 --format='%h %s' "$$rev" >"$(BEFORE)/REVISION"; \
	echo "bench-before: $(REV) ($$(cat "$(BEFORE)/REVISION")) built into $(BEFORE)"
	BUILD=$(BUILD) BENCH_BEFORE=$(BEFORE) bench/run

test-plain: build
	cd $(BUILD) && ctest --output-on-failure -j 2 -LE chaos

# One scenario at a time: each measures what a loaded machine would blur.
chaos: build
	@rm -f $(BUILD)/chaos-results.txt
	@cd $(BUILD) && ctest --output-on-failure -L chaos; \
	    rc=$$?; echo "--- chaos figures"; \
	    cat chaos-results.txt 2>/dev/null; exit $$rc

# Sanitizer reports go to files, from every process: the dispatcher, its
# workers, and Criterion's forked tests (whose leaks would not fail a
# test by themselves).  Any error report fails the run; a note of the
# suppressions used (tests/lsan.supp) does not.
SANLOG = $(abspath $(ASAN_BUILD))/sanitizer-logs
test-asan: build-asan
	rm -rf $(SANLOG) && mkdir -p $(SANLOG)
	cd $(ASAN_BUILD) && \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(SANLOG)/asan \
	    LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SANLOG)/ubsan \
	    ctest --output-on-failure -j 2 -LE chaos
	@if grep -lE 'ERROR: |runtime error' $(SANLOG)/* >/dev/null 2>&1; then \
	    cat $(SANLOG)/*; echo "FAIL: sanitizer reports above"; exit 1; fi

# The sanitizer run comes last so that its summary line ends the output.
test: test-plain test-asan

# Each fuzzer runs on a scratch copy of its corpus, so that what it finds
# does not land in fuzz/corpus/; a crash leaves its input in the scratch
# folder's artifacts/ and fails the run.
FUZZ_WORK = $(abspath $(FUZZ_BUILD))/fuzz-work
FUZZ_FLAGS = -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

fuzz-deps:
	@scripts/install-deps clang libclang-rt-14-dev

fuzz-build: fuzz-deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DFUZZ=ON \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: fuzz-build
	@status=0; \
	for bin in $(FUZZ_BUILD)/fuzz/fuzz_*; do \
	    [ -x "$$bin" ] || continue; \
	    name=$${bin##*/fuzz_}; work=$(FUZZ_WORK)/$$name; \
	    rm -rf "$$work" && mkdir -p "$$work/corpus" "$$work/artifacts"; \
	    if [ -d fuzz/corpus/$$name ]; then \
	        cp -R fuzz/corpus/$$name/. "$$work/corpus/"; fi; \
	    dict=; [ -f fuzz/$$name.dict ] && dict=-dict=fuzz/$$name.dict; \
	    echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	    if "$$bin" $$dict -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
	        -artifact_prefix="$$work/artifacts/" "$$work/corpus" \
	        >"$$work/log" 2>&1; then \
	        grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$$work/log" | \
	            tail -n 1; \
	        grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' \
	            "$$work/log"; \
	    else \
	        tail -n 60 "$$work/log"; \
	        echo "FAIL: fuzz_$$name; input in $$work/artifacts/"; \
	        status=1; \
	    fi; \
	done; \
	exit $$status

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

deb: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
