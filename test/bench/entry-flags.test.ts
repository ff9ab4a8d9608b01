// The benches run node with the options of `gantry`'s shebang line, so they must read it right.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shebangNodeFlags } from '../../bench/lib/entry-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-entry-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function flagsOf(firstLine: string): string[] {
  const f = join(dir, 'entry.js');
  writeFileSync(f, `${firstLine}\nconsole.log(1);\n`);
  return shebangNodeFlags(f);
}

describe('shebangNodeFlags', () => {
  it('reads the options after node in an env -S shebang', () => {
    expect(flagsOf('#!/usr/bin/env -S node --max-semi-space-size=4 --no-warnings')).toEqual([
      '--max-semi-space-size=4',
      '--no-warnings',
    ]);
  });

  it('finds none in a plain node shebang or without a shebang', () => {
    expect(flagsOf('#!/usr/bin/env node')).toEqual([]);
    expect(flagsOf('// no shebang')).toEqual([]);
    expect(flagsOf('#!/usr/bin/env bash')).toEqual([]);
  });

  it("reads gantry's own entry: the semi-space option the CLI runs with", () => {
    expect(shebangNodeFlags(join(import.meta.dirname, '../../src/cli/main.ts'))).toEqual([
      '--max-semi-space-size=4',
    ]);
  });
});
