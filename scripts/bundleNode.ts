/**
 * Bundles a Node entry point that imports WGSL (`*.wgsl?raw`) into one .mjs under .gpu/, so kernels
 * run under Node with the `webgpu` package (Dawn). The bundle needs no node_modules: `webgpu` is copied
 * beside it (its linux-x64 build only), tfjs-wasm's binaries too. That folder is what a GPU machine gets.
 *   node --import tsx scripts/bundleNode.ts bench/node/matmul.node.ts
 */
import { build, type Plugin } from 'esbuild';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
const outDir = path.join(repo, '.gpu');

const rawImports: Plugin = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: path.resolve(args.resolveDir, args.path.replace(/\?raw$/, '')), namespace: 'raw' }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({ contents: readFileSync(args.path, 'utf8'), loader: 'text' }));
  },
};

export async function bundleNode(entry: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, `${path.basename(entry).replace(/\.ts$/, '')}.mjs`);
  await build({
    entryPoints: [path.resolve(repo, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['webgpu'],
    plugins: [rawImports],
    // tfjs' CommonJS parts use require() and __dirname; give the ESM bundle both.
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        "import { fileURLToPath as __fileURLToPath } from 'node:url';",
        'const require = __createRequire(import.meta.url);',
        'const __filename = __fileURLToPath(import.meta.url);',
        "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
      ].join('\n'),
    },
    logLevel: 'warning',
  });
  const webgpuSource = path.join(repo, 'node_modules', 'webgpu');
  const webgpuTarget = path.join(outDir, 'node_modules', 'webgpu');
  mkdirSync(path.join(webgpuTarget, 'dist', 'linux-x64'), { recursive: true });
  for (const file of ['index.js', 'package.json']) cpSync(path.join(webgpuSource, file), path.join(webgpuTarget, file));
  cpSync(path.join(webgpuSource, 'dist', 'linux-x64', 'dawn.node'), path.join(webgpuTarget, 'dist', 'linux-x64', 'dawn.node'));
  const wasmDir = path.join(repo, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    cpSync(path.join(wasmDir, file), path.join(outDir, file));
  }
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bundleNode.ts')) {
  const entry = process.argv[2];
  if (!entry) throw new Error('usage: bundleNode.ts <entry.ts>');
  console.log(await bundleNode(entry));
}
