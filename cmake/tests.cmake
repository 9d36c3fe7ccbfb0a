# vrd_unit_test(NAME SOURCES... LIBS libs...): a cmocka test, label "unit".
function(vrd_unit_test name)
	cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
	add_executable(${name} ${T_SOURCES})
	target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
	set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
		${CMAKE_BINARY_DIR}/tests)
	add_test(NAME ${name} COMMAND ${name})
	set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# vrd_fuzz_target(NAME SOURCE CORPUS LIBS libs...): a libFuzzer harness.
# With clang it is a real fuzzer; the test replays the corpus and then
# fuzzes for VRD_FUZZ_SECONDS. Without clang a replay main is linked in and
# the test replays the seed corpus.
set(VRD_FUZZ_SECONDS 20 CACHE STRING "seconds each fuzz test explores")
function(vrd_fuzz_target name source corpus)
	cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
	if(VRD_LIBFUZZER)
		add_executable(${name} ${source})
		target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
		target_link_options(${name} PRIVATE -fsanitize=fuzzer)
		set(cmd ${name} -max_total_time=${VRD_FUZZ_SECONDS}
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1
			${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus ${corpus})
		file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus)
	else()
		add_executable(${name} ${source}
			${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.c)
		set(cmd ${name} ${corpus})
	endif()
	target_link_libraries(${name} PRIVATE ${T_LIBS})
	set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
		${CMAKE_BINARY_DIR}/tests)
	add_test(NAME ${name} COMMAND ${cmd})
	set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 600)
endfunction()

# vrd_netns_test(NAME SCRIPT): a shell test in network namespaces, root.
function(vrd_netns_test name script)
	add_test(NAME ${name} COMMAND bash ${script})
	set_tests_properties(${name} PROPERTIES LABELS netns TIMEOUT 600
		SKIP_RETURN_CODE 77
		ENVIRONMENT "VRD_BIN=${CMAKE_BINARY_DIR}/bin;VRD_TESTS=${CMAKE_BINARY_DIR}/tests")
endfunction()
