# mk/server.mk: the stemd daemon, its RT-safety interposer and its integration tests.
# Included from the top-level Makefile (-include mk/*.mk); uses its B, CFLAGS, DSP_LIB, need.
#
#   make server                 build/stemd, the test driver and build/tests/rtcheck.so
#   make server-tests           the integration suite (real jackd, dummy backend), under the
#                               RT-safety interposer (zero calls from the process callback)
#   make server-tests-san       the same suite with ASan+UBSan (B=build/san, no interposer)
#   make systemd-check          systemd-analyze verify of systemd/stemd.service
#
# Libraries, each linked after what uses it (a DAG, no link groups):
#   libstemd-log.a      server/log.c: the logger; depends on nothing of server/ or osc/
#   libstemd-server.a   the rest of server/ but main.c: needs the log and DSP libraries
#   main.c              composes the server with the OSC surface (mk/osc.mk's libraries), the
#                       HTTP surface (mk/http.mk's) and the MIDI layer (mk/midi.mk's)

SERVER_PKGS    := jack sndfile
SERVER_ALL_SRC := $(sort $(wildcard server/*.c))
SERVER_LIB_SRC := $(filter-out server/main.c server/log.c,$(SERVER_ALL_SRC))
SERVER_LIB_OBJ := $(SERVER_LIB_SRC:%.c=$(B)/%.o)
SERVER_LIB     := $(B)/libstemd-server.a
LOG_LIB        := $(B)/libstemd-log.a
SERVER_LIBS     = $(call pc_libs,$(SERVER_PKGS)) -lm -lpthread
STEMD_BIN      := $(B)/stemd
SERVER_TEST_DRIVER := $(B)/tests/server/stemd-driver
RTCHECK_SO     := $(B)/tests/rtcheck.so

$(SERVER_ALL_SRC:%.c=$(B)/%.o) $(B)/tests/server/stemd-driver.o: override CFLAGS += $(call pc_cflags,$(SERVER_PKGS))

$(SERVER_LIB): $(SERVER_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(LOG_LIB): $(B)/server/log.o
	@rm -f $@
	$(AR) rcs $@ $^

# The daemon: main.c, then each library before the ones it needs (mk/http.mk's HTTP_LIB, which
# uses OSC's --allow rules and wire format; mk/osc.mk's OSC_LIB is the surface, OSCWIRE_LIB its
# wire format).
$(STEMD_BIN): $(B)/server/main.o $(HTTP_LIB) $(MIDI_LIB) $(OSC_LIB) $(SERVER_LIB) $(OSCWIRE_LIB) $(LOG_LIB) \
		$(DSP_LIB)
	$(call need,jack,libjack-jackd2-dev)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(OSC_LIBS) $(HTTP_LIBS)

# The driver embeds the server without OSC.
$(SERVER_TEST_DRIVER): $(B)/tests/server/stemd-driver.o $(SERVER_LIB) $(LOG_LIB) $(DSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS)

# The interposer is plain C with no sanitizer: ASan must be first in the library list and
# cannot share the process with an LD_PRELOAD malloc.
$(RTCHECK_SO): tests/rtcheck.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl -lpthread

# Optional: the driver under clang's RealtimeSanitizer, whose LLVM 19 runtime is linked by hand
# (-fsanitize=realtime needs LLVM 20); tests/server/rtsan_hooks.c maps stemd's RT hooks onto it.
RTSAN_RT ?= $(wildcard /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.rtsan-x86_64.a)
RTSAN_DRIVER := $(B)/tests/server/stemd-driver-rtsan
$(RTSAN_DRIVER): $(B)/tests/server/stemd-driver.o $(B)/tests/server/rtsan_hooks.o $(SERVER_LIB) \
		$(LOG_LIB) $(DSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $(B)/tests/server/stemd-driver.o $(B)/tests/server/rtsan_hooks.o \
		$(SERVER_LIB) $(LOG_LIB) $(DSP_LIB) -Wl,--whole-archive $(RTSAN_RT) -Wl,--no-whole-archive \
		$(SERVER_LIBS) -ldl -lrt

.PHONY: server server-tests server-tests-san systemd-check
server: $(STEMD_BIN) $(SERVER_TEST_DRIVER) $(B)/tests/jackfail.so \
	$(if $(SANITIZE),,$(RTCHECK_SO) $(if $(RTSAN_RT),$(RTSAN_DRIVER)))

# jack_connect refused for some ports, by LD_PRELOAD (tests/server/45-pending.t); plain C.
$(B)/tests/jackfail.so: tests/jackfail.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# Each test checks the RT reports of the processes it started; 99-rtcheck-summary.t adds
# them all up from $(B)/rtcheck-summary.txt.
server-tests: server
	@rm -f $(B)/rtcheck-summary.txt
	STEMD_BUILD=$(B) STEMD_RTCHECK=$(if $(SANITIZE),,$(abspath $(RTCHECK_SO))) \
	STEMD_RTCHECK_SUMMARY=$(abspath $(B))/rtcheck-summary.txt prove -f tests/server/*.t

server-tests-san:
	@$(MAKE) --no-print-directory B=build/san SANITIZE=1 server-tests

systemd-check:
	tests/server/systemd-verify.sh systemd/stemd.service
