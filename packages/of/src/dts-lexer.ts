// Tokens of dtc's source language (dtc-lexer.l): /include/ files, cpp linemarkers, comments,
// and the three lexer states dtc switches between (values, property/node names, byte strings).
import { DmasimError } from '@dmasim/dma-mapping';

export class DtsError extends DmasimError {
  static override readonly code: string = 'DTS_SYNTAX';
  override name = 'DtsError';
  constructor(
    readonly reason: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/**
 * The input is bigger than the compiler takes: MAX_DTS_INPUT_BYTES over the source, its
 * /include/ files and its /incbin/ data together.
 */
export class DtsSizeError extends DtsError {
  static override readonly code: string = 'DTS_TOO_LARGE';
  override name = 'DtsSizeError';
}

/**
 * How much source and /incbin/ data one compile reads: 8 MiB. dtc has no such limit, but the
 * largest preprocessed board source in Linux is well under 1 MiB, and the compiler holds each
 * value byte as a number (8 bytes), so this keeps a hostile input's cost near 200 MiB.
 */
export const MAX_DTS_INPUT_BYTES = 8 << 20;

export interface DtsReadOptions {
  fileName?: string;
  /** Returns a file's contents, or undefined when it does not exist; `from` is the including file. */
  readFile?: (path: string, from: string) => string | Uint8Array | undefined;
  includeDirs?: string[];
}

/** One source text; linemarkers remap its lines to other files. */
interface Source {
  text: string;
  file: string;
  /** (offset where it applies, file, line number of that offset's line), in text order. */
  markers: { at: number; file: string; line: number }[];
}

export interface Pos {
  source: Source;
  offset: number;
}

export function resolvePos(pos: Pos): { file: string; line: number; column: number } {
  const { source, offset } = pos;
  let file = source.file;
  let line = 1;
  let from = 0;
  for (const m of source.markers) {
    if (m.at > offset) break;
    file = m.file;
    line = m.line;
    from = m.at;
  }
  let lineStart = from;
  for (let i = from; i < offset; i++) {
    if (source.text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { file, line, column: offset - lineStart + 1 };
}

export function errorAt(pos: Pos, reason: string): DtsError {
  const { file, line, column } = resolvePos(pos);
  return new DtsError(reason, file, line, column);
}

export type TokenKind =
  | 'eof'
  | 'keyword'
  | 'label'
  | 'ref'
  | 'string'
  | 'char'
  | 'number'
  | 'name'
  | 'byte'
  | 'ident'
  | 'op';

export interface Token {
  kind: TokenKind;
  /** Keyword, label/ref/name/ident text, or the operator. */
  text: string;
  value: bigint;
  bytes: number[];
  pos: Pos;
}

/** dtc's lexer states: values (V1), property/node names, and the inside of `[ ]`. */
export type LexMode = 'value' | 'name' | 'bytes';

const KEYWORDS = [
  '/dts-v1/',
  '/plugin/',
  '/memreserve/',
  '/bits/',
  '/delete-property/',
  '/delete-node/',
  '/omit-if-no-ref/',
  '/incbin/',
];
const PATH_REF_RE = /&\{([a-zA-Z0-9,._+*#?@\-/]*)\}/y;
const LABEL_REF_RE = /&([a-zA-Z_][a-zA-Z0-9_]*)/y;
const LINEMARKER_HEAD_RE = /#(?:line)?[ \t]+([0-9]+)[ \t]+"/y;
const DIRECTIVE_RE =
  /#[ \t]*(include|define|undef|ifdef|ifndef|if|elif|else|endif|error|warning|pragma)(?=[\s<"]|$)/y;
const TWO_CHAR_OPS = new Set(['<<', '>>', '<=', '>=', '==', '!=', '&&', '||']);
const MAX_INCLUDE_DEPTH = 100;

const utf8 = new TextEncoder();

// Character classes of the lexer's patterns, by char code (ASCII only): tokens are scanned with
// these rather than sticky regular expressions, which cost a match object per token.
const IDENT_START = 1;
const IDENT = 2;
const NAME = 4;
const DIGIT = 8;
const HEX = 16;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-zA-Z_]/.test(ch)) CLASS[c]! |= IDENT_START;
  if (/[a-zA-Z0-9_]/.test(ch)) CLASS[c]! |= IDENT;
  if (/[a-zA-Z0-9,._+*#?@-]/.test(ch)) CLASS[c]! |= NAME;
  if (/[0-9]/.test(ch)) CLASS[c]! |= DIGIT;
  if (/[0-9a-fA-F]/.test(ch)) CLASS[c]! |= HEX;
}
const is = (code: number, cls: number) => code < 128 && (CLASS[code]! & cls) !== 0;

/** The end of the run of `cls` characters starting at `from`. */
function scan(text: string, from: number, cls: number): number {
  let i = from;
  while (i < text.length && is(text.charCodeAt(i), cls)) i++;
  return i;
}

/** The integer suffix at `at` (dtc's (U|L|UL|LL|ULL)?, longest alternative first): its length. */
function suffixLength(text: string, at: number): number {
  for (const suffix of ['ULL', 'UL', 'LL', 'U', 'L'])
    if (text.startsWith(suffix, at)) return suffix.length;
  return 0;
}

/** Token.bytes of the tokens that carry none (shared, never written). */
const NO_BYTES: number[] = [];

/**
 * The end of a quoted body starting at `from` (just past the opening quote): the index of the
 * closing quote, or -1. A backslash escapes the next character; `stopAtNewline` ends the
 * search at a newline, escaped or not (linemarkers, /include/). A scan, not a regular expression: V8's backtracking
 * matcher overflows its stack on bodies of a few hundred thousand characters.
 */
function quotedEnd(text: string, from: number, quote: string, stopAtNewline: boolean): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === quote) return i;
    if (c === '\\') {
      if (stopAtNewline && text[i + 1] === '\n') return -1;
      i++;
    } else if (stopAtNewline && c === '\n') return -1;
  }
  return -1;
}

/** Bytes as a latin1 string, in chunks: String.fromCharCode(...bytes) costs stack per byte. */
export function latin1(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...Array.prototype.slice.call(bytes, i, i + 8192));
  }
  return out;
}

/** dtc's get_escape_char() for one escape after a backslash; returns the byte and next index. */
function escapeAt(text: string, i: number): [number, number] {
  const c = text[i];
  switch (c) {
    case 'a':
      return [7, i + 1];
    case 'b':
      return [8, i + 1];
    case 't':
      return [9, i + 1];
    case 'n':
      return [10, i + 1];
    case 'v':
      return [11, i + 1];
    case 'f':
      return [12, i + 1];
    case 'r':
      return [13, i + 1];
    case 'x': {
      const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1, i + 3));
      if (!m) return [-1, i + 1];
      return [Number.parseInt(m[0], 16), i + 1 + m[0].length];
    }
    default:
      if (c !== undefined && c >= '0' && c <= '7') {
        const m = /^[0-7]{1,3}/.exec(text.slice(i, i + 3))!;
        return [Number.parseInt(m[0], 8) & 0xff, i + m[0].length];
      }
      return [utf8.encode(c ?? '')[0] ?? 0, i + (c === undefined ? 0 : c.length)];
  }
}

