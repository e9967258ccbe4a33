/** Shapes and results of the matmul benchmark; no kernel imports, so Node-side runners can load it. */
export interface MatmulShape {
  label: string;
  m: number;
  k: number;
  n: number;
}

export interface MatmulTiming {
  shape: string;
  impl: string;
  ms: number;
  gflops: number;
}

export const MATMUL_SHAPES = {
  quick: [
    { label: 'square 128', m: 128, k: 128, n: 128 },
    { label: 'odd 100×70·70×90', m: 100, k: 70, n: 90 },
  ],
  full: [
    { label: 'square 256', m: 256, k: 256, n: 256 },
    { label: 'square 512', m: 512, k: 512, n: 512 },
    { label: 'square 1024', m: 1024, k: 1024, n: 1024 },
    { label: 'OPT-125M qkv 128×768·768×768', m: 128, k: 768, n: 768 },
    { label: 'OPT-125M fc1 512×768·768×3072', m: 512, k: 768, n: 3072 },
  ],
} satisfies Record<string, MatmulShape[]>;
