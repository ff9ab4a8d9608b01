// Kubernetes Events of one object (type, reason, message, count, last seen).
import { StatusBadge } from '../components.js';
import { formatAge, formatTimestamp } from '../lib/age.js';

export interface KEvent {
  metadata: { uid?: string; name?: string; creationTimestamp?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  source?: { component?: string };
}

export function eventTime(e: KEvent): string | undefined {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
}

export function EventsTable({
  events,
  now,
  label,
}: {
  events: readonly KEvent[];
  now: number;
  label: string;
}) {
  if (events.length === 0) {
    return <p className="muted">No events.</p>;
  }
  const sorted = [...events].sort((a, b) => (eventTime(b) ?? '').localeCompare(eventTime(a) ?? ''));
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Count</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((e) => (
            <tr key={e.metadata.uid ?? e.metadata.name}>
              <td>
                <StatusBadge status={e.type} />
              </td>
              <td>{e.reason}</td>
              <td className="wrap">{e.message}</td>
              <td>{e.count ?? 1}</td>
              <td>
                <time dateTime={eventTime(e)} title={formatTimestamp(eventTime(e))}>
                  {formatAge(eventTime(e), now)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
