# The LPM (pure, linked alone) and the forwarding snapshot over it.
vrd_unit_test(test_lpm
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_lpm.c
	LIBS vrd_lpm)

vrd_unit_test(test_fib
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_fib.c
	LIBS vrd_tables Threads::Threads)
