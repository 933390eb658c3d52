import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IortError } from '@dmasim/acpi-iort';
import { describe, expect, it } from 'vitest';
import { loadAcpi } from './acpi-file.js';
import { parseAcpiPlatformFile } from './acpi-platform-file.js';
import { parseIortSpec } from './iort-spec.js';
import { LoadError } from './load.js';
import { PlatformFileError } from './platform-file.js';

describe('ACPI platform file', () => {
  it('reads the documented shape: numbers exact, PCI grouped by host bridge', () => {
    const p = parseAcpiPlatformFile(`
iort: tables/board.bin
memory: [{ start: 0x40000000, size: 0x80000000 }]
cmdline: "iommu.strict=0"
devices:
  - { path: '\\_SB_', cca: 1 }
  - path: '\\_SB_.DMA0'
    dma: [{ start: 0x8000_0000, end: "0xffff_ffff_ffff_ffff", offset: 0x8000_0000 }]
    crs: true
    initialMask: 0xffffffffffffffff
its: [{ id: 0, base: 0x08080000 }]
pci:
  - host: '\\_SB_.PCI0'
    segment: 0
    preserveConfig: true
    devices:
      - { bdf: "00:01.0", driverMask: 64, msi: true }
      - { bdf: "00:03.0", bridge: { secondary: 1, subordinate: 1 }, acs: true, pcie: root-port }
      - { bdf: "01:1f.7", aliases: [0x1ff, 0x8], driver: false }
  - { host: '\\_SB_.PCI1', segment: 1, devices: [{ bdf: "00:02.0" }] }
`);
    expect(p.iort).toEqual({ file: 'tables/board.bin' });
    expect(p.its).toEqual([{ id: 0, base: 0x0808_0000n }]);
    expect(p.platform).toEqual({
      memory: [{ start: 0x4000_0000n, size: 0x8000_0000n }],
      cmdline: 'iommu.strict=0',
      pci: [
        {
          host: '\\_SB_.PCI0',
          segment: 0,
          preserveConfig: true,
          devices: [
            { bdf: '00:01.0', driverMask: 64, msi: true },
            {
              bdf: '00:03.0',
              bridge: { secondary: 1, subordinate: 1 },
              acs: true,
              pcie: 'root-port',
            },
            { bdf: '01:1f.7', aliases: [0x1ff, 0x8], driver: false },
          ],
        },
        { host: '\\_SB_.PCI1', segment: 1, devices: [{ bdf: '00:02.0' }] },
      ],
    });
    expect(p.devices).toEqual([
      { path: '\\_SB_', cca: 1 },
      {
        path: '\\_SB_.DMA0',
        dma: [{ start: 0x8000_0000n, end: 0xffff_ffff_ffff_ffffn, offset: 0x8000_0000n }],
        crs: true,
        initialMask: 0xffff_ffff_ffff_ffffn,
      },
    ]);
  });

  it('takes an inline IORT spec, or a bare spec (nodes at the top)', () => {
    const inline = parseAcpiPlatformFile('iortSpec: { nodes: [{ type: its-group }] }\n');
    expect(inline.iort).toEqual({ spec: { nodes: [{ type: 'its-group' }] } });
    expect(inline.devices).toEqual([]);
    expect(inline.platform).toEqual({ pci: [] });
    const bare = parseAcpiPlatformFile('nodes: [{ type: its-group, identifiers: [0] }]\n');
    expect(bare).toEqual({
      iort: { spec: { nodes: [{ type: 'its-group', identifiers: [0] }] } },
      platform: {},
    });
  });

  // Each names the file, the line and the key path; the schema's words for wrong types and
  // unknown keys, the reader's for what a schema cannot say (a name listed twice).
  const bad: [string, string, string][] = [
    [
      'devices: [{ path: "\\\\_SB_.X", cca: 2 }]',
      'expected _CCA: 0 or 1',
      'f.yaml:1: devices[0].cca',
    ],
    [
      'devices: [{ path: "_SB_.X" }]',
      'expected a full ACPI path such as "\\\\_SB_.DEV0"',
      'f.yaml:1: devices[0].path',
    ],
    [
      'devices: [{ path: "\\\\X", dma: [{ start: 0, end: -1 }] }]',
      'expected an address or size: a number, or text like "0x1000" or "4K"',
      'f.yaml:1: devices[0].dma[0].end',
    ],
    [
      'devices: [{ path: "\\\\X", dma: [{ start: 0, end: "0x1_0000_0000_0000_0000" }] }]',
      'value does not fit in 64 bits: "0x1_0000_0000_0000_0000"',
      'f.yaml:1: devices[0].dma[0].end',
    ],
    [
      'devices: [{ path: "\\\\X", dma: [{ start: 0, end: 0x10000000000000000 }] }]',
      'value does not fit in 64 bits: "18446744073709551616"',
      'f.yaml:1: devices[0].dma[0].end',
    ],
    [
      'devices: [{ path: "\\\\X", dma: { start: 0 } }]',
      'expected a list of _DMA windows { start, end, offset }',
      'f.yaml:1: devices[0].dma',
    ],
    [
      'devices: [{ path: "\\\\X", cca: 1, ccA: 0 }]',
      'unknown key "ccA" (known: path, parent, cca, dma, crs, initialMask)',
      'f.yaml:1: devices[0]',
    ],
    [
      'devices:\n  - path: "\\\\X"\n  - path: "\\\\X"\n',
      '\\X is listed twice',
      'f.yaml:3: devices[1].path',
    ],
    [
      'devices: [{ path: "\\\\X", parent: "\\\\Y" }]',
      '\\Y is not a listed device',
      'f.yaml:1: devices[0].parent',
    ],
    [
      'pci: [{ host: "\\\\P", devices: [{ bdf: "00:20.0" }] }]',
      '"00:20.0": device number 0x20 is above 0x1f',
      'f.yaml:1: pci[0].devices[0].bdf',
    ],
    [
      'pci: [{ host: "\\\\P", devices: [{ bdf: "0:00:01.0" }] }]',
      'expected bus:device.function, e.g. "00:01.0"',
      'f.yaml:1: pci[0].devices[0].bdf',
    ],
    [
      'pci: [{ host: "\\\\P", segment: 65536 }]',
      'expected the PCI segment, 0 to 65535',
      'f.yaml:1: pci[0].segment',
    ],
    [
      'pci: [{ host: "\\\\P", devices: [{ bdf: "00:01.0", aliases: [] }] }]',
      "expected a non-empty list of DMA alias requester IDs (replacing the topology's)",
      'f.yaml:1: pci[0].devices[0].aliases',
    ],
    ['pci: [{ segment: 0, bdf: "00:01.0" }]', 'is missing', 'f.yaml:1: pci[0].host'],
    [
      'pci: [{ host: "PCI0" }]',
      'expected the host bridge\'s full ACPI path, e.g. "\\\\_SB_.PCI0"',
      'f.yaml:1: pci[0].host',
    ],
    [
      'pci: [{ host: "\\\\P", preserveConfig: 1 }]',
      'expected _DSM function 5: gates IORT RMRs for PCI',
      'f.yaml:1: pci[0].preserveConfig',
    ],
    ['its: [{ id: 0 }]', 'is missing', 'f.yaml:1: its[0].base'],
    ['pci: {}', 'expected a list', 'f.yaml:1: pci'],
    [
      'iort: a.bin\niortSpec: {}',
      'give either iort (a file) or iortSpec (inline), not both',
      'f.yaml',
    ],
    [
      'iortSpec: { nodes: [{ type: smmu-v4 }] }',
      'expected its-group, named-component, root-complex, smmu, smmu-v3, pmcg, rmr or unknown',
      'f.yaml:1: iortSpec.nodes[0].type',
    ],
    [
      'iortSpec:\n  nodes:\n    - type: smmu-v3\n      baseAdress: 1\n',
      'unknown key "baseAdress" (known: type, name, offset, length, revision, identifier, mappingOffset, mappings, baseAddress, flags, vatosAddress, model, eventGsiv, priGsiv, gerrGsiv, syncGsiv, pxm, idMappingIndex)',
      'f.yaml:4: iortSpec.nodes[0]',
    ],
    [
      'iortSpec: { nodes: [{ type: rmr, rmrFlags: "0x1_0000_0000" }] }',
      '"0x1_0000_0000" does not fit in 32 bits',
      'f.yaml:1: iortSpec.nodes[0].rmrFlags',
    ],
    [
      'cmdline: ""\ndevice: []',
      'unknown key "device" (known: iort, iortSpec, memory, cmdline, devices, its, pci)',
      'f.yaml:2',
    ],
    ['[1, 2]', 'the top level must be a mapping', 'f.yaml'],
  ];

  it.each(bad)('%s → %s', (text, message, where) => {
    expect(() => parseAcpiPlatformFile(text, 'f.yaml')).toThrow(
      new PlatformFileError(message, where),
    );
  });

  it('a YAML syntax error is a PlatformFileError naming the file', () => {
    expect(() => parseAcpiPlatformFile('devices: [', 'f.yaml')).toThrow(PlatformFileError);
  });
});

