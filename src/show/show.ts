import { loadKubeConfig } from '../cli/kubeconfig.js';
import { names } from '../api/names.js';
import type { Target } from './data/gather.js';

export interface ShowRequest {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  /** --contexts a,b: several clusters in one table. */
  contexts?: string[] | undefined;
  namespace?: string | undefined;
  /** Without --contexts, every context of the kubeconfig instead of the current one. */
  allContexts?: boolean | undefined;
}

export function targets(req: ShowRequest): Target[] {
  const contexts =
    req.contexts && req.contexts.length > 0
      ? req.contexts
      : req.allContexts
        ? loadKubeConfig({ kubeconfig: req.kubeconfig }).getContexts().map((c) => c.name)
        : [req.context];
  return contexts.map((context) => {
    const kc = loadKubeConfig({ kubeconfig: req.kubeconfig, context });
    return { context: kc.getCurrentContext(), kc, namespace: req.namespace ?? names.defaultNamespace };
  });
}
