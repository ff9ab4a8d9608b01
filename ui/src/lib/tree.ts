// The resource tree of an Application (nodes with parent ids, from /ui/api/applications/{name}/tree)
// flattened into rows for an indented tree: depth-first from the root, children in a stable order
// (kind order, then name). Nodes whose parent is unknown hang under the root; cycles are cut. Pure.
import type { TreeNode } from './types.js';

export interface TreeRow {
  readonly node: TreeNode;
  readonly depth: number;
  readonly childCount: number;
  /** The last child of its parent (for ├ / └ guides). */
  readonly last: boolean;
}

const KIND_ORDER = [
  'Application',
  'Namespace',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'Service',
  'Endpoints',
  'Deployment',
  'Rollout',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'Pod',
];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

export function compareNodes(a: TreeNode, b: TreeNode): number {
  return (
    kindRank(a.kind) - kindRank(b.kind) ||
    a.kind.localeCompare(b.kind) ||
    (a.namespace ?? '').localeCompare(b.namespace ?? '') ||
    a.name.localeCompare(b.name)
  );
}

/** Rows in display order; `rootId` names the root (default: the node without a known parent, `app` first). */
export function flattenTree(nodes: readonly TreeNode[], rootId = 'app'): TreeRow[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const root = byId.get(rootId);
  const children = new Map<string, TreeNode[]>();
  const tops: TreeNode[] = [];
  for (const n of nodes) {
    if (n === root) {
      continue;
    }
    const parent = n.parentId !== undefined && byId.has(n.parentId) ? n.parentId : root ? rootId : undefined;
    if (parent === undefined || parent === n.id) {
      tops.push(n);
    } else {
      const list = children.get(parent) ?? [];
      list.push(n);
      children.set(parent, list);
    }
  }
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const visit = (n: TreeNode, depth: number, last: boolean) => {
    if (seen.has(n.id)) {
      return;
    }
    seen.add(n.id);
    const kids = [...(children.get(n.id) ?? [])].sort(compareNodes);
    rows.push({ node: n, depth, childCount: kids.length, last });
    for (const [i, k] of kids.entries()) {
      visit(k, depth + 1, i === kids.length - 1);
    }
  };
  const starts = root ? [root] : [...tops].sort(compareNodes);
  for (const [i, n] of starts.entries()) {
    visit(n, 0, i === starts.length - 1);
  }
  // whatever a cycle kept out of reach is still shown, at the top level
  for (const n of [...nodes].sort(compareNodes)) {
    if (!seen.has(n.id)) {
      visit(n, root ? 1 : 0, true);
    }
  }
  return rows;
}

/** The value of info item `name` of a node, if any. */
export function infoValue(node: TreeNode, name: string): string | undefined {
  return node.info.find((i) => i.name === name)?.value;
}

/** Whether the dashboard has a page for this node (Rollouts and Pods). */
export function nodeLink(node: TreeNode): string | undefined {
  if (!node.namespace || node.id.startsWith('missing:')) {
    return undefined;
  }
  if (node.kind === 'Rollout' && node.group === 'argoproj.io') {
    return `/ui/rollouts/${encodeURIComponent(node.namespace)}/${encodeURIComponent(node.name)}`;
  }
  if (node.kind === 'Pod' && node.group === '') {
    return `/ui/pods/${encodeURIComponent(node.namespace)}/${encodeURIComponent(node.name)}`;
  }
  return undefined;
}
