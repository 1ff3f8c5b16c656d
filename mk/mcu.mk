# mk/mcu.mk: the Mackie Control profile (midi/mcu.c) and its unit test.
# Included from the top-level Makefile (-include mk/*.mk). The profile needs only the server's
# typed API (server/control.h), no JACK and no MIDI transport; the transport (mk/midi.mk) links
# $(B)/midi/mcu.o into the daemon. The libraries are named by path: mk/server.mk is read after
# this file, so its variables are still empty here.
#
#   make B=build build/tests/control/test_mcu     (also built by `make osc`)
#   run by tests/osc/17-mcu.t (osc-tests, plain and SANITIZE=1)

MCU_OBJ  := $(B)/midi/mcu.o
MCU_TEST := $(B)/tests/control/test_mcu

$(B)/tests/control/test_mcu.o: override CFLAGS += $(call pc_cflags,jack)
$(MCU_TEST): $(B)/tests/control/test_mcu.o $(MCU_OBJ) $(B)/libstemd-server.a $(B)/libstemd-log.a \
		$(DSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS)
osc: $(MCU_TEST)
