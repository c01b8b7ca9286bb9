/**
 * What the agent list and an agent's own view share: the colour of each state, start/stop/delete
 * each asked for in a confirm dialog first, and following the /ws `agents` topic.
 */
import { useEffect, useState, type ReactNode } from "react";
import type { AgentAction } from "../../api/client.js";
import type { AgentView, HealthStatus } from "../../api/types.js";
import { errorText } from "../../components/api-problem.js";
import { ConfirmDialog, type ConfirmRequest } from "../../components/confirm-dialog.js";
import { store } from "../../live/store.js";

export const AGENT_TONES: Record<AgentView["state"], HealthStatus> = {
  created: "offline",
  idle: "healthy",
  running: "unknown",
  stopped: "offline",
  error: "critical",
  deleted: "offline",
};

/** Calls `onChange` whenever an agent begins or ends a run (and after a reconnect), so states stay current without polling. */
export function useAgentEvents(onChange: () => void): void {
  useEffect(() => {
    const socket = store.watch(["agents"], [], (message) => message.type !== "agent_step" && onChange(), onChange);
    return () => socket.close();
  }, [onChange]);
}

type Action = AgentAction | "delete";

const ACTION_TEXT: Record<Action, { label: string; question: (name: string) => string; danger: boolean }> = {
  start: { label: "Start", question: (name) => `Start ${name}? It takes tasks again.`, danger: false },
  stop: { label: "Stop", question: (name) => `Stop ${name}? A run under way is cancelled, and it takes no tasks until started.`, danger: true },
  delete: { label: "Delete", question: (name) => `Delete ${name} with its runs? This cannot be undone.`, danger: true },
};

export interface AgentActions {
  ask(agent: AgentView, action: Action): void;
  failure: string | null;
  /** The confirm dialog; render it once on the page. */
  dialog: ReactNode;
}

/** `onDone` gets the agent as it is after the action, or null once it is deleted. */
export function useAgentActions(onDone: (agent: AgentView | null) => void): AgentActions {
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const ask = (agent: AgentView, action: Action): void => {
    const text = ACTION_TEXT[action];
    setConfirm({
      title: `${text.label} agent`,
      body: text.question(agent.name),
      confirmLabel: text.label,
      danger: text.danger,
      onConfirm: () => {
        setFailure(null);
        const done = action === "delete" ? store.api.deleteAgent(agent.id).then(() => null) : store.api.agentAction(agent.id, action);
        done.then(onDone, (error: unknown) => setFailure(`${text.label} ${agent.name}: ${errorText(error)}`));
      },
    });
  };
  return { ask, failure, dialog: <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} /> };
}

/** Stop for an agent that takes tasks, Start for one that does not, and Delete. */
export function AgentButtons({ agent, actions }: { agent: AgentView; actions: AgentActions }) {
  const takesTasks = agent.state === "idle" || agent.state === "running";
  const action: AgentAction = takesTasks ? "stop" : "start";
  return (
    <>
      <button
        type="button"
        className={takesTasks ? "button" : "button button-primary"}
        aria-label={`${ACTION_TEXT[action].label} ${agent.name}`}
        onClick={() => actions.ask(agent, action)}
      >
        {ACTION_TEXT[action].label}
      </button>
      <button type="button" className="button" aria-label={`Delete ${agent.name}`} onClick={() => actions.ask(agent, "delete")}>
        Delete
      </button>
    </>
  );
}
