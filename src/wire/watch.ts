// Persistence across container restarts. Every start of a container makes a new process and a new
// network namespace; what pipework put in the old one went with it. watch() applies a list of
// wirings (as wireMany does, per-wiring results), then follows Docker's event stream (Engine API
// GET /events, container start events only: no polling) and wires a container's entries again,
// in its new namespace, each time it starts.
//
//   - The stream is opened before anything is applied, so that a container starting meanwhile
//     is not missed (its event is handled after the first pass: "already wired as asked").
//   - Guests that are not containers (netns:, pid:, a path, a bare name of a named netns) are
//     wired once, in that first pass.
//   - One thing at a time: start events are queued and handled in order.
//   - When the stream drops, it is reopened with a bounded backoff, and every container entry is
//     applied again once it is back (a container may have restarted while no event could come).
//   - The daemon unreachable at the start is an error (DockerUnavailableError); a failed wiring is
//     an event, and the watch goes on.
import type { Readable } from 'node:stream';
import { dockerSocketPath, inspectContainer, type ContainerInfo } from '../guest/docker.js';
import { InputError } from '../util/errors.js';
import type { WireManyItem } from './bulk.js';
import { validateSpecs } from './bulk-validate.js';
import { HostNameTakenError } from './names.js';
import type { Pipework } from './pipework.js';
import type { WiringSpec } from './spec.js';
import { containerRef, containerStartOf, entriesForContainer, JsonLines, openEvents, type WatchedContainer } from './watch-events.js';
import { sleep } from '../util/sleep.js';

export { containerRef, containerStartOf, entriesForContainer, JsonLines, matchContainer, type MatchKind, type WatchedContainer } from './watch-events.js';

export type WatchTrigger = 'initial' | 'started' | 'reconnected';

export type WatchEvent =
  /** the event stream is open (again, when reconnected is true); containers: the file's container guests */
  | { type: 'watching'; socket: string; reconnected: boolean; containers: string[] }
  /**
   * One wiring applied: item.status is wired, unchanged or failed; item.index is the entry's
   * position in the list given, item.guest the guest as written there. container: the container
   * it was applied to (absent for other guests).
   */
  | { type: 'wiring'; trigger: WatchTrigger; container?: WatchedContainer; item: WireManyItem }
  /** a container entry whose container is not running (or does not exist yet): wired when it starts */
  | { type: 'waiting'; trigger: WatchTrigger; index: number; guest: string; reason: string }
  /** the event stream ended or could not be reopened; the next attempt is in retryInMs */
  | { type: 'disconnected'; reason: string; retryInMs: number }
  /** the list names no container: it was applied once, there is nothing to watch */
  | { type: 'nothing-to-watch' }
  | { type: 'stopped' };

export interface WatchOptions {
  /** called for every event; must not throw (what it throws is ignored) */
  onEvent?(event: WatchEvent): void;
  /** stops the watch: the stream is closed, a wiring under way is finished, then watch() returns */
  signal?: AbortSignal;
  /** Docker Engine socket; default from DOCKER_HOST, else /var/run/docker.sock (as the Pipework session's default) */
  dockerSocket?: string;
  /** reconnection delays: the first, doubled after each failed attempt up to the last (default 250 ms .. 5 s) */
  backoff?: { initialMs?: number; maxMs?: number };
}


// ---------------------------------------------------------------------------------------------
// The watcher

type Job = { kind: 'all'; trigger: 'initial' | 'reconnected' } | { kind: 'container'; container: WatchedContainer };

/**
 * Waits after a host-side name was found taken and could not be freed (a veth that is not the
 * replaced wiring's: its peer is not in another namespace): 6.3 s in all, for the kernel's cleanup
 * of a namespace that seconds on a busy machine.
 */
const LEFTOVER_RETRIES_MS = [100, 200, 400, 800, 1600, 3200];
const nameTaken = (item: WireManyItem): item is WireManyItem & { error: HostNameTakenError } => item.status === 'failed' && item.error instanceof HostNameTakenError;

/**
 * Applies the wirings, then wires each container's entries again whenever it starts, until the
 * signal is aborted. Rejects with DockerUnavailableError if the list names a container and no
 * Docker daemon answers at the start, and with InputError if an entry is invalid (nothing done).
 */
export async function watch(pw: Pipework, specs: readonly WiringSpec[], options: WatchOptions = {}): Promise<void> {
  const problems = validateSpecs(specs);
  if (problems.length) {
    throw new InputError(`${problems.length} of ${specs.length} wirings are invalid: ${problems.map((p) => `entry ${p.index}: ${p.message}`).join('; ')}`, 'nothing was changed');
  }
  const w = new Watcher(pw, specs, options);
  return w.run();
}

