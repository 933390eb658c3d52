// of_iommu_configure() (drivers/iommu/of_iommu.c) in its int form (6.8+, of-iommu-configure-int)
// and its 6.7 form (iommu_ops pointer, NULL or ERR_PTR(-EPROBE_DEFER), NO_IOMMU = 1 inside).
import {
  type Device,
  ENODEV,
  EPROBE_DEFER,
  errName,
  type KernelLog,
  type KernelRelease,
  kernelRelease,
  logDebug,
} from '@dmasim/dma-mapping';
import {
  iommuDriverForCompatible,
  iommuFwspecAddIds,
  iommuFwspecFree,
  iommuFwspecInit,
} from '@dmasim/iommu-core';
import type { OfContext } from './of-context.js';
import { ofMapId } from './of-map-id.js';
import { type PhandleArgs, parsePhandleWithArgs } from './phandle-args.js';
import { type DtNode, isAvailable, readStrings } from './tree.js';

/** Whether an IOMMU node's driver has registered ops, and whether those ops have of_xlate. */
export type OfIommuDriverState = 'ready' | 'not-registered' | 'no-xlate';

/**
 * The IOMMU drivers as of_iommu_configure() sees them (injected; defaults in brackets):
 * - state(node) ['ready']: iommu_ops_from_fwnode() and whether the ops have of_xlate.
 * - driverOf(node) [the driver matching its compatible, else the node itself]: which driver's ops
 *   iommu_ops_from_fwnode() returns, the identity iommu_fwspec_init() compares.
 * - xlate(dev, spec) [add spec.args as IDs]: ops->of_xlate(), e.g. SMMUv3 adds args[0].
 * - probeDevice(dev) [0]: iommu_probe_device() after the IDs are collected.
 * - deferredProbeCheckState(dev) [-EPROBE_DEFER]: driver_deferred_probe_check_state() for a
 *   driver that has not registered yet (-ENODEV / -ETIMEDOUT late in boot).
 * - requestAcs() [nothing]: pci_request_acs(), called for every PCI device configured.
 */
export interface OfIommuDrivers {
  state?(iommuNode: DtNode): OfIommuDriverState;
  driverOf?(iommuNode: DtNode): string;
  xlate?(dev: Device, spec: PhandleArgs): number;
  probeDevice?(dev: Device): number;
  deferredProbeCheckState?(dev: Device): number;
  requestAcs?(): void;
}

/** NO_IOMMU: 6.7's positive "no IOMMU, not an error" code. */
const NO_IOMMU = 1;

interface Semantics {
  /** The int form: "no IOMMU" is -ENODEV rather than 6.7's NO_IOMMU. */
  intResult: boolean;
  drivers: OfIommuDrivers;
  log: KernelLog;
}

// of_iommu_xlate()
function iommuXlate(dev: Device, spec: PhandleArgs | null, sem: Semantics): number {
  const none = sem.intResult ? -ENODEV : NO_IOMMU;
  // A NULL node (of_map_id bypass) is never available.
  if (!spec) return none;
  const state = sem.drivers.state?.(spec.np) ?? 'ready';
  if (state === 'no-xlate' || !isAvailable(spec.np)) return none;
  const driver =
    sem.drivers.driverOf?.(spec.np) ??
    iommuDriverForCompatible(readStrings(spec.np, 'compatible')) ??
    spec.np.path;
  const ret = iommuFwspecInit(dev, spec.np.path, state === 'ready', driver);
  if (ret) return ret;
  // The empty fwspec names the IOMMU being waited for.
  if (state === 'not-registered')
    return sem.drivers.deferredProbeCheckState?.(dev) ?? -EPROBE_DEFER;
  return sem.drivers.xlate ? sem.drivers.xlate(dev, spec) : iommuFwspecAddIds(dev, spec.args);
}

// of_iommu_configure_dev_id(): one ID through the master's iommu-map.
function configureDevId(
  ctx: OfContext,
  master: DtNode,
  dev: Device,
  id: number,
  sem: Semantics,
): number {
  const mapped = ofMapId(ctx, master, id, 'iommu-map', 'iommu-map-mask', 'want', true, sem.log);
  if (mapped.ret) return !sem.intResult && mapped.ret === -ENODEV ? NO_IOMMU : mapped.ret;
  const spec = mapped.target ? { np: mapped.target, args: [mapped.id ?? id] } : null;
  return iommuXlate(dev, spec, sem);
}

