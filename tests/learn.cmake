# vrd/learn.c: the LAN learning step against real LMDB tables.
vrd_unit_test(test_learn SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_learn.c
	LIBS vrd_learn)
