import { Help } from '@oclif/core';

/** oclif help that speaks of the plugin the way users type it: `kubectl submariner ...`. */
export default class KubectlPluginHelp extends Help {
  protected override log(...args: string[]): void {
    super.log(...args.map((line) => line.replaceAll('kubectl-submariner', 'kubectl submariner')));
  }
}
