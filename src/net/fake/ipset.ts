import type { FakeRunner, RecordedCall, Reply } from './runner.js';

/**
 * In-memory IP sets for every namespace: interprets `ipset restore` input and answers `ipset save`,
 * so the real IpsetCommand runs unchanged over a FakeRunner. Destroying a set that `inUse` names fails
 * as the kernel refuses to destroy a set an iptables rule references.
 */
export class FakeIpset {
  private readonly scopes = new Map<string, Map<string, Set<string>>>();
  /** Sets the packet filter still references (in a namespace, '' for the root one). */
  inUse: (name: string, netns: string) => boolean = () => false;

  install(runner: FakeRunner): this {
    runner.on(/^ipset save$/, (call) => ({ stdout: this.saveText(call.netns) }));
    runner.on(/^ipset restore$/, (call) => this.restore(call));
    return this;
  }

  private sets(netns: string | undefined): Map<string, Set<string>> {
    let s = this.scopes.get(netns ?? '');
    if (!s) this.scopes.set(netns ?? '', (s = new Map<string, Set<string>>()));
    return s;
  }

  /** `ipset save` output of a namespace. */
  saveText(netns?: string): string {
    const out: string[] = [];
    for (const [name, members] of this.sets(netns)) {
      out.push(`create ${name} hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x1`);
      for (const m of members) out.push(`add ${name} ${m}`);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  /** The members of a set, or undefined when it does not exist. */
  members(name: string, netns?: string): string[] | undefined {
    const s = this.sets(netns).get(name);
    return s && [...s].sort();
  }

  names(netns?: string): string[] {
    return [...this.sets(netns).keys()].sort();
  }

  /** Applies every line or none, like `ipset restore` run on a consistent batch. */
  private restore(call: RecordedCall): Reply {
    const next = new Map([...this.sets(call.netns)].map(([n, m]) => [n, new Set(m)]));
    const lines = (call.input ?? '').split('\n').filter((l) => l.trim() !== '');
    for (const [i, line] of lines.entries()) {
      const [verb, name = '', value] = line.trim().split(/\s+/);
      const fail = (why: string): Reply => ({ code: 1, stderr: `ipset v7.17: Error in line ${i + 1}: ${why}` });
      const set = next.get(name);
      if (verb === 'create') {
        if (set) return fail('Set cannot be created: set with the same name already exists');
        next.set(name, new Set());
      } else if (!set) {
        return fail('The set with the given name does not exist');
      } else if (verb === 'add' && value !== undefined) {
        if (set.has(value)) return fail("Element cannot be added to the set: it's already added");
        set.add(value);
      } else if (verb === 'del' && value !== undefined) {
        if (!set.delete(value)) return fail("Element cannot be deleted from the set: it's not added");
      } else if (verb === 'flush') {
        set.clear();
      } else if (verb === 'destroy') {
        if (this.inUse(name, call.netns ?? '')) return fail('Set cannot be destroyed: it is in use by a kernel component');
        next.delete(name);
      } else {
        return fail(`unknown command ${line}`);
      }
    }
    this.scopes.set(call.netns ?? '', next);
    return {};
  }
}
