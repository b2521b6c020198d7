// Which capabilities each CLI command needs (README, "Security"), checked before anything is done.
import { existsSync } from 'node:fs';
import { DHCP_RUN_BASE } from '../dhcp/rundir.js';
import { type Capability, requireCapabilities } from '../netns/capabilities.js';
import type { Command, GlobalOptions } from './parse.js';

const READ_ONLY = /^(show|list|ls|lst|get)$/;

export function capabilitiesFor(command: Command, global: GlobalOptions): Capability[] {
  switch (command.verb) {
    case 'wire':
    case 'apply':
    case 'watch':
      return global.dryRun ? ['CAP_SYS_ADMIN'] : ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_NET_RAW'];
    case 'del':
      // a DHCP lease is given back with a DHCPRELEASE from a packet socket
      if (global.dryRun) return ['CAP_SYS_ADMIN'];
      return existsSync(DHCP_RUN_BASE) ? ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_NET_RAW'] : ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'];
    case 'route':
    case 'rule':
    case 'tc': {
      const change = !(command.args.length === 0 || READ_ONLY.test(command.args[0]) || (command.verb === 'tc' && READ_ONLY.test(command.args[1] ?? '')));
      return change ? ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'] : ['CAP_SYS_ADMIN'];
    }
    case 'ls':
      return ['CAP_SYS_ADMIN'];
    default:
      return []; // --wait runs inside the guest and only listens; help and version need nothing
  }
}

/** Refuses the command at once if a capability it needs is missing. */
export function checkCapabilities(command: Command, global: GlobalOptions): void {
  requireCapabilities(capabilitiesFor(command, global), `pipework ${command.verb === 'wire' ? '(wiring)' : command.verb}`);
}
