// tc qdisc ... tbf: the token bucket filter's words.
import type { TbfSpec } from '../../ops/tc/tbf.js';
import { InputError } from '../../util/errors.js';
import type { Tokens } from '../common.js';
import { parseRate, parseSize, parseTime } from '../units.js';
import { kindError, linkLayerWord, sizeAndCell } from './ratespec.js';

const TBF_HELP = 'tbf rate RATE burst SIZE[/CELL] (latency TIME | limit BYTES) [peakrate RATE mtu SIZE] [mpu SIZE] [overhead N] [linklayer ethernet|atm]';

export function parseTbf(tok: Tokens): TbfSpec {
  const s: Partial<TbfSpec> = {};
  while (!tok.done) {
    const w = tok.next()!;
    if (linkLayerWord(tok, w, s)) continue;
    switch (w) {
      case 'rate':
        s.rate = parseRate(tok.value('rate', 'RATE'), 'tbf rate');
        break;
      case 'burst':
      case 'buffer':
      case 'maxburst': {
        if (s.burst !== undefined) throw new InputError('tc: tbf: more than one of burst, buffer, maxburst', 'they are the same thing: give one');
        [s.burst, s.cellLog] = sizeAndCell(tok, w, 'tbf');
        break;
      }
      case 'limit':
        s.limit = parseSize(tok.value('limit', 'BYTES'), 'tbf limit').bytes;
        break;
      case 'latency':
        s.latency = parseTime(tok.value('latency', 'TIME'), 'tbf latency');
        break;
      case 'peakrate':
        s.peakrate = parseRate(tok.value('peakrate', 'RATE'), 'tbf peakrate');
        break;
      case 'mtu':
      case 'minburst':
        [s.mtu, s.mtuCellLog] = sizeAndCell(tok, w, 'tbf');
        break;
      default:
        throw kindError('tbf', w, TBF_HELP);
    }
  }
  const missing: string[] = [];
  if (s.rate === undefined) missing.push('rate');
  if (s.burst === undefined) missing.push('burst');
  if (s.limit === undefined && s.latency === undefined) missing.push('latency or limit');
  if (missing.length) throw new InputError(`tc: tbf needs ${missing.join(', ')}`, TBF_HELP);
  if (s.limit !== undefined && s.latency !== undefined) throw new InputError('tc: tbf: both limit and latency given', 'give one: latency derives the limit');
  if (s.peakrate !== undefined && s.mtu === undefined) throw new InputError('tc: tbf: peakrate needs mtu (minburst)', 'add mtu SIZE, e.g. mtu 1600');
  return s as TbfSpec;
}
