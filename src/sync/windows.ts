// Sync windows, as Argo CD defines them: a window opens at each tick of a cron schedule and stays
// open for a duration; deny windows block syncs while open, allow windows permit syncs only while
// open. Deny wins over allow; `manualSync: true` lets manual syncs through. Pure: the clock is an
// argument. cron-parser evaluates the schedules (it walks backwards to the last tick and knows
// time zones, without scheduling timers).
import { CronExpressionParser } from 'cron-parser';
import type { KObject } from '../api/types.js';

export interface SyncWindow {
  readonly kind: 'allow' | 'deny';
  /** Standard 5-field cron (minute hour day-of-month month day-of-week) or a descriptor (`@daily`). */
  readonly schedule: string;
  /** How long the window stays open after each tick, as Go durations: `1h`, `30m`, `1h30m`. */
  readonly duration: string;
  /** Application name globs (`*`, `?`, `[a-z]`, `{a,b}`). */
  readonly applications?: readonly string[];
  /** Destination namespace globs. */
  readonly namespaces?: readonly string[];
  /** Destination cluster globs, matched against the destination's server URL and name. */
  readonly clusters?: readonly string[];
  /** Manual syncs pass while this window blocks automated ones. */
  readonly manualSync?: boolean;
  /** IANA zone the schedule is read in (default UTC). */
  readonly timeZone?: string;
  /** All given selectors must match, instead of any. */
  readonly andOperator?: boolean;
  readonly description?: string;
}

/** What a window is matched against. */
export interface SyncWindowTarget {
  readonly name: string;
  readonly namespace?: string;
  readonly server?: string;
  readonly cluster?: string;
}

export interface SyncWindowDecision {
  readonly allowed: boolean;
  /** Why a sync may not run now, for people: "deny window '0 22 * * *' for 8h (active until 06:00Z)". */
  readonly blockedBy?: string;
  /** When the decision may change (the blocking deny window closes, an allow window opens). */
  readonly retryAt?: Date;
  /** Windows that match the application and are open now. */
  readonly active: SyncWindow[];
  /** Windows that could not be read (a bad schedule, duration or zone); they block syncs. */
  readonly errors?: string[];
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go-style duration (`8h`, `30m`, `1h30m`, `1.5h`); throws on anything else. */
export function parseDuration(text: string): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) {
      throw new Error(`invalid duration "${text}": use a number and a unit (h, m, s), e.g. 1h or 30m`);
    }
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
    pos = re.lastIndex;
  }
  if (s === '' || total <= 0) {
    throw new Error(`invalid duration "${text}": must be greater than zero`);
  }
  return total;
}

function checkSchedule(schedule: string): void {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    if (s.startsWith('@every')) {
      throw new Error(`schedule "${schedule}": @every is not supported, use a cron expression`);
    }
    return;
  }
  const fields = s.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) {
    throw new Error(
      `schedule "${schedule}" has ${fields.length} fields; expected 5 (minute hour day-of-month month day-of-week)`,
    );
  }
}

function checkZone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new Error(`unknown time zone "${zone}"`);
  }
}

interface Parsed {
  readonly window: SyncWindow;
  readonly durationMs: number;
  readonly zone: string;
}

function parseWindow(w: SyncWindow): Parsed {
  if (w.kind !== 'allow' && w.kind !== 'deny') {
    throw new Error(`kind "${String(w.kind)}" must be allow or deny`);
  }
  checkSchedule(w.schedule ?? '');
  const durationMs = parseDuration(w.duration ?? '');
  const zone = w.timeZone && w.timeZone !== '' ? w.timeZone : 'UTC';
  checkZone(zone);
  // Parse once to surface range errors ("61 * * * *") here rather than mid-evaluation.
  CronExpressionParser.parse(w.schedule.trim(), { tz: zone, currentDate: new Date(0), strict: false });
  return { window: w, durationMs, zone };
}

