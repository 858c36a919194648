/** Bytes of one established IPsec SA, as `ipsec whack --trafficstatus` reports it. */
export interface TrafficStatus {
  inBytes: number;
  outBytes: number;
}

// 006 #2: "cable-0-0"[1] 3.139.75.179, type=ESP, add_time=1617195756, inBytes=0, outBytes=0, id='@10.0.63.203-0-0'
const TRAFFIC = /"([^"]+)"[^,]*,.*\binBytes=(\d+), outBytes=(\d+)/;
// 000 #1: "cable-0-0":4500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); ...
const IKE_ESTABLISHED = /"([^"]+)"\S* STATE_\w*(ESTABLISHED_IKE_SA|MAIN_[IR]4)\b/;

/** Connection name → summed bytes of its IPsec SAs. */
export function parseTrafficStatus(text: string): Map<string, TrafficStatus> {
  const out = new Map<string, TrafficStatus>();
  for (const line of text.split('\n')) {
    const m = TRAFFIC.exec(line);
    if (!m) continue;
    const [, name = '', rx = '0', tx = '0'] = m;
    const have = out.get(name) ?? { inBytes: 0, outBytes: 0 };
    out.set(name, { inBytes: have.inBytes + Number(rx), outBytes: have.outBytes + Number(tx) });
  }
  return out;
}

/** Names of the connections with an established IKE SA, from `ipsec whack --showstates`. */
export function parseEstablishedIke(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = IKE_ESTABLISHED.exec(line);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}
