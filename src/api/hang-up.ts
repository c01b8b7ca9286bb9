/** Work a request starts that should stop when its client hangs up before the answer. */
import type { FastifyReply } from "fastify";

/** Runs `work` with a signal that aborts if the client's connection closes before the reply is written. */
export async function untilHangUp<T>(reply: FastifyReply, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const hungUp = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableEnded) hungUp.abort();
  };
  reply.raw.on("close", onClose);
  try {
    return await work(hungUp.signal);
  } finally {
    reply.raw.off("close", onClose);
  }
}
