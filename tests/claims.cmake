# Mobility claims: the pure decision alone, and its LMDB table (with the
# decision through restarts).
vrd_unit_test(test_claim
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_claim.c
	LIBS vrd_gossip_claim)
vrd_unit_test(test_claims_table
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_claims_table.c
	LIBS vrd_tables vrd_gossip_claim)
