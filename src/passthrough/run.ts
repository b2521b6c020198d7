// `pipework route|rule|tc <guest> ...`, natively: parse the iproute2/tc words, resolve `dev` names in the
// guest's namespace, send the requests on a netlink socket that was opened inside that namespace, and
// return what `ip`/`tc` would print (text or JSON). Modifying commands print nothing, as ip and tc do.
//
// Everything is synchronous (the netlink session is), so a caller may run these between other steps
// without yielding. Errors: InputError for what the user wrote (names the word and the fix), KernelError
// for what the kernel refused (errno and the kernel's own message, with the command as the operation).
import { type RouteCommand, type RouteListCommand, parseRoute } from '../grammar/route.js';
import { type RuleCommand, parseRule } from '../grammar/rule.js';
import { type TcCommand, parseTc } from '../grammar/tc.js';
import { isKernelError } from '../netlink/errors.js';
import type { NetlinkSocket } from '../netlink/session.js';
import { InputError } from '../util/errors.js';
import { getLink, listLinks } from '../ops/link.js';
import {
  decodeShownRoute, isCloned, routeJson, routeMatches, routeText, ruleJson, ruleMatches, ruleText, type ShownRoute,
} from './show.js';
import { deleteDumpedRouteRequest, routeDumpRequest, routeGetRequest, routeRequest } from '../ops/route.js';
import { deleteDumpedRuleRequest, listRules, ruleRequest } from '../ops/rule.js';
import { classJson, classRequest, classText, listClasses, listQdiscs, qdiscJson, qdiscRequest, qdiscText } from '../ops/tc/qdisc.js';
import { TC_H_INGRESS, TC_H_ROOT } from '../ops/tc/constants.js';

export interface PassthroughOptions {
  /** print JSON (as `ip -j` / `tc -j`) instead of text; `-j` in argv does the same */
  json?: boolean;
  /** where the socket is, for messages: " in netns of pid 4321" (with the leading space) */
  where?: string;
}

function commandLine(tool: string, argv: readonly string[]): string {
  return [tool, ...argv].join(' ');
}

function resolveDev(sock: NetlinkSocket, name: string, tool: string, where: string): number {
  const link = getLink(sock, { name }, where);
  if (!link) throw new InputError(`${tool}: cannot find device "${name}"${where}`, 'check the interface name inside the guest (pipework route <guest> show lists what is there)');
  return link.index;
}

function linkNames(sock: NetlinkSocket, where: string): Map<number, string> {
  return new Map(listLinks(sock, where).map((l) => [l.index, l.name]));
}

/** Where the socket is (for messages), whether to print JSON, and the operation as errors name it. */
function commandContext(line: string, opts: PassthroughOptions, cmd: { json: boolean }): { where: string; json: boolean; what: string } {
  const where = opts.where ?? '';
  return { where, json: opts.json || cmd.json, what: `${line}${where}` };
}

function print(items: unknown[], lines: string[], json: boolean, pretty = false): string {
  if (json) return JSON.stringify(items, null, pretty ? 4 : undefined) + '\n';
  return lines.length ? lines.join('\n') + '\n' : '';
}

// ---- ip route ----

/** Runs `ip route ARGV` in the namespace of sock; returns what ip would print. */
export function runRoute(sock: NetlinkSocket, argv: readonly string[], opts: PassthroughOptions = {}): string {
  const cmd = parseRoute(argv);
  return executeRoute(sock, cmd, commandLine('ip route', argv), opts);
}

export function executeRoute(sock: NetlinkSocket, cmd: RouteCommand, line: string, opts: PassthroughOptions = {}): string {
  const { where, json, what } = commandContext(line, opts, cmd);
  switch (cmd.kind) {
    case 'modify': {
      const oif = cmd.dev !== undefined ? resolveDev(sock, cmd.dev, 'ip route', where) : undefined;
      sock.request(routeRequest(cmd.op, { ...cmd.spec, oif }, what));
      return '';
    }
    case 'get': {
      const oif = cmd.dev !== undefined ? resolveDev(sock, cmd.dev, 'ip route', where) : undefined;
      const iif = cmd.iif !== undefined ? resolveDev(sock, cmd.iif, 'ip route', where) : undefined;
      const replies = sock.request(routeGetRequest({ family: cmd.family, to: cmd.to.bytes, from: cmd.from?.bytes, iif, oif, mark: cmd.mark }, what));
      const routes = replies.map(decodeShownRoute).filter((r): r is ShownRoute => r !== undefined);
      const names = linkNames(sock, where);
      return print(
        routes.map((r) => routeJson(r, names, {}, true)),
        routes.map((r) => routeText(r, names, {}, true)),
        json,
      );
    }
    case 'show':
    case 'flush':
      return listOrFlushRoutes(sock, cmd, what, where, json);
  }
}

function dumpRoutes(sock: NetlinkSocket, cmd: RouteListCommand, what: string): ShownRoute[] {
  const out: ShownRoute[] = [];
  const table = cmd.selector.table;
  for (const family of cmd.families) {
    let found;
    try {
      found = sock.dump(routeDumpRequest(family, table === 'all' ? undefined : table, what));
    } catch (e) {
      // A table that was never created has no routes: the kernel says ENOENT, we show nothing.
      if (isKernelError(e, 'ENOENT')) continue;
      throw e;
    }
    for (const m of found) {
      const r = decodeShownRoute(m);
      if (r && !isCloned(r)) out.push(r);
    }
  }
  return out;
}

