// unwireMany: many interfaces removed at once; what is more than a deletion (a lease, a NIC sent home,
// an OVS port) is undone as unwire() undoes it.
import { existsSync } from 'node:fs';
import { DHCP_RUN_BASE } from '../../dhcp/rundir.js';
import { IFLA_GROUP, NETNSA_NSID, RTM_DELLINK, RTM_NEWLINK } from '../../netlink/constants.js';
import { parseAttrs } from '../../netlink/attributes.js';
import { isKernelError } from '../../netlink/errors.js';
import { ifinfomsg } from '../../netlink/rtnl/link.js';
import { deleteLinkRequest } from '../../ops/link.js';
import { getNsidRequest } from '../../ops/netns-id.js';
import { InputError, NotFoundError } from '../../util/errors.js';
import type { HostSide } from '../driver.js';
import type { Pipework } from '../pipework.js';
import { type UnwireTarget, validateTargets } from '../bulk-validate.js';
import { DEFAULT_IFNAME } from '../spec.js';
import { Clock, PLANNED_CONCURRENCY, closeWave, errorOf, getLinkByIndexRequest, getLinkByNameRequest, linkOf, openGuestSockets, pool, presizeFdTable, resolveWave, waveSize } from './machinery.js';
import type { BulkOptions, BulkStage, Fail, UnwireJob, UnwireManyItem, UnwireManyResult } from './types.js';

/**
 * Removes many guest interfaces (a veth takes its host end along). Removing what is already gone
 * succeeds, as unwire() does. Veths whose host end is in this session's namespace are removed in
 * one kernel operation (tagged with a group, then the group deleted: one RCU grace period for all,
 * instead of ~16 ms each); other interfaces one by one.
 */
export async function unwireMany(pw: Pipework, targets: readonly UnwireTarget[], options: BulkOptions = {}): Promise<UnwireManyResult> {
  const clock = new Clock();
  const host = pw.hostSide;
  const items: UnwireManyItem[] = new Array(targets.length);
  let failedCount = 0;
  const progress = (stage: BulkStage, done: number, total: number) => options.onProgress?.({ stage, done, total, failed: failedCount });
  const fail = (job: UnwireJob, stage: BulkStage, e: unknown) => {
    failedCount++;
    job.item = { index: job.index, guest: job.spec?.guest, status: 'failed', error: errorOf(e), stage };
  };
  const absent = (job: UnwireJob, label: string, note: string) => {
    job.item = { index: job.index, guest: job.spec.guest, status: 'absent', result: { guest: label, ifname: job.ifname, removed: false, notes: [note] } };
  };

  clock.enter('validate');
  const problems = new Map(validateTargets(targets).map((p) => [p.index, p.message]));
  const jobs: UnwireJob[] = targets.map((spec, index) => ({ unwire: true, index, spec, ifname: spec?.ifname ?? DEFAULT_IFNAME }));
  for (const job of jobs) {
    const problem = problems.get(job.index);
    if (problem !== undefined) fail(job, 'validate', new InputError(problem));
  }
  const size = waveSize(options, targets.length);
  const pending = jobs.filter((j) => !j.item);
  for (let at = 0; at < pending.length; at += size) {
    const wave = pending.slice(at, at + size);
    try {
      clock.enter('resolve');
      const gone: UnwireJob[] = [];
      await resolveWave(pw, wave, options, (job, e) => {
        // A guest that is gone took its namespace, and every interface in it, along.
        if (isGone(e)) {
          absent(job, job.spec.guest, `${(e as NotFoundError).problem}: nothing to remove`);
          gone.push(job);
        } else fail(job, 'resolve', e);
      }, progress);
      // ... but not its OVS ports, which live in OVSDB: removed as unwire() removes them.
      for (const job of gone) {
        try {
          job.item!.result!.notes.push(...(await pw.removeStaleOvsPorts(job.spec.guest, job.ifname)));
        } catch (e) {
          fail(job, 'resolve', e);
        }
      }
      // ... nor its lease records, on disk: those of namespaces that are gone are pruned.
      if (gone.length && existsSync(DHCP_RUN_BASE)) (await import('../../dhcp/record.js')).pruneLeaseRecords();
      clock.enter('sockets');
      await presizeFdTable(host.sock.fd, wave.length * 2);
      for (const job of wave) {
        if (job.item) continue;
        try {
          job.sock = openGuestSockets(job.guest!, false).sock;
        } catch (e) {
          fail(job, 'sockets', e);
        }
      }
      clock.enter('links');
      findLinks(host, wave, absent, fail);
      await dropStaleRecords(wave);
      await unwireFully(pw, wave, fail);
      removeLinks(host, wave, fail);
      progress('links', wave.length, wave.length);
    } finally {
      clock.enter('close');
      await closeWave(wave);
    }
  }
  for (const job of jobs) items[job.index] = job.item!;
  const timings = clock.finish();
  progress('done', targets.length, targets.length);
  return {
    total: targets.length,
    removed: items.filter((i) => i.status === 'removed').length,
    absent: items.filter((i) => i.status === 'absent').length,
    failed: items.filter((i) => i.status === 'failed').length,
    items,
    timings,
  };
}

/**
 * An interface not in its guest (a restarted container, a re-made namespace): a lease record under
 * its name was for an earlier namespace, and goes, as unwire() drops it.
 */
