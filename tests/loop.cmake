vrd_unit_test(test_loop SOURCES unit/test_loop.c
	${CMAKE_SOURCE_DIR}/vrd/loop.c LIBS vrd_base)
