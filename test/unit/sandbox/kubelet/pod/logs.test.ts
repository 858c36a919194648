import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { ContainerLog, formatLogLine, parseLogFile, parseLogLine, readLog, renderLogs, type LogEntry } from '../../../../../src/sandbox/kubelet/pod/logs.js';
import { logQuery } from '../../../../../src/sandbox/kubelet/server/kubelet-server.js';

const dir = mkdtempSync(join(tmpdir(), 'ksub-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const entries: LogEntry[] = [
  { time: '2026-01-01T00:00:01.000000000Z', stream: 'stdout', partial: false, text: 'one' },
  { time: '2026-01-01T00:00:02.000000000Z', stream: 'stderr', partial: false, text: 'two' },
  { time: '2026-01-01T00:00:03.000000000Z', stream: 'stdout', partial: false, text: 'three' },
];

void describe('container logs', () => {
  void it('round-trips the CRI log line format', () => {
    const line = formatLogLine(entries[1]!);
    assert.equal(line, '2026-01-01T00:00:02.000000000Z stderr F two\n');
    assert.deepEqual(parseLogLine(line.trimEnd()), entries[1]);
    assert.deepEqual(parseLogFile(entries.map(formatLogLine).join('') + 'garbage\n'), entries);
  });

  void it('answers tailLines, sinceTime, timestamps and limitBytes as kubectl logs asks', () => {
    assert.equal(renderLogs(entries, {}), 'one\ntwo\nthree\n');
    assert.equal(renderLogs(entries, { tailLines: 2 }), 'two\nthree\n');
    assert.equal(renderLogs(entries, { tailLines: 0 }), '');
    assert.equal(renderLogs(entries, { since: new Date('2026-01-01T00:00:02Z') }), 'two\nthree\n');
    assert.equal(renderLogs(entries, { timestamps: true, tailLines: 1 }), '2026-01-01T00:00:03.000000000Z three\n');
    assert.equal(renderLogs(entries, { limitBytes: 6 }), 'one\ntw');
  });

  void it('parses the query the apiserver forwards', () => {
    const q = logQuery(new URLSearchParams('follow=true&tailLines=10&timestamps=true&sinceSeconds=60&limitBytes=100'), Date.parse('2026-01-01T00:01:00Z'));
    assert.deepEqual(q, { follow: true, previous: false, timestamps: true, tailLines: 10, limitBytes: 100, since: new Date('2026-01-01T00:00:00Z') });
    assert.throws(() => logQuery(new URLSearchParams('tailLines=-1')), /invalid tailLines "-1"/);
  });

  void it('writes process output line by line, keeps partial lines until they end and tells followers', () => {
    const file = join(dir, 'c.log');
    const log = new ContainerLog(file);
    const seen: string[] = [];
    let ended = false;
    log.on('entry', (e) => seen.push(`${e.stream}:${e.text}`));
    log.on('end', () => (ended = true));
    const out = new PassThrough();
    const err = new PassThrough();
    log.attach(out, 'stdout');
    log.attach(err, 'stderr');
    out.write('hel');
    out.write('lo\nwor');
    err.write('oops\n');
    out.end('ld');
    err.end();
    return new Promise<void>((resolve) => {
      log.on('end', () => {
        assert.deepEqual(seen, ['stdout:hello', 'stderr:oops', 'stdout:world']);
        assert.ok(ended);
        assert.deepEqual(readLog(file).map((e) => e.text), ['hello', 'oops', 'world']);
        assert.match(readFileSync(file, 'utf8'), /^\S+Z stdout F hello\n/);
        resolve();
      });
    });
  });

  void it('rotates a full log and still reads all of it', () => {
    const file = join(dir, 'r.log');
    const log = new ContainerLog(file, 200);
    for (let i = 0; i < 10; i++) log.write('stdout', `line ${i}\n`);
    log.close();
    const texts = readLog(file).map((e) => e.text);
    assert.equal(texts.at(-1), 'line 9');
    assert.ok(texts.length >= 4 && texts.length < 10, `kept ${texts.length} lines`);
  });
});
