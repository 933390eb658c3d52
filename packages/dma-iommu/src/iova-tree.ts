// The ordered set of IOVA ranges behind iova.c's rbtree: a treap with parent pointers, keyed by
// pfnLo. Ranges never overlap, so ordering by pfnLo also orders by pfnHi. Only the order matters
// to the allocator (never the shape), so any balanced tree gives the kernel's addresses.

/** One struct iova: an allocated or reserved range of page frames, both ends inclusive. */
export interface IovaNode {
  pfnLo: number;
  pfnHi: number;
  left: IovaNode | null;
  right: IovaNode | null;
  parent: IovaNode | null;
  priority: number;
}

export interface IovaTree {
  root: IovaNode | null;
  size: number;
  /** xorshift32 state: deterministic priorities, so runs are reproducible. */
  seed: number;
}

export function createIovaTree(): IovaTree {
  return { root: null, size: 0, seed: 0x2545f491 };
}

export function createIovaNode(pfnLo: number, pfnHi: number): IovaNode {
  return { pfnLo, pfnHi, left: null, right: null, parent: null, priority: 0 };
}

function nextPriority(tree: IovaTree): number {
  let x = tree.seed;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  tree.seed = x >>> 0;
  return tree.seed;
}

function replaceChild(tree: IovaTree, parent: IovaNode | null, old: IovaNode, node: IovaNode) {
  if (parent === null) tree.root = node;
  else if (parent.left === old) parent.left = node;
  else parent.right = node;
  node.parent = parent;
}

function rotateUp(tree: IovaTree, node: IovaNode): void {
  const parent = node.parent!;
  const grand = parent.parent;
  if (parent.left === node) {
    parent.left = node.right;
    if (node.right) node.right.parent = parent;
    node.right = parent;
  } else {
    parent.right = node.left;
    if (node.left) node.left.parent = parent;
    node.left = parent;
  }
  replaceChild(tree, grand, parent, node);
  parent.parent = node;
}

/** Link `node` by its pfnLo. Returns false (and links nothing) for a duplicate pfnLo. */
export function treeInsert(tree: IovaTree, node: IovaNode): boolean {
  node.left = node.right = node.parent = null;
  node.priority = nextPriority(tree);
  if (tree.root === null) {
    tree.root = node;
    tree.size = 1;
    return true;
  }
  let cur = tree.root;
  for (;;) {
    if (node.pfnLo < cur.pfnLo) {
      if (cur.left === null) {
        cur.left = node;
        break;
      }
      cur = cur.left;
    } else if (node.pfnLo > cur.pfnLo) {
      if (cur.right === null) {
        cur.right = node;
        break;
      }
      cur = cur.right;
    } else {
      return false;
    }
  }
  node.parent = cur;
  while (node.parent && node.parent.priority < node.priority) rotateUp(tree, node);
  tree.size++;
  return true;
}

export function treeErase(tree: IovaTree, node: IovaNode): void {
  // Rotate the node down to a leaf, always lifting the higher-priority child.
  while (node.left || node.right) {
    const child =
      node.left === null
        ? node.right!
        : node.right === null
          ? node.left
          : node.left.priority > node.right.priority
            ? node.left
            : node.right;
    rotateUp(tree, child);
  }
  const parent = node.parent;
  if (parent === null) tree.root = null;
  else if (parent.left === node) parent.left = null;
  else parent.right = null;
  node.parent = null;
  tree.size--;
}

/** rb_prev(): the in-order predecessor. */
export function treePrev(node: IovaNode): IovaNode | null {
  if (node.left) {
    let n = node.left;
    while (n.right) n = n.right;
    return n;
  }
  let n = node;
  while (n.parent && n.parent.left === n) n = n.parent;
  return n.parent;
}

/** rb_next(): the in-order successor. */
export function treeNext(node: IovaNode): IovaNode | null {
  if (node.right) {
    let n = node.right;
    while (n.left) n = n.left;
    return n;
  }
  let n = node;
  while (n.parent && n.parent.right === n) n = n.parent;
  return n.parent;
}

export function treeFirst(tree: IovaTree): IovaNode | null {
  let n = tree.root;
  if (n === null) return null;
  while (n.left) n = n.left;
  return n;
}

/** private_find_iova(): the range containing pfn, if any. */
export function treeFindContaining(tree: IovaTree, pfn: number): IovaNode | null {
  let n = tree.root;
  while (n) {
    if (pfn < n.pfnLo) n = n.left;
    else if (pfn > n.pfnHi) n = n.right;
    else return n;
  }
  return null;
}

/** The lowest range whose pfnHi >= pfn (it contains pfn or lies wholly above it). */
export function treeLowestEndingAtOrAbove(tree: IovaTree, pfn: number): IovaNode | null {
  let n = tree.root;
  let best: IovaNode | null = null;
  while (n) {
    if (n.pfnHi >= pfn) {
      best = n;
      n = n.left;
    } else {
      n = n.right;
    }
  }
  return best;
}
