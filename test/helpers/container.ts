// A stand-in container without a container engine: a busybox-static root folder, and a process
// chrooted into it in its own mount and network namespaces. What its root user could plant
// (symlinks, FIFOs, odd interface names) the tests plant in the folder directly.
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Container {
  pid: number;
  /** the root folder, as the host sees it */
  root: string;
  /** the container's network namespace, as `ip` names it: a path under /proc */
  netnsPath: string;
}

/** A root folder with busybox and an /etc; removed at teardown. */
export function makeRoot(t: ExecutionContext): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-root-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const d of ['bin', 'etc', 'proc', 'tmp', 'run']) fs.mkdirSync(path.join(root, d));
  fs.copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  return root;
}

/** Starts `unshare --mount --net chroot ROOT /bin/busybox sleep 600` (same PID all along); killed at teardown. */
export async function startContainer(t: ExecutionContext, root: string): Promise<Container> {
  const child = spawn('unshare', ['--mount', '--net', 'chroot', root, '/bin/busybox', 'sleep', '600'], { stdio: 'ignore' });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const pid = child.pid!;
  // ready once the process runs busybox inside its own root
  const deadline = Date.now() + 5000;
  for (;;) {
    let ready = false;
    try {
      ready = fs.readlinkSync(`/proc/${pid}/root`) === root && fs.readlinkSync(`/proc/${pid}/exe`).endsWith('/bin/busybox');
    } catch {
      // not yet
    }
    if (ready) break;
    if (Date.now() > deadline) throw new Error('the stand-in container did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
  return { pid, root, netnsPath: `/proc/${pid}/ns/net` };
}
