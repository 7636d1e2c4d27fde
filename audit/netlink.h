/* --live: the running kernel instead of firewall files. The nf_tables ruleset
 * (tables, chains, rules, sets and their elements, stateful objects) and the
 * ipsets are read over netlink (libmnl, libnftnl) and translated into the same
 * model the file parsers build; the local addresses (getifaddrs) and the
 * listening TCP sockets (sock_diag) are read too. Rules of legacy x_tables
 * (iptables-legacy) are invisible to netlink: their presence is an input
 * error. Only this module includes the libmnl and libnftnl headers.
 *
 * Provenance: a rule's loc is {"nft:FAMILY/TABLE/CHAIN", rule handle}; a
 * chain's (and its policy's) is {"nft:FAMILY/TABLE/CHAIN", 0}; a named set's
 * {"nft:FAMILY/TABLE/@SET", 0}. The inputs are "kernel:nftables" and
 * "kernel:ipset". */
#ifndef CFAUDIT_NETLINK_H
#define CFAUDIT_NETLINK_H

#include <stdbool.h>

#include "model.h"

struct live_opts {
	/* Read the interfaces' addresses into o->addrs (false when the command
	 * line named them with --host-addr). */
	bool addrs;
	/* Only this interface's addresses (NULL: every interface that is up
	 * and not loopback). */
	const char *public_iface;
};

/* Read the running kernel into o (inputs, chains, sets, addresses, sockets).
 * Without CAP_NET_ADMIN the ruleset input is unreadable (the audit is
 * incomplete); nothing here exits. */
void live_read(struct origin *o, const struct live_opts *opt);

/* The listening TCP sockets (IPv4 and IPv6) into o->listen; sets
 * o->listen_known. false, with errno set, when sock_diag cannot be read. No
 * privilege is needed. */
bool live_read_listeners(struct origin *o);

/* The tables a /proc/net/ip*_tables_names file lists, comma separated
 * (allocated); NULL when it lists none or cannot be read (x_tables not
 * loaded in this network namespace). */
char *live_legacy_tables(const char *path);

#endif
