import { names, type AgentComponent } from './contract.js';
import { meta, object, type KubeObject } from './types.js';

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

const readOwnConfig = (resource: 'submariners' | 'servicediscoveries'): Rule => rule('submariner.io', [resource], read);

/** The least each agent needs; broker access uses the broker token, not these roles. */
export const permissions: Record<AgentComponent, Permissions> = {
  gateway: {
    namespaced: [
      readOwnConfig('submariners'),
      rule('submariner.io', ['endpoints', 'clusters', 'gateways', 'gateways/status'], write),
      rule('coordination.k8s.io', ['leases'], ['get', 'list', 'watch', 'create', 'update']),
      rule('', ['pods'], ['get', 'patch']),
    ],
    cluster: [rule('', ['nodes'], read)],
  },
  routeagent: {
    namespaced: [
      readOwnConfig('submariners'),
      rule('submariner.io', ['endpoints'], read),
      rule('submariner.io', ['routeagents', 'routeagents/status'], write),
      rule('', ['pods'], ['get', 'patch']),
    ],
    cluster: [rule('', ['nodes'], read)],
  },
  globalnet: {
    namespaced: [
      readOwnConfig('submariners'),
      rule('submariner.io', ['clusters', 'endpoints'], read),
      rule('submariner.io', ['gateways'], ['get', 'list', 'watch', 'update', 'patch']),
      rule('coordination.k8s.io', ['leases'], ['get', 'list', 'watch', 'create', 'update']),
      rule('', ['pods'], ['get', 'patch']),
    ],
    cluster: [
      rule('', ['services'], write),
      rule('', ['endpoints', 'pods', 'namespaces', 'nodes'], read),
      rule(
        'submariner.io',
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
      rule('multicluster.x-k8s.io', ['serviceexports'], read),
    ],
  },
  'lighthouse-agent': {
    namespaced: [readOwnConfig('servicediscoveries'), rule('submariner.io', ['gateways'], read)],
    cluster: [
      rule('multicluster.x-k8s.io', ['serviceexports'], ['get', 'list', 'watch', 'update', 'patch']),
      rule('multicluster.x-k8s.io', ['serviceexports/status'], ['get', 'update', 'patch']),
      rule('multicluster.x-k8s.io', ['serviceimports', 'serviceimports/status'], write),
      rule('discovery.k8s.io', ['endpointslices'], write),
      rule('', ['services', 'namespaces'], read),
      rule('submariner.io', ['globalingressips'], read),
    ],
  },
  'lighthouse-dns': {
    namespaced: [readOwnConfig('servicediscoveries')],
    cluster: [
      rule('multicluster.x-k8s.io', ['serviceimports'], read),
      rule('discovery.k8s.io', ['endpointslices'], read),
      rule('submariner.io', ['gateways'], read),
    ],
  },
  operator: {
    namespaced: [rule('', ['services'], read), rule('', ['pods'], ['get', 'patch'])],
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
  const rbac = 'rbac.authorization.k8s.io/v1';
  return [
    object('v1', 'ServiceAccount', meta(name, namespace)),
    object(rbac, 'ClusterRole', meta(name), { rules: cluster }),
    object(rbac, 'ClusterRoleBinding', meta(name), {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    }),
    object(rbac, 'Role', meta(name, namespace), { rules: namespaced }),
    object(rbac, 'RoleBinding', meta(name, namespace), {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    }),
  ];
}
