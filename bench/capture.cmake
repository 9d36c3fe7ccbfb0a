# bench-capture: the LAN path (parse, evidence, HWDT learning) replayed from
# a pcap on one core, and the gratuitous ARP injection rate.
# bench/capture-latency.sh runs it on a veth and measures RARP to host-seen.
add_executable(bench-capture ${CMAKE_CURRENT_SOURCE_DIR}/capture.c)
target_link_libraries(bench-capture PRIVATE vrd_capture vrd_inject vrd_tables)
