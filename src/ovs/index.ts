// Open vSwitch through its database (RFC 7047), without ovs-vsctl.
export * from './jsonrpc.js';
export * from './ovsdb.js';
