// The words after "dhcp:" / "udhcpc:" / "dhclient:" in a pipework address spec. Upstream passed
// them to the external client; the built-in client understands the ones that mean something to
// it and refuses the rest with a message, instead of silently ignoring them.
import { InputError } from '../util/errors.js';
import { parseIpv4 } from '../util/ip.js';
import type { DhcpKeeperOptions } from './keeper.js';

export interface ClientWords {
  /** -f (udhcpc/dhclient "foreground"): keep the lease (renew) instead of one-shot */
  keep?: boolean;
  options: Partial<Pick<DhcpKeeperOptions, 'hostname' | 'vendorClassId' | 'requestedAddress' | 'timeoutMs' | 'clientId'>>;
}

const hexId = /^([0-9a-fA-F]{2})(:[0-9a-fA-F]{2})+$/;

/**
 * Interprets upstream DHCP client words (already split on whitespace). Understood:
 *   -f, --foreground            keep mode
 *   -q, --quit, -1, -d, -n, -v  accepted, no effect (one-shot is the default; no daemon to fork)
 *   -x hostname:NAME, -H NAME, -h NAME, -F NAME   hostname (option 12)
 *   -V VENDOR                   vendor class identifier (option 60)
 *   -r IP, --request IP         address to ask for (option 50)
 *   -T SECONDS, --timeout SECONDS  time allowed to obtain a lease
 *   -c ID                       client identifier, hex bytes "01:02:..." (option 61)
 * Anything else is an InputError naming the word.
 */
export function interpretClientWords(words: readonly string[], client = 'dhcp'): ClientWords {
  const out: ClientWords = { options: {} };
  const value = (i: number, flag: string): string => {
    const v = words[i + 1];
    if (v === undefined) throw new InputError(`${client} option ${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    switch (w) {
      case '-f':
      case '--foreground':
        out.keep = true;
        break;
      case '-q':
      case '--quit':
      case '-1':
      case '-d':
      case '-n':
      case '-v':
        break;
      case '-x': {
        const v = value(i++, w);
        const m = /^hostname:(.+)$/.exec(v);
        if (!m) throw new InputError(`${client} option -x ${v} is not supported by the built-in DHCP client`, 'only -x hostname:NAME is');
        out.options.hostname = m[1];
        break;
      }
      case '-H':
      case '-h':
      case '-F':
        out.options.hostname = value(i++, w);
        break;
      case '-V':
        out.options.vendorClassId = value(i++, w);
        break;
      case '-r':
      case '--request': {
        const v = value(i++, w);
        if (!parseIpv4(v)) throw new InputError(`${client} option ${w} ${v}: not an IPv4 address`);
        out.options.requestedAddress = v;
        break;
      }
      case '-T':
      case '--timeout': {
        const v = value(i++, w);
        if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) throw new InputError(`${client} option ${w} ${v}: not a positive number of seconds`);
        out.options.timeoutMs = Math.round(Number(v) * 1000);
        break;
      }
      case '-c': {
        const v = value(i++, w);
        if (!hexId.test(v)) throw new InputError(`${client} option -c ${v}: write the client identifier as hex bytes, e.g. 01:02:42:ac:11:00:02`);
        out.options.clientId = Uint8Array.from(v.split(':'), (h) => parseInt(h, 16));
        break;
      }
      default:
        throw new InputError(`${client} option ${w} is not supported by the built-in DHCP client`, 'supported: -f, -x hostname:NAME, -H NAME, -V VENDOR, -r IP, -T SECONDS, -c ID');
    }
  }
  return out;
}
