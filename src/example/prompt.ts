/**
 * The commands of `p2p example --interactive`, read from one typed line.
 * Pure: `parsePromptLine` names what was asked or why it cannot be read;
 * interactive.ts does it.
 */

/** One command of the prompt. */
export type PromptCommand =
  | { readonly kind: 'type'; readonly peer: number; readonly line: string }
  | { readonly kind: 'kill'; readonly peer: number }
  | { readonly kind: 'join'; readonly peer: number; readonly via: number }
  | { readonly kind: 'init'; readonly peer: number; readonly first: number; readonly second: number }
  | { readonly kind: 'peers' }
  | { readonly kind: 'ring' }
  | { readonly kind: 'pings'; readonly on: boolean }
  | { readonly kind: 'help' }
  | { readonly kind: 'exit' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'bad'; readonly why: string };

/** The prompt's help text. */
export const PROMPT_HELP = `Commands:
  <peer>> <command>         type a command into a peer: "8> store 2067", "2> request 4103",
                            "5> lookup 200", "9> quit", "4> status"
  kill <peer>               end a peer abruptly (SIGKILL), as Ctrl-C would
  start <peer> join <known> start a peer that joins through a running one
  start <peer> init <s1> <s2>
                            start a peer with successors s1 and s2
  peers                     the running peers
  ring                      each peer's predecessors and successors, and every disagreement
  pings on|off              show or hide the ping lines (hidden unless --full)
  help                      this text
  exit                      stop every peer and leave`;

const ID = /^\d{1,10}$/;

/** Reads one typed line; never throws (a line it cannot read is `bad`, with the reason). */
export function parsePromptLine(raw: string): PromptCommand {
  const line = raw.trim();
  if (line === '') return { kind: 'empty' };
  const typed = /^(\d+)\s*>\s*(.*)$/.exec(line);
  if (typed !== null) {
    const text = typed[2] ?? '';
    if (text === '') return { kind: 'bad', why: `nothing to type into peer ${typed[1] ?? ''}: write "${typed[1] ?? ''}> store 2067"` };
    return { kind: 'type', peer: Number(typed[1]), line: text };
  }
  const words = line.split(/\s+/);
  const [head = '', ...args] = words;
  const ids = (xs: readonly string[]): number[] | undefined => (xs.every((x) => ID.test(x)) ? xs.map(Number) : undefined);
  switch (head.toLowerCase()) {
    case 'kill': {
      const [peer] = ids(args) ?? [];
      return args.length === 1 && peer !== undefined ? { kind: 'kill', peer } : { kind: 'bad', why: 'kill takes one peer: kill 14' };
    }
    case 'start': {
      const [id = '', how = '', ...rest] = args;
      const nums = ids([id, ...rest]);
      if (how === 'join' && rest.length === 1 && nums !== undefined) return { kind: 'join', peer: nums[0] ?? 0, via: nums[1] ?? 0 };
      if (how === 'init' && rest.length === 2 && nums !== undefined) {
        return { kind: 'init', peer: nums[0] ?? 0, first: nums[1] ?? 0, second: nums[2] ?? 0 };
      }
      return { kind: 'bad', why: 'start takes "start <peer> join <known>" or "start <peer> init <s1> <s2>"' };
    }
    case 'peers':
      return args.length === 0 ? { kind: 'peers' } : { kind: 'bad', why: 'peers takes no arguments' };
    case 'ring':
      return args.length === 0 ? { kind: 'ring' } : { kind: 'bad', why: 'ring takes no arguments' };
    case 'pings':
      if (args.length === 1 && (args[0] === 'on' || args[0] === 'off')) return { kind: 'pings', on: args[0] === 'on' };
      return { kind: 'bad', why: 'pings takes on or off' };
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'exit':
    case 'quit':
      return { kind: 'exit' };
    default:
      return { kind: 'bad', why: `unknown command "${head}" (type help)` };
  }
}
