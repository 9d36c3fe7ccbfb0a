# gossip/member.c: SWIM with suspicion, simulated over a virtual network.
vrd_unit_test(test_member SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_member.c
	LIBS vrd_gossip_member)
