# Test tools: small programs the namespace tests drive.
add_executable(vrd-ctl-storm tools/ctl_storm.c)
target_link_libraries(vrd-ctl-storm PRIVATE vrd_ctl)
set_target_properties(vrd-ctl-storm PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)

# Control clients that connect and never send (issue 12).
add_executable(vrd-ctl-idle tools/ctl_idle.c)
set_target_properties(vrd-ctl-idle PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)

# A certified router announcing what its certificate does not cover.
add_executable(vrd-gossip-rogue tools/gossip_rogue.c)
target_link_libraries(vrd-gossip-rogue PRIVATE vrd_gossip_node)
set_target_properties(vrd-gossip-rogue PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)

# Traffic generators whose results the namespace tests assert: TCP stream
# integrity and stalls, the 5 ms UDP outage probe, pcap replay.
add_executable(vrd-stream tools/stream.c)
set_target_properties(vrd-stream PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)

add_executable(vrd-udp-probe tools/udp_probe.c)
set_target_properties(vrd-udp-probe PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)

add_executable(vrd-udp-replay tools/udp_replay.c)
target_link_libraries(vrd-udp-replay PRIVATE PkgConfig::PCAP)
set_target_properties(vrd-udp-replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)
