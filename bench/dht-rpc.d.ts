/**
 * The few parts of dht-rpc (npm, no types of its own) that bench/floor-child.ts
 * uses for the dht-rpc contender of bench:latency. See its README.
 */
declare module 'dht-rpc' {
  /** An incoming request, as a node's 'request' event gives it. */
  interface DhtRpcRequest {
    readonly command: number;
    readonly value: Buffer | null;
    reply(value: Uint8Array | null): void;
  }

  /** A reply to `request`. */
  interface DhtRpcReply {
    readonly value: Buffer | null;
  }

  /** Options of a node (a subset). */
  interface DhtRpcOptions {
    bootstrap?: string[];
    host?: string;
    port?: number;
    ephemeral?: boolean;
    firewalled?: boolean;
  }

  /** A DHT node speaking dht-rpc's UDP protocol. */
  class DHT {
    constructor(options?: DhtRpcOptions);
    static bootstrapper(port: number, host: string, options?: DhtRpcOptions): DHT;
    on(event: 'request', listener: (req: DhtRpcRequest) => void): this;
    ready(): Promise<void>;
    fullyBootstrapped(): Promise<void>;
    request(query: { command: number; value?: Uint8Array }, to: { host: string; port: number }): Promise<DhtRpcReply>;
    destroy(): Promise<void>;
  }

  export default DHT;
}
