import type { Reporter } from '../base/reporter.js';
import { errorMessage } from '../base/errors.js';
import type { PodExec } from '../kube/exec.js';
import type { Target } from '../show/data/gather.js';
import { checkCni } from './checks/cni.js';
import { checkConnections } from './checks/connections.js';
import { checkDeployment } from './checks/deployment.js';
import { checkFirewall, planProbes, probeCount, senderScript, type ProbePlan, type ProbeRecord } from './checks/firewall.js';
import { checkGlobalnet } from './checks/globalnet.js';
import { checkK8sVersion } from './checks/k8s-version.js';
import { checkKubeProxyMode } from './checks/kube-proxy-mode.js';
import { checkServiceDiscovery } from './checks/service-discovery.js';
import { collectInputs, type ClusterInputs } from './inputs.js';
import { checkNames, fail, type CheckName, type CheckResult } from './model.js';

/** The single-cluster checks: pure functions of a cluster's recorded inputs. */
export const clusterChecks: Record<Exclude<CheckName, 'firewall'>, (inputs: ClusterInputs) => CheckResult> = {
  'k8s-version': checkK8sVersion,
  cni: checkCni,
  'kube-proxy-mode': checkKubeProxyMode,
  deployment: checkDeployment,
  connections: checkConnections,
  'service-discovery': checkServiceDiscovery,
  globalnet: checkGlobalnet,
};

export interface DiagnoseTarget extends Target {
  exec: PodExec;
}

/** The verdict of every requested check over every cluster. */
export interface DiagnoseReport {
  results: CheckResult[];
  /** Clusters that could not be read at all. */
  unreachable: { context: string; error: string }[];
}

/** A control port for the firewall probes: high, random, and not one Submariner uses. */
function controlPort(): number {
  return 40000 + Math.floor(Math.random() * 20000);
}

/** Sends one probe and reads what the receiver saw. */
export async function runProbe(plan: ProbePlan, execFor: (context: string) => PodExec, control = controlPort()): Promise<ProbeRecord> {
  const sender = await execFor(plan.from.context).exec(plan.from.pod, ['node', '-e', senderScript, plan.to.ip, String(plan.port), String(control), String(probeCount)]);
  const receiver = execFor(plan.to.context);
  const conntrack = await receiver.exec(plan.to.pod, ['cat', '/proc/net/nf_conntrack']);
  const rules = async (exec: PodExec, pod: ProbePlan['from']['pod']): Promise<string | undefined> => {
    const r = await exec.exec(pod, ['iptables-save']);
    return r.code === 0 ? r.stdout : undefined;
  };
  return {
    ...plan,
    controlPort: control,
    sender,
    conntrack,
    receiverRules: await rules(receiver, plan.to.pod),
    senderRules: await rules(execFor(plan.from.context), plan.from.pod),
  };
}

/**
 * Runs `checks` over `targets`: reads each cluster's objects and node state, then judges them; the firewall
 * check sends its probes between the clusters' gateways and from every node to its gateway.
 */
export async function diagnose(targets: readonly DiagnoseTarget[], checks: readonly CheckName[], reporter: Reporter): Promise<DiagnoseReport> {
  const inputs: ClusterInputs[] = [];
  const unreachable: DiagnoseReport['unreachable'] = [];
  const needsNodes = checks.some((c) => c === 'deployment' || c === 'kube-proxy-mode');
  for (const t of targets) {
    try {
      inputs.push(await reporter.step(`Reading the Submariner objects of ${t.context}`, () => collectInputs(t, needsNodes ? t.exec : undefined)));
    } catch (err) {
      unreachable.push({ context: t.context, error: errorMessage(err) });
    }
  }
  const results: CheckResult[] = [];
  for (const check of checkNames.filter((c) => checks.includes(c))) {
    if (check === 'firewall') {
      const { plans, skipped } = planProbes(inputs);
      const execFor = (context: string): PodExec => (targets.find((t) => t.context === context) as DiagnoseTarget).exec;
      const records: ProbeRecord[] = [];
      for (const plan of plans) {
        records.push(await reporter.step(`Sending UDP ${plan.port} from ${plan.from.node} to ${plan.to.node}`, () => runProbe(plan, execFor)));
      }
      for (const i of inputs) {
        results.push(checkFirewall(i.context, records, skipped.filter((s) => s.context === i.context).map((s) => s.finding), inputs.length < 2));
      }
      continue;
    }
    for (const i of inputs) results.push(clusterChecks[check](i));
  }
  for (const u of unreachable) {
    results.push({ check: 'deployment', context: u.context, lookedAt: 'the cluster\'s API server', findings: [fail(`cannot reach ${u.context}: ${u.error}`, 'check the kubeconfig context and that the API server is up')] });
  }
  return { results, unreachable };
}
