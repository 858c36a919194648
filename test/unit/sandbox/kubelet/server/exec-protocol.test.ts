import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel, chooseProtocol, exitStatus, frame, offeredProtocols, parseExecQuery, parseFrame, parseResize } from '../../../../../src/sandbox/kubelet/server/exec-protocol.js';

void describe('exec WebSocket protocol', () => {
  void it('picks v5 over v4 and refuses protocols without a status channel', () => {
    assert.equal(chooseProtocol(offeredProtocols('v4.channel.k8s.io, v5.channel.k8s.io')), 'v5.channel.k8s.io');
    assert.equal(chooseProtocol(offeredProtocols(['v4.channel.k8s.io'])), 'v4.channel.k8s.io');
    assert.equal(chooseProtocol(offeredProtocols('channel.k8s.io,base64.channel.k8s.io')), undefined);
    assert.equal(chooseProtocol(offeredProtocols(undefined)), undefined);
  });

  void it('frames data behind a channel byte and reads frames back', () => {
    assert.deepEqual([...frame(Channel.stdout, 'hi')], [1, 104, 105]);
    assert.deepEqual([...frame(Channel.stdout)], [1]);
    assert.deepEqual(parseFrame(Buffer.from([255, 0])), { channel: 255, data: Buffer.from([0]) });
    assert.equal(parseFrame(Buffer.alloc(0)), undefined);
  });

  void it('reads the options the apiserver forwards (input/output/error/tty) and the stdin/stdout aliases', () => {
    const q = new URLSearchParams('command=dig&command=%2Bshort&command=kubernetes&output=1&error=1');
    assert.deepEqual(parseExecQuery(q), { command: ['dig', '+short', 'kubernetes'], stdin: false, stdout: true, stderr: true, tty: false });
    assert.deepEqual(parseExecQuery(new URLSearchParams('command=sh&stdin=true&stdout=true&tty=1')), { command: ['sh'], stdin: true, stdout: true, stderr: false, tty: true });
  });

  void it('writes the v1 Status kubectl turns into its exit code', () => {
    assert.equal(JSON.stringify(exitStatus(0)), '{"metadata":{},"status":"Success"}');
    const failure = exitStatus(3) as { status: string; reason: string; details: { causes: { reason: string; message: string }[] } };
    assert.equal(failure.status, 'Failure');
    assert.equal(failure.reason, 'NonZeroExitCode');
    assert.deepEqual(failure.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  void it('reads terminal resizes', () => {
    assert.deepEqual(parseResize(Buffer.from('{"Width":120,"Height":40}')), { width: 120, height: 40 });
    assert.equal(parseResize(Buffer.from('nope')), undefined);
  });
});