/** The UTF-8 bytes of text[from, to): ASCII directly, anything else through the encoder. */
function pushUtf8(out: number[], text: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      for (const b of utf8.encode(text.slice(i, to))) out.push(b);
      return;
    }
    out.push(c);
  }
}

/** data_copy_escape_string(): the bytes of a quoted string's body, escapes decoded. */
function decodeEscapes(body: string, pos: Pos): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < body.length) {
    const slash = body.indexOf('\\', i);
    const plainEnd = slash < 0 ? body.length : slash;
    if (plainEnd > i) pushUtf8(out, body, i, plainEnd);
    if (slash < 0) break;
    const [byte, next] = escapeAt(body, slash + 1);
    if (byte < 0) throw errorAt(pos, '\\x used with no following hex digits');
    out.push(byte);
    i = next;
  }
  return out;
}

/** strtoull(text, 0) as dtc's lexer applies it to an integer literal. */
function parseLiteral(text: string, pos: Pos): bigint {
  // Most literals are short decimal or hex numbers, exact as doubles.
  if (text.length <= 12 && /^(?:[1-9][0-9]*|0|0[xX][0-9a-fA-F]+)$/.test(text)) {
    return BigInt(Number(text));
  }
  const digits = text.replace(/[UL]+$/, '');
  let value: bigint;
  if (/^0[xX]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) {
    if (!/^[0-7]+$/.test(digits)) throw errorAt(pos, `Bad integer literal '${text}'`);
    value = BigInt(`0o${digits.slice(1)}`);
  } else value = BigInt(digits);
  if (value > 0xffff_ffff_ffff_ffffn) {
    throw errorAt(pos, `Integer literal '${text}' out of 64-bit range`);
  }
  return value;
}

