// The packages as a user installs them: every tarball passes @arethetypeswrong/cli, and
// @dmasim/of, installed from its tarball and its @dmasim/* dependencies' tarballs alone into a
// fresh directory outside the workspace, works from `import`, from `require()` and from
// TypeScript under moduleResolution node16 and bundler.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attw,
  freshInstall,
  type PackedPackage,
  packAll,
  packThirdParty,
  removeScratch,
  run,
  tsc,
  withDependencies,
} from './packed.js';
import { readmeExample } from './readme-example.js';

let packed: Map<string, PackedPackage>;
beforeAll(async () => {
  packed = await packAll();
}, 600_000);
afterAll(removeScratch);

// A bus that shifts DMA addresses: 0xc0000000 on the bus is 0 in CPU space, 1 GiB long.
const dts = `/dts-v1/;
/ {
  #address-cells = <1>; #size-cells = <1>;
  soc {
    compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
    dma-ranges = <0xc0000000 0x0 0x40000000>;
  };
};`;
const use = (tree: string) => `
const tree = parseDts(${JSON.stringify(dts)});
const soc = findNodeByPath(tree, '/soc');
if (!soc) throw new Error('no /soc');
const { ret, map } = ofDmaGetRange(createOfContext(tree), soc);
const limit = dmaRangeMapMax(map ?? []);
console.log(${tree}, ret, map?.map((r) => [r.cpuStart, r.dmaStart, r.size].map(hex).join(' ')).join(), hex(limit));
`;
const esm = `import { createOfContext, findNodeByPath, ofDmaGetRange, parseDts } from '@dmasim/of';
import { dmaRangeMapMax, hex } from '@dmasim/dma-mapping';
${use("'esm'")}`;
const cjs = `const { createOfContext, findNodeByPath, ofDmaGetRange, parseDts } = require('@dmasim/of');
const { dmaRangeMapMax, hex } = require('@dmasim/dma-mapping');
${use("'cjs'")}`;
const expected = (kind: string) => `${kind} 0 0x0 0xc0000000 0x40000000 0xffffffff\n`;

describe('@dmasim/of from its tarballs in a fresh directory', () => {
  let dir: string;
  beforeAll(async () => {
    const tarballs = withDependencies(packed, ['@dmasim/of']);
    dir = await freshInstall(tarballs, {
      'esm.mjs': esm,
      'cjs.cjs': cjs,
      'esm.ts': esm,
      // In a .cts file, `import` compiles to require(): the types come from the require condition.
      'cjs.cts': esm,
      'tsconfig.node16.json': tsconfig('node16', 'node16', ['esm.ts', 'cjs.cts']),
      'tsconfig.bundler.json': tsconfig('esnext', 'bundler', ['esm.ts']),
    });
  }, 600_000);

  test('only @dmasim/of and its @dmasim/* dependencies were installed', () => {
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    const installed = Object.keys(lock.packages)
      .filter((p) => p !== '')
      .sort();
    expect(installed).toEqual([
      'node_modules/@dmasim/dma-mapping',
      'node_modules/@dmasim/iommu-core',
      'node_modules/@dmasim/of',
    ]);
    // The packed manifest asks for its siblings with a caret range, not an exact pin.
    const version = packed.get('@dmasim/dma-mapping')!.tarball.match(/-(\d+\.\d+\.\d+)\.tgz$/)![1];
    expect(packed.get('@dmasim/of')!.dependencies['@dmasim/dma-mapping']).toBe(`^${version}`);
  });

  test('import works', async () => {
    expect(await run('node', ['esm.mjs'], dir)).toBe(expected('esm'));
  });

  test('require() works', async () => {
    expect(await run('node', ['cjs.cjs'], dir)).toBe(expected('cjs'));
  });

  test('a TypeScript consumer type-checks under moduleResolution node16 and bundler', async () => {
    await run('node', [tsc, '-p', 'tsconfig.node16.json'], dir);
    await run('node', [tsc, '-p', 'tsconfig.bundler.json'], dir);
  });
});

