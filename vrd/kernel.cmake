# The data plane's kernel glue: the TUN device, rtnetlink (routes, links,
# addresses, the address monitor), ip_forward.
add_library(vrd_kernel STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tun.c
	${CMAKE_CURRENT_SOURCE_DIR}/rtnl.c)
target_link_libraries(vrd_kernel PUBLIC vrd_base)

# TCP MSS clamping: pure, so the unit test and the fuzzer link it alone.
add_library(vrd_mss STATIC ${CMAKE_CURRENT_SOURCE_DIR}/mss.c)
