// What every benchmark entry file needs around its main(): reading RESULTS.md when it exists, and
// running main only when the file is executed (not imported), reporting failures with their cause.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { findSection, previousFigures, replaceSection } from './results-md.js';

/** The file's text, or '' when it does not exist yet (first run). */
export function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Runs main when `moduleUrl` is the script node was started with; exit code 1 on failure. */
export function runIfMain(moduleUrl: string, name: string, main: () => Promise<unknown>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) {
    return;
  }
  main().catch((e: unknown) => {
    const err = e as Error;
    process.stderr.write(`${name} failed: ${err?.stack ?? String(e)}\n`);
    if (err?.cause) {
      process.stderr.write(`caused by: ${String((err.cause as Error)?.stack ?? err.cause)}\n`);
    }
    process.exitCode = 1;
  });
}

/** The figures a benchmark's section of RESULTS.md held after its previous run, if any. */
export function previousRun(
  results: string,
  heading: string,
): ReturnType<typeof previousFigures> | undefined {
  const section = findSection(safeRead(results), heading);
  return section === undefined ? undefined : previousFigures(section);
}

/** Replaces (or appends) one section of RESULTS.md, leaving the others as they are. */
export function writeSection(results: string, heading: string, section: string): void {
  writeFileSync(results, replaceSection(safeRead(results), heading, section));
}
