import { describe, expect, it } from 'vitest';
import { plural, processes } from './plural';

describe('plural', () => {
  it('says 1 worker and 1 process, and the plural for every other count', () => {
    expect([0, 1, 2].map((n) => plural(n, 'worker'))).toEqual(['0 workers', '1 worker', '2 workers']);
    expect([0, 1, 2].map(processes)).toEqual(['0 processes', '1 process', '2 processes']);
  });
});
