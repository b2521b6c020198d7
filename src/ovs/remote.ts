// Where the OVS database is: small enough to load on every start, unlike the client itself.
import { InputError } from '../util/errors.js';

export const DEFAULT_OVSDB_SOCKET = '/var/run/openvswitch/db.sock';

/** `--ovsdb` argument -> socket path. Accepts `unix:PATH` or an absolute PATH. */
export function parseOvsdbRemote(remote: string): string {
  if (remote.startsWith('unix:') && remote.length > 5) return remote.slice(5);
  if (remote.startsWith('/')) return remote;
  if (/^(tcp|ssl|ptcp|pssl|punix):/.test(remote)) {
    throw new InputError(`unsupported OVSDB remote ${remote}`, 'only unix:PATH is supported (e.g. --ovsdb unix:/var/run/openvswitch/db.sock)');
  }
  throw new InputError(`invalid OVSDB remote ${JSON.stringify(remote)}`, 'expected unix:PATH');
}
