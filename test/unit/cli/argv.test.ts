import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pflagBooleans } from '../../../src/cli/argv.js';

describe('subctl-style boolean flags', () => {
  it('--flag=true and --flag=false read as --flag and --no-flag, up to --', () => {
    assert.deepEqual(pflagBooleans(['deploy-broker', '--enable-clusterset-ip=false', '--globalnet=true', '--namespace=x']), ['deploy-broker', '--no-enable-clusterset-ip', '--globalnet', '--namespace=x']);
    assert.deepEqual(pflagBooleans(['x', '--', '--a=false']), ['x', '--', '--a=false']);
  });
});
