# tables/: the codec alone, and the LMDB tables end to end.
vrd_unit_test(test_codec SOURCES unit/test_codec.c LIBS vrd_tables)
vrd_unit_test(test_tables SOURCES unit/test_tables.c LIBS vrd_tables)
# data.mdb's meta-page check, pure, against files real LMDB wrote.
vrd_unit_test(test_mdbfile SOURCES unit/test_mdbfile.c
	LIBS vrd_mdbfile PkgConfig::LMDB)
