# gossip: the message codec and signed records.
# test_wire links the pure codec library alone (no libsodium, no zmq).
vrd_unit_test(test_wire
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_wire.c
	LIBS vrd_gossip_wire)
vrd_unit_test(test_record
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_record.c
	LIBS vrd_gossip)

# Messages and records from the network: the fuzzer links the pure codecs.
vrd_fuzz_target(fuzz_wire ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_wire.c
	${CMAKE_CURRENT_LIST_DIR}/fuzz/corpus/wire LIBS vrd_gossip_wire)
