import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CableDriverValues } from '../../../src/api/generated.js';
import { defaultDrivers, DriverRegistry } from '../../../plugins/index.js';
import { VxlanDriver } from '../../../plugins/vxlan/vxlan.js';
import { driverContext, localEndpoint } from './support.js';

void describe('cable driver registry', () => {
  void it('ships a driver for every backend the Endpoint API accepts', () => {
    assert.deepEqual(defaultDrivers().names(), [...CableDriverValues].sort());
  });

  void it('creates the driver registered under a name', async () => {
    const { ctx } = await driverContext(localEndpoint());
    const driver = defaultDrivers().create('vxlan', ctx);
    assert.ok(driver instanceof VxlanDriver);
    assert.equal(driver.getName(), 'vxlan');
  });

  void it('refuses to register a name twice', () => {
    const registry = new DriverRegistry().add('x', (ctx) => new VxlanDriver(ctx));
    assert.throws(() => registry.add('x', (ctx) => new VxlanDriver(ctx)), /cable driver "x" is already registered/);
  });

  void it('names the supported drivers when asked for an unknown one', async () => {
    const { ctx } = await driverContext(localEndpoint());
    assert.throws(() => defaultDrivers().create('openvpn', ctx), /unknown cable driver "openvpn": supported drivers are libreswan, strongswan, vxlan, wireguard/);
  });
});
