// The command-line front end: parse, call the library, print, exit. No kernel knowledge here.
import { withSession } from './session.js';
import { existsSync, readFileSync } from 'node:fs';
import { KernelError } from '../netlink/errors.js';
import { ConflictError, InputError } from '../util/errors.js';
import type { Lease } from '../dhcp/index.js';
import type { WireResult } from '../wire/pipework.js';
import { type WiringSpec, withDhcpOptions as withDhcpSettings } from '../wire/spec.js';
import type { WiredInterface } from '../wire/inventory.js';
import { StepFailedError } from '../wire/plan.js';
import { waitForInterface, WaitTimeoutError } from '../wire/wait.js';
import { type Command, type GlobalOptions, parseArgs, USAGE, UsageError } from './parse.js';
import { runApply, runDeleteFile } from './apply.js';
import { terminalSafe } from '../util/escape.js';
import { checkCapabilities } from './capabilities.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io } from './io.js';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io };

// Names a guest or a DHCP server chose appear in what is printed: no control character of theirs
// reaches the terminal raw (util/escape.ts).
const stdio: Io = {
  out: (t) => process.stdout.write(terminalSafe(t)),
  err: (t) => process.stderr.write(terminalSafe(t)),
};

export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`pipework: ${e.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    return fail(io, e);
  }
  const { command, global } = parsed;
  try {
    return await run(command, global, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`pipework: ${e.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    return fail(io, e);
  }
}

async function run(command: Command, global: GlobalOptions, io: Io): Promise<number> {
  checkCapabilities(command, global);
  switch (command.verb) {
    case 'help':
      io.out(USAGE);
      return EXIT_OK;
    case 'version':
      io.out(`${version()}\n`);
      return EXIT_OK;
    case 'wire':
      return withSession(global, async (pw) => {
        const spec = withDhcpOptions(command.spec, command.options);
        if (command.family) checkFamily(spec, command.family);
        const result = await pw.wire(spec, { dryRun: global.dryRun });
        printWire(result, global, io);
        if (result.keeper) await keepLease(result, io);
        return EXIT_OK;
      });
    case 'apply':
      return runApply(command.file, global, io);
    case 'watch':
      return (await import('./watch.js')).runWatch(command.file, global, io);
    case 'cni-install': {
      const path = (await import('../cni/install.js')).installPlugin(command.dir);
      io.out(`${path}\n`);
      return EXIT_OK;
    }
    case 'del':
      if (command.file) {
        if (command.guest) throw new UsageError('del takes a guest or -f FILE, not both');
        return runDeleteFile(command.file, global, io);
      }
      return withSession(global, async (pw) => {
        if (!command.guest) throw new UsageError('del needs a guest');
        const result = await pw.unwire(command.guest, { ifname: command.ifname });
        if (global.json) io.out(JSON.stringify(result, null, 2) + '\n');
        else if (global.verbose) {
          io.out(result.removed ? `removed ${result.ifname} from ${result.guest}${result.hostIfname ? ` (and its host end ${result.hostIfname})` : ''}\n` : '');
        }
        for (const n of result.notes) if (!global.json) io.err(`pipework: ${n}\n`);
        return EXIT_OK;
      });
    case 'route':
    case 'rule':
    case 'tc':
      return withSession(global, async (pw) => {
        io.out(await pw.passthrough(command.verb, command.guest, command.args, { json: global.json }));
        return EXIT_OK;
      });
    case 'ls':
      return withSession(global, async (pw) => {
        const wired = await pw.list(command.guest);
        io.out(global.json ? JSON.stringify(wired, null, 2) + '\n' : formatTable(wired));
        return EXIT_OK;
      });
    case 'wait':
      await waitForInterface(command.ifname, command.timeout);
      return EXIT_OK;
  }
}

/** pipework's -a: the family is taken from each address anyway; a mismatch is an error. */
function checkFamily(spec: WiringSpec, family: 4 | 6): void {
  const addresses = spec.addresses as string;
  if (spec.dhcp) {
    if (family === 6) throw new InputError('-a 6 with DHCP: the built-in client speaks DHCPv4 only', 'drop -a 6, or give IPv6 addresses statically');
    return;
  }
  for (const item of addresses.split(',')) {
    const addr = item.split('@')[0].trim();
    if (addr === '0/0' || !addr.includes('/')) continue;
    const isV6 = addr.includes(':');
    if (isV6 !== (family === 6)) throw new InputError(`-a ${family} was given, but ${addr} is an IPv${isV6 ? 6 : 4} address`, 'drop -a: the family is taken from the address');
  }
}

