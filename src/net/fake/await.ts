import { sameRoute, sameRule, type Link, type NsOpt, type Route, type Rule } from '../iproute2/model.js';
import type { IptTable, RuleArgs, TableState } from '../packetfilter/iptables-save.js';
import type { IpBasic } from '../iproute2/ip.js';

export interface AwaitOptions extends NsOpt {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls `probe` until it returns a value; on timeout the error says what was awaited and what was last seen. */
export async function poll<T>(what: string, probe: () => Promise<{ value?: T; seen: unknown }>, o: AwaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 5000);
  for (;;) {
    const { value, seen } = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${o.timeoutMs ?? 5000} ms waiting for ${what}; last seen: ${JSON.stringify(seen)}`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 20));
  }
}

const where = (o: NsOpt): string => (o.netns ? ` in netns ${o.netns}` : '');

export function awaitLink(ip: Pick<IpBasic, 'linkList'>, name: string, o: AwaitOptions = {}): Promise<Link> {
  return poll(`link ${name}${where(o)}`, async () => {
    const links = await ip.linkList(o);
    return { value: links.find((l) => l.name === name), seen: links.map((l) => l.name) };
  }, o);
}

export function awaitNoLink(ip: Pick<IpBasic, 'linkList'>, name: string, o: AwaitOptions = {}): Promise<true> {
  return poll(`no link ${name}${where(o)}`, async () => {
    const links = await ip.linkList(o);
    return { value: links.some((l) => l.name === name) ? undefined : true, seen: links.map((l) => l.name) };
  }, o);
}

/** Waits for a route equal to `route` (see sameRoute) in its table. */
export function awaitRoute(ip: Pick<IpBasic, 'routeList'>, route: Route, o: AwaitOptions = {}): Promise<Route> {
  return poll(`route ${JSON.stringify(route)}${where(o)}`, async () => {
    const routes = await ip.routeList({ netns: o.netns, table: route.table ?? 254 });
    return { value: routes.find((r) => sameRoute(route, r)), seen: routes };
  }, o);
}

export function awaitNoRoute(ip: Pick<IpBasic, 'routeList'>, route: Route, o: AwaitOptions = {}): Promise<true> {
  return poll(`no route ${JSON.stringify(route)}${where(o)}`, async () => {
    const routes = await ip.routeList({ netns: o.netns, table: route.table ?? 254 });
    return { value: routes.some((r) => sameRoute(route, r)) ? undefined : true, seen: routes };
  }, o);
}

/** Waits for a rule matching `rule` (see sameRule). */
export function awaitRule(ip: Pick<IpBasic, 'ruleList'>, rule: Rule, o: AwaitOptions = {}): Promise<Rule> {
  return poll(`rule ${JSON.stringify(rule)}${where(o)}`, async () => {
    const rules = await ip.ruleList(o);
    return { value: rules.find((r) => sameRule(rule, r)), seen: rules };
  }, o);
}

export function awaitNoRule(ip: Pick<IpBasic, 'ruleList'>, rule: Rule, o: AwaitOptions = {}): Promise<true> {
  return poll(`no rule ${JSON.stringify(rule)}${where(o)}`, async () => {
    const rules = await ip.ruleList(o);
    return { value: rules.some((r) => sameRule(rule, r)) ? undefined : true, seen: rules };
  }, o);
}

/** Waits until `chain` holds exactly `rules`, in order (rules written as iptables-save prints them). */
export function awaitChainRules(
  ipt: { readChains(table: IptTable): Promise<TableState> },
  table: IptTable,
  chain: string,
  rules: readonly RuleArgs[],
  o: Omit<AwaitOptions, 'netns'> = {},
): Promise<string[][]> {
  const want = JSON.stringify(rules);
  return poll(`${table}/${chain} to hold ${want}`, async () => {
    const have = (await ipt.readChains(table)).get(chain)?.rules;
    return { value: have && JSON.stringify(have) === want ? have : undefined, seen: have ?? 'no such chain' };
  }, o);
}
