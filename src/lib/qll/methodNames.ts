/** The QLL methods by name, with their labels; free of tfjs (methods.ts has the losses). */
export type QllMethodName = 'ce' | 'soft' | 'smooth' | 'cpu';

export const QLL_METHOD_LABELS: Record<QllMethodName, string> = {
  ce: 'CE (quantized labels)',
  soft: 'CE (true soft labels, oracle)',
  smooth: 'Label smoothing',
  cpu: 'CPU risk (nnPU)',
};

export const QLL_METHOD_NAMES = Object.keys(QLL_METHOD_LABELS) as QllMethodName[];

export function isQllMethodName(value: string): value is QllMethodName {
  return value in QLL_METHOD_LABELS;
}
