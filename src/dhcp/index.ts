// The built-in DHCPv4 client: what the CLI and other library users need. It speaks DHCP itself
// from inside the guest's network namespace (AF_PACKET socket bound to the interface) and applies
// the lease through rtnetlink: no udhcpc, dhclient or ip process is ever started.
//
//   one-shot  (`dhcp`, `udhcpc`, `dhclient`, `dhcpcd`):
//       const lease = await obtainLease({ netns, ifname, hostname, timeoutMs, resolvConf, runDir });
//       // then say that the lease will not be renewed
//   keep      (`dhcp:-f`, `udhcpc-f`, `dhclient-f`, `--keep`): in the foreground until SIGTERM:
//       await runDhcpKeeper({ ...same, watchPid: containerPid }, (lease) => print(lease));
//   pipework del:
//       await stopDhcpClient(runDir);                       // a keeper releases and exits
//       await releaseRecordedLease({ netns, ifname, runDir }); // a one-shot lease is released
//   does this interface hold a lease of ours (same namespace, ifindex, MAC; address present)?
//       heldLease({ netns, ifname, runDir }) -> { lease, keeper? } | undefined
//   run directory: dhcpRunDir(guestKey('docker', id), ifname) = /run/pipework/dhcp/docker-<id>/<ifname>
//   words after "dhcp:": interpretClientWords(words, 'udhcpc') -> { keep, options }
export { DhcpKeeper, holdKeeper, runDhcpKeeper, type DhcpKeeperOptions, type KeeperState } from './keeper.js';
export { obtainLease, releaseRecordedLease } from './oneshot.js';
export { DhcpStoppedError, DhcpTimeoutError, type DhcpClientOptions } from './schedule.js';
export { resolvConfPath, writeResolvConf, type ResolvConfTarget } from './apply.js';
export { diffPlans, leasePlan, leaseTimes, resolvConfText, type Lease, type LeaseRoute, type LeaseStep } from './lease.js';
export { interpretClientWords, type ClientWords } from './options.js';
export { forget, heldLease, pruneLeaseRecords, type HeldLease } from './record.js';
export {
  DHCP_RUN_BASE, dhcpRunDir, guestKey, readKeeper, readLeaseFile, stopDhcpClient, type KeeperRecord, type StopResult,
} from './rundir.js';
