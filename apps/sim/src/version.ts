// `dmasim --version`: the CLI's version and that of every @dmasim package it runs on.
import { createRequire } from 'node:module';

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

/** "name version" of each @dmasim/* package the built CLI bundles (tsup.config.ts defines it). */
declare const DMASIM_BUNDLED_VERSIONS: readonly string[] | undefined;

export function versionText(): string {
  // Both src/ (tests) and dist/ (the installed CLI) sit one level below package.json.
  const require = createRequire(import.meta.url);
  const own = require('../package.json') as PackageJson;
  const lines = [`${own.name} ${own.version}`];
  // The built CLI runs the packages it was built with, whatever versions are installed beside it.
  if (typeof DMASIM_BUNDLED_VERSIONS !== 'undefined')
    return [...lines, ...DMASIM_BUNDLED_VERSIONS].join('\n');
  for (const dep of Object.keys(own.dependencies ?? {}).filter((d) => d.startsWith('@dmasim/'))) {
    const pkg = require(`${dep}/package.json`) as PackageJson;
    lines.push(`${pkg.name} ${pkg.version}`);
  }
  return lines.join('\n');
}
