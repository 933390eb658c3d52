// dtc's source grammar (dtc-parser.y) without the C preprocessor: headers, /memreserve/,
// node definitions merged in order, overrides by label or path, deletions, and property
// values with dtc's integer expressions.

import { runDtsChecks } from './dts-checks.js';
import {
  DtsLexer,
  type DtsReadOptions,
  DtsSizeError,
  errorAt,
  latin1,
  type Pos,
  resolvePos,
  type Token,
} from './dts-lexer.js';
import {
  addChild,
  addLabel,
  deleteNode,
  getNodeByRef,
  getProperty,
  type LiveData,
  type LiveNode,
  type LiveProp,
  liveChildren,
  mergeNodes,
  newNode,
  toDeviceTree,
} from './dts-livetree.js';
import { generatePluginFixups } from './dts-plugin.js';
import { type DeviceTree, MAX_DT_NODES, type MemReserveEntry } from './tree.js';

const U64 = (1n << 64n) - 1n;
/** Deeper nesting (of nodes or parentheses) is refused instead of exhausting the JS stack. */
const MAX_NESTING = 256;

const CPP_HINT = 'this source needs the C preprocessor (--cpp)';

class Parser {
  readonly lex: DtsLexer;
  plugin = false;
  private orphanFragments = 0;
  /** Nodes defined so far, against MAX_DT_NODES. */
  private nodes = 0;

  constructor(text: string, file: string, options: DtsReadOptions) {
    this.lex = new DtsLexer(text, file, options);
  }

  fail(token: Token, what: string): never {
    if (token.kind === 'ident') {
      throw errorAt(token.pos, `'${token.text}' where ${what} was expected: ${CPP_HINT}`);
    }
    const found = token.kind === 'eof' ? 'end of input' : `'${token.text}'`;
    throw errorAt(token.pos, `syntax error: expected ${what}, found ${found}`);
  }

  expectOp(op: string, mode: 'value' | 'name' | 'bytes' = 'value'): Token {
    const token = this.lex.next(mode);
    if (token.kind !== 'op' || token.text !== op) this.fail(token, `'${op}'`);
    return token;
  }

  isOp(token: Token, op: string): boolean {
    return token.kind === 'op' && token.text === op;
  }

  headers(): void {
    let flags: boolean | undefined;
    for (;;) {
      const token = this.lex.peek('value');
      if (token.kind !== 'keyword' || token.text !== '/dts-v1/') {
        if (flags === undefined) this.fail(token, "'/dts-v1/;'");
        return;
      }
      this.lex.next('value');
      this.expectOp(';');
      let plugin = false;
      const next = this.lex.peek('value');
      if (next.kind === 'keyword' && next.text === '/plugin/') {
        this.lex.next('value');
        this.expectOp(';');
        plugin = true;
      }
      if (flags !== undefined && flags !== plugin) {
        throw errorAt(token.pos, "Header flags don't match earlier ones");
      }
      flags = plugin;
      this.plugin = plugin;
    }
  }

  memreserves(): MemReserveEntry[] {
    const entries: MemReserveEntry[] = [];
    for (;;) {
      let token = this.lex.peek('value');
      let labelled = false;
      while (token.kind === 'label') {
        this.lex.next('value');
        labelled = true;
        token = this.lex.peek('value');
      }
      if (token.kind !== 'keyword' || token.text !== '/memreserve/') {
        if (labelled) this.fail(token, "'/memreserve/'");
        return entries;
      }
      this.lex.next('value');
      const address = this.integerPrim(0);
      const size = this.integerPrim(0);
      this.expectOp(';');
      entries.push({ address, size });
    }
  }

  ref(): Token {
    const token = this.lex.next('name');
    if (token.kind !== 'ref') this.fail(token, 'a &label or &{/path} reference');
    return token;
  }

