# The data plane's wire format, AEAD and replay window: pure (no sockets),
# so the unit test, the fuzzer and bench-dp link it alone.
add_library(vrd_dp STATIC ${CMAKE_CURRENT_SOURCE_DIR}/dp_wire.c)
target_link_libraries(vrd_dp PUBLIC vrd_base PkgConfig::SODIUM)
