import { InputError } from '../lib/errors.ts';
import { joinDatasetRows, WIKITEXT2_TEST_LABEL } from '../lib/opt/data/wikitext.ts';
import { generate, type GenerateResult } from '../lib/opt/generate.ts';
import { perplexity, type PerplexityResult } from '../lib/opt/perplexity.ts';
import { unkSuppression, type SamplingOptions } from '../lib/opt/sampling.ts';
import type { ModelSummary } from '../lib/opt/summary.ts';
import type { BackendChoice } from '../lib/backend.ts';
import type { WeightPrecision } from '../lib/util/half.ts';
import { runJob, type JobPort } from './job.ts';
import { checkSession, openOptModel, type ModelSourceSpec, type OptModelSession } from './optSession.ts';

/**
 * The OPT model jobs a worker exposes (load, perplexity, generate), closed over one session holder so
 * another worker (pruning) can expose them next to its own jobs on the same loaded model.
 */
export interface LoadedModelInfo {
  summary: ModelSummary;
  backend: BackendChoice;
  source: string;
  notes: string[];
  weightBytes: number;
  /** On the CPU path, which tfjs-wasm build runs the model (threads or not). */
  cpuEngine?: string;
}

export type EvaluationText = { kind: 'wikitext2-test'; url: string } | { kind: 'custom'; text: string; label: string };

export interface PerplexityRequest {
  text: EvaluationText;
  seqLen: number;
  maxWindows?: number;
}

export interface PerplexityReport extends PerplexityResult {
  textLabel: string;
  textTokens: number;
  backend: string;
}

export interface GenerateRequest extends SamplingOptions {
  prompt: string;
  maxNewTokens: number;
  seed: number;
  /** Let the model write `<unk>` (default: its logit is masked). */
  allowUnk?: boolean;
}

export interface GenerateReport extends GenerateResult {
  text: string;
  backend: string;
}

export interface SessionHolder {
  session?: OptModelSession;
}

export function createOptApi(holder: SessionHolder) {
  const tokenCache = new Map<string, Int32Array>();

  async function evaluationIds(session: OptModelSession, text: EvaluationText): Promise<{ ids: Int32Array; label: string }> {
    if (text.kind === 'custom') {
      if (text.text.trim().length === 0) throw new InputError('The text to evaluate is empty');
      return { ids: session.tokenizer.encode(text.text), label: text.label };
    }
    let ids = tokenCache.get(text.url);
    if (!ids) {
      const response = await fetch(text.url);
      if (!response.ok) throw new InputError(`Could not load the WikiText-2 test text (${response.status})`, text.url);
      ids = session.tokenizer.encode(joinDatasetRows(await response.text()));
      tokenCache.set(text.url, ids);
    }
    return { ids, label: WIKITEXT2_TEST_LABEL };
  }

  return {
    async loadModel(spec: ModelSourceSpec, backendOverride: string | null, port: JobPort, weightPrecision: WeightPrecision = 'f32'): Promise<LoadedModelInfo> {
      return runJob(port, async ({ cancel, progress }) => {
        // The model in use stays until the new one has loaded: a failed or cancelled load loses nothing.
        const session = await openOptModel(spec, { backendOverride, weightPrecision, cancel, progress });
        holder.session?.runtime.dispose();
        holder.session = session;
        tokenCache.clear();
        return { summary: session.summary, backend: session.backend, source: session.source, notes: session.notes, weightBytes: session.runtime.weightBytes, cpuEngine: session.cpuEngine };
      });
    },

    async perplexity(request: PerplexityRequest, port: JobPort): Promise<PerplexityReport> {
      return runJob(port, async ({ cancel, progress }) => {
        const session = checkSession(holder.session);
        progress({ phase: 'tokenizing', done: 0, total: 1 });
        const { ids, label } = await evaluationIds(session, request.text);
        const result = await perplexity(session.runtime, ids, { seqLen: request.seqLen, maxWindows: request.maxWindows, cancel, onProgress: progress });
        return { ...result, textLabel: label, textTokens: ids.length, backend: session.runtime.backend };
      });
    },

    async generate(request: GenerateRequest, port: JobPort, onText?: (text: string) => void): Promise<GenerateReport> {
      return runJob(port, async ({ cancel, progress }) => {
        const session = checkSession(holder.session);
        const prompt = session.tokenizer.encode(request.prompt);
        const newIds: number[] = [];
        let lastSentMs = 0;
        const result = await generate(session.runtime, prompt, {
          ...request,
          suppressIds: unkSuppression(session.tokenizer, request.allowUnk),
          cancel,
          onToken: async (id, index) => {
            newIds.push(id);
            progress({ phase: 'generating', done: index + 1, total: request.maxNewTokens });
            const now = performance.now();
            if (onText && now - lastSentMs > 50) {
              lastSentMs = now;
              onText(session.tokenizer.decode(newIds));
            }
            // Lets a cancel message in between tokens.
            await new Promise((resolve) => setTimeout(resolve, 0));
          },
        });
        const text = session.tokenizer.decode(result.ids);
        onText?.(text);
        return { ...result, text, backend: session.runtime.backend };
      });
    },
  };
}

export type OptApi = ReturnType<typeof createOptApi>;
