import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { colorEnabled, paint } from '../../../src/cli/color.js';
import { asList, formatData, formatTable } from '../../../src/cli/output.js';

describe('formatTable', () => {
  const view = {
    columns: [
      { header: 'name', get: (r: { name: string; ip?: string }) => r.name },
      { header: 'ip', get: (r: { name: string; ip?: string }) => r.ip },
      { header: 'extra', get: () => 'x', wide: true },
    ],
    rows: [{ name: 'gateway-one', ip: '10.0.0.1' }, { name: 'b' }],
  };

  it('prints uppercase headers and aligned columns, <none> for empty cells', () => {
    assert.equal(formatTable(view), 'NAME          IP\ngateway-one   10.0.0.1\nb             <none>\n');
  });

  it('shows wide columns only with -o wide', () => {
    assert.match(formatTable(view, true).split('\n')[0] ?? '', /^NAME +IP +EXTRA$/);
  });
});

describe('formatData', () => {
  it('prints json and yaml that parse back to the same data', () => {
    const data = asList([{ kind: 'Endpoint', metadata: { name: 'a' } }]);
    assert.deepEqual(JSON.parse(formatData(data, 'json')), data);
    assert.deepEqual(yaml.load(formatData(data, 'yaml')), data);
  });
});

describe('colour', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  it('is on only for a terminal, and never with NO_COLOR or TERM=dumb', () => {
    assert.equal(colorEnabled(tty, {}), true);
    assert.equal(colorEnabled(pipe, {}), false);
    assert.equal(colorEnabled(tty, { NO_COLOR: '1' }), false);
    assert.equal(colorEnabled(tty, { TERM: 'dumb' }), false);
  });
  it('adds no escape codes when off', () => {
    assert.equal(paint('ok', 'green', false), 'ok');
    assert.equal(paint('ok', 'green', true), '\u001b[32mok\u001b[0m');
  });
});
