import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../scripts/staticServer.ts';
import { run as runLogits } from '../../src/cli/commands/logits.ts';
import { configToJson, parseOptConfig } from '../../src/lib/opt/config.ts';
import { randomOptWeights } from '../../src/lib/opt/randomWeights.ts';
import { parseSafetensors, writeSafetensors } from '../../src/lib/opt/safetensors.ts';
import { MemoryCache } from '../../src/lib/opt/sources/byteCache.ts';
import { loadModelFiles } from '../../src/lib/opt/sources/loadModel.ts';
import { LocalFiles } from '../../src/lib/opt/sources/modelFiles.ts';
import { HubRepo, UrlFolder } from '../../src/lib/opt/sources/remoteFiles.ts';
import { formatMergesTxt } from '../../src/lib/opt/tokenizer/tokenizerJson.ts';
import { trainByteLevelBpe } from '../../src/lib/opt/tokenizer/trainBpe.ts';
import { loadOptWeights, locateTensors, weightsToTensors } from '../../src/lib/opt/weights.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { variant } from '../helpers/optModels.ts';

/**
 * The loader's guards (issue 13): a download cut off without a Content-Length is never cached and the
 * next load fetches it again; a bad cached copy is evicted; files come from the model's folder only;
 * config.json must match the checkpoint tensor for tensor; NaN weights are refused by name.
 */
const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'];
const config = parseOptConfig({ vocab_size: 300, hidden_size: 16, num_attention_heads: 2, ffn_dim: 24, num_hidden_layers: 2, max_position_embeddings: 32 });
const weightBytes = writeSafetensors(weightsToTensors(config, randomOptWeights(config, new Rng(4))));
const bpe = trainByteLevelBpe({ texts: ['the cat sat on the mat. '.repeat(4)], vocabSize: 300, specialTokens: SPECIALS });
let root: string;
let server: StaticServer;
/** While true, the server answers model.safetensors with its first 300 bytes and closes: no Content-Length, no chunking. */
let truncating = true;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'load-guards-'));
  const folder = path.join(root, 'flaky', 'opt', 'resolve', 'main');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'config.json'), JSON.stringify(configToJson(config)));
  writeFileSync(path.join(folder, 'vocab.json'), JSON.stringify(bpe.vocab));
  writeFileSync(path.join(folder, 'merges.txt'), formatMergesTxt(bpe.merges));
  writeFileSync(path.join(folder, 'model.safetensors'), weightBytes);
  writeFileSync(path.join(root, 'secret.safetensors'), weightBytes);
  mkdirSync(path.join(root, 'sized', 'opt', 'resolve'), { recursive: true });
  cpSync(folder, path.join(root, 'sized', 'opt', 'resolve', 'main'), { recursive: true });
  server = await startStaticServer({
    root,
    route: (request, response) => {
      // The hub API's listing for sized/opt, with config.json 5 bytes longer than the file served.
      if (request.url?.startsWith('/api/models/sized/opt/revision/main')) {
        const main = path.join(root, 'sized', 'opt', 'resolve', 'main');
        const siblings = ['config.json', 'vocab.json', 'merges.txt', 'model.safetensors'].map((name) => ({ rfilename: name, size: statSync(path.join(main, name)).size + (name === 'config.json' ? 5 : 0) }));
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ siblings }));
        return true;
      }
      if (!truncating || !request.url?.endsWith('/model.safetensors')) return false;
      // A close-delimited body (HTTP/1.1 without Content-Length or chunks) that ends early looks complete to fetch.
      const head = 'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n';
      response.socket!.end(Buffer.concat([Buffer.from(head), Buffer.from(weightBytes.subarray(0, 300))]));
      return true;
    },
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
  delete process.env.PAPERLAB_HUB_URL;
  delete process.env.PAPERLAB_CACHE_DIR;
});

