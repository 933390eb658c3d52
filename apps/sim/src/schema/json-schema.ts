// JSON Schema documents (draft 2020-12) from the TypeBox definitions: what docs/schema/ holds.
import { dirname, resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';

/** docs/schema/ at the repository root. */
export const schemaDir = resolve(import.meta.dirname, '..', '..', '..', '..', 'docs', 'schema');

export function schemaFileName(name: string): string {
  return `${name}.schema.json`;
}

/** The committed text of one schema: stable key order, two-space indent, a final newline. */
export function schemaDocument(name: string, schema: TSchema, title: string): string {
  const doc = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://github.com/dmasim/dmasim/blob/main/docs/schema/${schemaFileName(name)}`,
    title,
    ...JSON.parse(JSON.stringify(schema)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export const repoRoot = dirname(dirname(schemaDir));
