import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import { OpenFeatureEventEmitter, ProviderEvents, type EvaluationContext, type JsonValue, type Logger as FeatureLogger, type Provider, type ResolutionDetails } from '@openfeature/server-sdk';
import type { Logger } from 'pino';

export interface FlagdFileProviderOptions {
  /** The flagd-format definitions (https://flagd.dev/reference/flag-definitions/). */
  path: string;
  logger: Logger;
  /** A definitions file that could not be read or is not valid flagd: counted once per failed load. */
  onBrokenFile?: () => void;
  /** How long a burst of file events settles before the file is read (editors write in steps). @default 50 */
  settleMs?: number;
}

/**
 * An OpenFeature provider that evaluates in process, from flagd's JSON definitions in a file,
 * with flagd's own evaluator (`@openfeature/flagd-core`: the targeting rules, `fractional`
 * bucketing by murmur3 of the flag key and the targeting key, `sem_ver`, `starts_with`), so
 * `npm start` needs no flagd daemon and evaluates exactly as flagd would.
 *
 * Not `@openfeature/flagd-provider`'s in-process resolver with its file source: that package
 * loads `@grpc/grpc-js` for its other modes, polls the file with `fs.watchFile` (every five
 * seconds), logs every failed read, and offers no hook to count a broken file.
 *
 * - The file is read at start, synchronously: the provider is ready before the first request.
 * - It is watched (its directory, so an editor's write-and-rename is seen) and read again when it
 *   changes; flags that changed raise OpenFeature's ConfigurationChanged.
 * - A file that cannot be read or is not valid flagd (strict schema validation, every flag's
 *   default variant among its variants) changes nothing: the last good flags stay, it is logged
 *   once until a good file comes back, and counted (`onBrokenFile`). At start, no flag is known
 *   and every evaluation serves its default, with reason ERROR.
 */
export class FlagdFileProvider implements Provider {
  readonly metadata = { name: 'flagd-file' } as const;
  readonly runsOn = 'server';
  readonly events = new OpenFeatureEventEmitter();
  private readonly storage: MemoryStorage;
  private readonly core: FlagdCore;
  private watcher: FSWatcher | undefined;
  private settle: NodeJS.Timeout | undefined;
  private broken = false;
  private lastText: string | undefined;

  constructor(private readonly options: FlagdFileProviderOptions) {
    const logger = featureLogger(options.logger);
    this.storage = new MemoryStorage(logger);
    this.core = new FlagdCore(this.storage, logger);
    this.load();
    this.watch();
  }

  /** Reads the file again now (the watcher does it on a change). */
  load(): void {
    let text: string;
    try {
      text = readFileSync(this.options.path, 'utf8');
    } catch (error) {
      this.refused(error);
      return;
    }
    if (text === this.lastText) return;
    let changed: string[];
    try {
      // Parsed and validated whole before anything is replaced: a broken file changes nothing.
      changed = this.storage.setConfigurations(text, true);
    } catch (error) {
      this.refused(error);
      return;
    }
    this.lastText = text;
    if (this.broken) this.options.logger.info({ file: this.options.path }, 'flags: the definitions file is valid again');
    this.broken = false;
    if (changed.length) {
      this.options.logger.info({ file: this.options.path, flags: changed }, 'flags: definitions loaded');
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
    }
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger: FeatureLogger): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.core.resolveBooleanEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger: FeatureLogger): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.core.resolveStringEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger: FeatureLogger): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.core.resolveNumberEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger: FeatureLogger): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.core.resolveObjectEvaluation(flagKey, defaultValue, context, logger));
  }

  async onClose(): Promise<void> {
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private watch(): void {
    const file = basename(this.options.path);
    try {
      this.watcher = watch(dirname(this.options.path), { persistent: false }, (_event, name) => {
        if (name !== null && name !== file) return;
        clearTimeout(this.settle);
        this.settle = setTimeout(() => this.load(), this.options.settleMs ?? 50);
      });
      this.watcher.on('error', (error) => this.options.logger.warn({ err: error, file: this.options.path }, 'flags: the definitions file can no longer be watched; its flags stay as they are'));
    } catch (error) {
      this.options.logger.warn({ err: error, file: this.options.path }, 'flags: the definitions file cannot be watched; it is read at start only');
    }
  }

  private refused(error: unknown): void {
    this.options.onBrokenFile?.();
    if (this.broken) return; // logged once until a good file comes back
    this.broken = true;
    this.options.logger.error({ err: error, file: this.options.path }, this.lastText === undefined ? 'flags: the definitions file is unusable; every flag serves its default' : 'flags: the definitions file is unusable; the last good flags stay');
  }
}

/** flagd-core's logger, on pino. */
function featureLogger(logger: Logger): FeatureLogger {
  return {
    error: (...args: unknown[]) => logger.error({ flagd: args.map(String) }, 'flagd'),
    warn: (...args: unknown[]) => logger.warn({ flagd: args.map(String) }, 'flagd'),
    info: (...args: unknown[]) => logger.debug({ flagd: args.map(String) }, 'flagd'),
    debug: (...args: unknown[]) => logger.debug({ flagd: args.map(String) }, 'flagd'),
  };
}