describe('downloads are checked before they are cached', () => {
  it('a truncated download with no Content-Length is refused, not cached, and the next load refetches and succeeds', async () => {
    truncating = true;
    const cache = new MemoryCache();
    const folder = () => new UrlFolder(`${server.url}/flaky/opt/resolve/main/`, { cache });
    await expect(loadModelFiles(folder())).rejects.toThrow(/model.safetensors is not usable: .*not a valid safetensors file/);
    await expect(loadModelFiles(folder())).rejects.toThrow(expect.objectContaining({ detail: expect.stringMatching(/it was not cached, so loading again downloads it afresh/) }));
    expect(await cache.has(`${server.url}/flaky/opt/resolve/main/model.safetensors`)).toBe(false);
    truncating = false;
    const before = server.requests.length;
    const loaded = await loadModelFiles(folder());
    expect(server.requests.slice(before)).toContain('/flaky/opt/resolve/main/model.safetensors');
    expect(loaded.weights[0].bytes.byteLength).toBe(weightBytes.byteLength);
  });

  it('the CLI disk cache refetches after a truncated download, then serves the file from disk', async () => {
    process.env.PAPERLAB_HUB_URL = server.url;
    process.env.PAPERLAB_CACHE_DIR = path.join(root, 'cli-cache');
    truncating = true;
    await expect(runLogits(['--model', 'flaky/opt', '--ids', '2,5'])).rejects.toThrow(/not usable/);
    truncating = false;
    const { logits } = (await runLogits(['--model', 'flaky/opt', '--ids', '2,5'])) as { logits: number[][] };
    expect(logits).toHaveLength(2);
    const before = server.requests.length;
    await runLogits(['--model', 'flaky/opt', '--ids', '2,5']);
    expect(server.requests.slice(before)).not.toContain('/flaky/opt/resolve/main/model.safetensors');
  });

  it('a bad cached copy (an HTML page for config.json) is evicted and fetched again', async () => {
    truncating = false;
    const cache = new MemoryCache();
    const url = `${server.url}/flaky/opt/resolve/main/config.json`;
    await cache.put(url, new TextEncoder().encode('<!doctype html><p>rate limited</p>').buffer as ArrayBuffer);
    const before = server.requests.length;
    const loaded = await loadModelFiles(new UrlFolder(`${server.url}/flaky/opt/resolve/main/`, { cache }));
    expect(loaded.config.hiddenSize).toBe(16);
    expect(server.requests.slice(before)).toContain('/flaky/opt/resolve/main/config.json');
    expect(JSON.parse(new TextDecoder().decode(await cache.get(url)))).toMatchObject({ hidden_size: 16 });
  });

  it('a cached config.json that does not match the weights is evicted on the failed load, and the next load succeeds', async () => {
    truncating = false;
    const cache = new MemoryCache();
    const url = `${server.url}/flaky/opt/resolve/main/config.json`;
    await cache.put(url, new TextEncoder().encode(JSON.stringify({ ...configToJson(config), num_hidden_layers: 1 })).buffer as ArrayBuffer);
    const folder = () => new UrlFolder(`${server.url}/flaky/opt/resolve/main/`, { cache });
    await expect(loadModelFiles(folder())).rejects.toThrow(expect.objectContaining({ detail: expect.stringMatching(/num_hidden_layers is 1 .* cached file\(s\) of this model were removed/) }));
    expect(await cache.has(url)).toBe(false);
    expect((await loadModelFiles(folder())).config.numLayers).toBe(2);
  });

  it("a hub file whose size differs from the hub's listing is refused and not cached", async () => {
    truncating = false;
    const cache = new MemoryCache();
    await expect(loadModelFiles(new HubRepo('sized/opt', 'main', { baseUrl: server.url, cache }))).rejects.toThrow(/config.json has \d+ bytes but the listing says \d+/);
    expect(await cache.has(`${server.url}/sized/opt/resolve/main/config.json`)).toBe(false);
  });
});

