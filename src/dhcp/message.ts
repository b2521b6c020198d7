// DHCPv4 messages (RFC 2131 / RFC 2132) as data: the BOOTP header's constants, the options the
// client knows, the typed message. codec.ts turns them into bytes and back.

export class DhcpDecodeError extends Error {
  constructor(message: string) {
    super(`malformed DHCP message: ${message}`);
    this.name = 'DhcpDecodeError';
  }
}

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const HTYPE_ETHER = 1;
/** The BOOTP "broadcast" flag: asks the server to broadcast its reply. */
export const FLAG_BROADCAST = 0x8000;

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

/** Fixed BOOTP header up to (not including) the magic cookie. */
export const BOOTP_HEADER_LEN = 236;
/** The smallest message a BOOTP relay must accept (RFC 1542 section 2.1); we pad to it. */
export const BOOTP_MIN_LEN = 300;
export const MAGIC_COOKIE = Uint8Array.of(99, 130, 83, 99);

/** DHCP message types (option 53). */
export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

const typeNames = ['', 'DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPDECLINE', 'DHCPACK', 'DHCPNAK', 'DHCPRELEASE', 'DHCPINFORM'];
export function messageTypeName(t: number | undefined): string {
  return t !== undefined && typeNames[t] ? typeNames[t] : `type ${t ?? 'none'}`;
}

/** Option codes (RFC 2132 unless noted). */
export const Option = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOSTNAME: 12,
  DOMAIN_NAME: 15,
  INTERFACE_MTU: 26,
  BROADCAST_ADDRESS: 28,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS_ID: 60,
  CLIENT_ID: 61,
  /** RFC 3442 */
  CLASSLESS_ROUTES: 121,
  END: 255,
} as const;

/** One route of option 121: destination network, prefix length, router (0.0.0.0: on-link). */
export interface ClasslessRoute {
  dst: Uint8Array;
  prefix: number;
  gateway: Uint8Array;
}

/** The options this client understands, typed; every other option is kept raw in `other`. */
export interface DhcpOptions {
  messageType?: number;
  subnetMask?: Uint8Array;
  routers?: Uint8Array[];
  dnsServers?: Uint8Array[];
  hostname?: string;
  domainName?: string;
  mtu?: number;
  broadcastAddress?: Uint8Array;
  requestedIp?: Uint8Array;
  /** seconds; 0xffffffff means infinite */
  leaseTime?: number;
  serverId?: Uint8Array;
  parameterList?: number[];
  /** option 56: the server's error text, e.g. in a NAK */
  message?: string;
  maxMessageSize?: number;
  /** T1, seconds */
  renewalTime?: number;
  /** T2, seconds */
  rebindingTime?: number;
  vendorClassId?: Uint8Array;
  clientId?: Uint8Array;
  classlessRoutes?: ClasslessRoute[];
  /** options not typed above, by code; instances of one code concatenated (RFC 3396) */
  other?: Map<number, Uint8Array>;
}

export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: Uint8Array;
  yiaddr: Uint8Array;
  siaddr: Uint8Array;
  giaddr: Uint8Array;
  /** 16 bytes; the first hlen are the hardware address */
  chaddr: Uint8Array;
  /** 64 bytes, raw (unless overloaded with options) */
  sname: Uint8Array;
  /** 128 bytes, raw (unless overloaded with options) */
  file: Uint8Array;
  options: DhcpOptions;
}

const ZERO4 = () => new Uint8Array(4);

/** A message with every header field zeroed (chaddr/sname/file sized) and the given parts set. */
export function newMessage(parts: Partial<DhcpMessage> = {}): DhcpMessage {
  return {
    op: BOOTREQUEST,
    htype: HTYPE_ETHER,
    hlen: 6,
    hops: 0,
    xid: 0,
    secs: 0,
    flags: 0,
    ciaddr: ZERO4(),
    yiaddr: ZERO4(),
    siaddr: ZERO4(),
    giaddr: ZERO4(),
    chaddr: new Uint8Array(16),
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    options: {},
    ...parts,
  };
}

/** A hardware address padded into the 16-byte chaddr field. */
export function chaddrOf(mac: Uint8Array): Uint8Array {
  if (mac.length > 16) throw new RangeError(`hardware address of ${mac.length} bytes does not fit chaddr`);
  const out = new Uint8Array(16);
  out.set(mac);
  return out;
}

/** The hardware address part of chaddr. */
export function hardwareAddress(m: DhcpMessage): Uint8Array {
  return m.chaddr.subarray(0, Math.min(m.hlen, 16));
}