function listOrFlushRoutes(sock: NetlinkSocket, cmd: RouteListCommand, what: string, where: string, json: boolean): string {
  const sel = cmd.selector;
  const devIndex = sel.dev !== undefined ? resolveDev(sock, sel.dev, 'ip route', where) : undefined;
  const routes = dumpRoutes(sock, cmd, what).filter((r) => routeMatches(r, sel, devIndex));
  if (cmd.kind === 'flush') {
    const reqs = routes.map((r) => deleteDumpedRouteRequest(r, what));
    for (const o of sock.batch(reqs)) {
      // ESRCH: already gone (a route removed along with another one); anything else is real.
      if (o.error && o.error.code !== 'ESRCH') throw o.error;
    }
    return '';
  }
  const names = linkNames(sock, where);
  // Like iproute2, leave out what the selector fixed.
  const omit = {
    dev: sel.dev !== undefined,
    protocol: sel.protocol !== undefined,
    scope: sel.scope !== undefined,
    table: sel.table !== 'all',
    via: sel.via !== undefined,
    src: sel.src !== undefined,
    metric: sel.metric !== undefined,
  };
  return print(
    routes.map((r) => routeJson(r, names, omit)),
    routes.map((r) => routeText(r, names, omit)),
    json,
  );
}

// ---- ip rule ----

/** Runs `ip rule ARGV` in the namespace of sock; returns what ip would print. */
export function runRule(sock: NetlinkSocket, argv: readonly string[], opts: PassthroughOptions = {}): string {
  const cmd = parseRule(argv);
  return executeRule(sock, cmd, commandLine('ip rule', argv), opts);
}

export function executeRule(sock: NetlinkSocket, cmd: RuleCommand, line: string, opts: PassthroughOptions = {}): string {
  const { where, json, what } = commandContext(line, opts, cmd);
  if (cmd.kind === 'modify') {
    sock.request(ruleRequest(cmd.op, cmd.spec, what));
    return '';
  }
  const rules = cmd.families.flatMap((f) => listRules(sock, f, where)).filter((r) => ruleMatches(r, cmd.filter));
  if (cmd.kind === 'flush') {
    // As ip rule flush: every matching rule but those at priority 0 (the local table's lookup).
    const reqs = rules.filter((r) => r.priority !== 0).map((r) => deleteDumpedRuleRequest(r, what));
    for (const o of sock.batch(reqs)) if (o.error && o.error.code !== 'ENOENT') throw o.error;
    return '';
  }
  return print(rules.map(ruleJson), rules.map(ruleText), json);
}

// ---- tc ----

/** Runs `tc ARGV` in the namespace of sock; returns what tc would print. */
export function runTc(sock: NetlinkSocket, argv: readonly string[], opts: PassthroughOptions = {}): string {
  const cmd = parseTc(argv);
  return executeTc(sock, cmd, commandLine('tc', argv), opts);
}

export function executeTc(sock: NetlinkSocket, cmd: TcCommand, line: string, opts: PassthroughOptions = {}): string {
  const { where, json, what } = commandContext(line, opts, cmd);
  if (cmd.object === 'qdisc') {
    if (cmd.verb !== 'show') {
      const ifindex = resolveDev(sock, cmd.dev, 'tc', where);
      sock.request(qdiscRequest(cmd.verb, { ifindex, parent: cmd.parent, handle: cmd.handle, qdisc: cmd.qdisc }, what));
      return '';
    }
    const ifindex = cmd.dev !== undefined ? resolveDev(sock, cmd.dev, 'tc', where) : undefined;
    const list = listQdiscs(sock, ifindex, where).filter(
      (q) =>
        (!cmd.root || q.parent === TC_H_ROOT) &&
        (!cmd.ingress || q.parent === TC_H_INGRESS) &&
        (cmd.handle === undefined || q.handle === cmd.handle) &&
        (cmd.parent === undefined || q.parent === cmd.parent),
    );
    const p = { devNames: ifindex === undefined ? linkNames(sock, where) : undefined, stats: cmd.stats };
    return print(list.map((q) => qdiscJson(q, p)), list.map((q) => qdiscText(q, p)), json, cmd.pretty);
  }
  const ifindex = resolveDev(sock, cmd.dev, 'tc', where);
  if (cmd.verb !== 'show') {
    sock.request(classRequest(cmd.verb, { ifindex, classid: cmd.classid, parent: cmd.parent, htb: cmd.htb }, what));
    return '';
  }
  const list = listClasses(sock, ifindex, where).filter(
    (c) =>
      (!cmd.root || c.parent === TC_H_ROOT) &&
      (cmd.parent === undefined || c.parent === cmd.parent) &&
      (cmd.classid === undefined || c.handle === cmd.classid),
  );
  const p = { stats: cmd.stats };
  return print(list.map((c) => classJson(c, p)), list.map((c) => classText(c, p)), json, cmd.pretty);
}

/** The three passthrough commands by name, for the CLI. */
export function runPassthrough(tool: 'route' | 'rule' | 'tc', sock: NetlinkSocket, argv: readonly string[], opts: PassthroughOptions = {}): string {
  if (tool === 'route') return runRoute(sock, argv, opts);
  if (tool === 'rule') return runRule(sock, argv, opts);
  return runTc(sock, argv, opts);
}
