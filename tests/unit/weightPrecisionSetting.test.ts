import { describe, expect, it } from 'vitest';
import { weightPrecisionSetting } from '../../src/views/shared/computeInfo.svelte.ts';

const at = (href: string) => new URL(href) as unknown as Location;

describe('the ?weights= setting', () => {
  it('reads f16 from the search or the hash query, f32 otherwise', () => {
    expect(weightPrecisionSetting(at('http://127.0.0.1/?weights=f16#/pruning'))).toBe('f16');
    expect(weightPrecisionSetting(at('http://127.0.0.1/#/pruning?backend=webgpu&weights=f16'))).toBe('f16');
    expect(weightPrecisionSetting(at('http://127.0.0.1/#/pruning'))).toBe('f32');
    expect(weightPrecisionSetting(at('http://127.0.0.1/?weights=bf16'))).toBe('f32');
  });
});
