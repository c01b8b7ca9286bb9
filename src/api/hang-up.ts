/** Work a request starts that should stop when its client hangs up before the answer. */
import { setMaxListeners } from "node:events";
import type { Socket } from "node:net";
import type { FastifyReply } from "fastify";

/**
 * One signal per client connection, aborted when it closes: every request on a connection ends
 * with it, and making an AbortController for each call was a measurable share of a tool call's CPU.
 */
const hangUps = new WeakMap<Socket, AbortSignal>();

function hangUpOf(socket: Socket): AbortSignal {
  let signal = hangUps.get(socket);
  if (signal === undefined) {
    const controller = new AbortController();
    signal = controller.signal;
    // Each call on the connection listens while it runs; pipelined ones may be many at once.
    setMaxListeners(0, signal);
    socket.once("close", () => controller.abort());
    hangUps.set(socket, signal);
  }
  return signal;
}

/** Runs `work` with a signal that aborts if the client's connection closes before the reply is written. */
export async function untilHangUp<T>(reply: FastifyReply, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const socket = reply.request.raw.socket as Socket | null;
  return work(socket !== null && !socket.destroyed ? hangUpOf(socket) : AbortSignal.abort());
}
