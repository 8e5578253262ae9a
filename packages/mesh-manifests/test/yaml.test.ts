import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { canonical, yamlFile } from '../src/render/yaml.js';

describe('deterministic YAML', () => {
  it('orders keys the same whatever order the definition used', () => {
    const a = yamlFile(['h'], [{ object: { spec: { b: 1, a: 2 }, kind: 'K', metadata: { labels: { z: '1', a: '2' }, name: 'web' }, apiVersion: 'v1' } }]);
    const b = yamlFile(['h'], [{ object: { apiVersion: 'v1', metadata: { name: 'web', labels: { a: '2', z: '1' } }, kind: 'K', spec: { a: 2, b: 1 } } }]);
    expect(a).toBe(b);
    expect(a).toBe('# h\n\napiVersion: v1\nkind: K\nmetadata:\n  name: web\n  labels:\n    a: "2"\n    z: "1"\nspec:\n  a: 2\n  b: 1\n');
  });

  it('keeps list order and quotes what YAML 1.1 readers would misread', () => {
    const text = yamlFile([], [{ object: { list: ['b', 'a'], off: 'off', yes: 'yes', date: '2012-10-17', number: '80' } }]);
    expect(parse(text, { version: '1.1' })).toEqual({ list: ['b', 'a'], off: 'off', yes: 'yes', date: '2012-10-17', number: '80' });
    expect(canonical({ b: [{ d: 1, c: 2 }] })).toEqual({ b: [{ c: 2, d: 1 }] });
  });

  it('puts comments above the fields they explain', () => {
    const text = yamlFile([], [{ object: { spec: { a: 1, list: [{ x: 1 }] } }, comment: 'top', fields: [{ path: ['spec', 'a'], text: 'why a' }, { path: ['spec', 'list', 0], text: 'first' }] }]);
    expect(text).toBe('# top\n\nspec:\n  # why a\n  a: 1\n  list:\n    # first\n    - x: 1\n');
    expect(() => yamlFile([], [{ object: { a: 1 }, fields: [{ path: ['b'], text: 'x' }] }])).toThrow('no field at b to comment');
  });
});
