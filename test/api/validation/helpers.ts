import type { StatusCause } from '../../../src/api/types.js';

/** `field reason` pairs, for compact assertions. */
export function pairs(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field ?? ''} ${c.reason ?? ''}`);
}

/** `field: message` lines as the API server's error message shows them. */
export function lines(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field ?? ''}: ${c.message}`);
}
