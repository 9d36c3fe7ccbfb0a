# Segmentation offloads (user-space GSO/GRO for the TUN): pure, no sockets,
# so the unit test, the fuzzer and the bench link it alone.
add_library(vrd_gso STATIC ${CMAKE_CURRENT_SOURCE_DIR}/gso.c)
target_link_libraries(vrd_gso PUBLIC vrd_base)
