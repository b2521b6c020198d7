// A minimal JSON-RPC 1.0 client over a unix stream socket, as OVSDB speaks it (RFC 7047 section 4):
// messages are JSON objects sent back to back with no framing; a request is {method, params, id}, a
// response {result, error, id}, a notification a request whose id is null. Either side may send
// requests: the server's "echo" (its liveness probe) is answered here with the same params, as the RFC
// requires, or the server drops the connection.
import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { EventEmitter } from 'node:events';

/** The server answered a request with a non-null error. */
export class JsonRpcError extends Error {
  /** the error member as sent (for OVSDB usually an object with "error" and "details") */
  readonly error: unknown;
  readonly method: string;
  constructor(method: string, error: unknown, context: string) {
    super(`${context}: ${method} failed: ${describeError(error)}`);
    this.name = 'JsonRpcError';
    this.error = error;
    this.method = method;
  }
}

/** The connection could not be made, broke, or a request got no answer in time. */
export class JsonRpcConnectionError extends Error {
  readonly code?: string;
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JsonRpcConnectionError';
    this.code = options?.code;
  }
}

export class JsonRpcTimeoutError extends JsonRpcConnectionError {
  constructor(message: string) {
    super(message, { code: 'ETIMEDOUT' });
    this.name = 'JsonRpcTimeoutError';
  }
}

function describeError(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { error?: unknown; details?: unknown };
    if (typeof e.error === 'string') return e.details === undefined ? e.error : `${e.error} (${String(e.details)})`;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/**
 * Splits a byte stream into the JSON texts it carries back to back (objects or arrays, with optional
 * whitespace between them), without parsing them. Keeps its scan position, so each byte is looked at once.
 */
export class JsonStreamSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  private pos = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;

  /** Feeds bytes; returns the complete JSON texts they finish. Throws on bytes that cannot start a text. */
  push(chunk: Buffer | string): string[] {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: string[] = [];
    const buf = this.buf;
    for (let i = this.pos; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) this.inString = false;
        continue;
      }
      if (this.depth === 0) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (c !== 0x7b /* { */ && c !== 0x5b /* [ */) {
          throw new SyntaxError(`JSON-RPC stream: unexpected ${JSON.stringify(buf[i])} between messages`);
        }
        this.start = i;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.depth--;
        if (this.depth === 0) {
          out.push(buf.slice(this.start, i + 1));
          this.start = -1;
        }
      }
    }
    // Keep only the unfinished text, if any.
    if (this.start >= 0) {
      this.buf = buf.slice(this.start);
      this.pos = this.buf.length;
      this.start = 0;
    } else {
      this.buf = '';
      this.pos = 0;
    }
    return out;
  }

  /** Whether a text has started and not finished. */
  get pending(): boolean {
    return this.start >= 0;
  }
}

export interface JsonRpcClientOptions {
  /** default time to wait for each answer, in ms (default 10 s); 0 waits forever */
  timeoutMs?: number;
  /** how the peer is named in errors, e.g. "ovsdb unix:/var/run/openvswitch/db.sock" */
  label?: string;
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Events: 'request' (method, params, id) for server requests other than echo, 'notification'
 * (method, params), 'echo' (params) after answering one, 'close' (error?) once.
 */
export class JsonRpcClient extends EventEmitter {
  readonly label: string;
  private readonly socket: Socket;
  private readonly splitter = new JsonStreamSplitter();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closedWith: Error | undefined;
  private readonly timeoutMs: number;

  private constructor(socket: Socket, opts: JsonRpcClientOptions, label: string) {
    super();
    this.socket = socket;
    this.label = label;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.shutdown(new JsonRpcConnectionError(`${label}: ${e.message}`, { cause: e, code: (e as NodeJS.ErrnoException).code })));
    socket.on('close', () => this.shutdown(new JsonRpcConnectionError(`${label}: the server closed the connection`, { code: 'ECONNRESET' })));
  }

