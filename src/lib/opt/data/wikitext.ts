/**
 * The perplexity text protocol of the OPT/SparseGPT/FASP papers: the WikiText-2 rows joined with
 * "\n\n" and tokenized once. HF's dataset rows are the file's lines with their trailing newline, so
 * a file's lines are turned back into such rows before joining. Our shipped copy is the tokenized v1
 * WikiText-2 (`<unk>`, `@-@`), not the raw text behind published OPT numbers: the pages say so.
 */
export function joinDatasetRows(fileText: string): string {
  const lines = fileText.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => `${line}\n`).join('\n\n');
}

/** What the shipped text is, for pages and result lines. */
export const WIKITEXT2_TEST_LABEL = 'WikiText-2 test (tokenized v1 text, rows joined with "\\n\\n")';
