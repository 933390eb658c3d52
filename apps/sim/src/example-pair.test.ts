// One machine, two firmware descriptions: examples/example-pair.dts and the ACPI pair
// (example-pair.iort.yaml + example-pair.platform.yaml). What the kernel's OF and ACPI paths
// decide for each device, side by side: equal where the two paths compute the same thing, and
// each difference named with its reason.
import { resolve } from 'node:path';
import { archHooks } from '@dmasim/arch';
import { type KernelReleaseName, kernelRelease } from '@dmasim/dma-mapping';
import { createOfContext, createPciEndpoint, ofPciDmaConfigure } from '@dmasim/of';
import { describe, expect, it } from 'vitest';
import { loadAcpi } from './acpi-file.js';
import { inspectCommand } from './commands/inspect.js';
import { exampleDir } from './corpus.js';
import { loadDeviceTree } from './device-tree-file.js';
import type { DeviceReport, InspectReport } from './report.js';
import { inspectAcpi } from './test-boot.js';
import { commandArgs } from './test-cli.js';

const dtsFile = resolve(exampleDir, 'example-pair.dts');
const acpiFile = resolve(exampleDir, 'example-pair.platform.yaml');

const inspect = (file: string, kernel: KernelReleaseName) =>
  inspectCommand(commandArgs('inspect', [file, '--kernel', kernel])).json as InspectReport;

/** Each device's role, by its name in the DT report and in the ACPI report. */
const ROLES = {
  smmu: { of: '/iommu@2b400000', acpi: 'iort@0x48' },
  hostBridge: { of: '/pcie@40000000', acpi: '\\_SB_.PCI0' },
  dmaEngine: { of: '/bus@20000000/dma-controller@10000', acpi: '\\_SB_.DMA0' },
  endpoint: { of: 'pci:0000:00:01.0', acpi: 'pci:0000:00:01.0' },
} as const;

function device(report: InspectReport, path: string): DeviceReport {
  const d = report.devices.find((x) => x.path === path);
  if (!d) throw new Error(`no device ${path} in ${report.devices.map((x) => x.path).join(', ')}`);
  return d;
}

/** The fields both paths compute the same way for this machine. */
function agreed(d: DeviceReport) {
  return {
    bus: d.bus,
    ret: d.ret,
    dmaMask: d.dmaMask,
    coherentDmaMask: d.coherentDmaMask,
    busDmaLimit: d.busDmaLimit,
    coherent: d.coherent,
    streamIds: d.iommu?.ids ?? null,
  };
}

