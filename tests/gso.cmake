# User-space GSO/GRO for the TUN (dataplane/gso.h): the module alone.
vrd_unit_test(test_gso SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_gso.c
	LIBS vrd_gso)

vrd_fuzz_target(fuzz_gso ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_gso.c
	${CMAKE_CURRENT_LIST_DIR}/fuzz/corpus/gso LIBS vrd_gso)
