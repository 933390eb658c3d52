import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleDir } from '../corpus.js';
import { inspectDeviceKeys } from '../test-boot.js';
import { cli } from '../test-cli.js';

/** The --json output, less its schema tag. */
function run(command: string, argv: string[]): unknown {
  const r = cli([command, ...argv, '--json']);
  expect(r.stderr).toBe('');
  const { schema, ...json } = JSON.parse(r.stdout) as { schema: string };
  expect(schema).toMatch(/^dmasim\.[a-z-]+\/1$/);
  return json;
}

const dir = mkdtempSync(join(tmpdir(), 'dmasim-cli-'));
const dts = join(dir, 'probe.dts');
writeFileSync(
  dts,
  `/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	soc {
		compatible = "simple-bus";
		#address-cells = <1>;
		#size-cells = <1>;
		ranges = <0x7e000000 0xfe000000 0x1800000>;
		dma-ranges = <0x0 0x20000000 0x10000000>, <0x10000000 0x30000000 0x10000000>;
		serial@7e201000 { compatible = "arm,pl011", "arm,primecell"; reg = <0x7e201000 0x200>; };
	};
};
`,
);

describe('dmasim of probes', () => {
  it('dma-range merges contiguous entries and translates both ways', () => {
    expect(
      run('of', ['dma-range', dts, '/soc', '--phys-to-dma', '0x20000000', '--dma-to-phys', '0x0']),
    ).toEqual({
      ret: 0,
      map: [{ cpuStart: '0x20000000', dmaStart: '0x0', size: '0x20000000' }],
      physToDma: { '0x20000000': '0x0' },
      dmaToPhys: { '0x0': '0x20000000' },
      log: [],
    });
  });

  it('ranges and dma-ranges through the range parser', () => {
    expect(run('of', ['ranges', dts, '/soc'])).toEqual({
      count: 1,
      ranges: [{ flags: '0x200', busAddr: '0x7e000000', cpuAddr: '0xfe000000', size: '0x1800000' }],
    });
    expect(run('of', ['ranges', dts, '/soc', '--dma'])).toMatchObject({ count: 1 });
  });

  it('reg is untranslated, resource is translated', () => {
    expect(run('of', ['reg', dts, '/soc/serial@7e201000'])).toEqual({
      ret: 0,
      addr: '0x7e201000',
      size: '0x200',
    });
    expect(run('of', ['resource', dts, '/soc/serial@7e201000'])).toEqual({
      ret: 0,
      start: '0xfe201000',
      size: '0x200',
      flags: '0x200',
    });
    expect(run('of', ['reg', dts, '/soc/serial@7e201000', '1'])).toEqual({ ret: -22 });
  });

  it('max-cpu-address is the end of the lowest DMA window', () => {
    expect(run('of', ['max-cpu-address', dts])).toEqual({ max: '0x3fffffff' });
  });
});

describe('dmasim inspect --json', () => {
  it('has exactly the documented shape', () => {
    const report = run('inspect', [resolve(exampleDir, 'example-soc.dts')]) as {
      arch: string;
      devices: Record<string, unknown>[];
    };
    expect(report.arch).toBe('arm64');
    for (const d of report.devices) expect(Object.keys(d).sort()).toEqual(inspectDeviceKeys(d));
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
