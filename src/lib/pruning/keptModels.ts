/**
 * How many pruned models the pruning worker keeps for evaluate, generate and download ("run N"). Each
 * is a full copy of the decoder layers (about the dense layers' size times 1 − s): a few MB for the
 * embedded model, about 0.3 GB for OPT-125m and 5 GB for OPT-1.3b in f32, hence only the newest few.
 */
export const KEPT_PRUNED_MODELS = 3;
