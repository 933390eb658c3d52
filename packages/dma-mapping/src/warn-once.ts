// dev_WARN_ONCE() / dev_warn_once(): a call site warns only the first time. The kernel keeps one
// flag per call site; dmasim keeps it per device as well, since one process boots many machines.
import type { Device } from './device.js';

const warned = new WeakMap<Device, Set<string>>();

/** Log `msg` as a warning on `dev` unless call site `site` already warned for it. */
export function warnOnce(dev: Device, site: string, msg: string = site): void {
  let sites = warned.get(dev);
  if (!sites) {
    sites = new Set();
    warned.set(dev, sites);
  }
  if (sites.has(site)) return;
  sites.add(site);
  dev.log.push({ level: 'warn', msg });
}

/** DEFAULT_RATELIMIT_BURST messages per DEFAULT_RATELIMIT_INTERVAL (5 s) of printk_ratelimit. */
export const RATELIMIT_BURST = 10;

const printed = new WeakMap<Device, Map<string, number>>();

/**
 * dev_warn_ratelimited(): a call site prints at most RATELIMIT_BURST messages in one 5-second
 * interval, the rest are dropped (counted by the kernel as "callbacks suppressed", which it
 * reports when a later interval begins). A simulated run takes no time, so it is one interval:
 * a workload whose maps keep failing logs ten warnings, not one per failure.
 */
export function warnRatelimited(dev: Device, site: string, msg: string = site): void {
  let sites = printed.get(dev);
  if (!sites) {
    sites = new Map();
    printed.set(dev, sites);
  }
  const n = sites.get(site) ?? 0;
  sites.set(site, n + 1);
  if (n < RATELIMIT_BURST) dev.log.push({ level: 'warn', msg });
}