async function dropStaleRecords(wave: UnwireJob[]): Promise<void> {
  const missing = wave.filter((j) => j.item?.status === 'absent' && j.guest);
  if (!missing.length || !existsSync(DHCP_RUN_BASE)) return;
  const { dropStaleDhcpRecords } = await import('../dhcp.js');
  for (const job of missing) dropStaleDhcpRecords(job.guest!, job.ifname);
}

/** A guest that is gone (no such namespace, container or process): nothing of it is left to remove. */
export const isGone = (e: unknown): boolean => e instanceof NotFoundError;

/** The guest interfaces (one get per guest) and, for veths, their host ends (one batch). */
export function findLinks(host: HostSide, wave: UnwireJob[], absent: (job: UnwireJob, label: string, note: string) => void, fail: Fail<UnwireJob>): void {
  const veths: UnwireJob[] = [];
  for (const job of wave) {
    if (job.item) continue;
    const label = job.guest!.netns.label;
    const [o] = job.sock!.batch([getLinkByNameRequest(job.ifname, `looking up ${job.ifname} in ${label}`)]);
    if (o.error && isKernelError(o.error, 'ENODEV')) absent(job, label, `${job.ifname} is not in ${label}: nothing to remove`);
    else if (o.error) fail(job, 'links', o.error);
    else {
      job.link = linkOf(o);
      if (job.link?.kind === 'veth' && job.link.link) veths.push(job);
    }
  }
  if (!veths.length) return;
  // The peer's index names a link in the host namespace only if the peer lives there: check the
  // namespace id too (IFLA_LINK_NETNSID of the host end against the guest's id as the host sees it).
  const peers = host.sock.batch(veths.map((j) => getLinkByIndexRequest(j.link!.link!, `looking up the host end of ${j.ifname}`)));
  const ids = host.sock.batch(veths.map((j) => getNsidRequest(j.guest!.netns.fd, `asking the id of ${j.guest!.netns.label}`)));
  veths.forEach((job, i) => {
    const peer = peers[i].error ? undefined : linkOf(peers[i]);
    const m = ids[i].replies[0];
    const nsid = m ? parseAttrs(m.payload, 4).i32(NETNSA_NSID) : undefined;
    if (peer?.kind === 'veth' && peer.link === job.link!.index && nsid !== undefined && nsid >= 0 && peer.linkNetnsId === nsid) job.hostEnd = peer;
  });
}

/**
 * Interfaces whose removal is more than a deletion (a DHCP lease released, a NIC moved home, an OVS
 * port removed) are undone as unwire() undoes them, a bounded number at once.
 */
export async function unwireFully(pw: Pipework, wave: UnwireJob[], fail: Fail<UnwireJob>): Promise<void> {
  const full = wave.filter((j) => !j.item && j.link && pw.needsFullUnwire(j.guest!, j.ifname, j.link, j.hostEnd));
  await pool(full, PLANNED_CONCURRENCY, async (job) => {
    try {
      const result = await pw.unwireResolved(job.guest!, job.ifname);
      job.item = { index: job.index, guest: job.spec.guest, status: result.removed ? 'removed' : 'absent', result };
    } catch (e) {
      fail(job, 'links', e);
    }
  });
}

export function removeLinks(host: HostSide, wave: UnwireJob[], fail: Fail<UnwireJob>): void {
  const grouped = wave.filter((j) => !j.item && j.hostEnd);
  const single = wave.filter((j) => !j.item && j.link && !j.hostEnd);
  // One veth: deleting it is one grace period already; tagging it first would only add a request.
  if (grouped.length === 1) single.push(...grouped.splice(0));
  if (grouped.length) {
    // A group number nobody else uses: random, and every member checked by its answer.
    const group = 0x40000000 + Math.floor(Math.random() * 0x3fffffff);
    const tagged = host.sock.batch(grouped.map((j) => {
      const w = ifinfomsg({ index: j.hostEnd!.index });
      w.attrU32(IFLA_GROUP, group);
      return { type: RTM_NEWLINK, message: w.finish(), what: `tagging ${j.hostEnd!.name} for removal` };
    }));
    const ok = grouped.filter((_, i) => !tagged[i].error);
    grouped.forEach((j, i) => {
      if (tagged[i].error) single.push(j); // gone meanwhile, or refused: one by one below
    });
    if (ok.length) {
      const w = ifinfomsg({});
      w.attrU32(IFLA_GROUP, group);
      const [o] = host.sock.batch([{ type: RTM_DELLINK, message: w.finish(), what: `removing ${ok.length} veth pairs` }]);
      if (o.error) {
        // Put the group back to the default and fall back to one by one.
        host.sock.batch(ok.map((j) => {
          const r = ifinfomsg({ index: j.hostEnd!.index });
          r.attrU32(IFLA_GROUP, 0);
          return { type: RTM_NEWLINK, message: r.finish(), what: `untagging ${j.hostEnd!.name}` };
        }));
        single.push(...ok);
      } else {
        for (const job of ok) removed(job, job.hostEnd!.name);
      }
    }
  }
  for (const job of single) {
    const label = job.guest!.netns.label;
    const [o] = job.sock!.batch([deleteLinkRequest(job.link!.index, `removing ${job.ifname} from ${label}`)]);
    if (o.error && !isKernelError(o.error, 'ENODEV')) fail(job, 'links', o.error);
    else removed(job, job.hostEnd?.name);
  }
}

export function removed(job: UnwireJob, hostIfname: string | undefined): void {
  job.item = {
    index: job.index,
    guest: job.spec.guest,
    status: 'removed',
    result: { guest: job.guest!.netns.label, ifname: job.ifname, removed: true, kind: job.link?.kind, hostIfname, notes: [] },
  };
}