describe('files come from the model folder only', () => {
  it('refuses ../, absolute paths and other hosts before any request', () => {
    const folder = new UrlFolder(`${server.url}/flaky/opt/resolve/main/`);
    for (const name of ['../../../secret.safetensors', '/secret.safetensors', 'https://example.com/x.safetensors', '//example.com/x.safetensors', '%2e%2e/x.safetensors']) {
      expect(() => folder.url(name)).toThrow(/points outside/);
    }
    expect(folder.url('model-00001-of-00002.safetensors')).toBe(`${server.url}/flaky/opt/resolve/main/model-00001-of-00002.safetensors`);
  });

  it('a shard index pointing out of the folder is refused naming the field', async () => {
    const files = new LocalFiles([
      { name: 'config.json', blob: new Blob([JSON.stringify(configToJson(config))]) },
      { name: 'vocab.json', blob: new Blob([JSON.stringify(bpe.vocab)]) },
      { name: 'merges.txt', blob: new Blob([formatMergesTxt(bpe.merges)]) },
      { name: 'model.safetensors.index.json', blob: new Blob([JSON.stringify({ weight_map: { 'a.weight': '../../secret.safetensors' } })]) },
    ]);
    await expect(loadModelFiles(files)).rejects.toThrow(/weight_map\["a.weight"\] names the shard/);
  });
});

describe('local files are read header first', () => {
  it('an 8 GiB picked file with a bad header is refused after reading its first 8 bytes (File.slice), never read whole', async () => {
    const first8 = new Uint8Array(8);
    new DataView(first8.buffer).setBigUint64(0, 2n ** 40n, true);
    const reads: [number, number][] = [];
    const huge = {
      size: 8 * 2 ** 30,
      slice: (begin: number, end: number) => (reads.push([begin, end]), new Blob([first8.subarray(begin, end)])),
      arrayBuffer: () => Promise.reject(new Error('read whole')),
    } as unknown as Blob;
    const files = new LocalFiles([{ name: 'big/model.safetensors', blob: huge }]);
    await expect(files.get('model.safetensors')).rejects.toThrow(/model.safetensors is not a valid safetensors file: the header length 1099511627776 is implausible/);
    expect(reads).toEqual([[0, 8]]);
  });
});

describe('config.json must match the checkpoint', () => {
  const { config: preLn, weights } = variant('pre-LN (125m-like)');
  const tensors = weightsToTensors(preLn, weights);
  const file = parseSafetensors(writeSafetensors(tensors));

  it('fewer layers than the weights: the unused layer is listed', () => {
    const fewer = parseOptConfig({ ...configToJson(preLn), num_hidden_layers: 1 });
    expect(() => locateTensors(fewer, [file])).toThrow(/does not use: model.decoder.layers.1/);
    expect(() => locateTensors(fewer, [file])).toThrow(expect.objectContaining({ detail: expect.stringMatching(/num_hidden_layers is 1 but the checkpoint has 2 layers/) }));
  });

  it('enable_bias false with biases present, and do_layer_norm_before flipped, are named', () => {
    const noBias = parseOptConfig({ ...configToJson(preLn), enable_bias: false });
    expect(() => locateTensors(noBias, [file])).toThrow(expect.objectContaining({ detail: expect.stringMatching(/enable_bias is false but the checkpoint has linear biases/) }));
    const postLn = parseOptConfig({ ...configToJson(preLn), do_layer_norm_before: false });
    expect(() => locateTensors(postLn, [file])).toThrow(expect.objectContaining({ detail: expect.stringMatching(/do_layer_norm_before is false .* has final_layer_norm/) }));
  });

  it('a tied lm_head.weight is not an unused tensor', () => {
    const withHead = { ...tensors, 'lm_head.weight': tensors['model.decoder.embed_tokens.weight'] };
    expect(locateTensors(preLn, [parseSafetensors(writeSafetensors(withHead))]).size).toBeGreaterThan(0);
  });

  it('NaN or Infinity in a weight is refused, naming the tensor', async () => {
    const bad = { ...tensors, 'model.decoder.layers.1.fc1.weight': { ...tensors['model.decoder.layers.1.fc1.weight'], data: tensors['model.decoder.layers.1.fc1.weight'].data.slice() } };
    bad['model.decoder.layers.1.fc1.weight'].data[7] = Number.POSITIVE_INFINITY;
    await expect(loadOptWeights(preLn, [parseSafetensors(writeSafetensors(bad), 'w.safetensors')])).rejects.toThrow(/w.safetensors: tensor model.decoder.layers.1.fc1.weight holds Infinity at index 7/);
  });
});
