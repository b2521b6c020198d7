// `pipework apply -f FILE` and `pipework del -f FILE`: many wirings from a JSON or YAML list,
// done in bulk by the library (Pipework.wireMany / unwireMany). Every entry is checked before
// anything is touched; all bad entries are reported at once, with their index. Then each guest
// succeeds or fails on its own: exit status 1 if any failed, the others stay wired.
//
// An entry mirrors the command line (the fields: WIRING_FIELDS in wire/spec.ts, README's table):
//   {"host": "br0", "guest": "netns:g1", "ifname": "eth1", "address": "10.0.0.5/24@10.0.0.1",
//    "mac": "02:42:ac:11:00:05", "vlan": 7, "local": "vethg1", "mtu": 1500}
// host, guest and address are required (for `del -f`, only guest; the same file serves both).
import { withSession } from './session.js';
import { readWiringsFile, yamlShapeProblem } from './wirings-file.js';
import { createRequire } from 'node:module';
import { type FieldInfo, type FieldValues, specFromFields, WIRING_FIELDS, type WiringSpec } from '../wire/spec.js';
import type { BulkProgress, BulkStage, WireManyItem } from '../wire/bulk.js';
import { type SpecProblem, type UnwireTarget, validateSpecs, validateTargets } from '../wire/bulk-validate.js';
import { EXIT_FAILED, EXIT_OK, type Io } from './io.js';
import type { GlobalOptions } from './parse.js';


/** An Io that may say whether its error stream is a terminal (default: whether process.stderr is). */
export interface ApplyIo extends Io {
  errIsTTY?: boolean;
}

/** A file that cannot be used at all, or entries that are invalid: nothing was changed. */
export class WiringFileError extends Error {
  constructor(
    message: string,
    readonly problems: SpecProblem[] = [],
  ) {
    super(message);
    this.name = 'WiringFileError';
  }
}

const KNOWN = new Set<string>(Object.keys(WIRING_FIELDS));
const fieldInfo = (k: string): FieldInfo => (WIRING_FIELDS as Record<string, FieldInfo>)[k];

/** The YAML parser, loaded on first use: every other command of the CLI starts ~80 ms sooner. */
let yamlModule: typeof import('yaml') | undefined;
function yaml(): typeof import('yaml') {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

/** The list in a JSON or YAML text (a .json file is read as JSON, anything else as YAML, which includes JSON). */
export function parseWiringsText(text: string, name = 'the file'): unknown[] {
  const shape = name.endsWith('.json') ? undefined : yamlShapeProblem(text);
  if (shape) throw new WiringFileError(`${name} ${shape}`);
  let data: unknown;
  try {
    data = name.endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
  } catch (e) {
    throw new WiringFileError(`${name} is not valid ${name.endsWith('.json') ? 'JSON' : 'YAML or JSON'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) throw new WiringFileError(`${name} is empty: it should hold a list of wirings`);
  if (!Array.isArray(data)) throw new WiringFileError(`${name} should hold a list of wirings (got ${typeof data === 'object' ? 'a mapping' : `a ${typeof data}`})`);
  return data;
}

const describe = (v: unknown) => (Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`);

/** Field-level checks of one entry: known fields, types, required ones. Returns the problems found. */
function checkFields(entry: unknown, required: readonly string[]): { fields?: FieldValues; problems: string[] } {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return { problems: [`an entry is a mapping of fields (host, guest, address, ...), not ${describe(entry)}`] };
  const problems: string[] = [];
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
    if (!KNOWN.has(k)) {
      problems.push(`unknown field "${k}" (known: ${[...KNOWN].join(', ')})`);
      continue;
    }
    if (v === null || v === undefined) continue;
    const type = fieldInfo(k).type;
    if (type === 'string') {
      if (typeof v !== 'string') problems.push(`${k} should be a string, not ${describe(v)}${k === 'mac' || k === 'pkey' ? ' (quote it)' : ''}`);
      else fields[k] = v;
    } else if (type === 'boolean') {
      if (typeof v !== 'boolean') problems.push(`${k} should be true or false, not ${describe(v)}`);
      else fields[k] = v;
    } else if (typeof v === 'number' && (Number.isInteger(v) || k === 'timeout')) fields[k] = v;
    else if (typeof v === 'string' && /^\d+$/.test(v)) fields[k] = Number(v);
    else problems.push(`${k} should be a whole number, not ${describe(v)}`);
  }
  for (const k of required) if (fields[k] === undefined && !problems.some((p) => p.startsWith(`${k} `))) problems.push(`${k} is missing`);
  return { fields, problems };
}

/**
 * The session settings a file gives (ovsdb, ovsDatapath): one value per file, as on the command
 * line, which wins when it gives one too. Conflicting entries are problems.
 */
function sessionSettings(list: readonly unknown[], global: Partial<GlobalOptions> = {}): { settings: Partial<GlobalOptions>; problems: SpecProblem[] } {
  const settings: Partial<GlobalOptions> = {};
  const problems: SpecProblem[] = [];
  const first = new Map<string, number>();
  list.forEach((entry, index) => {
    if (!entry || typeof entry !== 'object') return;
    for (const k of ['ovsdb', 'ovsDatapath'] as const) {
      const v = (entry as Record<string, unknown>)[k];
      if (typeof v !== 'string' || global[k] !== undefined) continue;
      if (settings[k] === undefined) {
        settings[k] = v;
        first.set(k, index);
      } else if (settings[k] !== v) problems.push({ index, message: `${k} "${v}" differs from entry ${first.get(k)}'s "${settings[k]}": one per file (one session)` });
    }
  });
  return { settings, problems };
}

function label(entry: unknown): string {
  const g = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).guest : undefined;
  const i = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).ifname : undefined;
  return typeof g === 'string' ? ` (${g}${typeof i === 'string' ? ` ${i}` : ''})` : '';
}

