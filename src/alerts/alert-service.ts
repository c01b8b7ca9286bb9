/**
 * The alert service: the pipeline from bus events to notifications. health_update,
 * capabilities_changed and server_status events become observations for the evaluator, as do
 * storage_fault events (about the daemon itself: DAEMON_SUBJECT) and config_rejected and
 * config_reloaded (about the config file: CONFIG_SUBJECT); its
 * transitions are stored, published at once to immediate channels (the dashboard's `alert`
 * events) and gathered by the aggregator for grouped channels (webhook, email, callbacks). Each
 * channel sits behind its own bounded queue, so nothing here ever waits on a receiver. Silences
 * are checked in one place, as a notification is handed to channels (`silenced`): a silenced
 * alert is recorded and listed with its silence's id, but no channel hears of it; when the
 * silence ends while the alert still fires, the alert is notified then, as Alertmanager does.
 */
import { isDeepStrictEqual } from "node:util";
import type { MessageBus, Unsubscribe } from "../bus/bus.js";
import type { CapabilitiesChangedEvent, ConfigRejectedEvent, HealthUpdateEvent, ServerState, ServerStatusEvent, StorageFaultEvent } from "../bus/events.js";
import { AlertsConfigSchema, type AlertRule, type AlertsConfig } from "../config/alerts-schema.js";
import { systemClock, type Clock, type TimerHandle } from "../core/clock.js";
import { AppError, errorMessage } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Logger } from "../core/logger.js";
import type { AlertOutboxRepository } from "../store/alert-outbox-repository.js";
import type { AlertSilencesRepository } from "../store/alert-silences-repository.js";
import type { AlertRecord, AlertsRepository, AlertRulesRepository } from "../store/alerts-repository.js";
import { AlertEvaluator, type EvaluatorTransition } from "./alert-evaluator.js";
import type { AlertCallback } from "./channel.js";
import { ChannelQueue, DEFAULT_QUEUE_CAPACITY } from "./channel-queue.js";
import { buildChannels, ChannelRegistry, type BuiltChannel } from "./channel-registry.js";
import { NotificationAggregator } from "./notification-aggregator.js";
import { NotificationOutbox, outboxSettings } from "./outbox.js";
import { highestSeverity, severityAtLeast, summarize, type AlertNotification, type AlertView } from "./notification.js";
import { RuleBook, type RuleView } from "./rule-book.js";
import { SilenceBook, type SilenceListState, type SilenceView } from "./silence-book.js";
import { CONFIG_SUBJECT, DAEMON_SUBJECT, describeCondition, isServerSubject, type MetricValue, type Observation } from "./rules.js";

export interface AlertServiceOptions {
  bus: MessageBus;
  store: {
    alerts: AlertsRepository;
    alertRules: AlertRulesRepository;
    alertOutbox: AlertOutboxRepository;
    alertSilences: AlertSilencesRepository;
  };
  clock: Clock;
  logger: Logger;
  /** The config file's `alerts` section, validated; the defaults when absent. */
  config?: AlertsConfig | undefined;
  /** Where `${VAR}` references in channel secrets are looked up. */
  environment?: NodeJS.ProcessEnv;
  /** The server's category, for rules scoped to a category. */
  categoryOf?: (serverId: string) => string | null;
  /**
   * Whether a server is still registered; alerts left firing by the last run for one that is
   * not are resolved at start, since nothing would ever observe it again. All exist when not given.
   */
  serverExists?: (serverId: string) => boolean;
  registry?: ChannelRegistry;
  queueCapacity?: number;
  /** How long stop() lets queued notifications go out before abandoning them (wall-clock ms). */
  shutdownGraceMs?: number;
}

export interface AlertListQuery {
  state?: "firing" | "resolved" | "all" | undefined;
  server_id?: string | undefined;
  limit?: number | undefined;
}

/** An alert as listed: the stored record, and the silence holding back its notifications now, if any. */
export type AlertListing = AlertRecord & { silenced_by: string | null };

