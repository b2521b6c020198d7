// A keep-mode DHCP client in its own process, as `pipework ... dhcp --keep` will run it: the live
// tests start it, read its first lease from stdout, and stop it with stopDhcpClient(runDir).
// argv[2]: JSON {netns, ifname, hostname, runDir, timeoutMs}
import { runDhcpKeeper } from '../../src/dhcp/keeper.js';
import { Netns } from '../../src/netns/netns.js';

const args = JSON.parse(process.argv[2]) as { netns: string; ifname: string; hostname?: string; runDir: string; timeoutMs: number };
const ns = Netns.byName(args.netns);
const out = (event: string, data?: unknown) => process.stdout.write(JSON.stringify({ event, data, at: Date.now() }) + '\n');

await runDhcpKeeper(
  { netns: ns, ifname: args.ifname, hostname: args.hostname, runDir: args.runDir, timeoutMs: args.timeoutMs, log: (m) => out('log', m) },
  (lease, keeper) => {
    out('bound', lease);
    keeper.on('renewed', (l) => out('renewed', l));
    keeper.on('released', (l) => out('released', l));
    keeper.on('warning', (e: Error) => out('warning', e.message));
  },
);
out('exit');
ns.close();
