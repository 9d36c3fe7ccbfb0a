/* `vrctl ca ...`: the overlay CA's commands (INTERFACE.md, docs/trust.md).
 * Called by vrctl's main when the first command word is "ca". */
#ifndef VRD_VRCTL_CA_H
#define VRD_VRCTL_CA_H

/*
 * argv[0] is "ca", argv[1] the subcommand (init, issue, show). Messages go
 * to stderr, a summary of what was written to stdout. Returns the exit
 * status: 0 ok, 1 error, 2 usage.
 */
int vrctl_ca(int argc, char **argv);

#endif
