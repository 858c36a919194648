import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../cli/kube-command.js';
import { StderrReporter } from '../cli/reporter.js';
import { clusterIdFromContext, joinCluster } from '../broker/join.js';
import { BROKER_INFO_FILE } from '../broker/broker-info.js';

export default class Join extends KubeCommand<typeof Join> {
  static override summary = 'Connect a cluster to the broker: deploy the gateway, route agent, GlobalNet and Lighthouse.';
  static override description =
    'Validates the cluster ID and the cluster networks against every member of the broker, creates this cluster\'s ' +
    'broker credentials, renders and applies the agents with server-side apply, labels the gateway nodes and forwards ' +
    'clusterset.local from CoreDNS to Lighthouse. Re-running converges.';
  static override examples = [
    'kubectl submariner join broker-info.subm --clusterid cluster1 --context cluster1',
    'kubectl submariner join broker-info.subm --clusterid east --cable-driver wireguard --gateway-node east-gw1',
    'kubectl submariner join broker-info.subm --clusterid west --clustercidr 10.244.0.0/16 --servicecidr 10.96.0.0/16',
    'kubectl submariner join broker-info.subm --clusterid east --repository registry.example.com/submariner --version 0.1.0',
  ];
  static override args = {
    brokerInfo: Args.string({ description: 'The broker-info file written by deploy-broker.', default: BROKER_INFO_FILE }),
  };
  static override flags = {
    clusterid: Flags.string({ summary: 'Cluster ID, a DNS-1123 label (default: the kube context name).' }),
    clustercidr: Flags.string({ summary: 'Pod CIDR of the cluster (default: discovered).' }),
    servicecidr: Flags.string({ summary: 'Service CIDR of the cluster (default: discovered).' }),
    'cable-driver': Flags.string({ summary: 'Cable driver: strongswan, libreswan, wireguard or vxlan.', default: 'strongswan' }),
    natt: Flags.boolean({ summary: 'Enable NAT traversal for the tunnels.', default: true, allowNo: true }),
    nattport: Flags.integer({ summary: 'UDP port of the tunnels (IPsec NAT-T, WireGuard, VXLAN cable).', default: 4500 }),
    'health-check': Flags.boolean({ summary: 'Check the tunnels\' health by pinging the remote gateways.', default: true, allowNo: true }),
    globalnet: Flags.boolean({ summary: 'Use GlobalNet when the broker has it (default: follow the broker).', allowNo: true }),
    'globalnet-cidr': Flags.string({ summary: 'Global CIDR of this cluster (default: allocated from the broker range).' }),
    'enable-clusterset-ip': Flags.boolean({
      summary: 'Give this cluster\'s exported services a clusterset IP unless their ServiceExport says otherwise (default: follow the broker).',
      allowNo: true,
    }),
    'clusterset-ip-cidr': Flags.string({ summary: 'This cluster\'s block of the clusterset IP range (default: allocated from the broker range).' }),
    'preferred-server': Flags.boolean({ summary: 'Make this cluster\'s gateway the IPsec server side of its tunnels.', default: false }),
    'force-udp-encaps': Flags.boolean({ summary: 'Always encapsulate IPsec in UDP.', default: false }),
    'air-gapped': Flags.boolean({ summary: 'The cluster has no internet access (no public IP lookups).', default: false }),
    repository: Flags.string({ summary: 'Registry path of the agent image (default: kubectl-submariner, the image npm run image builds).' }),
    version: Flags.string({ summary: 'Tag of the agent image (default: this plugin\'s version).' }),
    'image-override': Flags.string({ summary: 'component=image, to run another image for a component (repeatable).', multiple: true, default: [] }),
    'gateway-node': Flags.string({ summary: 'A node to label as gateway (repeatable).', multiple: true, default: [] }),
    'label-gateway': Flags.boolean({ summary: 'Pick and label a gateway node when none is labelled.', default: true, allowNo: true }),
  };

  public async run(): Promise<void> {
    const f = this.flags;
    const kc = this.kubeConfig();
    const result = await joinCluster(
      kc,
      {
        brokerInfoFile: this.args.brokerInfo,
        clusterId: f.clusterid ?? clusterIdFromContext(kc.getCurrentContext()),
        clusterCidr: f.clustercidr,
        serviceCidr: f.servicecidr,
        cableDriver: f['cable-driver'],
        natt: f.natt,
        nattPort: f.nattport,
        healthCheck: f['health-check'],
        globalnet: f.globalnet,
        globalnetCidr: f['globalnet-cidr'],
        enableClustersetIp: f['enable-clusterset-ip'],
        clustersetIpCidr: f['clusterset-ip-cidr'],
        preferredServer: f['preferred-server'],
        forceUdpEncaps: f['force-udp-encaps'],
        airGapped: f['air-gapped'],
        repository: f.repository,
        version: f.version,
        imageOverrides: f['image-override'],
        gatewayNodes: f['gateway-node'],
        labelGateway: f['label-gateway'],
        namespace: f.namespace,
      },
      new StderrReporter(),
    );
    process.stderr.write(`Cluster ${result.clusterId} has joined the broker.\n`);
  }
}
