import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRunner } from '../../net/command.js';
import { nthIp } from '../../net/cidr.js';
import type { Binaries } from '../binaries/versions.js';
import { writeKubeconfig, type ControlPlaneEndpoint } from './kubeconfig.js';
import { generatePki, type Pki } from './pki.js';
import { freePort } from './ports.js';
import { ManagedProcess, waitHttpReady } from './process.js';

export interface ControlPlaneSpec {
  name: string;
  /** The cluster's own directory: PKI, etcd data, logs. */
  dir: string;
  /** A non-loopback host address the apiserver advertises (the `kubernetes` Service endpoint). */
  advertiseAddress: string;
  serviceCidr: string;
  clusterCidr: string;
  nodeCidrMaskSize?: number;
  scheduler?: boolean;
  binaries: Binaries;
  runner: CommandRunner;
  /** Called with each process started, so that it can be recorded for cleanup. */
  onProcess?: (pid: number) => void;
}

/** One real Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager and, optionally, kube-scheduler. */
export class ControlPlane {
  readonly processes: ManagedProcess[] = [];
  private pki: Pki | undefined;
  private endpointInfo: ControlPlaneEndpoint | undefined;

  constructor(readonly spec: ControlPlaneSpec) {}

  get endpoint(): ControlPlaneEndpoint {
    if (!this.endpointInfo) throw new Error(`control plane ${this.spec.name} is not started`);
    return this.endpointInfo;
  }

  get pids(): number[] {
    return this.processes.map((p) => p.pid).filter((p): p is number => p !== undefined);
  }

  /** A kubeconfig of the cluster alone (its admin, over loopback), for processes that take no context. */
  get adminKubeconfig(): string {
    return join(this.spec.dir, 'admin.kubeconfig');
  }

  get pkiFiles(): Pki {
    if (!this.pki) throw new Error(`control plane ${this.spec.name} is not started`);
    return this.pki;
  }

  async start(): Promise<ControlPlaneEndpoint> {
    const { dir, binaries: bin } = this.spec;
    const logs = join(dir, 'logs');
    mkdirSync(join(dir, 'pki'), { recursive: true });
    mkdirSync(logs, { recursive: true });
    const serviceIp = nthIp(this.spec.serviceCidr, 1);
    const pki = await generatePki(this.spec.runner, { dir: join(dir, 'pki'), ips: ['127.0.0.1', this.spec.advertiseAddress, serviceIp] });
    this.pki = pki;

    const etcdPort = await freePort('127.0.0.1');
    const peerPort = await freePort('127.0.0.1');
    await this.launch('etcd', bin.etcd, [
      '--name=default', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync', '--log-level=warn', `--quota-backend-bytes=${2 * 1024 ** 3}`,
    ]);
    await this.waitHttp('etcd', `http://127.0.0.1:${etcdPort}/health`);

    const port = await freePort();
    await this.launch('kube-apiserver', bin.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`, `--etcd-prefix=/registry`,
      '--bind-address=0.0.0.0', `--secure-port=${port}`, `--advertise-address=${this.spec.advertiseAddress}`,
      `--cert-dir=${join(dir, 'pki')}`,
      `--tls-cert-file=${pki.apiserverCert}`, `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`, `--token-auth-file=${pki.tokensFile}`,
      `--kubelet-client-certificate=${pki.kubeletClientCert}`, `--kubelet-client-key=${pki.kubeletClientKey}`,
      '--kubelet-preferred-address-types=InternalIP,Hostname',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountKey}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${this.spec.serviceCidr}`,
      '--authorization-mode=Node,RBAC', '--allow-privileged=true',
      '--endpoint-reconciler-type=lease',
      '--max-requests-inflight=0', '--max-mutating-requests-inflight=0', '--enable-priority-and-fairness=false',
      '--profiling=false', '--v=1',
    ]);
    const caData = readFileSync(pki.caCert, 'utf8');
    this.endpointInfo = {
      name: this.spec.name,
      server: `https://127.0.0.1:${port}`,
      internalServer: `https://${this.spec.advertiseAddress}:${port}`,
      port,
      caFile: pki.caCert,
      caData,
      token: pki.adminToken,
    };
    await this.waitHttp('kube-apiserver', `https://127.0.0.1:${port}/readyz`, caData, pki.adminToken);

    const kubeconfig = this.adminKubeconfig;
    writeKubeconfig(kubeconfig, [this.endpointInfo], { server: 'loopback' });
    await this.launch('kube-controller-manager', bin.kubeControllerManager, [
      `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0',
      '--controllers=*',
      `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
      // Signs approved client CSRs (kubernetes.io/kube-apiserver-client), as OCM's klusterlets request them.
      `--cluster-signing-cert-file=${pki.caCert}`, `--cluster-signing-key-file=${pki.caKey}`,
      `--service-cluster-ip-range=${this.spec.serviceCidr}`,
      '--allocate-node-cidrs=true', `--cluster-cidr=${this.spec.clusterCidr}`,
      `--node-cidr-mask-size=${this.spec.nodeCidrMaskSize ?? 24}`,
      '--kube-api-qps=100', '--kube-api-burst=200', '--v=1',
    ]);
    if (this.spec.scheduler === true) {
      await this.launch('kube-scheduler', bin.kubeScheduler, [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0', '--v=1']);
    }
    return this.endpointInfo;
  }

  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop();
  }

  private async launch(name: string, file: string, args: string[]): Promise<void> {
    const proc = new ManagedProcess({ name, file, args, logFile: join(this.spec.dir, 'logs', `${name}.log`), cwd: this.spec.dir });
    const pid = proc.start();
    this.processes.push(proc);
    this.spec.onProcess?.(pid);
  }

  private async waitHttp(name: string, url: string, ca?: string, token?: string): Promise<void> {
    const proc = this.processes.find((p) => p.spec.name === name);
    if (!proc) throw new Error(`no process ${name} in cluster ${this.spec.name}`);
    await waitHttpReady(proc, url, { ca, token, what: `${name} of cluster ${this.spec.name}` });
  }
}

