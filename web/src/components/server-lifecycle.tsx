/**
 * Start / stop / restart of a server, each asked for in a confirm dialog first: the buttons, and
 * the hook that holds the question, the server being acted on and what went wrong. The Servers
 * table and a server's own page both use them.
 */
import { useCallback, useState, type ReactNode } from "react";
import type { ServerAction } from "../api/client.js";
import type { Caller, ServerState, ServerView } from "../api/types.js";
import { store } from "../live/store.js";
import { ConfirmDialog, type ConfirmRequest } from "./confirm-dialog.js";

export const STATE_WORDS: Record<ServerState, string> = {
  stopped: "stopped",
  starting: "starting",
  running: "running",
  backoff: "restarting",
  crash_loop: "crash loop",
  failed: "failed",
  stopping: "stopping",
};

/** What a button does: one of the server's lifecycle actions, or removing it from PyGent. */
export type LifecycleAction = ServerAction | "remove";

const ACTION_TEXT: Record<LifecycleAction, { label: string; question: (name: string) => string; danger: boolean }> = {
  start: { label: "Start", question: (name) => `Start ${name}?`, danger: false },
  stop: { label: "Stop", question: (name) => `Stop ${name}? Clients using it lose its tools until it is started again.`, danger: true },
  restart: { label: "Restart", question: (name) => `Restart ${name}? Calls in flight are cut off.`, danger: true },
  remove: {
    label: "Remove",
    question: (name) => `Remove ${name}? It is stopped and its registration is deleted.`,
    danger: true,
  },
};

function actionsFor(server: ServerView, removable: boolean): LifecycleAction[] {
  return [...lifecycleActions(server), ...(removable && server.source === "api" ? (["remove"] as const) : [])];
}

function lifecycleActions(server: ServerView): ServerAction[] {
  if (server.state === "stopped" || server.state === "failed" || server.state === "crash_loop") return ["start"];
  if (server.state === "stopping") return [];
  return ["restart", "stop"];
}

export interface Lifecycle {
  ask(server: ServerView, action: LifecycleAction): void;
  /** The id of the server an action is under way for. */
  busy: string | null;
  failure: string | null;
  /** The confirm dialog; render it once on the page. */
  dialog: ReactNode;
}

export function useLifecycle(): Lifecycle {
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  // Stable across renders, so that a table's rows that did not change need not be drawn again.
  const ask = useCallback((server: ServerView, action: LifecycleAction): void => {
    const text = ACTION_TEXT[action];
    setConfirm({
      title: `${text.label} server`,
      body: text.question(server.name),
      confirmLabel: text.label,
      danger: text.danger,
      onConfirm: () => {
        setBusy(server.id);
        setFailure(null);
        (action === "remove" ? store.removeServer(server.id) : store.act(server.id, action))
          .catch((error: unknown) => setFailure(`${text.label} ${server.name}: ${error instanceof Error ? error.message : String(error)}`))
          .finally(() => setBusy(null));
      },
    });
  }, []);

  return { ask, busy, failure, dialog: <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} /> };
}

/** Said where the actions are, when the signed-in token may only look. */
export function ReadOnlyNote({ caller }: { caller: Caller | null }) {
  if (!caller || caller.may.includes("operator")) return null;
  return (
    <p className="panel notice" data-testid="read-only">
      Signed in as {caller.name ?? "a viewer"} ({caller.role}): you can look, but starting, stopping, adding or removing a server needs an operator
      token.
    </p>
  );
}

/**
 * The server's buttons; `removable` adds Remove for a server added through the API (one from the
 * config file is removed there). Without `allowed` (a viewer's token) they are shown but disabled.
 */
export function LifecycleButtons({
  server,
  busy,
  ask,
  allowed,
  removable = false,
}: {
  server: ServerView;
  busy: boolean;
  ask: Lifecycle["ask"];
  allowed: boolean;
  removable?: boolean;
}) {
  return (
    <>
      {actionsFor(server, removable).map((action) => (
        <button
          key={action}
          type="button"
          className={action === "start" ? "button button-primary" : "button"}
          disabled={busy || !allowed}
          aria-label={`${ACTION_TEXT[action].label} ${server.name}`}
          onClick={() => ask(server, action)}
        >
          {ACTION_TEXT[action].label}
        </button>
      ))}
    </>
  );
}
