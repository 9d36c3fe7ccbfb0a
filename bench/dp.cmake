# bench-dp: seal and open rates per core for each cipher this CPU runs.
add_executable(bench-dp ${CMAKE_CURRENT_SOURCE_DIR}/dp.c
	${CMAKE_CURRENT_SOURCE_DIR}/bench_util.c)
target_link_libraries(bench-dp PRIVATE vrd_dp)
