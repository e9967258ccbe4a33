/**
 * `npm run cli -- <command> [flags]`: the lib code from the command line (Node, CPU path).
 * Each command prints one JSON line on stdout; messages go to stderr; bad input exits with code 2.
 */
import { describeError, isInputError } from '../lib/errors.ts';

type Command = (argv: string[]) => Promise<unknown>;

/** Commands by name; each module adds its own file under ./commands and one line here. */
const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  brain: () => import('./commands/brain.ts'),
  calib: () => import('./commands/calib.ts'),
  caption: () => import('./commands/caption.ts'),
  'caption-metrics': () => import('./commands/captionMetrics.ts'),
  export: () => import('./commands/export.ts'),
  gdbr: () => import('./commands/gdbr.ts'),
  irs: () => import('./commands/irs.ts'),
  generate: () => import('./commands/generate.ts'),
  logits: () => import('./commands/logits.ts'),
  monopoly: () => import('./commands/monopoly.ts'),
  nmf: () => import('./commands/nmf.ts'),
  ntk: () => import('./commands/ntk.ts'),
  ppl: () => import('./commands/ppl.ts'),
  prune: () => import('./commands/prune.ts'),
  qll: () => import('./commands/qll.ts'),
};

async function main(): Promise<void> {
  const [name, ...argv] = process.argv.slice(2);
  const load = name ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run cli -- <command> [flags]\ncommands: ${Object.keys(COMMANDS).sort().join(', ') || '(none yet)'}\n`);
    process.exitCode = 2;
    return;
  }
  const { run } = await load();
  const result = await run(argv);
  if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  const { message, detail } = describeError(error);
  process.stderr.write(`error: ${message}${detail ? `\n  ${detail}` : ''}\n`);
  process.exitCode = isInputError(error) ? 2 : 1;
});
