// The guest-side phases: per guest one sendmsg (up, addresses, routes), then its announcement,
// staggered behind the setups; packet sockets closed off the main thread.
import { announceOn } from '../../announce/announce.js';
import { allCarryTraffic, type LinkEnd, untilCarriesTraffic } from '../../announce/ready.js';
import { RTM_NEWLINK } from '../../netlink/constants.js';
import { isKernelError } from '../../netlink/errors.js';
import { type Request } from '../../netlink/session.js';
import { defaultRoutes, routeRequest } from '../../ops/route.js';
import { formatCidr, formatIp, formatMac, type IpAddress, parseMac } from '../../util/ip.js';
import type { HostSide } from '../driver.js';
import { type GuestOp, guestOpRequest, guestOps } from '../guest-config.js';
import { type Closer, getLinkByIndexRequest, indexAndPeer } from './machinery.js';
import type { BulkStage, Fail, Progress, WireJob, WireManyOptions } from './types.js';

/**
 * How many guests behind the setup the announcements run. A guest's gratuitous ARP is flooded to
 * every bridge port that forwards, and a port forwards once its guest end is up: announcing each
 * guest soon after its own setup (as a one-guest-at-a-time tool does) floods ~N²/2 frames in all,
 * where announcing after every setup would flood N². The lag leaves the kernel time (its linkwatch
 * work, which runs as soon as the next setups release RTNL) to turn the new port to forwarding
 * before the guest's frame arrives there.
 */
export const ANNOUNCE_LAG = 8;

/** Per guest: up, addresses, routes; each guest announced ANNOUNCE_LAG guests later. */
export async function configureAndAnnounce(
  host: HostSide,
  wave: WireJob[],
  options: WireManyOptions,
  fail: Fail<WireJob>,
  progress: Progress,
  closer: Closer,
  enter: (stage: Exclude<BulkStage, 'done'>) => void,
): Promise<void> {
  const ready: WireJob[] = [];
  // guests whose link the kernel had not yet marked up for traffic when their turn came
  const late: WireJob[] = [];
  let announced = 0;
  let done = 0;
  for (const job of wave) {
    if (job.item || !(job.created || job.ops)) continue;
    enter('guests');
    try {
      options.beforePhase?.(job.index, 'guest');
      configureGuest(job);
      ready.push(job);
    } catch (e) {
      fail(job, 'guests', e);
    }
    if (++done % 256 === 0) progress('guests', done, wave.length);
    if (ready.length - announced > ANNOUNCE_LAG) {
      enter('announce');
      announceOne(ready[announced++], options, fail, closer, { host, late });
    }
  }
  progress('guests', wave.length, wave.length);
  enter('announce');
  while (announced < ready.length) announceOne(ready[announced++], options, fail, closer, { host, late });
  for (const job of late) {
    if (await untilCarriesTraffic(pathOf(job, host))) announceOne(job, options, fail, closer);
    else job.notes.push(`${job.ifname} did not come up for traffic within 3 s: not announced`);
  }
  for (const job of wave) {
    // Packet sockets that did not announce (failed guests, the planned ones') close now.
    if (job.packetFd >= 0) {
      closer.add(job.packetFd);
      job.packetFd = -1;
    }
    if (job.item || !(job.created || job.ops)) continue;
    job.item = {
      index: job.index,
      guest: job.spec.guest,
      status: 'wired',
      result: {
        guest: job.guest!.netns.label,
        ifname: job.ifname,
        host: job.req!.host,
        kind: 'bridge',
        hostIfname: job.lif,
        addresses: job.addressTexts,
        gateways: job.gatewayTexts,
        mac: job.mac ? formatMac(job.mac) : job.req!.mac,
        changed: true,
        dryRun: false,
        steps: job.steps,
        notes: job.notes,
      },
    };
  }
}

