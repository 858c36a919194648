import type { Connection, EndpointSpec } from '../src/api/generated.js';
import type { Logger } from '../src/base/log.js';
import type { CommandRunner } from '../src/net/command.js';
import type { Ip } from '../src/net/iproute2/ip.js';
import type { ProcessStarter } from './process.js';

/** Where to reach a remote gateway, as NAT discovery decided. */
export interface NatEndpointInfo {
  endpoint: EndpointSpec;
  /** The remote address the cable uses: its private or its public IP. */
  useIP: string;
  useNAT: boolean;
}

/** Bytes through one cable since it was made, as the driver's daemon or device counts them. */
export interface CableTraffic {
  rxBytes: number;
  txBytes: number;
}

/**
 * One cable driver: it owns the tunnel device (or daemon) of the active gateway and one connection per
 * remote cluster. Drivers never read the Kubernetes API; all kernel access goes through the runner and
 * the ip adapter of their context.
 */
export interface CableDriver {
  getName(): string;
  /** Creates the tunnel device or starts the daemon; called once before the first connection. */
  init(): Promise<void>;
  /** The connections the driver was asked to make, as recorded (no kernel reads). */
  getActiveConnections(): Promise<Connection[]>;
  /** The connections with their current status read from the kernel or the daemon. */
  getConnections(): Promise<Connection[]>;
  /** Connects to the remote gateway; returns the remote IP the cable uses. */
  connectToEndpoint(info: NatEndpointInfo): Promise<string>;
  disconnectFromEndpoint(remote: EndpointSpec): Promise<void>;
  /** Bytes through each connected cable, by cable name; cables the driver cannot count are left out. */
  traffic(): Promise<Map<string, CableTraffic>>;
  /** Removes every device, route, rule and daemon the driver created (also what an earlier run left). */
  cleanup(): Promise<void>;
  /** Entries the driver adds to the local Endpoint's backend_config once init has run (WireGuard: publicKey). */
  backendConfig(): Record<string, string>;
}

/** The driver settings the gateway receives as CE_IPSEC_* variables. */
export interface DriverSettings {
  /** The pre-shared key in its base64 text form. Never logged. */
  psk: string;
  /** The cable's UDP port when an Endpoint's backend_config has no udp-port. */
  nattPort: number;
  /** Always encapsulate IPsec in UDP, NAT or not. */
  forceEncaps: boolean;
  debug: boolean;
}

/** What a driver factory gets: the local Endpoint, the settings and the kernel seams. */
export interface DriverContext {
  localEndpoint: EndpointSpec;
  /** This node's address inside the cluster CIDR (the CNI interface IP): the source of tunnel routes. */
  cniIp: string | undefined;
  settings: DriverSettings;
  runner: CommandRunner;
  ip: Ip;
  processes: ProcessStarter;
  log: Logger;
  /** A directory private to this gateway for daemon state (sockets, secrets, databases). */
  stateDir: string;
  /** The CPUs this gateway may run on (a `cpuMask`): a driver's receiving device spreads its traffic over them. */
  cpuMask?: string | undefined;
}

export type DriverFactory = (ctx: DriverContext) => CableDriver;
