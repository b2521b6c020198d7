// tc qdisc ... htb and tc class ... htb: the hierarchy token bucket's qdisc and class words.
import type { HtbClassSpec, HtbQdiscSpec } from '../../ops/tc/htb.js';
import { InputError } from '../../util/errors.js';
import { parseHex, parseUint, type Tokens } from '../common.js';
import { parseRate, parseSize } from '../units.js';
import { kindError, linkLayerWord, sizeAndCell } from './ratespec.js';

export function parseHtbQdisc(tok: Tokens): HtbQdiscSpec {
  const s: HtbQdiscSpec = {};
  while (!tok.done) {
    const w = tok.next()!;
    switch (w) {
      case 'default':
        s.defaultClass = parseHex(tok.value('default', 'MINOR'), 'tc', 'htb default class', 0xffff);
        break;
      case 'r2q':
        s.r2q = parseUint(tok.value('r2q', 'NUMBER'), 'tc', 'htb r2q');
        break;
      case 'direct_qlen':
        s.directQlen = parseUint(tok.value('direct_qlen', 'PACKETS'), 'tc', 'htb direct_qlen');
        break;
      case 'offload':
      case 'debug':
        throw new InputError(`tc: htb "${w}" is not supported by pipework's native tc`, 'htb qdisc parameters: default MINOR, r2q N, direct_qlen N');
      default:
        throw kindError('htb', w, 'htb qdisc parameters: default MINOR, r2q N, direct_qlen N');
    }
  }
  return s;
}

const HTB_CLASS_HELP = 'htb rate RATE [ceil RATE] [burst SIZE] [cburst SIZE] [prio 0-7] [quantum BYTES] [mtu BYTES] [mpu SIZE] [overhead N] [linklayer ethernet|atm]';

export function parseHtbClass(tok: Tokens, verb: string): HtbClassSpec | undefined {
  if (verb === 'delete' && tok.done) return undefined;
  const s: Partial<HtbClassSpec> = {};
  while (!tok.done) {
    const w = tok.next()!;
    if (linkLayerWord(tok, w, s)) continue;
    switch (w) {
      case 'rate':
        s.rate = parseRate(tok.value('rate', 'RATE'), 'htb rate');
        break;
      case 'ceil':
        s.ceil = parseRate(tok.value('ceil', 'RATE'), 'htb ceil');
        break;
      case 'burst':
      case 'buffer':
      case 'maxburst':
        [s.burst, s.burstCellLog] = sizeAndCell(tok, w, 'htb');
        break;
      case 'cburst':
      case 'cbuffer':
      case 'cmaxburst':
        [s.cburst, s.cburstCellLog] = sizeAndCell(tok, w, 'htb');
        break;
      case 'prio':
        s.prio = parseUint(tok.value('prio', '0-7'), 'tc', 'htb prio', 7);
        break;
      case 'quantum':
        s.quantum = parseSize(tok.value('quantum', 'BYTES'), 'htb quantum').bytes;
        break;
      case 'mtu':
        s.mtu = parseUint(tok.value('mtu', 'BYTES'), 'tc', 'htb mtu');
        break;
      default:
        throw kindError('htb class', w, HTB_CLASS_HELP);
    }
  }
  if (s.rate === undefined) throw new InputError('tc: htb class needs a rate', HTB_CLASS_HELP);
  return s as HtbClassSpec;
}
