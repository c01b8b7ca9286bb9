/** Says when live updates have stopped, and when the next attempt to reconnect is. */
import type { Connection } from "../live/event-socket.js";

export function ConnectionStatus({ connection, retryInMs }: { connection: Connection; retryInMs: number | null }) {
  const text =
    connection === "open"
      ? "Live"
      : connection === "connecting"
        ? "Connecting…"
        : `Disconnected, retrying${retryInMs === null ? "" : ` in ${Math.max(1, Math.round(retryInMs / 1000))} s`}`;
  return (
    <span className={`connection connection-${connection}`} role="status" data-testid="connection">
      <span className="connection-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
