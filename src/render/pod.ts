import { agentCommand, brokerEnv, brokerSecretKeys, commonEnv, type AgentComponent } from '../api/agent-env.js';
import { meta, object, type KubeObject } from './types.js';
import { brokerApiServer, type ClusterValues } from './values.js';
import { managedByLabels, names } from '../api/names.js';

export type EnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }
  | { name: string; valueFrom: { fieldRef: { fieldPath: string } } }
  | { name: string; valueFrom: { resourceFieldRef: { resource: string; divisor: string } } };

export const env = (name: string, value: string | number | boolean): EnvVar => ({ name, value: String(value) });
export const secretEnv = (name: string, secret: string, key: string): EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});
export const fieldEnv = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
/** A resource of the container itself (`limits.cpu`), in units of `divisor`, rounded up, as the downward API gives it. */
export const resourceEnv = (name: string, resource: string, divisor = '1'): EnvVar => ({ name, valueFrom: { resourceFieldRef: { resource, divisor } } });

export function commonEnvVars(v: ClusterValues): EnvVar[] {
  return [env(commonEnv.namespace, v.namespace), env(commonEnv.clusterId, v.clusterId), env(commonEnv.debug, v.debug)];
}

export function brokerEnvVars(v: ClusterValues): EnvVar[] {
  return [
    env(brokerEnv.apiServer, brokerApiServer(v)),
    secretEnv(brokerEnv.apiServerToken, names.brokerSecret, brokerSecretKeys.token),
    secretEnv(brokerEnv.ca, names.brokerSecret, brokerSecretKeys.ca),
    env(brokerEnv.remoteNamespace, v.broker.namespace),
    env(brokerEnv.insecure, v.broker.insecure),
    env(brokerEnv.secret, names.brokerSecret),
  ];
}

/** `app` selects the pods; `component` groups them as Submariner does. */
export function podLabels(component: AgentComponent, group: string): Record<string, string> {
  return { app: names.workload[component], component: group };
}

export const privileged = {
  privileged: true,
  allowPrivilegeEscalation: true,
  readOnlyRootFilesystem: false,
  runAsNonRoot: false,
};

/** The agent container: the shared entry point with the component as argument. */
export function agentContainer(
  component: AgentComponent,
  v: ClusterValues,
  body: Record<string, unknown>,
): Record<string, unknown> {
  return {
    name: names.workload[component],
    image: v.images[component],
    imagePullPolicy: 'IfNotPresent',
    command: agentCommand(component),
    ...body,
  };
}

export interface WorkloadSpec {
  component: AgentComponent;
  group: string;
  namespace: string;
  podSpec: Record<string, unknown>;
}

function template(w: WorkloadSpec): Record<string, unknown> {
  const labels = podLabels(w.component, w.group);
  return {
    selector: { matchLabels: { app: labels.app } },
    template: { metadata: { labels: { ...managedByLabels, ...labels } }, spec: { serviceAccountName: names.workload[w.component], ...w.podSpec } },
  };
}

export function daemonSet(w: WorkloadSpec, maxUnavailable: number | string): KubeObject {
  const name = names.workload[w.component];
  return object('apps/v1', 'DaemonSet', meta(name, w.namespace, podLabels(w.component, w.group)), {
    spec: {
      ...template(w),
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } },
      revisionHistoryLimit: 5,
    },
  });
}

export function deployment(w: WorkloadSpec, replicas: number, strategy?: { type: 'Recreate' | 'RollingUpdate' }): KubeObject {
  const name = names.workload[w.component];
  const { selector, template: tpl } = template(w);
  return object('apps/v1', 'Deployment', meta(name, w.namespace, podLabels(w.component, w.group)), {
    spec: { replicas, selector, ...(strategy ? { strategy } : {}), template: tpl },
  });
}

/** Tolerates every taint: agents must run on any node they are meant for. */
export const tolerateAll = [{ operator: 'Exists' }];

/** A ClusterIP Service named `name` in front of an agent's `metrics` container port. */
export function metricsService(name: string, component: AgentComponent, group: string, namespace: string, port: number, targetPort: number): KubeObject {
  const labels = podLabels(component, group);
  return object('v1', 'Service', meta(name, namespace, labels), {
    spec: { type: 'ClusterIP', selector: { app: labels.app }, ports: [{ name: 'metrics', protocol: 'TCP', port, targetPort }] },
  });
}
