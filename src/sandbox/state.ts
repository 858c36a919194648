import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * What a fleet created on the host, written to disk as it is created, so that `down` can remove it all even
 * after the process that created it crashed.
 */
export interface FleetRecord {
  name: string;
  createdAt: string;
  /** Process-group leaders started by the fleet. */
  pids: number[];
  /** Network namespaces created by the fleet. */
  netns: string[];
  /** Host links created by the fleet (bridges, veths, dummies). */
  links: string[];
  /** Mount points to unmount, deepest first. */
  mounts: string[];
  /** Arbitrary fleet description (clusters, CIDRs, contexts) for `status`. */
  info?: unknown;
}

export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KSUB_STATE_DIR ?? join(env.HOME ?? homedir(), '.local', 'state', 'kubectl-submariner');
}

export class FleetState {
  readonly dir: string;
  private record: FleetRecord;

  private constructor(dir: string, record: FleetRecord) {
    this.dir = dir;
    this.record = record;
  }

  static path(name: string, root = stateRoot()): string {
    return join(root, name);
  }

  /** Reads the record of an existing fleet, or undefined. */
  static load(name: string, root = stateRoot()): FleetState | undefined {
    const dir = FleetState.path(name, root);
    const file = join(dir, 'fleet.json');
    if (!existsSync(file)) return undefined;
    return new FleetState(dir, JSON.parse(readFileSync(file, 'utf8')) as FleetRecord);
  }

  static create(name: string, root = stateRoot()): FleetState {
    const dir = FleetState.path(name, root);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const state = new FleetState(dir, { name, createdAt: new Date().toISOString(), pids: [], netns: [], links: [], mounts: [] });
    state.save();
    return state;
  }

  get data(): Readonly<FleetRecord> {
    return this.record;
  }

  update(change: (r: FleetRecord) => void): void {
    change(this.record);
    this.save();
  }

  addPid(pid: number): void {
    this.update((r) => r.pids.push(pid));
  }

  /** Removes the fleet's directory: call last, after everything it lists is gone. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private save(): void {
    const file = join(this.dir, 'fleet.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.record, null, 2));
    renameSync(`${file}.tmp`, file);
  }
}
