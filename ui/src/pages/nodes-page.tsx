// Nodes: readiness, addresses, capacity / allocatable, pod CIDR and the number of pods on each.
import { StatusBadge } from '../components.js';
import { useNow, useWatchedList } from '../hooks.js';
import { formatAge } from '../lib/age.js';
import type { KObject } from '../lib/list-state.js';
import { formatBytes, nodeRow } from '../lib/workloads.js';

function resources(r: Readonly<Record<string, string>>): string {
  return `cpu ${r.cpu ?? '-'} · memory ${formatBytes(r.memory)} · pods ${r.pods ?? '-'}`;
}

export function NodesPage() {
  const nodes = useWatchedList<KObject>('/api/v1/nodes');
  const pods = useWatchedList<KObject>('/api/v1/pods');
  const now = useNow();
  const rows = nodes.items.map((n) => nodeRow(n, pods.items));
  return (
    <>
      <h1>Nodes</h1>
      <p className="muted" role="status" aria-live="polite">
        {nodes.loaded ? `${rows.length} node(s)` : 'Loading nodes…'}
        {nodes.error ? <span className="error"> — {nodes.error}</span> : null}
      </p>
      <div className="table-wrap">
        <table aria-label="Nodes">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Addresses</th>
              <th scope="col">Capacity</th>
              <th scope="col">Allocatable</th>
              <th scope="col">Pod CIDR</th>
              <th scope="col">Pods</th>
              <th scope="col">Version</th>
              <th scope="col">Age</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((n) => (
              <tr key={n.name}>
                <th scope="row">{n.name}</th>
                <td>
                  <StatusBadge status={n.ready} />
                  {n.schedulable ? null : <span className="muted"> (cordoned)</span>}
                </td>
                <td>
                  {n.addresses.map((a) => (
                    <div key={a}>{a}</div>
                  ))}
                </td>
                <td>{resources(n.capacity)}</td>
                <td>{resources(n.allocatable)}</td>
                <td>
                  <code>{n.podCIDR}</code>
                </td>
                <td>{n.pods}</td>
                <td>{n.version}</td>
                <td>{formatAge(n.created, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
