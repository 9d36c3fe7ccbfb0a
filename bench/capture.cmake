# bench-capture: the LAN path (parse, evidence, and the daemon's learning
# step from vrd_learn) replayed from a synthetic pcap on one core, and the
# gratuitous ARP injection rate.
# bench/capture-latency.sh runs it on a veth and measures RARP to host-seen.
add_executable(bench-capture ${CMAKE_CURRENT_SOURCE_DIR}/capture.c
	${CMAKE_CURRENT_SOURCE_DIR}/capture_gen.c
	${CMAKE_CURRENT_SOURCE_DIR}/bench_util.c)
target_link_libraries(bench-capture PRIVATE vrd_learn vrd_capture
	vrd_inject vrd_tables)
