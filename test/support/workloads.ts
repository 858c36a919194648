import { readFileSync } from 'node:fs';
import { packageRoot } from '../../src/base/package.js';

/** A manifest of manifests/examples (as the demo applies it), placed on `node`. */
function example(name: 'nginx' | 'toolbox', node: string): string {
  return readFileSync(`${packageRoot()}/manifests/examples/${name}.yaml`, 'utf8').replaceAll('NODE_NAME', node);
}

/** An nginx Deployment and Service on one node, and a toolbox pod on another: what the e2e tests talk through. */
export function nginxAndToolbox(nginxNode: string, toolboxNode: string): string {
  return `${example('nginx', nginxNode)}---\n${example('toolbox', toolboxNode)}`;
}