/** Up, addresses, routes (and the MAC if the kernel chose it): one sendmsg on the guest's socket. */
export function configureGuest(job: WireJob): void {
  const sock = job.sock!;
  const label = job.label!;
  const index = job.guestIndex;
  // The same description of the guest side as the one-guest plan's, sent in one sendmsg.
  const ops: (GuestOp | { op: 'get' })[] = job.ops ? [...job.ops] : guestOps(label, job.req!.addresses);
  // Reported as wire() reports them: what was asked for, whether added now or found there.
  for (const a of job.req!.addresses) {
    if (a.cidr) job.addressTexts.push(formatCidr(a.cidr));
    if (a.gateway) job.gatewayTexts.push(formatIp(a.gateway.bytes));
  }
  const reqs: Request[] = [];
  for (const op of ops as GuestOp[]) {
    reqs.push(guestOpRequest(op, index, label));
    job.steps.push(`[guest] ${op.what}`);
  }
  if (job.req!.mac) job.mac = parseMac(job.req!.mac);
  else if (job.packetFd >= 0) {
    reqs.push(getLinkByIndexRequest(index, `looking up ${label}`));
    ops.push({ op: 'get' });
  }
  const outcomes = sock.batch(reqs);
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    const op = ops[i];
    if (op.op === 'get') {
      if (o.error) throw o.error;
      const m = o.replies.find((r) => r.type === RTM_NEWLINK);
      if (m) job.mac = indexAndPeer(m).mac;
    } else if (op.op === 'default' && o.error && isKernelError(o.error, 'EEXIST')) replaceDefault(job, op.gateway);
    else if (o.error && !(op.op === 'onlink' && isKernelError(o.error, 'EEXIST'))) throw o.error;
  }
}

/** The family already has a default route (through another interface): pipework replaces it; keep it for undo. */
export function replaceDefault(job: WireJob, gw: IpAddress): void {
  const sock = job.sock!;
  const text = `default via ${formatIp(gw.bytes)} dev ${job.label}`;
  const old = defaultRoutes(sock, gw.family, ` in ${job.label}`)[0];
  sock.request(routeRequest('replace', { family: gw.family, gateway: gw.bytes, oif: job.guestIndex }, `replacing the default route with ${text}`));
  if (old) job.replaced.push(old);
}

/** The two ends a guest's announcement crosses: its own link, and its bridge port on the host. */
export function pathOf(job: WireJob, host: HostSide): LinkEnd[] {
  return [
    { sock: job.sock!, index: job.guestIndex },
    { sock: host.sock, index: job.hostIndex },
  ];
}

export function announceOne(job: WireJob, options: WireManyOptions, fail: Fail<WireJob>, closer: Closer, wait?: { host: HostSide; late: WireJob[] }): void {
  const addresses = job.req!.addresses.flatMap((a) => (a.cidr ? [a.cidr as IpAddress] : []));
  if (wait && addresses.length && !allCarryTraffic(pathOf(job, wait.host))) {
    // The kernel has not attached the link's queue yet (its linkwatch work lags on a busy
    // machine): a frame sent now would be dropped. Announce it after the others.
    wait.late.push(job);
    return;
  }
  try {
    options.beforePhase?.(job.index, 'announce');
  } catch (e) {
    fail(job, 'announce', e);
    return;
  }
  if (!addresses.length) return;
  const list = job.addressTexts.map((t) => t.slice(0, t.indexOf('/'))).join(', ');
  job.steps.push(`[guest] announce ${list} on ${job.ifname} (gratuitous ARP / unsolicited NA)`);
  // Best effort, like pipework's arping: the wiring stands even if the announcement fails.
  try {
    if (job.packetFd >= 0 && job.mac) announceOn(job.packetFd, job.guestIndex, job.mac, addresses);
  } catch (e) {
    job.notes.push(`announcing ${list} failed: ${(e as Error).message}`);
  }
  // Closing a packet socket waits for an RCU grace period: on a thread of its own, started now,
  // it passes while the other guests are set up and announce.
  if (job.packetFd >= 0) {
    closer.add(job.packetFd);
    job.packetFd = -1;
  }
}
