import * as Comlink from 'comlink';

/**
 * Comlink's default 'throw' handler keeps only message and stack. Ours also keeps `name` and `detail`,
 * so an `InputError` or `Cancelled` thrown in a worker is still recognisable in the page
 * (`isInputError`, `isCancelled` test the name). Both sides import this module.
 */
interface SerializedError {
  isError: boolean;
  value: { name: string; message: string; detail?: string; stack?: string } | unknown;
}

type ThrowHandler = Comlink.TransferHandler<{ value: unknown }, SerializedError>;

// Comlink does not export its thrown-value marker, so recognising a thrown value is left to its own handler.
const comlinkThrowHandler = Comlink.transferHandlers.get('throw')!;

const throwHandler: ThrowHandler = {
  canHandle: (value): value is { value: unknown } => comlinkThrowHandler.canHandle(value),
  serialize({ value }) {
    if (value instanceof Error) {
      const detail = (value as { detail?: unknown }).detail;
      return [
        {
          isError: true,
          value: { name: value.name, message: value.message, stack: value.stack, detail: typeof detail === 'string' ? detail : undefined },
        },
        [],
      ];
    }
    return [{ isError: false, value }, []];
  },
  deserialize(serialized) {
    if (!serialized.isError) throw serialized.value;
    const { name, message, detail, stack } = serialized.value as { name: string; message: string; detail?: string; stack?: string };
    const error = Object.assign(new Error(message), { detail });
    error.name = name;
    if (stack) error.stack = stack;
    throw error;
  },
};

export function installErrorHandler(): void {
  if (Comlink.transferHandlers.get('throw') !== comlinkThrowHandler) return;
  Comlink.transferHandlers.set('throw', throwHandler as unknown as Comlink.TransferHandler<unknown, unknown>);
}
