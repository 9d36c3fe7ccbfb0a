# capture/: the frame parser, the evidence state machine, the fuzzer, and
# vrd-rarp-send (QEMU-style announcements for the netns tests).
vrd_unit_test(test_frame SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_frame.c
	LIBS vrd_capture_parse)
vrd_unit_test(test_evidence
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_evidence.c
	LIBS vrd_capture_parse)

vrd_fuzz_target(fuzz_frame ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_frame.c
	${CMAKE_CURRENT_LIST_DIR}/fuzz/corpus/frame LIBS vrd_capture_parse)

add_executable(vrd-rarp-send ${CMAKE_CURRENT_LIST_DIR}/tools/rarp_send.c)
target_link_libraries(vrd-rarp-send PRIVATE vrd_base)
set_target_properties(vrd-rarp-send PROPERTIES RUNTIME_OUTPUT_DIRECTORY
	${CMAKE_BINARY_DIR}/tests)
