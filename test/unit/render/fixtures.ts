import type { ClusterValuesInput } from '../../../src/render/index.js';

/** Distinctive secrets, so a test can search rendered output for them. */
export const secrets = {
  token: 'eyJhbGciOiJSUzI1NiJ9.broker-token-for-tests.c2lnbmF0dXJl',
  ca: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBbroker\n-----END CERTIFICATE-----\n').toString('base64'),
  psk: Buffer.from('forty-eight-bytes-of-pre-shared-key-for-tests!!!').toString('base64'),
};

export function baseValues(overrides: Partial<ClusterValuesInput> = {}): ClusterValuesInput {
  return {
    clusterId: 'cluster-a',
    broker: { server: 'https://broker.example.org:6443', ca: secrets.ca, token: secrets.token },
    ipsecPsk: secrets.psk,
    clusterCidrs: ['10.244.0.0/16'],
    serviceCidrs: ['10.96.0.0/16'],
    version: '0.1.0',
    ...overrides,
  };
}
