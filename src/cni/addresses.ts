// Where the container's addresses come from, and how a CNI result's ips and routes become the
// wiring's address spec ("10.0.0.5/24@10.0.0.1,...") plus the routes it does not cover.
import { CniError, CODE } from './errors.js';
import type { Request } from './config.js';
import type { CniIp, CniResult, CniRoute } from './result.js';
import type { ExtraRoute } from './wiring.js';

const familyOf = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4);
const isDefault = (dst: string) => dst === '0.0.0.0/0' || dst === '::/0';

/** ips + routes -> pipework's address spec, and the routes other than a default via a gateway. */
export function toAddressSpec(ips: CniIp[], routes: CniRoute[]): { addresses?: string; extra: ExtraRoute[] } {
  const items = ips.map((ip) => ({ text: ip.address, family: familyOf(ip.address), gateway: undefined as string | undefined }));
  const extra: ExtraRoute[] = [];
  for (const r of routes) {
    const family = familyOf(r.dst);
    const gw = r.gw ?? ips.find((ip) => familyOf(ip.address) === family && ip.gateway)?.gateway;
    if (!isDefault(r.dst) || !gw) {
      extra.push({ dst: r.dst, gw });
      continue;
    }
    const first = items.find((i) => i.family === family);
    if (first && !first.gateway) first.gateway = gw;
    else if (!first) items.push({ text: '0/0', family, gateway: gw });
    else extra.push({ dst: r.dst, gw }); // a second default of the family: the kernel keeps both
  }
  if (!items.length) return { extra };
  return { addresses: items.map((i) => (i.gateway ? `${i.text}@${i.gateway}` : i.text)).join(','), extra };
}

/**
 * Addresses given without IPAM: runtimeConfig.ips (the "ips" capability), else CNI_ARGS IP=
 * (comma-separated); undefined when neither is there.
 */
export function ownIps(req: Request): CniIp[] | undefined {
  const fromRuntime = req.conf.runtimeConfig?.ips;
  if (fromRuntime !== undefined && !Array.isArray(fromRuntime)) throw new CniError(CODE.invalidConfig, 'runtimeConfig.ips must be a list of CIDRs');
  const list = fromRuntime?.length ? fromRuntime.map(String) : req.args.get('IP')?.split(',').filter(Boolean);
  if (!list?.length) return undefined;
  for (const a of list) {
    if (!a.includes('/')) throw new CniError(CODE.invalidConfig, `address "${a}" has no prefix length`, `write it as CIDR, e.g. ${a}/24`);
  }
  return list.map((address) => ({ address }));
}

/** The ips a previous plugin of the chain allocated without an interface (an IPAM-only plugin). */
export function unclaimedIps(prev: CniResult | undefined): CniIp[] | undefined {
  const ips = prev?.ips.filter((ip) => ip.interface === undefined);
  return ips?.length ? ips : undefined;
}
