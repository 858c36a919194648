import { writeFileSync } from 'node:fs';
import yaml from 'js-yaml';

/** How clients reach a running control plane. */
export interface ControlPlaneEndpoint {
  name: string;
  /** URL on the host's loopback. */
  server: string;
  /** URL on the advertise address, reachable from node and pod namespaces. */
  internalServer: string;
  port: number;
  caFile: string;
  caData: string;
  token: string;
}

/** Writes one kubeconfig with a cluster, user and context per control plane, named after the cluster. */
export function writeKubeconfig(
  path: string,
  endpoints: ControlPlaneEndpoint[],
  opts: { server: 'loopback' | 'internal'; currentContext?: string },
): void {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: endpoints.map((e) => ({
      name: e.name,
      cluster: {
        server: opts.server === 'loopback' ? e.server : e.internalServer,
        'certificate-authority-data': Buffer.from(e.caData).toString('base64'),
      },
    })),
    users: endpoints.map((e) => ({ name: `${e.name}-admin`, user: { token: e.token } })),
    contexts: endpoints.map((e) => ({ name: e.name, context: { cluster: e.name, user: `${e.name}-admin` } })),
    'current-context': opts.currentContext ?? endpoints[0]?.name ?? '',
  };
  writeFileSync(path, yaml.dump(doc), { mode: 0o600 });
}
