import { BaseCommand } from '../../cli/kube-command.js';
import { UserError } from '../../base/errors.js';
import { formatData, formatTable, type OutputFormat } from '../../cli/output.js';
import { sandboxStatus, type StatusResult } from '../../sandbox/control.js';

type Row = StatusResult['clusters'][number] & { node: StatusResult['clusters'][number]['nodes'][number] | undefined };

export function printStatus(status: StatusResult, format: OutputFormat): void {
  if (format === 'json' || format === 'yaml') {
    process.stdout.write(formatData(status, format));
    return;
  }
  const rows = status.clusters.flatMap((c): Row[] =>
    c.nodes.length === 0 ? [{ ...c, node: undefined }] : c.nodes.map((node) => ({ ...c, node })),
  );
  const withOcm = status.clusters.some((c) => c.ocm !== undefined);
  process.stdout.write(
    formatTable(
      {
        columns: [
          { header: 'cluster', get: (r: Row) => r.cluster },
          { header: 'node', get: (r: Row) => r.node?.name ?? '-' },
          { header: 'status', get: (r: Row) => (!r.reachable ? 'Unreachable' : r.node === undefined ? 'Running' : r.node.ready ? 'Ready' : 'NotReady') },
          { header: 'role', get: (r: Row) => (r.hub || r.node === undefined ? 'hub' : r.node.gateway ? 'gateway' : 'worker') },
          { header: 'internal-ip', get: (r: Row) => r.node?.internalIp ?? '-' },
          { header: 'pod cidr', get: (r: Row) => r.podCidr },
          { header: 'service cidr', get: (r: Row) => r.serviceCidr },
          { header: 'node pod cidr', get: (r: Row) => r.node?.podCidr, wide: true },
          ...(withOcm ? [{ header: 'ocm', get: (r: Row) => r.ocm }] : []),
          { header: 'context', get: (r: Row) => r.context },
          { header: 'server', get: (r: Row) => r.server, wide: true },
        ],
        rows,
      },
      format === 'wide',
    ),
  );
}

export default class SandboxStatus extends BaseCommand<typeof SandboxStatus> {
  static override summary = 'Show the sandbox fleet: clusters, nodes, CIDRs and kubeconfig contexts.';
  static override examples = ['kubectl submariner sandbox status', 'kubectl submariner sandbox status -o json'];

  public async run(): Promise<void> {
    const status = await sandboxStatus();
    if (!status) throw new UserError('the sandbox is not up: start it with `kubectl submariner sandbox up`');
    printStatus(status, this.outputFormat);
    if (!status.running) process.stderr.write('Warning: the sandbox daemon is not running; run `kubectl submariner sandbox down` to clean up.\n');
  }
}
