// The guest side of every wiring, whatever the link kind: interface up, addresses, gateways.
// Each is a step with its undo; a gateway outside every prefix of the interface first gets an
// on-link host route (/32 or /128), as pipework did after its issue #100.
import { isKernelError } from '../netlink/errors.js';
import type { NetlinkSocket } from '../netlink/session.js';
import { type Address, addAddressRequest, deleteAddressRequest } from '../ops/address.js';
import { setLinkRequest } from '../ops/link.js';
import { defaultRoutes, type Route, routeRequest } from '../ops/route.js';
import { RT_SCOPE_LINK } from '../netlink/constants.js';
import { type Cidr, equalBytes, formatCidr, formatIp, inSubnet, type IpAddress } from '../util/ip.js';
import type { Step } from './plan.js';
import type { AddressWithGateway } from './spec.js';

export interface GuestInterface {
  sock: NetlinkSocket;
  /** "eth1 in container web", for messages */
  label: string;
  /** the interface's index, known once the link exists (it may be created by an earlier step) */
  index(): number;
}

export interface ExistingState {
  up: boolean;
  addresses: Address[];
  defaults: Route[];
}

export function guestConfigSteps(iface: GuestInterface, wanted: readonly AddressWithGateway[], existing?: ExistingState): Step[] {
  const steps: Step[] = [];
  const { sock, label } = iface;
  if (!existing?.up) {
    steps.push({
      what: `set ${label} up`,
      where: 'guest',
      apply: () => void sock.request(setLinkRequest(iface.index(), { up: true }, `setting ${label} up`)),
      undo: () => void sock.request(setLinkRequest(iface.index(), { up: false }, `setting ${label} down`)),
    });
  }
  const prefixes: Cidr[] = [];
  for (const a of wanted) {
    if (!a.cidr) continue;
    const cidr = a.cidr;
    prefixes.push(cidr);
    if (existing?.addresses.some((e) => equalBytes(e.local, cidr.bytes) && e.prefix === cidr.prefix)) continue;
    const text = formatCidr(cidr);
    steps.push({
      what: `add address ${text} to ${label}`,
      where: 'guest',
      apply: () => void sock.request(addAddressRequest({ index: iface.index(), cidr, nodad: true }, `adding ${text} to ${label}`)),
      undo: () => void sock.request(deleteAddressRequest({ index: iface.index(), cidr }, `removing ${text} from ${label}`)),
    });
  }
  for (const a of wanted) {
    if (!a.gateway) continue;
    const gw = a.gateway;
    if (existing?.defaults.some((r) => r.gateway && equalBytes(r.gateway, gw.bytes) && r.oif === iface.index())) continue;
    if (!prefixes.some((p) => inSubnet(gw, p))) steps.push(onLinkHostRoute(iface, gw));
    steps.push(defaultRouteStep(iface, gw));
  }
  return steps;
}

function onLinkHostRoute(iface: GuestInterface, gw: IpAddress): Step {
  const host: Cidr = { ...gw, prefix: gw.family === 4 ? 32 : 128 };
  const text = `${formatCidr(host)} dev ${iface.label}`;
  const spec = () => ({ family: gw.family, dst: host, oif: iface.index(), scope: RT_SCOPE_LINK });
  return {
    what: `add on-link route ${text} (the gateway is outside the interface's prefixes)`,
    where: 'guest',
    apply: () => {
      try {
        iface.sock.request(routeRequest('add', spec(), `adding route ${text}`));
      } catch (e) {
        if (!isKernelError(e, 'EEXIST')) throw e;
      }
    },
    undo: () => void iface.sock.request(routeRequest('delete', spec(), `removing route ${text}`)),
  };
}

/**
 * The default route via gw. Added if the family has none; otherwise the existing one is replaced
 * (pipework's behaviour) and remembered, so that an undo puts it back exactly.
 */
function defaultRouteStep(iface: GuestInterface, gw: IpAddress): Step {
  const text = `default via ${formatIp(gw.bytes)} dev ${iface.label}`;
  let replaced: Route | undefined;
  let added = false;
  const ours = () => ({ family: gw.family, gateway: gw.bytes, oif: iface.index() });
  return {
    what: `set route ${text}`,
    where: 'guest',
    apply: () => {
      try {
        iface.sock.request(routeRequest('add', ours(), `adding route ${text}`));
        added = true;
        return;
      } catch (e) {
        if (!isKernelError(e, 'EEXIST')) throw e;
      }
      replaced = defaultRoutes(iface.sock, gw.family, ` in ${iface.label}`)[0];
      iface.sock.request(routeRequest('replace', ours(), `replacing the default route with ${text}`));
    },
    undo: () => {
      if (added) {
        iface.sock.request(routeRequest('delete', ours(), `removing route ${text}`));
      } else if (replaced) {
        const r = replaced;
        iface.sock.request(
          routeRequest(
            'replace',
            { family: r.family, gateway: r.gateway, oif: r.oif, metric: r.priority, protocol: r.protocol, table: r.table, scope: r.scope },
            'restoring the previous default route',
          ),
        );
      }
    },
  };
}
