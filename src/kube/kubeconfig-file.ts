import { KubeConfig } from '@kubernetes/client-node';

/** A kubeconfig file, at `context` when given (else its current context). */
export function kubeConfigFromFile(path: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  if (context !== undefined) kc.setCurrentContext(context);
  return kc;
}
