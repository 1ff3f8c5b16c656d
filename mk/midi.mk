# mk/midi.mk: the MIDI layer (midi/): hardware control surfaces over JACK MIDI, linked into stemd.
# Included from the top-level Makefile (-include mk/*.mk, before mk/server.mk, which links it).
#
#   make midi            build/libstemd-midi.a
#   make midi-tests      the unit tests (tests/midi/test_*.c) and prove tests/midi/*.t (a private
#                        jackd each, a Python JACK MIDI client; RT check when not SANITIZE)
#
# The Mackie Control profile (midi/mcu.c) is built in when the file is there (profile.c then
# calls it; without it --midi-profile mcu says stemd was built without it).
MIDI_SRC     := $(sort $(wildcard midi/*.c))
MIDI_OBJ     := $(MIDI_SRC:%.c=$(B)/%.o)
MIDI_LIB     := $(B)/libstemd-midi.a
MIDI_HAVE_MCU := $(if $(wildcard midi/mcu.c),-DSTEMD_HAVE_MCU)
MIDI_UNIT_SRC := $(sort $(wildcard tests/midi/test_*.c))
MIDI_UNIT_BIN := $(MIDI_UNIT_SRC:tests/%.c=$(B)/tests/%)

$(B)/midi/profile.o: override CFLAGS += $(MIDI_HAVE_MCU)

$(MIDI_LIB): $(MIDI_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# Unit tests: the parser and the mapping arithmetic (no server: parse.c and map.c, the DSP
# library for the tapers).
$(B)/tests/midi/test_%: tests/midi/test_%.c $(B)/midi/parse.o $(B)/midi/map.o $(DSP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) $< -o $@ $(B)/midi/parse.o $(B)/midi/map.o $(LDFLAGS) $(DSP_LIB) -lm

.PHONY: midi midi-tests
midi: $(MIDI_LIB)

# (mk/osc.mk, read after this file, builds the OSC test client and stemctl.)
midi-tests: $(MIDI_UNIT_BIN) $(B)/stemd $(B)/tests/osc/osc-client $(B)/stemctl $(if $(SANITIZE),,$(B)/tests/rtcheck.so)
	STEMD_BUILD=$(B) STEMD_RTCHECK=$(if $(SANITIZE),,$(abspath $(B)/tests/rtcheck.so)) \
	prove -f $(MIDI_UNIT_BIN) tests/midi/*.t