export class DtsLexer {
  private readonly stack: { source: Source; offset: number }[] = [];
  // The last token lexed, for the peek-then-next pattern: where and how, and where it ends.
  private cachedMode: LexMode | null = null;
  private cachedSource: Source | null = null;
  private cachedOffset = -1;
  private cachedToken: Token | null = null;
  private cachedEnd = 0;

  /** Source characters and /incbin/ bytes read so far, against MAX_DTS_INPUT_BYTES. */
  private inputBytes = 0;

  constructor(
    text: string,
    file: string,
    private readonly options: DtsReadOptions,
  ) {
    const source: Source = { text, file, markers: [] };
    this.charge(text.length, file, { source, offset: 0 });
    this.stack.push({ source, offset: 0 });
  }

  /** Counts `size` more input bytes, refusing the input before it is held past the limit. */
  private charge(size: number, what: string, pos: Pos): void {
    this.inputBytes += size;
    if (this.inputBytes > MAX_DTS_INPUT_BYTES) {
      const { file, line, column } =
        pos.offset === 0 ? { file: pos.source.file, line: 1, column: 1 } : resolvePos(pos);
      throw new DtsSizeError(
        `${what}: input exceeds the ${MAX_DTS_INPUT_BYTES}-byte limit on source, /include/ and /incbin/ data`,
        file,
        line,
        column,
      );
    }
  }

  private get top() {
    return this.stack[this.stack.length - 1]!;
  }

  peek(mode: LexMode): Token {
    this.skipTrivia();
    const { source, offset } = this.top;
    if (
      this.cachedToken !== null &&
      this.cachedMode === mode &&
      this.cachedSource === source &&
      this.cachedOffset === offset
    ) {
      return this.cachedToken;
    }
    const token = this.lex(mode, source, offset);
    this.cachedMode = mode;
    this.cachedSource = source;
    this.cachedOffset = offset;
    this.cachedToken = token;
    return token;
  }

  next(mode: LexMode): Token {
    const token = this.peek(mode);
    this.top.offset = this.cachedEnd;
    return token;
  }

