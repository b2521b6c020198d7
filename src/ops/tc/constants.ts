// Traffic control numbers from linux/rtnetlink.h (struct tcmsg, TCA_*), linux/pkt_sched.h (handles)
// and linux/gen_stats.h (statistics). Per-kind numbers live in each kind's own module.

// struct tcmsg { u8 family; u8 pad1; u16 pad2; s32 ifindex; u32 handle; u32 parent; u32 info; }
export const TCMSG_LEN = 20;

export const TCA_KIND = 1;
export const TCA_OPTIONS = 2;
export const TCA_STATS = 3;
export const TCA_XSTATS = 4;
export const TCA_RATE = 5;
export const TCA_STATS2 = 7;
export const TCA_STAB = 8;
export const TCA_DUMP_INVISIBLE = 10;
export const TCA_CHAIN = 11;
export const TCA_HW_OFFLOAD = 12;
export const TCA_INGRESS_BLOCK = 13;
export const TCA_EGRESS_BLOCK = 14;

export const TCA_STATS_BASIC = 1;
export const TCA_STATS_RATE_EST = 2;
export const TCA_STATS_QUEUE = 3;
export const TCA_STATS_PKT64 = 8;

export const TC_H_UNSPEC = 0;
export const TC_H_ROOT = 0xffffffff;
export const TC_H_INGRESS = 0xfffffff1;
export const TC_H_CLSACT = TC_H_INGRESS;
export const TC_H_MIN_INGRESS = 0xfff2;
export const TC_H_MIN_EGRESS = 0xfff3;
export const TC_H_MAJ_MASK = 0xffff0000;
export const TC_H_MIN_MASK = 0x0000ffff;

export const tcMajor = (h: number) => (h >>> 16) & 0xffff;
export const tcMinor = (h: number) => h & 0xffff;
export const tcHandle = (major: number, minor: number) => (((major & 0xffff) << 16) | (minor & 0xffff)) >>> 0;

/** "1:", "800a:", "1:10", "ffff:fff1", "root", as tc prints handles and parents. */
export function formatHandle(h: number): string {
  if (h === TC_H_ROOT) return 'root';
  if (h === TC_H_UNSPEC) return '0:';
  const min = tcMinor(h);
  return min === 0 ? `${tcMajor(h).toString(16)}:` : `${tcMajor(h).toString(16)}:${min.toString(16)}`;
}
