// Default domain policy: iommu_subsys_init() (command line and Kconfig) and
// iommu_get_default_domain_type() per group (driver def_domain_type, untrusted devices).
import { type KernelLog, logErr, logInfo, logWarn } from '@dmasim/dma-mapping';
import { kstrtobool } from './cmdline.js';
import type { DomainType } from './domain.js';

export interface IommuPolicyInput {
  /** iommu.passthrough= as written on the command line (undefined when absent). */
  passthrough?: string;
  /** iommu.strict= as written on the command line. */
  strict?: string;
  /** CONFIG_IOMMU_DEFAULT_PASSTHROUGH (Debian: n). */
  configDefaultPassthrough?: boolean;
  /** CONFIG_IOMMU_DEFAULT_DMA_STRICT (Debian: y). */
  configDefaultDmaStrict?: boolean;
  /** cc_platform_has(CC_ATTR_MEM_ENCRYPT). */
  memEncrypt?: boolean;
}

export interface IommuPolicy {
  /** iommu_def_domain_type. */
  defaultType: 'identity' | 'DMA' | 'DMA-FQ';
  /** iommu_dma_strict. */
  strict: boolean;
}

/**
 * iommu_subsys_init() with the early params already applied: the global default type and TLB
 * policy, and the two "iommu: " lines it prints. A malformed value is ignored with the
 * early-param warning.
 */
export function iommuSubsysInit(input: IommuPolicyInput, log: KernelLog): IommuPolicy {
  let passthrough: boolean | null = null;
  let strictCmd: boolean | null = null;
  if (input.passthrough !== undefined) {
    passthrough = kstrtobool(input.passthrough);
    if (passthrough === null) logWarn(log, "Malformed early option 'iommu.passthrough'");
  }
  if (input.strict !== undefined) {
    strictCmd = kstrtobool(input.strict);
    if (strictCmd === null) logWarn(log, "Malformed early option 'iommu.strict'");
  }
  let identity = passthrough ?? false;
  if (passthrough === null) {
    identity = input.configDefaultPassthrough ?? false;
    if (identity && input.memEncrypt) {
      logInfo(log, 'iommu: Memory encryption detected - Disabling default IOMMU Passthrough');
      identity = false;
    }
  }
  const strict = strictCmd ?? input.configDefaultDmaStrict ?? true;
  const defaultType: IommuPolicy['defaultType'] = identity ? 'identity' : strict ? 'DMA' : 'DMA-FQ';
  const viaCmdline = passthrough !== null ? ' (set via kernel command line)' : '';
  logInfo(
    log,
    `iommu: Default domain type: ${identity ? 'Passthrough' : 'Translated'}${viaCmdline}`,
  );
  if (!identity) {
    logInfo(
      log,
      `iommu: DMA domain TLB invalidation policy: ${strict ? 'strict' : 'lazy'} mode${
        strictCmd !== null ? ' (set via kernel command line)' : ''
      }`,
    );
  }
  return { defaultType, strict };
}

/** What one group member contributes to the choice. */
export interface GroupMemberPolicy {
  name: string;
  /** The driver's def_domain_type() for it; null when it has no preference. */
  driverType: 'identity' | 'DMA' | null;
  /** pci_dev->untrusted (external-facing port). */
  untrusted: boolean;
}

function typeString(t: 'identity' | 'DMA'): string {
  return t === 'identity' ? 'Passthrough' : 'Translated';
}

/**
 * iommu_get_default_domain_type() + iommu_group_alloc_default_domain()'s choice: a driver's
 * def_domain_type wins (identity beats DMA on conflict, logged); an untrusted member forces DMA
 * (never FQ) and refuses an identity request (null: probe fails); otherwise the global default.
 */
export function groupDefaultDomainType(
  policy: IommuPolicy,
  members: readonly GroupMemberPolicy[],
  groupId: number,
  log: KernelLog,
): DomainType | null {
  let driverType: 'identity' | 'DMA' | null = null;
  let untrusted = false;
  for (const m of members) {
    if (m.driverType !== null && driverType !== m.driverType) {
      if (driverType === null) {
        driverType = m.driverType;
      } else {
        logErr(
          log,
          `${m.name}: IOMMU driver error, requesting conflicting def_domain_type, ${typeString(driverType)} and ${typeString(m.driverType)}, for devices in group ${groupId}.`,
        );
        if (m.driverType === 'identity') driverType = 'identity';
      }
    }
    if (m.untrusted) {
      if (driverType === 'identity') {
        logErr(
          log,
          `${m.name}: Device is not trusted, but driver is overriding group ${groupId} to Passthrough, refusing to probe.`,
        );
        return null;
      }
      untrusted = true;
    }
  }
  if (driverType !== null) return driverType;
  if (untrusted) return 'DMA';
  return policy.defaultType;
}
