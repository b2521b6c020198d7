// The built-in example: throwaway namespaces, a bridge, two guests wired, traffic across,
// everything removed. Run with `npm run demo` (as root).
import { execFileSync } from 'node:child_process';
import { Netns, Pipework } from '../src/index.js';
import { icmpEcho } from './icmp-echo.js';

const tag = `pwdemo${process.pid}`;
const host = `${tag}-host`;
const guests = [`${tag}-a`, `${tag}-b`];
// Namespaces are made with iproute2 here, like a container runtime would make them; everything
// after that is pipework-netlink alone.
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'inherit'] }).toString();

function say(s: string): void {
  process.stdout.write(`${s}\n`);
}

async function main(): Promise<void> {
  for (const ns of [host, ...guests]) ip('netns', 'add', ns);
  const pw = new Pipework({ hostNetns: host });
  try {
    say(`namespaces: host side ${host}, guests ${guests.join(', ')}`);
    const addrs = ['10.99.0.2/24@10.99.0.1,fd99::2/64', '10.99.0.3/24@10.99.0.1,fd99::3/64'];
    for (const [i, guest] of guests.entries()) {
      const t0 = performance.now();
      const r = await pw.wire({ host: 'br-demo', guest, ifname: 'eth1', addresses: addrs[i], mac: `U:${guest}` });
      say(`\n$ pipework --host-netns ${host} br-demo -i eth1 ${guest} ${addrs[i]} U:${guest}`);
      for (const s of r.steps) say(`  ${s}`);
      say(`  -> ${r.ifname} (${r.mac}) in ${r.guest}, host end ${r.hostIfname}, in ${(performance.now() - t0).toFixed(1)} ms`);
    }
    const again = await pw.wire({ host: 'br-demo', guest: guests[0], ifname: 'eth1', addresses: addrs[0], mac: `U:${guests[0]}` });
    say(`\nthe same command again: ${again.changed ? 'changed something (unexpected!)' : 'already wired as asked, nothing to do'}`);

    say('\ntraffic (ICMP echo from inside the guests):');
    const a = Netns.byName(guests[0]);
    const b = Netns.byName(guests[1]);
    let ok = true;
    for (const [from, ns, to] of [[guests[0], a, '10.99.0.3'], [guests[1], b, '10.99.0.2']] as const) {
      const rtt = await icmpEcho(ns, to, 2000);
      ok &&= rtt !== undefined;
      say(`  ${from} -> ${to}: ${rtt === undefined ? 'no reply' : `reply in ${rtt.toFixed(2)} ms`}`);
    }
    a.close();
    b.close();

    for (const guest of guests) {
      const r = await pw.unwire(guest, { ifname: 'eth1' });
      say(`\n$ pipework --host-netns ${host} del ${guest}\n  removed ${r.ifname} from ${r.guest} and its host end ${r.hostIfname}`);
    }
    if (!ok) process.exitCode = 1;
  } finally {
    pw.close();
    for (const ns of [host, ...guests]) ip('netns', 'delete', ns);
    say(`\ncleaned up: namespaces ${[host, ...guests].join(', ')} deleted`);
  }
}

await main();
