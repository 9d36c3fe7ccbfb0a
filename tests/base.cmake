# base/: addresses, names, clocks.
vrd_unit_test(test_addr SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_addr.c
	LIBS vrd_base)
