/**
 * The extension point for installing: one installer per kind of catalog entry (npm, pypi, oci,
 * remote), each in its own file. An installer only ever acts on an install plan made from a
 * catalog entry (install-plan.ts), never on a command from a request; registering and starting
 * the server, secrets and rollback are the install service's job (install-service.ts).
 */
import type { InstallPhase } from "../bus/events.js";
import type { ServerConfigInput } from "../config/schema.js";
import { AppError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { InstallKind, InstallPlan, PlanInstallOptions } from "./install-plan.js";
import type { CommandGroups } from "./run-command.js";

export interface InstallContext {
  plan: InstallPlan;
  /**
   * The daemon's environment, for PATH and the package manager's own settings. An installer
   * passes on only what its tool needs, never the whole environment.
   */
  environment: NodeJS.ProcessEnv;
  /** How long the package download and install may take. */
  timeoutMs: number;
  /** Aborted when the daemon stops mid-install; the installer ends what it started and rejects. */
  signal: AbortSignal;
  progress(phase: InstallPhase, message: string, percent?: number): void;
  logger: Logger;
  /** Where the commands an installer runs record their process groups (runCommand's `groups`). */
  groups: CommandGroups;
}

export interface InstalledServer {
  /** The server entry to register: the plan's, completed with what only installing could tell. */
  server: ServerConfigInput;
}

/** Plan options an installer may ask for after its preflight, e.g. pipx when uvx is absent. */
export type PlanAdjustment = Pick<PlanInstallOptions, "pythonRunner">;

export interface Installer {
  readonly kind: InstallKind;
  /**
   * Checks what can be checked before anything changes: the runtime on PATH (RUNTIME_MISSING
   * naming it), a remote URL against the network policy (URL_NOT_ALLOWED). May return options
   * for planning again, when another runner is available.
   */
  preflight(plan: InstallPlan, environment: NodeJS.ProcessEnv): PlanAdjustment | undefined;
  /** Downloads and installs what the plan names. Throws INSTALL_FAILED or INSTALL_TIMEOUT. */
  install(context: InstallContext): Promise<InstalledServer>;
}

/** The installers by kind; a second installer for the same kind is a bug and throws. */
export function installerRegistry(installers: readonly Installer[]): ReadonlyMap<InstallKind, Installer> {
  const byKind = new Map<InstallKind, Installer>();
  for (const installer of installers) {
    if (byKind.has(installer.kind)) throw new AppError("INTERNAL", `two installers for ${installer.kind} packages`);
    byKind.set(installer.kind, installer);
  }
  return byKind;
}

/** The variables an install tool may see from the daemon's environment: no secrets. */
const TOOL_ENV = ["HOME", "LOGNAME", "PATH", "USER", "LANG", "LC_ALL", "TMPDIR", "TZ", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"];
const PROXY_ENV = /^(?:https?_proxy|no_proxy|all_proxy)$/i;

/**
 * The environment for an install tool: the basics, proxy settings, and the variables whose names
 * start with one of `prefixes` (npm's `npm_config_*`, for a private registry or a cache).
 */
export function toolEnvironment(environment: NodeJS.ProcessEnv, prefixes: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    if (TOOL_ENV.includes(key) || PROXY_ENV.test(key) || prefixes.some((prefix) => lower.startsWith(prefix))) out[key] = value;
  }
  return out;
}

/** The last lines of a failed command, for the error message. */
export function outputTail(lines: readonly string[], count = 5): string {
  const picked = lines.slice(-count);
  return picked.length === 0 ? "" : `:\n${picked.join("\n")}`;
}
