# Mobility claims: the pure decision alone, and its LMDB table (with the
# decision through restarts).
vrd_unit_test(test_claim
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_claim.c
	LIBS vrd_gossip_claim)
vrd_unit_test(test_claims_table
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_claims_table.c
	LIBS vrd_tables vrd_gossip_claim)
# The ownership rules as a model: the real decision and verification at
# simulated routers, with hosts that move, forgers, a rogue router, lost
# and reordered gossip, and deaths (pure: no I/O).
vrd_unit_test(test_claim_model
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_claim_model.c
	LIBS vrd_gossip_claim vrd_migrate_verify)
# 400 simulated runs: about 3 minutes under ASan on two busy cores
set_tests_properties(test_claim_model PROPERTIES TIMEOUT 900)
