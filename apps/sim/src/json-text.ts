// A fast path for input files that are plain JSON: JavaScript's own JSON.parse, where the YAML
// library would take about a second for a 160 KB document. It answers only when its value is
// the one the YAML path gives (no repeated keys, no `__proto__` key, and with exact integers no
// number but a safe integer); any other text, valid or not, is left to the YAML path, which
// reports what is wrong with it.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The integers as bigints, as the YAML path's intAsBigInt gives them. */
const bigintNumbers = (_key: string, value: unknown) =>
  typeof value === 'number' ? BigInt(value) : value;

/**
 * Whether valid JSON text holds something on which JSON.parse and the YAML path differ: a key
 * repeated within one object, a `__proto__` key, or (with exact integers) a number that is not
 * a safe integer. One pass over the text, a set of keys per open object.
 */
function differsFromYaml(text: string, exactIntegers: boolean): boolean {
  // One entry per open object (its keys so far) or array (null).
  const open: (Set<string> | null)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(end); d !== QUOTE; d = text.charCodeAt(end)) {
        if (d === BACKSLASH) {
          escaped = true;
          end++;
        }
        end++;
      }
      const keys = open[open.length - 1];
      if (keyNext && keys) {
        const key = escaped
          ? (JSON.parse(text.slice(i, end + 1)) as string)
          : text.slice(i + 1, end);
        if (keys.has(key) || key === '__proto__') return true;
        keys.add(key);
        keyNext = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      keyNext = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
    } else if (c === 0x2c /* , */) {
      keyNext = open[open.length - 1] != null;
    } else if (exactIntegers && (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39))) {
      let end = i + 1;
      let integer = true;
      for (; end < text.length; end++) {
        const d = text.charCodeAt(end);
        if (d === 0x2e /* . */ || d === 0x65 /* e */ || d === 0x45 /* E */ || d === 0x2b) {
          integer = false;
        } else if (d !== 0x2d && (d < 0x30 || d > 0x39)) break;
      }
      if (!integer || !Number.isSafeInteger(Number(text.slice(i, end)))) return true;
      i = end - 1;
    }
  }
  return false;
}

/**
 * The value of a document that is a JSON object or array, when JSON.parse gives what the YAML
 * path would; undefined when the YAML path must read it.
 */
export function parseJsonText(text: string, options: { intAsBigInt?: boolean } = {}): unknown {
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, options.intAsBigInt ? bigintNumbers : undefined);
  } catch {
    // Not JSON (or nested past what the reviver's recursion takes): YAML says why.
    return undefined;
  }
  return differsFromYaml(text, options.intAsBigInt === true) ? undefined : value;
}
