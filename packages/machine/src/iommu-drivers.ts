// IOMMU driver probe: each IOMMU the firmware describes registers an instance, before the
// devices behind it are populated (arm-smmu-v3 and friends probe at device_initcall; the IORT's
// SMMUs are platform devices created by iort_init_platform_devices()).
import { type IortTable, iortFwnodeName } from '@dmasim/acpi-iort';
import { type KernelLog, logErr } from '@dmasim/dma-mapping';
import {
  IORT_NODE_SMMU,
  IORT_NODE_SMMU_V3,
  IommuFirmwareError,
  type IommuInstance,
  iommuInstanceFromCompatible,
  iommuInstanceFromIortNode,
} from '@dmasim/iommu-core';
import { type DeviceTree, getProperty, isAvailable, readStrings, walkNodes } from '@dmasim/of';

function registered(
  id: string,
  make: () => IommuInstance | null,
  log: KernelLog,
): IommuInstance | null {
  try {
    return make();
  } catch (e) {
    // The driver's probe fails: the IOMMU never registers, its masters find no ops.
    if (e instanceof IommuFirmwareError) {
      logErr(log, `${id}: ${e.message}`);
      return null;
    }
    throw e;
  }
}

/**
 * DT: every available node with #iommu-cells that a modelled driver binds (by compatible).
 * `notReady` names nodes whose driver has not registered yet.
 */
export function dtIommuInstances(
  tree: DeviceTree,
  notReady: ReadonlySet<string>,
  log: KernelLog,
): IommuInstance[] {
  const out: IommuInstance[] = [];
  for (const node of walkNodes(tree.root)) {
    if (!getProperty(node, '#iommu-cells') || !isAvailable(node) || notReady.has(node.path))
      continue;
    const instance = registered(
      node.path,
      () => iommuInstanceFromCompatible(node.path, readStrings(node, 'compatible')),
      log,
    );
    if (instance) out.push(instance);
  }
  return out;
}

/** ACPI (arm64): every IORT SMMUv1/v2 and SMMUv3 node, named by its fwnode ("iort@0x48"). */
export function iortIommuInstances(
  table: IortTable | null,
  notReady: ReadonlySet<string>,
  log: KernelLog,
): IommuInstance[] {
  const out: IommuInstance[] = [];
  for (const node of table?.nodes ?? []) {
    if (node.type !== 'smmu' && node.type !== 'smmu-v3') continue;
    const id = iortFwnodeName(node);
    if (notReady.has(id)) continue;
    const instance = registered(
      id,
      () =>
        node.type === 'smmu-v3'
          ? iommuInstanceFromIortNode(id, { type: IORT_NODE_SMMU_V3 })
          : iommuInstanceFromIortNode(id, {
              type: IORT_NODE_SMMU,
              model: node.model,
              contextInterrupts: node.contextInterrupts.length,
            }),
      log,
    );
    if (instance) out.push(instance);
  }
  return out;
}
