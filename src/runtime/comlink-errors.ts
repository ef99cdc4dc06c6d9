/**
 * comlink sends a thrown Error as {message, name, stack} and drops its
 * `code`. This replaces its "throw" transfer handler (keeping its test for
 * what is a thrown value) so that errors cross threads as
 * {code, name, message, stack} and are rebuilt as P2PError. Imported for its
 * effect by both ends of the control channel.
 */
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import { deserializeError, serializeError, type SerializedError } from '../errors.js';

type Wire = { readonly isError: true; readonly value: SerializedError } | { readonly isError: false; readonly value: unknown };

const original = Comlink.transferHandlers.get('throw');
if (original !== undefined) {
  const handler: Comlink.TransferHandler<{ value: unknown }, Wire> = {
    canHandle: (value: unknown): value is { value: unknown } => original.canHandle(value),
    serialize: ({ value }) => [value instanceof Error ? { isError: true, value: serializeError(value) } : { isError: false, value }, []],
    deserialize: (wire) => {
      throw wire.isError ? deserializeError(wire.value) : wire.value;
    },
  };
  Comlink.transferHandlers.set('throw', handler);
}
