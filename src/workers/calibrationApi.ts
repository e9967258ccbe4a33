import type { CalibrationRequest } from '../lib/calibration/settings.ts';
import type { StudyCellResult, StudySpec } from '../lib/calibration/study/index.ts';

/** What the calibration page and its worker exchange (plain data: it crosses a thread). */
export interface ModelInfo {
  label: string;
  backend: string;
  parameters: number;
  layers: number;
  maxPositions: number;
}

export interface SampleView {
  text: string;
  ppl: number;
  kept: boolean;
  tokens: number;
  stoppedBy: string;
}

export interface CalibrationSetView {
  request: CalibrationRequest;
  label: string;
  windows: number;
  seqlen: number;
  streamTokens: number | null;
  seconds: number;
  backend: string;
  /** The first few windows as text. */
  previews: string[];
  selfgen?: {
    samples: SampleView[];
    cutoffPpl: number | null;
    droppedShare: number;
    fromCache: boolean;
  };
}

/** How much of each evaluation text a study scores (windows of the model's length; 0 = all). */
export interface EvaluationBudget {
  wikitextTestWindows: number;
  c4Windows: number;
}

export interface StudyRequest {
  spec: StudySpec;
  budget: EvaluationBudget;
  minSeeds: number;
}

export interface StudyReport {
  results: StudyCellResult[];
  dense: { wikitextTestPpl: number; c4Ppl: number };
  evaluated: { wikitextTestTokens: number; c4Tokens: number };
}
