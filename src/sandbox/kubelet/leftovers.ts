import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRunner } from '../../net/command.js';
import type { IpBasic } from '../../net/iproute2/ip.js';
import { stopPids } from '../controlplane/process.js';
import { stopRecordedForwarder } from './server/forwarder-process.js';
import { removePodContainers } from './pod/runc.js';
import type { PodRecord } from './pod/worker.js';

/** A recorded pid still runs in a pod's private mount namespace (not a recycled pid of a host process). */
function inPodMountNamespace(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`) !== readlinkSync('/proc/self/ns/mnt');
  } catch {
    return false;
  }
}

/**
 * Removes what a kubelet run left in its node directory after a crash: the port forwarder, every pod's
 * processes (recorded in pods/<uid>/pod.json), their runc containers with root filesystem mounts and bundles,
 * the pods' network namespaces and directories.
 * Returns the problems it could not fix.
 */
export async function cleanupNodeDir(dir: string, ip: Pick<IpBasic, 'netnsList' | 'netnsDel'>, runner: CommandRunner): Promise<string[]> {
  const problems: string[] = [];
  await stopRecordedForwarder(join(dir, 'forwarder.pid'));
  const root = join(dir, 'pods');
  if (!existsSync(root)) return problems;
  const netns = new Set(await ip.netnsList());
  for (const uid of readdirSync(root)) {
    const file = join(root, uid, 'pod.json');
    try {
      if (existsSync(file)) {
        const rec = JSON.parse(readFileSync(file, 'utf8')) as PodRecord;
        await stopPids(rec.pids.filter(inPodMountNamespace), 2000);
        if (rec.netns && netns.has(rec.netns)) await ip.netnsDel(rec.netns);
      }
      await removePodContainers(join(root, uid), runner);
      rmSync(join(root, uid), { recursive: true, force: true });
    } catch (err) {
      problems.push(`pod ${uid}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}
