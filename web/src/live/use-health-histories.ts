/**
 * Servers' health histories over a range, for the charts of a server's page and of custom
 * dashboards: read from the history endpoint (raw samples for the last hour, rollups further
 * back), and for the last hour read again as those servers' health updates arrive on the store's
 * /ws, at most every LIVE_REFRESH_MS, so that a burst of checks makes one request.
 */
import { useEffect, useRef, useState } from "react";
import type { HistoryRange } from "../api/client.js";
import type { HealthHistory } from "../api/types.js";
import { errorText } from "../components/api-problem.js";
import { store } from "./store.js";

/** A raw sample (the last hour) and a minute or hour rollup (further back). */
export type RawPoint = Extract<HealthHistory["points"][number], { status: string }>;
export type RollupPoint = Extract<HealthHistory["points"][number], { count: number }>;

const LIVE_REFRESH_MS = 5000;

export function useHealthHistories(serverIds: readonly string[], range: HistoryRange): { histories: HealthHistory[] | null; failure: string | null } {
  const [histories, setHistories] = useState<HealthHistory[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const lastLoad = useRef(0);
  const ids = serverIds.join(",");

  useEffect(() => {
    if (range !== "1h") return;
    const wanted = new Set(serverIds);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = store.onEvent((message) => {
      if (message.type !== "health_update" || !wanted.has(String(message.server_id)) || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        setReload((count) => count + 1);
      }, Math.max(0, lastLoad.current + LIVE_REFRESH_MS - Date.now()));
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [ids, range]);

  useEffect(() => {
    lastLoad.current = Date.now();
    let current = true;
    Promise.all(serverIds.map((id) => store.api.history(id, range)))
      .then((bodies) => current && (setHistories(bodies), setFailure(null)))
      .catch((error: unknown) => current && setFailure(errorText(error)));
    return () => {
      current = false;
    };
  }, [ids, range, reload]);

  return { histories, failure };
}
