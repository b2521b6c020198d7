// The library session every CLI command works through, configured from the global options.
import { Pipework } from '../wire/pipework.js';
import type { GlobalOptions } from './parse.js';

export function openSession(global: GlobalOptions): Pipework {
  return new Pipework({ hostNetns: global.hostNetns, ovsdb: global.ovsdb, ovsDatapath: global.ovsDatapath });
}
