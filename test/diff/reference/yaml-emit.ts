// Reference copy, kept for test/diff/golden.test.ts: src/diff as it was before the
// optimisations of 2026-11-22 (results must not change). Do not edit.
// A small YAML emitter for the human diff: plain JSON values only, keys sorted at every level,
// block style like `kubectl get -o yaml`, multi-line strings as literal blocks so a changed line
// of a config file shows as one changed line. Strings that could read as anything but a string
// are double-quoted (JSON escapes are valid YAML). Several times faster than a general YAML
// library, which matters when thousands of resources differ. Pure.

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const NUMBER_LIKE = /^[-+]?(?:\.?\d|\.(?:inf|nan)$)|^0[box]|^[-+]?\.inf$|^\.nan$/i;
const PLAIN = /^[A-Za-z0-9_/.$()+][A-Za-z0-9_/.$() :,=@%+*-]*$/;

function plainOk(s: string): boolean {
  return (
    s !== '' &&
    PLAIN.test(s) &&
    !RESERVED.test(s) &&
    !NUMBER_LIKE.test(s) &&
    !s.endsWith(' ') &&
    !s.endsWith(':') &&
    !s.includes(': ') &&
    !s.includes(' #')
  );
}

function key(k: string): string {
  return plainOk(k) ? k : JSON.stringify(k);
}

/** Characters a literal block cannot carry as they are: controls other than tab and newline,
 *  DEL, and what some YAML readers take for line breaks or a byte-order mark. */
function hasUnsafeChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      (c < 32 && c !== 9 && c !== 10) ||
      c === 0x7f ||
      c === 0x85 ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0xfeff
    ) {
      return true;
    }
  }
  return false;
}

function literalBlockOk(s: string): boolean {
  // A first line that starts with a space (or an empty first line) would need an indentation
  // indicator: such strings are quoted instead.
  return s.includes('\n') && !hasUnsafeChar(s) && !s.startsWith(' ') && !s.startsWith('\n');
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) {
    return 'null';
  }
  if (typeof v === 'string') {
    return plainOk(v) ? v : JSON.stringify(v);
  }
  if (typeof v === 'number' || typeof v === 'boolean') {
    return String(v);
  }
  return JSON.stringify(v);
}

function block(s: string, indent: string, out: string[], prefix: string): void {
  const body = s.replace(/\n+$/, '');
  const trailing = s.length - body.length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  out.push(`${prefix}|${chomp}`);
  const lines = (trailing > 1 ? s.slice(0, -1) : body).split('\n');
  for (const line of lines) {
    out.push(line === '' ? '' : `${indent}${line}`);
  }
}

function isCollection(v: unknown): v is object {
  return typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
}

/** Emits `v` after `prefix` (a `key:` or `- ` already written at the current position). */
function emitValue(v: unknown, indent: string, out: string[], prefix: string, inList: boolean): void {
  if (typeof v === 'string' && literalBlockOk(v)) {
    block(v, `${indent}  `, out, `${prefix} `);
    return;
  }
  if (!isCollection(v)) {
    const empty = Array.isArray(v) ? '[]' : typeof v === 'object' && v !== null ? '{}' : scalar(v);
    out.push(`${prefix} ${empty}`);
    return;
  }
  if (Array.isArray(v)) {
    out.push(prefix);
    emitList(v, inList ? `${indent}  ` : indent, out);
    return;
  }
  out.push(prefix);
  emitMap(v as Record<string, unknown>, `${indent}  `, out);
}

function emitMap(m: Record<string, unknown>, indent: string, out: string[]): void {
  for (const k of Object.keys(m).sort()) {
    emitValue(m[k], indent, out, `${indent}${key(k)}:`, false);
  }
}

function emitList(a: readonly unknown[], indent: string, out: string[]): void {
  for (const el of a) {
    if (isCollection(el) && !Array.isArray(el)) {
      // first key on the dash line, the rest aligned under it
      const sub: string[] = [];
      emitMap(el as Record<string, unknown>, `${indent}  `, sub);
      sub[0] = `${indent}- ${sub[0]!.slice(indent.length + 2)}`;
      out.push(...sub);
    } else if (Array.isArray(el) && el.length > 0) {
      out.push(`${indent}-`);
      emitList(el, `${indent}  `, out);
    } else if (typeof el === 'string' && literalBlockOk(el)) {
      block(el, `${indent}  `, out, `${indent}- `);
    } else {
      const empty = Array.isArray(el) ? '[]' : typeof el === 'object' && el !== null ? '{}' : scalar(el);
      out.push(`${indent}- ${empty}`);
    }
  }
}

/** YAML of a JSON value with sorted keys, ending in a newline ('' for undefined). */
export function emitYaml(v: unknown): string {
  if (v === undefined) {
    return '';
  }
  const out: string[] = [];
  if (isCollection(v) && !Array.isArray(v)) {
    emitMap(v as Record<string, unknown>, '', out);
  } else if (Array.isArray(v) && v.length > 0) {
    emitList(v, '', out);
  } else if (typeof v === 'string' && literalBlockOk(v)) {
    block(v, '  ', out, '');
  } else {
    out.push(Array.isArray(v) ? '[]' : typeof v === 'object' && v !== null ? '{}' : scalar(v));
  }
  return `${out.join('\n')}\n`;
}
