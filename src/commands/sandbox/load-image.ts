import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/kube-command.js';
import { loadImage } from '../../image/store.js';
import { ExecRunner } from '../../net/command.js';

export default class SandboxLoadImage extends BaseCommand<typeof SandboxLoadImage> {
  static override summary = 'Add the images of an oci-archive tarball to the sandbox\'s image store on this host.';
  static override description =
    'The store is kept across sandbox down (sandbox clean --images removes it). Pods name a loaded image as a ' +
    'kubelet would: nginx, docker.io/library/nginx:latest and nginx:latest are the same image.';
  static override examples = [
    'kubectl submariner sandbox load-image dist/image/kubectl-submariner-agent-0.1.0.oci.tar',
    'kubectl submariner sandbox load-image app.oci.tar --name registry.example.com/team/app:1.0',
    'kubectl submariner sandbox load-image dist/image/kubectl-submariner-agent-0.1.0.oci.tar --name kubectl-submariner/kubectl-submariner-agent:0.1.1',
  ];
  static override args = { archive: Args.string({ description: 'An oci-archive tarball (npm run image, skopeo copy ... oci-archive:FILE).', required: true }) };
  static override flags = {
    name: Flags.string({ summary: 'The name to store the archive\'s one image under: a new tag for a build, or the full name of an image the archive knows only by its tag.' }),
  };

  public async run(): Promise<void> {
    const loaded = await loadImage(new ExecRunner(), this.args.archive, this.flags.name);
    for (const i of loaded) process.stdout.write(`${i.name}\t${i.digest}\n`);
  }
}