// of_iommu_configure_dev(): every "iommus" specifier until the list ends or one fails.
function configureDev(ctx: OfContext, master: DtNode, dev: Device, sem: Semantics): number {
  let err = sem.intResult ? -ENODEV : NO_IOMMU;
  for (let index = 0; ; index++) {
    const parsed = parsePhandleWithArgs(ctx, master, 'iommus', '#iommu-cells', index, sem.log);
    if (!parsed.spec) break;
    err = iommuXlate(dev, parsed.spec, sem);
    if (err) break;
  }
  return err;
}

// The ID collection shared by both versions; returns 0 (IDs in the fwspec), NO_IOMMU / -ENODEV, or
// an error. null means "already configured" (fwspec with ops).
function collectIds(
  ctx: OfContext,
  dev: Device,
  master: DtNode,
  id: number | null,
  sem: Semantics,
): number | null {
  if (dev.fwspec) {
    if (dev.fwspec.hasOps) return null;
    // An earlier deferral left an ops-less fwspec: start again.
    iommuFwspecFree(dev);
  }
  if (dev.pci) {
    sem.drivers.requestAcs?.();
    // pci_for_each_dma_alias() stops at the first non-zero return.
    let err = 0;
    for (const alias of dev.pci.aliases) {
      err = configureDevId(ctx, master, dev, alias, sem);
      if (err) break;
    }
    return err;
  }
  return id !== null
    ? configureDevId(ctx, master, dev, id, sem)
    : configureDev(ctx, master, dev, sem);
}

/**
 * of_iommu_configure() in its int form (6.8+): 0 (behind an IOMMU), -ENODEV, -EPROBE_DEFER, or an
 * error. 6.8-6.10 return "no IOMMU" silently and log other errors with %pe; with
 * of-iommu-configure-simplified (6.11) every error but -EPROBE_DEFER is logged with %d.
 */
export function ofIommuConfigure(
  ctx: OfContext,
  dev: Device,
  masterNp: DtNode | null,
  id: number | null,
  drivers: OfIommuDrivers = {},
  log: KernelLog = dev.log,
  kernel: KernelRelease = kernelRelease(),
): number {
  const logsAll = kernel.has('of-iommu-configure-simplified');
  if (!masterNp) return -ENODEV;
  const sem: Semantics = { intResult: true, drivers, log };
  let err = collectIds(ctx, dev, masterNp, id, sem);
  if (err === null) return 0;
  if (!logsAll && (err === -ENODEV || err === -EPROBE_DEFER)) return err;
  if (!err) err = drivers.probeDevice?.(dev) ?? 0;
  if (logsAll) {
    if (err && err !== -EPROBE_DEFER) logDebug(log, `Adding to IOMMU failed: ${err}`);
  } else if (err) logDebug(log, `Adding to IOMMU failed: ${errName(err)}`);
  return err;
}

/** 6.7's iommu_ops pointer: the IOMMU's ops (named by its node), NULL, or ERR_PTR(-EPROBE_DEFER). */
export type OfIommuLegacyResult =
  | { kind: 'ops'; iommuNode: string }
  | { kind: 'none' }
  | { kind: 'defer' };

/** of_iommu_configure() as of 6.7. */
export function ofIommuConfigureLegacy(
  ctx: OfContext,
  dev: Device,
  masterNp: DtNode | null,
  id: number | null,
  drivers: OfIommuDrivers = {},
  log: KernelLog = dev.log,
): OfIommuLegacyResult {
  if (!masterNp) return { kind: 'none' };
  const sem: Semantics = { intResult: false, drivers, log };
  let err = collectIds(ctx, dev, masterNp, id, sem);
  const ops = (): OfIommuLegacyResult =>
    dev.fwspec?.hasOps ? { kind: 'ops', iommuNode: dev.fwspec.iommuNode } : { kind: 'none' };
  if (err === null) return ops();
  let result: OfIommuLegacyResult = err === 0 ? ops() : { kind: 'none' };
  if (!err) err = drivers.probeDevice?.(dev) ?? 0;
  if (err === -EPROBE_DEFER) return { kind: 'defer' };
  if (err < 0) {
    logDebug(log, `Adding to IOMMU failed: ${err}`);
    result = { kind: 'none' };
  }
  return result;
}
