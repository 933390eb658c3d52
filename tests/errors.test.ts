// Every error class any package exports extends DmasimError and has its own stable `code`.
// Reads the built packages (dist/), as a user's program would load them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { publishablePackages } from './packed.js';

type ErrorClass = (abstract new (...args: never[]) => Error) & { code?: string };
const errorClasses = new Map<string, { pkg: string; cls: ErrorClass }>();
let DmasimError: ErrorClass;

beforeAll(async () => {
  for (const [name, { dir }] of publishablePackages()) {
    if (!name.startsWith('@dmasim/')) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const entry = join(dir, manifest.exports['.'].import.default);
    const exports: Record<string, unknown> = await import(pathToFileURL(entry).href);
    for (const [exported, value] of Object.entries(exports)) {
      if (typeof value === 'function' && value.prototype instanceof Error) {
        errorClasses.set(exported, { pkg: name, cls: value as ErrorClass });
      }
    }
    if (name === '@dmasim/dma-mapping') DmasimError = exports.DmasimError as ErrorClass;
  }
});

test('the packages export their error classes', () => {
  expect(errorClasses.size).toBeGreaterThanOrEqual(20);
  expect(errorClasses.get('DmasimError')?.pkg).toBe('@dmasim/dma-mapping');
});

test('every exported error class extends DmasimError', () => {
  const strays = [...errorClasses]
    .filter(([name, { cls }]) => name !== 'DmasimError' && !(cls.prototype instanceof DmasimError))
    .map(([name, { pkg }]) => `${pkg} ${name}`);
  expect(strays).toEqual([]);
});

test('every error class has its own code, unique across the packages', () => {
  const byCode = new Map<string, string>();
  for (const [name, { cls }] of errorClasses) {
    expect(Object.hasOwn(cls, 'code'), `${name} sets no static code`).toBe(true);
    expect(cls.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
    expect(byCode.get(cls.code!), `${name} reuses ${cls.code}`).toBeUndefined();
    byCode.set(cls.code!, name);
  }
});

test('a thrown error carries its class, name and code', async () => {
  const of = await import(
    pathToFileURL(join(publishablePackages().get('@dmasim/of')!.dir, 'dist/index.js')).href
  );
  const notABlob = new Uint8Array([0xd0, 0x0d, 0xfe, 0xee, 0, 0, 0, 8]);
  let thrown: unknown;
  try {
    of.parseFdt(notABlob);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DmasimError);
  expect(thrown).toBeInstanceOf(of.FdtError);
  expect(thrown).toMatchObject({ name: 'FdtError', code: 'FDT_MALFORMED' });
});

/**
 * Every exported function that reads user text (or bytes): the inputs it is tried on. A new
 * exported `parse*` function must be listed here (or under NOT_USER_TEXT with the reason).
 */
const TEXT = fc.string({ maxLength: 40 });
const NUMBERISH = fc.string({
  unit: fc.constantFrom(...'0123456789abcdefxX_kKmMgGtT:., -#'),
  maxLength: 30,
});
const PARSERS: Record<string, { pkg: string; inputs: fc.Arbitrary<unknown[]>; bad: unknown[] }> = {
  parseU64: {
    pkg: '@dmasim/dma-mapping',
    inputs: fc.tuple(fc.oneof(TEXT, NUMBERISH)),
    bad: ['0x_'],
  },
  parseSwiotlbParam: {
    pkg: '@dmasim/dma-direct',
    inputs: fc.tuple(fc.oneof(TEXT, NUMBERISH)),
    bad: ['1,2,x'],
  },
  parseBdf: {
    pkg: '@dmasim/dma-mapping',
    inputs: fc.tuple(fc.oneof(TEXT, NUMBERISH), fc.nat(0xffff)),
    bad: ['00:20.0', 0],
  },
  parseDevfn: {
    pkg: '@dmasim/dma-mapping',
    inputs: fc.tuple(fc.oneof(TEXT, NUMBERISH)),
    bad: ['20.0'],
  },
  parseIommuCmdline: { pkg: '@dmasim/iommu-core', inputs: fc.tuple(TEXT), bad: [] },
  cmdlineParams: { pkg: '@dmasim/iommu-core', inputs: fc.tuple(TEXT), bad: [] },
  kstrtobool: { pkg: '@dmasim/iommu-core', inputs: fc.tuple(TEXT), bad: [] },
  parseKernelCmdline: {
    pkg: '@dmasim/machine',
    inputs: fc.tuple(
      fc.oneof(
        TEXT,
        NUMBERISH.map((t) => `swiotlb=${t} iommu.strict=${t}`),
      ),
      fc.constant([]),
    ),
    bad: [],
  },
  parseDts: {
    pkg: '@dmasim/of',
    inputs: fc.tuple(
      fc.oneof(
        TEXT,
        TEXT.map((t) => `/dts-v1/; / { ${t} };`),
      ),
    ),
    bad: ['/dts-v1/; / { a = <0x_>; };'],
  },
  parseFdt: {
    pkg: '@dmasim/of',
    inputs: fc.tuple(fc.uint8Array({ maxLength: 64 })),
    bad: [new Uint8Array(8)],
  },
  parseIortFwnodeName: { pkg: '@dmasim/acpi-iort', inputs: fc.tuple(TEXT), bad: [] },
};
/** Exported `parse*` functions whose input is already-parsed data, not a user's text. */
const NOT_USER_TEXT: Record<string, string> = {
  parsePhandleWithArgs: 'walks a parsed device tree',
};

const exportsOf = new Map<string, Record<string, unknown>>();
beforeAll(async () => {
  for (const [name, { dir }] of publishablePackages()) {
    if (!name.startsWith('@dmasim/')) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    exportsOf.set(
      name,
      await import(pathToFileURL(join(dir, manifest.exports['.'].import.default)).href),
    );
  }
});

test('every exported parse function is tried below', () => {
  const parsers = [...exportsOf].flatMap(([pkg, exports]) =>
    Object.entries(exports)
      .filter(([name, value]) => typeof value === 'function' && /^parse[A-Z]/.test(name))
      .map(([name]) => `${pkg} ${name}`),
  );
  const listed = Object.entries(PARSERS).map(([name, { pkg }]) => `${pkg} ${name}`);
  expect(
    parsers.filter((p) => !listed.includes(p) && !(p.split(' ')[1]! in NOT_USER_TEXT)),
  ).toEqual([]);
  for (const p of listed)
    expect(exportsOf.get(p.split(' ')[0]!)?.[p.split(' ')[1]!], p).toBeTypeOf('function');
});

test.each(Object.entries(PARSERS))(
  '%s returns or throws a DmasimError with a code, never a built-in error',
  (name, { pkg, inputs, bad }) => {
    const parse = exportsOf.get(pkg)![name] as (...args: unknown[]) => unknown;
    const check = (args: unknown[]) => {
      try {
        parse(...args);
      } catch (e) {
        expect(e, `${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`).toBeInstanceOf(
          DmasimError,
        );
        expect((e as { code?: unknown }).code).toMatch(/^[A-Z][A-Z0-9_]+$/);
        return true;
      }
      return false;
    };
    // The known bad input really fails (so the property below is not vacuous for this parser).
    if (bad.length > 0) expect(check(bad)).toBe(true);
    fc.assert(
      fc.property(inputs, (args) => void check(args)),
      { numRuns: 300, seed: 11 },
    );
  },
);
