/**
 * A model a job can run on, as the evaluate and generate boxes offer it: the dense model (no run id)
 * or a pruning run's pruned model, which the pruning worker still keeps (`runId`).
 */
export interface ModelChoiceOption {
  runId?: number;
  label: string;
}

export const DENSE_CHOICE: ModelChoiceOption = { label: 'dense (the loaded model)' };

/** The option's key for a `<select>`: "dense" or the run id. */
export function choiceKey(choice: ModelChoiceOption | undefined): string {
  return choice?.runId === undefined ? 'dense' : String(choice.runId);
}
