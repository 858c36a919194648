/** An agent's environment is wrong: the message names the variable, its value and what to set instead. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const dnsSubdomain = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/**
 * Typed readers of an agent's environment, parsed once at start-up (R13): each either returns a value or
 * throws a ConfigError naming the variable.
 */
export class EnvReader {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(key: string): string {
    return this.env[key]?.trim() ?? '';
  }

  string(key: string, fallback: string): string {
    return this.raw(key) || fallback;
  }

  /** A required name matching `pattern` (a DNS-1123 label by default); `what` says what to set it to. */
  name(key: string, what: string, pattern: RegExp = dnsLabel): string {
    const raw = this.raw(key);
    if (raw === '') throw new ConfigError(`${key} is not set: set it to ${what}`);
    if (!pattern.test(raw)) {
      throw new ConfigError(`${key}=${JSON.stringify(raw)} is invalid: use lowercase letters, digits and '-', starting and ending with a letter or digit`);
    }
    return raw;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(key);
    if (raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ConfigError(`${key}=${JSON.stringify(raw)} is invalid: set it to a whole number from ${min} to ${max}`);
    }
    return Number(raw);
  }

  boolean(key: string, fallback: boolean): boolean {
    const raw = this.raw(key).toLowerCase();
    if (raw === '') return fallback;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new ConfigError(`${key}=${JSON.stringify(this.env[key])} is invalid: set it to true or false`);
  }

  /**
   * A comma-separated list: each entry goes through `parse`, which returns its normal form, undefined to
   * leave it out, or throws (the message becomes a ConfigError naming the variable). Duplicates are dropped.
   */
  list(key: string, required: boolean, what: string, parse: (entry: string) => string | undefined): string[] {
    const raw = this.raw(key);
    const entries = raw === '' ? [] : raw.split(',').map((c) => c.trim()).filter((c) => c !== '');
    const list = entries.map((c) => {
      try {
        return parse(c);
      } catch (err) {
        throw new ConfigError(`${key}=${JSON.stringify(raw)} is invalid: ${(err as Error).message}`);
      }
    });
    const kept = list.filter((c): c is string => c !== undefined);
    if (required && kept.length === 0) throw new ConfigError(`${key} is not set: set it to ${what}`);
    return [...new Set(kept)];
  }
}
