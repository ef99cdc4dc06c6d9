/** Tunables of the runtime, in one place. Units are in the names. */

/** Wire protocol version carried by every frame. */
export const PROTOCOL_VERSION = 1;
/** Largest frame (request header, length prefix included) a peer accepts. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Default base of the TCP/UDP ports: a peer listens on PORT_BASE + its ID. */
export const DEFAULT_PORT_BASE = 12000;
/** Default host peers bind and are reached on. */
export const DEFAULT_HOST = '127.0.0.1';
/** Smallest accepted ID width in bits (the course's 0..255 ring). */
export const MIN_ID_BITS = 8;
/** Largest accepted ID width in bits: IDs travel as unsigned 32-bit integers. */
export const MAX_ID_BITS = 32;
/** Default ID width in bits (the course's 0..255). */
export const DEFAULT_ID_BITS = 8;
/** Default length of the successor list (the course's two successors). */
export const DEFAULT_SUCCESSORS = 2;
/**
 * Successors the course's lines name ("My new first/second successor is ..."),
 * whatever the list's length; beyond them, a list is kept quietly.
 */
export const PRINTED_SUCCESSORS = 2;
/** Most successors a peer keeps (sizes the shared state block). */
export const MAX_SUCCESSORS = 8;

/** Bytes of the shared ring queue between the producers and the consumer. */
export const QUEUE_CAPACITY_BYTES = 1 << 20;

/** How long a ping may go unanswered before it counts as missed, at most. */
export const PING_TIMEOUT_MS = 1000;
/** Consecutive missed pings that mark a successor dead (never one alone). */
export const PING_MISSES_DEAD = 3;
/** A successor named on the command line that has never answered is not declared dead during the first max(this many intervals, STARTUP_GRACE_MIN_MS) after start. */
export const STARTUP_GRACE_INTERVALS = 4;
/** Lower bound of that grace period. */
export const STARTUP_GRACE_MIN_MS = 30_000;
/** First pings go out this soon after start. */
export const PING_FIRST_DELAY_MS = 50;

/** A TCP connection that sends nothing for this long is closed. */
export const TCP_IDLE_TIMEOUT_MS = 30_000;
/**
 * A kept connection to a peer (net/link-pool.ts) idle this long is closed by
 * its sender: well before TCP_IDLE_TIMEOUT_MS, so that the sender, not the
 * receiver, closes an idle link.
 */
export const LINK_IDLE_MS = 10_000;
/** The first address of `p2p host --ip-per-peer`: peer ID listens on this + ID (protocol/peer-ref.ts, AddressPlan). */
export const DEFAULT_IP_PER_PEER_BASE = '127.1.0.0';

/** Most idle kept connections a peer holds; past this the least recently used is closed. */
export const MAX_KEPT_LINKS = 64;
/** Connecting to a peer gives up after this long. */
export const TCP_CONNECT_TIMEOUT_MS = 5_000;
/** A requester waits this long for an owner to connect with the file. */
export const TRANSFER_WAIT_MS = 120_000;
/** Chunk size for file reads and writes in the transfer pool. */
export const TRANSFER_CHUNK_BYTES = 1 << 20;
/** A lookup (find-successor) with no answer after this long fails. */
export const LOOKUP_TIMEOUT_MS = 10_000;
/** Besides membership changes, a peer reconciles its files every this many ping intervals. */
export const RECONCILE_EVERY_INTERVALS = 5;
/** An offer of a file (replica or handover) fails without an answer after this long. */
export const SYNC_TIMEOUT_MS = 20_000;
/** A join request is sent at most this many times before the newcomer gives up. */
export const JOIN_TRIES = 4;
/** Added to the repair time when a newcomer waits for its join to be accepted. */
export const JOIN_RETRY_SLACK_MS = 2000;
/**
 * A thread's unexpected errors (see runtime/faults.ts) print at most one line
 * per this long: the first at once, the rest as a count.
 */
export const FAULT_REPORT_INTERVAL_MS = 10_000;

/** Times a forwarded request is routed around unreachable peers before it fails. */
export const MAX_REROUTES = 3;

/** Of the sender's timeout, this much is kept for the receiver's close to reach it (ms). */
export const HOP_ACK_MARGIN_MS = 1_000;

