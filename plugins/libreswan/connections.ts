import { checkCableName, checkIpv4, DPD_DELAY_SECONDS, operationMode, subnetsExcludingIp, udpPort, type OperationMode, type PlanInput } from '../common.js';

export type { PlanInput };

export interface IpsecSide {
  id: string;
  host: string;
  subnet: string;
  ikeport?: number | undefined;
}

/** One IPsec connection: one local subnet to one remote subnet. */
export interface IpsecConnection {
  name: string;
  mode: OperationMode;
  left: IpsecSide;
  right: IpsecSide;
  /** Always encapsulate ESP in UDP (NAT detected, or forced). */
  forceEncaps: boolean;
}

/** The name of the connection between local subnet `lsi` and remote subnet `rsi`. */
export function connectionName(remoteCableName: string, lsi: number, rsi: number): string {
  return `${remoteCableName}-${lsi}-${rsi}`;
}

/** The connections of one cable, one per (local subnet, remote subnet) pair. Pure. */
export function planConnections(p: PlanInput): IpsecConnection[] {
  checkCableName(p.remote.cable_name);
  const localIp = checkIpv4(p.local.private_ip, 'local private IP');
  const remoteIp = checkIpv4(p.remote.private_ip, `private IP of endpoint ${p.remote.cable_name}`);
  const useIP = checkIpv4(p.useIP, `address of endpoint ${p.remote.cable_name}`);
  const rightPort = udpPort(p.remote, p.nattPort);
  const mode = operationMode(p.local, p.remote);
  const leftSubnets = subnetsExcludingIp(p.local, p.useIP);
  const rightSubnets = subnetsExcludingIp(p.remote, p.useIP);
  const out: IpsecConnection[] = [];
  leftSubnets.forEach((leftSubnet, lsi) => {
    rightSubnets.forEach((rightSubnet, rsi) => {
      const base = { name: connectionName(p.remote.cable_name, lsi, rsi), mode, forceEncaps: p.useNAT || p.forceEncaps };
      if (mode === 'bi-directional') {
        out.push({
          ...base,
          left: { id: localIp, host: localIp, subnet: leftSubnet, ikeport: p.nattPort },
          right: { id: remoteIp, host: useIP, subnet: rightSubnet, ikeport: rightPort },
        });
      } else {
        const left = { id: `@${localIp}-${lsi}-${rsi}`, host: localIp, subnet: leftSubnet };
        const rightId = `@${remoteIp}-${rsi}-${lsi}`;
        out.push(
          mode === 'server'
            ? { ...base, left: { ...left, ikeport: p.nattPort }, right: { id: rightId, host: '%any', subnet: rightSubnet } }
            : { ...base, left, right: { id: rightId, host: useIP, subnet: rightSubnet, ikeport: rightPort } },
        );
      }
    });
  });
  return out;
}

function sideArgs(s: IpsecSide): string[] {
  return ['--id', s.id, '--host', s.host, '--client', s.subnet, ...(s.ikeport === undefined ? [] : ['--ikeport', String(s.ikeport)])];
}

/** The `ipsec whack` argument lists that add the connection and, unless it waits as server, route and start it. */
export function whackCommands(c: IpsecConnection): string[][] {
  const add = [
    '--psk',
    '--encrypt',
    ...(c.forceEncaps ? ['--forceencaps'] : []),
    '--name',
    c.name,
    ...sideArgs(c.left),
    '--to',
    ...sideArgs(c.right),
    '--dpdaction=hold',
    '--dpddelay',
    String(DPD_DELAY_SECONDS),
  ];
  if (c.mode === 'server') return [add];
  return [add, ['--route', '--name', c.name], ['--initiate', '--asynchronous', '--name', c.name]];
}

function sideConf(prefix: 'left' | 'right', s: IpsecSide): string[] {
  return [
    `\t${prefix}=${s.host}`,
    `\t${prefix}id=${s.id}`,
    `\t${prefix}subnet=${s.subnet}`,
    ...(s.ikeport === undefined ? [] : [`\t${prefix}ikeport=${s.ikeport}`]),
  ];
}

/** The same connection as an ipsec.conf `conn` section. */
export function renderConn(c: IpsecConnection): string {
  return [
    `conn ${c.name}`,
    '\tauthby=secret',
    '\ttype=tunnel',
    ...sideConf('left', c.left),
    ...sideConf('right', c.right),
    `\tencapsulation=${c.forceEncaps ? 'yes' : 'auto'}`,
    '\tdpdaction=hold',
    `\tdpddelay=${DPD_DELAY_SECONDS}`,
    `\tauto=${c.mode === 'server' ? 'add' : 'start'}`,
    '',
  ].join('\n');
}

/** A complete ipsec.conf holding the connections (what `ipsec addconn --checkconfig` reads). */
export function renderIpsecConf(connections: readonly IpsecConnection[]): string {
  return ['config setup', '', ...connections.map(renderConn)].join('\n');
}

/** The secrets file line: every peer authenticates with the cluster set's PSK. */
export function renderSecrets(psk: string): string {
  if (/["\n\r]/.test(psk) || psk === '') throw new Error('the IPsec PSK must be one line of text without double quotes');
  return `%any %any : PSK "${psk}"\n`;
}