  /** Whitespace, comments, linemarkers, /include/ and the end of included files. */
  private skipTrivia(): void {
    for (;;) {
      const frame = this.top;
      const { source } = frame;
      const text = source.text;
      let i = frame.offset;
      for (;;) {
        const ch = text.charCodeAt(i);
        if (ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 11 || ch === 12) {
          i++;
        } else if (ch === 47 && text.charCodeAt(i + 1) === 42) {
          const close = text.indexOf('*/', i + 2);
          if (close < 0) throw errorAt({ source, offset: i }, 'unterminated comment');
          i = close + 2;
        } else if (ch === 47 && text.charCodeAt(i + 1) === 47) {
          const nl = text.indexOf('\n', i);
          i = nl < 0 ? text.length : nl + 1;
        } else if (ch === 35 && (i === 0 || text.charCodeAt(i - 1) === 10)) {
          LINEMARKER_HEAD_RE.lastIndex = i;
          const marker = LINEMARKER_HEAD_RE.exec(text);
          const close = marker ? quotedEnd(text, i + marker[0].length, '"', true) : -1;
          if (marker && close >= 0) {
            const nl = text.indexOf('\n', close);
            const at = nl < 0 ? text.length : nl + 1;
            const last = source.markers[source.markers.length - 1];
            if (!last || last.at < at) {
              const body = text.slice(i + marker[0].length, close);
              const file = latin1(decodeEscapes(body, { source, offset: i }));
              source.markers.push({ at, file, line: Number(marker[1]) });
            }
            i = at;
            continue;
          }
          DIRECTIVE_RE.lastIndex = i;
          const directive = DIRECTIVE_RE.exec(text);
          if (directive) {
            throw errorAt(
              { source, offset: i },
              `#${directive[1]} is a C preprocessor directive: this source needs the C preprocessor (--cpp)`,
            );
          }
          break;
        } else if (ch === 47 && text.startsWith('/include/', i)) {
          const head = /\/include\/\s*"/y;
          head.lastIndex = i;
          const inc = head.exec(text);
          const close = inc ? quotedEnd(text, i + inc[0].length, '"', true) : -1;
          if (!inc || close < 0) break;
          frame.offset = close + 1;
          this.pushInclude(text.slice(i + inc[0].length, close), { source, offset: i });
          i = -1;
          break;
        } else {
          break;
        }
      }
      if (i < 0) continue; // entered an included file
      frame.offset = i;
      if (i >= text.length && this.stack.length > 1) {
        this.stack.pop();
        continue;
      }
      return;
    }
  }

  private pushInclude(name: string, pos: Pos): void {
    if (this.stack.length >= MAX_INCLUDE_DEPTH) throw errorAt(pos, 'Includes nested too deeply');
    const from = this.top.source.file;
    const read = this.options.readFile;
    if (!read) throw errorAt(pos, `cannot /include/ "${name}": no readFile given`);
    const slash = from.lastIndexOf('/');
    const candidates = name.startsWith('/')
      ? [name]
      : [
          slash < 0 ? name : `${from.slice(0, slash + 1)}${name}`,
          ...(this.options.includeDirs ?? []).map((dir) => `${dir.replace(/\/$/, '')}/${name}`),
        ];
    for (const candidate of candidates) {
      const content = read(candidate, from);
      if (content === undefined) continue;
      this.charge(content.length, candidate, pos);
      const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
      this.stack.push({ source: { text, file: candidate, markers: [] }, offset: 0 });
      return;
    }
    throw errorAt(pos, `Couldn't open "${name}": not found`);
  }

  /** Reads a whole file for /incbin/, relative to the current file or an include dir. */
  readBinary(name: string, pos: Pos): Uint8Array {
    const from = this.top.source.file;
    const read = this.options.readFile;
    if (!read) throw errorAt(pos, `cannot /incbin/ "${name}": no readFile given`);
    const slash = from.lastIndexOf('/');
    const candidates = name.startsWith('/')
      ? [name]
      : [
          slash < 0 ? name : `${from.slice(0, slash + 1)}${name}`,
          ...(this.options.includeDirs ?? []).map((dir) => `${dir.replace(/\/$/, '')}/${name}`),
        ];
    for (const candidate of candidates) {
      const content = read(candidate, from);
      if (content === undefined) continue;
      const bytes = typeof content === 'string' ? utf8.encode(content) : content;
      this.charge(bytes.length, candidate, pos);
      return bytes;
    }
    throw errorAt(pos, `Couldn't open "${name}": not found`);
  }

