// The qdisc kinds pipework's tc speaks, one file each beside this one, and the ones it names as unsupported.
import { QDISC_KINDS, type QdiscKindSpec } from '../../ops/tc/qdisc.js';
import { InputError } from '../../util/errors.js';
import type { Tokens } from '../common.js';
import { parseFifo } from './fifo.js';
import { parseHtbQdisc } from './htb.js';
import { parseNetem } from './netem.js';
import { parseTbf } from './tbf.js';

export const SUPPORTED_KINDS = QDISC_KINDS.join(', ');

/** Other qdisc kinds tc knows: named as unsupported rather than unknown. */
export const OTHER_KINDS = new Set([
  'sfq', 'fq_codel', 'fq', 'codel', 'prio', 'red', 'gred', 'choke', 'cake', 'cbs', 'drr', 'ets', 'hfsc', 'hhf', 'mq',
  'mqprio', 'multiq', 'noqueue', 'pfifo_fast', 'pfifo_head_drop', 'pie', 'fq_pie', 'plug', 'qfq', 'sfb', 'skbprio',
  'taprio', 'etf', 'cbq', 'dsmark', 'atm', 'teql', 'blackhole', 'bpf',
]);
export function parseKind(kind: string, tok: Tokens, verb: string): QdiscKindSpec {
  // To delete, the kind alone is enough (tc would demand every tbf parameter).
  const kindOnly = verb === 'delete' && tok.done;
  switch (kind) {
    case 'tbf':
      return kindOnly ? { kind } : { kind, options: parseTbf(tok) };
    case 'htb':
      return kindOnly ? { kind } : { kind, options: parseHtbQdisc(tok) };
    case 'netem':
      return kindOnly ? { kind } : { kind, options: parseNetem(tok) };
    case 'pfifo':
    case 'bfifo':
      return kindOnly ? { kind } : { kind, options: parseFifo(tok, kind) };
    default:
      if (OTHER_KINDS.has(kind)) {
        throw new InputError(`tc qdisc: qdisc kind "${kind}" is not supported by pipework's native tc`, `supported kinds: ${SUPPORTED_KINDS}`);
      }
      throw new InputError(`tc qdisc: unknown qdisc kind or keyword "${kind}"`, `supported kinds: ${SUPPORTED_KINDS}; before the kind: dev, root, parent, handle`);
  }
}
