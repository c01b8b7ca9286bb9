/**
 * Watches the config file and hands each good version to a callback. Editors often replace the
 * file rather than write it, so the folder is watched and the name filtered; events are debounced
 * and an unchanged content is ignored. A bad version is reported and the last good one stays.
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { AppError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { parseConfigText, readConfigText } from "./loader.js";
import type { ConfigFile } from "./schema.js";

export interface ConfigWatcherOptions {
  path: string;
  /** The content the daemon started with, so that the first event for it is not a reload. */
  initialText: string;
  debounceMs?: number;
  logger: Logger;
  onChange: (config: ConfigFile) => Promise<void>;
  onRejected: (problems: string[]) => void;
}

export interface ConfigWatcher {
  close(): void;
  /** Resolves when the reloads already triggered have been applied (for tests and shutdown). */
  settled(): Promise<void>;
}

export function watchConfigFile(options: ConfigWatcherOptions): ConfigWatcher {
  const { path, logger } = options;
  const name = basename(path);
  let lastText: string | undefined = options.initialText;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const reject = (error: unknown): void => {
    const details = (error as { details?: { issues?: { field: string; message: string }[] } }).details;
    const problems = details?.issues?.map((issue) => `${issue.field}: ${issue.message}`) ?? [errorMessage(error)];
    logger.error({ path, problems }, "config file rejected; keeping the last good config");
    options.onRejected(problems);
  };

  const reload = async (): Promise<void> => {
    let text: string;
    try {
      text = await readConfigText(path);
    } catch (error) {
      if (closed) return;
      if (error instanceof AppError) {
        // Refused unread: the good content written back afterwards must count as a change.
        lastText = undefined;
        reject(error);
      } else {
        // Mid-replace or deleted: keep the servers as they are.
        logger.warn({ path, err: errorMessage(error) }, "config file unreadable; keeping the last good config");
      }
      return;
    }
    if (text === lastText || closed) return;
    lastText = text;
    let config: ConfigFile;
    try {
      config = parseConfigText(text, path);
    } catch (error) {
      reject(error);
      return;
    }
    await options.onChange(config);
  };

  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
    if (filename !== null && filename !== name) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      chain = chain.then(reload).catch((error: unknown) => logger.error({ err: error }, "config reload failed"));
    }, options.debounceMs ?? 200);
  });
  watcher.on("error", (error) => logger.error({ err: error }, "config watcher failed"));

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
    settled: () => chain,
  };
}
