import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../scripts/staticServer.ts';
import { run as runGenerate } from '../../src/cli/commands/generate.ts';
import { run as runLogits } from '../../src/cli/commands/logits.ts';
import { run as runPpl } from '../../src/cli/commands/ppl.ts';
import { configToJson } from '../../src/lib/opt/config.ts';
import { referenceLogits } from '../../src/lib/opt/reference.ts';
import { writeSafetensors } from '../../src/lib/opt/safetensors.ts';
import { MemoryCache } from '../../src/lib/opt/sources/byteCache.ts';
import { fetchBytes } from '../../src/lib/opt/sources/fetchBytes.ts';
import { loadModelFiles } from '../../src/lib/opt/sources/loadModel.ts';
import { HubRepo, parseRepoId } from '../../src/lib/opt/sources/remoteFiles.ts';
import { formatMergesTxt } from '../../src/lib/opt/tokenizer/tokenizerJson.ts';
import { trainByteLevelBpe } from '../../src/lib/opt/tokenizer/trainBpe.ts';
import { randomOptWeights } from '../../src/lib/opt/randomWeights.ts';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { weightsToTensors } from '../../src/lib/opt/weights.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { closeness } from '../helpers/optModels.ts';

/**
 * Hub downloads against a local server with the hub's URL layout (`<repo>/resolve/<revision>/<file>`),
 * never the internet: a repo whose main branch has only config and tokenizer files (like
 * facebook/opt-125m) and whose safetensors sit on refs/pr/35; a server that breaks off mid-file.
 */
const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'];
const TEXT = 'The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs far away.\n\n';
let root: string;
let server: StaticServer;
const config = parseOptConfig({ vocab_size: 300, hidden_size: 16, num_attention_heads: 2, ffn_dim: 24, num_hidden_layers: 2, max_position_embeddings: 64 });
const weights = randomOptWeights(config, new Rng(3));
const weightBytes = writeSafetensors(weightsToTensors(config, weights));

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'fake-hub-'));
  const main = path.join(root, 'facebook', 'opt-125m', 'resolve', 'main');
  const pr = path.join(root, 'facebook', 'opt-125m', 'resolve', 'refs', 'pr', '35');
  mkdirSync(main, { recursive: true });
  mkdirSync(pr, { recursive: true });
  const bpe = trainByteLevelBpe({ texts: [TEXT.repeat(5)], vocabSize: 300, specialTokens: SPECIALS });
  writeFileSync(path.join(main, 'config.json'), JSON.stringify(configToJson(config)));
  writeFileSync(path.join(main, 'vocab.json'), JSON.stringify(bpe.vocab));
  writeFileSync(path.join(main, 'merges.txt'), formatMergesTxt(bpe.merges));
  writeFileSync(path.join(pr, 'model.safetensors'), weightBytes);
  writeFileSync(path.join(root, 'story.txt'), TEXT.repeat(3));
  server = await startStaticServer({
    root,
    route: (request, response) => {
      // A file that announces 4000 bytes and stops after 100: a network error mid-download.
      if (request.url?.endsWith('/broken/model.safetensors')) {
        response.writeHead(200, { 'Content-Length': 4000 });
        response.write(new Uint8Array(100));
        setTimeout(() => response.destroy(), 20);
        return true;
      }
      return false;
    },
  });
  process.env.PAPERLAB_HUB_URL = server.url;
  process.env.PAPERLAB_CACHE_DIR = path.join(root, 'cli-cache');
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
  delete process.env.PAPERLAB_HUB_URL;
  delete process.env.PAPERLAB_CACHE_DIR;
});

