# gossip trust: certificates, key files, `vrctl ca`.
vrd_unit_test(test_cert
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_cert.c
		${CMAKE_SOURCE_DIR}/vrctl/vrctl_ca.c
	LIBS vrd_gossip)

# The fuzzer links the pure codec alone (no libsodium, no I/O).
vrd_fuzz_target(fuzz_cert ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_cert.c
	${CMAKE_CURRENT_LIST_DIR}/fuzz/corpus/cert LIBS vrd_base)
target_sources(fuzz_cert PRIVATE
	${CMAKE_CURRENT_LIST_DIR}/../gossip/cert_codec.c)
