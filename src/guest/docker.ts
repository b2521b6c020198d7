// Docker (and Podman's Docker-compatible API): a container name, ID or ID prefix -> its PID.
// Talks to the Engine API over its unix socket; DOCKER_HOST (unix://...) is honoured. A PID from a
// daemon on another machine means nothing here, so only unix sockets are accepted.
// dockerode (and what it pulls in) takes ~250 ms and ~25 MB to load: loaded on the first container
// lookup only, so that wiring a named netns or a PID, and the library's bulk path, never pay for it.
import type Docker from 'dockerode';
import { InputError } from '../util/errors.js';

export interface ContainerInfo {
  id: string;
  name: string;
  pid: number;
  running: boolean;
  status: string;
  /** "host" for --net=host, "container:<id>" when sharing another's netns, ... */
  networkMode?: string;
}

export function dockerSocketPath(): string {
  const host = process.env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  throw new InputError(`DOCKER_HOST=${host} is not a local unix socket`, 'a container PID is only meaningful on this machine: use unix:///path/to/docker.sock');
}

/** Looks a container up; undefined if the daemon does not know it. Throws if there is no daemon. */
export async function inspectContainer(ref: string, socketPath = dockerSocketPath()): Promise<ContainerInfo | undefined> {
  const { default: Dockerode } = await import('dockerode');
  const docker = new Dockerode({ socketPath });
  let data: Docker.ContainerInspectInfo;
  try {
    data = await docker.getContainer(ref).inspect();
  } catch (e) {
    const err = e as { statusCode?: number; code?: string; message?: string };
    if (err.statusCode === 404) return undefined;
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'EACCES') {
      throw new DockerUnavailableError(socketPath, err.code);
    }
    throw new Error(`asking Docker at ${socketPath} about container ${ref}: ${err.message ?? String(e)}`);
  }
  return {
    id: data.Id,
    name: data.Name.replace(/^\//, ''),
    pid: data.State.Pid,
    running: data.State.Running,
    status: data.State.Status,
    networkMode: data.HostConfig?.NetworkMode,
  };
}

export class DockerUnavailableError extends Error {
  constructor(readonly socketPath: string, readonly code: string) {
    super(`no Docker daemon at ${socketPath} (${code})`);
    this.name = 'DockerUnavailableError';
  }
}
