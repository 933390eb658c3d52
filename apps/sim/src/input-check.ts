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

/**
 * YAML read exactly gives bigints; the schema speaks JSON numbers. Only the type and small
 * bounds are checked here, so a rounded large value does no harm: the loader reads it exactly.
 */
function asJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(asJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJson(v)]));
  }
  return value;
}

/** The first way `doc` breaks `schema`, as [key path, what is wrong]; null when it conforms. */
export function firstInputProblem(schema: TSchema, doc: unknown): [string, string] | null {
  const first = Value.Errors(schema, asJson(doc)).First();
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

/** Throws the loader's error for the first problem, naming the file and the key. */
export function checkInput(
  schema: TSchema,
  doc: unknown,
  fileName: string,
  error: (message: string, where: string) => Error,
): void {
  const problem = firstInputProblem(schema, doc);
  if (problem) throw error(problem[1], problem[0] ? `${fileName}: ${problem[0]}` : fileName);
}