class Watcher {
  private socket = '';
  private readonly refs: (string | undefined)[];
  private readonly signal?: AbortSignal;
  private readonly queue: Job[] = [];
  private wake?: () => void;
  private stream?: Readable;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly pw: Pipework,
    private readonly specs: readonly WiringSpec[],
    private readonly options: WatchOptions,
  ) {
    this.refs = specs.map((s) => containerRef(s.guest));
    this.signal = options.signal;
    this.initialMs = options.backoff?.initialMs ?? 250;
    this.maxMs = Math.max(this.initialMs, options.backoff?.maxMs ?? 5000);
  }

  private emit(event: WatchEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // a listener's problem must not stop the watch
    }
  }

  private get stopped(): boolean {
    return this.signal?.aborted === true;
  }

  async run(): Promise<void> {
    if (this.stopped) return;
    const containers = [...new Set(this.refs.filter((r): r is string => r !== undefined))];
    if (!containers.length) {
      await this.applyAll('initial');
      this.emit({ type: 'nothing-to-watch' });
      return;
    }
    this.socket = this.options.dockerSocket ?? dockerSocketPath();
    const onAbort = () => {
      this.stream?.destroy();
      this.wake?.();
    };
    // Subscribed before the first pass: a start during it is queued, not missed. No daemon: an error.
    const stream = await this.unlessStopped(openEvents(this.socket));
    if (!stream) return;
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.attach(stream);
      this.emit({ type: 'watching', socket: this.socket, reconnected: false, containers });
      this.push({ kind: 'all', trigger: 'initial' });
      while (!this.stopped) {
        const job = this.queue.shift();
        if (!job) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        if (job.kind === 'all') await this.applyAll(job.trigger);
        else await this.applyStarted(job.container);
      }
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
      this.stream?.destroy();
      this.stream = undefined;
      this.emit({ type: 'stopped' });
    }
  }

  /** The stream being opened, or undefined as soon as the watch is stopped (a late stream is closed). */
  private async unlessStopped(opening: Promise<Readable>): Promise<Readable | undefined> {
    if (!this.signal) return opening;
    const signal = this.signal;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<undefined>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve(undefined)), { once: true }));
    try {
      const stream = await Promise.race([opening, aborted]);
      if (!stream || this.stopped) {
        void opening.then((s) => s.destroy(), () => undefined);
        return undefined;
      }
      return stream;
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  private push(job: Job): void {
    if (job.kind === 'all') {
      // A pending pass over everything covers the pending starts.
      for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].kind === 'container') this.queue.splice(i, 1);
      if (!this.queue.some((j) => j.kind === 'all')) this.queue.push(job);
    } else if (!this.queue.some((j) => j.kind === 'all' || (j.kind === 'container' && j.container.id === job.container.id))) {
      this.queue.push(job);
    }
    this.wake?.();
  }

  /** Reads start events from a freshly opened stream; its end schedules a reconnection. */
  private attach(stream: Readable): void {
    this.stream = stream;
    const lines = new JsonLines();
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      if (this.stream === stream) this.stream = undefined;
      stream.destroy();
      if (!this.stopped) void this.reconnect(reason);
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      for (const event of lines.push(chunk)) {
        const container = containerStartOf(event);
        if (container && entriesForContainer(this.refs, container).length) this.push({ kind: 'container', container });
      }
    });
    stream.on('error', (e: Error) => end((e as NodeJS.ErrnoException).code ?? e.message));
    stream.on('end', () => end('Docker closed it'));
    stream.on('close', () => end('the connection closed'));
  }

  /** Reopens the stream, waiting longer after each failed attempt; then applies everything again. */
  private async reconnect(reason: string): Promise<void> {
    let delay = this.initialMs;
    while (!this.stopped) {
      this.emit({ type: 'disconnected', reason, retryInMs: delay });
      await sleep(delay, this.signal);
      if (this.stopped) return;
      try {
        const stream = await this.unlessStopped(openEvents(this.socket));
        if (!stream) return;
        this.attach(stream);
        this.emit({ type: 'watching', socket: this.socket, reconnected: true, containers: [...new Set(this.refs.filter((r): r is string => r !== undefined))] });
        this.push({ kind: 'all', trigger: 'reconnected' });
        return;
      } catch (e) {
        reason = (e as Error).message;
        delay = Math.min(delay * 2, this.maxMs);
      }
    }
  }

  /**
   * The first pass (every entry) or the pass after a reconnection (the container entries): the
   * entries of running containers are wired in one wireMany, the others reported as waiting.
   */
  private async applyAll(trigger: 'initial' | 'reconnected'): Promise<void> {
    const work: { index: number; spec: WiringSpec; container?: WatchedContainer }[] = [];
    const byRef = new Map<string, number[]>();
    this.refs.forEach((ref, index) => {
      if (ref === undefined) {
        if (trigger === 'initial') work.push({ index, spec: this.specs[index] });
      } else byRef.set(ref, [...(byRef.get(ref) ?? []), index]);
    });
    const lookups = await Promise.all(
      [...byRef.keys()].map(async (ref) => {
        try {
          return { ref, info: await inspectContainer(ref, this.socket) };
        } catch (e) {
          return { ref, error: e as Error };
        }
      }),
    );
    for (const { ref, info, error } of lookups) {
      const indexes = byRef.get(ref)!;
      if (info?.running && info.pid > 0) {
        const container = { id: info.id, name: info.name };
        for (const index of indexes) work.push({ index, spec: { ...this.specs[index], guest: `docker:${info.id}` }, container });
        continue;
      }
      for (const index of indexes) {
        if (error) {
          this.emit({ type: 'wiring', trigger, item: { index, guest: this.specs[index].guest, status: 'failed', error, stage: 'resolve' } });
        } else {
          this.emit({ type: 'waiting', trigger, index, guest: this.specs[index].guest, reason: notRunning(ref, info) });
        }
      }
    }
    work.sort((a, b) => a.index - b.index);
    await this.wireAndReport(work, trigger);
  }

  /** A start event of a container that concerns some entries: those are wired in its new netns. */
  private async applyStarted(container: WatchedContainer): Promise<void> {
    const work: { index: number; spec: WiringSpec; container: WatchedContainer }[] = [];
    for (const { index, match } of entriesForContainer(this.refs, container)) {
      // A word that is both a prefix of this container's ID and another container's name means
      // that other container to Docker: ask it.
      if (match === 'prefix') {
        let info: ContainerInfo | undefined;
        try {
          info = await inspectContainer(this.refs[index]!, this.socket);
        } catch {
          info = undefined;
        }
        if (info?.id !== container.id) continue;
      }
      work.push({ index, spec: { ...this.specs[index], guest: `docker:${container.id}` }, container });
    }
    await this.wireAndReport(work, 'started');
  }

  /** wireMany's items; should it throw (it reports per guest, so only on a bug), every wiring failed with that. */
  private async wireMany(specs: WiringSpec[]): Promise<WireManyItem[]> {
    try {
      return (await this.pw.wireMany(specs)).items;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      return specs.map((spec, index) => ({ index, guest: spec.guest, status: 'failed' as const, error }));
    }
  }

  private async wireAndReport(work: { index: number; spec: WiringSpec; container?: WatchedContainer }[], trigger: WatchTrigger): Promise<void> {
    if (!work.length) return;
    let items = await this.wireMany(work.map((w) => w.spec));
    // After a restart the previous namespace (and the host end of a veth in it) is destroyed by
    // the kernel only once nothing holds it any more (seconds on a busy machine, or as long as some
    // process keeps it open): a stable host-side name (-l, or a shortened one) may still be taken.
    // That veth is the wiring being replaced: it is removed. Anything else is waited for, bounded.
    if (trigger !== 'initial') {
      for (const [round, ms] of LEFTOVER_RETRIES_MS.entries()) {
        const again = items.map((item, i) => ({ item, i })).filter(({ item }) => nameTaken(item));
        if (!again.length || this.stopped) break;
        let freed = 0;
        for (const { item, i } of again) {
          try {
            if (await this.pw.freeReplacedHostEnd(work[i].spec.guest, (item.error as HostNameTakenError).ifname)) freed++;
          } catch {
            // the guest is gone again, or the name went meanwhile: the retry says which
          }
        }
        if (freed < again.length || round > 0) await sleep(ms, this.signal);
        const retried = await this.wireMany(again.map(({ i }) => work[i].spec));
        items = items.map((item, i) => {
          const k = again.findIndex((a) => a.i === i);
          return k < 0 ? item : { ...retried[k], index: item.index };
        });
      }
    }
    items.forEach((item, i) => {
      const w = work[i];
      this.emit({ type: 'wiring', trigger, container: w.container, item: { ...item, index: w.index, guest: this.specs[w.index].guest } });
    });
  }
}

function notRunning(ref: string, info: ContainerInfo | undefined): string {
  if (!info) return `Docker knows no container ${ref} (yet)`;
  return `container ${info.name} is not running (${info.status})`;
}
