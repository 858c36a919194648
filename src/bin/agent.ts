#!/usr/bin/env node
// kubectl-submariner-agent <component>: the entry point of every per-cluster agent container.
// The renderer (from src/api/agent-env.ts) sets `command: [kubectl-submariner-agent, <component>]`.
// With SUBMARINER_UNINSTALL=true (set by `kubectl submariner uninstall`), the component removes what it
// created on its node instead of running, then marks its pod as done and waits to be deleted.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mergePatch } from '../kube/apply.js';
import { agentComponents, commonEnv, podEnv, uninstallEnv, type AgentComponent } from '../api/agent-env.js';
import { annotations } from '../api/names.js';
import { packageJson } from '../base/package.js';

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

const usage = `usage: kubectl-submariner-agent <${agentComponents.join('|')}> [--help] | --version\n`;
const version = `kubectl-submariner-agent ${packageJson().version} (Node.js ${process.version})\n`;
const [component, ...flags] = process.argv.slice(2);
if (component === '--version') {
  process.stdout.write(version);
  process.exit(0);
}
if (component === '--help' || component === '-h') {
  process.stdout.write(usage);
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
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', component, message: 'uninstalled; waiting to be deleted' })}\n`);
  setInterval(() => undefined, 1 << 30);
  process.on('SIGTERM', () => process.exit(0));
} else {
  await agent.main(process.env);
}
