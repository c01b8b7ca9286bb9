/**
 * A request's logger, made only when the request logs. Fastify gives every request a child of the
 * API's logger carrying its id; a pino child costs a few microseconds (its bindings serialised, its
 * redaction set up), which on a tool call that logs nothing was a measurable share of its CPU.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions } from "fastify/types/logger.js";

class RequestLog implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  declare fatal: FastifyBaseLogger["fatal"];
  declare error: FastifyBaseLogger["error"];
  declare warn: FastifyBaseLogger["warn"];
  declare info: FastifyBaseLogger["info"];
  declare debug: FastifyBaseLogger["debug"];
  declare trace: FastifyBaseLogger["trace"];
  declare silent: FastifyBaseLogger["silent"];

  /** The pino child, made on first use. */
  get real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

// Each level's method hands its arguments to the pino child, making it first.
for (const level of ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const) {
  Object.defineProperty(RequestLog.prototype, level, {
    value(this: RequestLog, ...args: unknown[]): void {
      const real = this.real;
      Reflect.apply(real[level], real, args);
    },
  });
}

/** Fastify's `childLoggerFactory`: the request's logger, its pino child made when it first logs. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLog(logger, bindings, options);
}
