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

  /** The pino child, made on first use. */
  private get real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  fatal(...args: unknown[]): void {
    Reflect.apply(this.real.fatal, this.real, args);
  }

  error(...args: unknown[]): void {
    Reflect.apply(this.real.error, this.real, args);
  }

  warn(...args: unknown[]): void {
    Reflect.apply(this.real.warn, this.real, args);
  }

  info(...args: unknown[]): void {
    Reflect.apply(this.real.info, this.real, args);
  }

  debug(...args: unknown[]): void {
    Reflect.apply(this.real.debug, this.real, args);
  }

  trace(...args: unknown[]): void {
    Reflect.apply(this.real.trace, this.real, args);
  }

  silent(...args: unknown[]): void {
    Reflect.apply(this.real.silent, this.real, args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: the request's logger, its pino child made when it first logs. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLog(logger, bindings, options);
}
