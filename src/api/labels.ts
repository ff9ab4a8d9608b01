// Kubernetes label selectors: the string syntax of `?labelSelector=` and `kubectl -l`
// (`a=b,c!=d,env in (prod,qa),tier notin (web),key,!key`) and the structured `LabelSelector`
// of workload specs. Both compile to one `Selector`: an AND of requirements.
import { errors } from './errors.js';
import type { LabelSelector } from './types.js';
import { labelValueErrors, qualifiedNameErrors } from './validation/names.js';

export type SelectorOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** One value for = != gt lt; a sorted, de-duplicated non-empty set for in/notin; none for exists/!. */
  readonly values: readonly string[];
}

export interface Selector {
  /** Requirements, sorted by key. Empty for both `everything` and `nothing`. */
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True when the selector has no requirements and so selects everything. */
  empty(): boolean;
  /** True for the selector that selects nothing (a missing LabelSelector). */
  isNothing(): boolean;
  /** Canonical string form, parseable by parseSelector (`''` for everything and for nothing). */
  toString(): string;
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
    case 'in':
      return v !== undefined && r.values.includes(v);
    case '!=':
    case 'notin':
      return v === undefined || !r.values.includes(v);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (v === undefined || !/^-?\d+$/.test(v)) {
        return false;
      }
      const have = Number.parseInt(v, 10);
      const want = Number.parseInt(r.values[0] ?? '', 10);
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

export function requirementString(r: Requirement): string {
  switch (r.operator) {
    case '=':
    case '!=':
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'gt':
      return `${r.key}>${r.values[0] ?? ''}`;
    case 'lt':
      return `${r.key}<${r.values[0] ?? ''}`;
  }
}

class RequirementsSelector implements Selector {
  readonly requirements: readonly Requirement[];

  constructor(reqs: Requirement[]) {
    this.requirements = Object.freeze([...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, l));
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  isNothing(): boolean {
    return false;
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

const NOTHING: Selector = Object.freeze({
  requirements: Object.freeze([]) as readonly Requirement[],
  matches: () => false,
  empty: () => false,
  isNothing: () => true,
  toString: () => '',
});

/** The selector that matches every label set. */
export function everything(): Selector {
  return new RequirementsSelector([]);
}

/** The selector that matches no label set. */
export function nothing(): Selector {
  return NOTHING;
}

function fail(detail: string): never {
  throw errors.badRequest(`unable to parse requirement: ${detail}`);
}

/** Builds one requirement, checking key, value syntax and arity. Throws a 400 ApiError. */
export function newRequirement(
  key: string,
  operator: SelectorOperator,
  values: readonly string[],
): Requirement {
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) {
    fail(`invalid label key "${key}": ${keyErrs.join('; ')}`);
  }
  switch (operator) {
    case '=':
    case '!=':
      if (values.length !== 1) {
        fail(`exact-match compatibility requires one single value for key "${key}"`);
      }
      break;
    case 'in':
    case 'notin':
      if (values.length === 0) {
        fail(`for 'in', 'notin' operators, values set can't be empty (key "${key}")`);
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        fail(`values set must be empty for exists and does not exist (key "${key}")`);
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1 || !/^-?\d+$/.test(values[0] ?? '')) {
        fail(`for 'Gt', 'Lt' operators, exactly one integer value is required (key "${key}")`);
      }
      return Object.freeze({ key, operator, values: Object.freeze([...values]) });
  }
  for (const v of values) {
    const valErrs = labelValueErrors(v);
    if (valErrs.length > 0) {
      fail(`invalid label value: "${v}": at key: "${key}": ${valErrs.join('; ')}`);
    }
  }
  const vs = operator === 'in' || operator === 'notin' ? [...new Set(values)].sort() : [...values];
  return Object.freeze({ key, operator, values: Object.freeze(vs) });
}

// ---- string syntax ----

type Tok =
  | { readonly t: 'id'; readonly v: string }
  | { readonly t: '(' | ')' | ',' | '=' | '==' | '!=' | '!' | '<' | '>' | 'end' };

const SPECIAL = new Set(['!', '=', '(', ')', ',', '<', '>']);

function lex(s: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '!' && s[i + 1] === '=') {
      toks.push({ t: '!=' });
      i += 2;
    } else if (c === '=' && s[i + 1] === '=') {
      toks.push({ t: '==' });
      i += 2;
    } else if (SPECIAL.has(c)) {
      toks.push({ t: c as '!' | '=' | '(' | ')' | ',' | '<' | '>' });
      i++;
    } else {
      let j = i;
      while (j < s.length && !SPECIAL.has(s[j] ?? '') && !/\s/.test(s[j] ?? '')) {
        j++;
      }
      toks.push({ t: 'id', v: s.slice(i, j) });
      i = j;
    }
  }
  toks.push({ t: 'end' });
  return toks;
}

function describe(tok: Tok): string {
  return tok.t === 'id' ? `'${tok.v}'` : tok.t === 'end' ? 'end of string' : `'${tok.t}'`;
}

class Parser {
  private pos = 0;

  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.pos] ?? { t: 'end' };
  }

  private next(): Tok {
    const tok = this.peek();
    this.pos++;
    return tok;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    if (this.peek().t === 'end') {
      return reqs;
    }
    for (;;) {
      reqs.push(this.requirement());
      const tok = this.next();
      if (tok.t === 'end') {
        return reqs;
      }
      if (tok.t !== ',') {
        fail(`found ${describe(tok)}, expected: ',' or end of string`);
      }
    }
  }

  private key(): string {
    const tok = this.next();
    if (tok.t !== 'id') {
      fail(`found ${describe(tok)}, expected: identifier`);
    }
    return tok.v;
  }

  private requirement(): Requirement {
    if (this.peek().t === '!') {
      this.next();
      const key = this.key();
      const after = this.peek();
      if (after.t !== ',' && after.t !== 'end') {
        fail(`found ${describe(after)}, expected: ',' or end of string after '!${key}'`);
      }
      return newRequirement(key, '!', []);
    }
    const key = this.key();
    const op = this.peek();
    switch (op.t) {
      case ',':
      case 'end':
        return newRequirement(key, 'exists', []);
      case '=':
      case '==':
      case '!=': {
        this.next();
        return newRequirement(key, op.t === '!=' ? '!=' : '=', [this.exactValue()]);
      }
      case '<':
      case '>': {
        this.next();
        const tok = this.next();
        if (tok.t !== 'id') {
          fail(`found ${describe(tok)}, expected: integer value`);
        }
        return newRequirement(key, op.t === '>' ? 'gt' : 'lt', [tok.v]);
      }
      case 'id':
        if (op.v === 'in' || op.v === 'notin') {
          this.next();
          return newRequirement(key, op.v, this.valueSet());
        }
        break;
      default:
        break;
    }
    return fail(`found ${describe(op)}, expected: '=', '!=', '==', 'in', 'notin'`);
  }

  /** The value after = / != : an identifier, or nothing (the empty value) before ',' or the end. */
  private exactValue(): string {
    const tok = this.peek();
    if (tok.t === 'id') {
      this.next();
      return tok.v;
    }
    if (tok.t === ',' || tok.t === 'end') {
      return '';
    }
    return fail(`found ${describe(tok)}, expected: identifier`);
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.t !== '(') {
      fail(`found ${describe(open)}, expected: '('`);
    }
    const values: string[] = [];
    if (this.peek().t === ')') {
      this.next();
      return values;
    }
    for (;;) {
      const tok = this.peek();
      if (tok.t === 'id') {
        this.next();
        values.push(tok.v);
      } else if (tok.t === ',' || tok.t === ')') {
        values.push('');
      } else {
        fail(`found ${describe(tok)}, expected: identifier, ',' or ')'`);
      }
      const sep = this.next();
      if (sep.t === ')') {
        return values;
      }
      if (sep.t !== ',') {
        fail(`found ${describe(sep)}, expected: ',' or ')'`);
      }
    }
  }
}

