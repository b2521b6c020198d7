// tc's units printed the way tc prints them: rates, sizes, times and percentages (parsed by grammar/units.ts).

/** bytes/s -> "1Mbit", "1572Kbit", "123456bit": divide by 1000 while exact, or while the value has 7+ digits. */
export function formatRate(bytesPerSecond: number): string {
  let v = Math.floor(bytesPerSecond * 8);
  const units = ['bit', 'Kbit', 'Mbit', 'Gbit', 'Tbit'];
  let i = 0;
  while (i < units.length - 1 && v >= 1000 && (v % 1000 === 0 || v >= 1e6)) {
    v = Math.floor(v / 1000);
    i++;
  }
  return `${v}${units[i]}`;
}

/** bytes -> "4Kb", "1Mb", "1600b": Mb/Kb when the size is (nearly) a whole number of them. */
export function formatSize(bytes: number): string {
  const MB = 1024 * 1024;
  if (bytes >= MB && Math.abs(MB * Math.round(bytes / MB) - bytes) < 1024) return `${Math.round(bytes / MB)}Mb`;
  if (bytes >= 1024 && Math.abs(1024 * Math.round(bytes / 1024) - bytes) < 16) return `${Math.round(bytes / 1024)}Kb`;
  return `${Math.floor(bytes)}b`;
}

/** microseconds -> "400ms", "1.49ms", "2s", "100us" (three significant digits). */
export function formatTime(us: number): string {
  const sig = (x: number) => String(Number(x.toPrecision(3)));
  if (us >= 1e6) return `${sig(us / 1e6)}s`;
  if (us >= 1e3) return `${sig(us / 1e3)}ms`;
  return `${Math.floor(us)}us`;
}

/** fraction 0..1 -> "1%", "0.1%", "25%". */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}
