import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitYaml } from '../../src/diff/yaml-emit.js';

describe('emitYaml', () => {
  it('reads back as the same JSON value (any value)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const back = parse(emitYaml(v));
        expect(back).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back any unicode and multi-line strings, as keys and values', () => {
    const str = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }).map((a) => a.join('\n')),
      fc
        .array(fc.constantFrom('a', ' ', '\n', '\t', '#', ':', '-', '|', '"', "'", '+'), { maxLength: 12 })
        .map((a) => a.join('')),
    );
    fc.assert(
      fc.property(fc.dictionary(str, fc.oneof(str, fc.array(str))), (v) => {
        expect(parse(emitYaml(v))).toEqual(v);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back strings that look like other YAML types', () => {
    const tricky = [
      'true',
      'No',
      'null',
      '~',
      '0x1F',
      '1e3',
      '.5',
      '-1',
      '+1',
      '.inf',
      '007',
      '1:30',
      'a: b',
      'a #b',
      '#x',
      '- x',
      '* x',
      '&a',
      '!t',
      '%x',
      '@x',
      '`x',
      '"q"',
      "'q'",
      '{a}',
      '[a]',
      'a,b',
      '?',
      '',
      ' lead',
      'trail ',
      'x:',
      'line1\nline2',
      'ends\n',
      'two\n\n',
      '\nstarts',
      ' sp\nx',
      'tab\there',
      'cr\r\nlf',
      'é ü',
      '2026-11-22',
      '12:30:00',
      'y',
      'yes',
      'on',
      '=',
      '<<',
    ];
    for (const s of tricky) {
      expect(parse(emitYaml({ k: s, l: [s], [s]: 1 })), JSON.stringify(s)).toEqual({ k: s, l: [s], [s]: 1 });
    }
  });

  it('writes sorted block YAML as kubectl does, literal blocks for multi-line strings', () => {
    expect(
      emitYaml({
        b: [{ name: 'x', ports: [{ p: 1 }] }, 'y', [], {}],
        a: { conf: 'k=v\nk2=v2\n', empty: {} },
      }),
    ).toBe(
      [
        'a:',
        '  conf: |',
        '    k=v',
        '    k2=v2',
        '  empty: {}',
        'b:',
        '- name: x',
        '  ports:',
        '  - p: 1',
        '- "y"',
        '- []',
        '- {}',
        '',
      ].join('\n'),
    );
  });
});
