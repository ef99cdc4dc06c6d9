/** p2p-dht: a circular DHT peer on worker threads. Re-exports only. */
export { startPeer, Peer, printEvent } from './peer/coordinator.js';
export { PeerState, ROLES } from './runtime/peer-state.js';
export { RingQueue, PushResult } from './queue/ring-queue.js';
export { encodeRequest, decodeRequest, tryDecodeRequest, frameLength } from './protocol/codec.js';
export { FrameReader } from './protocol/frame-reader.js';
export { REQUEST_TYPES, REQUEST_TYPE_NAMES, StampSource } from './protocol/types.js';
export { P2PError, isP2PError, ERROR_CODES } from './errors.js';
export { parseCommand } from './protocol/commands.js';
export { parsePeerCommand } from './cli/args.js';
export { ChildPeer } from './testnet/child-peer.js';
export { PeerNetwork, runWalkthrough } from './testnet/network.js';
export * from './routing/index.js';
export * from './model/index.js';
export { liveDeadlines, runLive } from './fuzz/live-runner.js';

export type { StartPeerOptions, PeerExit } from './peer/coordinator.js';
export type { Role, RoleCounters } from './runtime/peer-state.js';
export type { PeerEvent } from './runtime/events.js';
export type { Request, RequestOf, RequestType, Content } from './protocol/types.js';
export type { ErrorCode } from './errors.js';
export type { Command } from './protocol/commands.js';
export type { PeerConfig, LiveRouting } from './node/config.js';
export type { PeerSnapshot } from './handlers/snapshot.js';
export type { ServedFile, KeyRole } from './upkeep/replication.js';
export type { ConsumerApi } from './roles/consumer.js';
export type { LookupResult as LiveLookupResult } from './upkeep/lookup.js';
export type { FileCheck, LiveDeadlines, LiveRunOptions, LiveRunResult, LiveStepResult } from './fuzz/live-runner.js';
