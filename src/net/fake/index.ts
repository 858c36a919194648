export * from './await.js';
export { FakeIpset } from './ipset.js';
export { FakeIptables } from './iptables.js';
export { FakePacketFilter } from './packetfilter.js';
export { FakeKernel } from './kernel.js';
export { NsState, type FakeLink } from './kernel-state.js';
export { FakeRunner, matches, type CallMatcher, type RecordedCall, type Reply, type Responder } from './runner.js';
