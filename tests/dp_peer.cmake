# The data plane's peer and key table: peers by name, receive keys by id,
# replacement, expiry, and a churn against a shadow model. dp_peer.c is
# compiled in alone (vrd_dataplane would bring the forwarding threads and
# the tables). Keys are sodium_malloc memory that LeakSanitizer cannot see,
# so the test counts them through a wrapped dp_key_destroy.
vrd_unit_test(test_dp_peer
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_dp_peer.c
		${CMAKE_SOURCE_DIR}/dataplane/dp_peer.c
	LIBS vrd_dp Threads::Threads)
target_link_options(test_dp_peer PRIVATE -Wl,--wrap=dp_key_destroy)
