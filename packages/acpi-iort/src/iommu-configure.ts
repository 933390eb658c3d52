// iort_iommu_configure_id(): find the SMMU(s) behind a device and fill its fwspec.
import { type Device, ENODEV, EPROBE_DEFER, logWarn, pciDevid } from '@dmasim/dma-mapping';
import { IOMMU_FWSPEC_PCI_RC_ATS, iommuFwspecAddIds, iommuFwspecInit } from '@dmasim/iommu-core';
import { IORT_IOMMU_TYPE, iortNodeMapId, iortNodeMapPlatformId } from './id-mapping.js';
import {
  IORT_TYPE_CODE,
  type IortNode,
  type IortTable,
  iortFwnodeName,
  NC_PASID_BITS_MASK,
  NC_PASID_BITS_SHIFT,
  NC_STALL_SUPPORTED,
  RC_ATS_SUPPORTED,
} from './iort-model.js';
import { acpiCompanion, findNamedComponent, findRootComplex } from './node-lookup.js';

export interface SmmuDriverState {
  /**
   * Whether the SMMU driver has registered its ops for a node (iommu_ops_from_fwnode()).
   * Default: registered.
   */
  smmuReady?: boolean | ((smmu: IortNode) => boolean);
  /** CONFIG_ARM_SMMU / CONFIG_ARM_SMMU_V3: deferral needs the driver built. Default true. */
  smmuDriverEnabled?: boolean;
}

/** Software-node properties iort_named_component_init() attaches to an NC device. */
export interface NcProperties {
  'pasid-num-bits': number;
  'dma-can-stall'?: true;
}

export interface IortIommuResult {
  /** 0, -ENODEV, -EPROBE_DEFER, or an iommu_fwspec error. */
  ret: number;
  /** Set for a named component configured without error. */
  properties?: NcProperties;
}

/** iort_iommu_xlate() + arm_smmu_iort_xlate(). */
export function iortIommuXlate(
  dev: Device,
  node: IortNode | null,
  streamId: number,
  state: SmmuDriverState = {},
): number {
  if (!node) return -ENODEV;
  // iort_init_platform_devices() registers fwnodes only for SMMU, SMMUv3 and PMCG nodes.
  if (node.type !== 'smmu' && node.type !== 'smmu-v3' && node.type !== 'pmcg') return -ENODEV;
  const ready =
    node.type !== 'pmcg' &&
    (typeof state.smmuReady === 'function' ? state.smmuReady(node) : (state.smmuReady ?? true));
  if (!ready) {
    // iort_iommu_driver_enabled()
    if (node.type === 'pmcg') {
      logWarn(dev.log, `IORT node type ${IORT_TYPE_CODE.pmcg} does not describe an SMMU`);
      return -ENODEV;
    }
    return (state.smmuDriverEnabled ?? true) ? -EPROBE_DEFER : -ENODEV;
  }
  // The driver behind an IORT SMMU node is chosen by its type (arm-smmu-v3 or arm-smmu).
  const driver = node.type === 'smmu-v3' ? 'arm-smmu-v3' : 'arm-smmu';
  const ret = iommuFwspecInit(dev, iortFwnodeName(node), true, driver);
  return ret ? ret : iommuFwspecAddIds(dev, [streamId]);
}

function pciIommuConfigure(table: IortTable, dev: Device, state: SmmuDriverState): number {
  const pci = dev.pci!;
  const rc = findRootComplex(table, pci.segment, dev.log);
  if (!rc) return -ENODEV;
  const own = pciDevid(pci);
  const aliases = pci.aliases.length > 0 ? pci.aliases : [own];
  let err = 0;
  // pci_for_each_dma_alias(): stops at the first alias whose callback fails.
  for (const alias of aliases) {
    const { node, id } = iortNodeMapId(table, rc, alias, IORT_IOMMU_TYPE, dev.log);
    err = iortIommuXlate(dev, node, id, state);
    if (err) break;
  }
  if (dev.fwspec && rc.atsAttribute & RC_ATS_SUPPORTED) dev.fwspec.flags |= IOMMU_FWSPEC_PCI_RC_ATS;
  return err;
}

/** iort_nc_iommu_map(): each SINGLE mapping in turn until one is missing or fails. */
function ncIommuMap(table: IortTable, dev: Device, nc: IortNode, state: SmmuDriverState): number {
  let err = -ENODEV;
  for (let i = 0; ; i++) {
    const { node, id } = iortNodeMapPlatformId(table, nc, IORT_IOMMU_TYPE, i, dev.log);
    if (!node) break;
    err = iortIommuXlate(dev, node, id, state);
    if (err) break;
  }
  return err;
}

/**
 * iort_iommu_configure_id() (L..N int form): PCI devices per DMA alias through their root
 * complex, named components by `idIn` or their SINGLE mappings.
 */
export function iortIommuConfigureId(
  table: IortTable,
  dev: Device,
  idIn: number | null,
  state: SmmuDriverState = {},
): IortIommuResult {
  if (dev.pci) return { ret: pciIommuConfigure(table, dev, state) };
  const nc = findNamedComponent(table, acpiCompanion(dev), dev.log);
  if (!nc) return { ret: -ENODEV };
  let ret: number;
  if (idIn !== null) {
    const { node, id } = iortNodeMapId(table, nc, idIn, IORT_IOMMU_TYPE, dev.log);
    ret = node ? iortIommuXlate(dev, node, id, state) : -ENODEV;
  } else {
    ret = ncIommuMap(table, dev, nc, state);
  }
  if (ret) return { ret };
  const properties: NcProperties = {
    'pasid-num-bits': (nc.nodeFlags >> NC_PASID_BITS_SHIFT) & NC_PASID_BITS_MASK,
  };
  if (nc.nodeFlags & NC_STALL_SUPPORTED) properties['dma-can-stall'] = true;
  return { ret, properties };
}
