// "What is the guest?" A command-line word becomes a namespace handle:
//   netns:NAME      a named namespace (/var/run/netns/NAME)
//   pid:N or N      the namespace of process N
//   /path           any namespace file (a bind mount, /proc/N/ns/net, ...)
//   WORD            a named namespace if one exists, else a Docker container (name, ID or ID prefix)
//   docker:WORD     a Docker container, never a named namespace
import { checkNetnsName, currentInode, namedNetnsExists, Netns } from '../netns/netns.js';
import { InputError, NotFoundError } from '../util/errors.js';
import { DockerUnavailableError, inspectContainer } from './docker.js';

export type GuestKind = 'container' | 'netns' | 'pid' | 'path';

export interface Guest {
  kind: GuestKind;
  /** the word the user gave */
  ref: string;
  netns: Netns;
  /** the PID the namespace was reached through, if any (names pipework's interfaces) */
  pid?: number;
  /** a stable short key for generated names and run directories */
  key: string;
  container?: { id: string; name: string };
}

export interface ResolveOptions {
  /** Docker Engine socket; default from DOCKER_HOST or /var/run/docker.sock */
  dockerSocket?: string;
}

/** The guest does not exist, or is not running: for `del`, there is nothing left to remove. */
export class GuestNotFoundError extends NotFoundError {
  constructor(problem: string, hint?: string) {
    super(problem, hint);
    this.name = 'GuestNotFoundError';
  }
}

export async function resolveGuest(ref: string, options: ResolveOptions = {}): Promise<Guest> {
  const guest = await locate(ref, options);
  // A guest that shares our namespace (a --net=host container, our own PID, ...) would have the
  // host's own interfaces rewired: refuse it.
  if (guest.netns.inode === currentInode()) {
    guest.netns.close();
    throw new InputError(`${guest.netns.label} is this host's own network namespace`, 'pipework wires containers with their own netns (not --net=host)');
  }
  return guest;
}

async function locate(ref: string, options: ResolveOptions): Promise<Guest> {
  if (ref === '') throw new InputError('the guest is empty', 'give a container name, netns:NAME, pid:N or a netns path');
  if (ref.startsWith('netns:')) {
    const name = ref.slice(6);
    return { kind: 'netns', ref, netns: namedOrFail(name), key: name };
  }
  if (ref.startsWith('pid:') || /^\d+$/.test(ref)) {
    const pid = Number(ref.startsWith('pid:') ? ref.slice(4) : ref);
    if (!Number.isInteger(pid) || pid <= 0) throw new InputError(`"${ref}" is not a process ID`);
    return { kind: 'pid', ref, netns: Netns.byPid(pid), pid, key: String(pid) };
  }
  if (ref.startsWith('/')) {
    const ns = Netns.byPath(ref);
    return { kind: 'path', ref, netns: ns, key: `ns${ns.inode}` };
  }
  if (ref.startsWith('docker:')) return container(ref.slice(7), ref, options, true);
  if (namedNetnsExists(ref)) return { kind: 'netns', ref, netns: Netns.byName(ref), key: ref };
  return container(ref, ref, options, false);
}

function namedOrFail(name: string): Netns {
  checkNetnsName(name);
  if (!namedNetnsExists(name)) throw new GuestNotFoundError(`there is no network namespace named ${name}`, `create it with "ip netns add ${name}" or check the name`);
  return Netns.byName(name);
}

async function container(name: string, ref: string, options: ResolveOptions, explicit: boolean): Promise<Guest> {
  let info;
  try {
    info = await inspectContainer(name, options.dockerSocket);
  } catch (e) {
    if (e instanceof DockerUnavailableError) {
      throw new InputError(
        explicit ? `cannot look up container ${name}: ${e.message}` : `"${name}" is neither a named netns nor a container: ${e.message}`,
        'start Docker or set DOCKER_HOST, or name the guest as netns:NAME, pid:N or a netns path',
      );
    }
    throw e;
  }
  if (!info) {
    throw new GuestNotFoundError(
      explicit ? `Docker knows no container ${name}` : `"${name}" is neither a named netns nor a container known to Docker`,
      'check the name with "docker ps" or "ip netns list"',
    );
  }
  if (!info.running || info.pid === 0) {
    throw new GuestNotFoundError(`container ${info.name} is not running (${info.status})`, `start it first: docker start ${info.name}`);
  }
  if (info.networkMode === 'host') {
    throw new InputError(`container ${info.name} uses the host's network (--net=host)`, 'pipework wires containers that have their own netns');
  }
  const netns = Netns.byPid(info.pid).relabel(`container ${info.name}`);
  return { kind: 'container', ref, netns, pid: info.pid, key: info.id.slice(0, 12), container: { id: info.id, name: info.name } };
}
