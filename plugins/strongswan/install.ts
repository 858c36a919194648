import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../src/base/cache.js';

/**
 * Where strongSwan lives: unpacked into the machine's cache (setup.sh does that, since Debian's
 * strongSwan packages conflict with Libreswan's) or installed under `/`. Its binaries look for plugins
 * in a compiled-in directory, so the driver preloads the plugins it uses from `pluginDir`.
 */
export interface StrongswanInstall {
  root: string;
  charon: string;
  swanctl: string;
  libDir: string;
  pluginDir: string;
}

const CHARON = 'usr/lib/ipsec/charon';

export function strongswanAt(root: string): StrongswanInstall {
  return {
    root,
    charon: join(root, CHARON),
    swanctl: join(root, 'usr/sbin/swanctl'),
    libDir: join(root, 'usr/lib/ipsec'),
    pluginDir: join(root, 'usr/lib/ipsec/plugins'),
  };
}

/** The cache's strongSwan when it is there, else the system's. */
export function findStrongswan(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): StrongswanInstall {
  const cached = join(cacheDir(env), 'strongswan');
  return strongswanAt(exists(join(cached, CHARON)) ? cached : '/');
}

/** The environment assignments (for `env`) that run a strongSwan binary of `install` with these plugins and this config. */
export function strongswanEnv(install: StrongswanInstall, plugins: readonly string[], conf: string): string[] {
  return [
    `LD_LIBRARY_PATH=${install.libDir}`,
    `LD_PRELOAD=${plugins.map((p) => join(install.pluginDir, `libstrongswan-${p}.so`)).join(':')}`,
    `STRONGSWAN_CONF=${conf}`,
  ];
}