  devicetree(): LiveNode {
    let root: LiveNode | undefined;
    for (;;) {
      const token = this.lex.peek('name');
      if (token.kind === 'eof') {
        if (!root) this.fail(token, "'/ {'");
        return root;
      }
      if (this.isOp(token, '/')) {
        this.lex.next('name');
        const node = this.nodedef('', token.pos, 0);
        if (root) mergeNodes(root, node);
        else root = node;
        continue;
      }
      if (!root) {
        if (token.kind === 'ref' && this.plugin) {
          this.lex.next('name');
          root = newNode('', token.pos);
          this.addOrphan(root, token.text, this.nodedef('', token.pos, 0));
          continue;
        }
        if (token.kind === 'ref') {
          throw errorAt(token.pos, `Label or path ${token.text} not found`);
        }
        this.fail(token, "'/ {'");
      }
      if (token.kind === 'label') {
        this.lex.next('name');
        const ref = this.ref();
        const node = this.nodedef('', ref.pos, 0);
        const target = getNodeByRef(root, ref.text);
        if (!target) throw errorAt(ref.pos, `Label or path ${ref.text} not found`);
        addLabel(target.labels, token.text);
        mergeNodes(target, node);
      } else if (token.kind === 'ref') {
        this.lex.next('name');
        const node = this.nodedef('', token.pos, 0);
        const isPath = token.text.startsWith('/');
        const target = isPath && this.plugin ? undefined : getNodeByRef(root, token.text);
        if (target) mergeNodes(target, node);
        else if (this.plugin) this.addOrphan(root, token.text, node);
        else throw errorAt(token.pos, `Label or path ${token.text} not found`);
      } else if (token.kind === 'keyword' && token.text === '/delete-node/') {
        this.lex.next('name');
        const ref = this.ref();
        this.expectOp(';', 'name');
        const target = getNodeByRef(root, ref.text);
        if (!target) throw errorAt(ref.pos, `Label or path ${ref.text} not found`);
        deleteNode(target);
      } else if (token.kind === 'keyword' && token.text === '/omit-if-no-ref/') {
        this.lex.next('name');
        const ref = this.ref();
        this.expectOp(';', 'name');
        const target = getNodeByRef(root, ref.text);
        if (!target) throw errorAt(ref.pos, `Label or path ${ref.text} not found`);
        target.omitIfUnused = true;
      } else {
        this.fail(token, "'/ {', '&label {' or '/delete-node/'");
      }
    }
  }

  /** add_orphan_node(): an override of something outside this plugin becomes a fragment. */
  private addOrphan(root: LiveNode, ref: string, overlay: LiveNode): void {
    if (ref[0] !== '/' && ref.slice(1).includes('/')) {
      throw errorAt(overlay.pos, `Label-relative reference ${ref} not supported in plugin`);
    }
    const fragment = newNode(`fragment@${this.orphanFragments++}`, overlay.pos);
    const data: LiveData = { bytes: [], markers: [] };
    let name = 'target-path';
    if (ref[0] === '/') {
      for (let i = 0; i < ref.length; i++) data.bytes.push(ref.charCodeAt(i) & 0xff);
      data.bytes.push(0);
    } else {
      name = 'target';
      data.markers.push({ offset: 0, kind: 'phandle', ref });
      data.bytes.push(0xff, 0xff, 0xff, 0xff);
    }
    fragment.props.push({ name, data, labels: [], deleted: false, pos: overlay.pos });
    overlay.name = '__overlay__';
    addChild(fragment, overlay);
    addChild(root, fragment);
  }

  /** nodedef: '{' proplist subnodes '}' ';' */
  /** Counts one more node definition, refusing the source past MAX_DT_NODES. */
  private countNode(pos: Pos): void {
    if (++this.nodes > MAX_DT_NODES) {
      const { file, line, column } = resolvePos(pos);
      throw new DtsSizeError(`more than MAX_DT_NODES (${MAX_DT_NODES}) nodes`, file, line, column);
    }
  }

  nodedef(name: string, pos: Pos, depth: number): LiveNode {
    if (depth > MAX_NESTING) throw errorAt(pos, `nodes nested deeper than ${MAX_NESTING} levels`);
    this.countNode(pos);
    this.expectOp('{', 'name');
    const node = newNode(name, pos);
    let seenSubnode = false;
    for (;;) {
      let token = this.lex.next('name');
      if (this.isOp(token, '}')) break;
      const labels: string[] = [];
      while (token.kind === 'label') {
        labels.push(token.text);
        token = this.lex.next('name');
      }
      let omit = false;
      while (token.kind === 'keyword' && token.text === '/omit-if-no-ref/') {
        omit = true;
        token = this.lex.next('name');
        while (token.kind === 'label') {
          labels.push(token.text);
          token = this.lex.next('name');
        }
      }
      if (token.kind === 'keyword' && token.text === '/delete-property/' && !omit) {
        const propName = this.lex.next('name');
        if (propName.kind !== 'name') this.fail(propName, 'a property name');
        this.expectOp(';', 'name');
        if (seenSubnode) throw errorAt(token.pos, 'Properties must precede subnodes');
        const prop = this.property(propName.text, { bytes: [], markers: [] }, token.pos, labels);
        prop.deleted = true;
        node.props.push(prop);
        continue;
      }
      if (token.kind === 'keyword' && token.text === '/delete-node/') {
        const childName = this.lex.next('name');
        if (childName.kind !== 'name') this.fail(childName, 'a node name');
        this.expectOp(';', 'name');
        this.countNode(token.pos);
        const child = newNode(childName.text, token.pos);
        child.deleted = true;
        for (const l of labels) addLabel(child.labels, l);
        addChild(node, child);
        seenSubnode = true;
        continue;
      }
      if (token.kind !== 'name') this.fail(token, "a property or node name, or '}'");
      const after = this.lex.peek('value');
      if (this.isOp(after, '{')) {
        const child = this.nodedef(token.text, token.pos, depth + 1);
        for (const l of labels) addLabel(child.labels, l);
        child.omitIfUnused ||= omit;
        addChild(node, child);
        seenSubnode = true;
        continue;
      }
      if (omit) this.fail(after, "'{'");
      if (seenSubnode) throw errorAt(token.pos, 'Properties must precede subnodes');
      this.lex.next('value');
      let data: LiveData = { bytes: [], markers: [] };
      if (this.isOp(after, '=')) data = this.propdata();
      else if (!this.isOp(after, ';')) this.fail(after, "'=' or ';'");
      node.props.push(this.property(token.text, data, token.pos, labels));
    }
    this.expectOp(';', 'name');
    return node;
  }

