# stemd: a real-time stem-mastering server for JACK.
# make | make test | make test-under-load | make bench | make demo | make install PREFIX=/usr DESTDIR=... | make clean

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
UNITDIR    ?= $(PREFIX)/lib/systemd/system
PKG_CONFIG ?= pkg-config
CC         ?= cc
CFLAGS     ?= -O2 -g
B          ?= build
VERSION    := 0.1.0

# Sanitizer build: make SANITIZE=1 B=build/san (make test does this for you).
ifeq ($(SANITIZE),1)
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
endif

override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -fno-math-errno -MMD -MP -I. -DSTEMD_VERSION='"$(VERSION)"'

# Each library is found through pkg-config; a missing one stops the build naming its package.
define need
$(if $(shell $(PKG_CONFIG) --exists $(1) && echo y),,$(error pkg-config cannot find $(1): install the Debian package $(2) (or run tools/install-deps)))
endef
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1))

DSP_SRC  := $(sort $(wildcard dsp/*.c))
DSP_OBJ  := $(DSP_SRC:%.c=$(B)/%.o)
DSP_LIB  := $(B)/libstemdsp.a
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
BENCH_SRC := $(sort $(wildcard tools/bench*.c))

.PHONY: all deps test test-under-load unit-tests bench clean install format format-check demo
all: deps
	@$(MAKE) --no-print-directory build-all
	@$(MAKE) --no-print-directory server osc demo-build

deps:
	@tools/install-deps build

TOOLS := $(B)/stemd-render $(B)/stemd-params $(B)/stemd-bench
build-all: $(DSP_LIB) $(TOOLS) $(TEST_BIN)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(DSP_LIB): $(DSP_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# tools/: each program links the DSP library; tools/report.c is shared.
$(B)/tools/%.o: override CFLAGS += $(call pc_cflags,sndfile)
$(B)/stemd-render: $(B)/tools/render.o $(B)/tools/report.o $(B)/tools/pool.o $(B)/tools/pipeline.o $(B)/tools/timeline.o $(DSP_LIB)
	$(call need,sndfile,libsndfile1-dev)
	$(CC) $(LDFLAGS) $^ -o $@ $(call pc_libs,sndfile) -lm -lpthread
$(B)/stemd-bench: $(B)/tools/bench.o $(DSP_LIB)
	$(CC) $(LDFLAGS) $^ -o $@ $(call pc_libs,sndfile) -lm
$(B)/tools/jackload.o: override CFLAGS += $(call pc_cflags,jack)
$(B)/stemd-jackload: $(B)/tools/jackload.o
	$(call need,jack,libjack-jackd2-dev)
	$(CC) $(LDFLAGS) $^ -o $@ $(call pc_libs,jack)
$(B)/stemd-params: $(B)/tools/params.o $(DSP_LIB)
	$(CC) $(LDFLAGS) $^ -o $@ -lm

# Unit tests: tests/test_*.c, each one TAP program linked with the DSP library and, for
# reference meters and files, libebur128 and libsndfile.
TEST_LIBS = $(call pc_libs,libebur128 sndfile) -lm -lpthread
$(B)/tests/%: tests/%.c $(DSP_LIB)
	@mkdir -p $(dir $@)
	$(call need,libebur128,libebur128-dev)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(call pc_cflags,libebur128 sndfile) $< -o $@ $(LDFLAGS) $(DSP_LIB) $(TEST_LIBS)

TEST_SCRIPTS = $(sort $(wildcard tests/*.t))
unit-tests: $(TEST_BIN) $(TOOLS)
	STEMD_BUILD=$(B) prove -f $(TEST_BIN) $(TEST_SCRIPTS)

# Everything, in order of speed: DSP unit and standards tests; the daemon against a real jackd
# under the real-time-safety interposer; OSC; MIDI (mk/midi.mk); the demo's tools (live = offline); the network
# rig (mk/net.mk, plain build only); the fuzzer for a bounded time; then the unit, server and
# OSC and MIDI suites again under ASan+UBSan; then the server and OSC suites under ThreadSanitizer
# (mk/tsan.mk).
test:
	@tools/install-deps test
	@$(MAKE) --no-print-directory B=build build-all server osc demo-build
	@$(MAKE) --no-print-directory B=build unit-tests
	@$(MAKE) --no-print-directory B=build server-tests
	@$(MAKE) --no-print-directory B=build osc-tests
	@$(MAKE) --no-print-directory B=build midi-tests
	@$(MAKE) --no-print-directory B=build demo-test
	@$(MAKE) --no-print-directory B=build net-test
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory B=build/san SANITIZE=1 unit-tests
	@$(MAKE) --no-print-directory B=build/san SANITIZE=1 server-tests
	@$(MAKE) --no-print-directory B=build/san SANITIZE=1 osc-tests
	@$(MAKE) --no-print-directory B=build/san SANITIZE=1 midi-tests
	@$(MAKE) --no-print-directory tsan-tests

# The whole suite while one busy loop per core competes for the CPU: it must pass all the same.
test-under-load:
	@tools/under-load.sh $(MAKE) --no-print-directory test

# Figures, not pass/fail: the machine is shared, so medians of repeated runs in one process.
bench: deps
	@$(MAKE) --no-print-directory B=build build/stemd-bench build/stemd-render
	@mkdir -p build/bench
	build/stemd-bench build/stemd-render build/bench
	@$(MAKE) --no-print-directory B=build build/stemd build/stemd-jackio build/stemd-synth \
		build/stemd-jackload
	tools/bench-jack.sh build
	@$(MAKE) --no-print-directory B=build server
	tools/bench-storm.sh build
	@$(MAKE) --no-print-directory B=build build/stemd build/tests/osc/osc-client
	tools/bench-midi.sh build
	@$(MAKE) --no-print-directory B=build build/stemd-bench-control && build/stemd-bench-control

# Installs whatever was built: every program in $(B) whose name starts with stemd, plus the
# systemd units (stemd's; jackd-netslave.service for a rack PC, with its stemd drop-in among
# the docs), the docs and the tablet layouts (mk/osc.mk's LAYOUTS). (mk/*.mk add their programs to INSTALL_BIN.)
INSTALL_BIN += $(TOOLS) $(B)/stemd
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/doc/stemd
	install -m 755 $(filter-out $(B)/stemd-bench,$(INSTALL_BIN)) $(DESTDIR)$(BINDIR)/
	install -m 644 README.md docs/ARCHITECTURE.md $(DESTDIR)$(DATADIR)/doc/stemd/
	install -m 644 systemd/stemd.conf.example $(DESTDIR)$(DATADIR)/doc/stemd/
	install -d $(DESTDIR)$(DATADIR)/stemd/layouts
	install -m 644 $(LAYOUTS) $(DESTDIR)$(DATADIR)/stemd/layouts/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d
	sed 's|/usr/local/bin|$(BINDIR)|g; s|/usr/local/share|$(DATADIR)|g' systemd/stemd.service \
		> $(DESTDIR)$(UNITDIR)/stemd.service
	install -m 644 systemd/stemd.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/stemd.conf
	install -m 644 systemd/jackd-netslave.service $(DESTDIR)$(UNITDIR)/
	install -m 644 systemd/stemd-netslave.conf $(DESTDIR)$(DATADIR)/doc/stemd/

# The README's parameter section, generated from the table.
docs: $(B)/stemd-params
	@tools/update-readme $(B)/stemd-params README.md

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h') && echo "format: clean"

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
-include mk/*.mk
