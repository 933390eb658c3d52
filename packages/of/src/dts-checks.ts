// The checks dtc runs before writing a tree (checks.c) that are errors or change the tree:
// name rules, duplicate names and labels, explicit phandles, the phandle and path reference
// fixups (which assign phandles), and /omit-if-no-ref/. dtc's warnings are not modelled.

import { type DtsError, errorAt, latin1, type Pos } from './dts-lexer.js';
import {
  deleteNode,
  fullPath,
  getNodeByRef,
  getProperty,
  type LiveNode,
  type LiveProp,
  liveNodes,
  liveProps,
  type Marker,
} from './dts-livetree.js';

const NODE_CHARS = /^[a-zA-Z0-9,._+\-@]*$/;
const PROP_CHARS = /^[a-zA-Z0-9,._+*#?-]*$/;

function checkError(pos: Pos, check: string, where: string, message: string): DtsError {
  return errorAt(pos, `ERROR (${check}): ${where}: ${message}`);
}

const propWhere = (node: LiveNode, prop: LiveProp) => `${fullPath(node)}:${prop.name}`;

function readCell(bytes: number[], offset: number): number {
  return (
    ((bytes[offset]! << 24) |
      (bytes[offset + 1]! << 16) |
      (bytes[offset + 2]! << 8) |
      bytes[offset + 3]!) >>>
    0
  );
}

function writeCell(bytes: number[], offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

function checkNames(root: LiveNode): void {
  for (const node of liveNodes(root)) {
    // duplicate_node_names: a live child whose name a later sibling (deleted or not) repeats.
    // One pass from the end, remembering the names seen after each child: O(n), not O(n^2).
    const children = node.children;
    if (children.length < 2) continue;
    const later = new Map<string, LiveNode>();
    let duplicate: LiveNode | undefined;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i]!;
      const other = later.get(child.name);
      // The first live child (in order) with a later namesake decides the error, and dtc names
      // the namesake right after it.
      if (other && !child.deleted) duplicate = other;
      later.set(child.name, child);
    }
    if (duplicate) {
      throw checkError(
        duplicate.pos,
        'duplicate_node_names',
        fullPath(duplicate),
        'Duplicate node name',
      );
    }
  }
  for (const node of liveNodes(root)) {
    const props = liveProps(node);
    const seen = new Set<string>();
    for (const prop of props) {
      if (seen.has(prop.name)) {
        throw checkError(
          prop.pos,
          'duplicate_property_names',
          propWhere(node, prop),
          'Duplicate property name',
        );
      }
      seen.add(prop.name);
    }
  }
  for (const node of liveNodes(root)) {
    if (!NODE_CHARS.test(node.name)) {
      const bad = [...node.name].find((c) => !NODE_CHARS.test(c));
      throw checkError(
        node.pos,
        'node_name_chars',
        fullPath(node),
        `Bad character '${bad}' in node name`,
      );
    }
  }
  for (const node of liveNodes(root)) {
    const at = node.name.indexOf('@');
    if (at >= 0 && node.name.indexOf('@', at + 1) >= 0) {
      throw checkError(
        node.pos,
        'node_name_format',
        fullPath(node),
        "multiple '@' characters in node name",
      );
    }
  }
  for (const node of liveNodes(root)) {
    for (const prop of liveProps(node)) {
      if (!PROP_CHARS.test(prop.name)) {
        const bad = [...prop.name].find((c) => !PROP_CHARS.test(c));
        throw checkError(
          prop.pos,
          'property_name_chars',
          propWhere(node, prop),
          `Bad character '${bad}' in property name`,
        );
      }
    }
  }
}

/** name_is_string + name_properties: a correct "name" property is redundant and dropped. */
function checkNameProperties(root: LiveNode): void {
  for (const node of liveNodes(root)) {
    const prop = getProperty(node, 'name');
    if (!prop) continue;
    const bytes = prop.data.bytes;
    const nul = bytes.indexOf(0);
    if (bytes.length === 0 || nul !== bytes.length - 1) {
      throw checkError(
        prop.pos,
        'name_is_string',
        propWhere(node, prop),
        'property is not a string',
      );
    }
  }
  for (const node of liveNodes(root)) {
    const index = node.props.findIndex((p) => p.name === 'name');
    const prop = node.props[index];
    if (!prop) continue;
    const at = node.name.indexOf('@');
    const base = at < 0 ? node.name : node.name.slice(0, at);
    const bytes = prop.data.bytes;
    const matches =
      bytes.length === base.length + 1 && [...base].every((c, i) => bytes[i] === c.charCodeAt(0));
    if (!matches) {
      const shown = latin1(bytes.slice(0, Math.max(0, bytes.indexOf(0))));
      throw checkError(
        node.pos,
        'name_properties',
        fullPath(node),
        `"name" property is incorrect ("${shown}" instead of base node name)`,
      );
    }
    node.props.splice(index, 1);
  }
}

function checkDuplicateLabels(root: LiveNode): void {
  const owners = new Map<string, { owner: object; where: string }>();
  const claim = (label: string, owner: object, where: string, pos: Pos) => {
    const first = owners.get(label);
    if (first && first.owner !== owner) {
      throw checkError(
        pos,
        'duplicate_label',
        where,
        `Duplicate label '${label}' on ${where} and ${first.where}`,
      );
    }
    owners.set(label, first ?? { owner, where });
  };
  for (const node of liveNodes(root)) {
    const path = fullPath(node);
    for (const l of node.labels) if (!l.deleted) claim(l.name, node, path, node.pos);
    for (const prop of liveProps(node)) {
      for (const l of prop.labels)
        if (!l.deleted) claim(l.name, prop, `'${prop.name}' in ${path}`, prop.pos);
      for (const m of prop.data.markers) {
        if (m.kind === 'label') claim(m.ref, m, `value of '${prop.name}' in ${path}`, prop.pos);
      }
    }
  }
}

