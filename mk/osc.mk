# mk/osc.mk: the OSC layer (osc/), stemctl, the OSC test host and client, tests, the fuzzer.
# Included from the top-level Makefile (-include mk/*.mk); uses its B, CFLAGS, DSP_LIB, need.
#
#   make osc              build/libstemd-oscwire.a, build/libstemd-osc.a, build/stemctl, the test
#                         host and client, build/layouts/ (the tablet layouts make install ships)
#   make osc-tests        prove tests/osc/*.t (private jackd each; RT check when not SANITIZE);
#                         builds what they run (stemd, the demo's player, stemd-render)
#   make osc-tests-san    the same under ASan+UBSan (B=build/san)
#   make fuzz             libFuzzer over the packet dispatch, FUZZ_SECONDS (default 60)
#   make fuzz-smoke       the same for 20 s from the seed corpus (for make test)

#
# Two libraries: the wire format and client side (osc/wire.c, osc/client.c; what stemctl and the
# test client link, nothing of server/) and the surface (the rest: the server-side dispatcher,
# which needs libstemd-server.a, libstemd-log.a and the wire library, linked after it).
OSC_SRC      := $(sort $(wildcard osc/*.c))
OSCWIRE_SRC  := osc/wire.c osc/client.c
OSCWIRE_OBJ  := $(OSCWIRE_SRC:%.c=$(B)/%.o)
OSCWIRE_LIB  := $(B)/libstemd-oscwire.a
OSC_OBJ      := $(filter-out $(OSCWIRE_OBJ),$(OSC_SRC:%.c=$(B)/%.o))
OSC_LIB      := $(B)/libstemd-osc.a
STEMCTL_BIN  := $(B)/stemctl
OSC_HOST     := $(B)/tests/osc/osc-host
OSC_CLIENT   := $(B)/tests/osc/osc-client
OSC_LIBS      = $(call pc_libs,liblo)
# The server's library and packages (mk/server.mk's), for the test host.
OSC_SERVER_LIBS = $(call pc_libs,jack sndfile) -lm -lpthread

$(OSC_OBJ) $(B)/tools/stemctl.o $(B)/tests/osc/osc-host.o $(B)/tests/osc/osc-client.o: \
	override CFLAGS += $(call pc_cflags,liblo)
$(B)/tests/osc/osc-host.o: override CFLAGS += $(call pc_cflags,jack)

$(OSCWIRE_LIB): $(OSCWIRE_OBJ)
	$(call need,liblo,liblo-dev)
	@rm -f $@
	$(AR) rcs $@ $^

$(OSC_LIB): $(OSC_OBJ)
	$(call need,liblo,liblo-dev)
	@rm -f $@
	$(AR) rcs $@ $^

# stemctl layout: the tablet layouts' generator (tools/layout*.c; zlib for TouchOSC's .tosc).
LAYOUT_OBJ   := $(B)/tools/layout.o $(B)/tools/layout_tosc.o $(B)/tools/layout_ostc.o
$(B)/tools/layout_tosc.o: override CFLAGS += $(call pc_cflags,zlib)
$(STEMCTL_BIN): $(B)/tools/stemctl.o $(LAYOUT_OBJ) $(OSCWIRE_LIB) $(DSP_LIB)
	$(call need,zlib,zlib1g-dev)
	$(CC) $(LDFLAGS) -o $@ $^ $(OSC_LIBS) $(call pc_libs,zlib) -lm

# The layouts `make install` ships: for the daemon's default stems (server/config.c's, read
# from there so the two cannot differ), made by the generator without asking any server.
LAYOUT_STEMS := $(shell sed -n 's/^\#define DEFAULT_STEMS "\(.*\)"/\1/p' server/config.c)
LAYOUTS      := $(B)/layouts/stemd.tosc $(B)/layouts/stemd.json
$(B)/layouts/stemd.tosc: $(STEMCTL_BIN)
	@mkdir -p $(dir $@)
	$(STEMCTL_BIN) layout touchosc --stems $(LAYOUT_STEMS) -o $@
$(B)/layouts/stemd.json: $(STEMCTL_BIN)
	@mkdir -p $(dir $@)
	$(STEMCTL_BIN) layout openstage --stems $(LAYOUT_STEMS) -o $@

# (mk/server.mk, read after this file, names the server and log libraries.)
$(OSC_HOST): $(B)/tests/osc/osc-host.o $(OSC_LIB) $(B)/libstemd-server.a $(OSCWIRE_LIB) \
		$(B)/libstemd-log.a $(DSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(OSC_LIBS) $(OSC_SERVER_LIBS)

$(OSC_CLIENT): $(B)/tests/osc/osc-client.o $(OSCWIRE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(OSC_LIBS) -lm

INSTALL_BIN += $(STEMCTL_BIN)

.PHONY: osc osc-tests osc-tests-san fuzz fuzz-smoke
osc: $(OSCWIRE_LIB) $(OSC_LIB) $(STEMCTL_BIN) $(LAYOUTS) $(OSC_HOST) $(OSC_CLIENT) $(B)/tests/enospc.so \
	$(if $(SANITIZE),,$(B)/tests/rtcheck.so)

# A full disk for one file, by LD_PRELOAD (tests/osc/80-record.t); plain C like rtcheck.so.
$(B)/tests/enospc.so: tests/enospc.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# 70-reload.t and 80-record.t run the daemon; 80-record.t plays through the demo's player and
# reads its file with stemd-render.
osc-tests: osc $(B)/stemd $(B)/tests/osc/ebur128-wav $(B)/stemd-synth $(B)/stemd-jackio $(B)/stemd-render $(B)/stemd-params
	STEMD_BUILD=$(B) STEMD_RTCHECK=$(if $(SANITIZE),,$(abspath $(B)/tests/rtcheck.so)) \
	prove -f tests/osc/*.t

osc-tests-san:
	@$(MAKE) --no-print-directory B=build/san SANITIZE=1 osc-tests

# The fuzzer: its own clang build of dsp/, server/ (no main) and osc/ with libFuzzer, ASan and
# UBSan, in build/fuzz (the server library is plain C; no JACK server is needed: the engine is
# initialised but never connected).
FUZZ_CC      ?= clang-19
FUZZ_B       := build/fuzz
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
# clang does not define __SANITIZE_ADDRESS__ (GCC does); server/server.c skips mlockall under
# ASan by it, and locking ASan's shadow memory would exhaust the machine.
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -D__SANITIZE_ADDRESS__=1 -Wall -Wextra -Werror -I. \
	-DSTEMD_VERSION='"$(VERSION)"' \
	$(call pc_cflags,liblo jack sndfile) $(FUZZ_FLAGS)
FUZZ_SRC     := $(sort $(wildcard dsp/*.c)) $(filter-out server/main.c,$(sort $(wildcard server/*.c))) \
	$(OSC_SRC)
FUZZ_OBJ     := $(FUZZ_SRC:%.c=$(FUZZ_B)/%.o)
FUZZ_BIN     := $(FUZZ_B)/fuzz_osc
FUZZ_SECONDS ?= 60
FUZZ_CORPUS  := tests/fuzz-corpus

$(FUZZ_B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BIN): tests/fuzz_osc.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(call pc_libs,liblo jack sndfile) \
		-lm -lpthread

# Work corpus in build/ (grows); the committed seeds stay as they are. A small ASan quarantine:
# 4x the executions per second, and peak RSS 90 MB instead of 530 MB.
fuzz: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_B)/corpus
	ASAN_OPTIONS=$${ASAN_OPTIONS:-quarantine_size_mb=16} \
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
		-artifact_prefix=$(FUZZ_B)/ \
		-print_final_stats=1 $(FUZZ_B)/corpus $(FUZZ_CORPUS)

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

-include $(shell find $(FUZZ_B) -name '*.d' 2>/dev/null)
