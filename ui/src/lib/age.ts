// Ages and timestamps as the dashboard prints them (kubectl's AGE column style). Pure.

/** `45s`, `3m12s`, `12m`, `5h`, `3d` …; `-` when `from` is missing or unparsable. */
export function formatAge(from: string | undefined, nowMs: number): string {
  if (!from) {
    return '-';
  }
  const t = Date.parse(from);
  if (Number.isNaN(t)) {
    return '-';
  }
  const s = Math.max(0, Math.floor((nowMs - t) / 1000));
  if (s < 120) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 10) {
    const rs = s % 60;
    return rs === 0 ? `${m}m` : `${m}m${rs}s`;
  }
  if (m < 180) {
    return `${m}m`;
  }
  const h = Math.floor(m / 60);
  if (h < 48) {
    return `${h}h`;
  }
  return `${Math.floor(h / 24)}d`;
}

/** `2026-11-22 03:15:04 UTC`; `-` when missing or unparsable. */
export function formatTimestamp(iso: string | undefined): string {
  if (!iso) {
    return '-';
  }
  const t = Date.parse(iso);
  if (Number.isNaN(t)) {
    return '-';
  }
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
