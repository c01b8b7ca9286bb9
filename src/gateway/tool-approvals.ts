/**
 * Rug-pull quarantine: the gateway serves a tool only in a definition someone approved. The
 * approved definition of every tool (its hash, the definition itself, when and by whom) is kept
 * in the store. A new server's tools are approved as they are first seen ("auto"); after that a
 * tool whose definition changed, a tool new on a known server, and a suspicious definition at
 * any time (suspicious-definition.ts) are held: left out of tools/list and refused at
 * tools/call until an admin approves the definition served now. Verdicts are kept per
 * capability snapshot, so a list costs a look-up per tool.
 */
import type { CapabilitySnapshot, MessageBus, ToolSummary, Unsubscribe } from "../bus/index.js";
import type { Clock } from "../core/clock.js";
import { AppError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { McpManager } from "../mcp/index.js";
import type { ToolApprovalRecord, ToolApprovalsRepository } from "../store/index.js";
import type { ApprovalResult, HeldReason, PendingApproval } from "./approvals-schema.js";
import { definitionHash, definitionOf, diffDefinitions, type ToolDefinition } from "./definition-diff.js";
import { namespacedName } from "./names.js";
import { suspiciousFlags } from "./suspicious-definition.js";

/** Who approved a new server's tools. */
export const AUTO_APPROVER = "auto";

export interface ToolApprovalSettings {
  /** `gateway.approve_changes`: false serves every definition as it is and holds nothing. */
  approveChanges: boolean;
  /** `gateway.max_description_length`: a longer string in a definition is suspicious. */
  maxDescriptionLength: number;
}

export interface ToolApprovalsDeps {
  repository: ToolApprovalsRepository;
  manager: McpManager;
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  separator: string;
  settings: ToolApprovalSettings;
}

export interface ToolApprovals {
  readonly enabled: boolean;
  /** Resolves once the approvals kept in the store are loaded (never rejects); until then, or if they cannot be, every tool is held. */
  ready(): Promise<void>;
  /** The tools of a server's snapshot the gateway may serve. */
  servable(serverId: string, snapshot: CapabilitySnapshot): ToolSummary[];
  /** TOOL_HELD naming the tool, the server, why, and how to approve it; undefined when the tool may be called. */
  refusal(serverId: string, tool: string): AppError | undefined;
  /** Tools held now, across the running servers. */
  heldCount(): number;
  pending(): PendingApproval[];
  /** Approves the tool's current definition; `expectedHash` refuses it if the definition changed since it was shown. */
  approve(serverId: string, tool: string, by: string, expectedHash?: string): Promise<ApprovalResult>;
  /** Approves the current definition of every held tool of the server. */
  approveServer(serverId: string, by: string): Promise<ApprovalResult[]>;
  close(): void;
}

interface Verdict {
  tool: ToolSummary;
  hash: string;
  /** Empty when the tool may be served. */
  reasons: HeldReason[];
}

interface Review {
  verdicts: Map<string, Verdict>;
  servable: ToolSummary[];
}

/** A reason as one line, for events and errors. */
export function describeReason(reason: HeldReason): string {
  switch (reason.kind) {
    case "changed":
      return `changed since it was approved (${reason.fields.join(", ")})`;
    case "added":
      return "new on a server whose tools were approved";
    case "suspicious":
      return `suspicious: ${reason.flags.map((flag) => `${flag.flag} in ${flag.field}`).join(", ")}`;
  }
}

export function approvalPath(serverId: string, tool: string): string {
  return `/api/v1/gateway/approvals/${encodeURIComponent(serverId)}/${encodeURIComponent(tool)}`;
}

export function createToolApprovals(deps: ToolApprovalsDeps): ToolApprovals {
  const { repository, manager, bus, clock, settings, separator } = deps;
  const logger = deps.logger.child({ module: "tool-approvals" });
  const enabled = settings.approveChanges;
  const rules = { maxDescriptionLength: settings.maxDescriptionLength };
  /** Approved definitions by server, then tool. */
  const approved = new Map<string, Map<string, ToolApprovalRecord>>();
  const reviews = new WeakMap<CapabilitySnapshot, Review>();
  /** `server\0tool\0hash` of held definitions already announced on the bus. */
  const announced = new Set<string>();
  let loaded = false;

  const persist = (records: ToolApprovalRecord[]): Promise<void> =>
    repository.save(records).catch((error: unknown) => {
      logger.error({ err: errorMessage(error), tools: records.length }, "tool approvals not stored");
      throw error;
    });

  function remember(record: ToolApprovalRecord): void {
    let tools = approved.get(record.server_id);
    if (!tools) approved.set(record.server_id, (tools = new Map()));
    tools.set(record.tool, record);
  }

  function reviewOf(serverId: string, snapshot: CapabilitySnapshot): Review {
    const kept = reviews.get(snapshot);
    if (kept) return kept;
    const known = approved.get(serverId);
    const firstSight = known === undefined || known.size === 0;
    const verdicts = new Map<string, Verdict>();
    const auto: ToolApprovalRecord[] = [];
    for (const tool of snapshot.tools) {
      const hash = definitionHash(tool);
      const record = known?.get(tool.name);
      const reasons: HeldReason[] = [];
      if (record?.hash !== hash) {
        if (record) {
          const fields = diffDefinitions(JSON.parse(record.definition) as ToolDefinition, definitionOf(tool)).fields;
          reasons.push({ kind: "changed", fields });
        } else if (!firstSight) reasons.push({ kind: "added" });
        const flags = suspiciousFlags(tool, rules);
        if (flags.length > 0) reasons.push({ kind: "suspicious", flags });
        if (reasons.length === 0) {
          auto.push({ server_id: serverId, tool: tool.name, hash, definition: JSON.stringify(definitionOf(tool)), approved_at: clock.now(), approved_by: AUTO_APPROVER });
        }
      }
      verdicts.set(tool.name, { tool, hash, reasons });
    }
    for (const record of auto) remember(record);
    if (auto.length > 0) void persist(auto).catch(() => undefined);
    const review = { verdicts, servable: [...verdicts.values()].filter((verdict) => verdict.reasons.length === 0).map((verdict) => verdict.tool) };
    reviews.set(snapshot, review);
    for (const [name, verdict] of verdicts) {
      const key = `${serverId}\0${name}\0${verdict.hash}`;
      if (verdict.reasons.length === 0 || announced.has(key)) continue;
      announced.add(key);
      logger.warn({ server_id: serverId, tool: name, reasons: verdict.reasons.map(describeReason) }, "tool held for approval");
      bus.publish({ type: "tool_approval", server_id: serverId, tool: name, state: "held", reasons: verdict.reasons.map(describeReason), by: null, hash: verdict.hash, at: clock.now() });
    }
    return review;
  }

  function snapshotOf(serverId: string): CapabilitySnapshot | null {
    try {
      return manager.capabilities(serverId);
    } catch {
      return null;
    }
  }

  /** Reviews what a server serves now, so that a held tool is announced without waiting for a client. */
  function reviewNow(serverId: string): void {
    const snapshot = snapshotOf(serverId);
    if (loaded && snapshot) reviewOf(serverId, snapshot);
  }

  function runningReviews(): { serverId: string; review: Review }[] {
    return manager
      .list()
      .filter((server) => server.state === "running")
      .flatMap((server) => {
        const snapshot = snapshotOf(server.id);
        return snapshot ? [{ serverId: server.id, review: reviewOf(server.id, snapshot) }] : [];
      });
  }

  const loading: Promise<void> = enabled
    ? repository.list().then(
        (records) => {
          for (const record of records) remember(record);
          loaded = true;
          for (const server of manager.list()) reviewNow(server.id);
        },
        (error: unknown) => logger.error({ err: errorMessage(error) }, "tool approvals not loaded; every tool is held"),
      )
    : Promise.resolve();

  const unsubscribe: Unsubscribe[] = enabled
    ? [
        bus.subscribe("server_capabilities", (event) => reviewNow(event.server_id)),
        bus.subscribe("capabilities_changed", (event) => reviewNow(event.server_id)),
        bus.subscribe("server_removed", (event) => {
          approved.delete(event.server_id);
          for (const key of announced) if (key.startsWith(`${event.server_id}\0`)) announced.delete(key);
          repository.removeServer(event.server_id).catch((error: unknown) => {
            logger.error({ err: errorMessage(error), server_id: event.server_id }, "tool approvals of a removed server not forgotten");
          });
        }),
      ]
    : [];

  /** What a server serves now; SERVER_NOT_FOUND or SERVER_NOT_RUNNING when there is nothing to approve. */
  function runningSnapshot(serverId: string): CapabilitySnapshot {
    const snapshot = snapshotOf(serverId);
    if (snapshot) return snapshot;
    manager.get(serverId);
    throw new AppError("SERVER_NOT_RUNNING", `server "${serverId}" is not running; start it to see and approve its tools`);
  }

  /** The verdict on a tool of a running server. */
  function currentVerdict(serverId: string, tool: string): Verdict {
    if (!loaded) throw new AppError("INTERNAL", "the approved tool definitions could not be loaded from the store; see the daemon's log");
    const verdict = reviewOf(serverId, runningSnapshot(serverId)).verdicts.get(tool);
    if (!verdict) throw new AppError("TOOL_NOT_FOUND", `server "${serverId}" serves no tool named "${tool}"`, { server_id: serverId, tool });
    return verdict;
  }

  async function record(serverId: string, verdict: Verdict, by: string): Promise<ApprovalResult> {
    const name = verdict.tool.name;
    const previous = approved.get(serverId)?.get(name);
    if (previous?.hash === verdict.hash) {
      return { server_id: serverId, tool: name, hash: verdict.hash, approved_at: previous.approved_at, approved_by: previous.approved_by, already_approved: true };
    }
    const approval: ToolApprovalRecord = {
      server_id: serverId,
      tool: name,
      hash: verdict.hash,
      definition: JSON.stringify(definitionOf(verdict.tool)),
      approved_at: clock.now(),
      approved_by: by,
    };
    await persist([approval]);
    remember(approval);
    // Only this server's verdicts change; the others' stay as reviewed.
    const snapshot = snapshotOf(serverId);
    if (snapshot) reviews.delete(snapshot);
    announced.delete(`${serverId}\0${name}\0${verdict.hash}`);
    logger.info({ server_id: serverId, tool: name, by }, "tool definition approved");
    bus.publish({ type: "tool_approval", server_id: serverId, tool: name, state: "approved", reasons: [], by, hash: verdict.hash, at: approval.approved_at });
    return { server_id: serverId, tool: name, hash: verdict.hash, approved_at: approval.approved_at, approved_by: by, already_approved: false };
  }

  return {
    enabled,
    ready: () => loading,

    servable(serverId, snapshot) {
      if (!enabled) return snapshot.tools;
      return loaded ? reviewOf(serverId, snapshot).servable : [];
    },

    refusal(serverId, tool) {
      if (!enabled) return undefined;
      const snapshot = snapshotOf(serverId);
      // A tool the server does not list is for the server to refuse.
      const verdict = snapshot && loaded ? reviewOf(serverId, snapshot).verdicts.get(tool) : undefined;
      if (loaded && !verdict) return undefined;
      const reasons = verdict?.reasons.map(describeReason) ?? ["the approved definitions are not loaded yet"];
      if (reasons.length === 0) return undefined;
      const gatewayName = namespacedName(serverId, tool, separator) ?? tool;
      return new AppError(
        "TOOL_HELD",
        `tool "${tool}" of server "${serverId}" (${gatewayName}) is held until an admin approves its definition: ${reasons.join("; ")}. ` +
          `Review and approve it with \`pygent gateway approve ${serverId} ${tool}\` or POST ${approvalPath(serverId, tool)}.`,
        { server_id: serverId, tool, reasons },
      );
    },

    heldCount() {
      if (!enabled || !loaded) return 0;
      return runningReviews().reduce((sum, { review }) => sum + review.verdicts.size - review.servable.length, 0);
    },

    pending() {
      if (!enabled || !loaded) return [];
      return runningReviews().flatMap(({ serverId, review }) =>
        [...review.verdicts.values()]
          .filter((verdict) => verdict.reasons.length > 0)
          .map((verdict): PendingApproval => {
            const previous = approved.get(serverId)?.get(verdict.tool.name);
            const before = previous ? (JSON.parse(previous.definition) as ToolDefinition) : undefined;
            const current = definitionOf(verdict.tool);
            return {
              server_id: serverId,
              tool: verdict.tool.name,
              gateway_name: namespacedName(serverId, verdict.tool.name, separator) ?? null,
              hash: verdict.hash,
              reasons: verdict.reasons,
              approved: previous && before ? { definition: before, hash: previous.hash, approved_at: previous.approved_at, approved_by: previous.approved_by } : null,
              current,
              diff: before ? diffDefinitions(before, current) : null,
            };
          }),
      );
    },

    async approve(serverId, tool, by, expectedHash) {
      await loading;
      const verdict = currentVerdict(serverId, tool);
      if (expectedHash !== undefined && expectedHash !== verdict.hash) {
        throw new AppError(
          "DEFINITION_CHANGED",
          `the definition of "${tool}" on server "${serverId}" changed since it was shown (hash ${expectedHash.slice(0, 12)}…, now ${verdict.hash.slice(0, 12)}…); review it again`,
          { server_id: serverId, tool, expected_hash: expectedHash, hash: verdict.hash },
        );
      }
      return record(serverId, verdict, by);
    },

    async approveServer(serverId, by) {
      await loading;
      const held = [...reviewOf(serverId, runningSnapshot(serverId)).verdicts.values()].filter((verdict) => verdict.reasons.length > 0);
      const results: ApprovalResult[] = [];
      for (const verdict of held) results.push(await record(serverId, verdict, by));
      return results;
    },

    close() {
      for (const stop of unsubscribe) stop();
    },
  };
}
