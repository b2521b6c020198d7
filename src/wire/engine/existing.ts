// The engine's "already there" phase: guests whose host-side name was taken when their veth was to
// be made (a re-run, or a wiring half-made by a run that was killed). Each is compared with its
// description in the kernel, as the one-guest plan compares it (wire/existing.ts, the same
// comparison and the same guest-side description), without leaving the engine: unchanged, completed
// (the missing operations join the guest phase), or a conflict naming each difference. What is not
// our veth pair on this bridge (a leftover, someone else's link) goes to the planned path, whose
// driver says what is in the way.
import { isKernelError } from '../../netlink/errors.js';
import { formatCidr, formatIp } from '../../util/ip.js';
import type { HostSide } from '../driver.js';
import { describeDifferences, differsError, inspectGuestInterface } from '../existing.js';
import { guestOps } from '../guest-config.js';
import { recordedLease } from '../lease-record.js';
import { getLinkByNameRequest, linkOf, openGuestSockets } from './machinery.js';
import type { Fail, WireJob } from './types.js';

export function inspectExisting(host: HostSide, wave: WireJob[], fail: Fail<WireJob>): void {
  const jobs = wave.filter((j) => !j.item && j.existing && j.sock);
  if (!jobs.length) return;
  const hostEnds = host.sock.batch(jobs.map((j) => getLinkByNameRequest(j.lif!, `looking up ${j.lif}`)));
  jobs.forEach((job, i) => {
    try {
      const [g] = job.sock!.batch([getLinkByNameRequest(job.ifname, `looking up ${job.label}`)]);
      if (g.error && !isKernelError(g.error, 'ENODEV')) throw g.error;
      if (hostEnds[i].error && !isKernelError(hostEnds[i].error, 'ENODEV')) throw hostEnds[i].error;
      const link = g.error ? undefined : linkOf(g);
      const end = hostEnds[i].error ? undefined : linkOf(hostEnds[i]);
      const ours = link?.kind === 'veth' && end?.kind === 'veth' && end.link === link.index && end.master === job.bridge!.link!.index;
      if (!link || !end || !ours) {
        job.slow = true;
        return;
      }
      const req = job.req!;
      const state = inspectGuestInterface(job.sock!, link);
      const diffs = describeDifferences(link, state, { mac: req.mac, mtu: req.mtu, addresses: req.addresses, recordedLease: () => recordedLease(job.guest!, job.ifname) });
      if (diffs.length) throw differsError(job.label!, req.host, diffs, job.guest!.ref, job.ifname);
      job.guestIndex = link.index;
      job.hostIndex = end.index;
      job.mac = undefined;
      const ops = guestOps(job.label!, req.addresses, state, link.index);
      if (ops.length) {
        // Half-made: the missing operations join the guest phase, then the guest is announced.
        job.ops = ops;
        if (req.addresses.some((a) => a.cidr)) {
          const extra = openGuestSockets(job.guest!, true);
          extra.sock.close();
          job.packetFd = extra.packetFd;
        }
        return;
      }
      job.item = {
        index: job.index,
        guest: job.spec.guest,
        status: 'unchanged',
        result: {
          guest: job.guest!.netns.label, ifname: job.ifname, host: req.host, kind: 'bridge', hostIfname: job.lif,
          addresses: req.addresses.flatMap((a) => (a.cidr ? [formatCidr(a.cidr)] : [])),
          gateways: req.addresses.flatMap((a) => (a.gateway ? [formatIp(a.gateway.bytes)] : [])),
          mac: req.mac ?? link.mac, changed: false, dryRun: false, steps: [], notes: job.notes,
        },
      };
    } catch (e) {
      fail(job, 'links', e);
    }
  });
}
