import { metricNames } from './constants.js';

/** Where GlobalNet reports how many global IPs of its CIDR are free and allocated. */
export interface GlobalIpMetrics {
  record(cidr: string, available: number, allocated: number): void;
}

/** Gauges per CIDR, readable as Prometheus text exposition. */
export class GlobalIpGauges implements GlobalIpMetrics {
  readonly values = new Map<string, { available: number; allocated: number }>();

  record(cidr: string, available: number, allocated: number): void {
    this.values.set(cidr, { available, allocated });
  }

  text(): string {
    const gauge = (name: string, help: string, pick: (v: { available: number; allocated: number }) => number): string[] => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} gauge`,
      ...[...this.values].map(([cidr, v]) => `${name}{cidr="${cidr}"} ${pick(v)}`),
    ];
    return `${[
      ...gauge(metricNames.availability, 'Count of available global IPs per CIDR', (v) => v.available),
      ...gauge(metricNames.allocated, 'Count of global IPs allocated for Pods/Services per CIDR', (v) => v.allocated),
    ].join('\n')}\n`;
  }
}
