// The mode of a link kind (macvlan, ipvlan): a name on the command line, a number in the kernel.
import { InputError } from '../../util/errors.js';

export function parseMode<M extends string>(kind: string, modes: Record<M, number>, text: string): M {
  if (text in modes) return text as M;
  throw new InputError(`${kind} mode "${text}" is unknown`, `use one of ${Object.keys(modes).join(', ')}`);
}

export function modeName<M extends string>(modes: Record<M, number>, value: number | undefined): M | undefined {
  return (Object.keys(modes) as M[]).find((k) => modes[k] === value);
}