  private property(name: string, data: LiveData, pos: Pos, labels: string[]): LiveProp {
    const prop: LiveProp = { name, data, labels: [], deleted: false, pos };
    for (const l of labels) addLabel(prop.labels, l);
    return prop;
  }

  /** propdata up to and including its ';'. */
  propdata(): LiveData {
    const data: LiveData = { bytes: [], markers: [] };
    const labels = () => {
      for (let t = this.lex.peek('value'); t.kind === 'label'; t = this.lex.peek('value')) {
        this.lex.next('value');
        data.markers.push({ offset: data.bytes.length, kind: 'label', ref: t.text });
      }
    };
    for (;;) {
      labels();
      const token = this.lex.next('value');
      if (token.kind === 'string') {
        for (const b of token.bytes) data.bytes.push(b);
        data.bytes.push(0);
      } else if (token.kind === 'ref') {
        data.markers.push({ offset: data.bytes.length, kind: 'path', ref: token.text });
      } else if (this.isOp(token, '<')) {
        this.array(data, 32);
      } else if (token.kind === 'keyword' && token.text === '/bits/') {
        const bitsToken = this.lex.next('value');
        if (bitsToken.kind !== 'number') this.fail(bitsToken, 'a number of bits');
        const bits = Number(bitsToken.value);
        if (![8, 16, 32, 64].includes(bits)) {
          throw errorAt(bitsToken.pos, 'Array elements must be 8, 16, 32 or 64-bits');
        }
        this.expectOp('<');
        this.array(data, bits);
      } else if (this.isOp(token, '[')) {
        for (let t = this.lex.next('bytes'); !this.isOp(t, ']'); t = this.lex.next('bytes')) {
          if (t.kind === 'byte') data.bytes.push(Number(t.value));
          else if (t.kind === 'label') {
            data.markers.push({ offset: data.bytes.length, kind: 'label', ref: t.text });
          } else this.fail(t, "two hex digits or ']'");
        }
      } else if (token.kind === 'keyword' && token.text === '/incbin/') {
        this.incbin(data);
      } else {
        this.fail(token, 'a property value');
      }
      labels();
      const sep = this.lex.next('value');
      if (this.isOp(sep, ';')) return data;
      if (!this.isOp(sep, ',')) this.fail(sep, "',' or ';'");
    }
  }

  private incbin(data: LiveData): void {
    this.expectOp('(');
    const file = this.lex.next('value');
    if (file.kind !== 'string') this.fail(file, 'a file name string');
    let contents = this.lex.readBinary(latin1(file.bytes), file.pos);
    const sep = this.lex.next('value');
    if (this.isOp(sep, ',')) {
      const offset = this.integerPrim(0);
      this.expectOp(',');
      const length = this.integerPrim(0);
      this.expectOp(')');
      if (offset > BigInt(contents.length)) {
        throw errorAt(file.pos, `Couldn't seek to offset ${offset}`);
      }
      const start = Number(offset);
      contents = contents.subarray(start, Math.min(contents.length, start + Number(length)));
    } else if (!this.isOp(sep, ')')) this.fail(sep, "',' or ')'");
    for (const b of contents) data.bytes.push(b);
  }

  /** arrayprefix ... '>' with elements of `bits` bits. */
  private array(data: LiveData, bits: number): void {
    const mask = bits === 64 ? U64 : (1n << BigInt(bits)) - 1n;
    for (;;) {
      const token = this.lex.peek('value');
      if (this.isOp(token, '>')) {
        this.lex.next('value');
        return;
      }
      if (token.kind === 'label') {
        this.lex.next('value');
        data.markers.push({ offset: data.bytes.length, kind: 'label', ref: token.text });
        continue;
      }
      let value: bigint;
      if (token.kind === 'ref') {
        this.lex.next('value');
        if (bits !== 32) {
          throw errorAt(token.pos, 'References are only allowed in arrays with 32-bit elements.');
        }
        data.markers.push({ offset: data.bytes.length, kind: 'phandle', ref: token.text });
        value = mask;
      } else {
        value = this.integerPrim(0) & mask;
      }
      pushBigEndian(data.bytes, value, bits);
    }
  }

