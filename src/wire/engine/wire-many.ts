// wireMany: many wirings at once, phase by phase across guests (see ../bulk.ts); the guests the fast
// phases do not take are planned by their driver on the guest already resolved.
import { isKernelError } from '../../netlink/errors.js';
import { deleteLinkRequest, listLinks } from '../../ops/link.js';
import { routeRequest } from '../../ops/route.js';
import { InputError } from '../../util/errors.js';
import type { HostSide } from '../driver.js';
import type { Pipework } from '../pipework.js';
import { type SpecProblem, validateSpecs } from '../bulk-validate.js';
import { DEFAULT_IFNAME, normalize, type WiringSpec } from '../spec.js';
import { inspectExisting } from './existing.js';
import { configureAndAnnounce } from './guests.js';
import { createLinks, findMissingIndexes, prepareBridges } from './links.js';
import { Clock, PLANNED_CONCURRENCY, closerFor, closeWave, deleteLinkByNameRequest, errorOf, openGuestSockets, pool, presizeFdTable, resolveWave, waveSize } from './machinery.js';
import type { BridgeState, BulkStage, Fail, Progress, WireJob, WireManyItem, WireManyOptions, WireManyResult } from './types.js';

export async function wireMany(pw: Pipework, specs: readonly WiringSpec[], options: WireManyOptions = {}): Promise<WireManyResult> {
  const clock = new Clock();
  const host = pw.hostSide;
  const items: WireManyItem[] = new Array(specs.length);
  let failedCount = 0;
  const progress = (stage: BulkStage, done: number, total: number) => options.onProgress?.({ stage, done, total, failed: failedCount });
  const fail = (job: WireJob, stage: BulkStage, e: unknown, undoFailures?: string[]) => {
    failedCount++;
    job.item = { index: job.index, guest: job.spec?.guest, status: 'failed', error: errorOf(e), stage, undoFailures: undoFailures?.length ? undoFailures : undefined };
    items[job.index] = job.item;
  };

  // The fd table grows on a worker thread while the specs are checked and the guests looked up.
  const grown = presizeFdTable(host.sock.fd, Math.min(specs.length, waveSize(options, specs.length)) * 3);
  // validate: every spec as wire() checks it, before anything is resolved or touched
  clock.enter('validate');
  const jobs: WireJob[] = specs.map((spec, index) => ({
    index, spec, ifname: DEFAULT_IFNAME, packetFd: -1, slow: false, notes: [], steps: [], hostIndex: 0, guestIndex: 0, replaced: [], created: false, addressTexts: [], gatewayTexts: [],
  }));
  const problems = new Map(validateSpecs(specs).map((p) => [p.index, p.message]));
  for (const job of jobs) {
    const problem = problems.get(job.index);
    if (problem !== undefined) {
      fail(job, 'validate', new InputError(problem));
      continue;
    }
    job.req = normalize(job.spec);
    job.ifname = job.req.ifname ?? DEFAULT_IFNAME;
    const r = job.req;
    job.slow =
      options.dryRun === true || options.beforeStep !== undefined || r.host.startsWith('mac:') || r.vlan !== undefined || r.kind !== undefined || r.mode !== undefined || r.directPhys === true || r.pkey !== undefined || r.dhcp !== undefined;
  }
  progress('validate', specs.length, specs.length);

  const bridges = new Map<string, BridgeState>();
  const size = waveSize(options, specs.length);
  let fallbackCount = 0;
  const pending = jobs.filter((j) => !j.item);
  // Every guest is resolved before anything changes, so that one named twice however spelled
  // (netns:g and g) is caught on its namespace's inode first.
  clock.enter('resolve');
  await resolveWave(pw, pending, options, (job, e) => fail(job, 'resolve', e), progress);
  const aliases = findAliases(pending);
  if (aliases.length && options.refuseAliases) {
    for (const job of pending) job.guest?.netns.close();
    throw new DuplicateGuestError(aliases.map(({ job, message }) => ({ index: job.index, message })));
  }
  for (const { job, message } of aliases) fail(job, 'resolve', new InputError(message, 'give each guest interface once'));
  // Beyond the first wave, namespaces are let go (the open-file limit) and looked up again in their wave.
  for (const job of pending.slice(size)) {
    job.guest?.netns.close();
    job.guest = undefined;
  }
  for (let at = 0; at < pending.length; at += size) {
    const wave = pending.slice(at, at + size);
    const closer = closerFor(wave.length);
    let stage: Exclude<BulkStage, 'done'> = 'resolve';
    const enter = (s: Exclude<BulkStage, 'done'>) => {
      stage = s;
      clock.enter(s);
    };
    try {
      enter('resolve');
      await resolveWave(pw, wave, options, (job, e) => fail(job, 'resolve', e), progress);
      enter('links');
      prepareBridges(host, wave, bridges);
      createLinks(host, wave, options, fail);
      progress('links', wave.length, wave.length);
      // The sockets come after the links: by now the fd table has grown in the background.
      enter('sockets');
      await grown;
      openSockets(wave, !options.dryRun, fail);
      findMissingIndexes(host, wave, fail);
      enter('existing');
      inspectExisting(host, wave, fail);
      progress('sockets', wave.length, wave.length);
      await configureAndAnnounce(host, wave, options, fail, progress, closer, enter);
      progress('announce', wave.length, wave.length);
      enter('rollback');
      rollbackFailed(host, wave);
      enter('fallback');
      const slow = wave.filter((j) => !j.item && j.slow);
      fallbackCount += slow.length;
      await fallback(pw, slow, options, fail, progress);
    } catch (e) {
      // Something unexpected (a bug, the kernel not answering): every guest of the wave not yet
      // done fails with it, and what was made for them is undone.
      for (const job of wave) if (!job.item) fail(job, stage, e);
      try {
        rollbackFailed(host, wave);
      } catch {
        // reported as the guests' failure already
      }
    } finally {
      clock.enter('close');
      await closeWave(wave, closer);
      progress('close', wave.length, wave.length);
    }
  }
  clock.enter('rollback');
  removeUnusedBridges(host, bridges, jobs);
  for (const job of jobs) {
    if (!job.item) fail(job, 'done', new Error('not attempted'));
    items[job.index] = job.item!;
  }
  const timings = clock.finish();
  progress('done', specs.length, specs.length);
  return {
    total: specs.length,
    wired: items.filter((i) => i.status === 'wired').length,
    unchanged: items.filter((i) => i.status === 'unchanged').length,
    failed: items.filter((i) => i.status === 'failed').length,
    planned: items.filter((i) => i.status === 'planned').length,
    fallback: fallbackCount,
    items,
    timings,
  };
}

