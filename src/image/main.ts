// npm run image: builds the agent image into dist/image (an OCI layout and an oci-archive tarball).
// Options: --repository R, --version V, --out DIR, --fresh (rebuild the Debian root filesystem).
import { parseArgs } from 'node:util';
import { ExecRunner } from '../net/command.js';
import { buildAgentImage } from './agent-image.js';

const { values } = parseArgs({
  options: { repository: { type: 'string' }, version: { type: 'string' }, out: { type: 'string' }, fresh: { type: 'boolean', default: false } },
});
const built = await buildAgentImage(new ExecRunner(), { ...values, progress: (line) => process.stderr.write(`[image] ${line}\n`) });
process.stdout.write(`${built.name}\n  digest  ${built.digest}\n  layout  ${built.layout} (tag ${built.tag})\n  archive ${built.archive}\n`);
