// One linear pass over JSON text before it is parsed: refuses nesting deeper than a limit
// (deep documents would exhaust the stack of every recursive step after parsing) and, for
// strict field validation, finds duplicate keys (JSON.parse silently keeps the last one).
// Pure; assumes nothing about validity — JSON.parse still reports syntax errors.

export const MAX_JSON_DEPTH = 1000;

export interface JsonScan {
  /** Deepest nesting seen (stops counting at limit + 1). */
  readonly depth: number;
  /** Field paths (`metadata.name`, `spec.containers[0].image`) that appear twice in one object. */
  readonly duplicates: readonly string[];
  /** Where nesting went past the limit: the named fields leading there (indices cut off). */
  readonly tooDeepAt?: string;
}

interface Frame {
  readonly kind: 'object' | 'array';
  readonly path: string;
  keys?: Set<string>;
  index: number;
  key?: string;
}

function childPath(f: Frame): string {
  if (f.kind === 'array') {
    return `${f.path}[${f.index}]`;
  }
  return f.path === '' ? (f.key ?? '') : `${f.path}.${f.key ?? ''}`;
}

export function scanJson(text: string, opts: { maxDepth?: number; duplicates?: boolean } = {}): JsonScan {
  const max = opts.maxDepth ?? MAX_JSON_DEPTH;
  const stack: Frame[] = [];
  const dups: string[] = [];
  let deepest = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i + 1;
      let escaped = false;
      for (i = start; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) {
          escaped = true;
          i++;
        } else if (d === 34) {
          break;
        }
      }
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') {
        let j = i + 1;
        while (j < n && (text[j] === ' ' || text[j] === '\n' || text[j] === '\t' || text[j] === '\r')) {
          j++;
        }
        if (text[j] === ':') {
          let key = text.slice(start, i);
          if (escaped) {
            try {
              key = JSON.parse(`"${key}"`) as string;
            } catch {
              // left for JSON.parse to report
            }
          }
          top.key = key;
          if (opts.duplicates) {
            top.keys ??= new Set();
            if (top.keys.has(key)) {
              dups.push(childPath(top));
            }
            top.keys.add(key);
          }
        }
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      deepest = Math.max(deepest, stack.length + 1);
      const parent = stack[stack.length - 1];
      const path = parent ? childPath(parent) : '';
      if (deepest > max) {
        const cut = path.indexOf('[');
        const named = (cut < 0 ? path : path.slice(0, cut)).split('.').slice(0, 2).join('.');
        return { depth: deepest, duplicates: dups, tooDeepAt: named };
      }
      stack.push({ kind: c === 123 ? 'object' : 'array', path, index: 0 });
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
    } else if (c === 44 /* , */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') {
        top.index++;
      }
    }
  }
  return { depth: deepest, duplicates: dups };
}
