// Every error class any package exports extends DmasimError and has its own stable `code`.
// Reads the built packages (dist/), as a user's program would load them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
