/**
 * Turns what a check saw into a status and the reasons for it. Pure: the same input always
 * gives the same answer, so every rule is pinned by a unit test (classify.test.ts).
 */
import type { HealthMetrics, HealthStatus, ServerState } from "../bus/events.js";
import { worstOf } from "./status.js";
import type { Levels, Thresholds } from "./thresholds.js";

/** What the probes of one check concluded. */
export interface ProbeOutcome {
  ok: boolean;
  error: string | null;
  /** Nothing answered at all (connection refused, transport gone), as opposed to a slow or failing answer. */
  unreachable: boolean;
}

export interface ClassifyInput {
  /** The supervisor's state of the server. */
  state: ServerState;
  stateReason: string | null;
  /** An enabled on-demand server: stopped is its rest, waiting for a call, not an outage. */
  onDemand?: boolean;
  /** The server has been checked before (since the daemon started), or already reported offline. */
  seen: boolean;
  /** The check's probe outcome; null when no probe ran (the server is not running, or not checked yet). */
  probe: ProbeOutcome | null;
  metrics: HealthMetrics;
  /** How many probes and tool calls the error rate is over. */
  errorEvents: number;
  thresholds: Thresholds;
}

export interface Classification {
  status: HealthStatus;
  reasons: string[];
}

/** An error rate over fewer events than this is noise (one failure in two is not "50 %"). */
export const ERROR_RATE_MIN_EVENTS = 10;

const withReason = (what: string, reason: string | null) => (reason ? `${what}: ${reason}` : what);

/** Status from the supervisor's state alone, when the server is not running. */
function fromState(input: ClassifyInput): Classification | undefined {
  switch (input.state) {
    case "running":
      return undefined;
    case "starting":
      // A first start is not news; a restart after being seen is an outage still going on.
      if (input.onDemand) return { status: "unknown", reasons: ["server is starting on demand"] };
      return input.seen
        ? { status: "offline", reasons: [withReason("server is restarting", input.stateReason)] }
        : { status: "unknown", reasons: ["server is starting"] };
    case "stopped":
    case "stopping":
      if (input.onDemand) return { status: "unknown", reasons: [withReason(`server is ${input.state}`, input.stateReason)] };
      return { status: "offline", reasons: [withReason(`server is ${input.state}`, input.stateReason)] };
    case "backoff":
      return { status: "offline", reasons: [withReason("server is in backoff", input.stateReason)] };
    case "crash_loop":
      return { status: "offline", reasons: [withReason("server is in a crash loop", input.stateReason)] };
    case "failed":
      return { status: "offline", reasons: [withReason("server failed", input.stateReason)] };
  }
}

interface MetricRule {
  label: string;
  unit: string;
  digits: number;
  /** Counts reach a level (3 failures of 3); measurements must exceed it. */
  inclusive: boolean;
}

const RULES: Record<keyof Thresholds, MetricRule> = {
  response_time_ms: { label: "response_time", unit: " ms", digits: 0, inclusive: false },
  cpu_percent: { label: "cpu", unit: " %", digits: 1, inclusive: false },
  memory_mb: { label: "memory", unit: " MB", digits: 1, inclusive: false },
  error_rate: { label: "error_rate", unit: " %", digits: 1, inclusive: false },
  consecutive_failures: { label: "consecutive_failures", unit: "", digits: 0, inclusive: true },
};

function format(value: number, digits: number): string {
  const factor = 10 ** digits;
  return String(Math.round(value * factor) / factor);
}

/** "response_time 1240 ms > warning 1000 ms", or undefined when under both levels. */
function judge(metric: keyof Thresholds, value: number | null, levels: Levels): Classification | undefined {
  if (value === null) return undefined;
  const rule = RULES[metric];
  const over = (level: number) => (rule.inclusive ? value >= level : value > level);
  const level = over(levels.critical) ? "critical" : over(levels.warning) ? "warning" : undefined;
  if (!level) return undefined;
  const sign = rule.inclusive ? ">=" : ">";
  const text = `${rule.label} ${format(value, rule.digits)}${rule.unit} ${sign} ${level} ${format(levels[level], rule.digits)}${rule.unit}`;
  return { status: level, reasons: [text] };
}

export function classify(input: ClassifyInput): Classification {
  const byState = fromState(input);
  if (byState) return byState;
  if (!input.probe) return { status: "unknown", reasons: ["not checked yet"] };
  if (input.probe.unreachable) {
    return { status: "offline", reasons: [withReason("unreachable", input.probe.error)] };
  }
  const { metrics, thresholds } = input;
  const findings: Classification[] = [];
  if (!input.probe.ok) findings.push({ status: "healthy", reasons: [withReason("probe failed", input.probe.error)] });
  const judged = [
    judge("response_time_ms", input.probe.ok ? metrics.response_time_ms : null, thresholds.response_time_ms),
    judge("cpu_percent", metrics.cpu_percent, thresholds.cpu_percent),
    judge("memory_mb", metrics.memory_mb, thresholds.memory_mb),
    judge(
      "error_rate",
      input.errorEvents >= ERROR_RATE_MIN_EVENTS ? metrics.error_rate : null,
      thresholds.error_rate,
    ),
    judge("consecutive_failures", metrics.consecutive_failures, thresholds.consecutive_failures),
  ];
  for (const finding of judged) if (finding) findings.push(finding);
  const status = worstOf(findings.map((finding) => finding.status));
  // Worst first, so the first reason is the one that decided the status.
  const ordered = [...findings].sort((a, b) => rankOf(b) - rankOf(a));
  return { status, reasons: ordered.flatMap((finding) => finding.reasons) };
}

function rankOf(finding: Classification): number {
  return finding.status === "critical" ? 2 : finding.status === "warning" ? 1 : 0;
}
