// Open vSwitch's database, as the rest of the product sees it: the protocol's vocabulary
// (protocol.ts), the connection and its transactions (client.ts), the bridge and port operations
// (vswitch.ts).
export * from './protocol.js';
export * from './client.js';
export * from './vswitch.js';
export { DEFAULT_OVSDB_SOCKET, parseOvsdbRemote } from './remote.js';
