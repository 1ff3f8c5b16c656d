# mk/server.mk: the stemd daemon, its RT-safety interposer and its integration tests.
# Included from the top-level Makefile (-include mk/*.mk); uses its B, CFLAGS, DSP_LIB, need.
#
#   make server                 build/stemd, the test driver and build/tests/rtcheck.so
#   make server-tests           the integration suite (real jackd, dummy backend), under the
#                               RT-safety interposer (zero calls from the process callback)
#   make server-tests-san       the same suite with ASan+UBSan (B=build/san, no interposer)
#   make systemd-check          systemd-analyze verify of systemd/stemd.service

SERVER_PKGS    := jack liburcu sndfile
SERVER_ALL_SRC := $(sort $(wildcard server/*.c))
SERVER_LIB_SRC := $(filter-out server/main.c,$(SERVER_ALL_SRC))
SERVER_LIB_OBJ := $(SERVER_LIB_SRC:%.c=$(B)/%.o)
SERVER_LIB     := $(B)/libstemd-server.a
SERVER_LIBS     = $(call pc_libs,$(SERVER_PKGS)) -lm -lpthread
STEMD_BIN      := $(B)/stemd
SERVER_TEST_DRIVER := $(B)/tests/server/stemd-driver
RTCHECK_SO     := $(B)/tests/rtcheck.so

$(SERVER_ALL_SRC:%.c=$(B)/%.o) $(B)/tests/server/stemd-driver.o: override CFLAGS += $(call pc_cflags,$(SERVER_PKGS))

$(SERVER_LIB): $(SERVER_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(STEMD_BIN): $(B)/server/main.o $(SERVER_LIB) $(OSC_LIB) $(DSP_LIB)
	$(call need,jack,libjack-jackd2-dev)
	$(call need,liburcu,liburcu-dev)
	$(CC) $(LDFLAGS) -o $@ $(B)/server/main.o -Wl,--start-group $(SERVER_LIB) $(OSC_LIB) \
		-Wl,--end-group $(DSP_LIB) $(SERVER_LIBS) $(OSC_LIBS)

$(SERVER_TEST_DRIVER): $(B)/tests/server/stemd-driver.o $(SERVER_LIB) $(OSC_LIB) $(DSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(SERVER_LIB) $(OSC_LIB) -Wl,--end-group \
		$(DSP_LIB) $(SERVER_LIBS) $(OSC_LIBS)

# The interposer is plain C with no sanitizer: ASan must be first in the library list and
# cannot share the process with an LD_PRELOAD malloc.
$(RTCHECK_SO): tests/rtcheck.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl -lpthread

# Optional: the driver under clang's RealtimeSanitizer, whose LLVM 19 runtime is linked by hand
# (-fsanitize=realtime needs LLVM 20); tests/server/rtsan_hooks.c maps stemd's RT hooks onto it.
RTSAN_RT ?= $(wildcard /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.rtsan-x86_64.a)
RTSAN_DRIVER := $(B)/tests/server/stemd-driver-rtsan
$(RTSAN_DRIVER): $(B)/tests/server/stemd-driver.o $(B)/tests/server/rtsan_hooks.o $(SERVER_LIB) $(OSC_LIB) $(DSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $(B)/tests/server/stemd-driver.o $(B)/tests/server/rtsan_hooks.o \
		-Wl,--start-group $(SERVER_LIB) $(OSC_LIB) -Wl,--end-group \
		$(DSP_LIB) -Wl,--whole-archive $(RTSAN_RT) -Wl,--no-whole-archive $(SERVER_LIBS) $(OSC_LIBS) -ldl -lrt

.PHONY: server server-tests server-tests-san systemd-check
server: $(STEMD_BIN) $(SERVER_TEST_DRIVER) \
	$(if $(SANITIZE),,$(RTCHECK_SO) $(if $(RTSAN_RT),$(RTSAN_DRIVER)))

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
