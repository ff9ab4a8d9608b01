// Pods of every namespace (or one): status, readiness, restarts, node and age, live over a watch.
import { Link, StatusBadge } from '../components.js';
import { navigate, useNow, useWatchedList } from '../hooks.js';
import { formatAge } from '../lib/age.js';
import type { KObject } from '../lib/list-state.js';
import { routePath } from '../lib/route.js';
import { namespacesOf, podRow } from '../lib/workloads.js';

export function PodsPage({ namespace }: { namespace: string | undefined }) {
  const pods = useWatchedList<KObject>('/api/v1/pods');
  const now = useNow();
  const all = pods.items.map(podRow);
  const namespaces = namespacesOf(all);
  const rows = namespace ? all.filter((p) => p.namespace === namespace) : all;
  return (
    <>
      <h1>Pods</h1>
      <search className="filters" aria-label="Filter pods">
        <label>
          Namespace
          <select
            value={namespace ?? ''}
            onChange={(e) =>
              navigate(
                routePath(e.target.value ? { page: 'pods', namespace: e.target.value } : { page: 'pods' }),
              )
            }
          >
            <option value="">All namespaces</option>
            {namespaces.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
      </search>
      <p className="muted" role="status" aria-live="polite">
        {pods.loaded ? `${rows.length} pod(s)` : 'Loading pods…'}
        {pods.error ? <span className="error"> — {pods.error}</span> : null}
      </p>
      <div className="table-wrap">
        <table aria-label="Pods">
          <thead>
            <tr>
              <th scope="col">Namespace</th>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Ready</th>
              <th scope="col">Restarts</th>
              <th scope="col">Node</th>
              <th scope="col">IP</th>
              <th scope="col">Age</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={`${p.namespace}/${p.name}`}>
                <td>{p.namespace}</td>
                <th scope="row">
                  <Link to={routePath({ page: 'pod', namespace: p.namespace, name: p.name })}>{p.name}</Link>
                </th>
                <td>
                  <StatusBadge status={p.status} />
                </td>
                <td>{p.ready}</td>
                <td>{p.restarts}</td>
                <td>{p.node || '-'}</td>
                <td>{p.ip || '-'}</td>
                <td>{formatAge(p.created, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
