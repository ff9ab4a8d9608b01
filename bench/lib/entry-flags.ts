// The node options `gantry`'s entry asks for in its shebang line (`#!/usr/bin/env -S node FLAGS`):
// benchmarks that spawn `node dist/src/cli/main.js …` (or run the agent the way `gantry agent`
// does) pass them too, so that the process measured is the one a user runs.
import { readFileSync } from 'node:fs';

/** Options after `node` in the first line of `file` (none when it has no such shebang). */
export function shebangNodeFlags(file: string): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\s*\S*env\s+(?:-S\s+)?node((?:\s+\S+)*)\s*$/.exec(first);
  return m?.[1]?.trim() ? m[1].trim().split(/\s+/) : [];
}
