import type { Component } from 'svelte';
import type { Router } from './router.svelte.ts';
import type { ComputeInfo } from './shared/computeInfo.svelte.ts';
import type { ModuleStates } from './shared/moduleStates.ts';

/**
 * What every module page receives: the router (for shareable settings), the compute report, and the
 * app-wide module states (a page takes its own with `states.get(route, () => new XState(…))`, never
 * creates it inside the component, so leaving the page keeps its jobs and results).
 */
export interface ModulePageProps {
  router: Router;
  compute: ComputeInfo;
  states: ModuleStates;
}

/**
 * The modules the home page lists and the router serves. `ready` says whether the module's tool works
 * today; `planned` marks modules whose work has not started. Pages not ready say what they will do.
 */
export interface ModuleEntry {
  route: string;
  title: string;
  summary: string;
  ready: boolean;
  planned?: boolean;
  load?: () => Promise<{ default: Component<ModulePageProps> }>;
}

export const MODULES: readonly ModuleEntry[] = [
  {
    route: '/pruning',
    title: 'Structured pruning (FASP)',
    summary: 'Prune OPT language models by columns and rows, restore by least squares, measure perplexity and speed-up.',
    ready: true,
    load: () => import('./pruning/PruningPage.svelte'),
  },
  {
    route: '/calibration',
    title: 'Calibration-data study',
    summary: 'Which calibration text makes pruning work best, including text the model writes itself.',
    ready: true,
    load: () => import('./calibration/CalibrationPage.svelte'),
  },
  {
    route: '/irs',
    title: 'IRS placement on a map',
    summary: 'Place passive and active reflecting surfaces on a campus map and see coverage change.',
    ready: true,
    load: () => import('./irs/IrsPage.svelte'),
  },
  {
    route: '/synergy',
    title: 'Muscle synergies',
    summary: 'EMG envelopes to muscle synergies with NMF on the GPU; compare two conditions.',
    ready: true,
    load: () => import('./synergy/SynergyPage.svelte'),
  },
  {
    route: '/qll',
    title: 'Quantized label learning',
    summary: 'Train on ambiguous images with one hard label each, using a class-wise positive-unlabelled risk.',
    ready: true,
    load: () => import('./qll/QllPage.svelte'),
  },
  {
    route: '/gradient-labels',
    title: 'Gradient label leakage',
    summary: 'Recover the labels of a federated client’s batch from its gradients, even with the last layer hidden.',
    ready: true,
    load: () => import('./gdbr/GdbrPage.svelte'),
  },
  {
    route: '/facility-pricing',
    title: 'Facility pricing on a city graph',
    summary: 'Learn what hospitals, libraries and stations are “worth” to the houses around them (King County sales), revalue a house, ask “what if”.',
    ready: true,
    load: () => import('./monopoly/MonopolyPage.svelte'),
  },
  {
    route: '/ntk',
    title: 'NTK regression',
    summary: 'Neural-tangent-kernel regression next to the network it describes.',
    ready: true,
    load: () => import('./ntk/NtkPage.svelte'),
  },
  {
    route: '/brain-decoding',
    title: 'Cross-subject brain decoding',
    summary: 'Decode stimuli from one subject’s brain signals with a model trained on others.',
    ready: true,
    load: () => import('./brain/BrainPage.svelte'),
  },
  {
    route: '/video-captioning',
    title: 'Few-supervised video captioning',
    summary: 'Caption clips from one sentence each: lexically constrained pseudo-labels and a keyword-refined captioner.',
    ready: true,
    load: () => import('./caption/CaptionPage.svelte'),
  },
];

export function findModule(path: string): ModuleEntry | undefined {
  return MODULES.find((entry) => entry.route === path);
}

/** The tab's title on each route: the module's name, then the app's ("Structured pruning (FASP) — Paperlab"). */
export function pageTitle(path: string): string {
  const named: Record<string, string> = { '/': '', '/models': 'OPT language models', '/system': 'System' };
  const name = path in named ? named[path] : (findModule(path)?.title ?? 'Page not found');
  return name ? `${name} — Paperlab` : 'Paperlab';
}
