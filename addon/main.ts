// `kubectl-submariner-agent addon`: the hub addon controller, until SIGTERM or SIGINT.
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, EnvReader, dnsLabel } from '../src/base/env.js';
import { jsonLogger } from '../src/base/log.js';
import { defaultRepository } from '../src/render/values.js';
import { AddonController, type AddonControllerOptions } from './controller.js';
import { addonEnv } from './names.js';

/** The controller's settings, parsed once from the environment. */
export function parseAddonEnv(env: NodeJS.ProcessEnv, kc: KubeConfig): Omit<AddonControllerOptions, 'log'> & { debug: boolean } {
  const e = new EnvReader(env);
  const brokerUrl = e.raw(addonEnv.brokerUrl);
  if (!/^https:\/\/[^/\s]+/.test(brokerUrl)) {
    throw new ConfigError(`${addonEnv.brokerUrl}=${JSON.stringify(brokerUrl)} is invalid: set it to the hub API server's https URL as managed clusters reach it`);
  }
  return {
    kc,
    brokerUrl,
    clusterSets: e.list(addonEnv.clusterSets, false, 'comma-separated ManagedClusterSet names', (s) => {
      if (!dnsLabel.test(s)) throw new Error(`"${s}" is not a ManagedClusterSet name`);
      return s;
    }),
    repository: e.string(addonEnv.repository, defaultRepository),
    version: e.raw(addonEnv.version) || undefined,
    uninstallTimeoutMs: e.integer(addonEnv.uninstallTimeout, 120, 1, 3600) * 1000,
    debug: e.boolean(addonEnv.debug, false),
  };
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const { debug, ...options } = parseAddonEnv(env, kc);
  const log = jsonLogger('addon', debug);
  const controller = new AddonController({ ...options, log });
  await controller.start();
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping', { signal });
  await controller.stop();
}