/**
 * Entries -> wiring specs, every entry checked (fields, then as wire() would, then the list as a
 * whole). Throws WiringFileError listing every bad entry; nothing is touched.
 */
export function toWirings(list: readonly unknown[], name = 'the file', global: Partial<GlobalOptions> = {}): WiringSpec[] {
  return toWiringsWithSession(list, name, global).specs;
}

/** toWirings, with the session settings the file gives (ovsdb, ovsDatapath). */
export function toWiringsWithSession(list: readonly unknown[], name = 'the file', global: Partial<GlobalOptions> = {}): { specs: WiringSpec[]; settings: Partial<GlobalOptions> } {
  const { settings, problems } = sessionSettings(list, global);
  const specs: WiringSpec[] = [];
  const origin: number[] = [];
  list.forEach((entry, index) => {
    const { fields, problems: p } = checkFields(entry, REQUIRED);
    if (!p.length) {
      try {
        specs.push(specFromFields(fields!));
        origin.push(index);
        return;
      } catch (e) {
        p.push((e as Error).message);
      }
    }
    problems.push({ index, message: p.join('; ') });
  });
  // Checks on the values themselves (addresses, MAC, names...) and duplicates across entries.
  for (const p of validateSpecs(specs)) problems.push({ index: origin[p.index], message: p.message.replace(/entry (\d+)/g, (_, i) => `entry ${origin[Number(i)]}`) });
  throwIfProblems(problems, list, name);
  return { specs, settings };
}

const REQUIRED = Object.entries(WIRING_FIELDS).flatMap(([k, v]) => ('required' in v && v.required ? [k] : []));

/** Entries -> unwire targets (guest and ifname; host and address are allowed and ignored). */
export function toTargets(list: readonly unknown[], name = 'the file'): UnwireTarget[] {
  const problems: SpecProblem[] = [];
  const targets: UnwireTarget[] = [];
  const origin: number[] = [];
  list.forEach((entry, index) => {
    const { fields, problems: p } = checkFields(entry, ['guest']);
    if (p.length) {
      problems.push({ index, message: p.join('; ') });
      return;
    }
    targets.push({ guest: fields!.guest as string, ifname: fields!.ifname as string | undefined });
    origin.push(index);
  });
  for (const p of validateTargets(targets)) problems.push({ index: origin[p.index], message: p.message });
  throwIfProblems(problems, list, name);
  return targets;
}

function throwIfProblems(problems: SpecProblem[], list: readonly unknown[], name: string): void {
  if (!problems.length) return;
  problems.sort((a, b) => a.index - b.index);
  const lines = problems.map((p) => `  entry ${p.index}${label(list[p.index])}: ${p.message}`);
  const head = `${name}: ${problems.length} of ${list.length} ${list.length === 1 ? 'entry is' : 'entries are'} invalid; nothing was changed`;
  throw new WiringFileError(`${head}\n${lines.join('\n')}`, problems);
}

