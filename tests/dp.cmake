# Data plane wire format: header codec, AEAD, replay window, key exchange
# plaintext. Both link the pure vrd_dp library alone.
vrd_unit_test(test_dp_wire
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_dp_wire.c
	LIBS vrd_dp)

# Datagrams from the network: header decode and open with a fixed key, the
# replay window against a naive model, and the relay payload's header.
vrd_fuzz_target(fuzz_dp ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_dp.c
	${CMAKE_CURRENT_LIST_DIR}/fuzz/corpus/dp LIBS vrd_dp)
