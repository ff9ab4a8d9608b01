// Renders the server's CPU profile, cut into the benchmark's phases, as a markdown section:
// self time per category and the top functions of each phase. Pure.
import { type CpuProfile, summarizeProfile, type TimeWindow } from './cpu-profile.js';

export interface PhaseWindow {
  readonly name: string;
  readonly ops: number;
  readonly windows: readonly TimeWindow[];
}

export function renderProfileSection(
  heading: string,
  profile: CpuProfile,
  phases: readonly PhaseWindow[],
  head: { date: string; machine: string; command: string },
  /** false when the profile's clock did not line up with the bench's: one whole-run summary. */
  aligned: boolean,
): string {
  const out = [
    `## ${heading}`,
    '',
    `- Date: ${head.date}`,
    `- Machine: ${head.machine}`,
    `- Command: \`${head.command}\` (the server runs under \`--cpu-prof\`, which slows it: read shares, not rates)`,
    `- Self time sampled on the server's main thread per bench phase${aligned ? '' : ' (profile clock not aligned with the bench clock: whole run)'}. The sampler counts wall time, so time the thread spends blocked (fsync) or waiting for a CPU on a busy machine is charged to the function it is in. Native calls are charged to their JS caller's category: "better-sqlite3 transaction" includes the COMMIT and its fsync; "SqliteStore" includes its SQL statements and the JSON.parse of rows.`,
    '',
  ];
  const list: readonly PhaseWindow[] = aligned
    ? phases
    : [{ name: 'whole run', ops: 0, windows: [{ fromUs: -Infinity, toUs: Infinity }] }];
  for (const p of list) {
    const s = summarizeProfile(profile, p.windows, 12);
    const perOp = (ms: number) => (p.ops ? ((ms * 1000) / p.ops).toFixed(1) : '');
    out.push(
      `### ${p.name}: ${s.busyMs.toFixed(0)} ms busy, ${s.idleMs.toFixed(0)} ms idle${p.ops ? ` (${perOp(s.busyMs)} µs busy per op, ${p.ops.toLocaleString('en-US')} ops)` : ''}`,
    );
    out.push('');
    out.push('| Category | self ms | share | µs per op |');
    out.push('| --- | ---: | ---: | ---: |');
    for (const c of s.categories.filter((c) => c.ms >= s.busyMs * 0.01)) {
      out.push(
        `| ${c.name} | ${c.ms.toFixed(0)} | ${((c.ms / s.busyMs) * 100).toFixed(1)}% | ${perOp(c.ms)} |`,
      );
    }
    out.push('');
    out.push('Top functions by self time:');
    out.push('');
    for (const t of s.top) {
      out.push(`- ${t.ms.toFixed(0)} ms — \`${t.name}\` (${t.category})`);
    }
    out.push('');
  }
  return out.join('\n');
}