/** check_explicit_phandles(); returns the phandles in use. */
function checkExplicitPhandles(root: LiveNode): Map<number, LiveNode> {
  const used = new Map<number, LiveNode>();
  const explicit = (node: LiveNode, name: string): number => {
    const prop = getProperty(node, name);
    if (!prop) return 0;
    if (prop.data.bytes.length !== 4) {
      throw checkError(
        prop.pos,
        'explicit_phandles',
        propWhere(node, prop),
        `bad length (${prop.data.bytes.length}) ${name} property`,
      );
    }
    const ref = prop.data.markers.find((m) => m.kind === 'phandle');
    if (ref) {
      // Only "phandle = <&self>" makes sense: it asks for a phandle to be allocated.
      if (getNodeByRef(root, ref.ref) !== node) {
        throw checkError(
          node.pos,
          'explicit_phandles',
          fullPath(node),
          `${name} is a reference to another node`,
        );
      }
      return 0;
    }
    const value = readCell(prop.data.bytes, 0);
    if (value === 0 || value === 0xffffffff) {
      throw checkError(
        prop.pos,
        'explicit_phandles',
        propWhere(node, prop),
        `bad value (0x${value.toString(16)}) in ${name} property`,
      );
    }
    return value;
  };
  for (const node of liveNodes(root)) {
    let phandle = explicit(node, 'phandle');
    const linux = explicit(node, 'linux,phandle');
    if (!phandle && !linux) continue;
    if (phandle && linux && phandle !== linux) {
      throw checkError(
        node.pos,
        'explicit_phandles',
        fullPath(node),
        "mismatching 'phandle' and 'linux,phandle' properties",
      );
    }
    phandle ||= linux;
    const other = used.get(phandle);
    if (other && other !== node) {
      throw checkError(
        node.pos,
        'explicit_phandles',
        fullPath(node),
        `duplicated phandle 0x${phandle.toString(16)} (seen before at ${fullPath(other)})`,
      );
    }
    node.phandle = phandle;
    used.set(phandle, node);
  }
  return used;
}

/**
 * fixup_phandle_references(): every `<&ref>` cell in tree order; a node referenced without a
 * phandle gets the lowest free number at or above the last one given out, and a "phandle"
 * property appended (get_node_phandle()).
 */
function fixupPhandleReferences(
  root: LiveNode,
  plugin: boolean,
  used: Map<number, LiveNode>,
): void {
  let next = 1;
  for (const node of liveNodes(root)) {
    for (const prop of liveProps(node)) {
      for (const m of prop.data.markers) {
        if (m.kind !== 'phandle') continue;
        const target = getNodeByRef(root, m.ref);
        if (!target) {
          if (!plugin) {
            throw checkError(
              prop.pos,
              'phandle_references',
              fullPath(node),
              `Reference to non-existent node or label "${m.ref}"`,
            );
          }
          writeCell(prop.data.bytes, m.offset, 0xffffffff);
          continue;
        }
        if (target.phandle === 0) {
          while (used.has(next)) next++;
          target.phandle = next;
          used.set(next, target);
          if (!getProperty(target, 'phandle')) {
            const data = { bytes: [0, 0, 0, 0], markers: [] };
            writeCell(data.bytes, 0, next);
            target.props.push({
              name: 'phandle',
              data,
              labels: [],
              deleted: false,
              pos: target.pos,
            });
          }
        }
        writeCell(prop.data.bytes, m.offset, target.phandle);
        target.referenced = true;
      }
    }
  }
}

/** fixup_path_references(): a bare `&ref` in a value becomes the target's full path string. */
function fixupPathReferences(root: LiveNode): void {
  for (const node of liveNodes(root)) {
    for (const prop of liveProps(node)) {
      const paths = new Map<Marker, string>();
      for (const m of prop.data.markers) {
        if (m.kind !== 'path') continue;
        const target = getNodeByRef(root, m.ref);
        if (!target) {
          throw checkError(
            prop.pos,
            'path_references',
            fullPath(node),
            `Reference to non-existent node or label "${m.ref}"`,
          );
        }
        target.referenced = true;
        paths.set(m, fullPath(target));
      }
      if (paths.size > 0) spliceReferencePaths(prop, paths);
    }
  }
}

/** Inserts each path (NUL-terminated) at its marker's offset in one pass over the value. */
function spliceReferencePaths(prop: LiveProp, paths: Map<Marker, string>): void {
  const old = prop.data.bytes;
  const bytes: number[] = [];
  let copied = 0;
  let shift = 0;
  for (const m of prop.data.markers) {
    const path = paths.get(m);
    if (path === undefined) {
      m.offset += shift;
      continue;
    }
    while (copied < m.offset) bytes.push(old[copied++]!);
    for (let i = 0; i < path.length; i++) bytes.push(path.charCodeAt(i) & 0xff);
    bytes.push(0);
    m.offset += shift;
    shift += path.length + 1;
  }
  while (copied < old.length) bytes.push(old[copied++]!);
  prop.data.bytes = bytes;
}

function omitUnusedNodes(root: LiveNode): void {
  for (const node of liveNodes(root)) {
    if (node.omitIfUnused && !node.referenced) deleteNode(node);
  }
}

/** Runs dtc's tree-changing checks in dtc's order; the first error is thrown as a DtsError. */
export function runDtsChecks(root: LiveNode, plugin: boolean): void {
  checkNames(root);
  checkNameProperties(root);
  checkDuplicateLabels(root);
  const used = checkExplicitPhandles(root);
  fixupPhandleReferences(root, plugin, used);
  fixupPathReferences(root);
  omitUnusedNodes(root);
}
