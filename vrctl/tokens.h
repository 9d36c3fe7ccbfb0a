/*
 * vrctl's command words (INTERFACE.md): a token table, as bgpctl's
 * parser.c, that every command is checked against before anything is
 * opened, so a typo is a usage error and never reaches the daemon.
 */
#ifndef VRD_VRCTL_TOKENS_H
#define VRD_VRCTL_TOKENS_H

/* What a command needs, or'ed over its words. */
enum {
	CMD_DAEMON = 1 << 0, /* only the running daemon can answer */
	CMD_WRITE = 1 << 1, /* changes the tables */
	CMD_VN = 1 << 2, /* takes --vn */
};

/* Checks the n words against the token table; the flags of the command go
 * to *flags. 0, or -EINVAL with the reason printed to stderr. */
int vrctl_words_parse(int n, char **words, unsigned *flags);

#endif
