// Packs the workspace's packages as `pnpm pack` gives them to a user, and installs tarballs into
// a fresh directory outside the workspace with npm, offline: an empty cache, `--offline` and an
// unreachable registry, so a dependency missing from the tarballs fails instead of downloading.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..');

const scratchDirs: string[] = [];

/** A new folder in the system temp folder, removed by removeScratch(). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `dmasim-${prefix}-`));
  scratchDirs.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface PackedPackage {
  name: string;
  dir: string;
  tarball: string;
  dependencies: Record<string, string>;
}

/** Every non-private package under packages/ and apps/, keyed by name. */
export function publishablePackages(): Map<string, { dir: string; private: boolean }> {
  const out = new Map<string, { dir: string; private: boolean }>();
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(repoRoot, group))) {
      const dir = join(repoRoot, group, name);
      let manifest: { name: string; private?: boolean };
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      out.set(manifest.name, { dir, private: manifest.private === true });
    }
  }
  return out;
}

/** `pnpm pack` (which runs prepack, the build) of every publishable package into one folder. */
export async function packAll(): Promise<Map<string, PackedPackage>> {
  const dest = scratchDir('pack');
  const packed = new Map<string, PackedPackage>();
  for (const [name, { dir, private: isPrivate }] of publishablePackages()) {
    if (isPrivate) continue;
    const out = await run('pnpm', ['pack', '--json', '--pack-destination', dest], dir);
    // prepack's build output comes first; the JSON report is the last object printed.
    const report = JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as { filename: string };
    const tarball = report.filename.startsWith('/') ? report.filename : join(dest, report.filename);
    const manifest = JSON.parse(await run('tar', ['-xzOf', tarball, 'package/package.json'], dest));
    packed.set(name, { name, dir, tarball, dependencies: manifest.dependencies ?? {} });
  }
  return packed;
}

/** The tarballs of `names` and of every @dmasim/* package they depend on, transitively. */
export function withDependencies(packed: Map<string, PackedPackage>, names: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const pkg = packed.get(name);
    if (!pkg) throw new Error(`${name} was not packed`);
    seen.add(name);
    for (const dep of Object.keys(pkg.dependencies)) if (dep.startsWith('@dmasim/')) visit(dep);
  };
  names.forEach(visit);
  return [...seen].map((name) => packed.get(name)!.tarball);
}

/** Where `dep` resolves from the package in `dir`: Node's walk up the node_modules folders. */
function dependencyDir(dir: string, dep: string): string {
  for (let at = dir; at !== dirname(at); at = dirname(at)) {
    const candidate = join(at, 'node_modules', dep);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
  }
  throw new Error(`${dep} is not installed beside ${dir}`);
}

/**
 * Tarballs of the third-party (not @dmasim/*) dependencies of the workspace package in `dir`,
 * transitively, packed from the workspace's installed copies: an offline install of a package
 * that has them (the dmasim CLI) needs them.
 */
export async function packThirdParty(dir: string): Promise<string[]> {
  const dest = scratchDir('third-party');
  const seen = new Map<string, string>();
  const visit = (from: string, deps: Record<string, string> = {}) => {
    for (const dep of Object.keys(deps)) {
      if (dep.startsWith('@dmasim/')) continue;
      const depDir = dependencyDir(from, dep);
      if (seen.has(depDir)) continue;
      seen.set(depDir, dep);
      visit(depDir, JSON.parse(readFileSync(join(depDir, 'package.json'), 'utf8')).dependencies);
    }
  };
  visit(dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies);
  const tarballs: string[] = [];
  for (const [depDir, name] of seen) {
    // As published (under package/). pnpm's copies are hard links into its store: tar would
    // store same-content files as links, which npm's extraction drops.
    const tarball = join(dest, `${name.replace('/', '-')}.tgz`);
    const folder = basename(depDir);
    const transform = `s,^${folder},package,`;
    await run(
      'tar',
      ['-czf', tarball, '--hard-dereference', '--transform', transform, folder],
      dirname(depDir),
    );
    tarballs.push(tarball);
  }
  return tarballs;
}

/** A fresh consumer project in the system temp folder with `tarballs` installed offline. */
export async function freshInstall(
  tarballs: string[],
  files: Record<string, string> = {},
): Promise<string> {
  const dir = scratchDir('consumer');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const cache = join(dir, '.npm-cache');
  mkdirSync(cache);
  const npmArgs = ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'];
  npmArgs.push('--cache', cache, '--registry', 'http://127.0.0.1:9/', ...tarballs);
  await run('npm', npmArgs, dir, { npm_config_userconfig: '/dev/null' });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/**
 * Runs a command in `cwd` without blocking the test worker; on failure the error carries its
 * stdout and stderr.
 */
export function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = { cwd, encoding: 'utf8' as const, env: { ...process.env, ...env } };
    execFile(cmd, args, options, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

export const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
export const attw = join(repoRoot, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
