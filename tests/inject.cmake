# inject/: the schedule and the proxy decision alone (no libnet), vrd-arp
# over the libnet part, and the namespace test against the real kernel.
vrd_unit_test(test_schedule
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_schedule.c
	LIBS vrd_inject_sched)
vrd_unit_test(test_proxy SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_proxy.c
	LIBS vrd_inject_sched)

add_executable(vrd-arp ${CMAKE_CURRENT_LIST_DIR}/tools/vrd_arp.c)
target_link_libraries(vrd-arp PRIVATE vrd_inject)
set_target_properties(vrd-arp PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)

vrd_netns_test(netns_inject ${CMAKE_CURRENT_LIST_DIR}/netns/inject.sh)
