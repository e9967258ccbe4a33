// Calibration sets for pruning (issue #5). Node-only pieces (nodeTextReader.ts, nodeCache.ts) and the
// browser cache (idbCache.ts) are imported by path.
export * from './settings.ts';
export * from './build.ts';
export * from './texts.ts';
export * from './windows.ts';
export * from './randomTokens.ts';
export * from './selfGenerate.ts';
export * from './perplexityFilter.ts';
export * from './cache.ts';
export * from './fingerprint.ts';
export * from './seeds.ts';
export * from './overlap.ts';
export * from './file.ts';
