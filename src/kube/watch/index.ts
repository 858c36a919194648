// Typed watches and caches of the kinds in src/api, for every agent.
export { watchResource, type CacheIndex, type ResourceCache, type ResourceWatch, type WatchEvent, type WatchOptions } from './resource-watch.js';
