/* Operator-facing names of the table enums. */
#include "tables/tables.h"

const char *tables_lndt_source_name(uint8_t s)
{
	switch (s) {
	case TABLES_LNDT_CONFIG:
		return "config";
	case TABLES_LNDT_MIGRATED:
		return "migrated";
	case TABLES_LNDT_STATIC:
		return "static";
	}
	return NULL;
}

const char *tables_gndt_origin_name(uint8_t o)
{
	switch (o) {
	case TABLES_GNDT_LOCAL:
		return "local";
	case TABLES_GNDT_GOSSIP:
		return "gossip";
	case TABLES_GNDT_CLAIM:
		return "claim";
	case TABLES_GNDT_STATIC:
		return "static";
	}
	return NULL;
}

const char *tables_hwdt_source_name(uint8_t s)
{
	switch (s) {
	case TABLES_HWDT_ARP:
		return "arp";
	case TABLES_HWDT_RARP:
		return "rarp";
	case TABLES_HWDT_GARP:
		return "garp";
	case TABLES_HWDT_STATIC:
		return "static";
	}
	return NULL;
}
