/**
 * Watches the sources `npm run dev` rebuilds from and hands over bursts of changes, debounced.
 *
 * One plain `fs.watch` per directory (chokidar is not installed), not `recursive: true`: on Linux,
 * Node 20's recursive mode watched each file by inode, so a file replaced by a rename (`sed -i`,
 * an editor's atomic save) was never heard from again. Node 24's hears it (checked: an append
 * after `sed -i` is reported); the per-directory watch was written for 20 and is kept, since a
 * directory watch reports every name in it, however it was written. New directories are watched as they appear, and the files already
 * in them count as changed (they may have been written before the watch began).
 *
 * Editors save in bursts (a temp file, a rename, "save all"), so changes are collected until the
 * tree has been quiet for `quietMs` and then delivered as one batch: one codegen, one swap.
 *
 * Each file's content is hashed and compared with what was last seen, so a save that changes
 * nothing, and the files our own codegen just wrote (`codegenDone`), trigger nothing; a generated
 * file someone else rewrote (a manual `npm run codegen`) still does.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export interface WatchOptions {
  root: string;
  /** Directories watched with everything under them, relative to the root. */
  trees: readonly string[];
  /** Single files at the root (watched through the root directory, so an editor's rename-over-save is seen). */
  rootFiles: readonly string[];
  quietMs?: number;
  /** `since`: when the first change of the batch was seen (performance.now()), to time the swap from the save. */
  onBatch: (paths: string[], since: number) => void;
}

// Only files a build reads; not editor droppings (vim's swap files and 4913 probe, emacs locks,
// `sed -i` temporaries, backups), which have other names or none.
const IGNORED = /(^|\/)(node_modules|\.git)(\/|$)|(^|\/)\.#|~$/;
const SOURCE = /\.(ts|mts|cts|js|mjs|json|graphql|gql)$/;
const GENERATED = /\.generated\.(ts|json)$/;

export function relevant(path: string): boolean {
  return !IGNORED.test(path) && SOURCE.test(path);
}

export function hashOf(content: string | Buffer): string {
  return createHash('sha1').update(content).digest('hex');
}

export class SourceWatcher {
  /** Directory (relative to the root, '' for the root itself) → its watcher. */
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;
  private readonly seen = new Map<string, string>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private since: number | undefined;
  private readonly quietMs: number;
  /** While our codegen runs, events on generated files wait here until its outputs are known. */
  private deferred: Set<string> | undefined;

  constructor(private readonly options: WatchOptions) {
    this.quietMs = options.quietMs ?? 75;
  }

  /** Resolves once every directory that exists now is watched. */
  async start(): Promise<void> {
    const { trees, rootFiles } = this.options;
    this.watchDirectory('', (name) => rootFiles.includes(name));
    await Promise.all(trees.map((tree) => this.watchTree(tree, false)));
  }

  private async watchTree(dir: string, announce: boolean): Promise<void> {
    if (this.closed || this.watchers.has(dir) || IGNORED.test(dir)) return;
    if (!this.watchDirectory(dir, () => true)) return;
    let entries;
    try {
      entries = await readdir(join(this.options.root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(
      entries.map((entry) => {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) return this.watchTree(path, announce);
        return announce ? this.saw(path) : undefined;
      }),
    );
  }

  private watchDirectory(dir: string, wanted: (name: string) => boolean): boolean {
    let watcher: FSWatcher;
    try {
      watcher = watch(join(this.options.root, dir), (_event, name) => {
        if (!name || !wanted(String(name))) return;
        const path = dir ? `${dir}/${String(name)}` : String(name);
        void this.sawName(path);
      });
    } catch {
      return false; // gone already
    }
    // A watched directory that is removed errors (or just goes quiet): forget it.
    watcher.on('error', () => this.unwatch(dir));
    this.watchers.set(dir, watcher);
    return true;
  }

  private unwatch(dir: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }

  /** A name changed in a watched directory: a new directory to watch, a removed one, or a file. */
  private async sawName(path: string): Promise<void> {
    if (IGNORED.test(path)) return;
    const isDirectory = await stat(join(this.options.root, path)).then((info) => info.isDirectory(), () => false);
    if (isDirectory) {
      if (!this.watchers.has(path)) await this.watchTree(path, true);
      return;
    }
    if (this.watchers.has(path)) {
      // A directory that was removed or renamed away: whatever was in it changed.
      this.unwatch(path);
      return this.saw(path, true);
    }
    return this.saw(path);
  }

  /**
   * Our codegen is about to write: its fs events can arrive before its reply says what it wrote,
   * so events on generated files are put aside until `codegenDone`.
   */
  codegenStarting(): void {
    this.deferred ??= new Set();
  }

  /** What codegen wrote: those events are no change. Anything else put aside is looked at again. */
  codegenDone(outputs: readonly { filename: string; content: string }[]): void {
    for (const { filename, content } of outputs) this.seen.set(filename.split(sep).join('/'), hashOf(content));
    const deferred = this.deferred ?? new Set();
    this.deferred = undefined;
    for (const path of deferred) void this.saw(path);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private async saw(path: string, directory = false): Promise<void> {
    if (!directory && !relevant(path)) return;
    if (this.deferred && GENERATED.test(path)) {
      this.deferred.add(path);
      return;
    }
    try {
      const digest = hashOf(await readFile(join(this.options.root, path)));
      if (this.seen.get(path) === digest) return;
      this.seen.set(path, digest);
    } catch {
      // Gone (deleted, or the first half of a rename) or a directory: always a change.
      this.seen.delete(path);
    }
    this.since ??= performance.now();
    this.pending.add(path);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.quietMs);
  }

  private flush(): void {
    const batch = [...this.pending];
    const since = this.since ?? performance.now();
    this.pending.clear();
    this.since = undefined;
    if (batch.length) this.options.onBatch(batch, since);
  }
}