/** The same interface of the same namespace named twice, however spelled (netns:x and its path, say). */
export function findAliases(jobs: WireJob[]): { job: WireJob; message: string }[] {
  const seen = new Map<string, number>();
  const out: { job: WireJob; message: string }[] = [];
  for (const job of jobs) {
    if (!job.guest || job.item) continue;
    const key = `${job.guest.netns.inode}/${job.ifname}`;
    const prev = seen.get(key);
    if (prev !== undefined) out.push({ job, message: `${job.ifname} in ${job.guest.netns.label} is already wired by entry ${prev} (${specs(jobs, prev)} names the same namespace)` });
    else seen.set(key, job.index);
  }
  return out;
}

export const specs = (jobs: WireJob[], index: number) => jobs.find((j) => j.index === index)?.spec.guest ?? `entry ${index}`;

/** Entries naming the same guest interface in different words, refused before anything changed. */
export class DuplicateGuestError extends InputError {
  constructor(readonly problems: SpecProblem[]) {
    super(`${problems.length} ${problems.length === 1 ? 'entry names' : 'entries name'} a guest interface another entry names too; nothing was changed`, 'give each guest interface once');
    this.name = 'DuplicateGuestError';
  }
}

export function openSockets(wave: WireJob[], packet: boolean, fail: Fail<WireJob>): void {
  for (const job of wave) {
    if (job.item || !(job.created || job.existing)) continue;
    try {
      // A guest found already there gets a packet socket only if it turns out half-made.
      const wantPacket = packet && job.created && job.req!.addresses.some((a) => a.cidr);
      const { sock, packetFd } = openGuestSockets(job.guest!, wantPacket);
      job.sock = sock;
      job.packetFd = packetFd;
    } catch (e) {
      fail(job, 'sockets', e);
    }
  }
}

