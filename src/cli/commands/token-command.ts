/**
 * `pygent token ...`: API tokens, written straight to the store in the data directory rather
 * than through the API — the first token has to come from somewhere before any token exists,
 * and whoever can read the data directory owns the daemon anyway. SQLite's WAL lets this run
 * while the daemon is up; the daemon sees a new token on its next request.
 */
import { Option, type Command } from "commander";
import { EXIT_FAILURE, examples, printJson, type CliContext } from "../cli-context.js";
import { withLocalStore } from "../local-store.js";
import { parseDuration } from "../option-parsers.js";
import { formatInstant, formatTable } from "../table.js";
import type { TokenService } from "../../api/auth/token-service.js";
import type { TokenRole } from "../../store/index.js";

const DATA_DIR_HELP = "the daemon's data directory (its database holds the tokens)";

export function registerTokenCommand(program: Command, ctx: CliContext): void {
  const token = program
    .command("token")
    .description("create, list and revoke API tokens (needs access to the data directory, not the daemon)")
    .addHelpText(
      "after",
      examples("pygent token create --role operator --name ci", "pygent token list", "pygent token revoke 3f2c...") +
        "\nThe first token turns auth on: from then on every API request needs one, until `pygent auth off`.\n" +
        "If every admin token has expired, `pygent token create --role admin` here issues a new one; the daemon need not run.\n",
    );

  token
    .command("create")
    .description("issue a token; it is printed once and only its hash is stored")
    .addOption(new Option("--role <role>", "viewer: read; operator: also start/stop/call; admin: everything").choices(["viewer", "operator", "admin"]).makeOptionMandatory())
    .option("--name <name>", "what the token is for (default: <role>-<date>)")
    .option("--expires-in <duration>", "refuse the token after this long: a number with s, m, h or d (30d); default never", parseDuration)
    .option("--data-dir <dir>", DATA_DIR_HELP, "./data")
    .option("-q, --quiet", "print only the token (for scripts)")
    .addHelpText(
      "after",
      examples(
        "pygent token create --role admin --name me",
        "pygent token create --role viewer --name dashboard --expires-in 30d",
        "export PYGENT_TOKEN=$(pygent token create --role operator --name ci --quiet)",
      ),
    )
    .action(async (options: { role: TokenRole; name?: string; expiresIn?: number; dataDir: string; quiet?: boolean }) => {
      const name = options.name ?? `${options.role}-${new Date().toISOString().slice(0, 10)}`;
      const expiresAt = options.expiresIn === undefined ? undefined : Date.now() + options.expiresIn * 1000;
      const created = await withTokenService(options.dataDir, (service) => service.create(name, options.role, undefined, expiresAt));
      const { io } = ctx;
      if (options.quiet) {
        io.out(created.token);
        return;
      }
      const expiry = created.expires_at === null ? "" : `, expires ${formatInstant(created.expires_at)}`;
      io.out(`Created ${options.role} token "${name}" (id ${created.id}${expiry}):`);
      io.out("");
      io.out(`  ${created.token}`);
      io.out("");
      io.out("It is shown only this once; store it now. Use it with --token or PYGENT_TOKEN.");
    });

  token
    .command("list")
    .alias("ls")
    .description("list tokens (never their secrets)")
    .option("--data-dir <dir>", DATA_DIR_HELP, "./data")
    .option("--json", "print JSON")
    .addHelpText("after", examples("pygent token list", "pygent token list --data-dir /var/lib/pygent --json"))
    .action(async (options: { dataDir: string; json?: boolean }) => {
      const tokens = await withTokenService(options.dataDir, (service) => service.list());
      if (options.json) return printJson(ctx.io, { tokens });
      if (tokens.length === 0) {
        ctx.io.out("No tokens. Create one with `pygent token create --role admin`; `pygent auth status` says whether the API asks for one.");
        return;
      }
      ctx.io.out(
        formatTable(tokens, [
          { header: "id", value: (t) => t.id },
          { header: "name", value: (t) => t.name, max: 40 },
          { header: "role", value: (t) => t.role },
          { header: "created", value: (t) => formatInstant(t.created_at) },
          { header: "last used", value: (t) => formatInstant(t.last_used_at) },
          { header: "expires", value: (t) => (t.expired ? `${formatInstant(t.expires_at)} (expired)` : formatInstant(t.expires_at)) },
          { header: "revoked", value: (t) => formatInstant(t.revoked_at) },
        ]),
      );
    });

  token
    .command("revoke")
    .description("revoke a token at once; requests carrying it are refused from then on")
    .argument("<id>", "token id, from `pygent token list`")
    .option("--data-dir <dir>", DATA_DIR_HELP, "./data")
    .addHelpText("after", examples("pygent token revoke 0b6f8d2e-5c1a-4a57-9f55-3f0d7c6f9a10"))
    .action(async (id: string, options: { dataDir: string }) => {
      const revoked = await withTokenService(options.dataDir, (service) => service.revoke(id));
      if (revoked) {
        ctx.io.out(`Revoked token ${id}`);
      } else {
        ctx.io.err(`error: no active token has the id ${id}`);
        ctx.exitCode = EXIT_FAILURE;
      }
    });
}

async function withTokenService<T>(dataDir: string, use: (service: TokenService) => Promise<T>): Promise<T> {
  return withLocalStore(dataDir, ({ tokens }) => use(tokens));
}
