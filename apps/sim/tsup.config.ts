import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};
/** The @dmasim/* packages the CLI bundles, as `dmasim --version` reports them. */
const bundledVersions = Object.keys(manifest.dependencies)
  .filter((name) => name.startsWith('@dmasim/'))
  .map((name) => {
    const pkg = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));
    return `${pkg.name} ${pkg.version}`;
  });

/** What the CLI's bundle writes: cli.cjs and input-worker.cjs with their maps. */
const cliFiles = ['cli.cjs', 'input-worker.cjs'].flatMap((f) => [f, `${f}.map`]);

export default defineConfig([
  {
    // The library entries: ESM over the @dmasim/* packages a user installs with them.
    entry: ['src/index.ts', 'src/browser.ts'],
    format: ['esm'],
    dts: true,
    // Leaves the CLI's files alone: the two builds run at the same time.
    clean: cliFiles.map((f) => `!${f}`),
    sourcemap: true,
    target: 'node20',
  },
  {
    // The CLI (and its worker thread): one CommonJS file each with the @dmasim/* packages inside,
    // so start-up compiles one script instead of resolving two dozen ES modules. Commands and the
    // YAML readers stay lazy: their modules initialise, and require YAML and TypeBox, on first use.
    entry: ['src/cli.ts', 'src/input-worker.ts'],
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    noExternal: [/^@dmasim\//],
    splitting: false,
    // Less for V8 to scan on every start; names stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    shims: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
    define: { DMASIM_BUNDLED_VERSIONS: JSON.stringify(bundledVersions) },
  },
]);
