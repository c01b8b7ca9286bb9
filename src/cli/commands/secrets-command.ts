/**
 * `pygent secrets ...`: the secrets the daemon stores for installed servers, read and rotated
 * straight in the data directory like `pygent token` — names only, never values. Rotation takes
 * the data-directory lock: a running daemon holds the old key in memory and would no longer
 * read what it stored.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { examples, printJson, UsageError, type CliContext } from "../cli-context.js";
import { formatTable } from "../table.js";
import { withStore } from "../local-store.js";

const DATA_DIR_HELP = "the daemon's data directory (its database holds the secrets)";

export function registerSecretsCommand(program: Command, ctx: CliContext): void {
  const secrets = program
    .command("secrets")
    .description("list stored secrets (names only) and rotate the key that encrypts them (needs the data directory, not the daemon)")
    .addHelpText(
      "after",
      examples("pygent secrets list", "pygent secrets rotate-key", "PYGENT_NEXT_KEY=$(openssl rand -base64 32) pygent secrets rotate-key --new-key-env PYGENT_NEXT_KEY") +
        "\nValues are encrypted with AES-256-GCM under PYGENT_SECRET_KEY, or data/secret.key when that is not set.\n",
    );

  secrets
    .command("list")
    .alias("ls")
    .description("the names of each server's stored secrets; never their values")
    .option("--data-dir <dir>", DATA_DIR_HELP, "./data")
    .option("--json", "print JSON")
    .addHelpText("after", examples("pygent secrets list", "pygent secrets list --data-dir /var/lib/pygent --json"))
    .action(async (options: { dataDir: string; json?: boolean }) => {
      const servers = await withStore(options.dataDir, (store) => store.secrets.listNames(), ctx.io.env);
      if (options.json) return printJson(ctx.io, { servers });
      if (servers.length === 0) {
        ctx.io.out("No stored secrets.");
        return;
      }
      ctx.io.out(
        formatTable(servers, [
          { header: "server", value: (s) => s.server_id },
          { header: "secrets", value: (s) => s.names.join(", "), max: 80 },
        ]),
      );
    });

  secrets
    .command("rotate-key")
    .description("re-encrypt every stored secret under a new key, in one transaction; stop the daemon first")
    .option("--data-dir <dir>", DATA_DIR_HELP, "./data")
    .option("--new-key-env <name>", "read the new key (32 bytes, base64 or hex) from this environment variable; required when PYGENT_SECRET_KEY is set")
    .addHelpText(
      "after",
      examples("pygent secrets rotate-key", "PYGENT_NEXT_KEY=$(openssl rand -base64 32) pygent secrets rotate-key --new-key-env PYGENT_NEXT_KEY") +
        "\nWith the key file, a new key is generated and replaces data/secret.key. With PYGENT_SECRET_KEY the key is\n" +
        "yours to keep: give the new one through --new-key-env, then set PYGENT_SECRET_KEY to it before starting the daemon.\n",
    )
    .action(async (options: { dataDir: string; newKeyEnv?: string }) => {
      const { io } = ctx;
      const [{ newSecretKey, parseSecretKey, SECRET_KEY_ENV, SECRET_KEY_FILE }, { lockDataDir }] = await Promise.all([
        import("../../store/index.js"),
        import("../../daemon/data-dir-lock.js"),
      ]);
      const fromEnvironment = Boolean(io.env[SECRET_KEY_ENV]);
      let newKey: Buffer;
      if (options.newKeyEnv !== undefined) {
        const text = io.env[options.newKeyEnv];
        if (!text) throw new UsageError(`--new-key-env: the environment variable ${options.newKeyEnv} is not set`);
        const parsed = parseSecretKey(text);
        if (!parsed) throw new UsageError(`--new-key-env: ${options.newKeyEnv} must be 32 bytes written as base64 (44 characters) or hex (64 characters)`);
        newKey = parsed;
      } else if (fromEnvironment) {
        throw new UsageError(
          `${SECRET_KEY_ENV} is set, so the key is yours to keep and cannot be replaced here: put a new key in another variable ` +
            `(e.g. PYGENT_NEXT_KEY=$(openssl rand -base64 32)), run \`pygent secrets rotate-key --new-key-env PYGENT_NEXT_KEY\`, then set ${SECRET_KEY_ENV} to it`,
        );
      } else {
        newKey = newSecretKey();
      }
      const dataDir = resolve(options.dataDir);
      const lock = lockDataDir(dataDir);
      try {
        const { reencrypted } = await withStore(
          dataDir,
          async (store) => {
            await store.secrets.prepare();
            return store.secrets.rotate(newKey);
          },
          ctx.io.env,
        );
        io.out(`Re-encrypted ${reencrypted} secret${reencrypted === 1 ? "" : "s"} under the new key.`);
        if (fromEnvironment) io.out(`Set ${SECRET_KEY_ENV} to the value of ${options.newKeyEnv} before starting the daemon; the old key no longer opens them.`);
        else io.out(`The new key is in ${resolve(dataDir, SECRET_KEY_FILE)}; back it up: without it the secrets cannot be read.`);
      } finally {
        lock.release();
      }
    });
}
