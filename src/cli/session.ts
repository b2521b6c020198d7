// The library session every CLI command works through, configured from the global options.
import { Pipework } from '../wire/pipework.js';
import type { GlobalOptions } from './parse.js';

export function openSession(global: GlobalOptions): Pipework {
  return new Pipework({ hostNetns: global.hostNetns, ovsdb: global.ovsdb, ovsDatapath: global.ovsDatapath });
}

/** Runs body with a session, closed afterwards whatever happens. */
export async function withSession<T>(global: GlobalOptions, body: (pw: Pipework) => Promise<T>): Promise<T> {
  const pw = openSession(global);
  try {
    return await body(pw);
  } finally {
    pw.close();
  }
}
