// Which driver binds an IOMMU node: the of_match tables of the IOMMU drivers (by DT compatible)
// and the IORT SMMU node types (iort_add_platform_device's node-type → driver choice).
import { DmasimError } from '@dmasim/dma-mapping';
import { type ArmSmmuModel, armSmmuInstance } from './arm-smmu.js';
import { genericIommuInstance } from './generic-iommu.js';
import type { IommuInstance } from './iommu-instance.js';
import { smmuV3Instance } from './smmu-v3.js';
import { virtioIommuInstance } from './virtio-iommu.js';

/** Typed error for an IORT node the IOMMU code cannot use. */
export class IommuFirmwareError extends DmasimError {
  static override readonly code: string = 'IOMMU_FIRMWARE';
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(`${node}: ${message}`);
    this.name = 'IommuFirmwareError';
  }
}

const ARM_SMMU_COMPATIBLES: Record<string, ArmSmmuModel> = {
  'arm,smmu-v1': 'smmu-v1',
  'arm,smmu-v2': 'smmu-v2',
  'arm,mmu-400': 'mmu-400',
  'arm,mmu-401': 'mmu-401',
  'arm,mmu-500': 'mmu-500',
  'cavium,smmu-v2': 'cavium-smmu-v2',
  'nvidia,smmu-500': 'mmu-500',
  'qcom,smmu-v2': 'smmu-v2',
};

/** Vendor IOMMUs mapped to the generic model: compatible prefix → (driver name, shared group). */
const GENERIC_PREFIXES: [RegExp, string, boolean][] = [
  [/^mediatek,mt\d+-m4u$|^mediatek,mt\d+-iommu/, 'mtk-iommu', true],
  [/^rockchip,(rk\d+-)?iommu$/, 'rk_iommu', false],
  [/^samsung,exynos-sysmmu$/, 'exynos-sysmmu', false],
  [/^nvidia,tegra\d+-smmu$/, 'tegra-smmu', false],
  [/^allwinner,sun50i-h6-iommu$/, 'sun50i-iommu', true],
];

/** The driver that binds a compatible string, and how it makes an instance for a node. */
interface DriverMatch {
  driverName: string;
  instance: (id: string) => IommuInstance;
}

// The IOMMU drivers' of_match tables, first match of the node's first matching string.
function matchDriver(compatible: readonly string[]): DriverMatch | null {
  for (const c of compatible) {
    if (c === 'arm,smmu-v3') {
      return { driverName: 'arm-smmu-v3', instance: (id) => smmuV3Instance({ id }) };
    }
    const model = ARM_SMMU_COMPATIBLES[c];
    if (model !== undefined) {
      return { driverName: 'arm-smmu', instance: (id) => armSmmuInstance({ id, model }) };
    }
    // The virtio-iommu binding: a PCI function (pci1af4,1057) or a virtio-mmio transport.
    if (c === 'virtio,pci-iommu' || c === 'pci1af4,1057' || c === 'virtio,mmio') {
      return { driverName: 'virtio-iommu', instance: (id) => virtioIommuInstance({ id }) };
    }
    for (const [re, driverName, groupPerInstance] of GENERIC_PREFIXES) {
      if (re.test(c)) {
        const linksMasters = driverName === 'exynos-sysmmu';
        return {
          driverName,
          instance: (id) =>
            genericIommuInstance({ id, driverName, groupPerInstance, linksMasters }),
        };
      }
    }
  }
  return null;
}

/**
 * The instance for a DT node that is the target of `iommus`/`iommu-map`, chosen by the first of
 * its compatible strings that a driver matches; null when no modelled driver binds it.
 */
export function iommuInstanceFromCompatible(
  id: string,
  compatible: readonly string[],
): IommuInstance | null {
  return matchDriver(compatible)?.instance(id) ?? null;
}

/**
 * The driver (its ops) that binds an IOMMU node with these compatibles, by the driver's name;
 * null when no modelled driver matches. iommu_fwspec_init() compares this. (No instance is made:
 * this runs for every IOMMU master.)
 */
export function iommuDriverForCompatible(compatible: readonly string[]): string | null {
  return matchDriver(compatible)?.driverName ?? null;
}

/** IORT node types that describe an SMMU. */
export const IORT_NODE_SMMU = 3;
export const IORT_NODE_SMMU_V3 = 4;

/** IORT SMMU (type 3) model field values. */
const IORT_SMMU_MODELS: Record<number, ArmSmmuModel> = {
  0: 'smmu-v1',
  1: 'smmu-v2',
  2: 'mmu-400',
  3: 'mmu-500',
  4: 'mmu-401',
  5: 'cavium-smmu-v2',
};

export interface IortSmmuNode {
  type: number;
  /** Type 3 only: the SMMU model. */
  model?: number;
  /** Type 3 only: context interrupt count, the context banks the driver can use. */
  contextInterrupts?: number;
}

/** The instance for an IORT SMMU node; a typed error for another node type or unknown model. */
export function iommuInstanceFromIortNode(id: string, node: IortSmmuNode): IommuInstance {
  if (node.type === IORT_NODE_SMMU_V3) return smmuV3Instance({ id });
  if (node.type === IORT_NODE_SMMU) {
    const model = IORT_SMMU_MODELS[node.model ?? -1];
    if (model === undefined) {
      throw new IommuFirmwareError(id, `unknown IORT SMMU model ${node.model}`);
    }
    return node.contextInterrupts === undefined
      ? armSmmuInstance({ id, model })
      : armSmmuInstance({ id, model, contextBanks: node.contextInterrupts });
  }
  throw new IommuFirmwareError(id, `IORT node type ${node.type} is not an SMMU`);
}
