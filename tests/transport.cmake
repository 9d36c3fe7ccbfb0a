vrd_unit_test(test_transport SOURCES unit/test_transport.c
	LIBS vrd_gossip_transport)
vrd_unit_test(test_node SOURCES unit/test_node.c LIBS vrd_gossip_node)
