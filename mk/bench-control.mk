# mk/bench-control.mk: the control path's benchmark (tools/bench-control.c), run by `make bench`.
# Included from the top-level Makefile (-include mk/*.mk); uses mk/server.mk's and mk/osc.mk's
# libraries. No JACK server is needed: the server is initialised but never connected.
#
#   make B=build build/stemd-bench-control    then build/stemd-bench-control [RUNS]

BENCH_CONTROL := $(B)/stemd-bench-control

$(B)/tools/bench-control.o: override CFLAGS += $(call pc_cflags,liblo jack liburcu)
$(BENCH_CONTROL): $(B)/tools/bench-control.o $(SERVER_LIB) $(OSC_LIB) $(DSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(SERVER_LIB) $(OSC_LIB) -Wl,--end-group \
		$(DSP_LIB) $(SERVER_LIBS) $(OSC_LIBS)