  /** Connects to a unix socket. Rejects with JsonRpcConnectionError (code ENOENT, ECONNREFUSED, ...). */
  static connect(path: string, opts: JsonRpcClientOptions = {}): Promise<JsonRpcClient> {
    const label = opts.label ?? `unix:${path}`;
    return new Promise((resolve, reject) => {
      const socket = connect({ path });
      const timeout = opts.timeoutMs ?? 10_000;
      const timer = timeout > 0 ? setTimeout(() => {
        socket.destroy();
        reject(new JsonRpcTimeoutError(`${label}: no connection within ${timeout} ms`));
      }, timeout) : undefined;
      const onError = (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const hint = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? ' (is the server running?)' : '';
        reject(new JsonRpcConnectionError(`${label}: cannot connect: ${e.message}${hint}`, { cause: e, code: e.code }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new JsonRpcClient(socket, opts, label));
      });
    });
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Sends a request and resolves with its result; rejects with JsonRpcError, or a connection/timeout error. */
  request(method: string, params: unknown[], opts: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const p: Pending = { method, resolve, reject };
      const timeout = opts.timeoutMs ?? this.timeoutMs;
      if (timeout > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new JsonRpcTimeoutError(`${this.label}: no answer to ${method} within ${timeout} ms`));
        }, timeout);
      }
      this.pending.set(id, p);
      this.send({ method, params, id });
    });
  }

  /** Sends a notification (a request with id null): no answer is expected. */
  notify(method: string, params: unknown[]): void {
    if (this.closedWith) throw this.closedWith;
    this.send({ method, params, id: null });
  }

  /** Closes the connection; pending requests are rejected. */
  close(): void {
    this.shutdown(new JsonRpcConnectionError(`${this.label}: connection closed by the client`, { code: 'ECONNABORTED' }));
  }

  private send(msg: object): void {
    this.socket.write(JSON.stringify(msg));
  }

  private onData(chunk: Buffer): void {
    let texts: string[];
    try {
      texts = this.splitter.push(chunk);
    } catch (e) {
      this.shutdown(new JsonRpcConnectionError(`${this.label}: ${(e as Error).message}`, { cause: e, code: 'EPROTO' }));
      return;
    }
    for (const text of texts) {
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch (e) {
        this.shutdown(new JsonRpcConnectionError(`${this.label}: invalid JSON from the server: ${(e as Error).message}`, { cause: e, code: 'EPROTO' }));
        return;
      }
      this.dispatch(msg);
      if (this.closedWith) return;
    }
  }

  private dispatch(msg: unknown): void {
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
      this.shutdown(new JsonRpcConnectionError(`${this.label}: a JSON-RPC message must be an object, got ${JSON.stringify(msg)}`, { code: 'EPROTO' }));
      return;
    }
    const m = msg as { method?: unknown; params?: unknown; id?: unknown; result?: unknown; error?: unknown };
    if (typeof m.method === 'string') {
      const params = Array.isArray(m.params) ? m.params : [];
      if (m.id === null || m.id === undefined) {
        this.emit('notification', m.method, params);
      } else if (m.method === 'echo') {
        this.send({ result: params, error: null, id: m.id });
        this.emit('echo', params);
      } else if (this.listenerCount('request') > 0) {
        this.emit('request', m.method, params, m.id);
      } else {
        this.send({ result: null, error: `unknown method ${m.method}`, id: m.id });
      }
      return;
    }
    if (typeof m.id !== 'number') return; // an answer to nothing we sent (e.g. after its timeout)
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error !== null && m.error !== undefined) p.reject(new JsonRpcError(p.method, m.error, this.label));
    else p.resolve(m.result);
  }

  /** Answers a server request delivered through the 'request' event. */
  respond(id: unknown, result: unknown, error: unknown = null): void {
    if (!this.closedWith) this.send({ result, error, id });
  }

  private shutdown(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new JsonRpcConnectionError(`${reason.message} (while waiting for ${p.method})`, { cause: reason, code: (reason as JsonRpcConnectionError).code }));
    }
    this.pending.clear();
    this.socket.destroy();
    this.emit('close', reason);
  }
}