/** --keep, --timeout and --resolv-conf belong to DHCP address forms only. */
function withDhcpOptions(spec: WiringSpec, options: Record<string, string | boolean>): WiringSpec {
  const flag = { keep: '--keep', timeout: '--timeout', resolvConf: '--resolv-conf' } as const;
  const o = { keep: options.keep === true || undefined, timeout: options.timeout as string | undefined, resolvConf: typeof options.resolvConf === 'string' ? options.resolvConf : undefined };
  try {
    return withDhcpSettings(spec, o, (k) => flag[k]);
  } catch (e) {
    throw e instanceof InputError ? new UsageError(e.message) : e;
  }
}

/** Keep mode: stay in the foreground while the client renews; SIGTERM/SIGINT/SIGHUP release. */
async function keepLease(result: WireResult, io: Io): Promise<void> {
  const keeper = result.keeper!;
  io.err(`pipework: keeping the DHCP lease of ${result.addresses[0]} on ${result.ifname} in ${result.guest}; SIGTERM releases it\n`);
  keeper.on('renewed', (lease: Lease) => io.err(`pipework: lease of ${lease.address} renewed\n`));
  keeper.on('nak', () => io.err('pipework: the server refused the lease; asking again\n'));
  keeper.on('expired', (lease: Lease) => io.err(`pipework: the lease of ${lease.address} expired; its address was removed\n`));
  await (await import('../dhcp/keeper.js')).holdKeeper(keeper);
  io.err('pipework: DHCP lease released\n');
}

function printWire(r: WireResult, global: GlobalOptions, io: Io): void {
  if (global.json) {
    io.out(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  for (const n of r.notes) io.err(`pipework: ${n}\n`);
  if (global.dryRun) {
    io.out(r.steps.length ? `plan for ${r.ifname} in ${r.guest}:\n${r.steps.map((s) => `  ${s}\n`).join('')}` : `${r.ifname} in ${r.guest} is already wired as asked: nothing to do\n`);
    return;
  }
  if (!r.changed) {
    if (global.verbose) io.out(`${r.ifname} in ${r.guest} is already wired as asked\n`);
    return;
  }
  if (global.verbose) for (const s of r.steps) io.out(`${s}\n`);
}

function formatTable(rows: WiredInterface[]): string {
  if (!rows.length) return '';
  const header = ['GUEST', 'IFNAME', 'KIND', 'HOST SIDE', 'ADDRESSES', 'MAC', 'STATE'];
  const lines = rows.map((r) => [
    r.guest,
    r.ifname,
    r.kind,
    `${r.hostIfname ?? '-'}${r.bridge ? ` on ${r.bridge}` : ''}${r.vlan !== undefined ? ` vlan ${r.vlan}` : ''}`,
    r.addresses.join(',') || '-',
    r.mac ?? '-',
    r.up ? (r.carrier ? 'up' : 'no-carrier') : 'down',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [header, ...lines].map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]))).join('  ') + '\n').join('');
}

function fail(io: Io, e: unknown): number {
  const err = e;
  let message: string;
  if (err instanceof InputError || err instanceof ConflictError || err instanceof KernelError || err instanceof StepFailedError || err instanceof WaitTimeoutError) {
    message = err.message;
  } else if (err instanceof Error) {
    message = process.env.PIPEWORK_DEBUG ? (err.stack ?? err.message) : err.message;
  } else {
    message = String(err);
  }
  io.err(`pipework: ${message}\n`);
  return EXIT_FAILED;
}

function version(): string {
  // Found upwards from this file: it runs from dist/src/cli/ or, bundled, from dist/bundle/.
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 5 && !existsSync(new URL('package.json', dir)); i++) dir = new URL('..', dir);
  const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string };
  return `pipework-netlink ${pkg.version}`;
}

