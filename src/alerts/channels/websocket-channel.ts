/**
 * The `websocket` channel: publishes one `alert` bus event per alert; the WebSocket hub forwards
 * them to subscribers of /ws. Immediate by default, so dashboards see each change as it happens.
 */
import { z } from "zod";
import { defineChannel } from "../channel.js";

export const websocketChannel = defineChannel({
  type: "websocket",
  delivery: "immediate",
  schema: z.object({}).strict(),
  create(_config, context) {
    return {
      id: context.id,
      async send(notification) {
        for (const alert of notification.alerts) {
          context.bus.publish({
            type: "alert",
            alert_id: alert.alert_id,
            rule_id: alert.rule_id,
            server_id: alert.server_id,
            severity: alert.severity,
            state: alert.state,
            summary: alert.summary,
            labels: alert.labels,
            at: notification.at,
          });
        }
      },
    };
  },
});
