// Traffic checks for the kernel tests, with iputils ping as the oracle.
//
// A link that was just set up is not ready at once: its qdisc is activated by the kernel's linkwatch
// work when the carrier comes up (up to a second later), and until then every frame is dropped. So a
// positive check pings until the first reply or a deadline, and a negative check first waits until the
// links involved are operationally up (otherwise it would pass for the wrong reason).
import { ipj, run, succeeds } from '../helpers/netns.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until each named link in ns has operstate UP (or UNKNOWN, for links without carrier notion). */
export async function waitOperUp(ns: string, links: readonly string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const notUp = links.filter((name) => {
      const [l] = ipj<{ operstate: string; flags: string[] }[]>(ns, 'link', 'show', 'dev', name);
      return !(l.flags.includes('LOWER_UP') && (l.operstate === 'UP' || l.operstate === 'UNKNOWN'));
    });
    if (!notUp.length) return;
    if (Date.now() > deadline) throw new Error(`netns ${ns}: links ${notUp.join(', ')} not up after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Whether addr answers at least one ICMP echo from inside ns within deadlineS seconds (ping -c 1 -w). */
export function pingWithin(ns: string, addr: string, deadlineS = 5): boolean {
  return succeeds('ip', ['netns', 'exec', ns, 'ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', String(deadlineS), addr], {
    timeoutMs: (deadlineS + 5) * 1000,
  });
}

/** ping's average round-trip time in ms over count echoes, from `rtt min/avg/max/mdev = a/b/c/d ms`. */
export function avgRttMs(ns: string, addr: string, count = 5): number {
  const out = run('ip', ['netns', 'exec', ns, 'ping', '-n', '-q', '-c', String(count), '-i', '0.2', '-W', '2', addr], {
    timeoutMs: 30_000,
  });
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  if (!m) throw new Error(`no rtt line in ping output:\n${out}`);
  return Number(m[1]);
}
