# The data plane's kernel glue: MSS clamping (unit, fuzz), and the TUN /
# rtnetlink test, which unshares a network namespace of its own (root;
# exit 77 only where that is impossible, unless VRD_NETNS_REQUIRED=1).
vrd_unit_test(test_mss SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_mss.c
	LIBS vrd_mss)

vrd_fuzz_target(fuzz_mss ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_mss.c
	${CMAKE_CURRENT_LIST_DIR}/fuzz/corpus/mss LIBS vrd_mss)

add_executable(test_kernel ${CMAKE_CURRENT_LIST_DIR}/unit/test_kernel.c)
target_link_libraries(test_kernel PRIVATE vrd_kernel PkgConfig::CMOCKA)
set_target_properties(test_kernel PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)
add_test(NAME test_kernel COMMAND test_kernel)
set_tests_properties(test_kernel PROPERTIES LABELS netns TIMEOUT 300
	SKIP_RETURN_CODE 77)

# 10k host routes replaced and flushed in a namespace of its own: routes/s.
add_executable(bench-routes ${CMAKE_CURRENT_LIST_DIR}/tools/bench_routes.c)
target_link_libraries(bench-routes PRIVATE vrd_kernel)
set_target_properties(bench-routes PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/bin)
