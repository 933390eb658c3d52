// Tests' access to ../shared/corpus (skipped with a printed reason when absent) and to the
// bundled examples; never part of the package's build.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DeviceTree, parseDts, parseFdt } from '@dmasim/of';
import type { PlatformDescription } from '../src/firmware.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const corpusDir = resolve(
  process.env.DMASIM_SHARED ?? resolve(repoRoot, '../shared'),
  'corpus',
);
export const hasCorpus = existsSync(resolve(corpusDir, 'dtb'));
if (!hasCorpus) console.log(`corpus tests skipped: no corpus at ${corpusDir}`);

export const blob = (name: string): DeviceTree =>
  parseFdt(new Uint8Array(readFileSync(resolve(corpusDir, 'dtb', name))));

export const exampleTree = (name: string): DeviceTree =>
  parseDts(readFileSync(resolve(repoRoot, 'apps/sim/examples', name), 'utf8'), { fileName: name });

/** apps/sim/examples/qemu-virt.platform.yaml as data: QEMU virt's PCI functions. */
export const QEMU_VIRT_PLATFORM: PlatformDescription = {
  pci: [
    {
      host: '/pcie@10000000',
      devices: [
        { bdf: '00:00.0', driver: false },
        { bdf: '00:01.0', driverMask: 64, msi: true },
        { bdf: '00:02.0', driverMask: 64, msi: true },
        {
          bdf: '00:03.0',
          bridge: { secondary: 1, subordinate: 1 },
          acs: true,
          pcie: 'root-port',
          msi: true,
        },
        { bdf: '01:00.0', driverMask: 64, msi: true },
      ],
    },
  ],
};
