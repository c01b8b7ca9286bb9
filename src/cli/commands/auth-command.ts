/**
 * `pygent auth status|on|off`: the auth switch, written straight to the store like `pygent token`
 * (whoever can open the data directory owns the daemon). `off` is refused while the daemon using
 * the data directory listens beyond loopback or its config requires tokens; the daemon records
 * its bind in the store when it starts, which is how this process knows.
 */
import type { Command } from "commander";
import { examples, printJson, type CliContext } from "../cli-context.js";
import { withLocalStore } from "../local-store.js";
import { formatInstant } from "../table.js";
import type { AuthStatus } from "../../api/auth/auth-state.js";

const DATA_DIR_HELP = "the daemon's data directory (its database holds the auth switch)";

const REASONS: Record<AuthStatus["reasons"][number], string> = {
  switch: "switched on (by the first token, `pygent auth on` or the daemon)",
  non_loopback_bind: "the daemon listens beyond loopback",
  config: "the config sets security.require_token_on_loopback",
};

export function registerAuthCommand(program: Command, ctx: CliContext): void {
  const auth = program
    .command("auth")
    .description("show or switch whether the API asks for tokens (needs access to the data directory, not the daemon)")
    .addHelpText(
      "after",
      examples("pygent auth status", "pygent auth off", "pygent auth on") +
        "\nAuth turns on with the first token and stays on until `pygent auth off`; it is always on while the daemon listens beyond loopback.\n",
    );

  auth
    .command("status")
    .description("whether the API asks for tokens, and why")
    .option("--data-dir <dir>", DATA_DIR_HELP, "./data")
    .option("--json", "print JSON")
    .action(async (options: { dataDir: string; json?: boolean }) => {
      const status = await withLocalStore(options.dataDir, ({ authState }) => authState.status());
      if (options.json) return printJson(ctx.io, status);
      const { io } = ctx;
      io.out(`auth: ${status.enabled ? "on" : "off"}`);
      for (const reason of status.reasons) io.out(`  - ${REASONS[reason]}`);
      const changed = formatInstant(status.switch.changed_at);
      io.out(`switch: ${status.switch.enabled ? "on" : "off"} (last set by ${status.switch.changed_by}${changed ? ` at ${changed}` : ""})`);
      io.out(status.daemon ? `daemon: pid ${status.daemon.pid} on ${status.daemon.host}:${status.daemon.port}` : "daemon: not running");
    });

  auth
    .command("on")
    .description("require a token on every API request")
    .option("--data-dir <dir>", DATA_DIR_HELP, "./data")
    .action(async (options: { dataDir: string }) => {
      const admins = await withLocalStore(options.dataDir, async ({ authState, tokens, actor }) => {
        await authState.turnOn(actor, "pygent auth on");
        return (await tokens.list()).filter((token) => token.role === "admin" && token.revoked_at === null && !token.expired).length;
      });
      ctx.io.out("Auth is on: every API request needs a token.");
      if (admins === 0) ctx.io.out("No unexpired admin token exists; create one with `pygent token create --role admin`.");
    });

  auth
    .command("off")
    .description("let API requests through without a token (refused while the daemon listens beyond loopback)")
    .option("--data-dir <dir>", DATA_DIR_HELP, "./data")
    .action(async (options: { dataDir: string }) => {
      await withLocalStore(options.dataDir, ({ authState, actor }) => authState.turnOff(actor));
      ctx.io.out("Auth is off: anyone who can reach the daemon's address can control it. Turn it back on with `pygent auth on`.");
    });
}
