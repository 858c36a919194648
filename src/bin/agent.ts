#!/usr/bin/env node
// kubectl-submariner-agent <component>: the entry point of every per-cluster agent container, and of the hub
// addon controller (`kubectl-submariner-agent addon`).
// The renderer (from src/api/agent-env.ts) sets `command: [kubectl-submariner-agent, <component>]`.
// With SUBMARINER_UNINSTALL=true (set by `kubectl submariner uninstall`), the component removes what it
// created on its node instead of running, then marks its pod as done and waits to be deleted.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mergePatch } from '../kube/apply.js';
import { agentComponents, commonEnv, podEnv, uninstallEnv, uninstalledMarker, type AgentComponent } from '../api/agent-env.js';
import { annotations } from '../api/names.js';
import { packageJson } from '../base/package.js';
import { writeFile } from 'node:fs/promises';

interface AgentModule {
  main: (env: NodeJS.ProcessEnv) => Promise<void>;
  uninstall?: (env: NodeJS.ProcessEnv) => Promise<void>;
}

const modules: Record<AgentComponent, () => Promise<AgentModule>> = {
  gateway: () => import('../gateway/main.js'),
  routeagent: () => import('../routeagent/main.js'),
  globalnet: () => import('../globalnet/main.js'),
  'lighthouse-agent': () => import('../lighthouse/agent/main.js'),
  'lighthouse-dns': () => import('../lighthouse/dns/main.js'),
  operator: () => import('../operator/main.js'),
};

async function markUninstalled(env: NodeJS.ProcessEnv): Promise<void> {
  const name = env[podEnv.podName];
  const namespace = env[commonEnv.namespace];
  if (!name || !namespace) return;
  const kc = new KubeConfig();
  kc.loadFromCluster();
  await kc.makeApiClient(CoreV1Api).patchNamespacedPod({ name, namespace, body: { metadata: { annotations: { [annotations.uninstalled]: 'true' } } } }, mergePatch);
}

/** Roles that are not per-cluster agents. */
const roles: Record<string, () => Promise<{ main: (env: NodeJS.ProcessEnv) => Promise<void> }>> = {
  addon: () => import('../../addon/main.js'),
};

const usage = `usage: kubectl-submariner-agent <${[...agentComponents, ...Object.keys(roles)].join('|')}> [--help] | --version
`;
const version = `kubectl-submariner-agent ${packageJson().version} (Node.js ${process.version})
`;
const [component, ...flags] = process.argv.slice(2);
if (component === '--version') {
  process.stdout.write(version);
  process.exit(0);
}
if (component === '--help' || component === '-h') {
  process.stdout.write(usage);
  process.exit(0);
}
const role = component === undefined ? undefined : roles[component];
if (role !== undefined) {
  const loaded = await role();
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(`kubectl-submariner-agent ${component}: the hub ${component} controller, configured by its environment
${version}`);
    process.exit(0);
  }
  await loaded.main(process.env);
  process.exit(0);
}
if (component === undefined || !(agentComponents as readonly string[]).includes(component)) {
  process.stderr.write(usage);
  process.exit(2);
}
const uninstalling = process.env[uninstallEnv] === 'true';
const agent = await modules[component as AgentComponent]();
if (flags.includes('--help') || flags.includes('-h')) {
  // The component's code has loaded with everything it imports: it would start.
  process.stdout.write(`kubectl-submariner-agent ${component}: the ${component} agent, configured by its environment (SUBMARINER_* variables)\n${version}`);
  process.exit(0);
}
if (uninstalling) {
  await agent.uninstall?.(process.env);
  await markUninstalled(process.env);
  await writeFile(uninstalledMarker, new Date().toISOString()).catch(() => undefined);
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', component, message: 'uninstalled; waiting to be deleted' })}\n`);
  setInterval(() => undefined, 1 << 30);
  process.on('SIGTERM', () => process.exit(0));
} else {
  await agent.main(process.env);
}
