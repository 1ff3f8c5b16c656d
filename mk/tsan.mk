# mk/tsan.mk: the ThreadSanitizer build and its test pass. Included from the top-level Makefile
# (-include mk/*.mk); uses its B, CFLAGS and the server and OSC suites of mk/server.mk, mk/osc.mk.
#
#   make SANITIZE=thread B=build/tsan server osc   the daemon, driver, OSC host and stemctl
#                                                  built with gcc -fsanitize=thread
#   make tsan-tests                                 the server and OSC suites (TSAN_SERVER_TESTS,
#                                                   TSAN_OSC_TESTS) against that build
#
# What it checks: the server's control, OSC, disk (recorder) and signal threads against the JACK
# process thread. jackd itself is not instrumented. No RT-check interposer (TSan, like ASan,
# owns malloc and the pthread calls): mk/server.mk and mk/osc.mk leave it out for any SANITIZE.
# The tests run with STEMD_TSAN=1: tests/lib.sh re-runs each script without address-space
# randomisation (setarch -R: older TSan runtimes cannot map their shadow memory under a high
# vm.mmap_rnd_bits), sets TSAN_OPTIONS (halt on the first report, reports to files, the
# suppressions of tests/tsan.supp) and fails the script on any report. The test equipment that
# must keep up with real time (the recording's player, the flooding OSC clients) is the plain
# build's (build/), as in the ASan pass; the peak meter is stemd-render of either build.

ifeq ($(SANITIZE),thread)
override CFLAGS += -O1 -fsanitize=thread -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=thread
endif

TSAN_B ?= build/tsan
# The thread interactions: every server and OSC test (see docs/ARCHITECTURE.md for the times).
TSAN_SERVER_TESTS ?= $(sort $(wildcard tests/server/*.t))
TSAN_OSC_TESTS    ?= $(sort $(wildcard tests/osc/*.t))
TSAN_MIDI_TESTS   ?= $(sort $(wildcard tests/midi/*.t))

.PHONY: tsan-tests
tsan-tests:
	@tools/install-deps tsan
	@$(MAKE) --no-print-directory B=$(TSAN_B) SANITIZE=thread server osc $(TSAN_B)/stemd-render \
		$(TSAN_B)/stemd-params
	@$(MAKE) --no-print-directory B=build build/stemd-jackio build/tests/osc/osc-client \
		build/stemd-synth build/tests/osc/ebur128-wav
	STEMD_BUILD=$(TSAN_B) STEMD_TSAN=1 STEMD_RTCHECK= prove -f $(TSAN_SERVER_TESTS) $(TSAN_OSC_TESTS) \
		$(TSAN_MIDI_TESTS)
