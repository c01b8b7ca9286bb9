/**
 * `pygent alerts silences list|add|expire`: silences and maintenance windows over the daemon's
 * API. A matcher is `KEY=VALUE` with KEY server (server_id), rule (rule_id) or severity; a value
 * with `*` or `?` is a glob. The time is `--duration`, or `--start`/`--end` as ISO 8601 instants;
 * `--window "sat,sun 02:00 2h"` makes it a recurring maintenance window.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { MaintenanceWindow, SilenceMatcher, SilenceMatcherName, SilenceView } from "../../alerts/index.js";
// The leaf, not the domain's index: a command loads only what it uses (the index is the alert service).
import { SILENCE_MATCHER_NAMES } from "../../alerts/silence-matcher-names.js";
import { clientFor, examples, printJson, withDaemonOptions, type CliContext } from "../cli-context.js";
import { parseDuration } from "../option-parsers.js";
import { formatTable } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

const KEY_ALIASES: Record<string, SilenceMatcherName> = { server: "server_id", rule: "rule_id" };

/** `server=web-*` into a matcher; the key is checked here, the value by the daemon. */
function collectMatcher(value: string, previous: SilenceMatcher[] | undefined): SilenceMatcher[] {
  const at = value.indexOf("=");
  const key = at > 0 ? value.slice(0, at) : "";
  const name = KEY_ALIASES[key] ?? (SILENCE_MATCHER_NAMES as readonly string[]).find((each) => each === key);
  if (name === undefined) throw new InvalidArgumentError(`expected KEY=VALUE with KEY server, rule or severity, got "${value}"`);
  const matched = value.slice(at + 1);
  return [...(previous ?? []), { name: name as SilenceMatcherName, value: matched, glob: /[*?]/.test(matched) }];
}

/** `sat,sun 02:00 2h` into the window's days, start and duration; the daemon checks each part and the zone. */
function parseWindow(value: string): Omit<MaintenanceWindow, "time_zone"> {
  const [days, start, duration, ...rest] = value.trim().split(/\s+/);
  if (!days || !start || !duration || rest.length > 0) {
    throw new InvalidArgumentError('expected "DAYS HH:MM DURATION", e.g. "sat,sun 02:00 2h"');
  }
  return { days: days.toLowerCase().split(",") as MaintenanceWindow["days"], start, duration: parseDuration(duration) };
}

function matchersText(silence: SilenceView): string {
  return silence.matchers.map((matcher) => `${matcher.name}${matcher.glob ? "~" : "="}${matcher.value}`).join(", ");
}

function whenText(silence: SilenceView): string {
  const stretch = `${silence.starts_at} → ${silence.ends_at ?? "no end"}`;
  const window = silence.window;
  if (!window) return stretch;
  return `${window.days.join(",")} ${window.start} for ${window.duration / 60} min (${window.time_zone}); ${stretch}`;
}

interface AddOptions {
  matcher: SilenceMatcher[];
  duration?: number;
  start?: string;
  end?: string;
  window?: Omit<MaintenanceWindow, "time_zone">;
  timeZone?: string;
  comment: string;
  json?: boolean;
}

export function registerAlertsCommand(program: Command, ctx: CliContext): void {
  const alerts = program.command("alerts").description("alert silences and maintenance windows");
  const silences = alerts
    .command("silences")
    .description("silence alerts: they are still recorded, but no channel is notified while the silence holds");

  const list = silences
    .command("list")
    .description("list silences, newest first")
    .addOption(new Option("--state <state>", "only silences in this state").choices(["active", "pending", "expired", "all"]).default("all"))
    .option("--json", "print JSON");
  withDaemonOptions(list)
    .addHelpText("after", examples("pygent alerts silences list", "pygent alerts silences list --state active --json"))
    .action(async (options: { state: string; json?: boolean }, cmd: Command) => {
      const body = await clientFor(cmd, ctx).get<{ silences: SilenceView[] }>("/api/v1/alerts/silences", { state: options.state });
      if (options.json) return printJson(ctx.io, body.silences);
      if (body.silences.length === 0) {
        ctx.io.out("No silences. Add one with: pygent alerts silences add --matcher server=<id> --duration 2h --comment \"why\"");
        return;
      }
      ctx.io.out(
        formatTable(body.silences, [
          { header: "id", value: (silence) => silence.id },
          { header: "state", value: (silence) => silence.state },
          { header: "matchers", value: matchersText, max: 40 },
          { header: "when", value: whenText, max: 70 },
          { header: "by", value: (silence) => silence.created_by },
          { header: "comment", value: (silence) => silence.comment, max: 40 },
        ]),
      );
    });

  const add = silences
    .command("add")
    .description("silence the alerts every matcher fits, for a duration or from --start to --end (operator)")
    .requiredOption("--matcher <key=value>", "server=<id>, rule=<id> or severity=<level>; * and ? make a glob; repeatable", collectMatcher)
    .option("--duration <duration>", "how long from now (or from --start): a number with s, m, h or d", parseDuration)
    .option("--start <instant>", "when it starts, ISO 8601 with a zone (default now)")
    .option("--end <instant>", "when it ends, ISO 8601 with a zone")
    .option("--window <spec>", 'a recurring maintenance window: "DAYS HH:MM DURATION", days as sun,mon,...,sat (e.g. "sat,sun 02:00 2h")', parseWindow)
    .option("--time-zone <zone>", "the window's zone: UTC or an IANA name such as Europe/Berlin", "UTC")
    .requiredOption("--comment <text>", "why, e.g. the maintenance being done")
    .option("--json", "print the silence as JSON");
  withDaemonOptions(add)
    .addHelpText(
      "after",
      examples(
        'pygent alerts silences add --matcher server=web --duration 2h --comment "kernel upgrade"',
        'pygent alerts silences add --matcher server=web-* --matcher severity=warning --start 2026-12-05T22:00:00Z --end 2026-12-06T02:00:00Z --comment "db migration"',
        'pygent alerts silences add --matcher rule=server-offline --window "sat,sun 02:00 2h" --time-zone Europe/Berlin --comment "nightly backup"',
      ),
    )
    .action(async (options: AddOptions, cmd: Command) => {
      const silence = await clientFor(cmd, ctx).post<SilenceView>("/api/v1/alerts/silences", {
        matchers: options.matcher,
        comment: options.comment,
        ...(options.duration !== undefined ? { duration: options.duration } : {}),
        ...(options.start !== undefined ? { starts_at: options.start } : {}),
        ...(options.end !== undefined ? { ends_at: options.end } : {}),
        ...(options.window !== undefined ? { window: { ...options.window, time_zone: options.timeZone ?? "UTC" } } : {}),
      });
      if (options.json) return printJson(ctx.io, silence);
      ctx.io.out(terminalSafe(`Silenced ${matchersText(silence)} (${silence.state}) until ${silence.ends_at ?? "further notice"}: id ${silence.id}`));
    });

  const expire = silences
    .command("expire")
    .description("end a silence now; alerts it held back that still fire are notified (operator)")
    .argument("<id>", "the silence's id (see pygent alerts silences list)")
    .option("--json", "print the silence as JSON");
  withDaemonOptions(expire)
    .addHelpText("after", examples("pygent alerts silences expire 3f2c..."))
    .action(async (id: string, options: { json?: boolean }, cmd: Command) => {
      const silence = await clientFor(cmd, ctx).delete<SilenceView>(`/api/v1/alerts/silences/${encodeURIComponent(id)}`);
      if (options.json) return printJson(ctx.io, silence);
      ctx.io.out(terminalSafe(`Expired silence ${silence.id} (${matchersText(silence)}).`));
    });
}
