// What watch() reads from Docker: its container start events (a stream of JSON lines), and which
// entries of a wirings list a started container concerns.
import type { Readable } from 'node:stream';
import { DockerUnavailableError } from '../guest/docker.js';
import { namedNetnsExists } from '../netns/netns.js';

/** A container as Docker names it. */
export interface WatchedContainer {
  id: string;
  name: string;
}

/** Why a wiring was applied: the first pass, a container's start event, or a reconnection. */

// ---------------------------------------------------------------------------------------------
// Matching (pure): which entries of the list a container's start event concerns

/**
 * The container a guest word names, or undefined when it names something else. Mirrors
 * resolveGuest(): netns:NAME, pid:N, N and paths are not containers; docker:NAME always is; a
 * bare word is a container unless a named netns of that name exists.
 */
export function containerRef(guest: string, isNamedNetns: (name: string) => boolean = namedNetnsExists): string | undefined {
  if (guest.startsWith('docker:')) return guest.slice('docker:'.length);
  if (guest === '' || guest.startsWith('netns:') || guest.startsWith('pid:') || /^\d+$/.test(guest) || guest.startsWith('/')) return undefined;
  return isNamedNetns(guest) ? undefined : guest;
}

/** How a container reference (name, ID or ID prefix, as Docker takes them) matches a container. */
export type MatchKind = 'id' | 'name' | 'prefix';

export function matchContainer(ref: string, container: WatchedContainer): MatchKind | undefined {
  if (ref === container.id) return 'id';
  if (ref === container.name.replace(/^\//, '')) return 'name';
  if (/^[0-9a-f]+$/.test(ref) && container.id.startsWith(ref)) return 'prefix';
  return undefined;
}

/**
 * The entries (positions in refs, each the containerRef() of an entry's guest) that a container
 * concerns. A match by ID prefix is only a candidate: Docker prefers a container whose name is
 * the word, which the caller confirms by asking Docker (see watch()).
 */
export function entriesForContainer(refs: readonly (string | undefined)[], container: WatchedContainer): { index: number; match: MatchKind }[] {
  const out: { index: number; match: MatchKind }[] = [];
  refs.forEach((ref, index) => {
    const match = ref === undefined ? undefined : matchContainer(ref, container);
    if (match) out.push({ index, match });
  });
  return out;
}

/**
 * The container of a Docker event if it is a container start, else undefined. Reads the fields of
 * every API version: Type/Action/Actor (1.22 and later), status/id (older; gone since 1.44).
 */
export function containerStartOf(event: unknown): WatchedContainer | undefined {
  if (!event || typeof event !== 'object') return undefined;
  const e = event as { Type?: unknown; Action?: unknown; status?: unknown; id?: unknown; Actor?: { ID?: unknown; Attributes?: Record<string, unknown> } };
  const type = e.Type ?? 'container';
  const action = e.Action ?? e.status;
  if (type !== 'container' || action !== 'start') return undefined;
  const id = e.Actor?.ID ?? e.id;
  const name = e.Actor?.Attributes?.name;
  if (typeof id !== 'string' || id === '') return undefined;
  return { id, name: typeof name === 'string' ? name.replace(/^\//, '') : '' };
}

/** Splits a stream of newline-separated JSON values (Docker's event stream) into values. */
export class JsonLines {
  private rest = '';

  /** The complete values in what has arrived so far; a line that is not JSON is given to onBad. */
  push(chunk: string, onBad?: (line: string) => void): unknown[] {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop()!;
    const out: unknown[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        onBad?.(line);
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// The event stream

const START_FILTER = { type: ['container' as const], event: ['start'] };

function unreachable(e: unknown, socket: string): Error {
  const err = e as { code?: string; statusCode?: number; message?: string };
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'EACCES' || err.code === 'ECONNRESET') return new DockerUnavailableError(socket, err.code);
  return new Error(`asking Docker at ${socket} for its events: ${err.message ?? String(e)}`);
}

/** Opens GET /events?filters={container start}; resolves once Docker has answered (subscribed). */
export async function openEvents(socket: string): Promise<Readable> {
  const { default: Dockerode } = await import('dockerode');
  const docker = new Dockerode({ socketPath: socket });
  try {
    return (await docker.getEvents({ filters: START_FILTER })) as unknown as Readable;
  } catch (e) {
    throw unreachable(e, socket);
  }
}