/**
 * Undoes the guests that failed after their veth was made: the default routes they replaced go
 * back, then their veths are deleted (the guest end, its addresses and routes go with them).
 */
export function rollbackFailed(host: HostSide, wave: WireJob[]): void {
  const failed = wave.filter((j) => j.created && !j.rolledBack && j.item?.status === 'failed');
  if (!failed.length) return;
  for (const job of failed) job.rolledBack = true;
  const undoFailures = new Map<WireJob, string[]>();
  const note = (job: WireJob, what: string, e: unknown) => {
    const list = undoFailures.get(job) ?? [];
    list.push(`${what}: ${errorOf(e).message}`);
    undoFailures.set(job, list);
  };
  for (const job of failed) {
    for (const r of job.replaced) {
      try {
        job.sock!.request(
          routeRequest('replace', { family: r.family, gateway: r.gateway, oif: r.oif, metric: r.priority, protocol: r.protocol, table: r.table, scope: r.scope }, 'restoring the previous default route'),
        );
      } catch (e) {
        note(job, 'undoing the default route', e);
      }
    }
  }
  const outcomes = host.sock.batch(failed.map((j) => (j.hostIndex ? deleteLinkRequest(j.hostIndex, `removing ${j.lif}`) : deleteLinkByNameRequest(j.lif!, `removing ${j.lif}`))));
  outcomes.forEach((o, i) => {
    if (o.error && !isKernelError(o.error, 'ENODEV')) note(failed[i], `undoing "create veth ${failed[i].lif}"`, o.error);
  });
  for (const job of failed) {
    const list = undoFailures.get(job);
    if (list) job.item!.undoFailures = [...(job.item!.undoFailures ?? []), ...list];
  }
}

/** Bridges this call created and no guest ended up on are removed again, unless someone else uses them. */
export function removeUnusedBridges(host: HostSide, bridges: Map<string, BridgeState>, jobs: WireJob[]): void {
  for (const [name, state] of bridges) {
    if (!state.created || !state.link) continue;
    const onIt = jobs.filter((j) => j.req?.host === name && j.item && j.item.status !== 'failed');
    if (onIt.length) continue;
    try {
      if (listLinks(host.sock).some((l) => l.master === state.link!.index)) continue;
      host.sock.request(deleteLinkRequest(state.link.index, `removing bridge ${name}`));
    } catch {
      // best effort: the bridge stays
    }
  }
}

export async function fallback(pw: Pipework, jobs: WireJob[], options: WireManyOptions, fail: Fail<WireJob>, progress: Progress): Promise<void> {
  let done = 0;
  await pool(jobs, PLANNED_CONCURRENCY, async (job) => {
    try {
      const result = await pw.wireResolved(job.guest!, job.req!, { dryRun: options.dryRun, beforeStep: options.beforeStep }, { hostLink: job.bridge?.link });
      job.item = { index: job.index, guest: job.spec.guest, status: options.dryRun ? 'planned' : result.changed ? 'wired' : 'unchanged', result };
    } catch (e) {
      fail(job, 'fallback', e);
    }
    if (++done % 64 === 0) progress('fallback', done, jobs.length);
  });
  if (jobs.length) progress('fallback', jobs.length, jobs.length);
}
