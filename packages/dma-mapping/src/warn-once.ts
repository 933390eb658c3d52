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
