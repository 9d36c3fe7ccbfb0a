/*
 * The token table of vrctl's command words (tokens.h): each table lists
 * what may come next, and a word that matches nothing is explained with
 * what would have.
 */
#include "vrctl/tokens.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/addr.h"

enum token_type {
	TOK_NONE = 0, /* ends a table */
	TOK_END, /* the words may stop here */
	TOK_WORD, /* a keyword */
	TOK_IP,
	TOK_PREFIX,
	TOK_MAC,
	TOK_NAME, /* a router name */
	TOK_COUNT,
};

struct token {
	enum token_type type;
	const char *word; /* the keyword, or the placeholder in messages */
	unsigned flags;
	const struct token *next;
};

static const struct token t_end[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_router[] = {
	{TOK_NAME, "ROUTER", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_prefix[] = {
	{TOK_PREFIX, "PREFIX", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_prefix_router[] = {
	{TOK_PREFIX, "PREFIX", 0, t_router},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_ip[] = {
	{TOK_IP, "IP", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_mac[] = {
	{TOK_MAC, "MAC", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_ip_mac[] = {
	{TOK_IP, "IP", 0, t_mac},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_claim[] = {
	{TOK_WORD, "reset", 0, t_ip},
	{TOK_IP, "IP", 0, t_mac},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_events[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_COUNT, "N", 0, t_end},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_lndt[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "add", CMD_WRITE, t_prefix},
	{TOK_WORD, "del", CMD_WRITE, t_prefix},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_gndt[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "add", CMD_WRITE, t_prefix_router},
	{TOK_WORD, "del", CMD_WRITE, t_prefix},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_hwdt[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "add", CMD_WRITE, t_ip_mac},
	{TOK_WORD, "del", CMD_WRITE, t_ip},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_proxy[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "add", CMD_WRITE, t_ip},
	{TOK_WORD, "del", CMD_WRITE, t_ip},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_announce_opt[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "to", 0, t_mac},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_announce_mac[] = {
	{TOK_END, NULL, 0, NULL},
	{TOK_WORD, "to", 0, t_mac},
	{TOK_MAC, "MAC", 0, t_announce_opt},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_announce[] = {
	{TOK_IP, "IP", 0, t_announce_mac},
	{TOK_NONE, NULL, 0, NULL},
};
static const struct token t_main[] = {
	{TOK_WORD, "status", 0, t_end},
	{TOK_WORD, "peers", CMD_DAEMON, t_end},
	{TOK_WORD, "tunnels", CMD_DAEMON, t_end},
	{TOK_WORD, "lndt", CMD_VN, t_lndt},
	{TOK_WORD, "gndt", CMD_VN, t_gndt},
	{TOK_WORD, "hwdt", CMD_VN, t_hwdt},
	{TOK_WORD, "route", CMD_VN, t_ip},
	{TOK_WORD, "events", 0, t_events},
	{TOK_WORD, "stats", CMD_DAEMON, t_end},
	{TOK_WORD, "proxy", CMD_DAEMON, t_proxy},
	{TOK_WORD, "announce", CMD_DAEMON | CMD_WRITE, t_announce},
	{TOK_WORD, "claim", CMD_DAEMON | CMD_WRITE | CMD_VN, t_claim},
	{TOK_WORD, "query", CMD_DAEMON | CMD_VN, t_mac},
	{TOK_NONE, NULL, 0, NULL},
};

static bool token_match(const struct token *t, const char *w)
{
	struct vrd_prefix p;
	struct vrd_mac mac;
	uint32_t ip;

	switch (t->type) {
	case TOK_WORD:
		return strcmp(t->word, w) == 0;
	case TOK_IP:
		return vrd_ipv4_parse(w, &ip) == 0;
	case TOK_PREFIX:
		return vrd_prefix_parse(w, &p, NULL) == 0;
	case TOK_MAC:
		return vrd_mac_parse(w, &mac) == 0;
	case TOK_NAME:
		return vrd_name_valid(w);
	case TOK_COUNT:
		return w[0] != '\0' && strspn(w, "0123456789") == strlen(w) &&
		       strlen(w) <= 19;
	default:
		return false;
	}
}

/* Why w matched nothing in table t (after the words in `before`). */
static void token_complain(const struct token *t, const char *before,
			   const char *w)
{
	const char *what = NULL;
	struct vrd_prefix p;
	const char *why = "";
	bool first = true;

	for (const struct token *e = t; e->type != TOK_NONE; e++) {
		switch (e->type) {
		case TOK_IP:
			what = "an IPv4 address";
			break;
		case TOK_PREFIX:
			vrd_prefix_parse(w, &p, &why);
			fprintf(stderr, "vrctl: %s: bad prefix '%s': %s\n",
				before, w, why);
			return;
		case TOK_MAC:
			what = "a MAC address";
			break;
		case TOK_NAME:
			what = "a router name ([A-Za-z0-9_.-]{1,32})";
			break;
		case TOK_COUNT:
			what = "a count";
			break;
		default:
			break;
		}
		if (what) {
			fprintf(stderr, "vrctl: %s: '%s' is not %s\n", before,
				w, what);
			return;
		}
	}
	if (!before[0]) {
		fprintf(stderr, "vrctl: unknown command: %s\n", w);
		return;
	}
	fprintf(stderr, "vrctl: %s: unexpected '%s'", before, w);
	for (const struct token *e = t; e->type != TOK_NONE; e++) {
		if (e->type == TOK_WORD) {
			fprintf(stderr, "%s%s", first ? " (expected " : ", ",
				e->word);
			first = false;
		}
	}
	fprintf(stderr, "%s\n", first ? "" : ")");
}

int vrctl_words_parse(int n, char **words, unsigned *flags)
{
	const struct token *table = t_main;
	char before[64] = "";

	*flags = 0;
	for (int i = 0;; i++) {
		const struct token *match = NULL;

		if (i == n) {
			for (const struct token *e = table; e->type != TOK_NONE;
			     e++) {
				if (e->type == TOK_END) {
					return 0;
				}
			}
			if (!before[0]) {
				fprintf(stderr, "vrctl: no command\n");
			} else {
				fprintf(stderr, "vrctl: %s: missing %s\n",
					before, table->word);
			}
			return -EINVAL;
		}
		for (const struct token *e = table; e->type != TOK_NONE; e++) {
			if (e->type != TOK_END && token_match(e, words[i])) {
				match = e;
				break;
			}
		}
		if (!match) {
			token_complain(table, before, words[i]);
			return -EINVAL;
		}
		*flags |= match->flags;
		if (i < 2) {
			snprintf(before + strlen(before),
				 sizeof(before) - strlen(before), "%s%s",
				 before[0] ? " " : "", words[i]);
		}
		table = match->next;
	}
}