/** A channel's delivery state: `failing` while notifications wait for it or its last attempt failed. */
export interface ChannelStateView {
  id: string;
  type: string;
  delivery: "immediate" | "grouped";
  /** Whether what it fails to deliver is kept in the outbox and sent again. */
  durable: boolean;
  state: "ok" | "failing";
  last_success_at: number | null;
  last_failure_at: number | null;
  /** Without secrets: a URL in it keeps only its scheme and host. */
  last_error: string | null;
  /** Waiting in the outbox now. */
  pending: number;
  delivered: number;
  /** Kept longer than alerts.outbox.max_age and given up. */
  expired: number;
  /** Pushed out of the outbox by alerts.outbox.max_pending. */
  dropped: number;
}

export interface AlertService {
  /** Loads rules, takes back alerts left firing by the last run, and starts listening. */
  start(): Promise<void>;
  /** Stops listening, sends what is waiting (briefly), and closes every channel. */
  stop(): Promise<void>;
  /** In-process alerting: the callback gets every grouped notification. Returns an unsubscribe. */
  onAlert(callback: AlertCallback): () => void;
  /** Newest first; all states by default. */
  listAlerts(query?: AlertListQuery): Promise<AlertListing[]>;
  /** Throws ALERT_NOT_FOUND. */
  getAlert(id: string): Promise<AlertListing>;
  /** Acknowledges an alert: no more reminders for it. Idempotent; throws ALERT_NOT_FOUND. */
  ack(id: string, by: string): Promise<AlertListing>;
  /** The alerts firing now. */
  firing(): AlertView[];
  listRules(): RuleView[];
  /** Throws RULE_NOT_FOUND. */
  getRule(id: string): RuleView;
  /** Validates (VALIDATION_FAILED naming fields); throws RULE_EXISTS for a taken id. */
  createRule(input: unknown): Promise<RuleView>;
  /** API rules only: config and built-in rules throw RULE_CONFIG_MANAGED. */
  updateRule(id: string, patch: unknown): Promise<RuleView>;
  deleteRule(id: string): Promise<void>;
  /** Newest first; every state by default. */
  listSilences(state?: SilenceListState): SilenceView[];
  /** Validates (VALIDATION_FAILED naming fields) and stores a silence; `by` is who creates it. */
  createSilence(input: unknown, by: string): Promise<SilenceView>;
  /** Ends a silence now; alerts it held back that still fire are notified. Throws SILENCE_NOT_FOUND. */
  expireSilence(id: string): Promise<SilenceView>;
  /**
   * Takes a reloaded `alerts` section: rules, channels, repeat_interval and retention apply now.
   * Returns the fields that apply only at the next start (grouping, flapping, enabled).
   */
  applyConfig(config: AlertsConfig | undefined): string[];
  /** Resolves when every notification handed to a channel so far has been sent or has failed. */
  idle(): Promise<void>;
  /** The configured channels with their delivery state and outbox counts. */
  channelStates(): Promise<ChannelStateView[]>;
}

interface FiringAlert {
  view: AlertView;
  acked: boolean;
  repeatTimer: TimerHandle | undefined;
  /** A notification of it was held back by a silence: it is notified when no silence holds it any more. */
  silenced: boolean;
}

/** Server states in which a server is down on purpose: its alerts resolve and checks are ignored. */
const STOPPED_STATES: ReadonlySet<ServerState> = new Set(["stopped", "stopping"]);

/** Read once, by the aggregator, the evaluator and start(), so a change waits for a restart. */
const RESTART_FIELDS = ["enabled", "group_by", "group_wait", "group_interval", "max_notifications_per_minute", "flapping"] as const;

const MAX_LISTED_CHANGES = 10;
const PRUNE_EVERY_MS = 6 * 3600 * 1000;
const DAY_MS = 86_400_000;
/** The longest the silence timer waits before looking again (timers cannot wait past 24.8 days). */
const SILENCE_CHECK_MAX_MS = DAY_MS;

/** The first few lines of a long list of reasons, and how many more there are. */
function firstFew(lines: string[]): string[] {
  return lines.length > MAX_LISTED_CHANGES ? [...lines.slice(0, MAX_LISTED_CHANGES), `and ${lines.length - MAX_LISTED_CHANGES} more`] : lines;
}

/** The view of an alert of `rule` on `serverId` that started firing at `at`. */
function firingView(alertId: string, rule: AlertRule, serverId: string, at: number, summary: string, labels: Record<string, string>): AlertView {
  return {
    alert_id: alertId,
    rule_id: rule.id,
    rule_name: rule.name,
    server_id: serverId,
    severity: rule.severity,
    state: "firing",
    summary,
    labels,
    started_at: at,
    resolved_at: null,
    repeat: false,
  };
}

