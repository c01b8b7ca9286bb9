/** How the dashboard writes durations, sizes and instants. */

/** A duration in seconds, to the two largest units: "3 d 4 h", "2 h 5 min", "12 min", "40 s". */
export function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min`;
  return `${Math.max(0, Math.floor(seconds))} s`;
}

/** An instant as the user's local date and time, short. */
export function formatInstant(at: number): string {
  return new Date(at).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** The history ranges as the dashboard names them. */
export const RANGE_LABELS = { "1h": "1 h", "24h": "24 h", "7d": "7 d", "30d": "30 d" } as const;
