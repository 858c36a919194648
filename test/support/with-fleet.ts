// Starts the clusters a test suite runs against, runs the suite with KSUB_TEST_KUBECONFIG pointing at them,
// and removes everything afterwards (also on Ctrl-C). Usage: with-fleet.ts <integration|e2e> -- <command...>
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { ExecRunner } from '../../src/net/command.js';
import { ControlPlaneFleet, teardownFleet } from '../../src/sandbox/controlplane/fleet.js';
import { sandboxDown, sandboxUp } from '../../src/sandbox/control.js';
import { isAlive } from '../../src/sandbox/controlplane/process.js';
import { stateRoot } from '../../src/sandbox/state.js';
import { fleetEnv } from './fleet.js';

const [suite, sep, ...command] = process.argv.slice(2);
if ((suite !== 'integration' && suite !== 'e2e') || sep !== '--' || command.length === 0) {
  console.error('usage: with-fleet.ts <integration|e2e> -- <command...>');
  process.exit(2);
}

// Each run has its own fleet (named after this process) so that runs side by side do not meet; fleets
// of runs that died are removed first.
const prefix = `test-${suite}-`;
mkdirSync(stateRoot(), { recursive: true });
for (const dir of readdirSync(stateRoot(), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name.startsWith(prefix))) {
  if (isAlive(Number(dir.name.slice(prefix.length)))) continue;
  if (suite === 'integration') await teardownFleet(dir.name);
  else await sandboxDown(new ExecRunner(), dir.name);
}

const started = Date.now();
const name = `${prefix}${process.pid}`;
const runner = new ExecRunner();
let kubeconfigPath: string;
let stopFleet: () => Promise<void>;
if (suite === 'integration') {
  const fleet = await ControlPlaneFleet.start({
    name,
    runner,
    clusters: [
      { name: 'broker', serviceCidr: '10.140.0.0/16', clusterCidr: '10.240.0.0/16' },
      { name: 'cluster1', serviceCidr: '10.141.0.0/16', clusterCidr: '10.241.0.0/16' },
      { name: 'cluster2', serviceCidr: '10.142.0.0/16', clusterCidr: '10.242.0.0/16' },
    ],
  });
  kubeconfigPath = fleet.kubeconfigPath;
  stopFleet = () => fleet.stop();
} else {
  // One sandbox shared by every end-to-end test: two clusters with two gateway nodes and a worker each.
  const { info } = await sandboxUp(runner, { clusters: 2, nodes: 3, gateways: 2, overlapping: false, hub: false }, (e) => {
    if (e.status === 'fail') console.error(`sandbox: ${e.step}: ${e.message ?? ''}`);
  }, name);
  kubeconfigPath = info.kubeconfig;
  stopFleet = async () => {
    await sandboxDown(runner, name);
  };
}
console.log(`== ${suite} fleet up in ${((Date.now() - started) / 1000).toFixed(1)}s: ${kubeconfigPath}`);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await stopFleet();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

const [file, ...args] = command as [string, ...string[]];
const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, [fleetEnv]: kubeconfigPath } });
child.on('exit', (code, signal) => void stop(code ?? (signal ? 1 : 0)));
