import { KubeConfig } from '@kubernetes/client-node';

/** The clusters shared by every test of a suite, started once by test/support/with-fleet.ts. */
export interface TestFleet {
  kubeconfigPath: string;
  contexts: string[];
  kubeConfig(context: string): KubeConfig;
}

export const fleetEnv = 'KSUB_TEST_KUBECONFIG';

export async function useFleet(): Promise<TestFleet> {
  const kubeconfigPath = process.env[fleetEnv];
  if (kubeconfigPath === undefined || kubeconfigPath === '') {
    throw new Error(`${fleetEnv} is not set: run these tests through \`npm test -- integration\` (or e2e), which starts the clusters`);
  }
  const base = new KubeConfig();
  base.loadFromFile(kubeconfigPath);
  return {
    kubeconfigPath,
    contexts: base.getContexts().map((c) => c.name),
    kubeConfig(context: string): KubeConfig {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      if (kc.getContextObject(context) === null) throw new Error(`the test fleet has no context ${context}`);
      kc.setCurrentContext(context);
      return kc;
    },
  };
}