describe('hub downloads (local server, hub URL layout)', () => {
  it('parses repo ids with revisions', () => {
    expect(parseRepoId('facebook/opt-125m')).toEqual({ repo: 'facebook/opt-125m', revision: 'main' });
    expect(parseRepoId('facebook/opt-125m@refs/pr/35')).toEqual({ repo: 'facebook/opt-125m', revision: 'refs/pr/35' });
    expect(() => parseRepoId('not a repo')).toThrow(/not a hub model id/);
  });

  it('falls back to refs/pr/35 when main has no model.safetensors, says so, and caches the files', async () => {
    const cache = new MemoryCache();
    const repo = new HubRepo('facebook/opt-125m', 'main', { baseUrl: server.url, cache });
    const progress: string[] = [];
    const loaded = await loadModelFiles(repo, (p) => progress.push(`${p.message}:${p.done}/${p.total}`));
    expect(loaded.notes[0]).toMatch(/no model.safetensors on main; the weights come from revision refs\/pr\/35/);
    expect(server.requests).toContain('/facebook/opt-125m/resolve/main/config.json');
    expect(server.requests).toContain('/facebook/opt-125m/resolve/refs%2Fpr%2F35/model.safetensors');
    expect(progress).toContain(`model.safetensors:${weightBytes.length}/${weightBytes.length}`);
    expect(loaded.tokenizer!.decode(loaded.tokenizer!.encode('The lazy fox'))).toBe('The lazy fox');
    // A second load is served from the cache: the files found the first time are not fetched again.
    const before = server.requests.length;
    await loadModelFiles(new HubRepo('facebook/opt-125m', 'main', { baseUrl: server.url, cache }));
    const again = server.requests.slice(before);
    for (const file of ['main/config.json', 'main/vocab.json', 'main/merges.txt', 'refs%2Fpr%2F35/model.safetensors']) {
      expect(again).not.toContain(`/facebook/opt-125m/resolve/${file}`);
    }
  });

  it('an explicit revision without safetensors is an error that says what is missing', async () => {
    await expect(loadModelFiles(new HubRepo('facebook/opt-125m', 'v1.0', { baseUrl: server.url }))).rejects.toThrow(/No config.json/);
    await expect(new HubRepo('nobody/nothing', 'main', { baseUrl: server.url }).weightsFiles()).rejects.toThrow(/has no safetensors weights/);
  });

  it('a download that breaks off is a clear error, and the files finished before stay cached', async () => {
    const cache = new MemoryCache();
    await expect(fetchBytes(`${server.url}/broken/model.safetensors`, { cache })).rejects.toThrow(/broke off|incomplete/);
    expect(await cache.get(`${server.url}/broken/model.safetensors`)).toBeUndefined();
    expect(await fetchBytes(`${server.url}/nothing-here.json`)).toBeUndefined();
    await expect(fetchBytes('http://127.0.0.1:9/config.json')).rejects.toThrow(/Could not reach/);
  });
});

describe('the CLI on a hub model', () => {
  it('logits prints float32 logits for every position, equal to the reference', async () => {
    const { logits } = (await runLogits(['--model', 'facebook/opt-125m', '--ids', '2,17,5'])) as { logits: number[][] };
    expect(logits).toHaveLength(3);
    expect(logits[0]).toHaveLength(300);
    expect(closeness(logits.flat(), referenceLogits(config, weights, Int32Array.from([2, 17, 5])))).toBeLessThanOrEqual(1e-4);
    await expect(runLogits(['--model', 'facebook/opt-125m', '--ids', '2,x'])).rejects.toThrow(/not a token id/);
  });

  it('ppl and generate run on a text file and a prompt', async () => {
    const ppl = await runPpl(['--model', 'facebook/opt-125m', '--text', path.join(root, 'story.txt'), '--seqlen', '16', '--max-windows', '2']);
    expect(ppl.windows).toBe(2);
    expect(ppl.tokens).toBe(30);
    expect(ppl.ppl).toBeGreaterThan(1);
    expect(Number.isFinite(ppl.seconds)).toBe(true);
    const out = (await runGenerate(['--model', 'facebook/opt-125m', '--prompt', 'The fox', '--max-new', '5'])) as { ids: number[]; text: string };
    expect(out.ids).toHaveLength(5);
    expect(typeof out.text).toBe('string');
  });
});
