import type { KubernetesObject } from '@kubernetes/client-node';
import { BrokerResource, apiVersionOf } from '../api/index.js';
import { annotations, clusterServiceAccount, clusterUidAnnotation, groups, labels, managedByLabels, wellKnown } from '../api/names.js';
import { clustersetIpPool, globalnetPool, poolConfigMapData } from './globalnet.js';

export interface BrokerValues {
  namespace: string;
  components: string[];
  customDomains: string[];
  globalnet: { enabled: boolean; cidrRange: string; clusterSize: number };
  clustersetIp: { enabled: boolean; cidrRange: string };
}

export const adminTokenSecret = `${wellKnown.brokerAdminServiceAccount}-token`;
export const memberPolicyName = 'submariner-broker-members';

/** What a member cluster may do on the broker: read everyone's shared objects, write its own (the policy below). */
const memberRules = [
  { apiGroups: [groups.submariner], resources: ['endpoints', 'clusters'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  {
    apiGroups: [groups.multicluster],
    resources: ['serviceimports', 'serviceimports/status'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: [groups.discovery], resources: ['endpointslices'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [groups.submariner], resources: ['brokers'], verbs: ['get', 'list', 'watch'] },
];

/** The broker: namespace, Broker object, member and admin RBAC, the ownership policy, the globalnet and clusterset IP ConfigMaps. Pure. */
export function renderBroker(v: BrokerValues): KubernetesObject[] {
  const ns = v.namespace;
  const meta = (name: string, namespaced = true): KubernetesObject['metadata'] => ({
    name,
    ...(namespaced ? { namespace: ns } : {}),
    labels: { ...managedByLabels },
  });
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns, false) },
    {
      apiVersion: apiVersionOf(BrokerResource),
      kind: 'Broker',
      metadata: meta(wellKnown.brokerName),
      spec: {
        components: v.components,
        defaultCustomDomains: v.customDomains,
        globalnetEnabled: v.globalnet.enabled,
        globalnetCIDRRange: v.globalnet.cidrRange,
        defaultGlobalnetClusterSize: v.globalnet.clusterSize,
        clustersetIPEnabled: v.clustersetIp.enabled,
        clustersetIPCIDRRange: v.clustersetIp.cidrRange,
      },
    } as KubernetesObject,
    { apiVersion: `${groups.rbac}/v1`, kind: 'Role', metadata: meta(wellKnown.brokerClusterRole), rules: memberRules } as KubernetesObject,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(wellKnown.brokerAdminServiceAccount) },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: { ...meta(adminTokenSecret), annotations: { [annotations.serviceAccountName]: wellKnown.brokerAdminServiceAccount } },
    } as KubernetesObject,
    {
      apiVersion: `${groups.rbac}/v1`,
      kind: 'Role',
      metadata: meta(wellKnown.brokerAdminServiceAccount),
      rules: [
        ...memberRules,
        { apiGroups: [groups.submariner], resources: ['brokers'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
        { apiGroups: [''], resources: ['serviceaccounts', 'secrets', 'configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: [groups.rbac], resources: ['roles', 'rolebindings'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: [groups.rbac], resources: ['roles'], verbs: ['bind'], resourceNames: [wellKnown.brokerClusterRole] },
      ],
    } as KubernetesObject,
    roleBinding(ns, wellKnown.brokerAdminServiceAccount, wellKnown.brokerAdminServiceAccount, wellKnown.brokerAdminServiceAccount),
    ...memberPolicy(ns),
  ];
  if (v.globalnet.enabled) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...meta(wellKnown.globalnetInfoConfigMap), labels: { ...managedByLabels, component: 'submariner-globalnet' } },
      data: poolConfigMapData(globalnetPool, true, v.globalnet.cidrRange, v.globalnet.clusterSize),
    } as KubernetesObject);
  }
  if (v.components.includes('service-discovery')) {
    // Every member gets a block of the clusterset IP range at join, even when clusterset IPs are off by default:
    // an export may still ask for one with the use-clusterset-ip annotation.
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...meta(wellKnown.clustersetIpInfoConfigMap), labels: { ...managedByLabels, component: 'submariner-clustersetip' } },
      data: poolConfigMapData(clustersetIpPool, v.clustersetIp.enabled, v.clustersetIp.cidrRange),
    } as KubernetesObject);
  }
  return objects;
}

