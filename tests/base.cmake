# base/: addresses, names, clocks, and the bounded byte reader and writer.
vrd_unit_test(test_addr SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_addr.c
	LIBS vrd_base)
vrd_unit_test(test_bytes SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_bytes.c
	LIBS vrd_base)
