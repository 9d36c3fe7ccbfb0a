# bench-tables: GNDT load, snapshot rebuild, LPM lookups, HWDT rates.
add_executable(bench-tables ${CMAKE_CURRENT_SOURCE_DIR}/tables.c)
target_link_libraries(bench-tables PRIVATE vrd_tables)