function roleBinding(ns: string, name: string, role: string, serviceAccount: string): KubernetesObject {
  return {
    apiVersion: `${groups.rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace: ns, labels: { ...managedByLabels } },
    roleRef: { apiGroup: groups.rbac, kind: 'Role', name: role },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: ns }],
  } as KubernetesObject;
}

/**
 * RBAC cannot tell one member's objects from another's, so an admission policy does: a member's service
 * account (`cluster-<id>`) may only create, change or delete Endpoints and Clusters whose cluster_id is its
 * own, and EndpointSlices and ServiceImports labelled with its own cluster ID. Anything else is 403.
 */
function memberPolicy(ns: string): KubernetesObject[] {
  const prefix = `system:serviceaccount:${ns}:cluster-`;
  const ownerOf = (o: string): string =>
    `(${o}.kind == 'Endpoint' || ${o}.kind == 'Cluster') ? (has(${o}.spec) && has(${o}.spec.cluster_id) ? ${o}.spec.cluster_id : '') : ` +
    `(has(${o}.metadata.labels) && '${labels.sourceCluster}' in ${o}.metadata.labels ? ${o}.metadata.labels['${labels.sourceCluster}'] : ` +
    `(has(${o}.metadata.labels) && '${labels.clusterId}' in ${o}.metadata.labels ? ${o}.metadata.labels['${labels.clusterId}'] : ''))`;
  return [
    {
      apiVersion: `${groups.admissionRegistration}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: memberPolicyName, labels: { ...managedByLabels } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [groups.submariner], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['endpoints', 'clusters'] },
            { apiGroups: [groups.multicluster], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['serviceimports'] },
            { apiGroups: [groups.discovery], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['endpointslices'] },
          ],
        },
        matchConditions: [{ name: 'member-cluster', expression: `request.userInfo.username.startsWith('${prefix}')` }],
        variables: [
          { name: 'member', expression: `request.userInfo.username.substring(${prefix.length})` },
          { name: 'newOwner', expression: `request.operation == 'DELETE' ? '' : ${ownerOf('object')}` },
          { name: 'oldOwner', expression: `request.operation == 'CREATE' ? '' : ${ownerOf('oldObject')}` },
        ],
        validations: [
          {
            expression: `request.operation == 'DELETE' || variables.newOwner == variables.member`,
            messageExpression: `'cluster ' + variables.member + ' may only write its own ' + request.resource.resource + ', not one of cluster "' + variables.newOwner + '"'`,
            reason: 'Forbidden',
          },
          {
            expression: `request.operation == 'CREATE' || variables.oldOwner == variables.member`,
            messageExpression: `'cluster ' + variables.member + ' may not change or delete ' + request.resource.resource + ' of cluster "' + variables.oldOwner + '"'`,
            reason: 'Forbidden',
          },
        ],
      },
    } as KubernetesObject,
    {
      apiVersion: `${groups.admissionRegistration}/v1`,
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: memberPolicyName, labels: { ...managedByLabels } },
      spec: {
        policyName: memberPolicyName,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
      },
    } as KubernetesObject,
  ];
}

/** A member cluster's broker service account `cluster-<id>`, marked with the UID of the member's kube-system namespace. */
export function renderMemberServiceAccount(ns: string, clusterId: string, clusterUid: string): KubernetesObject {
  const sa = clusterServiceAccount(clusterId);
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns, labels: memberLabels(clusterId), annotations: { [clusterUidAnnotation]: clusterUid } } };
}

/**
 * What goes with a member's service account, owned by it so that deleting the account (which the member may do
 * itself on uninstall) removes it all: its token Secret, the member RoleBinding, and a Role that lets it release
 * its globalnet allocation and delete its own account.
 */
export function renderMemberAccess(ns: string, clusterId: string, serviceAccountUid: string): KubernetesObject[] {
  const sa = clusterServiceAccount(clusterId);
  const labels = memberLabels(clusterId);
  const ownerReferences = [{ apiVersion: 'v1', kind: 'ServiceAccount', name: sa, uid: serviceAccountUid }];
  const meta = (name: string, extra: Record<string, unknown> = {}): KubernetesObject['metadata'] => ({ name, namespace: ns, labels, ownerReferences, ...extra });
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: meta(`${sa}-token`, { annotations: { [annotations.serviceAccountName]: sa } }),
    } as KubernetesObject,
    { ...roleBinding(ns, sa, wellKnown.brokerClusterRole, sa), metadata: meta(sa) },
    {
      apiVersion: `${groups.rbac}/v1`,
      kind: 'Role',
      metadata: meta(`${sa}-self`),
      rules: [
        { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'delete'], resourceNames: [sa] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'], resourceNames: [wellKnown.globalnetInfoConfigMap, wellKnown.clustersetIpInfoConfigMap] },
      ],
    } as KubernetesObject,
    {
      apiVersion: `${groups.rbac}/v1`,
      kind: 'RoleBinding',
      metadata: meta(`${sa}-self`),
      roleRef: { apiGroup: groups.rbac, kind: 'Role', name: `${sa}-self` },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
    } as KubernetesObject,
  ];
}

function memberLabels(clusterId: string): Record<string, string> {
  return { ...managedByLabels, [labels.brokerClusterId]: clusterId };
}
