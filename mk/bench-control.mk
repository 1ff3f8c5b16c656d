# mk/bench-control.mk: the control path's benchmark (tools/bench-control.c), run by `make bench`.
# Included from the top-level Makefile (-include mk/*.mk); uses mk/server.mk's and mk/osc.mk's
# libraries, named by path (this file is read before theirs, so their variables are still empty
# here). No JACK server is needed: the server is initialised but never connected.
#
#   make B=build build/stemd-bench-control    then build/stemd-bench-control [RUNS]

BENCH_CONTROL := $(B)/stemd-bench-control

$(B)/tools/bench-control.o: override CFLAGS += $(call pc_cflags,liblo jack)
# In dependency order (the DAG of docs/ARCHITECTURE.md): OSC surface, server, wire, log, dsp.
CONTROL_LINK = $(B)/libstemd-osc.a $(B)/libstemd-server.a $(B)/libstemd-oscwire.a \
	$(B)/libstemd-log.a $(DSP_LIB)
$(BENCH_CONTROL): $(B)/tools/bench-control.o $(CONTROL_LINK)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(OSC_LIBS)

# The typed change API's own test (tests/control/test_apply.c, run by tests/osc/15-apply.t): on a
# server that needs no JACK, like the benchmark; built with `make osc`.
CONTROL_TEST := $(B)/tests/control/test_apply
$(B)/tests/control/test_apply.o: override CFLAGS += $(call pc_cflags,liblo jack)
$(CONTROL_TEST): $(B)/tests/control/test_apply.o $(CONTROL_LINK)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(OSC_LIBS)
# The meter taps (tests/control/test_metertap.c, run by tests/osc/16-metertap.t): the same way.
METERTAP_TEST := $(B)/tests/control/test_metertap
$(B)/tests/control/test_metertap.o: override CFLAGS += $(call pc_cflags,liblo jack)
$(METERTAP_TEST): $(B)/tests/control/test_metertap.o $(CONTROL_LINK)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(OSC_LIBS)
osc: $(CONTROL_TEST) $(METERTAP_TEST)
# The preset names and the undo history (tests/control/test_session.c, run by
# tests/osc/17-session-unit.t): the same way.
SESSION_TEST := $(B)/tests/control/test_session
$(B)/tests/control/test_session.o: override CFLAGS += $(call pc_cflags,liblo jack)
$(SESSION_TEST): $(B)/tests/control/test_session.o $(CONTROL_LINK)
	$(CC) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(OSC_LIBS)
osc: $(SESSION_TEST)
