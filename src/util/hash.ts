// Hex digests for the few commands that need one (U:<text> MACs, short host-side names). node:crypto
// takes 4-12 ms to load, more than a whole one-guest wiring: it is loaded on first use, not with the CLI.
import { createRequire } from 'node:module';

let crypto: typeof import('node:crypto') | undefined;

export function hexDigest(algorithm: 'md5' | 'sha256', text: string): string {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.createHash(algorithm).update(text).digest('hex');
}
