/**
 * The Overview's activity and recent events. The activity (tool calls per second, their error
 * rate over the last minute, restarts in the last hour) is read once from the REST snapshot, so
 * it paints at once, then follows the /ws `metrics` topic, which the daemon feeds only while a
 * page like this one subscribes. The recent events come from the live store.
 */
import { useEffect, useState } from "react";
import type { Activity, MetricsActivityMessage } from "../api/types.js";
import { errorText } from "../components/api-problem.js";
import { StatusBadge } from "../components/status-badge.js";
import { store, type RecentEvent } from "../live/store.js";

function useActivity(): { activity: Activity | null; failure: string | null } {
  const [activity, setActivity] = useState<Activity | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    const load = (): void => {
      store.api
        .activity()
        .then((body) => current && (setActivity(body), setFailure(null)))
        .catch((error: unknown) => current && setFailure(errorText(error)));
    };
    load();
    const socket = store.watch(
      ["metrics"],
      [],
      (message) => {
        if (message.type !== "metrics_activity") return;
        const { type: _type, ...figures } = message as unknown as MetricsActivityMessage;
        setActivity(figures);
      },
      load,
    );
    return () => {
      current = false;
      socket.close();
    };
  }, []);
  return { activity, failure };
}

/** At most two decimals, without trailing zeros: 0.05, 1.5, 12. */
const brief = (value: number): string => String(+value.toFixed(2));

export function ActivityFigures() {
  const { activity, failure } = useActivity();
  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      {failure && !activity && (
        <p className="panel error" role="alert">
          The activity could not be loaded: {failure}
        </p>
      )}
      {activity && (
        <ul className="figures activity-figures">
          <li className="figure">
            <span className="figure-value" data-testid="activity-calls-per-second">
              {brief(activity.tool_calls.per_second)}
            </span>
            <span className="figure-name">Tool calls/s</span>
            <span className="figure-name" data-testid="activity-calls">
              {activity.tool_calls.calls} in the last {activity.window_s} s · {activity.tool_calls.total} since start
            </span>
          </li>
          <li className="figure">
            <span className="figure-value" data-testid="activity-error-rate">
              {activity.tool_calls.error_rate === null ? "—" : `${brief(activity.tool_calls.error_rate)} %`}
            </span>
            <span className="figure-name">Error rate</span>
            <span className="figure-name">
              {activity.tool_calls.calls === 0 ? "no calls in the last minute" : `${activity.tool_calls.errors} of ${activity.tool_calls.calls} calls failed`}
            </span>
          </li>
          <li className="figure">
            <span className="figure-value" data-testid="activity-restarts">
              {activity.restarts_last_hour}
            </span>
            <span className="figure-name">Restarts in the last hour</span>
          </li>
        </ul>
      )}
    </section>
  );
}

const KIND_NAMES: Record<RecentEvent["kind"], string> = { server: "Server", alert: "Alert", install: "Install" };

export function RecentEvents({ events }: { events: RecentEvent[] }) {
  return (
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      {events.length === 0 ? (
        <p className="panel empty" data-testid="recent-empty">
          Nothing has happened since this page opened. Status changes, alerts and installs show up here as they happen.
        </p>
      ) : (
        <ol className="recent-events" data-testid="recent-events">
          {events.map((event) => (
            <li key={event.key} className="recent-event">
              <StatusBadge status={event.tone} />
              <span className="recent-text">
                <strong>{event.server_id}</strong> {event.text}
              </span>
              <span className="muted recent-meta">
                {KIND_NAMES[event.kind]} · <time dateTime={new Date(event.at).toISOString()}>{new Date(event.at).toLocaleTimeString()}</time>
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
