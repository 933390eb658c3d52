// The public API of every library package as a reviewed list: tests/api/<package>.txt holds the
// names the package's index exports (values and types), so a change to a public API shows up in
// review as a change to that file. After a deliberate change, rewrite the lists with
// `UPDATE_API=1 pnpm vitest run tests/api.test.ts` and commit them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect, test } from 'vitest';
import { publishablePackages } from './packed.js';

/** The names the bundled declarations export, sorted: what `import { ... }` can name. */
function exportedNames(dir: string): string[] {
  const dts = readFileSync(join(dir, 'dist', 'index.d.ts'), 'utf8');
  const names = new Set<string>();
  for (const m of dts.matchAll(/^export (?:type )?\{([^}]*)\}(?: from '[^']+')?;?$/gm)) {
    for (const item of m[1]!.split(',')) {
      const name = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      if (name) names.add(name);
    }
  }
  const declared = /^export (?:declare )?(?:const|function|class|interface|type|enum) (\w+)/gm;
  for (const m of dts.matchAll(declared)) names.add(m[1]!);
  return [...names].sort();
}

const libraries = [...publishablePackages()].filter(([name]) => name.startsWith('@dmasim/'));
const reports = join(import.meta.dirname, 'api');

test.each(libraries)('%s exports the reviewed list of names', (name, { dir }) => {
  const names = exportedNames(dir);
  expect(names.length).toBeGreaterThan(0);
  const report = `# ${name}: public API, ${names.length} names\n${names.join('\n')}\n`;
  const file = join(reports, `${basename(dir)}.txt`);
  if (process.env.UPDATE_API) {
    mkdirSync(reports, { recursive: true });
    writeFileSync(file, report);
  }
  const reviewed = existsSync(file) ? readFileSync(file, 'utf8') : '(no list yet)\n';
  expect(
    report,
    `${name}'s exports differ from tests/api/${basename(dir)}.txt: if the change is meant, run ` +
      '`UPDATE_API=1 pnpm vitest run tests/api.test.ts` and commit the list',
  ).toBe(reviewed);
});

test('no package exports a name marked internal by a leading underscore', () => {
  const internal = libraries.flatMap(([name, { dir }]) =>
    exportedNames(dir)
      .filter((n) => n.startsWith('_'))
      .map((n) => `${name} ${n}`),
  );
  expect(internal).toEqual([]);
});
