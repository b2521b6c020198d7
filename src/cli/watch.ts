// `pipework watch -f FILE`: the file's wirings applied (as `pipework apply -f FILE` does), then
// applied again to each container of the file every time it starts, following Docker's event
// stream (see wire/watch.ts). One line per action on stderr, or with --json one JSON object per
// event on stdout. SIGTERM or SIGINT closes the stream and exits 0.
import { openSession } from './session.js';
import { DockerUnavailableError } from '../guest/docker.js';
import type { WiringSpec } from '../wire/spec.js';
import { watch, type WatchEvent, type WatchTrigger } from '../wire/watch.js';
import { entryJson, readWirings, toWiringsWithSession, WiringFileError } from './apply.js';
import { EXIT_FAILED, EXIT_OK, type Io } from './io.js';
import { type GlobalOptions, UsageError } from './parse.js';


export async function runWatch(file: string, global: GlobalOptions, io: Io): Promise<number> {
  if (global.dryRun) throw new UsageError('watch changes what it is given as containers start; to see the plan: pipework apply -f FILE --dry-run');
  let specs: WiringSpec[];
  let settings: Partial<GlobalOptions>;
  try {
    ({ specs, settings } = toWiringsWithSession(readWirings(file), file, global));
  } catch (e) {
    if (!(e instanceof WiringFileError)) throw e;
    if (global.json) io.out(JSON.stringify({ event: 'error', error: e.message.split('\n')[0], problems: e.problems }) + '\n');
    io.err(`pipework: ${e.message}\n`);
    return EXIT_FAILED;
  }
  const pw = openSession({ ...global, ...settings });
  const controller = new AbortController();
  const stop = () => controller.abort();
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  for (const sig of signals) process.on(sig, stop);
  let failed = 0;
  let watching = true;
  let lastRetry: number | undefined;
  try {
    await watch(pw, specs, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'wiring' && event.item.status === 'failed') failed++;
        if (event.type === 'nothing-to-watch') watching = false;
        if (global.json) io.out(JSON.stringify(eventJson(event)) + '\n');
        else if (event.type === 'disconnected' && event.retryInMs === lastRetry) {
          // still down, retrying at the longest interval: said once already
        } else {
          lastRetry = event.type === 'disconnected' ? event.retryInMs : undefined;
          const line = eventText(event, specs, file, global.verbose);
          if (line) io.err(line);
        }
      },
    });
  } catch (e) {
    if (!(e instanceof DockerUnavailableError)) throw e;
    io.err(`pipework: cannot watch the containers of ${file}: ${e.message}; start Docker, or set DOCKER_HOST=unix:///path/to/docker.sock\n`);
    return EXIT_FAILED;
  } finally {
    for (const sig of signals) process.off(sig, stop);
    pw.close();
  }
  // Stopped by a signal: done as asked. A file without containers was applied once: as apply.
  return !watching && failed ? EXIT_FAILED : EXIT_OK;
}

const WHEN: Record<WatchTrigger, string> = { initial: '', started: ' started', reconnected: ' (after reconnecting)' };

function eventText(event: WatchEvent, specs: readonly WiringSpec[], file: string, verbose: boolean): string {
  switch (event.type) {
    case 'watching':
      return event.reconnected
        ? `pipework: reconnected to Docker at ${event.socket}; applying the wirings of running containers again\n`
        : `pipework: watching Docker at ${event.socket} for starts of ${event.containers.join(', ')}\n`;
    case 'disconnected':
      return `pipework: no event stream from Docker (${event.reason}); reconnecting in ${seconds(event.retryInMs)}\n`;
    case 'waiting':
      return `pipework: ${event.guest}: ${event.reason}; it will be wired when it starts\n`;
    case 'nothing-to-watch':
      return `pipework: ${file} names no container: nothing to watch\n`;
    case 'stopped':
      return 'pipework: stopped watching\n';
    case 'wiring': {
      const { item } = event;
      const who = `pipework: ${event.container?.name || item.guest}${WHEN[event.trigger]}`;
      const r = item.result;
      const notes = verbose ? (r?.notes ?? []).map((n) => `${who}: ${n}\n`).join('') : '';
      if (item.status === 'failed') {
        const ifname = specs[item.index]?.ifname;
        const undo = item.undoFailures?.length ? `; rolling back also failed: ${item.undoFailures.join('; ')}` : '';
        return `${who}: entry ${item.index}${ifname ? ` (${ifname})` : ''} not wired: ${item.error?.message}${undo}\n`;
      }
      if (!r) return '';
      if (item.status === 'unchanged') return `${who}: ${r.ifname} already wired as asked\n${notes}`;
      const via = r.hostIfname ? `${r.hostIfname} on ${r.host}` : `${r.kind} on ${r.host}`;
      return `${who}: wired ${r.ifname} ${r.addresses.join(',') || 'with no address'} (${via})\n${notes}`;
    }
  }
}

function eventJson(event: WatchEvent): Record<string, unknown> {
  const time = new Date().toISOString();
  if (event.type !== 'wiring') {
    const { type, ...rest } = event;
    return { time, event: type, ...rest };
  }
  return { time, event: event.item.status, trigger: event.trigger, ...(event.container ? { container: event.container } : {}), ...entryJson(event.item) };
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`;
