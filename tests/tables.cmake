# tables/: the codec alone, and the LMDB tables end to end.
vrd_unit_test(test_codec SOURCES unit/test_codec.c LIBS vrd_tables)
vrd_unit_test(test_tables SOURCES unit/test_tables.c LIBS vrd_tables)
