// The OVSDB wire protocol's vocabulary (RFC 7047 section 5.1) and the errors of a transaction:
// pure data and helpers, no I/O.

// ---------------------------------------------------------------------------------------------
// Wire types

export type Uuid = ['uuid', string];
export type NamedUuid = ['named-uuid', string];
export type Atom = string | number | boolean | Uuid | NamedUuid;
export type OvsSet = ['set', Atom[]];
export type OvsMap = ['map', [Atom, Atom][]];
export type Value = Atom | OvsSet | OvsMap;
export type Row = Record<string, Value>;
export type Condition = [column: string, fn: '==' | '!=' | '<' | '<=' | '>' | '>=' | 'includes' | 'excludes', value: Value];
export type Mutation = [column: string, mutator: '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete', value: Value];

export type Operation =
  | { op: 'insert'; table: string; row: Row; 'uuid-name'?: string }
  | { op: 'select'; table: string; where: Condition[]; columns?: string[] }
  | { op: 'update'; table: string; where: Condition[]; row: Row }
  | { op: 'mutate'; table: string; where: Condition[]; mutations: Mutation[] }
  | { op: 'delete'; table: string; where: Condition[] }
  | { op: 'wait'; table: string; where: Condition[]; columns: string[]; until: '==' | '!='; rows: Row[]; timeout?: number }
  | { op: 'commit'; durable: boolean }
  | { op: 'abort' }
  | { op: 'comment'; comment: string }
  | { op: 'assert'; lock: string };

export interface OperationResult {
  uuid?: Uuid;
  rows?: Row[];
  count?: number;
}

/** A transaction failed: the operation that failed (when the server says which), and its error. */
export class OvsdbError extends Error {
  /** the OVSDB error string, e.g. "constraint violation", "timed out", "referential integrity violation" */
  readonly error: string;
  readonly details?: string;
  /** index of the failed operation in the transaction, when the error belongs to one */
  readonly opIndex?: number;
  readonly op?: Operation;
  constructor(context: string, error: string, details?: string, opIndex?: number, op?: Operation) {
    const where = op ? ` (operation ${opIndex}: ${op.op}${'table' in op ? ` ${op.table}` : ''})` : '';
    super(`${context}: ${error}${details ? `: ${details}` : ''}${where}`);
    this.name = 'OvsdbError';
    this.error = error;
    this.details = details;
    this.opIndex = opIndex;
    this.op = op;
  }
}

/**
 * The transaction committed, but ovs-vswitchd did not say it applied it (it is not running, or did
 * not catch up in time): the database holds the change, the switch may not. Callers that must leave
 * nothing behind remove what the transaction added; a removal is done as far as the database goes.
 */
export class NotAppliedError extends OvsdbError {
  constructor(context: string, details: string) {
    super(context, 'not applied', details);
    this.name = 'NotAppliedError';
  }
}

// ---------------------------------------------------------------------------------------------
// Value helpers (pure)

export const uuid = (u: string): Uuid => ['uuid', u];
export const namedUuid = (n: string): NamedUuid => ['named-uuid', n];
export const set = (atoms: Atom[]): OvsSet => ['set', atoms];
export const map = (m: Record<string, string>): OvsMap => ['map', Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))];

/** The atoms of a set column as received: a set with one element may come as that bare atom. */
export function setAtoms(v: Value | undefined): Atom[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v[0] === 'set') return (v as OvsSet)[1];
  return [v as Atom];
}

/** A map column as a plain object (string keys and values, as every map in vswitch.ovsschema that we read). */
export function mapObject(v: Value | undefined): Record<string, string> {
  if (v === undefined) return {};
  if (!Array.isArray(v) || v[0] !== 'map') throw new TypeError(`not an OVSDB map: ${JSON.stringify(v)}`);
  const out: Record<string, string> = {};
  for (const [k, val] of (v as OvsMap)[1]) out[String(k)] = String(val);
  return out;
}

/** The uuid string of a ["uuid", ...] value. */
export function uuidOf(v: Value | undefined): string {
  if (Array.isArray(v) && v[0] === 'uuid' && typeof v[1] === 'string') return v[1];
  throw new TypeError(`not an OVSDB uuid: ${JSON.stringify(v)}`);
}

/** An optional (min 0, max 1) integer column: the integer, or undefined when the set is empty. */
export function optionalInteger(v: Value | undefined): number | undefined {
  const atoms = setAtoms(v);
  return atoms.length ? Number(atoms[0]) : undefined;
}

