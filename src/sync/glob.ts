// Glob patterns for `spec.source.directory.include/exclude`, as Argo CD users write them:
// `*.yaml`, `env-usw2/*`, `**/*.json`, `{config.json,env-usw2/*}`. `*` and `?` stop at `/`, `**`
// crosses directories; a pattern without `/` also matches a file's base name. Pure.

function toRegexSource(pattern: string): string {
  let out = '';
  let i = 0;
  let depth = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches zero or more directories; a bare `**` anything.
        if (pattern[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 3;
        } else {
          out += '.*';
          i += 2;
        }
        continue;
      }
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '{') {
      out += '(?:';
      depth++;
    } else if (c === '}' && depth > 0) {
      out += ')';
      depth--;
    } else if (c === ',' && depth > 0) {
      out += '|';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end > i + 1) {
        const body = pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end + 1;
        continue;
      }
      out += '\\[';
    } else {
      out += c.replace(/[.+^$()|\\\]]/g, '\\$&');
    }
    i++;
  }
  return out + ')'.repeat(depth);
}

/** A matcher for one pattern (or a `{a,b}` set of them). */
export function globMatcher(pattern: string): (path: string) => boolean {
  const re = new RegExp(`^${toRegexSource(pattern.trim())}$`);
  return (path: string) => {
    if (re.test(path)) {
      return true;
    }
    const slash = path.lastIndexOf('/');
    return slash >= 0 && re.test(path.slice(slash + 1)) && !pattern.includes('/');
  };
}
