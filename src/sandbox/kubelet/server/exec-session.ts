import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { WebSocket } from 'ws';
import { Channel, errorStatus, exitStatus, frame, parseFrame, parseResize, type ExecRequest } from './exec-protocol.js';
import { killGroup } from '../../controlplane/process.js';
import type { ContainerCommand } from '../pod/container-runtime.js';
import { exitCode } from '../pod/runtime.js';

/** The running container an exec request runs in. */
export interface ExecTarget {
  /** The host argv and environment that run `command` in the container, with a terminal when `tty`. */
  command(command: readonly string[], tty: boolean): ContainerCommand;
}

/** Sets the terminal size of the command running under `script` (best effort). */
function resize(scriptPid: number, size: { width: number; height: number }): void {
  try {
    const child = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/)[0];
    if (!child) return;
    const pty = readlinkSync(`/proc/${child}/fd/0`);
    if (!pty.startsWith('/dev/pts/')) return;
    spawn('stty', ['-F', pty, 'rows', String(size.height), 'cols', String(size.width)], { stdio: 'ignore' }).on('error', () => undefined);
  } catch {
    // the command has already exited
  }
}

/** Runs one exec request inside the pod and streams it over a v4/v5 channel WebSocket. */
export function runExecSession(ws: WebSocket, protocol: string, target: ExecTarget, req: ExecRequest): void {
  const send = (channel: number, data?: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(frame(channel, data));
  };
  let done = false;
  const finish = (status: object): void => {
    if (done) return;
    done = true;
    send(Channel.error, JSON.stringify(status));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  const run = target.command(req.command, req.tty);
  const [file, ...args] = run.argv as [string, ...string[]];
  const child = spawn(file, args, { detached: true, stdio: [req.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: run.env });

  send(req.stdout ? Channel.stdout : req.stderr ? Channel.stderr : Channel.error);
  child.stdout?.on('data', (d: Buffer) => req.stdout && send(Channel.stdout, d));
  child.stderr?.on('data', (d: Buffer) => req.stderr && send(Channel.stderr, d));
  child.stdin?.on('error', () => undefined);
  child.on('error', (err) => finish(errorStatus(`cannot run ${req.command[0] ?? 'command'}: ${err.message}`)));
  child.on('close', (code, signal) => finish(exitStatus(exitCode({ code, signal }))));

  ws.on('message', (raw: Buffer) => {
    const msg = parseFrame(raw);
    if (!msg) return;
    if (msg.channel === Channel.stdin) child.stdin?.write(msg.data);
    else if (msg.channel === Channel.resize && req.tty && child.pid !== undefined) {
      const size = parseResize(msg.data);
      if (size) resize(child.pid, size);
    } else if (msg.channel === Channel.close && protocol.startsWith('v5') && msg.data[0] === Channel.stdin) child.stdin?.end();
  });
  ws.on('close', () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  });
}