export function readWirings(file: string): unknown[] {
  let text: string;
  try {
    text = readWiringsFile(file);
  } catch (e) {
    throw new WiringFileError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseWiringsText(text, file);
}

// ---------------------------------------------------------------------------------------------
// Progress bar: on a terminal only, on stderr, redrawn at most every 50 ms.

const ORDER: BulkStage[] = ['validate', 'resolve', 'links', 'sockets', 'existing', 'guests', 'announce', 'rollback', 'fallback', 'close', 'done'];
const WEIGHT: Partial<Record<BulkStage, number>> = { resolve: 0.1, sockets: 0.05, links: 0.3, guests: 0.3, announce: 0.1, fallback: 0.1, close: 0.05 };

class ProgressBar {
  private last = 0;
  private shown = false;
  constructor(
    private readonly io: Io,
    private readonly verb: string,
    private readonly total: number,
  ) {}

  /** The progress callback for the library. */
  listener(): (p: BulkProgress) => void {
    return (p) => this.update(p);
  }

  update(p: BulkProgress): void {
    const now = performance.now();
    if (p.stage !== 'done' && now - this.last < 50) return;
    this.last = now;
    let frac = 0;
    for (const s of ORDER) {
      if (s === p.stage) {
        frac += (WEIGHT[s] ?? 0) * (p.total ? p.done / p.total : 1);
        break;
      }
      frac += WEIGHT[s] ?? 0;
    }
    frac = Math.min(1, frac);
    const width = 30;
    const filled = Math.round(frac * width);
    const failed = p.failed ? `, ${p.failed} failed` : '';
    this.io.err(`\r\x1b[K${this.verb} ${this.total} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(frac * 100)}% ${p.stage}${failed}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.io.err('\r\x1b[K');
    this.shown = false;
  }
}

function isTTY(io: Io): boolean {
  return (io as ApplyIo).errIsTTY ?? process.stderr.isTTY === true;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------------------------------------
// The commands

/** Reads and checks the file; a bad file is reported (every problem, as text or JSON) and gives undefined. */
function readOrReport<T>(read: () => T, global: GlobalOptions, io: Io): T | undefined {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof WiringFileError)) throw e;
    if (global.json) io.out(JSON.stringify({ error: e.message.split('\n')[0], problems: e.problems }, null, 2) + '\n');
    io.err(`pipework: ${e.message}\n`);
    return undefined;
  }
}

/** pipework apply -f FILE: wire every entry; 0 if all are wired (or already were), 1 if any failed. */
export async function runApply(file: string, cliGlobal: GlobalOptions, io: Io): Promise<number> {
  const read = readOrReport(() => toWiringsWithSession(readWirings(file), file, cliGlobal), cliGlobal, io);
  if (!read) return EXIT_FAILED;
  const { specs } = read;
  const global = { ...cliGlobal, ...read.settings };
  const bar = isTTY(io) && !global.json && specs.length > 0 ? new ProgressBar(io, global.dryRun ? 'planning' : 'wiring', specs.length) : undefined;
  let result;
  try {
    result = await withSession(global, (pw) => pw.wireMany(specs, { dryRun: global.dryRun, onProgress: bar?.listener(), refuseAliases: true })).finally(() => bar?.clear());
  } catch (e) {
    const { DuplicateGuestError } = await import('../wire/bulk.js');
    if (!(e instanceof DuplicateGuestError)) throw e;
    // As for the same guest spelled the same way: the file is refused as a whole.
    readOrReport(() => throwIfProblems(e.problems, readWirings(file), file), global, io);
    return EXIT_FAILED;
  }
  if (global.json) {
    io.out(
      JSON.stringify(
        {
          total: result.total, wired: result.wired, unchanged: result.unchanged, failed: result.failed, planned: result.planned, fallback: result.fallback,
          timings: result.timings,
          entries: result.items.map(entryJson),
        },
        null,
        2,
      ) + '\n',
    );
    return result.failed ? EXIT_FAILED : EXIT_OK;
  }
  for (const item of result.items) {
    if (item.status === 'failed') io.err(`pipework: entry ${item.index} (${item.guest}): ${item.error?.message}${undoText(item)}\n`);
    // Notes (a shortened host-side name, an announcement that failed) for every entry would drown
    // the output of a large file: with -v only (and always in --json).
    if (global.verbose) for (const n of item.result?.notes ?? []) io.err(`pipework: entry ${item.index} (${item.guest}): ${n}\n`);
  }
  if (global.dryRun) {
    for (const item of result.items) {
      const r = item.result;
      if (!r) continue;
      io.out(r.steps.length ? `plan for ${r.ifname} in ${r.guest}:\n${r.steps.map((s) => `  ${s}\n`).join('')}` : `${r.ifname} in ${r.guest} is already wired as asked: nothing to do\n`);
    }
    return result.failed ? EXIT_FAILED : EXIT_OK;
  }
  if (global.verbose) {
    for (const item of result.items) {
      const r = item.result;
      if (item.status === 'wired' && r) io.out(`wired ${r.ifname} in ${r.guest}${r.hostIfname ? ` via ${r.hostIfname}` : ''}: ${r.addresses.join(', ') || 'no address'}\n`);
      else if (item.status === 'unchanged' && r) io.out(`${r.ifname} in ${r.guest} is already wired as asked\n`);
    }
  }
  const summary = `wired ${result.wired}, already wired ${result.unchanged}, failed ${result.failed} (of ${result.total}) in ${seconds(result.timings.total)}\n`;
  if (global.verbose) io.out(summary);
  else if (bar || result.failed) io.err(`pipework: ${summary}`);
  await keepLeases(result.items, io);
  return result.failed ? EXIT_FAILED : EXIT_OK;
}

/** Entries in keep mode hold their leases in the foreground, as `dhcp-f` does, until SIGTERM or SIGINT releases them. */
async function keepLeases(items: readonly WireManyItem[], io: Io): Promise<void> {
  const keepers = items.flatMap((i) => (i.result?.keeper ? [i.result.keeper] : []));
  if (!keepers.length) return;
  const stop = () => keepers.forEach((k) => void k.stop());
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  for (const sig of signals) process.on(sig, stop);
  io.err(`pipework: keeping ${keepers.length} DHCP lease${keepers.length === 1 ? '' : 's'} (renewed in the foreground; SIGTERM releases them)\n`);
  try {
    await Promise.all(keepers.map((k) => k.finished()));
  } finally {
    for (const sig of signals) process.off(sig, stop);
  }
  io.err('pipework: DHCP leases released\n');
}

/** pipework del -f FILE: remove every entry's guest interface; removing what is gone succeeds. */
export async function runDeleteFile(file: string, global: GlobalOptions, io: Io): Promise<number> {
  const targets = readOrReport(() => toTargets(readWirings(file), file), global, io);
  if (!targets) return EXIT_FAILED;
  if (global.dryRun) {
    for (const t of targets) io.out(`would remove ${t.ifname ?? 'eth1'} from ${t.guest} (and its host end)\n`);
    return EXIT_OK;
  }
  const bar = isTTY(io) && !global.json && targets.length > 0 ? new ProgressBar(io, 'removing', targets.length) : undefined;
  const result = await withSession(global, (pw) => pw.unwireMany(targets, { onProgress: bar?.listener() })).finally(() => bar?.clear());
  if (global.json) {
    io.out(
      JSON.stringify(
        {
          total: result.total, removed: result.removed, absent: result.absent, failed: result.failed, timings: result.timings,
          entries: result.items.map((i) => ({
            index: i.index, guest: i.guest, status: i.status, ifname: i.result?.ifname, hostIfname: i.result?.hostIfname,
            ...(i.error ? { error: i.error.message, stage: i.stage } : {}), ...(i.result?.notes.length ? { notes: i.result.notes } : {}),
          })),
        },
        null,
        2,
      ) + '\n',
    );
    return result.failed ? EXIT_FAILED : EXIT_OK;
  }
  for (const item of result.items) {
    if (item.status === 'failed') io.err(`pipework: entry ${item.index} (${item.guest}): ${item.error?.message}\n`);
    else if (item.status === 'absent' && global.verbose) for (const n of item.result?.notes ?? []) io.err(`pipework: entry ${item.index}: ${n}\n`);
  }
  if (global.verbose) {
    for (const item of result.items) {
      const r = item.result;
      if (item.status === 'removed' && r) io.out(`removed ${r.ifname} from ${r.guest}${r.hostIfname ? ` (and its host end ${r.hostIfname})` : ''}\n`);
    }
  }
  const summary = `removed ${result.removed}, nothing to remove ${result.absent}, failed ${result.failed} (of ${result.total}) in ${seconds(result.timings.total)}\n`;
  if (global.verbose) io.out(summary);
  else if (bar || result.failed) io.err(`pipework: ${summary}`);
  return result.failed ? EXIT_FAILED : EXIT_OK;
}

function undoText(item: WireManyItem): string {
  return item.undoFailures?.length ? `; rolling back also failed: ${item.undoFailures.join('; ')}` : '';
}

export function entryJson(item: WireManyItem) {
  const r = item.result;
  return {
    index: item.index,
    guest: item.guest,
    status: item.status,
    ...(r ? { netns: r.guest, ifname: r.ifname, host: r.host, hostIfname: r.hostIfname, addresses: r.addresses, gateways: r.gateways, mac: r.mac } : {}),
    ...(r?.notes.length ? { notes: r.notes } : {}),
    ...(r && item.status === 'planned' ? { steps: r.steps } : {}),
    ...(item.error ? { error: item.error.message, stage: item.stage } : {}),
    ...(item.undoFailures ? { undoFailures: item.undoFailures } : {}),
  };
}
