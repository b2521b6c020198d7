// CNI error objects: the spec's well-known codes and the JSON a runtime reads on stdout when a
// plugin exits non-zero. Every failure of the plugin leaves through one of these.
import { ConflictError, InputError, NotFoundError } from '../util/errors.js';

export const CODE = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  containerUnknown: 3,
  invalidEnv: 4,
  io: 5,
  decode: 6,
  invalidConfig: 7,
  tryAgain: 11,
  notAvailable: 50,
  limitedConnectivity: 51,
  /** plugin-specific (>= 100): the kernel or the wiring refused the request */
  wiringFailed: 100,
  /** plugin-specific: CHECK found the container's interface not as the config asks */
  checkFailed: 101,
} as const;

export class CniError extends Error {
  constructor(
    readonly code: number,
    msg: string,
    readonly details = '',
  ) {
    super(msg);
    this.name = 'CniError';
  }
}

/** Any error of the library as a CNI error: input problems are config errors, the rest wiring failures. */
export function toCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  if (e instanceof NotFoundError) return new CniError(CODE.containerUnknown, e.message);
  if (e instanceof InputError) return new CniError(CODE.invalidConfig, e.message);
  if (e instanceof ConflictError) return new CniError(CODE.wiringFailed, e.message);
  const err = e instanceof Error ? e : new Error(String(e));
  // EBUSY/EAGAIN from the kernel: the runtime may retry the same call
  const code = /\b(EAGAIN|EBUSY)\b/.test(err.message) ? CODE.tryAgain : CODE.wiringFailed;
  return new CniError(code, err.message, err.cause instanceof Error ? err.cause.message : '');
}

export function errorObject(cniVersion: string, e: CniError): Record<string, unknown> {
  const o: Record<string, unknown> = { cniVersion, code: e.code, msg: e.message };
  if (e.details) o.details = e.details;
  return o;
}
