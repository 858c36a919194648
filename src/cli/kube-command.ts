import { Command, Flags, Interfaces } from '@oclif/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { colorEnabled } from './color.js';
import { ExitCode, UserError, errorMessage } from '../base/errors.js';
import { loadKubeConfig } from './kubeconfig.js';
import { formatData, formatTable, outputFormats, type OutputFormat, type TableView } from './output.js';

const outputFlag = {
  output: Flags.option({ char: 'o', options: outputFormats, default: 'table' as const, summary: 'Output format.' })(),
};

const kubeFlags = {
  kubeconfig: Flags.string({
    summary: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).',
    helpGroup: 'KUBE',
  }),
  context: Flags.string({ summary: 'The name of the kubeconfig context to use.', helpGroup: 'KUBE' }),
  namespace: Flags.string({ char: 'n', summary: 'The namespace scope for this request.', helpGroup: 'KUBE' }),
  ...outputFlag,
};

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<typeof kubeFlags & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/**
 * The base of every command: `-o` output and one error path that maps failures to exit codes
 * (0 success, 1 runtime failure, 2 usage error). Commands that talk to a cluster extend KubeCommand.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags: Partial<typeof kubeFlags> = outputFlag;

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as unknown as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
  }

  protected get outputFormat(): OutputFormat {
    return this.flags.output;
  }

  protected get color(): boolean {
    return colorEnabled(process.stdout) && (this.outputFormat === 'table' || this.outputFormat === 'wide');
  }

  /** Prints `data` as json/yaml, or `view` as a table. */
  protected print<R>(data: unknown, view: TableView<R>): void {
    const format = this.outputFormat;
    if (format === 'json' || format === 'yaml') {
      process.stdout.write(formatData(data, format));
      return;
    }
    if (view.rows.length === 0) {
      process.stderr.write(
        this.flags.namespace ? `No resources found in ${this.flags.namespace} namespace.\n` : 'No resources found\n',
      );
      return;
    }
    process.stdout.write(formatTable(view, format === 'wide'));
  }

  protected warning(message: string): void {
    process.stderr.write(`Warning: ${message}\n`);
  }

  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number }; parse?: unknown },
  ): Promise<unknown> {
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      this.exit(err.exitCode);
    }
    if (err.parse !== undefined || err.oclif?.exit === ExitCode.usage) {
      // Parse and validation errors from oclif are usage errors: exit 2, with a hint like kubectl's.
      const message = errorMessage(err).replace(/\n?See more help with --help/, '').trim();
      process.stderr.write(`error: ${message}\nSee 'kubectl submariner ${this.id ?? ''} --help'.\n`);
      this.exit(ExitCode.usage);
    }
    if (err.oclif?.exit !== undefined) return super.catch(err);
    process.stderr.write(`error: ${errorMessage(err)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
    this.exit(ExitCode.failure);
  }
}

/** A command that talks to a cluster: kubectl's connection flags (--kubeconfig, --context, -n) on top of the base. */
export abstract class KubeCommand<T extends typeof Command> extends BaseCommand<T> {
  static override baseFlags: Partial<typeof kubeFlags> = kubeFlags;
  private kc: KubeConfig | undefined;

  /** The kubeconfig selected by --kubeconfig/--context (loaded on first use). */
  protected kubeConfig(): KubeConfig {
    this.kc ??= loadKubeConfig({ kubeconfig: this.flags.kubeconfig, context: this.flags.context });
    return this.kc;
  }
}
