#!/usr/bin/env node
// kubectl-submariner-agent <component>: the entry point of every per-cluster agent container.
// The renderer (src/render/contract.ts) sets `command: [kubectl-submariner-agent, <component>]`.
import { agentComponents, type AgentComponent } from '../render/contract.js';

const mains: Record<AgentComponent, () => Promise<{ main: (env?: NodeJS.ProcessEnv) => Promise<void> }>> = {
  gateway: () => import('../gateway/main.js'),
  routeagent: () => import('../routeagent/main.js'),
  globalnet: () => import('../globalnet/main.js'),
  'lighthouse-agent': () => import('../lighthouse/agent/main.js'),
  'lighthouse-dns': () => import('../lighthouse/dns/main.js'),
};

const component = process.argv[2];
if (component === undefined || !(agentComponents as readonly string[]).includes(component)) {
  process.stderr.write(`usage: kubectl-submariner-agent <${agentComponents.join('|')}>\n`);
  process.exit(2);
}
const { main } = await mains[component as AgentComponent]();
await main(process.env);
