// Independent versioning: with the committed changesets config and `workspace:^` dependencies, a
// patch changeset to a low package bumps that package alone; a minor one (out of the caret range
// at 0.x) also bumps its dependents. Runs `changeset version` on a copy of the manifests.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { publishablePackages, removeScratch, repoRoot, scratchDir } from './packed.js';

afterAll(removeScratch);

/** Versions of every workspace package after `changeset version` with one changeset. */
function versionWith(changeset: string): Map<string, { before: string; after: string }> {
  const dir = scratchDir('changeset');
  for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json']) {
    cpSync(join(repoRoot, file), join(dir, file));
  }
  const packages = publishablePackages();
  const before = new Map<string, string>();
  for (const [name, { dir: pkgDir }] of packages) {
    const target = join(dir, relative(repoRoot, pkgDir));
    mkdirSync(target, { recursive: true });
    cpSync(join(pkgDir, 'package.json'), join(target, 'package.json'));
    before.set(name, JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version);
  }
  writeFileSync(join(dir, '.changeset', 'only-this.md'), changeset);
  execFileSync('node', [join(repoRoot, 'node_modules/@changesets/cli/bin.js'), 'version'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = new Map<string, { before: string; after: string }>();
  for (const [name, { dir: pkgDir }] of packages) {
    const manifest = join(dir, relative(repoRoot, pkgDir), 'package.json');
    out.set(name, {
      before: before.get(name)!,
      after: JSON.parse(readFileSync(manifest, 'utf8')).version,
    });
  }
  return out;
}

const bumped = (versions: Map<string, { before: string; after: string }>) =>
  [...versions]
    .filter(([, v]) => v.before !== v.after)
    .map(([name]) => name)
    .sort();

test('a patch to @dmasim/dma-mapping versions dma-mapping and nothing above it', () => {
  const versions = versionWith('---\n"@dmasim/dma-mapping": patch\n---\n\nA fix.\n');
  expect(bumped(versions)).toEqual(['@dmasim/dma-mapping']);
  const { before, after } = versions.get('@dmasim/dma-mapping')!;
  const [major, minor, patch] = before.split('.').map(Number);
  expect(after).toBe(`${major}.${minor}.${patch! + 1}`);
});

test('a minor to @dmasim/dma-mapping leaves 0.x caret ranges, so its dependents follow', () => {
  const versions = versionWith('---\n"@dmasim/dma-mapping": minor\n---\n\nA feature.\n');
  const dependents = [...publishablePackages()]
    .filter(([, { dir }]) => {
      const deps = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies ?? {};
      return '@dmasim/dma-mapping' in deps;
    })
    .map(([name]) => name);
  expect(dependents.length).toBeGreaterThan(0);
  expect(bumped(versions)).toEqual(['@dmasim/dma-mapping', ...dependents].sort());
});
