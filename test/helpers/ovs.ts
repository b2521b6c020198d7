// A real Open vSwitch for tests, without its kernel module: ovsdb-server and ovs-vswitchd with the
// userspace (netdev) datapath, inside a test netns, every file in a private folder, stopped by PID.
// ovs-vsctl against that private database is the independent oracle.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addNetns, CommandError, deleteNetns, run, succeeds } from './netns.js';

/** Why Open vSwitch tests cannot run here, or undefined. */
export function missingOvs(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root';
  for (const bin of ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovsdb-tool']) {
    if (!succeeds('sh', ['-c', `command -v ${bin}`])) return `${bin} is not installed (apt-get install --no-install-recommends openvswitch-switch)`;
  }
  if (!existsSync('/usr/share/openvswitch/vswitch.ovsschema')) return 'no /usr/share/openvswitch/vswitch.ovsschema';
  if (!succeeds('ping', ['-V'])) return 'ping (iputils-ping) is not installed';
  return undefined;
}

export interface Ovs {
  dir: string;
  /** the netns the daemons (and so the OVS bridges' devices) live in */
  ns: string;
  sock: string;
  /** a second listener with a 1 s inactivity probe (the server sends "echo" there) */
  probeSock: string;
  env: NodeJS.ProcessEnv;
}

function readPid(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

export async function stopByPid(file: string): Promise<void> {
  const pid = readPid(file);
  if (!pid) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive()) process.kill(pid, 'SIGKILL');
}

export function startOvs(): Ovs {
  const dir = mkdtempSync(join(tmpdir(), 'pw-ovs-'));
  const env = { OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  const o: Ovs = { dir, ns: addNetns('ovs'), sock: join(dir, 'db.sock'), probeSock: join(dir, 'probe.sock'), env };
  run('ovsdb-tool', ['create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema'], { env });
  run('ip', ['netns', 'exec', o.ns, 'ovsdb-server', join(dir, 'conf.db'), `--remote=punix:${o.sock}`,
    '--remote=db:Open_vSwitch,Open_vSwitch,manager_options', `--pidfile=${join(dir, 'ovsdb.pid')}`, '--detach',
    `--log-file=${join(dir, 'ovsdb.log')}`], { env });
  // On plain unix sockets ovsdb-server never probes; this Manager listener does, every second.
  vsctl(o, '--no-wait', 'init', '--', '--id=@m', 'create', 'Manager', `target="punix:${o.probeSock}"`, 'inactivity_probe=1000',
    '--', 'set', 'Open_vSwitch', '.', 'manager_options=@m');
  startVswitchd(o);
  return o;
}

/** Starts ovs-vswitchd (again) on the test's database; it returns once the daemon has detached. */
export function startVswitchd(o: Ovs): void {
  run('ip', ['netns', 'exec', o.ns, 'ovs-vswitchd', `unix:${o.sock}`, `--pidfile=${join(o.dir, 'vswitchd.pid')}`, '--detach',
    `--log-file=${join(o.dir, 'vswitchd.log')}`], { env: o.env });
}

/** Stops ovs-vswitchd alone: the database and its server stay. */
export function stopVswitchd(o: Ovs): Promise<void> {
  return stopByPid(join(o.dir, 'vswitchd.pid'));
}

/** The running ovs-vswitchd's PID. */
export function vswitchdPid(o: Ovs): number {
  const pid = readPid(join(o.dir, 'vswitchd.pid'));
  if (!pid) throw new Error(`no ovs-vswitchd PID in ${o.dir}`);
  return pid;
}

export async function stopOvs(o: Ovs): Promise<void> {
  await stopByPid(join(o.dir, 'vswitchd.pid'));
  await stopByPid(join(o.dir, 'ovsdb.pid'));
  deleteNetns(o.ns);
  if (process.env.PIPEWORK_KEEP_OVS !== '1') rmSync(o.dir, { recursive: true, force: true });
}

/** ovs-vsctl against the private database: the oracle. */
export function vsctl(o: Ovs, ...args: string[]): string {
  return run('ovs-vsctl', [`--db=unix:${o.sock}`, '--timeout=10', ...args], { env: o.env }).trim();
}

type OvsJson = { headings: string[]; data: unknown[][] };
/** `ovs-vsctl --format=json list TABLE [RECORD]`, as objects keyed by column, OVSDB-encoded values. */
export function vsctlList(o: Ovs, table: string, record?: string, columns = ['name']): Record<string, unknown>[] {
  const out = JSON.parse(vsctl(o, '--format=json', `--columns=${columns.join(',')}`, 'list', table, ...(record ? [record] : []))) as OvsJson;
  return out.data.map((row) => Object.fromEntries(out.headings.map((h, i) => [h, row[i]])));
}

export function brExists(o: Ovs, name: string): boolean {
  try {
    vsctl(o, 'br-exists', name);
    return true;
  } catch (e) {
    if (e instanceof CommandError && e.status === 2) return false;
    throw e;
  }
}
