import { gdbrAttack } from './gdbr.ts';
import { gdbrClassAttack } from './gdbrClass.ts';
import { idlgAttack } from './idlg.ts';
import { ilrgAttack } from './ilrg.ts';
import { llgAttack, llgPlusAttack, llgStarAttack } from './llg.ts';
import type { AttackName, LabelAttack } from './types.ts';

export type { AttackContext, AttackName, LabelAttack, Recovery } from './types.ts';

/** Every attack, in the order tables and legends list them: the baselines, then the bridges. */
export const ATTACKS: readonly LabelAttack[] = [idlgAttack, llgAttack, llgPlusAttack, llgStarAttack, ilrgAttack, gdbrAttack, gdbrClassAttack];

export const ATTACK_NAMES = ATTACKS.map((attack) => attack.name);

export function findAttack(name: string): LabelAttack | undefined {
  return ATTACKS.find((attack) => attack.name === name);
}

export function isAttackName(name: string): name is AttackName {
  return findAttack(name) !== undefined;
}
