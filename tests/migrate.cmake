# vrd/migrate_set.c: away and visiting hosts of a forwarding snapshot and
# their changes, against real snapshots (tables_fib_build).
vrd_unit_test(test_migrate_set
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_migrate_set.c
	LIBS vrd_migrate_set)

# vrd/migrate_verify.c: probes, answers, verdicts and the contest budget,
# with time as an input.
vrd_unit_test(test_migrate_verify
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_migrate_verify.c
	LIBS vrd_migrate_verify)
