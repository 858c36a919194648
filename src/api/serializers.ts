// client-node picks a model by "<Version><Kind>" alone, so without this a submariner.io/v1 Endpoint is
// (de)serialized as a discovery.k8s.io V1Endpoint and loses its spec. Registering our kinds makes
// KubernetesObjectApi treat them as what they are: custom resources, kept as sent, metadata typed.
import { defaultSerializer, ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { allResources } from './generated.js';
import { ocmResources } from './ocm.js';

let registered = false;

/** Registers every kind of manifests/crds with client-node's object serializer; safe to call more than once (and cheap: every request calls it). */
export function registerApiSerializers(): void {
  if (registered) return;
  registered = true;
  for (const { group, version, kind } of [...allResources, ...ocmResources]) {
    try {
      ObjectSerializer.registerModel({ group, version, kind }, defaultSerializer);
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('already defined'))) throw err;
    }
  }
}