describe('loading an ACPI platform', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmasim-acpi-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('an IORT spec named relative to the platform file is built in memory', () => {
    file('t.iort.yaml', 'nodes: [{ type: its-group, identifiers: [0] }]\n');
    const loaded = loadAcpi(file('p.yaml', 'iort: t.iort.yaml\ndevices: [{ path: "\\\\X" }]\n'));
    expect(loaded.table?.nodes.map((n) => n.type)).toEqual(['its-group']);
    expect(loaded.firmware.devices).toEqual([{ path: '\\X' }]);
  });

  it('a missing table file is a LoadError; a platform file named as the table is refused', () => {
    expect(() => loadAcpi(file('m.yaml', 'iort: missing.bin\n'))).toThrow(LoadError);
    expect(() => loadAcpi(file('self.yaml', 'iort: self.yaml\n'))).toThrow(
      /self.yaml is not an IORT table/,
    );
  });

  it('a corrupt table is an IortError with its byte offset', () => {
    const bin = join(dir, 'bad.bin');
    writeFileSync(
      bin,
      new Uint8Array([
        ...new TextEncoder().encode('IORT'),
        0xff,
        0,
        0,
        0,
        ...new Array(40).fill(0),
      ]),
    );
    const err = (() => {
      try {
        loadAcpi(bin);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(IortError);
    expect(err).toMatchObject({ byteOffset: 4 });
  });

  it("a spec value that does not fit its field is an error naming the key; a layout error is the writer's IortError", () => {
    expect(() =>
      parseIortSpec('nodes: [{ type: root-complex, memoryAddressLimit: 256 }]', 's.yaml'),
    ).toThrow(
      new PlatformFileError(
        'expected address bits the root complex can drive',
        's.yaml:1: nodes[0].memoryAddressLimit',
      ),
    );
    // What only the layout shows (a node too short for its data) is the writer's to find.
    expect(() =>
      loadAcpi(file('short.yaml', 'iortSpec: { nodes: [{ type: root-complex, length: 8 }] }\n')),
    ).toThrow(IortError);
  });
});
