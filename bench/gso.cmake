# bench-gso: user-space GSO split and GRO coalesce rates on one core.
add_executable(bench-gso ${CMAKE_CURRENT_SOURCE_DIR}/gso.c
	${CMAKE_CURRENT_SOURCE_DIR}/bench_util.c)
target_link_libraries(bench-gso PRIVATE vrd_gso)