/** Problems with a window's schedule, duration or zone ([] when it is usable). */
export function validateSyncWindow(w: SyncWindow): string[] {
  try {
    parseWindow(w);
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/** The last tick at or before `now`. */
function lastTick(p: Parsed, now: Date): Date {
  const expr = CronExpressionParser.parse(p.window.schedule.trim(), {
    tz: p.zone,
    currentDate: new Date(now.getTime() + 1),
  });
  return expr.prev().toDate();
}

/** The first tick after `now`. */
function nextTick(p: Parsed, now: Date): Date {
  const expr = CronExpressionParser.parse(p.window.schedule.trim(), { tz: p.zone, currentDate: now });
  return expr.next().toDate();
}

/** The end of the window's current opening, or undefined when it is closed at `now`. */
function openUntil(p: Parsed, now: Date): Date | undefined {
  const end = new Date(lastTick(p, now).getTime() + p.durationMs);
  return end.getTime() > now.getTime() ? end : undefined;
}

/** Whether a glob (`*`, `?`, `[…]`, `{a,b}`) matches the whole text. */
export function globMatch(pattern: string, text: string): boolean {
  let re = '';
  let inClass = false;
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (inClass) {
      if (c === ']') {
        inClass = false;
        re += ']';
      } else if (c === '\\') {
        re += `\\${pattern[++i] ?? '\\'}`;
      } else {
        re += c === '!' && pattern[i - 1] === '[' ? '^' : c;
      }
      continue;
    }
    if (c === '*') {
      re += '.*';
    } else if (c === '?') {
      re += '.';
    } else if (c === '[') {
      inClass = true;
      re += '[';
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) {
      re += '|';
    } else if (c === '\\') {
      const next = pattern[++i] ?? '\\';
      re += next.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  if (inClass || braces > 0) {
    return pattern === text;
  }
  try {
    return new RegExp(`^${re}$`, 's').test(text);
  } catch {
    return pattern === text;
  }
}

function anyGlob(patterns: readonly string[], ...texts: (string | undefined)[]): boolean {
  return patterns.some((p) => texts.some((t) => t !== undefined && t !== '' && globMatch(p, t)));
}

/**
 * Whether a window applies to the target. A window that names no applications, namespaces or
 * clusters applies to every application it is evaluated for (windows on an Application's own spec).
 */
export function windowMatches(w: SyncWindow, t: SyncWindowTarget): boolean {
  const checks: boolean[] = [];
  if (w.applications && w.applications.length > 0) {
    checks.push(anyGlob(w.applications, t.name));
  }
  if (w.namespaces && w.namespaces.length > 0) {
    checks.push(anyGlob(w.namespaces, t.namespace));
  }
  if (w.clusters && w.clusters.length > 0) {
    checks.push(anyGlob(w.clusters, t.server, t.cluster));
  }
  if (checks.length === 0) {
    return true;
  }
  return w.andOperator ? checks.every(Boolean) : checks.some(Boolean);
}

/** The target an Application presents to sync windows. */
export function syncWindowTarget(app: KObject): SyncWindowTarget {
  const dest = app.spec?.destination ?? {};
  return {
    name: app.metadata.name ?? '',
    ...(typeof dest.namespace === 'string' ? { namespace: dest.namespace } : {}),
    ...(typeof dest.server === 'string' ? { server: dest.server } : {}),
    ...(typeof dest.name === 'string' ? { cluster: dest.name } : {}),
  };
}

/** "deny window '0 22 * * *' for 8h" */
export function describeWindow(w: SyncWindow): string {
  const zone = w.timeZone && w.timeZone !== 'UTC' ? ` ${w.timeZone}` : '';
  return `${w.kind} window '${w.schedule}'${zone} for ${w.duration}`;
}

const DAY_MS = 86_400_000;

/** "06:00Z", "06:00 Europe/Berlin", or with the date when it is more than a day away. */
function formatTime(at: Date, zone: string, now: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const time = `${part('hour')}:${part('minute')}`;
  const date =
    at.getTime() - now.getTime() >= DAY_MS ? `${part('year')}-${part('month')}-${part('day')} ` : '';
  return zone === 'UTC' ? `${date}${time}Z` : `${date}${time} ${zone}`;
}

/**
 * Whether an application may sync at `now`. Deny windows that are open block it (unless `manual`
 * and every open deny window allows manual syncs); when allow windows apply to it, at least one
 * must be open (or `manual` with one of them allowing manual syncs). No matching window: allowed.
 */
export function evaluateSyncWindows(
  windows: readonly SyncWindow[] | undefined,
  app: SyncWindowTarget | KObject,
  now: Date,
  manual = false,
): SyncWindowDecision {
  const target = 'metadata' in app ? syncWindowTarget(app as KObject) : (app as SyncWindowTarget);
  const errors: string[] = [];
  const matching: Parsed[] = [];
  for (const w of windows ?? []) {
    if (!windowMatches(w, target)) {
      continue;
    }
    try {
      matching.push(parseWindow(w));
    } catch (err) {
      errors.push(`${describeWindow(w)}: ${(err as Error).message}`);
    }
  }
  const open = matching
    .map((p) => ({ p, until: openUntil(p, now) }))
    .filter((x): x is { p: Parsed; until: Date } => x.until !== undefined);
  const active = open.map((x) => x.p.window);
  if (errors.length > 0) {
    // Fail closed: a window we cannot read might be a deny window that is open right now.
    return { allowed: false, blockedBy: `invalid sync window: ${errors[0]}`, active, errors };
  }
  const denies = open.filter((x) => x.p.window.kind === 'deny');
  if (denies.length > 0) {
    if (manual && denies.every((x) => x.p.window.manualSync === true)) {
      return { allowed: true, active };
    }
    const last = denies.reduce((a, b) => (b.until.getTime() > a.until.getTime() ? b : a));
    return {
      allowed: false,
      blockedBy: `${describeWindow(last.p.window)} (active until ${formatTime(last.until, last.p.zone, now)})`,
      retryAt: last.until,
      active,
    };
  }
  if (open.some((x) => x.p.window.kind === 'allow')) {
    return { allowed: true, active };
  }
  const allows = matching.filter((p) => p.window.kind === 'allow');
  if (allows.length === 0) {
    return { allowed: true, active };
  }
  if (manual && allows.some((p) => p.window.manualSync === true)) {
    return { allowed: true, active };
  }
  const next = allows
    .map((p) => ({ p, at: nextTick(p, now) }))
    .reduce((a, b) => (b.at.getTime() < a.at.getTime() ? b : a));
  const others = allows.length > 1 ? ` (and ${allows.length - 1} more)` : '';
  return {
    allowed: false,
    blockedBy: `outside ${describeWindow(next.p.window)}${others} (opens at ${formatTime(next.at, next.p.zone, now)})`,
    retryAt: next.at,
    active,
  };
}
