import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { UserError } from '../base/errors.js';

export interface KubeconfigOptions {
  /** --kubeconfig: replaces KUBECONFIG and ~/.kube/config. */
  kubeconfig?: string | undefined;
  /** --context: selects a context other than the current one. */
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Raised when no kubeconfig exists at all; `version` treats this as "no cluster". */
export class NoKubeconfigError extends UserError {
  constructor() {
    super(
      'no kubeconfig found: set KUBECONFIG, pass --kubeconfig FILE, or create ~/.kube/config ' +
        '(kubectl submariner does not fall back to http://localhost:8080)',
    );
    this.name = 'NoKubeconfigError';
  }
}

/** The kubeconfig files in force, in kubectl's order of precedence. */
export function kubeconfigFiles(opts: KubeconfigOptions): string[] {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig !== undefined) {
    if (!existsSync(opts.kubeconfig)) {
      throw new UserError(`kubeconfig file ${opts.kubeconfig} does not exist: pass an existing file to --kubeconfig`);
    }
    return [opts.kubeconfig];
  }
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (fromEnv.length > 0) {
    // kubectl skips files of KUBECONFIG that do not exist, but not all of them.
    const present = fromEnv.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new UserError(`none of the files in KUBECONFIG exist (${fromEnv.join(delimiter)}): fix KUBECONFIG or pass --kubeconfig FILE`);
    }
    return present;
  }
  const home = join(opts.home ?? homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/**
 * Loads the kubeconfig as kubectl does: `--kubeconfig`, else every file of a multi-file KUBECONFIG merged
 * (the first file to define a name wins), else ~/.kube/config, else in-cluster credentials.
 * Never the silent http://localhost:8080 fallback.
 */
export function loadKubeConfig(opts: KubeconfigOptions = {}): KubeConfig {
  const env = opts.env ?? process.env;
  const files = kubeconfigFiles(opts);
  const kc = new KubeConfig();
  if (files.length === 0) {
    if (env.KUBERNETES_SERVICE_HOST !== undefined && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
      kc.loadFromCluster();
    } else {
      throw new NoKubeconfigError();
    }
  } else {
    mergeFiles(kc, files);
  }
  if (opts.context !== undefined) {
    if (kc.getContextObject(opts.context) === null) {
      const names = kc.getContexts().map((c) => c.name);
      throw new UserError(
        `context "${opts.context}" does not exist in the kubeconfig; choose one of: ${names.join(', ') || '(none)'}`,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  if (kc.getCurrentContext() === '' || kc.getCurrentCluster() === null) {
    throw new UserError(
      'the kubeconfig has no current context: pass --context NAME or run `kubectl config use-context NAME`',
    );
  }
  return kc;
}

const howToFix = 'pass another file with --kubeconfig FILE (or another context with --context NAME) or set KUBECONFIG';

/**
 * Checks that a kubeconfig file holds a YAML mapping before client-node reads it, so that an empty, truncated
 * or foreign file gets a message naming it: false for a file without configuration (empty or only comments).
 */
function checkKubeconfigText(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read kubeconfig ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err });
  }
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    const e = err as yaml.YAMLException;
    // js-yaml counts a missing final newline as one more line; a truncated file ends on its own last line.
    const where = e.mark === undefined ? '' : ` (line ${Math.min(e.mark.line + 1, text.split('\n').length)}: ${e.reason})`;
    throw new UserError(`kubeconfig ${file} is not valid YAML${where}: fix it, or ${howToFix}`, undefined, { cause: err });
  }
  if (doc === undefined || doc === null) return false;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UserError(`kubeconfig ${file} is not a kubeconfig (a YAML mapping of clusters, users and contexts): fix it, or ${howToFix}`);
  }
  return true;
}

function mergeFiles(kc: KubeConfig, files: string[]): void {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  // kubectl skips empty files of a multi-file KUBECONFIG; only when every file is empty is there nothing to use.
  const withConfig = files.filter(checkKubeconfigText);
  if (withConfig.length === 0) {
    throw new UserError(`kubeconfig ${files.join(', ')} ${files.length === 1 ? 'holds' : 'hold'} no configuration: ${howToFix}`);
  }
  for (const file of withConfig) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      const detail = err instanceof TypeError ? 'expected clusters, users and contexts' : (err as Error).message;
      throw new UserError(`kubeconfig ${file} is not a valid kubeconfig (${detail}): fix it, or ${howToFix}`, undefined, { cause: err });
    }
    for (const c of one.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (currentContext === '' && one.getCurrentContext()) currentContext = one.getCurrentContext();
  }
  kc.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
}
