/** One CHILD_SA as `swanctl --list-sas` shows it. */
export interface ChildSa {
  name: string;
  /** INSTALLED, REKEYING, ... */
  state: string;
  /** TUNNEL, TUNNEL-in-UDP, ... */
  mode: string;
  inBytes: number;
  outBytes: number;
}

/** One IKE_SA and its CHILD_SAs. */
export interface IkeSa {
  name: string;
  /** CONNECTING, ESTABLISHED, DELETING, ... */
  state: string;
  children: ChildSa[];
}

// submariner-cable-west-10-250-2-2: #1, ESTABLISHED, IKEv2, 7c0e2fd57bb0a1b6_i* 9e6d6bb8a3a34c4b_r
const IKE = /^(\S+): #\d+, ([A-Z_]+), IKEv\d/;
//   submariner-cable-west-10-250-2-2: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128
const CHILD = /^\s+(\S+): #\d+, reqid \d+, ([A-Z_]+), ([\w-]+)/;
//     in  c5a1b2c3 (-|0x00000001),    840 bytes,    10 packets,     0s ago
const BYTES = /^\s+(in|out)\s+[0-9a-f]+\S*(?: \([^)]*\))?,\s+(\d+) bytes/;

/** The SAs of `swanctl --list-sas` output. */
export function parseListSas(text: string): IkeSa[] {
  const out: IkeSa[] = [];
  let child: ChildSa | undefined;
  for (const line of text.split('\n')) {
    const ike = IKE.exec(line);
    if (ike) {
      out.push({ name: ike[1] ?? '', state: ike[2] ?? '', children: [] });
      child = undefined;
      continue;
    }
    const c = CHILD.exec(line);
    const current = out.at(-1);
    if (c && current) {
      child = { name: c[1] ?? '', state: c[2] ?? '', mode: c[3] ?? '', inBytes: 0, outBytes: 0 };
      current.children.push(child);
      continue;
    }
    const b = BYTES.exec(line);
    if (b && child) {
      if (b[1] === 'in') child.inBytes = Number(b[2]);
      else child.outBytes = Number(b[2]);
    }
  }
  return out;
}
