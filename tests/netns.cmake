# Namespace tests of the daemon (root; skip with 77 only where namespaces
# cannot be created, never in CI).
vrd_netns_test(netns_daemon ${CMAKE_CURRENT_SOURCE_DIR}/netns/daemon.sh)
vrd_netns_test(netns_kill9 ${CMAKE_CURRENT_SOURCE_DIR}/netns/kill9.sh)
vrd_netns_test(netns_lan ${CMAKE_CURRENT_SOURCE_DIR}/netns/lan.sh)
vrd_netns_test(netns_gossip ${CMAKE_CURRENT_SOURCE_DIR}/netns/gossip.sh)
vrd_netns_test(netns_gossip_rogue ${CMAKE_CURRENT_SOURCE_DIR}/netns/gossip_rogue.sh)
vrd_netns_test(netns_dataplane ${CMAKE_CURRENT_SOURCE_DIR}/netns/dataplane.sh)
vrd_netns_test(netns_hostmode ${CMAKE_CURRENT_SOURCE_DIR}/netns/hostmode.sh)
vrd_netns_test(netns_migration ${CMAKE_CURRENT_SOURCE_DIR}/netns/migration.sh)
vrd_netns_test(netns_migration_faults ${CMAKE_CURRENT_SOURCE_DIR}/netns/migration_faults.sh)
vrd_netns_test(netns_migration_bounce ${CMAKE_CURRENT_SOURCE_DIR}/netns/migration_bounce.sh)
vrd_netns_test(netns_migration_silent ${CMAKE_CURRENT_SOURCE_DIR}/netns/migration_silent.sh)
vrd_netns_test(netns_claims_verify ${CMAKE_CURRENT_SOURCE_DIR}/netns/claims_verify.sh)
