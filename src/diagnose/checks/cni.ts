import { networkPlugins } from '../../routeagent/constants.js';
import { routeAgentEnv } from '../../api/agent-env.js';
import { fail, pass, skip, type CheckResult } from '../model.js';
import { agentPods, type ClusterInputs } from '../inputs.js';

/** The network plugin is one the route agent supports. */
export function checkCni(inputs: Pick<ClusterInputs, 'context' | 'submariner' | 'pods'>): CheckResult {
  const lookedAt = 'the Submariner object\'s status.networkPlugin and the route agent\'s SUBMARINER_NETWORKPLUGIN';
  const result = (findings: CheckResult['findings']): CheckResult => ({ check: 'cni', context: inputs.context, lookedAt, findings });
  if (!inputs.submariner) return result([skip('connectivity is not installed (no Submariner object)')]);
  const fromEnv = agentPods(inputs, 'routeagent')[0]?.spec?.containers[0]?.env?.find((e) => e.name === routeAgentEnv.networkPlugin)?.value;
  const plugin = inputs.submariner.status?.networkPlugin ?? fromEnv ?? 'generic';
  const known = networkPlugins as readonly string[];
  if (!known.includes(plugin)) {
    return result([fail(`the network plugin "${plugin}" is not supported`, `use one of ${known.join(', ')}`)]);
  }
  return result([pass(`the network plugin "${plugin}" is supported`)]);
}
