import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/kube-command.js';
import { UserError } from '../../base/errors.js';
import { defaultStoreDir, removeStore } from '../../image/store.js';

export default class SandboxClean extends BaseCommand<typeof SandboxClean> {
  static override summary = 'Remove what the sandbox keeps on this host between runs.';
  static override description = '--images removes the image store (every loaded image and its unpacked root filesystem).';
  static override examples = ['kubectl submariner sandbox clean --images'];
  static override flags = {
    images: Flags.boolean({ summary: 'Remove the image store.', default: false }),
  };

  public async run(): Promise<void> {
    if (!this.flags.images) throw new UserError('nothing to clean: use --images to remove the image store');
    const dir = defaultStoreDir();
    process.stderr.write(removeStore(dir) ? `Removed the image store ${dir}.\n` : `No image store at ${dir}; nothing to do.\n`);
  }
}
