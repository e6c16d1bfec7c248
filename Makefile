# replyd: see README.md.  `make` builds, `make run` runs, `make test` tests.
#
# Files are found by convention, so adding one needs no edit here:
#   daemon/*.c            the daemon's modules (replyd.c and replyctl.c are
#                         the two programs, the rest is build/libreplyd.a)
#   plugins/NAME/*.c      build/plugins/NAME.so
#   tests/unit/test-*.c   one unit-test program each
#   fuzz/fuzz-*.c         one fuzz target each, replayed over fuzz/corpus/NAME
#   bench/bench-*.c       one benchmark program each

PREFIX	?= /usr/local
DESTDIR	?=
BUILD	?= build
CC	?= cc

PKGS	 = libevent libevent_pthreads hiredis libcurl libcjson libcrypto libsystemd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS	?= -O2 -g
WARN	 = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wno-unused-parameter
ifeq ($(SANITIZE),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Idaemon $(PKG_CFLAGS) \
	   -DREPLYD_PLUGIN_DIR='"$(PREFIX)/lib/replyd/plugins"'
LIBS	 = $(PKG_LIBS) -ldl -lm

MAINS	 = daemon/replyd.c daemon/replyctl.c
LIB_SRC	 = $(filter-out $(MAINS),$(wildcard daemon/*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB	 = $(BUILD)/libreplyd.a

# plugins/shared/ is code several plugins link in, not a plugin.
PLUGINS	 = $(filter-out shared,$(notdir $(wildcard plugins/*)))
PLUGIN_SHARED = $(wildcard plugins/shared/*.c)
PLUGIN_SO = $(PLUGINS:%=$(BUILD)/plugins/%.so)

UNIT_SRC = $(wildcard tests/unit/test-*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard fuzz/fuzz-*.c)
FUZZ_BIN = $(FUZZ_SRC:fuzz/fuzz-%.c=$(BUILD)/fuzz/replay-%)
BENCH_SRC = $(wildcard bench/bench-*.c)
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps run test test-build unit fuzz-replay integration \
	sanitize bench fuzz install clean security check-config

all: $(BUILD)/replyd $(BUILD)/replyctl $(PLUGIN_SO)

test-build: all $(UNIT_BIN) $(FUZZ_BIN) $(BENCH_BIN)

$(BUILD)/obj/%.o: %.c $(wildcard daemon/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/replyd: $(BUILD)/obj/daemon/replyd.o $(LIB)
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(LIBS)

$(BUILD)/replyctl: $(BUILD)/obj/daemon/replyctl.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# A plugin is one shared object per folder; it sees only the ABI header.
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(wildcard plugins/%/*.c) $$(wildcard plugins/%/*.h) $(PLUGIN_SHARED) $$(wildcard plugins/shared/*.h) daemon/replyd-plugin.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fPIC -shared \
	    -fvisibility=hidden -Idaemon -Iplugins/shared $(LDFLAGS) -o $@ \
	    $(filter %.c,$^) $(shell pkg-config --cflags --libs libcrypto libcjson)

# tests/unit/test-NAME.c also links the pure files of plugins/NAME/ (all
# but plugin.c, the ABI glue) and plugins/shared/, so plugin logic is
# tested without the host.
plugin_pure = $(sort $(filter-out %/plugin.c,$(wildcard plugins/$(1)/*.c)) $(PLUGIN_SHARED))
$(BUILD)/tests/test-%: tests/unit/test-%.c $$(call plugin_pure,$$*) tests/unit/check.c tests/unit/check.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -Iplugins/$* -Iplugins/shared \
	    $(LDFLAGS) -o $@ $< $(call plugin_pure,$*) tests/unit/check.c \
	    $(LIB) $(LIBS)

$(BUILD)/fuzz/replay-%: fuzz/fuzz-%.c fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< fuzz/replay.c $(LIB) $(LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# Install missing Debian packages (as root) or say what to install.
deps:
	@tools/install-deps

run: deps
	@$(MAKE) --no-print-directory all
	@tools/run-dev

check-config: all
	$(BUILD)/replyd -c config/replyd.json -n

# Every test: unit, fuzz corpora, integration against a real redis-server,
# then the same again built with AddressSanitizer + UBSan.
test: deps
	@$(MAKE) --no-print-directory test-build
	@$(MAKE) --no-print-directory BUILD=build/san SANITIZE=1 CFLAGS="-O1 -g" test-build
	@tools/run-tests build build/san

unit: test-build
	@tools/run-tests --only unit $(BUILD)

integration: test-build
	@tools/run-tests --only integration $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory test-build
	@tools/run-bench $(BUILD)

# Coverage-guided fuzzing with libFuzzer (clang); not part of `make test`.
# The corpora it grows under fuzz/corpus/ are kept: commit what is new.
FUZZ_SECONDS ?= 60
fuzz: deps
	@tools/fuzz $(FUZZ_SECONDS)

# Verify the unit (pointed at this build) and print its exposure score.
security: all
	@tmp=$$(mktemp -d) && \
	sed "s|/usr/local/bin|$(CURDIR)/$(BUILD)|g" systemd/replyd.service \
	    > $$tmp/replyd.service && \
	systemd-analyze verify $$tmp/replyd.service && \
	echo "systemd-analyze verify: OK" && \
	systemd-analyze security --offline=true $$tmp/replyd.service | tail -n 1; \
	rc=$$?; rm -rf $$tmp; exit $$rc

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/replyd/plugins \
	    $(DESTDIR)$(PREFIX)/share/replyd/calendars \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 755 $(BUILD)/replyd $(BUILD)/replyctl $(DESTDIR)$(PREFIX)/bin/
	for so in $(PLUGIN_SO); do \
	    install -m 644 $$so $(DESTDIR)$(PREFIX)/lib/replyd/plugins/; done
	install -m 644 config/calendars/uk-bank-holidays.json \
	    $(DESTDIR)$(PREFIX)/share/replyd/calendars/
	install -m 644 config/replyd.json $(DESTDIR)$(PREFIX)/share/replyd/replyd.json.example
	install -m 644 config/redis.conf $(DESTDIR)$(PREFIX)/share/replyd/redis.conf.example
	sed 's|/usr/local|$(PREFIX)|g' systemd/replyd.service > \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/replyd.service

clean:
	rm -rf build
