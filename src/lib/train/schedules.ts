/**
 * Learning-rate schedules as pure functions of the step: the trainer asks for the rate before each
 * step. `cosine` decays from the base rate to `finalFraction`·base over the run (Loshchilov & Hutter
 * 2017, without restarts); `step` multiplies by `factor` every `everyEpochs` epochs.
 */
export type LearningRateSchedule =
  | { kind: 'constant' }
  | { kind: 'cosine'; finalFraction?: number }
  | { kind: 'step'; everyEpochs: number; factor: number };

export interface SchedulePosition {
  /** Steps taken so far, 0-based. */
  step: number;
  totalSteps: number;
  /** Epoch of this step, 0-based. */
  epoch: number;
}

export function learningRateAt(baseRate: number, schedule: LearningRateSchedule, at: SchedulePosition): number {
  if (!(baseRate > 0)) throw new RangeError(`learning rate must be > 0, got ${baseRate}`);
  switch (schedule.kind) {
    case 'constant':
      return baseRate;
    case 'cosine': {
      const floor = schedule.finalFraction ?? 0;
      const progress = at.totalSteps <= 1 ? 0 : Math.min(1, at.step / (at.totalSteps - 1));
      return baseRate * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
    case 'step': {
      if (!(schedule.everyEpochs >= 1)) throw new RangeError(`step schedule: everyEpochs must be ≥ 1, got ${schedule.everyEpochs}`);
      return baseRate * schedule.factor ** Math.floor(at.epoch / schedule.everyEpochs);
    }
  }
}
