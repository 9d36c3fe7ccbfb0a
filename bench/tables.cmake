# bench-tables: GNDT load, snapshot rebuild, LPM lookups, HWDT rates.
add_executable(bench-tables ${CMAKE_CURRENT_SOURCE_DIR}/tables.c
	${CMAKE_CURRENT_SOURCE_DIR}/bench_util.c)
target_link_libraries(bench-tables PRIVATE vrd_tables)
