import { Gauge, Registry } from 'prom-client';
import { metricNames } from './constants.js';

/** Where GlobalNet reports how many global IPs of its CIDR are free and allocated. */
export interface GlobalIpMetrics {
  record(cidr: string, available: number, allocated: number): void;
}

const help = {
  availability: 'Count of available global IPs per CIDR',
  allocated: 'Count of global IPs allocated for Pods/Services per CIDR',
} as const;

/** Submariner's GlobalNet gauges per CIDR, in a prom-client registry the agent serves. */
export class GlobalIpGauges implements GlobalIpMetrics {
  readonly registry = new Registry();
  readonly values = new Map<string, { available: number; allocated: number }>();
  private readonly availability = new Gauge({ name: metricNames.availability, help: help.availability, labelNames: ['cidr'] as const, registers: [this.registry] });
  private readonly allocated = new Gauge({ name: metricNames.allocated, help: help.allocated, labelNames: ['cidr'] as const, registers: [this.registry] });

  record(cidr: string, available: number, allocated: number): void {
    this.values.set(cidr, { available, allocated });
    this.availability.set({ cidr }, available);
    this.allocated.set({ cidr }, allocated);
  }

  /** The same series as the registry serves, in text exposition format, at once (for logs and tests). */
  text(): string {
    const gauge = (name: string, text: string, pick: (v: { available: number; allocated: number }) => number): string[] => [
      `# HELP ${name} ${text}`,
      `# TYPE ${name} gauge`,
      ...[...this.values].map(([cidr, v]) => `${name}{cidr="${cidr}"} ${pick(v)}`),
    ];
    return `${[...gauge(metricNames.availability, help.availability, (v) => v.available), ...gauge(metricNames.allocated, help.allocated, (v) => v.allocated)].join('\n')}\n`;
  }
}
