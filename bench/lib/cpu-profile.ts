// Summarizes a V8 .cpuprofile (node --cpu-prof) by where the time goes: self time per function
// and per category (sqlite, JSON, schema validation, HTTP, TLS, GC, …), optionally only for the
// samples inside a time window (the profile's timestamps are CLOCK_MONOTONIC µs, the same clock
// as process.hrtime, so a benchmark phase can be cut out of a whole-process profile). Pure.

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  /** Sampled time in the window (ms), idle excluded. */
  readonly busyMs: number;
  readonly idleMs: number;
  /** Category → self ms, largest first. */
  readonly categories: readonly { name: string; ms: number }[];
  /** The functions with the most self time. */
  readonly top: readonly { name: string; ms: number; category: string }[];
}

/** Category of a frame from its script URL and name; native frames take their caller's. */
export function categorize(functionName: string, url: string): string | undefined {
  if (functionName === '(idle)') {
    return 'idle';
  }
  if (functionName === '(garbage collector)') {
    return 'GC';
  }
  if (functionName === '(program)' || functionName === '(root)') {
    return 'V8/native (unattributed)';
  }
  if (url === '') {
    if (functionName === 'parse' || functionName === 'stringify') {
      return 'JSON parse/stringify';
    }
    return undefined; // a native function: charged to the caller's category
  }
  const rules: [RegExp, string][] = [
    [/better-sqlite3/, 'better-sqlite3 transaction (SQL, COMMIT, fsync)'],
    [/\/cluster\/store\/sqlite/, 'SqliteStore (statements, row JSON.parse)'],
    [/\/cluster\/store\//, 'store (other)'],
    [/\/api\/schema\//, 'schema validation'],
    [/\/api\/validation\//, 'semantic validation'],
    [/\/api\/defaults\//, 'defaulting'],
    [/\/cluster\/registry\//, 'registry (admission glue, clone)'],
    [/\/cluster\/apiserver\//, 'API server handlers'],
    [/\/client\/|\/cluster\/controllers\/|\/cluster\/scheduler\//, 'controllers/informers'],
    [/\/api\//, 'api helpers'],
    [/node:(internal\/)?(tls|_tls|crypto)|internal\/tls|internal\/crypto/, 'TLS'],
    [/node:(internal\/)?(_?http|https)|internal\/http|_http_/, 'HTTP'],
    [/node:(internal\/)?(net|stream|streams)|internal\/streams|node:internal\/stream_base/, 'net/streams'],
    [/pino|thread-stream|sonic-boom/, 'logging'],
    [/node:/, 'node (other)'],
  ];
  for (const [re, name] of rules) {
    if (re.test(url)) {
      return name;
    }
  }
  return 'other JS';
}

function frameName(n: CpuProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/');
  return url === ''
    ? functionName || '(anonymous)'
    : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

export interface TimeWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Summarizes the samples taken inside any of the windows (CLOCK_MONOTONIC µs); the whole profile by default. */
export function summarizeProfile(
  profile: CpuProfile,
  windows?: readonly TimeWindow[],
  topN = 15,
): ProfileSummary {
  const byId = new Map<number, CpuProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const categoryCache = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const cached = categoryCache.get(id);
    if (cached !== undefined) {
      return cached;
    }
    let cur: number | undefined = id;
    let cat: string | undefined;
    while (cur !== undefined && cat === undefined) {
      const n = byId.get(cur)!;
      cat = categorize(n.callFrame.functionName, n.callFrame.url);
      cur = parent.get(cur);
    }
    const result = cat ?? 'V8/native (unattributed)';
    categoryCache.set(id, result);
    return result;
  };
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // the interval until the next sample belongs to this sample's frame
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (windows && !windows.some((w) => t >= w.fromUs && t <= w.toUs)) {
      continue;
    }
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const cats = new Map<string, number>();
  const fns = new Map<string, { us: number; category: string }>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const cat = categoryOf(id);
    if (cat === 'idle') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    const name = frameName(byId.get(id)!);
    const f = fns.get(name) ?? { us: 0, category: cat };
    f.us += us;
    fns.set(name, f);
  }
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    categories: [...cats].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms),
    top: [...fns]
      .map(([name, f]) => ({ name, ms: f.us / 1000, category: f.category }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN),
  };
}
