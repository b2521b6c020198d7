// `ip route get ADDRESS [from ADDRESS] [iif NAME] [oif NAME] [mark N]`.
import { InputError } from '../util/errors.js';
import { type Family, type IpAddress, parseIp } from '../util/ip.js';
import { parseUint, type Tokens } from './common.js';
import type { RouteGetCommand } from './route.js';
import { FamilyTracker, parseAddress, TOOL } from './route-words.js';

export function getCommand(tok: Tokens, family: Family | undefined, json: boolean): RouteGetCommand {
  const fam = new FamilyTracker(family);
  let to: IpAddress | undefined;
  const out: Partial<RouteGetCommand> = {};
  while (!tok.done) {
    const w = tok.next()!;
    switch (w) {
      case 'to':
        to = parseAddress(stripHostPrefix(tok.value('to', 'ADDRESS')), 'destination', fam);
        break;
      case 'from':
        out.from = parseAddress(stripHostPrefix(tok.value('from', 'ADDRESS')), 'source', fam);
        break;
      case 'iif':
        out.iif = tok.value('iif', 'NAME');
        break;
      case 'oif':
      case 'dev':
        out.dev = tok.value(w, 'NAME');
        break;
      case 'mark':
        out.mark = parseUint(tok.value('mark', 'NUMBER'), TOOL, 'mark');
        break;
      default:
        if (parseIp(stripHostPrefix(w)) && to === undefined) {
          to = parseAddress(stripHostPrefix(w), 'destination', fam);
          break;
        }
        if (['fibmatch', 'tos', 'dsfield', 'vrf', 'ipproto', 'sport', 'dport', 'connected', 'uid', 'as'].includes(w)) {
          throw new InputError(`${TOOL} get: "${w}" is not supported by pipework's native ip route`, 'supported: get ADDRESS [from ADDRESS] [iif NAME] [oif NAME] [mark N]');
        }
        throw new InputError(`${TOOL} get: unknown keyword "${w}"`, 'supported: get ADDRESS [from ADDRESS] [iif NAME] [oif NAME] [mark N]');
    }
  }
  if (!to) throw new InputError(`${TOOL} get: no destination address`, 'e.g. ip route get 10.1.2.3');
  return { kind: 'get', family: fam.family ?? to.family, to, json, ...out };
}

/** `ip route get 10.0.0.1/32` is accepted by iproute2: a full-length prefix is an address. */
function stripHostPrefix(text: string): string {
  const m = /^(.*)\/(\d+)$/.exec(text);
  if (!m) return text;
  const ip = parseIp(m[1]);
  if (ip && Number(m[2]) === (ip.family === 4 ? 32 : 128)) return m[1];
  return text;
}
