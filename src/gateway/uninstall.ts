import type { Cluster, Endpoint, Gateway } from '../api/generated.js';
import { errorText, type Logger } from '../base/log.js';
import type { CableDriver } from '../../plugins/driver.js';
import type { ObjectClient } from './custom-objects.js';

export interface UninstallDeps {
  clusterId: string;
  nodeName: string;
  /** One instance of every driver: each removes what it (or an earlier run) created. */
  drivers: CableDriver[];
  gateways: ObjectClient<Gateway>;
  endpoints: { local: ObjectClient<Endpoint>; broker: ObjectClient<Endpoint> };
  clusters: { local: ObjectClient<Cluster>; broker: ObjectClient<Cluster> };
  log: Logger;
}

/**
 * Removes what this gateway created: every cable driver's devices, routes, rules and daemons, its
 * Gateway object, and this node's Endpoint and the cluster's Cluster, locally and on the broker.
 * Keeps going past failures and reports them all at the end.
 */
export async function uninstallGateway(d: UninstallDeps): Promise<void> {
  const failures: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      failures.push(`${what}: ${errorText(err)}`);
      d.log.warn(`uninstall: ${what} failed`, { error: errorText(err) });
    }
  };
  for (const driver of d.drivers) await attempt(`cleaning up the ${driver.getName()} driver`, () => driver.cleanup());
  await attempt(`deleting Gateway ${d.nodeName}`, () => d.gateways.delete(d.nodeName));
  for (const [side, client] of [['local', d.endpoints.local], ['broker', d.endpoints.broker]] as const) {
    await attempt(`deleting this node's Endpoint (${side})`, async () => {
      for (const ep of await client.list()) {
        if (ep.spec?.cluster_id === d.clusterId && ep.spec.hostname === d.nodeName) await client.delete(ep.metadata?.name ?? '');
      }
    });
  }
  await attempt('deleting the Cluster (local)', () => d.clusters.local.delete(d.clusterId));
  await attempt('deleting the Cluster (broker)', () => d.clusters.broker.delete(d.clusterId));
  if (failures.length > 0) throw new Error(`uninstall did not finish: ${failures.join('; ')}`);
  d.log.info('uninstalled the gateway', { node: d.nodeName });
}
