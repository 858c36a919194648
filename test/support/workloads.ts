import { readFileSync } from 'node:fs';
import { packageRoot } from '../../src/base/package.js';
import { exampleImages } from '../../src/image/debian-image.js';
import type { Kubectl } from './kubectl.js';

/** A manifest of manifests/examples (as the demo applies it), placed on `node`. */
function example(name: 'nginx' | 'toolbox', node: string): string {
  return readFileSync(`${packageRoot()}/manifests/examples/${name}.yaml`, 'utf8').replaceAll('NODE_NAME', node);
}

/** The nginx Deployment and its Service on `node`. */
export function nginx(node: string): string {
  return example('nginx', node);
}

/** The toolbox pod (curl, dig, nc, iperf3) on `node`. */
export function toolboxPod(node: string): string {
  return example('toolbox', node);
}

/** An nginx Deployment and Service on one node, and a toolbox pod on another: what the e2e tests talk through. */
export function nginxAndToolbox(nginxNode: string, toolboxNode: string): string {
  return `${nginx(nginxNode)}---\n${toolboxPod(toolboxNode)}`;
}

/** Creates `ns` in cluster1 and cluster2 with nginx and the toolbox on each cluster's worker, and waits for them. */
export async function startNginxAndToolbox(k: Record<'cluster1' | 'cluster2', Kubectl>, ns: string): Promise<void> {
  for (const c of ['cluster1', 'cluster2'] as const) {
    await k[c](['create', 'namespace', ns]);
    await k[c](['apply', '-n', ns, '-f', '-'], nginxAndToolbox(`${c}-worker`, `${c}-worker`));
  }
  for (const c of ['cluster1', 'cluster2'] as const) {
    await k[c](['-n', ns, 'rollout', 'status', 'deployment/nginx', '--timeout=120s']);
    await k[c](['-n', ns, 'wait', '--for=condition=Ready', 'pod/toolbox', '--timeout=120s']);
  }
}

/** verify's and benchmark's flags naming the example images the sandbox stores, in place of their real-world defaults. */
export const sandboxImageFlags: readonly string[] = ['--toolbox-image', exampleImages.toolbox.name, '--server-image', exampleImages.nginx.name];
