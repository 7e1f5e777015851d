/**
 * Everything `npm run dev` prints goes through here: each child's lines with a `[name] ` prefix
 * (the BFFs with their generation, `[mobile#3]`, since two of them overlap during a swap), and
 * the supervisor's own lines as `[dev]`.
 *
 * A BFF that is still starting is held: its lines are kept, not printed, until it goes live
 * (then they are printed) or fails (then its stderr is printed once, under the reason), so a
 * broken edit reads as one block rather than a stack trace interleaved with the old BFF's logs.
 */
import type { ChildProcess } from 'node:child_process';

const TAIL_CHARS = 8_000;

export interface Relayed {
  /** The last few kilobytes the child wrote to stderr. */
  stderr(): string;
  /** Prefix from now on (a spare takes its client's name when it is given one). */
  rename(name: string): void;
  /** Start holding lines back (a BFF that has not passed its checks yet). */
  hold(): void;
  /** Print what was held back and every line from now on. */
  release(): void;
  /** Forget what was held back (it was reported some other way) and print from now on. */
  discard(): void;
}

export function relay(child: ChildProcess, name: string, { drop }: { drop?: RegExp } = {}): Relayed {
  let prefix = `[${name}] `;
  let tail = '';
  let held: { stream: NodeJS.WriteStream; line: string }[] | undefined;
  const print = (stream: NodeJS.WriteStream, line: string) => stream.write(`${prefix}${line}\n`);
  const forward = (source: NodeJS.ReadableStream | null, stream: NodeJS.WriteStream, keep: boolean) => {
    let partial = '';
    const write = (lines: string[]) => {
      for (const line of lines) {
        if (keep) tail = (tail + line + '\n').slice(-TAIL_CHARS);
        if (drop?.test(line)) continue;
        if (held) held.push({ stream, line });
        else print(stream, line);
      }
    };
    source?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      write(lines);
    });
    // The last line of a child that died without a newline is often the one that explains it.
    source?.on('end', () => partial && write([partial]));
  };
  forward(child.stdout, process.stdout, false);
  forward(child.stderr, process.stderr, true);
  return {
    stderr: () => tail,
    rename: (next) => {
      prefix = `[${next}] `;
    },
    hold: () => {
      held ??= [];
    },
    release: () => {
      for (const { stream, line } of held ?? []) print(stream, line);
      held = undefined;
    },
    discard: () => {
      held = undefined;
    },
  };
}

export function say(message: string): void {
  console.log(message.replace(/^/gm, '[dev] '));
}

export function complain(message: string): void {
  console.error(message.replace(/^/gm, '[dev] '));
}

/** Indents a multi-line error under the line that introduces it. */
export function indent(text: string): string {
  return text.trimEnd().replace(/^/gm, '    ');
}
