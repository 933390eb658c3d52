// Checks a parsed input file against its schema (schema/input.ts); the first problem becomes the
// loader's own error, naming the file and the key.
import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';

/** "/steps/0/phys" → "steps[0].phys" */
function keyPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}

/** The first way `doc` breaks `schema`, as [key path, what is wrong]; null when it conforms. */
export function firstInputProblem(schema: TSchema, doc: unknown): [string, string] | null {
  const first = Value.Errors(schema, doc).First();
  if (!first) return null;
  const key = keyPath(first.path);
  if (first.type === ValueErrorType.ObjectAdditionalProperties) {
    const name = key.split('.').at(-1) ?? key;
    const known = Object.keys((first.schema as { properties?: object }).properties ?? {});
    return [
      key.slice(0, Math.max(0, key.length - name.length - 1)),
      `unknown key "${name}" (known: ${known.join(', ')})`,
    ];
  }
  if (first.type === ValueErrorType.ObjectRequiredProperty) return [key, 'is missing'];
  const described = (first.schema as { description?: string }).description;
  return [
    key,
    described ? `expected ${described}` : first.message.replace(/^Expected/, 'expected'),
  ];
}
