/**
 * Installs npm packages into their own prefix, `data/servers/<id>`, with the npm on PATH:
 * `npm install --ignore-scripts --no-audit --no-fund --prefix <dir> <name>@<version>`, spawned
 * without a shell. Install scripts stay off unless the config turns them on, since a package's
 * postinstall would run with the daemon's rights before anyone has seen it. Afterwards the
 * package's own package.json says which file to run, and its name and version are checked
 * against what was asked for.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { AppError, errorMessage } from "../core/errors.js";
import { findExecutable } from "./find-executable.js";
import type { InstallPlan } from "./install-plan.js";
import { toolEnvironment, type InstallContext, type InstalledServer, type Installer } from "./installer.js";
import { npmBinFromPackageJson } from "./local-scan-source.js";
import { runCommand } from "./run-command.js";

export interface NpmInstallerOptions {
  /** Run the package's install scripts. Off by default. */
  allowScripts?: boolean;
  /**
   * What npm is asked to install for a pinned package: `<name>@<version>` by default. An offline
   * mirror (or a test) may map it to a tarball; the package found must still have that name and
   * version.
   */
  packageSpec?: (identifier: string, version: string) => string;
}

export function createNpmInstaller(options: NpmInstallerOptions = {}): Installer {
  const packageSpec = options.packageSpec ?? ((identifier, version) => `${identifier}@${version}`);
  return {
    kind: "npm",

    preflight(plan, environment) {
      if (plan.already_installed || plan.steps.length === 0) return undefined;
      if (!findExecutable("npm", environment)) {
        throw new AppError("RUNTIME_MISSING", `installing "${plan.server_id}" needs npm, which is not on the daemon's PATH`, {
          missing: ["npm"],
        });
      }
      return undefined;
    },

    async install(context) {
      const { plan } = context;
      const pkg = plan.package;
      const dir = plan.install_dir;
      if (!pkg || !dir) throw new AppError("INTERNAL", `plan for "${plan.server_id}" is not an npm package`);
      if (!plan.already_installed) await runNpm(context, pkg, dir);
      return { server: await withResolvedBin(plan, dir) };
    },
  };

  async function runNpm(context: InstallContext, pkg: NonNullable<InstallPlan["package"]>, dir: string): Promise<void> {
    const spec = packageSpec(pkg.identifier, pkg.version);
    // A spec starting with '-' would be read as an option by npm.
    if (spec.startsWith("-")) throw new AppError("INSTALL_FAILED", `refusing the npm spec ${JSON.stringify(spec)}`);
    await mkdir(dir, { recursive: true });
    const argv = [
      "npm",
      "install",
      ...(options.allowScripts ? [] : ["--ignore-scripts"]),
      "--no-audit",
      "--no-fund",
      "--no-update-notifier",
      "--prefix",
      dir,
      spec,
    ];
    const reference = `${pkg.identifier}@${pkg.version}`;
    context.progress("downloading", `npm install ${reference}`, 15);
    let lines = 0;
    const result = await runCommand({
      argv,
      env: toolEnvironment(context.environment, ["npm_config_"]),
      cwd: dir,
      timeoutMs: context.timeoutMs,
      signal: context.signal,
      groups: context.groups,
      tailLines: 40,
      onLine: (line) => {
        // npm says little without --loglevel; what it says is passed on, up to a point.
        if (++lines <= 50) context.progress("installing", line, 40);
      },
    });
    if (result.code !== 0) {
      throw new AppError("INSTALL_FAILED", `npm install ${reference} failed (${describeExit(result)})${npmErrors(result.tail)}`, {
        exit_code: result.code,
      });
    }
    context.progress("installing", `installed ${reference}`, 60);
  }
}

/** The plan's server entry with the bin the installed package declares, checked to exist. */
async function withResolvedBin(plan: InstallPlan, dir: string): Promise<InstalledServer["server"]> {
  const pkg = plan.package!;
  const packageDir = join(dir, "node_modules", ...pkg.identifier.split("/"));
  let manifest: { name?: unknown; version?: unknown; bin?: unknown };
  try {
    manifest = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as typeof manifest;
  } catch (error) {
    throw new AppError("INSTALL_FAILED", `npm finished but ${pkg.identifier} is not in ${dir}: ${errorMessage(error)}`);
  }
  if (manifest.name !== pkg.identifier || manifest.version !== pkg.version) {
    throw new AppError(
      "INSTALL_FAILED",
      `npm installed ${String(manifest.name)}@${String(manifest.version)}, not the ${pkg.identifier}@${pkg.version} the catalog names`,
    );
  }
  const bin = npmBinFromPackageJson({
    name: pkg.identifier,
    bin: typeof manifest.bin === "string" || (typeof manifest.bin === "object" && manifest.bin !== null) ? (manifest.bin as string | Record<string, string>) : undefined,
  });
  if (bin === undefined) throw new AppError("INSTALL_FAILED", `${pkg.identifier} declares nothing to run (no "bin" in its package.json)`);
  const binPath = resolve(packageDir, bin);
  // A bin pointing outside its package ("../../x") is not the package's to declare.
  const inside = relative(packageDir, binPath);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
    throw new AppError("INSTALL_FAILED", `${pkg.identifier} declares a bin outside its own folder: ${bin}`);
  }
  try {
    if (!(await stat(binPath)).isFile()) throw new Error("not a file");
  } catch {
    throw new AppError("INSTALL_FAILED", `${pkg.identifier} declares ${bin} as its bin, but the file is missing`);
  }
  const command = [...(plan.server.command ?? [])];
  // The plan runs [node, <bin>, ...arguments]; only the bin was a guess.
  command[1] = binPath;
  return { ...plan.server, command };
}

function describeExit(result: { code: number | null; signal: NodeJS.Signals | null }): string {
  return result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
}

/** npm's own error lines, without the pointer to its debug log. */
function npmErrors(tail: readonly string[]): string {
  const errors = tail.filter((line) => /^npm (?:error|ERR!)/.test(line) && !/complete log of this run/i.test(line));
  const picked = (errors.length > 0 ? errors : tail.slice(-5)).slice(0, 6);
  return picked.length === 0 ? "" : `:\n${picked.join("\n")}`;
}
