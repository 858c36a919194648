import type { CableDriver as CableDriverName } from '../src/api/generated.js';
import type { CableDriver, DriverContext, DriverFactory } from './driver.js';
import { LIBRESWAN_DRIVER, LibreswanDriver } from './libreswan/libreswan.js';
import { STRONGSWAN_DRIVER, StrongswanDriver } from './strongswan/strongswan.js';
import { VXLAN_DRIVER, VxlanDriver } from './vxlan/vxlan.js';
import { WIREGUARD_DRIVER, WireGuardDriver } from './wireguard/wireguard.js';

export type { CableDriver, DriverContext, DriverFactory, DriverSettings, NatEndpointInfo } from './driver.js';

export const DEFAULT_CABLE_DRIVER: CableDriverName = STRONGSWAN_DRIVER;

/** The cable drivers by name. Registering a name twice is an error, so is asking for an unknown one. */
export class DriverRegistry {
  private readonly factories = new Map<string, DriverFactory>();

  add(name: string, factory: DriverFactory): this {
    if (this.factories.has(name)) throw new Error(`cable driver "${name}" is already registered`);
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  create(name: string, ctx: DriverContext): CableDriver {
    const factory = this.factories.get(name);
    if (!factory) throw new Error(`unknown cable driver "${name}": supported drivers are ${this.names().join(', ')}`);
    return factory(ctx);
  }
}

/** The registry of the drivers this product ships. */
export function defaultDrivers(): DriverRegistry {
  return new DriverRegistry()
    .add(LIBRESWAN_DRIVER, (ctx) => new LibreswanDriver(ctx))
    .add(STRONGSWAN_DRIVER, (ctx) => new StrongswanDriver(ctx))
    .add(WIREGUARD_DRIVER, (ctx) => new WireGuardDriver(ctx))
    .add(VXLAN_DRIVER, (ctx) => new VxlanDriver(ctx));
}
