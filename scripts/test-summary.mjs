// Sums the vitest JSON reports of every workspace package and of tests/ into CI's closing line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
// Every workspace package, and the repository-level tests (tests/) at the root.
const dirs = [{ label: 'tests', dir: root }];
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    if (existsSync(join(dir, 'package.json'))) dirs.push({ label: `${group}/${name}`, dir });
  }
}
for (const { label, dir } of dirs) {
  const report = join(dir, '.vitest', 'results.json');
  if (!existsSync(report)) {
    missing.push(label);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even though no test in it ran.
  failed += r.testResults.filter(
    (t) => t.status === 'failed' && t.assertionResults.length === 0,
  ).length;
}
// The test command's own exit status: a failed lint, typecheck, build or publint step counts too.
const commandStatus = Number(process.argv[2] ?? '0');
if (commandStatus !== 0 && failed === 0) {
  console.log(`the test command failed (exit ${commandStatus}) outside the test runner: see above`);
  failed += 1;
}
if (missing.length > 0) {
  console.log(`no test report from: ${missing.join(', ')} (its tests did not run)`);
  failed += missing.length;
}
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