function tsconfig(module: string, moduleResolution: string, files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      module,
      moduleResolution,
      target: 'es2022',
      lib: ['es2022', 'dom'],
      strict: true,
      noEmit: true,
      types: [],
      skipLibCheck: false,
    },
    files,
  });
}

// The CLI bundles the @dmasim/* packages (apps/sim/tsup.config.ts) and requires its third-party
// libraries (YAML, TypeBox) only for YAML inputs: both must hold in a real install.
describe('the dmasim CLI from its tarball in a fresh directory', () => {
  let dir: string;
  let examples: string;
  beforeAll(async () => {
    const cli = packed.get('dmasim')!;
    dir = await freshInstall([
      ...withDependencies(packed, ['dmasim']),
      ...(await packThirdParty(cli.dir)),
    ]);
    examples = join(dir, 'node_modules', 'dmasim', 'examples');
  }, 600_000);

  const dmasim = async (...argv: string[]) =>
    JSON.parse(await run(join(dir, 'node_modules', '.bin', 'dmasim'), argv, dir));

  test('inspects a device tree', async () => {
    const report = await dmasim('inspect', join(examples, 'example-soc.dts'), '--json');
    expect(report.schema).toBe('dmasim.inspect/1');
    expect(report.arch).toBe('arm64');
    expect(report.devices).toHaveLength(15);
  });

  test('inspects an ACPI platform file (YAML, checked against its schema)', async () => {
    const report = await dmasim('inspect', join(examples, 'example-acpi.platform.yaml'), '--json');
    expect(report.schema).toBe('dmasim.inspect/1');
    // _CCA 0 in the platform file: the one non-coherent device.
    const coherent = (path: string) =>
      report.devices.find((d: { path: string }) => d.path === path)?.coherent;
    expect(coherent('\\_SB_.ETH0')).toBe(false);
    expect(coherent('\\_SB_.DMA0')).toBe(true);
  });
});

describe('@arethetypeswrong/cli', () => {
  test('finds no problem in any package', async () => {
    const queue = [...packed.values()];
    // Two at a time: the machine has two cores.
    const worker = async () => {
      for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
        // The CLI package is ESM only; its library entry is for ESM importers.
        const profile = pkg.name.startsWith('@dmasim/') ? 'strict' : 'esm-only';
        await run('node', [attw, pkg.tarball, '--profile', profile, '--format', 'ascii'], pkg.dir);
      }
    };
    await Promise.all([worker(), worker()]);
  });
});

describe('README usage examples, run against the packed packages', () => {
  const libraries = () => [...packed.values()].filter((pkg) => pkg.name.startsWith('@dmasim/'));
  let dir: string;
  beforeAll(async () => {
    dir = await freshInstall(
      withDependencies(
        packed,
        libraries().map((pkg) => pkg.name),
      ),
    );
    for (const pkg of libraries()) {
      const readme = join(pkg.dir, 'README.md');
      const { code } = readmeExample(readFileSync(readme, 'utf8'), readme);
      const name = basename(pkg.dir);
      writeFileSync(join(dir, `${name}.ts`), code);
      const js = ts.transpileModule(code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(dir, `${name}.mjs`), js.outputText);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      tsconfig(
        'node16',
        'node16',
        libraries().map((pkg) => `${basename(pkg.dir)}.ts`),
      ),
    );
  }, 600_000);

  test('every example type-checks', async () => {
    await run('node', [tsc, '-p', 'tsconfig.json'], dir);
  });

  test('every example prints what its README says', async () => {
    for (const pkg of libraries()) {
      const readme = join(pkg.dir, 'README.md');
      const { output } = readmeExample(readFileSync(readme, 'utf8'), readme);
      expect(await run('node', [`${basename(pkg.dir)}.mjs`], dir), readme).toBe(output);
    }
  });
});