/** Parses the string syntax. The empty string selects everything. Throws a 400 ApiError on bad syntax. */
export function parseSelector(s: string): Selector {
  return new RequirementsSelector(new Parser(lex(s)).parse());
}

/** An equality selector from a label set (`{}` selects everything). Throws a 400 ApiError on bad keys/values. */
export function selectorFromSet(labels: Readonly<Record<string, string>> | undefined): Selector {
  return new RequirementsSelector(Object.entries(labels ?? {}).map(([k, v]) => newRequirement(k, '=', [v])));
}

const EXPRESSION_OPS: Record<string, SelectorOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

function fromLabelSelectorParts(ls: LabelSelector): Selector {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) {
    reqs.push(newRequirement(k, '=', [v]));
  }
  for (const expr of ls.matchExpressions ?? []) {
    const op = EXPRESSION_OPS[expr.operator];
    if (op === undefined) {
      throw errors.badRequest(`"${String(expr.operator)}" is not a valid label selector operator`);
    }
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return new RequirementsSelector(reqs);
}

/**
 * Kubernetes' own conversion (metav1.LabelSelectorAsSelector): a missing selector selects
 * nothing, an empty one (`{}`) selects everything. Use it where the API says "empty selects all".
 */
export function labelSelectorAsSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls === undefined || ls === null) {
    return NOTHING;
  }
  return fromLabelSelectorParts(ls);
}

/**
 * The conservative conversion for controllers that adopt objects (ReplicaSet, Deployment, Rollout,
 * Service-like owners): both a missing and an empty selector select nothing, so an owner with a
 * degenerate selector never claims every pod in its namespace.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls === undefined || ls === null) {
    return NOTHING;
  }
  const sel = fromLabelSelectorParts(ls);
  return sel.empty() ? NOTHING : sel;
}

/** The value a selector pins `key` to (`key=v` or `key in (v)`), for index look-ups. */
export function exactMatchValue(sel: Selector, key: string): string | undefined {
  for (const r of sel.requirements) {
    if (r.key === key && (r.operator === '=' || (r.operator === 'in' && r.values.length === 1))) {
      return r.values[0];
    }
  }
  return undefined;
}

/** `a=1,b=2` (sorted by key), as kubectl prints label sets. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels?.[k] ?? ''}`)
    .join(',');
}