export function createAlertService(options: AlertServiceOptions): AlertService {
  return new DefaultAlertService(options);
}

class DefaultAlertService implements AlertService {
  private config: AlertsConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly callbacks = new Set<AlertCallback>();
  private readonly outbox: NotificationOutbox;
  private channels: { built: BuiltChannel; queue: ChannelQueue }[];
  /** Channels replaced by a reload, sending what they hold before they close. */
  private retiring: Promise<void> = Promise.resolve();
  private readonly rules: RuleBook;
  private readonly silences: SilenceBook;
  private silenceTimer: TimerHandle | undefined;
  private readonly evaluator: AlertEvaluator;
  private readonly aggregator: NotificationAggregator;
  private readonly active = new Map<string, FiringAlert>();
  private readonly serverStates = new Map<string, ServerState>();
  private readonly lastCapabilityChange = new Map<string, number>();
  private subscriptions: Unsubscribe[] = [];
  private writes: Promise<void> = Promise.resolve();
  private pruneTimer: TimerHandle | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  /** Set synchronously as stop() begins, before `stopping` is assigned. */
  private closing = false;

  constructor(private readonly options: AlertServiceOptions) {
    this.config = options.config ?? AlertsConfigSchema.parse({});
    this.clock = options.clock;
    this.logger = options.logger.child({ module: "alerts" });
    this.outbox = new NotificationOutbox({
      repository: options.store.alertOutbox,
      clock: this.clock,
      logger: this.logger,
      settings: outboxSettings(this.config.outbox),
      onRedelivered: (channelId, notification, at) => {
        const current = this.channels.find(({ built }) => built.channel.id === channelId);
        if (current) this.notified(current.built, notification, at);
      },
    });
    this.channels = this.buildChannelSet(this.config.channels);
    for (const { built } of this.channels) if (built.durable) this.outbox.attach(built.channel);
    this.rules = new RuleBook(options.store.alertRules, this.logger);
    this.rules.setConfig(this.config);
    this.silences = new SilenceBook(options.store.alertSilences, this.logger);
    this.evaluator = new AlertEvaluator({
      clock: this.clock,
      flapping: {
        window_ms: this.config.flapping.window * 1000,
        fires: this.config.flapping.fires,
        stable_for_ms: this.config.flapping.stable_for * 1000,
      },
      categoryOf: options.categoryOf ?? (() => null),
      newId,
      onTransition: (transition) => this.onTransition(transition),
    });
    this.aggregator = new NotificationAggregator({
      clock: this.clock,
      groupBy: this.config.group_by,
      groupWaitMs: this.config.group_wait * 1000,
      groupIntervalMs: this.config.group_interval * 1000,
      maxPerMinute: this.config.max_notifications_per_minute,
      newId,
      deliver: (notification) => this.deliverGrouped(notification),
    });
  }

