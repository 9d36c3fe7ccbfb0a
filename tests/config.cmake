# The config parser: unit tests and the fuzz harness (vrd_config alone).
vrd_unit_test(test_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_config.c
	LIBS vrd_config)
vrd_fuzz_target(fuzz_config ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_config.c
	${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/config LIBS vrd_config)
