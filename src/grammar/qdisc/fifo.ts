// tc qdisc ... pfifo | bfifo: a limit in packets or bytes.
import { parseUint, type Tokens } from '../common.js';
import { parseSize } from '../units.js';
import { kindError } from './ratespec.js';

export function parseFifo(tok: Tokens, kind: 'pfifo' | 'bfifo'): { limit?: number } {
  const s: { limit?: number } = {};
  while (!tok.done) {
    const w = tok.next()!;
    if (w !== 'limit') throw kindError(kind, w, `${kind} [limit ${kind === 'pfifo' ? 'PACKETS' : 'BYTES'}]`);
    const v = tok.value('limit', kind === 'pfifo' ? 'PACKETS' : 'BYTES');
    s.limit = kind === 'pfifo' ? parseUint(v, 'tc', 'pfifo limit') : parseSize(v, 'bfifo limit').bytes;
  }
  return s;
}
