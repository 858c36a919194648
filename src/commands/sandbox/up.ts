import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/kube-command.js';
import { colorEnabled, paint } from '../../cli/color.js';
import { ExecRunner } from '../../net/command.js';
import { sandboxStatus, sandboxUp } from '../../sandbox/control.js';
import { defaultSandboxOptions, runtimeKinds, type RuntimeKind } from '../../sandbox/topology.js';
import { printStatus } from './status.js';

export default class SandboxUp extends BaseCommand<typeof SandboxUp> {
  static override summary = 'Start a local fleet of real Kubernetes clusters on this Linux host (needs root).';
  static override description =
    'Each cluster runs a real etcd, kube-apiserver, kube-controller-manager and kube-scheduler; its nodes and pods are ' +
    'network namespaces run by the sandbox kubelet, with kube-proxy (iptables mode) and CoreDNS. Gateway nodes are also ' +
    'attached to a shared "public" network. Running it again when the fleet is up reports the fleet and changes nothing.';
  static override examples = [
    'kubectl submariner sandbox up',
    'kubectl submariner sandbox up --clusters 3 --gateways 2 --nodes 3',
    'kubectl submariner sandbox up --overlapping --hub',
    'kubectl submariner sandbox up --runtime process',
  ];
  static override flags = {
    clusters: Flags.integer({ summary: 'Number of member clusters.', default: defaultSandboxOptions.clusters }),
    nodes: Flags.integer({ summary: 'Nodes per cluster, gateways included.', default: defaultSandboxOptions.nodes }),
    gateways: Flags.integer({ summary: 'Gateway nodes per cluster.', default: defaultSandboxOptions.gateways }),
    overlapping: Flags.boolean({ summary: 'Give every cluster the same Pod and Service CIDRs.', default: false }),
    hub: Flags.boolean({
      summary: 'Add an Open Cluster Management hub cluster and join every cluster to it.',
      description:
        'The hub cluster (context hub, one node) runs OCM\'s registration controller, placement controller and addon manager; ' +
        'every member cluster runs a klusterlet, is accepted as a ManagedCluster and put in the ManagedClusterSet submariner ' +
        '(bound to namespace default).',
      default: false,
    }),
    runtime: Flags.string({
      summary: 'How the kubelets run pods\' containers.',
      description:
        'runc: each container runs from its OCI image in the host\'s image store (sandbox load-image, sandbox build-image) under ' +
        'runc, in the pod\'s network namespace; a pod whose image is not in the store shows ErrImagePull. process: each image maps ' +
        'to a program of the host (the agents, kube-proxy, CoreDNS, an HTTP server for nginx, host tools for toolbox images).',
      options: [...runtimeKinds],
      default: defaultSandboxOptions.runtime,
    }),
  };

  public async run(): Promise<void> {
    const { clusters, nodes, gateways, overlapping, hub } = this.flags;
    const runtime = this.flags.runtime as RuntimeKind;
    const color = colorEnabled(process.stderr);
    const result = await sandboxUp(new ExecRunner(), { clusters, nodes, gateways, overlapping, hub, runtime }, (e) => {
      if (e.status === 'start') process.stderr.write(` ⌛ ${e.step}...\n`);
      if (e.status === 'done') process.stderr.write(` ${paint('✓', 'green', color)} ${e.step}\n`);
      if (e.status === 'fail') process.stderr.write(` ${paint('✗', 'red', color)} ${e.step}: ${e.message ?? ''}\n`);
    });
    if (result.alreadyUp) process.stderr.write('The sandbox is already up; nothing was changed.\n');
    const status = await sandboxStatus();
    if (status) printStatus(status, this.outputFormat);
    process.stderr.write(`\nUse it with:  export KUBECONFIG=${result.info.kubeconfig}\n`);
  }
}
