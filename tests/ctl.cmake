# vrctl's libraries: rows, the control protocol codec, output, queries.
vrd_unit_test(test_row SOURCES unit/test_row.c LIBS vrd_vrctl)
vrd_unit_test(test_ctlproto SOURCES unit/test_ctlproto.c LIBS vrd_vrctl)
vrd_unit_test(test_output SOURCES unit/test_output.c LIBS vrd_vrctl)
# Runs the queries against a real LMDB environment in a temporary folder.
vrd_unit_test(test_query SOURCES unit/test_query.c LIBS vrd_vrctl)
vrd_fuzz_target(fuzz_ctlproto fuzz/fuzz_ctlproto.c
	${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/ctlproto LIBS vrd_vrctl)
