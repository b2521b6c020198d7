// pipework's DHCP address forms, recognised without loading the DHCP client (which is loaded
// only when a wiring asks for DHCP).

export interface DhcpSpec {
  /** keep the lease: stay in the foreground, renew, release on SIGTERM (dhcp-f, udhcpc-f, --keep) */
  keep?: boolean;
  /** option 12; default the container's (or netns') name */
  hostname?: string;
  /** bound on getting a lease; default 30 s */
  timeoutSeconds?: number;
  /** write the lease's DNS servers here: a path, or "container" for the container's /etc/resolv.conf */
  resolvConf?: string;
  /** upstream client words after "dhcp:" (e.g. "-f", "-x hostname:web") */
  words?: string[];
  /** which upstream form was given, for messages */
  client?: string;
}

const FORMS = /^(dhcp|dhcp-f|udhcpc|udhcpc-f|dhclient|dhclient-f|dhcpcd)(?::(.*))?$/;

/** pipework's DHCP address forms -> a DhcpSpec; undefined for anything else. */
export function parseDhcpForm(text: string): DhcpSpec | undefined {
  const m = FORMS.exec(text.trim());
  if (!m) return undefined;
  const client = m[1];
  const words = (m[2] ?? '').split(/\s+/).filter(Boolean);
  return { client, keep: client.endsWith('-f') || undefined, words };
}