  integerPrim(depth: number): bigint {
    const token = this.lex.next('value');
    if (token.kind === 'number' || token.kind === 'char') return token.value;
    if (this.isOp(token, '(')) {
      if (depth > MAX_NESTING) throw errorAt(token.pos, 'expression nested too deeply');
      const value = this.ternary(depth + 1);
      this.expectOp(')');
      return value;
    }
    return this.fail(token, 'a number');
  }

  private ternary(depth: number): bigint {
    const cond = this.binary(0, depth);
    if (!this.isOp(this.lex.peek('value'), '?')) return cond;
    this.lex.next('value');
    if (depth > MAX_NESTING)
      throw errorAt(this.lex.peek('value').pos, 'expression nested too deeply');
    const whenTrue = this.ternary(depth + 1);
    this.expectOp(':');
    const whenFalse = this.ternary(depth + 1);
    return cond !== 0n ? whenTrue : whenFalse;
  }

  private binary(level: number, depth: number): bigint {
    const ops = BINARY_LEVELS[level];
    if (!ops) return this.unary(depth);
    let left = this.binary(level + 1, depth);
    for (;;) {
      const token = this.lex.peek('value');
      if (token.kind !== 'op' || !ops.includes(token.text)) return left;
      this.lex.next('value');
      const right = this.binary(level + 1, depth);
      left = applyBinary(token, left, right);
    }
  }

  private unary(depth: number): bigint {
    const token = this.lex.peek('value');
    if (token.kind === 'op' && (token.text === '-' || token.text === '~' || token.text === '!')) {
      if (depth > MAX_NESTING) throw errorAt(token.pos, 'expression nested too deeply');
      this.lex.next('value');
      const operand = this.unary(depth + 1);
      if (token.text === '-') return -operand & U64;
      if (token.text === '~') return ~operand & U64;
      return operand === 0n ? 1n : 0n;
    }
    return this.integerPrim(depth);
  }
}

/** An element of `bits` bits (already masked), most significant byte first. */
function pushBigEndian(bytes: number[], value: bigint, bits: number): void {
  // Up to 32 bits as one double; a 64-bit element as two halves.
  if (bits === 64) {
    pushBigEndian(bytes, value >> 32n, 32);
    pushBigEndian(bytes, value & 0xffff_ffffn, 32);
    return;
  }
  const v = Number(value);
  for (let shift = bits - 8; shift >= 0; shift -= 8) bytes.push((v >>> shift) & 0xff);
}

/** dtc's precedence, loosest first (the ternary sits above these). */
const BINARY_LEVELS = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

function applyBinary(op: Token, a: bigint, b: bigint): bigint {
  const bool = (x: boolean) => (x ? 1n : 0n);
  switch (op.text) {
    case '||':
      return bool(a !== 0n || b !== 0n);
    case '&&':
      return bool(a !== 0n && b !== 0n);
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '&':
      return a & b;
    case '==':
      return bool(a === b);
    case '!=':
      return bool(a !== b);
    case '<':
      return bool(a < b);
    case '>':
      return bool(a > b);
    case '<=':
      return bool(a <= b);
    case '>=':
      return bool(a >= b);
    case '<<':
      return b < 64n ? (a << b) & U64 : 0n;
    case '>>':
      return b < 64n ? a >> b : 0n;
    case '+':
      return (a + b) & U64;
    case '-':
      return (a - b) & U64;
    case '*':
      return (a * b) & U64;
    default:
      if (b === 0n) throw errorAt(op.pos, 'Division by zero');
      return op.text === '/' ? a / b : a % b;
  }
}

/** guess_boot_cpuid(): the one-cell `reg` of the first node under /cpus, else 0. */
function guessBootCpuid(root: LiveNode): number {
  const cpus = liveChildren(root).find((c) => c.name === 'cpus');
  const first = cpus?.children[0];
  const reg = first ? getProperty(first, 'reg') : undefined;
  if (reg?.data.bytes.length !== 4) return 0;
  const [a, b, c, d] = reg.data.bytes as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/**
 * Compiles device tree source as dtc does (without the C preprocessor): the result is the tree
 * `dtc -I dts -O dtb` would write, phandles assigned and references resolved.
 */
export function parseDts(source: string, options: DtsReadOptions = {}): DeviceTree {
  const parser = new Parser(source, options.fileName ?? '<stdin>', options);
  parser.headers();
  const memReserve = parser.memreserves();
  const root = parser.devicetree();
  const bootCpuidPhys = guessBootCpuid(root);
  runDtsChecks(root, parser.plugin);
  if (parser.plugin) generatePluginFixups(root);
  return toDeviceTree(root, memReserve, bootCpuidPhys);
}