  /** One token of `mode` at `offset`; its end goes to cachedEnd. */
  private lex(mode: LexMode, source: Source, offset: number): Token {
    const text = source.text;
    const pos: Pos = { source, offset };
    const make = (
      kind: TokenKind,
      tokenText: string,
      end: number,
      value = 0n,
      bytes = NO_BYTES,
    ) => {
      this.cachedEnd = end;
      return { kind, text: tokenText, value, bytes, pos };
    };
    if (offset >= text.length) return make('eof', '', offset);
    const code = text.charCodeAt(offset);
    if (code === 0x2f /* / */) {
      for (const kw of KEYWORDS)
        if (text.startsWith(kw, offset)) return make('keyword', kw, offset + kw.length);
    }
    if (code === 0x22 /* " */) {
      const close = quotedEnd(text, offset + 1, '"', false);
      if (close < 0) throw errorAt(pos, 'unterminated string');
      const bytes = decodeEscapes(text.slice(offset + 1, close), pos);
      return make('string', text.slice(offset, close + 1), close + 1, 0n, bytes);
    }
    if (code === 0x27 /* ' */) {
      // As the former /'((?:[^']|\\')*)'/ matched: the body ends at the first quote.
      const close = text.indexOf("'", offset + 1);
      if (close >= 0) {
        const bytes = decodeEscapes(text.slice(offset + 1, close), pos);
        if (bytes.length === 0) throw errorAt(pos, 'Empty character literal');
        if (bytes.length > 1) {
          throw errorAt(pos, `Character literal has ${bytes.length} characters instead of 1`);
        }
        return make('char', text.slice(offset, close + 1), close + 1, BigInt(bytes[0]!));
      }
    }
    if (code === 0x26 /* & */) {
      PATH_REF_RE.lastIndex = offset;
      const path = PATH_REF_RE.exec(text);
      if (path) return make('ref', path[1]!, offset + path[0].length);
      LABEL_REF_RE.lastIndex = offset;
      const label = LABEL_REF_RE.exec(text);
      if (label) return make('ref', label[1]!, offset + label[0].length);
    }
    // An identifier followed by ':' is a label in every mode.
    const identEnd = is(code, IDENT_START) ? scan(text, offset + 1, IDENT) : offset;
    if (identEnd > offset && text.charCodeAt(identEnd) === 0x3a /* : */) {
      return make('label', text.slice(offset, identEnd), identEnd + 1);
    }
    if (mode === 'name') {
      const start = code === 0x5c /* \ */ ? offset + 1 : offset;
      const end = scan(text, start, NAME);
      if (end > start) return make('name', text.slice(start, end), end);
    } else if (mode === 'bytes') {
      if (is(code, HEX) && is(text.charCodeAt(offset + 1), HEX)) {
        const byte = text.slice(offset, offset + 2);
        return make('byte', byte, offset + 2, BigInt(Number.parseInt(byte, 16)));
      }
    } else {
      if (is(code, DIGIT)) {
        const x = text.charCodeAt(offset + 1);
        const hex =
          code === 0x30 && (x === 0x78 || x === 0x58) && is(text.charCodeAt(offset + 2), HEX);
        const digitsEnd = hex ? scan(text, offset + 2, HEX) : scan(text, offset, DIGIT);
        const end = digitsEnd + suffixLength(text, digitsEnd);
        const literal = text.slice(offset, end);
        return make('number', literal, end, parseLiteral(literal, pos));
      }
      if (identEnd > offset) return make('ident', text.slice(offset, identEnd), identEnd);
    }
    const two = text.slice(offset, offset + 2);
    if (mode === 'value' && TWO_CHAR_OPS.has(two)) return make('op', two, offset + 2);
    const cp = text.codePointAt(offset)!;
    const one = String.fromCodePoint(cp);
    return make('op', one, offset + one.length);
  }
}
