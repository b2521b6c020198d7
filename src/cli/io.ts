// What every CLI command prints through, and the exit codes it returns (README: Exit codes).
export const EXIT_OK = 0;
/** the request failed; the message names the problem and the way out */
export const EXIT_FAILED = 1;
/** usage error: usage on stderr */
export const EXIT_USAGE = 2;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}
