// What every golden capture shares: the shape of a captured request and the machine it came from
// (the test interface v0 had ifindex 3; /proc/net/psched read as below, which rate tables depend on).

export interface GoldenMessage {
  cmd: string;
  type: number;
  flags: number;
  bytes: string;
}

export const CAPTURE_PSCHED = '000003e8 00000040 000f4240 3b9aca00';
export const CAPTURE_IFINDEX = 3;
