// The two timers of a DMA domain, driven by the simulated clock: the flush queue's fq_timer
// (10 ms) and each range cache's delayed depot work (100 ms).
import type { IommuDomain } from '@dmasim/iommu-core';
import { getCookie } from './cookie.js';
import { flushQueueTimeout } from './flush-queue.js';
import { runDepotWork } from './iova-rcache.js';

/**
 * Advance the domain's clock to nowMs, firing due timers in time order. Time never goes back:
 * an earlier nowMs only fires what is already due.
 */
export function iommuDmaAdvanceClock(domain: IommuDomain, nowMs: number): void {
  const cookie = getCookie(domain);
  if (!cookie?.rcaches) return;
  const rc = cookie.rcaches;
  for (;;) {
    const fqDue = cookie.fq?.timerDueMs ?? null;
    let depotDue: number | null = null;
    for (const c of rc.caches) {
      if (c.depotWorkDueMs !== null && (depotDue === null || c.depotWorkDueMs < depotDue)) {
        depotDue = c.depotWorkDueMs;
      }
    }
    const next = fqDue === null ? depotDue : depotDue === null ? fqDue : Math.min(fqDue, depotDue);
    if (next === null || next > nowMs) break;
    if (next > cookie.clock.nowMs) cookie.clock.nowMs = next;
    if (fqDue === next) flushQueueTimeout(cookie.fq!, domain, rc);
    else runDepotWork(rc, next);
  }
  if (nowMs > cookie.clock.nowMs) cookie.clock.nowMs = nowMs;
}
