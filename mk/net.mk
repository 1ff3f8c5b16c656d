# mk/net.mk: stemd across machines: the network rig (tools/netrig.sh: a DAW and a rack PC as two
# network namespaces on this machine) and its tests. Included by the Makefile (-include mk/*.mk).
#
#   make net-test     prove tests/net/*.t: netjack2 (sample-exact, also across a change of the
#                     master's rate and period), zita-njbridge (loudness and
#                     correlation), a cable pull, the rack's systemd units. Needs root for the
#                     namespaces; without, the rig tests skip and say why. Plain build only: they
#                     test the rig, not stemd's memory (the sanitizer suites cover that).

.PHONY: net-test

net-test: $(B)/stemd $(B)/stemctl $(B)/stemd-render $(DEMO_BIN)
	STEMD_BUILD=$(B) prove -f tests/net/*.t
