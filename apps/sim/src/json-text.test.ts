import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseJsonText } from './json-text.js';
import { parseYamlText, YamlTextError } from './yaml-text.js';

/** What the YAML library alone makes of a text. */
const viaYaml = (text: string, intAsBigInt: boolean) =>
  parseDocument(text, { uniqueKeys: false, intAsBigInt }).toJS();

describe('the JSON fast path', () => {
  it('gives what the YAML path gives, or leaves the text to it', () => {
    const doc = fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue()));
    fc.assert(
      fc.property(doc, fc.boolean(), fc.boolean(), (value, intAsBigInt, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const fast = parseJsonText(text, { intAsBigInt });
        if (fast !== undefined) expect(fast).toEqual(viaYaml(text, intAsBigInt));
      }),
      { numRuns: 300 },
    );
  });

  it('takes plain JSON, integers exact as bigints when asked', () => {
    const text =
      '{"nodes": [{"a": 1, "b": "x\\"y", "c": [true, null, -7]}], "n": 9007199254740991}';
    expect(parseJsonText(text)).toEqual(JSON.parse(text));
    expect(parseJsonText(text, { intAsBigInt: true })).toEqual({
      nodes: [{ a: 1n, b: 'x"y', c: [true, null, -7n] }],
      n: 9007199254740991n,
    });
  });

  it('leaves repeated keys, __proto__, inexact numbers and YAML to the YAML path', () => {
    expect(parseJsonText('{"a": 1, "b": {"a": 2}, "a": 1}')).toBeUndefined();
    expect(parseJsonText('{"a\\u0062": 1, "ab": 2}')).toBeUndefined();
    expect(parseJsonText('{"__proto__": {}}')).toBeUndefined();
    expect(parseJsonText('[1.5]', { intAsBigInt: true })).toBeUndefined();
    expect(parseJsonText('[1e3]', { intAsBigInt: true })).toBeUndefined();
    expect(parseJsonText('[18446744073709551615]', { intAsBigInt: true })).toBeUndefined();
    expect(parseJsonText('[1.5]')).toEqual([1.5]);
    expect(parseJsonText('a: 1')).toBeUndefined();
    expect(parseJsonText('{"a": 1')).toBeUndefined();
    // Keys in arrays' objects are per object; strings in arrays are not keys.
    expect(parseJsonText('[{"a": 1}, {"a": 2}, "a", "a"]')).toEqual([{ a: 1 }, { a: 2 }, 'a', 'a']);
  });

  it('a repeated key in JSON is still the YAML path’s typed error, with the key', () => {
    expect(() => parseYamlText('{"mask": 32, "mask": 33}')).toThrow(YamlTextError);
    expect(() => parseYamlText('{"mask": 32, "mask": 33}')).toThrow(/"mask"/);
    expect(parseYamlText('[18446744073709551615]', { intAsBigInt: true })).toEqual([
      18446744073709551615n,
    ]);
  });
});
