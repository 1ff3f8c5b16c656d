# mk/demo.mk: the demo's tools (stemd-synth, stemd-jackio), their test helper, `make demo`,
# and `make demo-test` (tests/demo/*.t). Included by the Makefile (-include mk/*.mk).
#
#   make demo-build      build/stemd-synth, build/stemd-jackio, build/tests/demo/wavcmp
#   make demo            tools/demo.sh: packages, build, jackd if none runs, stemd, play, record,
#                        meters, the loudness report live and offline; cleans up after itself
#   make demo-test       prove tests/demo/*.t (each starts its own private jackd)

DEMO_BIN := $(B)/stemd-synth $(B)/stemd-jackio $(B)/tests/demo/wavcmp

.PHONY: demo demo-build demo-test

demo-build: $(DEMO_BIN)

$(B)/stemd-synth: $(B)/tools/synth.o
	$(call need,sndfile,libsndfile1-dev)
	$(CC) $(LDFLAGS) $^ -o $@ $(call pc_libs,sndfile) -lm

# jackio meters with the DSP library's loudness and true-peak units and prints tools/report.c's
# report, so its numbers are the renderer's.
$(B)/tools/jackio.o $(B)/tools/jackio_rt.o $(B)/tools/jackio_disk.o: override CFLAGS += $(call pc_cflags,jack)
$(B)/stemd-jackio: $(B)/tools/jackio.o $(B)/tools/jackio_rt.o $(B)/tools/jackio_disk.o \
		$(B)/tools/report.o $(DSP_LIB)
	$(call need,jack,libjack-jackd2-dev)
	$(call need,sndfile,libsndfile1-dev)
	$(CC) $(LDFLAGS) $^ -o $@ $(call pc_libs,jack sndfile) -lm -lpthread

# The tests' sample comparator (an explicit rule: the Makefile's tests/% rule wants libebur128).
$(B)/tests/demo/wavcmp: tests/demo/wavcmp.c
	@mkdir -p $(dir $@)
	$(call need,sndfile,libsndfile1-dev)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(call pc_cflags,sndfile) $< -o $@ $(LDFLAGS) \
		$(call pc_libs,sndfile) -lm

# The demo script installs what is missing, builds what it needs and runs everything.
demo:
	@STEMD_BUILD=$(B) tools/demo.sh

# tests/demo/30-stemd.t and the demo's live path need the daemon; they skip without it.
demo-test: demo-build $(B)/stemd-render $(B)/stemd-params $(if $(wildcard server/main.c),$(B)/stemd) \
	$(if $(wildcard tools/stemctl.c),$(B)/stemctl)
	STEMD_BUILD=$(B) prove -f tests/demo/*.t
