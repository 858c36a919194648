import type { ConnectionStatus } from '../../src/api/generated.js';
import type { WgPeerState } from './wg.js';

/** WireGuard re-handshakes every 2 minutes while it has traffic (keepalives included): older means broken. */
export const HANDSHAKE_TIMEOUT_MS = 130_000;

/**
 * The status of one peer from its last handshake: none yet is connecting until the timeout, a recent one
 * is connected, a stale one is an error.
 */
export function peerStatus(peer: WgPeerState | undefined, connectedAtMs: number, nowMs: number): { status: ConnectionStatus; message: string } {
  if (!peer) return { status: 'error', message: 'the peer is missing from the WireGuard device' };
  const secs = (ms: number): string => (ms / 1000).toFixed(1);
  if (peer.latestHandshake === 0) {
    const waited = nowMs - connectedAtMs;
    if (waited > HANDSHAKE_TIMEOUT_MS) return { status: 'error', message: `no initial handshake for ${secs(waited)} seconds` };
    return { status: 'connecting', message: 'no initial handshake yet' };
  }
  const age = nowMs - peer.latestHandshake * 1000;
  if (age > HANDSHAKE_TIMEOUT_MS) return { status: 'error', message: `no handshake for ${secs(age)} seconds` };
  return { status: 'connected', message: `Rx=${peer.rxBytes} Bytes, Tx=${peer.txBytes} Bytes` };
}