/** Most connections held at once; at the limit the longest-waiting one is evicted. */
export const MAX_TCP_CONNECTIONS = 512;
/**
 * Connections open on all the TCP ports of a host of many peers (`p2p host`)
 * together, at least (hostConnectionBudget in net/link-pool.ts grows it with
 * the peers): each port still holds at most MAX_TCP_CONNECTIONS, and the
 * whole process a bound (its file descriptors are bounded too; peers keep a
 * connection to each peer they talk to, about ten each under Chord).
 */
export const HOST_MAX_TCP_CONNECTIONS = 8192;
/**
 * File descriptors the kept links among the peers of one host may take in
 * all (both ends of a link between two of its peers are this process's):
 * each hosted peer keeps at most this / (2 × peers) idle links (hostKeptLinks
 * in net/link-pool.ts), and MAX_KEPT_LINKS at most. Within a common limit of
 * 20,000 (ulimit -n) with room for every peer's listening and ping sockets:
 * 1,024 peers keeping 64 links each would need 130,000.
 */
export const HOST_LINK_FDS = 12_288;
/** Fewest idle links a hosted peer keeps, however many peers the host has. */
export const HOST_MIN_KEPT_LINKS = 4;
/**
 * A host's connection budget per peer, beyond the idle links each of its
 * own peers may keep on its ports: links retiring, and peers of other
 * processes. With a fixed budget of 8,192 for the process, 1,024 Chord
 * peers in one host evicted 130,000 connections in their first 70 s, and
 * lookups sent on the evicted ones failed.
 */
export const HOST_CONNECTION_MARGIN_PER_PEER = 10;

/**
 * A connection must deliver each whole frame within this long (ms) of being
 * accepted or of its previous frame. Far above what a peer needs (one frame
 * of at most 64 KiB, written at once), far below TCP_IDLE_TIMEOUT_MS.
 */
export const TCP_FRAME_DEADLINE_MS = 5_000;

/**
 * Most hops a lookup (Store, Request, join, find-successor) may have made.
 * A lookup visits each peer at most twice (a join may come round once more),
 * and the specification's largest network has 256 peers: beyond this the
 * request is looping, for whatever reason, and is dropped (a time-to-live).
 */
export const MAX_LOOKUP_HOPS = 1024;

/** `status` waits at most this long for each thread to say how often it woke (runtime/activity.ts). */
export const ACTIVITY_ASK_TIMEOUT_MS = 200;

/** How long stopping workers may take before they are terminated. */
export const STOP_GRACE_MS = 3000;

/**
 * Old-generation heap limit of each role worker, in MB. Node's default is
 * sized from the machine's memory (about 4 GB here), far above what a role
 * holds; at 1 GB or less V8 also keeps a smaller young generation, and each
 * idle worker's resident memory is about 0.7 MB lower (measured on Node 20).
 */
export const ROLE_MAX_OLD_GENERATION_MB = 1024;

/** Longest line accepted; longer ones are refused without being parsed. */
export const MAX_COMMAND_CHARS = 1024;

/** Most bytes of one line held (a character is at most 4 bytes of UTF-8). */
export const MAX_LINE_BYTES = 4 * MAX_COMMAND_CHARS;

/** Longest explanation printed for a bad line. */
export const MAX_EXPLANATION_CHARS = 200;

/** Times a lookup step routes around unreachable fingers before it gives up. */
export const MAX_LOOKUP_RETRIES = 3;

/** Files reconciled at once. */
export const RECONCILE_PARALLEL = 8;

/**
 * A connected sender silent for this long (ms) has stopped, whatever the
 * task's own (longer) wait for a sender to connect.
 */
export const TRANSFER_STALL_MS = 30_000;

/** Senders whose baseline is kept (the least recently heard is forgotten first). */
export const HOP_MAX_SENDERS = 4_096;

/** A quitter offers each file to its successor at most this many times before leaving without it. */
export const HANDOVER_TRIES = 3;

/** Acceptances an acceptor remembers, to answer a newcomer's retry the same way: a retry comes within seconds of the first answer. */
export const REMEMBERED_ACCEPTANCES = 16;
