# replyd: see README.md.  `make` builds, `make run` runs, `make test` tests.
#
# Files are found by convention, so adding one needs no edit here:
#   daemon/LAYER/*.c      the daemon's modules, one folder per layer (see
#                         docs/layers.md); serve/replyd.c and ctl/replyctl.c
#                         are the two programs, ctl/ is replyctl's alone,
#                         the rest is build/libreplyd.a
#   daemon/store/scripts/*.lua   Redis scripts, embedded into the binary
#   plugins/NAME/*.c      build/plugins/NAME.so
#   tests/unit/test-*.c   one unit-test program each
#   fuzz/fuzz-*.c         one fuzz target each, replayed over fuzz/corpus/NAME
#   bench/bench-*.c       one benchmark program each
#
# Packagers: CPPFLAGS, CFLAGS and LDFLAGS from the environment are honoured
# (dpkg-buildflags); PREFIX, BINDIR, SBINDIR, LIBDIR, DATADIR, SYSCONFDIR,
# UNITDIR and DESTDIR place the installed files.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(BINDIR)
LIBDIR	?= $(PREFIX)/lib
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR	?= $(LIBDIR)/systemd/system
PLUGINDIR ?= $(LIBDIR)/replyd/plugins
DESTDIR	?=
BUILD	?= build
CC	?= cc

PKGS	 = libevent libevent_pthreads hiredis libcurl libcjson libcrypto libsystemd \
	   cjose
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
DEPFLAGS = -MMD -MP
ALL_CPPFLAGS = -Idaemon -I$(BUILD)/gen $(CPPFLAGS) \
	   -DREPLYD_PLUGIN_DIR='"$(PLUGINDIR)"'
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS)
LIBS	 = $(PKG_LIBS) -ldl -lm