describe.each(['6.10', '6.7'] as const)('example pair, Linux %s', (kernel) => {
  const of = inspect(dtsFile, kernel);
  const acpi = inspect(acpiFile, kernel);

  it('the same devices, plus the simple-bus that only the device tree has', () => {
    const roles = Object.values(ROLES);
    expect(of.devices.map((d) => d.path).sort()).toEqual(
      [...roles.map((r) => r.of), '/bus@20000000'].sort(),
    );
    expect(acpi.devices.map((d) => d.path).sort()).toEqual(roles.map((r) => r.acpi).sort());
  });

  it.each(Object.entries(ROLES))(
    '%s: masks, bus_dma_limit, coherency and stream IDs agree',
    (_, r) => {
      expect(agreed(device(acpi, r.acpi))).toEqual(agreed(device(of, r.of)));
    },
  );

  it('the values both paths agree on', () => {
    // Masks stay DMA_BIT_MASK(32): a new device starts there and both limits are wider or equal.
    // The endpoint's limit: OF's window end 2^48 - 1 = the IORT's DMA_BIT_MASK(48).
    expect(agreed(device(acpi, ROLES.endpoint.acpi))).toEqual({
      bus: 'pci',
      ret: 0,
      dmaMask: '0xffffffff',
      coherentDmaMask: '0xffffffff',
      busDmaLimit: '0xffffffffffff',
      coherent: true,
      streamIds: ['0x10008'],
    });
    // The DMA engine: a 4 GiB window ending at 0xffffffff = the NC's DMA_BIT_MASK(32); its one
    // stream ID from iommus = <&smmu 0x20> and from the NC's SINGLE mapping.
    expect(agreed(device(acpi, ROLES.dmaEngine.acpi))).toEqual({
      bus: 'platform',
      ret: 0,
      dmaMask: '0xffffffff',
      coherentDmaMask: '0xffffffff',
      busDmaLimit: '0xffffffff',
      coherent: false,
      streamIds: ['0x20'],
    });
    // Neither the SMMU nor the host bridge has a limit: no dma-ranges above them / no IORT NC.
    for (const r of [ROLES.smmu, ROLES.hostBridge]) {
      expect(device(acpi, r.acpi)).toMatchObject({
        busDmaLimit: '0x0',
        coherent: true,
        iommu: null,
      });
    }
  });

  it('differs: OF sets the range map from dma-ranges, an IORT limit sets none', () => {
    expect(device(of, ROLES.endpoint.of).rangeMap).toEqual([
      { cpuStart: '0x0', dmaStart: '0x0', size: '0x1000000000000' },
    ]);
    expect(device(of, ROLES.dmaEngine.of).rangeMap).toEqual([
      { cpuStart: '0x0', dmaStart: '0x0', size: '0x100000000' },
    ]);
    expect(device(acpi, ROLES.endpoint.acpi).rangeMap).toBeNull();
    expect(device(acpi, ROLES.dmaEngine.acpi).rangeMap).toBeNull();
  });

  it('differs: the IOMMU is named by its DT node vs by its IORT table offset', () => {
    expect(device(of, ROLES.dmaEngine.of).iommu?.node).toBe('/iommu@2b400000');
    expect(device(acpi, ROLES.dmaEngine.acpi).iommu?.node).toBe('iort@0x48');
  });

  it('differs: OF AND-clips the masks while ACPI min-clips them (seen with an odd initial mask)', () => {
    // With real driver masks (2^n - 1) AND and min agree; a mask of bit 48 alone shows the rule.
    const odd = 0x1_0000_0000_0000n;
    const ctx = createOfContext(loadDeviceTree(dtsFile));
    const ep = createPciEndpoint(ctx, '/pcie@40000000', 0, 1, 0);
    ep.device.coherentDmaMask = odd;
    ofPciDmaConfigure(ctx, ep, { kernel: kernelRelease(kernel), arch: archHooks('arm64') });
    expect(ep.device.coherentDmaMask).toBe(0n); // 2^48 & DMA_BIT_MASK(48)

    // A PCI function always starts at 32 bits (pci_setup_device()); an ACPI device object's
    // initial mask is the platform's: bit 32 alone against the DMA engine's 32-bit IORT limit.
    const loaded = loadAcpi(acpiFile);
    const devices = (loaded.firmware.devices ?? []).map((d) =>
      d.path === '\\_SB_.DMA0' ? { ...d, initialMask: 0x1_0000_0000n } : d,
    );
    const report = inspectAcpi(loaded, { kernel: kernelRelease(kernel) }, { devices });
    expect(device(report, ROLES.dmaEngine.acpi).coherentDmaMask).toBe('0xffffffff'); // min
  });

  it('differs: coherency comes from dma-coherent vs _CCA (not from the IORT CCA field)', () => {
    // The DT host bridge has dma-coherent; the ACPI host bridge \_SB_.PCI0 has _CCA 1. With
    // _CCA 0 the endpoint is non-coherent although the IORT root complex still says CCA 1.
    const loaded = loadAcpi(acpiFile);
    const devices = (loaded.firmware.devices ?? []).map((d) =>
      d.path === '\\_SB_.PCI0' ? { ...d, cca: 0 as const } : d,
    );
    const report = inspectAcpi(loaded, { kernel: kernelRelease(kernel) }, { devices });
    expect(device(report, ROLES.endpoint.acpi).coherent).toBe(false);
    expect(device(of, ROLES.endpoint.of).coherent).toBe(true);
  });
});
