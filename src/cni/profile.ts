// PIPEWORK_CNI_PROFILE=1: where a call's time goes, on stderr (ms since the process started, which
// includes node's own start and the loading of the bundle). Off, it costs one env lookup per mark.
const on = process.env.PIPEWORK_CNI_PROFILE === '1';
const marks: string[] = [];

export function mark(label: string): void {
  if (on) marks.push(`${label} ${performance.now().toFixed(1)}`);
}

export function report(): void {
  if (on) process.stderr.write(`pipework-cni profile: ${marks.join(', ')}\n`);
}
