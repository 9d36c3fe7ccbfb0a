# The control socket server: immediate and deferred replies over a real
# Unix socket and the real loop.
vrd_unit_test(test_control SOURCES unit/test_control.c
	${CMAKE_SOURCE_DIR}/vrd/control.c ${CMAKE_SOURCE_DIR}/vrd/loop.c
	LIBS vrd_ctl vrd_base)
