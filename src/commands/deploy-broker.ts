import { Flags } from '@oclif/core';
import { KubeCommand } from '../cli/kube-command.js';
import { StderrReporter } from '../cli/reporter.js';
import { deployBroker } from '../broker/deploy.js';
import { BROKER_INFO_FILE } from '../broker/broker-info.js';
import { names } from '../api/names.js';

export default class DeployBroker extends KubeCommand<typeof DeployBroker> {
  static override summary = 'Deploy the broker: the namespace and objects every member cluster shares.';
  static override description =
    'Installs the CRDs, the broker namespace and Broker object, the RBAC members get, an admission policy that lets a ' +
    'member write only its own objects, and the IPsec pre-shared key; then writes broker-info.subm, which `join` takes.';
  static override examples = [
    'kubectl submariner deploy-broker --context broker',
    'kubectl submariner deploy-broker --globalnet --globalnet-cidr-range 242.0.0.0/8',
    'kubectl submariner deploy-broker --components service-discovery --custom-domains example.com',
  ];
  static override flags = {
    components: Flags.string({ summary: 'Comma-separated components to enable.', default: 'service-discovery,connectivity' }),
    'custom-domains': Flags.string({ summary: 'Comma-separated extra DNS domains for service discovery.', default: '' }),
    globalnet: Flags.boolean({ summary: 'Enable GlobalNet, for clusters whose CIDRs overlap.', default: false }),
    'globalnet-cidr-range': Flags.string({ summary: 'GlobalNet CIDR range the cluster global CIDRs come from.', default: '242.0.0.0/8' }),
    'globalnet-cluster-size': Flags.integer({ summary: 'Global IPs per cluster.', default: 65536 }),
    'enable-clusterset-ip': Flags.boolean({
      summary: 'Give exported services a clusterset IP by default (--no-enable-clusterset-ip or =false: only exports annotated use-clusterset-ip=true).',
      default: true,
      allowNo: true,
    }),
    'clusterset-ip-cidr-range': Flags.string({ summary: 'CIDR range of clusterset IPs.', default: '243.0.0.0/8' }),
    'ipsec-psk-from': Flags.string({ summary: 'Reuse the IPsec PSK of this broker-info file.' }),
    'broker-url': Flags.string({ summary: 'URL members reach the broker API server at (default: the kubeconfig server).' }),
    'broker-namespace': Flags.string({ summary: 'Namespace of the broker.', default: names.defaultBrokerNamespace }),
    'broker-info': Flags.string({ summary: 'Where to write the broker-info file.', default: BROKER_INFO_FILE }),
  };

  public async run(): Promise<void> {
    const f = this.flags;
    const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
    const result = await deployBroker(
      this.kubeConfig(),
      {
        namespace: f['broker-namespace'],
        components: list(f.components),
        customDomains: list(f['custom-domains']),
        globalnet: f.globalnet,
        globalnetCidrRange: f['globalnet-cidr-range'],
        globalnetClusterSize: f['globalnet-cluster-size'],
        enableClustersetIp: f['enable-clusterset-ip'],
        clustersetIpCidrRange: f['clusterset-ip-cidr-range'],
        ipsecPskFrom: f['ipsec-psk-from'],
        brokerUrl: f['broker-url'],
        output: f['broker-info'],
      },
      new StderrReporter(),
    );
    if (result.backup) process.stderr.write(`   The previous file was kept as ${result.backup}\n`);
    process.stderr.write(`The broker is ready at ${result.brokerUrl}; join clusters with: kubectl submariner join ${result.file} --clusterid ID\n`);
  }
}
