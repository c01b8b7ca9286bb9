/**
 * The `callback` channel: the seed's callback-based alerting, in process. Subscribers register
 * with `alertService.onAlert(callback)`; one that throws is logged and the others still run.
 * Always present, so `onAlert` works without any config.
 */
import { z } from "zod";
import { errorMessage } from "../../core/errors.js";
import { defineChannel } from "../channel.js";

export const callbackChannel = defineChannel({
  type: "callback",
  delivery: "grouped",
  schema: z.object({}).strict(),
  create(_config, context) {
    return {
      id: context.id,
      hasReceivers: () => context.callbacks.size > 0,
      async send(notification) {
        for (const callback of [...context.callbacks]) {
          try {
            await callback(notification);
          } catch (error) {
            context.logger.warn({ channel: context.id, err: errorMessage(error) }, "alert callback failed");
          }
        }
      },
    };
  },
});
