import { type AgentComponent } from '../api/agent-env.js';
import { meta, object, type KubeObject } from './types.js';
import { groups, names } from '../api/names.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

const read = ['get', 'list', 'watch'];
const write = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const rule = (group: string, resources: string[], verbs: string[]): Rule => ({ apiGroups: [group], resources, verbs });

interface Permissions {
  /** Rules in the Submariner namespace (Role). */
  namespaced: Rule[];
  /** Cluster-wide rules (ClusterRole). */
  cluster: Rule[];
}

const readOwnConfig = (resource: 'submariners' | 'servicediscoveries'): Rule => rule(groups.submariner, [resource], read);

/** The least each agent needs; broker access uses the broker token, not these roles. */
export const permissions: Record<AgentComponent, Permissions> = {
  gateway: {
    namespaced: [
      readOwnConfig('submariners'),
      rule(groups.submariner, ['endpoints', 'clusters', 'gateways', 'gateways/status'], write),
      rule(groups.coordination, ['leases'], ['get', 'list', 'watch', 'create', 'update']),
      rule('', ['pods'], ['get', 'patch']),
    ],
    cluster: [rule('', ['nodes'], read)],
  },
  routeagent: {
    namespaced: [
      readOwnConfig('submariners'),
      rule(groups.submariner, ['endpoints'], read),
      rule(groups.submariner, ['routeagents', 'routeagents/status'], write),
      rule('', ['pods'], ['get', 'patch']),
    ],
    // The clusterset IPs and the imported EndpointSlices behind them, which every node load-balances over.
    cluster: [rule('', ['nodes'], read), rule(groups.multicluster, ['serviceimports'], read), rule(groups.discovery, ['endpointslices'], read)],
  },
  globalnet: {
    namespaced: [
      readOwnConfig('submariners'),
      rule(groups.submariner, ['clusters', 'endpoints'], read),
      rule(groups.submariner, ['gateways'], ['get', 'list', 'watch', 'update', 'patch']),
      rule(groups.coordination, ['leases'], ['get', 'list', 'watch', 'create', 'update']),
      rule('', ['pods'], ['get', 'patch']),
    ],
    cluster: [
      rule('', ['services'], write),
      rule('', ['endpoints', 'pods', 'namespaces', 'nodes'], read),
      rule(
        groups.submariner,
        [
          'clusterglobalegressips',
          'clusterglobalegressips/status',
          'globalegressips',
          'globalegressips/status',
          'globalingressips',
          'globalingressips/status',
        ],
        write,
      ),
      rule(groups.multicluster, ['serviceexports'], read),
    ],
  },
  'lighthouse-agent': {
    namespaced: [readOwnConfig('servicediscoveries'), rule(groups.submariner, ['gateways'], read)],
    cluster: [
      rule(groups.multicluster, ['serviceexports'], ['get', 'list', 'watch', 'update', 'patch']),
      rule(groups.multicluster, ['serviceexports/status'], ['get', 'update', 'patch']),
      rule(groups.multicluster, ['serviceimports', 'serviceimports/status'], write),
      rule(groups.discovery, ['endpointslices'], write),
      rule('', ['services', 'namespaces'], read),
      rule(groups.submariner, ['globalingressips'], read),
    ],
  },
  'lighthouse-dns': {
    namespaced: [readOwnConfig('servicediscoveries')],
    cluster: [
      rule(groups.multicluster, ['serviceimports'], read),
      rule(groups.discovery, ['endpointslices'], read),
      rule(groups.submariner, ['gateways'], read),
    ],
  },
  operator: {
    namespaced: [
      rule('', ['services'], read),
      rule('', ['pods'], ['get', 'patch']),
      // The gateways' status, copied into the Submariner object's for the hub addon.
      rule(groups.submariner, ['gateways', 'submariners'], read),
      rule(groups.submariner, ['submariners/status'], ['get', 'update', 'patch']),
    ],
    cluster: [
      rule('', ['nodes'], ['get', 'list', 'watch', 'patch']),
      // The Corefile lives in kube-system/coredns; only that ConfigMap may be changed.
      rule('', ['configmaps'], read),
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['coredns'], verbs: ['update', 'patch'] },
    ],
  },
};

/** ServiceAccount, ClusterRole(+Binding) and Role(+Binding) of one component. */
export function renderRbac(component: AgentComponent, namespace: string): KubeObject[] {
  const name = names.workload[component];
  const { namespaced, cluster } = permissions[component];
  const subjects = [{ kind: 'ServiceAccount', name, namespace }];
  const rbac = `${groups.rbac}/v1`;
  return [
    object('v1', 'ServiceAccount', meta(name, namespace)),
    object(rbac, 'ClusterRole', meta(name), { rules: cluster }),
    object(rbac, 'ClusterRoleBinding', meta(name), {
      roleRef: { apiGroup: groups.rbac, kind: 'ClusterRole', name },
      subjects,
    }),
    object(rbac, 'Role', meta(name, namespace), { rules: namespaced }),
    object(rbac, 'RoleBinding', meta(name, namespace), {
      roleRef: { apiGroup: groups.rbac, kind: 'Role', name },
      subjects,
    }),
  ];
}
