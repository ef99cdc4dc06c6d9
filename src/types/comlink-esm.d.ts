// comlink's ESM builds ship types only beside the UMD build; these point the
// ESM entry points at them. (comlink's package has no "exports" map.)
declare module 'comlink/dist/esm/comlink.mjs' {
  export * from 'comlink';
}

declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  /** Adapts a Node MessagePort (or Worker) to comlink's Endpoint. */
  export default function nodeEndpoint(nep: object): Endpoint;
}
