import type { CrossoverCurves, LineSetup, PositionCurves, ScalingCurves, XY } from '../../lib/irs/analysis.ts';
import { referenceGain } from '../../lib/irs/channel.ts';
import { dbmToWatts, wavelengthM } from '../../lib/irs/units.ts';
import type { IrsPlanner } from './planner.svelte.ts';

/**
 * Settings and data of the analysis plots. The geometry and element counts are the plots' own (Fu &
 * Zhang's D = 30 m, N = 600 passive / 450 active by default); β₀, σ² and P come from the scenario.
 */
export class AnalysisState {
  distanceM = $state(30);
  offsetM = $state(1);
  passiveElements = $state(600);
  activeElements = $state(450);
  ampPowerDbm = $state(4);
  ampNoiseDbm = $state(-80);
  positionM = $state(25);
  splitElements = $state(2000);
  curves = $state.raw<{ position: PositionCurves; scaling: ScalingCurves; crossover: CrossoverCurves; split: XY[] } | undefined>(undefined);
  error = $state.raw<unknown>(undefined);

  constructor(private readonly planner: IrsPlanner) {}

  setup(): LineSetup | undefined {
    const scenario = this.planner.scenario;
    if (!scenario) return undefined;
    return {
      distanceM: this.distanceM,
      offsetM: this.offsetM,
      beta0: referenceGain(scenario.carrierHz),
      wavelengthM: wavelengthM(scenario.carrierHz),
      powerW: dbmToWatts(scenario.transmitters[0].powerDbm),
      noiseW: dbmToWatts(scenario.noiseDbm),
      ampPowerW: dbmToWatts(this.ampPowerDbm),
      ampNoiseW: dbmToWatts(this.ampNoiseDbm),
      passiveElements: this.passiveElements,
      activeElements: this.activeElements,
    };
  }

  async refresh(): Promise<void> {
    const setup = this.setup();
    if (!setup) return;
    try {
      this.curves = await this.planner.worker.api.analysis(setup, Math.min(this.positionM, this.distanceM), this.splitElements);
      this.error = undefined;
    } catch (error) {
      this.error = error;
    }
  }
}
