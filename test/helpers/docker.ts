// A private Docker engine for one test file: its own dockerd (no bridge, no iptables, no IP
// forwarding), data and exec roots in a fresh temporary directory, a private unix socket and
// containerd namespaces of its own, so it never meets the machine's Docker (if any) nor touches
// the root network namespace. Images come from no registry: a busybox-static root filesystem is
// imported as `pwtest-busybox`. Everything is stopped by PID and removed at the end.
//
// Usage in a test file:
//   const docker = useDockerd();                 // registers test.before / test.after.always
//   test('...', (t) => { const c = docker().runContainer('c1'); ... docker().host ... });
import test from 'ava';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { CommandError, type RunOptions, run } from './netns.js';

export const TEST_IMAGE = 'pwtest-busybox';

export interface Container {
  id: string;
  name: string;
  /** PID of the container's first process, as seen from here */
  pid: number;
}

export interface RunContainerOptions {
  /** extra `docker run` options, placed before the image (default network: none) */
  options?: string[];
  /** the command (default: sleep 1000) */
  command?: string[];
  image?: string;
}

export interface StartOptions {
  /** how long to wait for the engine to answer /_ping (default 30 s) */
  timeoutMs?: number;
}

/** Thrown when the machine lacks what a Docker test needs: the test fails, it is never skipped. */
export class MissingToolError extends Error {
  constructor(tool: string, pkg: string) {
    super(`${tool} is not installed; Docker tests need it (apt-get install -y ${pkg}; .ci/run installs it)`);
    this.name = 'MissingToolError';
  }
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Whether an ELF file asks for a program interpreter, i.e. is dynamically linked. */
function isDynamicElf(file: string): boolean {
  const b = fs.readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF executable`);
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const phoff = is64 ? Number(le ? b.readBigUInt64LE(32) : b.readBigUInt64BE(32)) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  const PT_INTERP = 3;
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === PT_INTERP) return true;
  return false;
}

function findBusybox(): string {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox']) {
    if (fs.existsSync(candidate) && !isDynamicElf(candidate)) return candidate;
  }
  throw new MissingToolError('a statically linked busybox', 'busybox-static');
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: socket, path: '/_ping', timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Processes whose command line mentions s (to find what a dockerd left behind). */
export function processesMentioning(s: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(s)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Mount points at or below dir in our mount namespace, deepest first. */
function mountsUnder(dir: string): string[] {
  const unescape = (p: string) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(unescape)
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class Dockerd {
  private stopped = false;
  private readonly exited: Promise<void>;
  private readonly exitHook = () => this.stopSync();

  private constructor(
    /** the private temporary directory holding everything of this engine */
    readonly dir: string,
    /** the engine's unix socket */
    readonly socket: string,
    private readonly child: ChildProcess,
    private readonly dockerCli: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    process.on('exit', this.exitHook);
  }

  /** The value of DOCKER_HOST for this engine: `unix:///tmp/pwt-docker-XXXXXX/docker.sock`. */
  get host(): string {
    return `unix://${this.socket}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get logFile(): string {
    return path.join(this.dir, 'dockerd.log');
  }

  /** Environment for a process that should talk to this engine (the code under test, the CLI). */
  get env(): NodeJS.ProcessEnv {
    return { DOCKER_HOST: this.host };
  }

  /** Starts an engine, waits until it answers, imports the test image. */
  static async start(opts: StartOptions = {}): Promise<Dockerd> {
    const dockerd = which('dockerd');
    if (!dockerd) throw new MissingToolError('dockerd', 'docker.io');
    const cli = which('docker');
    if (!cli) throw new MissingToolError('the docker CLI', 'docker.io');
    const busybox = findBusybox();

    // /tmp rather than $TMPDIR: a unix socket path must stay under 108 bytes.
    const dir = fs.mkdtempSync('/tmp/pwt-docker-');
    const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
    const socket = path.join(dir, 'docker.sock');
    const child = spawn(
      dockerd,
      [
        '--iptables=false', '--ip6tables=false', '--bridge=none', '--ip-forward=false', '--ip-masq=false',
        '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'),
        '--pidfile', path.join(dir, 'dockerd.pid'), '-H', `unix://${socket}`,
        '--containerd-namespace', 'pwtest', '--containerd-plugins-namespace', 'pwtestp',
      ],
      // Its own process group, and no inherited stdout: a TAP pipe must see EOF when tests end.
      { stdio: ['ignore', log, log], detached: true },
    );
    fs.closeSync(log);
    child.unref();
    const d = new Dockerd(dir, socket, child, cli);
    try {
      await d.waitReady(opts.timeoutMs ?? 30_000);
      d.importImage(busybox);
    } catch (e) {
      await d.stop();
      throw e;
    }
    return d;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let spawnError: Error | undefined;
    this.child.once('error', (e) => (spawnError = e));
    while (!(await ping(this.socket))) {
      if (spawnError) throw new Error(`could not start dockerd: ${spawnError.message}`);
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`dockerd exited (${this.child.exitCode ?? this.child.signalCode}) before answering:\n${this.logTail()}`);
      }
      if (Date.now() > deadline) throw new Error(`dockerd did not answer /_ping within ${timeoutMs} ms:\n${this.logTail()}`);
      await sleep(50);
    }
  }

  /** The last lines of the engine's log, for error messages. */
  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no dockerd log)';
    }
  }

  private importImage(busybox: string): void {
    const root = path.join(this.dir, 'rootfs');
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.copyFileSync(busybox, path.join(root, 'bin/busybox'));
    fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
    for (const applet of run(busybox, ['--list']).split('\n').map((s) => s.trim())) {
      if (applet && applet !== 'busybox' && /^[\w.[-]+$/.test(applet)) fs.symlinkSync('busybox', path.join(root, 'bin', applet));
    }
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
    const tarball = path.join(this.dir, 'rootfs.tar');
    run('tar', ['-C', root, '-cf', tarball, '.']);
    this.docker(['import', '-c', 'ENV PATH=/bin', tarball, TEST_IMAGE], { timeoutMs: 60_000 });
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(tarball, { force: true });
  }

  /** Runs the docker CLI against this engine; returns stdout, throws CommandError with stderr. */
  docker(args: readonly string[], opts: RunOptions = {}): string {
    return run(this.dockerCli, args, { ...opts, env: { ...opts.env, DOCKER_HOST: this.host } });
  }

  /** `docker run -d --net none --name NAME pwtest-busybox sleep 1000`, with its PID. */
  runContainer(name: string, opts: RunContainerOptions = {}): Container {
    const options = opts.options ?? [];
    const net = options.some((o) => o === '--net' || o === '--network' || o.startsWith('--net=') || o.startsWith('--network=')) ? [] : ['--net', 'none'];
    const id = this.docker(['run', '-d', ...net, '--name', name, ...options, opts.image ?? TEST_IMAGE, ...(opts.command ?? ['sleep', '1000'])]).trim();
    return { id, name, pid: this.containerPid(id) };
  }

  /** PID of a running container's first process (0 if it is not running). */
  containerPid(nameOrId: string): number {
    return Number(this.docker(['inspect', '-f', '{{.State.Pid}}', nameOrId]).trim());
  }

  removeContainer(nameOrId: string): void {
    this.docker(['rm', '-f', nameOrId]);
  }

  /** Removes all containers, stops the engine by its PID, deletes the directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.exitHook);
    const problems: string[] = [];
    if (await ping(this.socket)) {
      try {
        const ids = this.docker(['ps', '-aq']).split('\n').filter(Boolean);
        if (ids.length) this.docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
      } catch (e) {
        problems.push(`removing containers: ${(e as Error).message}`);
      }
    }
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 20_000))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        problems.push('dockerd ignored SIGTERM for 20 s; killed');
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    // The managed containerd and any shim: wait for them, then force them.
    const deadline = Date.now() + 10_000;
    let left = processesMentioning(this.dir);
    while (left.length && Date.now() < deadline) {
      await sleep(100);
      left = processesMentioning(this.dir);
    }
    for (const pid of left) {
      problems.push(`process ${pid} still running after dockerd stopped; killed`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    this.removeDir(problems);
    if (problems.length) throw new Error(`stopping the test dockerd in ${this.dir}:\n  ${problems.join('\n  ')}`);
  }

  private removeDir(problems: string[]): void {
    for (const m of mountsUnder(this.dir)) {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        problems.push(`could not unmount ${m}`);
      }
    }
    if (mountsUnder(this.dir).length) {
      problems.push(`mounts remain under ${this.dir}; left it in place`);
      return;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort when the process exits without stop(): everything synchronous, best effort. */
  private stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      const ids = this.docker(['ps', '-aq'], { timeoutMs: 10_000 }).split('\n').filter(Boolean);
      if (ids.length) this.docker(['rm', '-f', ...ids], { timeoutMs: 30_000 });
    } catch {
      // the engine may be gone already
    }
    const pid = this.child.pid;
    if (pid && alive(pid)) {
      spawnSync('sh', ['-c', `kill ${pid}; i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done; kill -9 ${pid} 2>/dev/null; true`], { stdio: 'ignore', timeout: 20_000 });
    }
    for (const p of processesMentioning(this.dir)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    this.removeDir([]);
  }
}

/** Starts a private engine (see Dockerd.start). Prefer useDockerd() in test files. */
export function startDockerd(opts: StartOptions = {}): Promise<Dockerd> {
  return Dockerd.start(opts);
}

/**
 * One private engine for the calling test file: started in test.before (a missing dockerd fails
 * the file's tests, it does not skip them), stopped in test.after.always. Returns an accessor.
 */
export function useDockerd(opts: StartOptions = {}): () => Dockerd {
  let engine: Dockerd | undefined;
  test.before('start a private dockerd', async () => {
    engine = await Dockerd.start(opts);
  });
  test.after.always('stop the private dockerd', async () => {
    await engine?.stop();
  });
  return () => {
    if (!engine) throw new Error('the test dockerd is not running (did its test.before hook fail?)');
    return engine;
  };
}

export { CommandError };
