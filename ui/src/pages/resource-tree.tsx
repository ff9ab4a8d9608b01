// The Application's resource tree as an indented list (a tree with guides), one row per node with
// kind, name, health and sync badges and info.
import { Link, StatusBadge } from '../components.js';
import { formatAge } from '../lib/age.js';
import { flattenTree, nodeLink } from '../lib/tree.js';
import type { TreeNode } from '../lib/types.js';

export function ResourceTree({ nodes, now }: { nodes: readonly TreeNode[]; now: number }) {
  const rows = flattenTree(nodes);
  return (
    <ul className="tree" aria-label="Resources">
      {rows.map((r) => {
        const n = r.node;
        const link = nodeLink(n);
        return (
          <li
            key={n.id}
            className="tree-node"
            style={{ marginLeft: `${r.depth * 1.75}rem` }}
            data-kind={n.kind}
            data-name={n.name}
          >
            <div className="tree-head">
              {r.depth > 0 ? (
                <span className="tree-guide" aria-hidden="true">
                  {r.last ? '└─' : '├─'}
                </span>
              ) : null}
              <span className="kind">{n.kind}</span>
              <span className="node-name">{link ? <Link to={link}>{n.name}</Link> : n.name}</span>
              {n.health ? <StatusBadge status={n.health.status} label="Health" /> : null}
              {n.sync ? <StatusBadge status={n.sync} label="Sync" /> : null}
              {n.createdAt ? <span className="muted">{formatAge(n.createdAt, now)}</span> : null}
            </div>
            {n.info.length > 0 || n.images?.length || n.health?.message ? (
              <div className="tree-info">
                {n.info.map((i) => (
                  <span key={i.name} className="info-item">
                    <span className="info-name">{i.name}</span> {i.value}
                  </span>
                ))}
                {(n.images ?? []).map((img) => (
                  <code key={img} className="info-item">
                    {img}
                  </code>
                ))}
                {n.health?.message ? <span className="info-item muted">{n.health.message}</span> : null}
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