LAYERS	 = base rules conf io store serve
MAINS	 = daemon/serve/replyd.c daemon/ctl/replyctl.c
LIB_SRC	 = $(filter-out $(MAINS),$(foreach l,$(LAYERS),$(wildcard daemon/$(l)/*.c)))
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/scripts.o
LIB	 = $(BUILD)/libreplyd.a
CTL_SRC	 = $(filter-out $(MAINS),$(wildcard daemon/ctl/*.c))
CTL_OBJ	 = $(CTL_SRC:%.c=$(BUILD)/obj/%.o)
LUA_SRC	 = $(sort $(wildcard daemon/store/scripts/*.lua))

# plugins/shared/ is code several plugins link in, not a plugin.
PLUGINS	 = $(filter-out shared,$(notdir $(wildcard plugins/*)))
PLUGIN_SHARED = $(wildcard plugins/shared/*.c)
PLUGIN_SO = $(PLUGINS:%=$(BUILD)/plugins/%.so)

UNIT_SRC = $(wildcard tests/unit/test-*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard fuzz/fuzz-*.c)
FUZZ_BIN = $(FUZZ_SRC:fuzz/fuzz-%.c=$(BUILD)/fuzz/replay-%)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps run test test-build unit fuzz-replay integration \
	sanitize bench fuzz install clean security check-config layers

all: $(BUILD)/layers.ok $(BUILD)/replyd $(BUILD)/replyctl $(PLUGIN_SO)

test-build: all $(UNIT_BIN) $(FUZZ_BIN) $(BENCH_BIN)

# The layers' include rules and the module graph (no cycle); see
# docs/layers.md.  The build fails when a rule is broken.
$(BUILD)/layers.ok: tools/layers $(wildcard daemon/*/*.c daemon/*/*.h daemon/*.h)
	@mkdir -p $(dir $@)
	@tools/layers daemon && touch $@

layers:
	@tools/layers -g daemon

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# The Lua scripts become C strings (tools/embed-lua: awk, no new
# dependency); "--#include NAME.lua" pulls in a shared piece.
# tools/check-scripts refuses a script that touches a key it was not given
# in KEYS or lacks its #!lua shebang.
$(BUILD)/gen/scripts.c: tools/embed-lua tools/check-scripts $(LUA_SRC) $(wildcard daemon/store/scripts/lib/*.lua)
	@mkdir -p $(dir $@)
	@tools/check-scripts daemon/store/scripts
	tools/embed-lua daemon/store/scripts $(LUA_SRC) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/scripts.o: $(BUILD)/gen/scripts.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# No -rdynamic: a plugin reaches the host only through its API table.
$(BUILD)/replyd: $(BUILD)/obj/daemon/serve/replyd.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/replyctl: $(BUILD)/obj/daemon/ctl/replyctl.o $(CTL_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# A plugin is one shared object per folder; it sees only the ABI header.
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(wildcard plugins/%/*.c) $$(wildcard plugins/%/*.h) $(PLUGIN_SHARED) $$(wildcard plugins/shared/*.h) daemon/replyd-plugin.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) -fPIC \
	    -shared -fvisibility=hidden -Idaemon -Iplugins/shared $(LDFLAGS) \
	    -o $@ $(filter %.c,$^) $(shell pkg-config --cflags --libs libcrypto libcjson)

# tests/unit/test-NAME.c also links the pure files of plugins/NAME/ (all
# but plugin.c, the ABI glue) and plugins/shared/, so plugin logic is
# tested without the host.
plugin_pure = $(sort $(filter-out %/plugin.c,$(wildcard plugins/$(1)/*.c)) $(PLUGIN_SHARED))
$(BUILD)/tests/test-%: tests/unit/test-%.c $$(call plugin_pure,$$*) tests/unit/check.c tests/unit/check.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Itests/unit -Iplugins/$* \
	    -Iplugins/shared $(LDFLAGS) -o $@ $< $(call plugin_pure,$*) \
	    tests/unit/check.c $(LIB) $(LIBS)

$(BUILD)/fuzz/replay-%: fuzz/fuzz-%.c fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Iplugins/shared $(LDFLAGS) -o $@ \
	    $< fuzz/replay.c $(LIB) $(LIBS)

# bench/bench-*.c are benchmarks (tools/run-bench runs them); other
# programs under bench/ are what they start (baseline-store).  The ingest
# benchmark signs with the twilio plugin's own code.
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Iplugins/twilio $(LDFLAGS) -o $@ \
	    $(filter %.c,$^) $(LIB) $(LIBS)

$(BUILD)/bench/bench-ingest: plugins/twilio/twilio-signature.c

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Install missing Debian packages (as root) or say what to install.
deps:
	@tools/install-deps

run: deps
	@$(MAKE) --no-print-directory all
	@tools/run-dev

check-config: all
	$(BUILD)/replyd -c config/replyd.json -n

# Every test: unit, fuzz corpora, integration against a real redis-server,
# normal build and AddressSanitizer + UBSan build side by side.
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
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(DATADIR)/replyd/calendars \
	    $(DESTDIR)$(UNITDIR)
	install -m 755 $(BUILD)/replyd $(DESTDIR)$(SBINDIR)/
	install -m 755 $(BUILD)/replyctl $(DESTDIR)$(BINDIR)/
	for so in $(PLUGIN_SO); do \
	    install -m 644 $$so $(DESTDIR)$(PLUGINDIR)/; done
	install -m 644 config/calendars/uk-bank-holidays.json \
	    $(DESTDIR)$(DATADIR)/replyd/calendars/
	install -m 644 config/replyd.json $(DESTDIR)$(DATADIR)/replyd/replyd.json.example
	install -m 644 config/redis.conf $(DESTDIR)$(DATADIR)/replyd/redis.conf.example
	sed -e 's|/usr/local/bin/replyd|$(SBINDIR)/replyd|g' \
	    -e 's|/usr/local/share|$(DATADIR)|g' \
	    -e 's|/etc/replyd|$(SYSCONFDIR)/replyd|g' systemd/replyd.service > \
	    $(DESTDIR)$(UNITDIR)/replyd.service

clean:
	rm -rf build
