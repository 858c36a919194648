/** A probe for `eventually` (test/support/kubectl.ts) from one that answers false or undefined while not yet true. */
export function truthy<T>(probe: () => Promise<T | false | undefined>): () => Promise<T | undefined> {
  return async () => {
    const v = await probe();
    return v === false ? undefined : v;
  };
}