  /** Throws CONFIG_INVALID for a channel that cannot be built (a missing secret, ...). */
  private buildChannelSet(entries: AlertsConfig["channels"]): { built: BuiltChannel; queue: ChannelQueue }[] {
    const all = [...entries];
    // onAlert works whatever the config says; an entry of type callback only tunes it.
    if (!all.some((entry) => entry.type === "callback")) all.push({ type: "callback", enabled: true, min_severity: "info" });
    const built = buildChannels(all, this.options.registry ?? new ChannelRegistry(), {
      clock: this.clock,
      logger: this.logger,
      bus: this.options.bus,
      environment: this.options.environment ?? process.env,
      callbacks: this.callbacks,
    });
    const capacity = this.options.queueCapacity ?? DEFAULT_QUEUE_CAPACITY;
    return built.map((item) => ({
      built: item,
      queue: new ChannelQueue(item.channel, {
        logger: this.logger,
        outbox: this.outbox,
        durable: item.durable,
        capacity,
        onDelivered: (notification) => this.notified(item, notification, notification.at),
      }),
    }));
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.rules.load();
    await this.silences.load();
    this.evaluator.setRules(this.rules.effective());
    await this.restoreFiring();
    this.scheduleSilenceCheck();
    await this.prune();
    await this.outbox.start();
    if (!this.config.enabled) {
      this.logger.info("alerts are disabled in the config file; rules are kept but not evaluated");
      return;
    }
    const { bus } = this.options;
    this.subscriptions = [
      bus.subscribe("health_update", (event) => this.guard(event.type, () => this.onHealth(event))),
      bus.subscribe("capabilities_changed", (event) => this.guard(event.type, () => this.onCapabilities(event))),
      bus.subscribe("server_status", (event) => this.guard(event.type, () => this.onServerStatus(event))),
      bus.subscribe("storage_fault", (event) => this.guard(event.type, () => this.onStorageFault(event))),
      bus.subscribe("config_rejected", (event) => this.guard(event.type, () => this.onConfigRejected(event))),
      bus.subscribe("config_reloaded", (event) =>
        this.guard(event.type, () => this.evaluator.observe(CONFIG_SUBJECT, { config_rejected: 0 }, this.clock.now())),
      ),
      bus.subscribe("server_removed", (event) =>
        this.guard(event.type, () => {
          this.evaluator.forgetServer(event.server_id, "server removed");
          this.serverStates.delete(event.server_id);
          this.lastCapabilityChange.delete(event.server_id);
        }),
      ),
    ];
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.closing = true;
      for (const unsubscribe of this.subscriptions) unsubscribe();
      this.subscriptions = [];
      this.clock.clearTimeout(this.pruneTimer);
      this.clock.clearTimeout(this.silenceTimer);
      this.evaluator.close();
      for (const alert of this.active.values()) this.clock.clearTimeout(alert.repeatTimer);
      // What is waiting for its group goes out now rather than never.
      this.aggregator.flush();
      this.aggregator.close();
      await this.writes;
      const redelivery = this.outbox.stop();
      await this.withinGrace(Promise.all(this.channels.map(({ queue }) => queue.idle())));
      await Promise.all(this.channels.map(({ queue }) => queue.close()));
      await this.retiring;
      await redelivery;
      await this.writes;
    })();
    return this.stopping;
  }

  onAlert(callback: AlertCallback): () => void {
    this.callbacks.add(callback);
    return () => {
      this.callbacks.delete(callback);
    };
  }

  async listAlerts(query: AlertListQuery = {}): Promise<AlertListing[]> {
    await this.writes;
    const records = await this.options.store.alerts.list({
      state: query.state === "all" ? undefined : query.state,
      server_id: query.server_id,
      limit: query.limit ?? 100,
    });
    return records.map((record) => this.listing(record));
  }

  async getAlert(id: string): Promise<AlertListing> {
    await this.writes;
    const record = await this.options.store.alerts.get(id);
    if (!record) throw new AppError("ALERT_NOT_FOUND", `No alert has the id "${id}".`);
    return this.listing(record);
  }

  async ack(id: string, by: string): Promise<AlertListing> {
    await this.writes;
    const record = await this.options.store.alerts.ack(id, this.clock.now(), by);
    if (!record) throw new AppError("ALERT_NOT_FOUND", `No alert has the id "${id}".`);
    const active = this.active.get(id);
    if (active) {
      active.acked = true;
      this.clock.clearTimeout(active.repeatTimer);
      active.repeatTimer = undefined;
    }
    return this.listing(record);
  }

  /** A firing alert with the silence holding it now; a resolved one is silenced by nothing. */
  private listing(record: AlertRecord): AlertListing {
    return { ...record, silenced_by: record.state === "firing" ? this.silences.silencing(record, this.clock.now()) : null };
  }

  firing(): AlertView[] {
    return [...this.active.values()].map((alert) => alert.view);
  }

  listRules(): RuleView[] {
    return this.rules.list();
  }

  getRule(id: string): RuleView {
    return this.rules.get(id);
  }

  async createRule(input: unknown): Promise<RuleView> {
    const view = await this.rules.create(input, this.clock.now(), newId);
    this.evaluator.setRules(this.rules.effective());
    this.logger.info({ rule_id: view.id }, "alert rule created");
    return view;
  }

  async updateRule(id: string, patch: unknown): Promise<RuleView> {
    const view = await this.rules.update(id, patch, this.clock.now());
    this.evaluator.setRules(this.rules.effective());
    this.logger.info({ rule_id: id }, "alert rule changed");
    return view;
  }

  async deleteRule(id: string): Promise<void> {
    await this.rules.remove(id);
    this.evaluator.setRules(this.rules.effective());
    this.logger.info({ rule_id: id }, "alert rule deleted");
  }

  listSilences(state: SilenceListState = "all"): SilenceView[] {
    return this.silences.list(state, this.clock.now());
  }

  async createSilence(input: unknown, by: string): Promise<SilenceView> {
    const view = await this.silences.create(input, { at: this.clock.now(), by, newId });
    this.logger.info({ silence_id: view.id, matchers: view.matchers, state: view.state }, "alert silence created");
    this.silencesChanged();
    return view;
  }

  async expireSilence(id: string): Promise<SilenceView> {
    const view = await this.silences.expire(id, this.clock.now());
    this.logger.info({ silence_id: id }, "alert silence expired");
    this.silencesChanged();
    return view;
  }

  applyConfig(config: AlertsConfig | undefined): string[] {
    const next = config ?? AlertsConfigSchema.parse({});
    this.rules.setConfig(next);
    this.evaluator.setRules(this.rules.effective());
    this.outbox.configure(outboxSettings(next.outbox));
    if (!isDeepStrictEqual(next.channels, this.config.channels) && !this.closing) this.replaceChannels(next.channels);
    const restart = RESTART_FIELDS.filter((field) => !isDeepStrictEqual(next[field], this.config[field]));
    this.config = {
      ...this.config,
      default_rules: next.default_rules,
      rules: next.rules,
      repeat_interval: next.repeat_interval,
      history_retention_days: next.history_retention_days,
      outbox: next.outbox,
    };
    return restart.map((field) => `alerts.${field}`);
  }

  /** New channels take the next notification; the old ones send what they hold, then close. */
  private replaceChannels(entries: AlertsConfig["channels"]): void {
    let next: { built: BuiltChannel; queue: ChannelQueue }[];
    try {
      next = this.buildChannelSet(entries);
    } catch (error) {
      this.logger.error({ err: errorMessage(error) }, "alert channels in the reloaded config cannot be built; keeping the current ones");
      return;
    }
    const old = this.channels;
    this.channels = next;
    for (const { built } of old) if (built.durable) this.outbox.detach(built.channel);
    for (const { built } of next) if (built.durable) this.outbox.attach(built.channel);
    this.config = { ...this.config, channels: entries };
    this.logger.info({ channels: next.map(({ built }) => built.type) }, "alert channels replaced");
    this.retiring = Promise.all([
      this.retiring,
      this.withinGrace(Promise.all(old.map(({ queue }) => queue.idle()))).then(() => Promise.all(old.map(({ queue }) => queue.close()))),
    ]).then(() => undefined);
  }

  async idle(): Promise<void> {
    await this.writes;
    await Promise.all(this.channels.map(({ queue }) => queue.idle()));
    await this.writes;
  }

  async channelStates(): Promise<ChannelStateView[]> {
    const built = this.channels.map((item) => item.built);
    const stats = await this.outbox.stats(built.map((item) => item.channel.id));
    return stats.flatMap(({ channel_id: _id, ...counts }, index) => {
      const channel = built[index];
      if (!channel) return [];
      const lastFailed = counts.last_failure_at !== null && (counts.last_success_at === null || counts.last_failure_at > counts.last_success_at);
      return [
        {
          id: channel.channel.id,
          type: channel.type,
          delivery: channel.delivery,
          durable: channel.durable,
          state: counts.pending > 0 || lastFailed ? "failing" : "ok",
          ...counts,
        },
      ];
    });
  }

  // --- events -> observations ---

  private guard(type: string, handle: () => void): void {
    try {
      handle();
    } catch (error) {
      this.logger.error({ err: error, event_type: type }, "alert evaluation failed");
    }
  }

  private onHealth(event: HealthUpdateEvent): void {
    // Stopped on purpose is not an outage: known from the last status change, or from the check
    // itself for a disabled or never-started server, which publishes no status change at all.
    const state = this.serverStates.get(event.server_id) ?? event.state;
    if (STOPPED_STATES.has(state) || STOPPED_STATES.has(event.state)) return;
    const { metrics } = event;
    const observation: Observation = {
      status: event.status,
      response_time_ms: metrics.response_time_ms,
      cpu_percent: metrics.cpu_percent,
      memory_mb: metrics.memory_mb,
      error_rate: metrics.error_rate,
      consecutive_failures: metrics.consecutive_failures,
    };
    // A check that found no capability change counts towards resolving a capabilities alert,
    // unless it is the very check that reported the change.
    const changedAt = this.lastCapabilityChange.get(event.server_id);
    if (changedAt === undefined || event.at > changedAt) observation.capabilities_changed = 0;
    observation.server_state = state;
    this.evaluator.observe(event.server_id, observation, this.clock.now(), event.reasons);
  }

  private onCapabilities(event: CapabilitiesChangedEvent): void {
    this.lastCapabilityChange.set(event.server_id, event.at);
    const reasons = [
      ...event.added.map((item) => `${item.kind} ${item.name} added`),
      ...event.removed.map((item) => `${item.kind} ${item.name} removed`),
      ...event.changed.map((item) => `${item.kind} ${item.name}: ${item.fields.join(", ")} changed`),
    ];
    const count = event.added.length + event.removed.length + event.changed.length;
    this.evaluator.observe(event.server_id, { capabilities_changed: count }, this.clock.now(), firstFew(reasons));
  }

  private onConfigRejected(event: ConfigRejectedEvent): void {
    this.evaluator.observe(CONFIG_SUBJECT, { config_rejected: 1 }, this.clock.now(), firstFew(event.problems));
  }

  private onServerStatus(event: ServerStatusEvent): void {
    this.serverStates.set(event.server_id, event.state);
    if (event.state === "stopped") {
      this.evaluator.forgetServer(event.server_id, "server stopped");
      return;
    }
    if (event.state === "stopping") return;
    this.evaluator.observe(event.server_id, { server_state: event.state }, this.clock.now(), event.reason ? [event.reason] : []);
  }

  private onStorageFault(event: StorageFaultEvent): void {
    const reasons = event.reason === null ? [] : [`${event.reason} (${event.path ?? "the data directory"})`];
    this.evaluator.observe(DAEMON_SUBJECT, { storage_full: event.state === "full" ? 1 : 0 }, this.clock.now(), reasons);
  }

  // --- transitions -> store and channels ---

  private onTransition(transition: EvaluatorTransition): void {
    switch (transition.kind) {
      case "fired":
        this.fired(transition.rule, transition.server_id, transition.alert_id, transition.at, transition.value, transition.reasons);
        return;
      case "resolved":
        this.resolved(transition.alert_id, transition.rule, transition.server_id, transition.at, transition.resolution);
        return;
      case "flapping": {
        const active = this.active.get(transition.alert_id);
        if (!active) return;
        active.view = { ...active.view, labels: { ...active.view.labels, flapping: "true" } };
        const labels = active.view.labels;
        this.write(() => this.options.store.alerts.updateLabels(transition.alert_id, labels));
        this.logger.info({ alert_id: transition.alert_id, rule_id: transition.rule.id, server_id: transition.server_id }, "alert is flapping; held firing until stable");
      }
    }
  }

  private fired(rule: AlertRule, serverId: string, alertId: string, at: number, value: MetricValue | undefined, reasons: string[]): void {
    const category = this.options.categoryOf?.(serverId) ?? null;
    const labels: Record<string, string> = {
      rule_name: rule.name,
      metric: rule.metric,
      comparison: rule.comparison,
      threshold: String(rule.threshold),
      ...(value === undefined || value === null ? {} : { value: String(value) }),
      ...(category ? { category } : {}),
      ...(reasons.length > 0 ? { reasons: reasons.join("; ") } : {}),
    };
    const condition = describeCondition(rule, value);
    const summary = `${rule.name} on ${serverId}: ${condition}${reasons.length > 0 ? ` (${reasons.join("; ")})` : ""}`;
    const view = firingView(alertId, rule, serverId, at, summary, labels);
    this.active.set(alertId, { view, acked: false, repeatTimer: undefined, silenced: false });
    this.write(() =>
      this.options.store.alerts.insert({
        id: alertId,
        rule_id: rule.id,
        server_id: serverId,
        state: "firing",
        severity: rule.severity,
        summary: view.summary,
        started_at: at,
        resolved_at: null,
        acked_at: null,
        acked_by: null,
        last_notified_at: null,
        labels,
      }),
    );
    this.logger.info({ alert_id: alertId, rule_id: rule.id, server_id: serverId, severity: rule.severity }, "alert firing");
    this.publish(view, at);
  }

  private resolved(alertId: string, rule: AlertRule, serverId: string, at: number, resolution: string): void {
    const active = this.active.get(alertId);
    this.active.delete(alertId);
    if (active) this.clock.clearTimeout(active.repeatTimer);
    const base = active?.view ?? firingView(alertId, rule, serverId, at, `${rule.name} on ${serverId}`, { rule_name: rule.name });
    const { flapping: _flapping, ...labels } = base.labels;
    labels.resolution = resolution;
    const view: AlertView = { ...base, state: "resolved", resolved_at: at, labels, repeat: false };
    this.write(() => this.options.store.alerts.resolve(alertId, at, labels));
    this.logger.info({ alert_id: alertId, rule_id: rule.id, server_id: serverId, resolution }, "alert resolved");
    this.publish(view, at);
  }

  /**
   * The one silence check on the way to channels: whether a silence holds the alert back now. A
   * firing alert held back is marked, so that it is notified once no silence holds it.
   */
  private silenced(view: AlertView, at: number): boolean {
    const silence = this.silences.silencing(view, at);
    if (silence === null) return false;
    const active = this.active.get(view.alert_id);
    if (active && view.state === "firing") active.silenced = true;
    this.logger.debug({ alert_id: view.alert_id, silence_id: silence, state: view.state }, "alert notification held back by a silence");
    return true;
  }

  /** Immediate channels get the change now; grouped ones through the aggregator. */
  private publish(view: AlertView, at: number): void {
    if (!this.silenced(view, at)) this.publishNow(view, at);
    if (this.channels.some(({ built }) => built.delivery === "grouped")) this.aggregator.add(view);
  }

  private publishNow(view: AlertView, at: number): void {
    for (const { built, queue } of this.channels) {
      if (built.delivery !== "immediate" || !severityAtLeast(view.severity, built.min_severity)) continue;
      queue.push({
        id: newId(),
        group: `alert:${view.alert_id}`,
        state: view.state,
        severity: view.severity,
        summary: summarize(`alert:${view.alert_id}`, [view]),
        alerts: [view],
        at,
      });
    }
  }

  private deliverGrouped(notification: AlertNotification): void {
    const heard = notification.alerts.filter((alert) => !this.silenced(alert, notification.at));
    for (const { built, queue } of this.channels) {
      if (built.delivery !== "grouped") continue;
      const alerts = heard.filter((alert) => severityAtLeast(alert.severity, built.min_severity));
      if (alerts.length === 0) continue;
      queue.push(
        alerts.length === notification.alerts.length
          ? notification
          : {
              ...notification,
              alerts,
              severity: highestSeverity(alerts),
              state: alerts.some((alert) => alert.state === "firing") ? "firing" : "resolved",
              summary: summarize(notification.group, alerts),
            },
      );
    }
    for (const alert of notification.alerts) {
      const active = this.active.get(alert.alert_id);
      if (active && !active.acked) this.scheduleRepeat(active, this.config.repeat_interval * 1000);
    }
  }

  /** A grouped notification that reached someone marks its alerts notified; one that failed everywhere does not. */
  private notified(built: BuiltChannel, notification: AlertNotification, at: number): void {
    if (built.delivery !== "grouped") return;
    const ids = notification.alerts.map((alert) => alert.alert_id);
    this.write(() => this.options.store.alerts.markNotified(ids, at));
  }

  /**
   * After a silence is created or expired, or one starts or stops holding: firing alerts held
   * back that no silence holds any more are notified now (unless acknowledged meanwhile).
   */
  private silencesChanged(): void {
    if (this.closing) return;
    const now = this.clock.now();
    for (const active of this.active.values()) {
      if (!active.silenced || this.silences.silencing(active.view, now) !== null) continue;
      active.silenced = false;
      if (active.acked) continue;
      this.logger.info({ alert_id: active.view.alert_id }, "alert no longer silenced and still firing; notifying");
      this.publish(active.view, now);
    }
    this.scheduleSilenceCheck();
  }

  private scheduleSilenceCheck(): void {
    this.clock.clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
    if (this.closing) return;
    const now = this.clock.now();
    const next = this.silences.nextChange(now);
    if (next === null) return;
    this.silenceTimer = this.clock.setTimeout(() => {
      this.silenceTimer = undefined;
      this.silencesChanged();
    }, Math.min(next - now, SILENCE_CHECK_MAX_MS));
  }

  private scheduleRepeat(active: FiringAlert, delayMs: number): void {
    this.clock.clearTimeout(active.repeatTimer);
    // stop() flushes the groups waiting to go out, which lands here: nothing repeats after it.
    if (this.closing) return;
    active.repeatTimer = this.clock.setTimeout(() => {
      active.repeatTimer = undefined;
      if (this.active.get(active.view.alert_id) !== active || active.acked) return;
      this.aggregator.add({ ...active.view, repeat: true });
    }, delayMs);
  }

  // --- startup and housekeeping ---

  /** Alerts left firing by the last run carry on, or resolve when their rule is gone. */
  private async restoreFiring(): Promise<void> {
    const now = this.clock.now();
    const firing = await this.options.store.alerts.list({ state: "firing", limit: 1_000_000 });
    for (const record of firing) {
      // Nothing would ever observe a server that is gone, so its alert could never resolve; a
      // daemon that starts has loaded its config file, so a rejection is over.
      const resolution =
        record.server_id === CONFIG_SUBJECT
          ? "recovered"
          : isServerSubject(record.server_id) && this.options.serverExists?.(record.server_id) === false
          ? "server removed"
          : this.evaluator.restore({ alert_id: record.id, rule_id: record.rule_id, server_id: record.server_id, started_at: record.started_at })
            ? undefined
            : "rule removed";
      if (resolution) {
        await this.options.store.alerts.resolve(record.id, now, { ...record.labels, resolution });
        continue;
      }
      const view: AlertView = {
        alert_id: record.id,
        rule_id: record.rule_id,
        rule_name: record.labels.rule_name ?? record.rule_id,
        server_id: record.server_id,
        severity: record.severity,
        state: "firing",
        summary: record.summary,
        labels: record.labels,
        started_at: record.started_at,
        resolved_at: null,
        repeat: false,
      };
      // Never notified and held by a silence now: notified when the silence ends, as if held back in this run.
      const acked = record.acked_at !== null;
      const silenced = !acked && record.last_notified_at === null && this.silences.silencing(view, now) !== null;
      const active: FiringAlert = { view, acked, repeatTimer: undefined, silenced };
      this.active.set(record.id, active);
      if (record.last_notified_at !== null && !active.acked) {
        this.scheduleRepeat(active, Math.max(0, record.last_notified_at + this.config.repeat_interval * 1000 - now));
      }
    }
    if (firing.length > 0) this.logger.info({ restored: this.active.size, of: firing.length }, "took back alerts firing at the last shutdown");
  }

  private async prune(): Promise<void> {
    const cutoff = this.clock.now() - this.config.history_retention_days * DAY_MS;
    try {
      const removed = await this.options.store.alerts.pruneResolvedBefore(cutoff);
      if (removed > 0) this.logger.info({ removed }, "pruned old resolved alerts");
      await this.outbox.expire();
      const finished = await this.options.store.alertOutbox.pruneFinishedBefore(cutoff);
      if (finished > 0) this.logger.info({ removed: finished }, "pruned old delivered, expired and dropped outbox notifications");
      const silences = await this.silences.pruneEndedBefore(cutoff);
      if (silences > 0) this.logger.info({ removed: silences }, "pruned old ended alert silences");
    } catch (error) {
      this.logger.warn({ err: errorMessage(error) }, "pruning resolved alerts failed");
    }
    if (!this.stopping) this.pruneTimer = this.clock.setTimeout(() => void this.prune(), PRUNE_EVERY_MS);
  }

  /** Store writes in order, off the evaluator's path; a failure is logged, never thrown at it. */
  private write(operation: () => Promise<unknown>): void {
    this.writes = this.writes.then(operation).then(
      () => undefined,
      (error: unknown) => this.logger.error({ err: error }, "storing an alert change failed"),
    );
  }

  /** Waits for the work, but no longer than the shutdown grace (wall-clock: shutdown is real time). */
  private async withinGrace(work: Promise<unknown>): Promise<void> {
    let timer: TimerHandle | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = systemClock.setTimeout(resolve, this.options.shutdownGraceMs ?? 2000);
    });
    await Promise.race([work, grace]);
    systemClock.clearTimeout(timer);
  }
}
