import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { allowedCpuMask } from '../../../src/net/cpus.js';
import { cpuMask } from '../../../src/net/iproute2/model.js';

void describe('the CPUs this process may run on', () => {
  void it('reads the cpuset mask the kernel gives, not the count', () => {
    assert.equal(allowedCpuMask('Name:\tnode\nCpus_allowed:\tf0\nCpus_allowed_list:\t4-7\n'), 'f0');
    assert.equal(allowedCpuMask('Cpus_allowed:\t00000000,ffffffff\n'), '00000000,ffffffff');
  });

  void it('falls back to the first CPUs by count when the status has no usable mask', () => {
    assert.equal(allowedCpuMask('Name:\tnode\n'), cpuMask(availableParallelism()));
    assert.equal(allowedCpuMask('Cpus_allowed:\tzz\n'), cpuMask(availableParallelism()));
  });

  void it('reads this process\'s own status', () => {
    assert.match(allowedCpuMask(), /^[0-9a-f]{1,8}(,[0-9a-f]{8})*$/);
  });
});
