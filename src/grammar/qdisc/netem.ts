// tc qdisc ... netem: delay, loss, duplication, corruption, reordering and rate emulation.
import type { NetemSpec } from '../../ops/tc/netem.js';
import { InputError } from '../../util/errors.js';
import { parseUint, type Tokens } from '../common.js';
import { isPercent, parsePercent, parseRate, parseTime } from '../units.js';
import { kindError } from './ratespec.js';

const NETEM_HELP =
  'netem [limit PACKETS] [delay TIME [JITTER [CORRELATION]]] [loss [random] PERCENT [CORRELATION]] [duplicate PERCENT [CORRELATION]] [corrupt PERCENT [CORRELATION]] [reorder PERCENT [CORRELATION]] [gap N] [rate RATE [PACKETOVERHEAD [CELLSIZE [CELLOVERHEAD]]]] [ecn]';

export function parseNetem(tok: Tokens): NetemSpec {
  const s: NetemSpec = {};
  const optional = (test: (x: string | undefined) => boolean): string | undefined => (test(tok.peek()) ? tok.next() : undefined);
  const isTime = (x: string | undefined) => x !== undefined && /^(\d|\.\d)/.test(x);
  const isInt = (x: string | undefined) => x !== undefined && /^-?\d+$/.test(x);
  /** PERCENT [CORRELATION]: the probability of an effect, and how much it follows the previous packet's */
  const withCorrelation = (effect: 'loss' | 'duplicate' | 'corrupt' | 'reorder', text: string) => {
    s[effect] = parsePercent(text, `netem ${effect}`);
    const c = optional(isPercent);
    if (c !== undefined) s[`${effect}Correlation`] = parsePercent(c, `netem ${effect} correlation`);
  };
  while (!tok.done) {
    const w = tok.next()!;
    switch (w) {
      case 'limit':
        s.limit = parseUint(tok.value('limit', 'PACKETS'), 'tc', 'netem limit');
        break;
      case 'delay':
      case 'latency': {
        s.delay = parseTime(tok.value(w, 'TIME'), 'netem delay');
        const j = optional(isTime);
        if (j !== undefined) {
          s.jitter = parseTime(j, 'netem jitter');
          const c = optional(isPercent);
          if (c !== undefined) s.delayCorrelation = parsePercent(c, 'netem delay correlation');
        }
        break;
      }
      case 'loss':
      case 'drop': {
        let v = tok.value(w, 'PERCENT');
        if (v === 'random') v = tok.value(`${w} random`, 'PERCENT');
        else if (v === 'state' || v === 'gemodel') {
          throw new InputError(`tc: netem "loss ${v}" is not supported by pipework's native tc`, 'use loss [random] PERCENT [CORRELATION]');
        }
        withCorrelation('loss', v);
        break;
      }
      case 'duplicate':
      case 'corrupt':
      case 'reorder':
        withCorrelation(w, tok.value(w, 'PERCENT'));
        break;
      case 'gap':
        s.gap = parseUint(tok.value('gap', 'N'), 'tc', 'netem gap');
        break;
      case 'rate': {
        s.rate = parseRate(tok.value('rate', 'RATE'), 'netem rate');
        const po = optional(isInt);
        if (po !== undefined) {
          s.packetOverhead = Number(po);
          const cs = optional((x) => x !== undefined && /^\d+$/.test(x));
          if (cs !== undefined) {
            s.cellSize = Number(cs);
            const co = optional(isInt);
            if (co !== undefined) s.cellOverhead = Number(co);
          }
        }
        break;
      }
      case 'ecn':
        s.ecn = true;
        break;
      case 'distribution':
      case 'slot':
        throw new InputError(`tc: netem "${w}" is not supported by pipework's native tc`, w === 'distribution' ? 'netem delays are uniformly distributed around the delay; distribution tables are not loaded' : NETEM_HELP);
      default:
        throw kindError('netem', w, NETEM_HELP);
    }
  }
  if (s.reorder !== undefined && !s.delay) {
    throw new InputError('tc: netem: reordering needs a delay', 'add delay TIME, e.g. netem delay 10ms reorder 25%');
  }
  return s;
}
