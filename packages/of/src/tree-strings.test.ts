// readStrings(): the short-ASCII fast path and the decoded-once cache give what the decoder gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFdt } from './fdt.js';
import { writeFdt } from './fdt-writer.js';
import { createNode, type DeviceTree, getProperty, readStrings } from './tree.js';

/** The strings of `bytes` as a TextDecoder('latin1') and a split on NUL give them. */
function decoded(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [];
  const parts = new TextDecoder('latin1').decode(bytes).split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function oneProperty(value: Uint8Array): DeviceTree {
  const root = createNode('', null);
  root.properties.push({ name: 'compatible', value });
  return { root, memReserve: [], header: { version: 17, lastCompVersion: 16, bootCpuidPhys: 0 } };
}

const bytes = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0)));

describe('readStrings', () => {
  it.each([
    ['a,b\0c\0', ['a,b', 'c']],
    ['a\0\0', ['a', '']],
    ['\0', ['']],
    ['no-nul', ['no-nul']],
    ['x\0y', ['x', 'y']],
    ['', []],
  ])('%j', (text, strings) => {
    expect(readStrings(oneProperty(bytes(text)).root, 'compatible')).toEqual(strings);
  });

  it('bytes past ASCII read as the decoder reads them', () => {
    const value = new Uint8Array([0x80, 0x00, 0xe9, 0x00]);
    expect(readStrings(oneProperty(value).root, 'compatible')).toEqual(decoded(value));
    expect(decoded(value)[1]).toBe('\u00e9');
  });

  it('any bytes, short or long, in a built tree and read back from a blob', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (value) => {
        const tree = oneProperty(value);
        expect(readStrings(tree.root, 'compatible')).toEqual(decoded(value));
        const blob = parseFdt(writeFdt(tree));
        expect(readStrings(blob.root, 'compatible')).toEqual(decoded(value));
      }),
    );
  });

  it('a replaced value is decoded afresh, on a built tree and on one read from a blob', () => {
    for (const tree of [
      oneProperty(bytes('old\0')),
      parseFdt(writeFdt(oneProperty(bytes('old\0')))),
    ]) {
      expect(readStrings(tree.root, 'compatible')).toEqual(['old']);
      getProperty(tree.root, 'compatible')!.value = bytes('new\0two\0');
      expect(readStrings(tree.root, 'compatible')).toEqual(['new', 'two']);
    }
  });
});
