import type { Broker } from '../../api/generated.js';

export interface BrokerRow {
  context: string;
  namespace: string;
  name: string;
  components: string;
  globalnet: string;
  globalnetCidr: string;
  defaultGlobalnetSize: string;
  defaultDomains: string;
}

export function brokerRows(context: string, brokers: readonly Broker[]): BrokerRow[] {
  return brokers.map((b) => {
    const spec = b.spec ?? {};
    return {
      context,
      namespace: b.metadata.namespace ?? '',
      name: b.metadata.name ?? '',
      components: (spec.components ?? []).join(', '),
      globalnet: spec.globalnetEnabled ? 'yes' : 'no',
      globalnetCidr: spec.globalnetEnabled ? (spec.globalnetCIDRRange ?? '') : '',
      defaultGlobalnetSize: spec.globalnetEnabled ? String(spec.defaultGlobalnetClusterSize ?? '') : '',
      defaultDomains: (spec.defaultCustomDomains ?? []).join(', '),
    };
  });
}
