import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isApiError } from '../../src/api/errors.js';
import {
  everything,
  exactMatchValue,
  formatLabels,
  labelSelectorAsSelector,
  nothing,
  parseSelector,
  selectorFromLabelSelector,
  selectorFromSet,
} from '../../src/api/labels.js';

const web = { app: 'web', env: 'prod', tier: 'frontend' };
const db = { app: 'db', env: 'qa' };
const bare = {};

describe('parseSelector', () => {
  it.each([
    // selector, matches web, db, bare
    ['', true, true, true],
    ['app=web', true, false, false],
    ['app==web', true, false, false],
    ['app!=web', false, true, true],
    ['env in (prod,qa)', true, true, false],
    ['env in (prod)', true, false, false],
    ['tier notin (frontend)', false, true, true],
    ['tier', true, false, false],
    ['!tier', false, true, true],
    ['app=web,env=prod', true, false, false],
    ['app=web,env=qa', false, false, false],
    ['  app = web ,  env in ( prod , qa ) ', true, false, false],
    ['app,!tier', false, true, false],
    ['app in (web,db),env!=qa', true, false, false],
    ['example.com/team=x', false, false, false],
  ])('%j → web %s, db %s, bare %s', (s, w, d, b) => {
    const sel = parseSelector(s);
    expect(sel.matches(web)).toBe(w);
    expect(sel.matches(db)).toBe(d);
    expect(sel.matches(bare)).toBe(b);
  });

  it('treats undefined labels as an empty set', () => {
    expect(parseSelector('!a').matches(undefined)).toBe(true);
    expect(parseSelector('a').matches(undefined)).toBe(false);
  });

  it('accepts an empty value after = and matches only a present empty label', () => {
    const sel = parseSelector('a=');
    expect(sel.matches({ a: '' })).toBe(true);
    expect(sel.matches({})).toBe(false);
    expect(sel.requirements).toEqual([{ key: 'a', operator: '=', values: [''] }]);
  });

  it('supports integer comparisons gt/lt', () => {
    expect(parseSelector('gen>3').matches({ gen: '4' })).toBe(true);
    expect(parseSelector('gen>3').matches({ gen: '3' })).toBe(false);
    expect(parseSelector('gen<3').matches({ gen: '2' })).toBe(true);
    expect(parseSelector('gen<3').matches({ gen: 'x' })).toBe(false);
    expect(parseSelector('gen<3').matches({})).toBe(false);
  });

  it.each([
    ['env in (prod,qa),app=web,!legacy', 'app=web,env in (prod,qa),!legacy'],
    ['b==2,a=1', 'a=1,b=2'],
    ['x in (c,a,b,a)', 'x in (a,b,c)'],
    ['x notin (z)', 'x notin (z)'],
    ['  k  ', 'k'],
    ['', ''],
  ])('canonical string of %j is %j and round-trips', (s, canonical) => {
    const sel = parseSelector(s);
    expect(sel.toString()).toBe(canonical);
    expect(parseSelector(sel.toString()).toString()).toBe(canonical);
  });

  it('exposes requirements sorted by key', () => {
    const sel = parseSelector('z=1,a in (x,y),m');
    expect(sel.requirements.map((r) => [r.key, r.operator, r.values])).toEqual([
      ['a', 'in', ['x', 'y']],
      ['m', 'exists', []],
      ['z', '=', ['1']],
    ]);
    expect(sel.empty()).toBe(false);
    expect(parseSelector('').empty()).toBe(true);
  });

  it.each([
    'app=web,',
    ',app=web',
    'app=web,,env=x',
    'env in prod',
    'env in (prod',
    'env in ()',
    'env notin',
    'app=(x)',
    '!app=web',
    'app web',
    'app=a=b',
    '=web',
    'Bad Key=1',
    'a/b/c=1',
    '-leading=1',
    `${'k'.repeat(64)}=1`,
    `k=${'v'.repeat(64)}`,
    'k=bad value!',
    'k=-x',
    'gen>x',
  ])('rejects %j with a 400 "unable to parse requirement"', (s) => {
    let err: unknown;
    try {
      parseSelector(s);
    } catch (e) {
      err = e;
    }
    expect(isApiError(err, 400)).toBe(true);
    expect((err as Error).message).toMatch(/^unable to parse requirement: /);
  });

  it('accepts keys with a DNS prefix and 63-character names and values', () => {
    const k = `app.example.com/${'n'.repeat(63)}`;
    expect(parseSelector(`${k}=${'v'.repeat(63)}`).matches({ [k]: 'v'.repeat(63) })).toBe(true);
  });

  it('names the offending key or value in the message', () => {
    expect(() => parseSelector('k=bad!')).toThrow(/found '!'|invalid label value/);
    expect(() => parseSelector('Bad_Key_=1')).toThrow(/invalid label key "Bad_Key_"/);
  });
});

