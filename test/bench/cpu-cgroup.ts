// A CPU cgroup of its own, as runc gives each container of the sandbox: the processes in it compete for the CPU
// as one group (weight 1024) against the other groups, where a process left in the root group competes thread by
// thread. A bare baseline whose processes sit in groups like these is scheduled as the cable's processes are.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The CPU controller's root: cgroup v1's `cpu` hierarchy (this host's hybrid layout), else the v2 root. */
function cpuRoot(): string {
  for (const dir of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup']) {
    if (!existsSync(join(dir, 'cgroup.procs'))) continue;
    const v2Controllers = join(dir, 'cgroup.subtree_control');
    if (existsSync(v2Controllers) && !readFileSync(v2Controllers, 'utf8').includes('cpu')) writeFileSync(v2Controllers, '+cpu');
    return dir;
  }
  throw new Error('no CPU cgroup controller under /sys/fs/cgroup: the benchmark places bare processes in CPU cgroups as runc places containers');
}

/** Moves a process (all its threads) back into the root group, where every thread competes on its own. */
export function toRootCgroup(pid: number): void {
  writeFileSync(join(cpuRoot(), 'cgroup.procs'), String(pid));
}

export class CpuCgroup {
  private readonly root = cpuRoot();
  readonly dir: string;

  constructor(name: string) {
    this.dir = join(this.root, name);
    mkdirSync(this.dir, { recursive: true });
  }

  /** Moves a process (all its threads) into the group. */
  add(pid: number): void {
    writeFileSync(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /**
   * `argv` run from inside the group: a shell moves itself in, then execs it. (Inside `ip netns exec`, /sys is the
   * namespace's own and shows no cgroups, so the move comes first.)
   */
  wrap(argv: readonly string[]): { file: string; args: string[] } {
    return { file: 'sh', args: ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir, ...argv] };
  }

  /** Moves whatever is left back to the root group and removes the group. */
  async remove(): Promise<void> {
    if (!existsSync(this.dir)) return;
    for (let attempt = 0; ; attempt++) {
      for (const pid of readFileSync(join(this.dir, 'cgroup.procs'), 'utf8').split('\n').filter((l) => l !== '')) {
        try {
          writeFileSync(join(this.root, 'cgroup.procs'), pid);
        } catch {
          // Exited meanwhile.
        }
      }
      try {
        rmdirSync(this.dir);
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
        await sleep(50);
      }
    }
  }
}
