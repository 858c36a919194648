import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/kube-command.js';
import { buildDebianImage, debianImageSpec, exampleImages } from '../../image/debian-image.js';
import { ExecRunner } from '../../net/command.js';

export default class SandboxBuildImage extends BaseCommand<typeof SandboxBuildImage> {
  static override summary = 'Build an image from Debian packages into the sandbox\'s image store, without Docker.';
  static override description =
    `mmdebstrap makes Debian bookworm with the packages (cached per package set), and the image is named NAME in the ` +
    `store pods run from. Without --packages, NAME is one of the examples: ${Object.keys(exampleImages).join(', ')}.`;
  static override examples = [
    'kubectl submariner sandbox build-image toolbox',
    'kubectl submariner sandbox build-image registry.example.com/tools:1 --packages curl,socat',
    'kubectl submariner sandbox build-image web:1 --packages nginx-light --entrypoint nginx,-g,daemon\\ off\\; --output web.oci.tar',
  ];
  static override args = { name: Args.string({ description: 'The image name pods use, or an example name.', required: true }) };
  static override flags = {
    packages: Flags.string({ summary: 'Debian packages, comma-separated.' }),
    entrypoint: Flags.string({ summary: 'The entrypoint argv, comma-separated (default: sleep infinity as the command).' }),
    output: Flags.string({ summary: 'Also write the image as an oci-archive tarball to this file.' }),
  };

  public async run(): Promise<void> {
    const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const entrypoint = this.flags.entrypoint === undefined ? undefined : list(this.flags.entrypoint);
    const spec = debianImageSpec(this.args.name, list(this.flags.packages), entrypoint);
    const image = await buildDebianImage(new ExecRunner(), spec, { archive: this.flags.output });
    process.stdout.write(`${image.name}\t${image.digest}\n`);
  }
}