describe('structured selectors', () => {
  it('labelSelectorAsSelector: missing selects nothing, empty selects everything', () => {
    expect(labelSelectorAsSelector(undefined).matches(web)).toBe(false);
    expect(labelSelectorAsSelector(undefined).isNothing()).toBe(true);
    expect(labelSelectorAsSelector({}).matches(web)).toBe(true);
    expect(labelSelectorAsSelector({}).matches(undefined)).toBe(true);
    expect(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }).empty()).toBe(true);
  });

  it('selectorFromLabelSelector: missing and empty both select nothing', () => {
    expect(selectorFromLabelSelector(undefined).matches(web)).toBe(false);
    expect(selectorFromLabelSelector({}).matches(web)).toBe(false);
    expect(selectorFromLabelSelector({}).isNothing()).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: { app: 'web' } }).matches(web)).toBe(true);
  });

  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorAsSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'qa'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
      ],
    });
    expect(sel.matches(web)).toBe(true);
    expect(sel.matches({ ...web, legacy: 'yes' })).toBe(false);
    expect(sel.matches({ ...web, zone: 'b' })).toBe(false);
    expect(sel.matches({ app: 'web', env: 'prod' })).toBe(false);
    expect(sel.toString()).toBe('app=web,env in (prod,qa),!legacy,tier,zone notin (b)');
  });

  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'In' as const, values: [] }] }],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' as const, values: ['x'] }] }],
    [{ matchExpressions: [{ key: 'a', operator: 'Bogus' as never }] }],
    [{ matchLabels: { 'bad key': 'x' } }],
  ])('rejects invalid structured selector %j', (ls) => {
    expect(() => labelSelectorAsSelector(ls)).toThrow();
  });

  it('selectorFromSet builds equality requirements', () => {
    const sel = selectorFromSet({ b: '2', a: '1' });
    expect(sel.toString()).toBe('a=1,b=2');
    expect(sel.matches({ a: '1', b: '2', c: '3' })).toBe(true);
    expect(sel.matches({ a: '1' })).toBe(false);
    expect(selectorFromSet({}).empty()).toBe(true);
    expect(selectorFromSet(undefined).matches({ x: 'y' })).toBe(true);
    expect(() => selectorFromSet({ a: 'not valid' })).toThrow(/invalid label value/);
  });

  it('everything and nothing', () => {
    expect(everything().matches(web)).toBe(true);
    expect(everything().empty()).toBe(true);
    expect(nothing().matches(bare)).toBe(false);
    expect(nothing().empty()).toBe(false);
    expect(nothing().toString()).toBe('');
  });

  it('exactMatchValue finds equality pins for indexing', () => {
    expect(exactMatchValue(parseSelector('app=web,env in (prod,qa)'), 'app')).toBe('web');
    expect(exactMatchValue(parseSelector('app in (web)'), 'app')).toBe('web');
    expect(exactMatchValue(parseSelector('env in (prod,qa)'), 'env')).toBeUndefined();
    expect(exactMatchValue(parseSelector('app!=web'), 'app')).toBeUndefined();
  });

  it('formatLabels sorts keys', () => {
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(formatLabels(undefined)).toBe('');
  });
});

describe('properties', () => {
  const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9_.]{0,10}[a-z0-9])?$/);
  const labels = fc.dictionary(name, name, { maxKeys: 4 });
  const requirement = fc.oneof(
    fc.tuple(name, name).map(([k, v]) => `${k}=${v}`),
    fc.tuple(name, name).map(([k, v]) => `${k}!=${v}`),
    fc
      .tuple(name, fc.array(name, { minLength: 1, maxLength: 3 }))
      .map(([k, vs]) => `${k} in (${vs.join(',')})`),
    fc
      .tuple(name, fc.array(name, { minLength: 1, maxLength: 3 }))
      .map(([k, vs]) => `${k} notin (${vs.join(',')})`),
    name,
    name.map((k) => `!${k}`),
  );

  it('toString re-parses to a selector that matches the same label sets', () => {
    fc.assert(
      fc.property(
        fc.array(requirement, { maxLength: 4 }),
        fc.array(labels, { maxLength: 5 }),
        (reqs, sets) => {
          const sel = parseSelector(reqs.join(','));
          const again = parseSelector(sel.toString());
          expect(again.toString()).toBe(sel.toString());
          for (const l of sets) {
            expect(again.matches(l)).toBe(sel.matches(l));
          }
        },
      ),
    );
  });

  it('a set selector matches exactly its supersets', () => {
    fc.assert(
      fc.property(labels, labels, (want, have) => {
        const expected = Object.entries(want).every(([k, v]) => have[k] === v);
        expect(selectorFromSet(want).matches(have)).toBe(expected);
      }),
    );
  });
});
