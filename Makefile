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
# UNITDIR, SYSUSERSDIR and DESTDIR place the installed files.  `make deb`
# builds the Debian package (debian/, which installs with PREFIX=/usr).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(BINDIR)
LIBDIR	?= $(PREFIX)/lib
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
DOCDIR	?= $(DATADIR)/doc/replyd
SYSCONFDIR ?= /etc
# Installed into /usr, the unit goes where this system's systemd looks
# (/lib/systemd/system on Debian 12), as the package puts it.
ifeq ($(PREFIX),/usr)
UNITDIR	?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
else
UNITDIR	?= $(LIBDIR)/systemd/system
endif
SYSUSERSDIR ?= $(LIBDIR)/sysusers.d
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
PLUGINDIR ?= $(LIBDIR)/replyd/plugins
DESTDIR	?=
BUILD	?= build
CC	?= cc
NPROC	:= $(shell nproc 2>/dev/null || echo 2)

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
DEPFLAGS = -MMD -MP
ALL_CPPFLAGS = -Idaemon -I$(BUILD)/gen $(CPPFLAGS) \
	   -DREPLYD_PLUGIN_DIR='"$(PLUGINDIR)"' \
	   -DREPLYD_CONFIG_FILE='"$(SYSCONFDIR)/replyd/replyd.json"'
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
	sanitize bench fuzz install clean security check-config layers deb

all: $(BUILD)/layers.ok $(BUILD)/replyd $(BUILD)/replyctl $(PLUGIN_SO)

test-build: all $(UNIT_BIN) $(FUZZ_BIN) $(BENCH_BIN) $(BUILD)/tools/config-keys

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

# The configuration keys replyd's reader looks up in a file
# (tests/integration/test_config_docs.py checks them against the example
# configuration and replyd.json(5)).
$(BUILD)/tools/config-keys: tools/config-keys.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

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
# normal build and AddressSanitizer + UBSan build side by side, and the
# Debian package (built and checked by lintian first, about 20 s;
# tests/integration/test_package.py installs it).
test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) test-build
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/san SANITIZE=1 CFLAGS="-O1 -g" test-build
	@$(MAKE) --no-print-directory deb
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

# The example configuration, as installed: the system Redis (6379, not
# `make run`'s 6390).  Its calendars/ is a link to the shipped feed's
# folder, absolute as Debian policy wants a link from /etc into /usr.
INSTALL_CONFIG = sed -e 's|redis://127.0.0.1:6390/0|redis://127.0.0.1:6379/0|' \
	    config/replyd.json

# Never calls systemctl.  An existing $(SYSCONFDIR)/replyd/replyd.json is
# kept (the new example is in $(DATADIR)/replyd/replyd.json.example).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(DATADIR)/replyd/calendars \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLETIONDIR) \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/replyd
	install -m 755 $(BUILD)/replyd $(DESTDIR)$(SBINDIR)/
	install -m 755 $(BUILD)/replyctl $(DESTDIR)$(BINDIR)/
	for so in $(PLUGIN_SO); do \
	    install -m 644 $$so $(DESTDIR)$(PLUGINDIR)/; done
	install -m 644 config/calendars/uk-bank-holidays.json \
	    $(DESTDIR)$(DATADIR)/replyd/calendars/
	$(INSTALL_CONFIG) > $(DESTDIR)$(DATADIR)/replyd/replyd.json.example
	chmod 644 $(DESTDIR)$(DATADIR)/replyd/replyd.json.example
	install -m 644 config/redis.conf $(DESTDIR)$(DATADIR)/replyd/redis.conf.example
	sed -e 's|/usr/local/bin/replyd|$(SBINDIR)/replyd|g' \
	    -e 's|/usr/local/share|$(DATADIR)|g' \
	    -e 's|/etc/replyd|$(SYSCONFDIR)/replyd|g' systemd/replyd.service > \
	    $(DESTDIR)$(UNITDIR)/replyd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/replyd.service
	install -m 644 systemd/replyd.sysusers $(DESTDIR)$(SYSUSERSDIR)/replyd.conf
	install -m 644 docs/man/replyctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 docs/man/replyd.json.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 docs/man/replyd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 daemon/ctl/replyctl.bash-completion \
	    $(DESTDIR)$(COMPLETIONDIR)/replyctl
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	ln -sfn $(DATADIR)/replyd/calendars $(DESTDIR)$(SYSCONFDIR)/replyd/calendars
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/replyd/replyd.json ]; then \
	    echo "kept $(DESTDIR)$(SYSCONFDIR)/replyd/replyd.json"; \
	else \
	    $(INSTALL_CONFIG) > $(DESTDIR)$(SYSCONFDIR)/replyd/replyd.json.tmp && \
	    chmod 640 $(DESTDIR)$(SYSCONFDIR)/replyd/replyd.json.tmp && \
	    mv $(DESTDIR)$(SYSCONFDIR)/replyd/replyd.json.tmp \
	        $(DESTDIR)$(SYSCONFDIR)/replyd/replyd.json && \
	    echo "installed $(DESTDIR)$(SYSCONFDIR)/replyd/replyd.json" \
	        "(replace every CHANGE-ME in it)"; \
	fi

# The Debian package, built by dpkg-buildpackage from a copy of the tree
# (so its output, which it writes beside the source, stays in
# $(BUILD)/deb), then checked by lintian.  Not part of `make test`, which
# checks what the package holds against `make install` from the .deb this
# leaves (tests/integration/test_package.py).
DEB_DIR	 = $(BUILD)/deb
deb: deps
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/replyd
	if [ -d .git ] || [ -f .git ]; then \
	    git ls-files -co --exclude-standard | tar -cf - -T -; \
	else \
	    tar -cf - --exclude=./build --exclude=./run .; \
	fi | tar -C $(DEB_DIR)/replyd -xf -
	cd $(DEB_DIR)/replyd && dpkg-buildpackage -b -us -uc \
	    -j$$(nproc) >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	rm -rf $(DEB_DIR)/replyd
	@ls $(DEB_DIR)/*.deb
	lintian --fail-on error --tag-display-limit 0 $(DEB_DIR)/*.changes

clean:
	rm -rf build
