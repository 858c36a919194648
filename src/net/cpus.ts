import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { checkCpuMask } from './iproute2/argv.js';
import { cpuMask } from './iproute2/model.js';

/**
 * The CPUs this process may run on, as the kernel's hex mask (`Cpus_allowed` in /proc/self/status: a container's
 * cpuset, not merely its count); the first `availableParallelism()` CPUs when the status cannot be read.
 */
export function allowedCpuMask(status?: string): string {
  let text = status;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      text = '';
    }
  }
  const mask = /^Cpus_allowed:\s*(\S+)$/m.exec(text)?.[1];
  if (mask !== undefined) {
    try {
      return checkCpuMask(mask);
    } catch {
      // Not a mask this code understands: fall back to the count.
    }
  }
  return cpuMask(availableParallelism());
}
