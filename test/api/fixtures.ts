// Loads the YAML fixtures of test/api/testdata.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KObject } from '../../src/api/types.js';

export function loadObjects(file: string): KObject[] {
  const text = readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS() as KObject);
}

export function validObjects(): KObject[] {
  return loadObjects('valid-objects.yaml');
}

/** A deep copy of the fixture object of `kind`. */
export function validObject(kind: string): KObject {
  const o = validObjects().find((x) => x.kind === kind);
  if (!o) {
    throw new Error(`no fixture of kind ${kind}`);
  }
  return structuredClone(o);
}
