# cfaudit: a plain Makefile (no autotools).
#   make          build ./cfaudit (-Werror)
#   make check    build and run every test (ends with "N passed, N failed")
#   make demo     audit the bundled sample origins
#   make asan     build ./cfaudit-asan and the tests with ASan+UBSan; make asan check runs them
#   make bench    benchmark on a generated big server (see tests/bench)
#   make valgrind-check   the whole suite with cfaudit under memcheck (slow; not in .ci/run)
# Missing Debian packages are installed when run as root; otherwise the one
# apt-get line that installs them is printed.

CC ?= cc
PKGS = libnftnl libmnl libxml-2.0 openssl jansson libpcre2-8 ldns
BUILD_DEBS = build-essential pkg-config libnftnl-dev libmnl-dev libxml2-dev libssl-dev libjansson-dev libpcre2-dev libldns-dev
TEST_DEBS = iptables ipset nftables iproute2 jq valgrind python3-jsonschema libxml2-utils mandoc nginx-light apache2 curl openssl python3-yaml git ansible-core firewalld python3-dnspython bind9-utils
# issue 9: the hostile, valgrind and fuzz tests
TEST_DEBS += strace python3-cryptography clang libclang-rt-14-dev

WARN = -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
       -Wformat=2 -Wno-format-nonliteral -Wpointer-arith -Wvla
CFLAGS ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Iaudit -Ichecks -Ibuild
# Where SARIF rules point for help (the README's checks section).
ifdef HELP_URL
CPPFLAGS += -DCFAUDIT_HELP_URL='"$(HELP_URL)"'
endif
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

# "make asan check" runs the whole suite on the ASan+UBSan build.
ifneq ($(filter asan,$(MAKECMDGOALS)),)
ASAN = 1
endif
ifeq ($(ASAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
O = build/asan
BIN = cfaudit-asan
else
O = build/rel
BIN = cfaudit
endif

SRC = $(wildcard audit/*.c) $(wildcard checks/*.c)
LIBSRC = $(filter-out audit/main.c,$(SRC))
OBJ = $(patsubst %.c,$(O)/%.o,$(LIBSRC)) $(O)/ipranges_data.o
HDR = $(wildcard audit/*.h) $(wildcard checks/*.h) build/ipranges_data.h
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_BIN = $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
RANGE_DATA = ipranges/ips-v4.txt ipranges/ips-v6.txt ipranges/retired.txt \
	     ipranges/ports.txt ipranges/limits.txt ipranges/origin-ca-rsa-root.pem \
	     ipranges/origin-ca-ecc-root.pem ipranges/origin-pull-ca.pem ipranges/origin-ciphers.txt

.PHONY: all deps test-deps check demo asan bench clean test-bins fuzz man valgrind-check

all: deps $(BIN)

deps: build/.deps-build
build/.deps-build: Makefile tests/deps.sh
	@mkdir -p build
	@sh tests/deps.sh $(BUILD_DEBS)
	@touch $@

test-deps: build/.deps-test
build/.deps-test: Makefile tests/deps.sh
	@mkdir -p build
	@sh tests/deps.sh $(BUILD_DEBS) $(TEST_DEBS)
	@touch $@

$(BIN): $(O)/audit/main.o $(OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(O)/%.o: %.c $(HDR) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The Cloudflare data files are compiled in: no runtime file is needed.
# One recipe writes both files: the header depends on the C file so that a
# parallel make runs it once.
build/ipranges_data.c: $(RANGE_DATA) ipranges/embed.sh
	@mkdir -p build
	sh ipranges/embed.sh build/ipranges_data $(RANGE_DATA)
build/ipranges_data.h: build/ipranges_data.c

$(O)/ipranges_data.o: build/ipranges_data.c build/ipranges_data.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(O)/tests/%: tests/unit/%.c tests/unit/unit.h $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@ $< $(OBJ) $(LIBS)

# The fuzz targets' replay builds (tests/fuzz/fuzz.c without libFuzzer):
# make check replays every corpus and kept crasher through them.
FUZZERS = iptables iptables_xml ipset ranges nft firewalld nginx apache htaccess tls zone
REPLAY_BIN = $(patsubst %,$(O)/tests/replay_%,$(FUZZERS))

$(O)/tests/replay_%: tests/fuzz/fuzz.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -DFUZZ_REPLAY -DFUZZ_$(shell echo $* | tr a-z A-Z) -o $@ $< $(OBJ) $(LIBS)

test-bins: $(BIN) $(UNIT_BIN) $(O)/tests/probe $(REPLAY_BIN) $(O)/tests/nginx_resolve \
	   $(O)/tests/tls_predict $(O)/tests/apache_resolve

# The nginx oracle asks the model which server block answers each host.
$(O)/tests/nginx_resolve: tests/oracle/nginx_resolve.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(OBJ) $(LIBS)

# The Apache oracle asks the model which virtual host answers each host.
$(O)/tests/apache_resolve: tests/oracle/apache_resolve.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(OBJ) $(LIBS)

# The TLS oracle asks the TLS evaluator what each hostname gets.
$(O)/tests/tls_predict: tests/oracle/tls_predict.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(OBJ) $(LIBS)

$(O)/tests/probe: tests/oracle/probe.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $<

check: test-deps
	@$(MAKE) --no-print-directory ASAN=$(ASAN) test-bins
	@BIN=./$(BIN) O=$(O) sh tests/run.sh

asan: deps
	@$(MAKE) --no-print-directory ASAN=1 test-bins

# The whole suite with cfaudit under memcheck (slow: not part of .ci/run,
# which runs tests/valgrind.test.sh's subset); no log may hold an error
# ("==PID==" lines; "--PID--" lines are valgrind's own warnings, e.g. that
# it does not know the Landlock calls, which then fail and are skipped).
valgrind-check: test-deps
	@$(MAKE) --no-print-directory test-bins
	@rm -rf build/valgrind
	@BIN=$(CURDIR)/tests/valgrind/cfaudit VG_BIN=$(CURDIR)/cfaudit VG_LOGS=$(CURDIR)/build/valgrind \
		O=$(O) sh tests/run.sh; st=$$?; \
	bad=$$(grep -l '^==[0-9]*== ' build/valgrind/*.log 2>/dev/null | wc -l); \
	echo "valgrind-check: $$(ls build/valgrind | wc -l) runs, $$bad with memcheck errors"; \
	[ $$st -eq 0 ] && [ $$bad -eq 0 ]

demo: all
	@sh tests/demo.sh ./$(BIN)

# FUZZ_SECONDS per target (default 60); needs clang (installed when root).
fuzz: deps build/ipranges_data.c
	@sh tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60)

# The CHECKS list of cfaudit.1, from cfaudit --list-checks (tests/man.test.sh
# fails when it is out of date).
man: all
	sh tests/man-checks.sh ./$(BIN) cfaudit.1

bench: test-deps all $(O)/tests/benchgen $(O)/tests/tlsload
	@sh tests/bench/bench.sh ./$(BIN) $(O)

# The benchmark's generator of a big server (seeded) and its TLS timer.
$(O)/tests/benchgen: tests/bench/gen.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIBS)

$(O)/tests/tlsload: tests/bench/tlsload.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(OBJ) $(LIBS)

clean:
	rm -rf build cfaudit cfaudit-asan
