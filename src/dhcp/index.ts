// The built-in DHCPv4 client: what the CLI and other library users need.
export {
  DhcpKeeper, DhcpStoppedError, DhcpTimeoutError, obtainLease, releaseRecordedLease, runDhcpKeeper,
  type DhcpClientOptions, type DhcpKeeperOptions, type KeeperState,
} from './client.js';
export { resolvConfPath, writeResolvConf, type ResolvConfTarget } from './apply.js';
export { diffPlans, leasePlan, leaseTimes, resolvConfText, type Lease, type LeaseRoute, type LeaseStep } from './lease.js';
export { interpretClientWords, type ClientWords } from './options.js';
export {
  DHCP_RUN_BASE, dhcpRunDir, guestKey, readKeeper, readLeaseFile, stopDhcpClient, type KeeperRecord, type StopResult,
} from './rundir.js';
