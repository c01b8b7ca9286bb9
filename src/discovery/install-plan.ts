/**
 * What installing a catalog entry would do, worked out without doing any of it: the commands to
 * run (always argv arrays, never a shell string) and the server entry to register, in our config
 * format (src/config/schema.ts). Executing a plan is the installer's job; the catalog keeps
 * `installCommandFor` in its cache so people can see how each server is installed.
 *
 * Secrets never appear in a plan: a secret environment variable, header, URL variable or package
 * argument becomes a `${NAME}` reference that the daemon fills from the server's stored secrets
 * or its environment at connect time, and the plan lists the names so the caller can store the
 * values the person gave.
 */
import { join } from "node:path";
import { AppError, type FieldIssue } from "../core/errors.js";
import { serverIdProblem } from "../core/ids.js";
import type { ServerConfigInput } from "../config/schema.js";
import { formatIssues, validateServer } from "../config/validate.js";
import { unsafeRuntimeFlags } from "./oci-runtime-flags.js";
import {
  entryId,
  marketplaceOf,
  type Argument,
  type CatalogEntry,
  type Input,
  type KeyValueInput,
  type Package,
  type Remote,
} from "./schema.js";

/** Where per-server npm prefixes live, under the data directory. */
export const SERVERS_SUBDIR = "servers";

const NPM_DEFAULT_REGISTRY = "https://registry.npmjs.org";
const PYPI_DEFAULT_REGISTRY = "https://pypi.org";
/** npm's rule for package names, scope included; no leading '-' or '.', so never read as a flag. */
const NPM_NAME = /^(?:@[a-z0-9~][a-z0-9-._~]*\/)?[a-z0-9~][a-z0-9-._~]*$/;
/** PEP 508 distribution names. */
const PYPI_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
/** An exact version: no ranges, no spaces, no leading '-'. */
const EXACT_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/;
/** registry/path/image[:tag][@sha256:digest], lower-case path as OCI requires. */
const OCI_REFERENCE = /^[a-z0-9][a-z0-9._-]*(?::[0-9]+)?(?:\/[a-z0-9._-]+)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type InstallKind = "npm" | "pypi" | "oci" | "remote";

export interface PlanInstallOptions {
  /** Values the person gave for environment variables (and remote URL/header variables), by name. */
  env?: Record<string, string>;
  /** Values for package arguments, by positional `valueHint` or named flag (e.g. "--db-path"). */
  arguments?: Record<string, string | string[]>;
  /** The daemon's environment: a required secret already set there counts as provided. */
  environment?: Record<string, string | undefined>;
  /** The data directory ("data" by default); npm packages go to `<dataDir>/servers/<id>`. */
  dataDir?: string;
  /** The Node executable for npm servers; the running one by default. */
  nodePath?: string;
  /** With both a package and a remote, which to use. Packages by default. */
  prefer?: "package" | "remote";
  /** Pick the remote (or package) with this transport. */
  transport?: "stdio" | "sse" | "streamable-http";
  /** How to run PyPI packages; the package's runtimeHint, else uvx. */
  pythonRunner?: "uvx" | "pipx";
  /** Register under this id instead of the entry's own. */
  id?: string;
  /** Let an OCI package's runtime arguments give the container host access (`discovery.oci.allow_unsafe_flags`). */
  allowUnsafeOciFlags?: boolean;
}

export interface InstallStep {
  description: string;
  argv: string[];
}

export interface InstallPlan {
  server_id: string;
  kind: InstallKind;
  /** The package installed, for the package kinds. */
  package: { registry_type: string; identifier: string; version: string } | null;
  /** The endpoint used, for a remote. */
  remote: { type: "sse" | "streamable-http"; url: string } | null;
  /** Commands to run before the server can start, in order; empty when nothing needs doing. */
  steps: InstallStep[];
  /** The command that installs the server (the first step, or the runner that fetches on start). */
  install_command: string[];
  /** Where an npm package is installed, or null. */
  install_dir: string | null;
  /** True when the npm bin path is a guess (`.bin/<name>`) the installer must confirm after installing. */
  bin_unresolved: boolean;
  /** True when the package is already installed here (found by the local scan). */
  already_installed: boolean;
  /** The entry to add to mcp_server_configs.json. */
  server: ServerConfigInput;
  /** Names of secrets the server reads via `${NAME}` references; the caller stores given values. */
  secrets: string[];
}

type Target =
  | { kind: "package"; pkg: Package; index: number; registry: "npm" | "pypi" | "oci" }
  | { kind: "remote"; remote: Remote; index: number };

const SUPPORTED_REGISTRIES = new Set(["npm", "pypi", "oci"]);

function chooseTarget(entry: CatalogEntry, options: PlanInstallOptions): Target {
  const packages = (entry.packages ?? [])
    .map((pkg, index) => ({ pkg, index }))
    .filter(({ pkg }) => SUPPORTED_REGISTRIES.has(pkg.registryType) && pkg.transport.type === "stdio")
    .filter(({ pkg }) => options.transport === undefined || options.transport === pkg.transport.type);
  const remotes = (entry.remotes ?? [])
    .map((remote, index) => ({ remote, index }))
    .filter(({ remote }) => options.transport === undefined || options.transport === remote.type);
  const firstPackage = packages[0];
  const firstRemote = remotes[0];
  const pkgTarget = firstPackage && {
    kind: "package" as const,
    pkg: firstPackage.pkg,
    index: firstPackage.index,
    registry: firstPackage.pkg.registryType as "npm" | "pypi" | "oci",
  };
  const remoteTarget = firstRemote && { kind: "remote" as const, remote: firstRemote.remote, index: firstRemote.index };
  const chosen = options.prefer === "remote" ? (remoteTarget ?? pkgTarget) : (pkgTarget ?? remoteTarget);
  if (chosen) return chosen;

  const kinds = [
    ...(entry.packages ?? []).map((p) => `${p.registryType} package (${p.transport.type})`),
    ...(entry.remotes ?? []).map((r) => `${r.type} remote`),
  ];
  const wanted = options.transport ? ` over ${options.transport}` : "";
  throw new AppError(
    "VALIDATION_FAILED",
    kinds.length === 0
      ? `server "${entryId(entry)}" has no package or remote to install; see its repository`
      : `server "${entryId(entry)}" has nothing installable${wanted}: only ${kinds.join(", ")} (supported: npm, pypi, oci stdio packages and sse/streamable-http remotes)`,
  );
}

/**
 * The command that installs an entry, for the discovery cache: needs no input from the person.
 * Empty for a remote or an already-installed package; throws when nothing is installable.
 */
export function installCommandFor(entry: CatalogEntry, options: PlanInstallOptions = {}): string[] {
  const target = chooseTarget(entry, options);
  if (target.kind === "remote") return [];
  const id = options.id ?? entryId(entry);
  const issues: FieldIssue[] = [];
  const pinned = pinnedPackage(target, issues);
  if (!pinned) throw planError(id, issues);
  return packageInstall(entry, target, pinned, id, options).install_command;
}

/**
 * The command the installed server will run (argv), with `<NAME>` for each value an install asks
 * for and `${NAME}` for secrets; empty for a remote server or an entry that cannot be installed.
 */
export function runCommandFor(entry: CatalogEntry, options: PlanInstallOptions = {}): string[] {
  const placeholders = Object.fromEntries(installInputs(entry).map((input) => [input.name, `<${input.name}>`]));
  try {
    return planInstall(entry, { ...options, env: placeholders, arguments: placeholders }).server.command ?? [];
  } catch {
    return [];
  }
}

/**
 * Works out how to install `entry`. Throws VALIDATION_FAILED naming every missing required
 * environment variable, argument or variable, and any package reference that is unsafe to run.
 */
export function planInstall(entry: CatalogEntry, options: PlanInstallOptions = {}): InstallPlan {
  const id = options.id ?? entryId(entry);
  const idProblem = serverIdProblem(id);
  if (idProblem) throw new AppError("INVALID_ID", `server id "${id}" ${idProblem}`);

  const target = chooseTarget(entry, options);
  const issues: FieldIssue[] = [];
  const secrets = new Set<string>();
  const lookup = inputs(options);

  const base = {
    id,
    name: entry.title ?? entry.name,
    category: marketplaceOf(entry).category,
    description: entry.description.slice(0, 2000),
    health_check_interval: 30,
    auto_restart: true,
  };

  let plan: InstallPlan;
  if (target.kind === "remote") {
    const { remote } = target;
    const url = substitute(remote.url, remote.variables ?? {}, lookup, `remotes[${target.index}].url`, issues, false, secrets);
    const headers = resolveHeaders(remote.headers ?? [], lookup, secrets, issues);
    const server: ServerConfigInput = {
      ...base,
      transport: remote.type === "sse" ? "sse" : "http",
      url: url ?? remote.url,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
    };
    plan = {
      server_id: id,
      kind: "remote",
      package: null,
      remote: { type: remote.type, url: url ?? remote.url },
      steps: [],
      install_command: [],
      install_dir: null,
      bin_unresolved: false,
      already_installed: false,
      server,
      secrets: [],
    };
  } else {
    const pinned = pinnedPackage(target, issues);
    const env = resolveEnv(target.pkg.environmentVariables ?? [], lookup, secrets, issues);
    const runtimeField = `packages[${target.index}].runtimeArguments`;
    const runtimeArgs = resolveArguments(target.pkg.runtimeArguments ?? [], options, runtimeField, issues, secrets);
    const packageArgs = resolveArguments(target.pkg.packageArguments ?? [], options, `packages[${target.index}].packageArguments`, issues, secrets);
    if (target.registry === "oci" && options.allowUnsafeOciFlags !== true) {
      for (const refusal of unsafeRuntimeFlags(runtimeArgs)) {
        issues.push({ field: runtimeField, message: `${refusal}; set discovery.oci.allow_unsafe_flags to allow it` });
      }
    }
    if (!pinned || issues.length > 0) throw planError(id, issues);
    const installed = packageInstall(entry, target, pinned, id, options);

    let command: string[];
    if (target.registry === "npm") {
      // We run the bin with node directly: runtimeArguments are npx's and do not apply.
      command = [options.nodePath ?? process.execPath, installed.bin, ...packageArgs];
    } else if (target.registry === "pypi") {
      command = [...installed.runner.slice(0, 1), ...runtimeArgs, ...installed.runner.slice(1), ...packageArgs];
    } else {
      // docker forwards each `-e NAME` from its own environment, which the daemon sets from `env`.
      const envFlags = Object.keys(env).flatMap((name) => ["-e", name]);
      command = ["docker", "run", "-i", "--rm", ...runtimeArgs, ...envFlags, pinned.reference, ...packageArgs];
    }
    const server: ServerConfigInput = {
      ...base,
      transport: "stdio",
      command,
      ...(Object.keys(env).length > 0 ? { env } : {}),
    };
    plan = {
      server_id: id,
      kind: target.registry,
      package: { registry_type: target.registry, identifier: target.pkg.identifier, version: pinned.version },
      remote: null,
      steps: installed.steps,
      install_command: installed.install_command,
      install_dir: installed.install_dir,
      bin_unresolved: installed.bin_unresolved,
      already_installed: installed.already_installed,
      server,
      secrets: [],
    };
  }

  if (issues.length > 0) throw planError(id, issues);
  const checked = validateServer(plan.server);
  if (!checked.ok) throw planError(id, checked.issues.map((issue) => ({ ...issue, field: `server.${issue.field}` })));
  plan.secrets = [...secrets].sort();
  return plan;
}

function planError(id: string, issues: FieldIssue[]): AppError {
  return new AppError("VALIDATION_FAILED", `cannot install server "${id}":\n${formatIssues(issues)}`, { issues });
}

// ---- packages ---------------------------------------------------------------------------------

interface Pinned {
  version: string;
  /** identifier@version, identifier==version or image:tag. */
  reference: string;
}

function pinnedPackage(target: Extract<Target, { kind: "package" }>, issues: FieldIssue[]): Pinned | undefined {
  const { pkg, index, registry } = target;
  const field = `packages[${index}]`;
  const before = issues.length;
  if (pkg.registryBaseUrl !== undefined) {
    const expected = registry === "npm" ? NPM_DEFAULT_REGISTRY : registry === "pypi" ? PYPI_DEFAULT_REGISTRY : undefined;
    // A package index other than the public one could serve a different package under the same name.
    if (expected !== undefined && pkg.registryBaseUrl.replace(/\/+$/, "") !== expected) {
      issues.push({ field: `${field}.registryBaseUrl`, message: `only ${expected} is supported, not ${pkg.registryBaseUrl}` });
    }
  }
  if (registry === "oci") {
    const hasTag = /:[^/]+$/.test(pkg.identifier) || pkg.identifier.includes("@sha256:");
    const reference = hasTag ? pkg.identifier : pkg.version ? `${pkg.identifier}:${pkg.version}` : undefined;
    if (reference === undefined) issues.push({ field: `${field}.version`, message: "is required to pin the image (or give a tag)" });
    else if (!OCI_REFERENCE.test(reference)) issues.push({ field: `${field}.identifier`, message: `is not an image reference: ${reference}` });
    if (issues.length > before || reference === undefined) return undefined;
    return { version: pkg.version ?? reference.slice(reference.lastIndexOf(":") + 1), reference };
  }
  const namePattern = registry === "npm" ? NPM_NAME : PYPI_NAME;
  if (!namePattern.test(pkg.identifier)) {
    issues.push({ field: `${field}.identifier`, message: `is not a valid ${registry} package name: ${pkg.identifier}` });
  }
  if (pkg.version === undefined) issues.push({ field: `${field}.version`, message: "is required to pin what is installed" });
  else if (!EXACT_VERSION.test(pkg.version)) issues.push({ field: `${field}.version`, message: `must be an exact version, not ${pkg.version}` });
  if (issues.length > before || pkg.version === undefined) return undefined;
  return {
    version: pkg.version,
    reference: registry === "npm" ? `${pkg.identifier}@${pkg.version}` : `${pkg.identifier}==${pkg.version}`,
  };
}

interface PackageInstall {
  steps: InstallStep[];
  install_command: string[];
  install_dir: string | null;
  bin: string;
  bin_unresolved: boolean;
  already_installed: boolean;
  /** For PyPI: the runner's argv before the package arguments. */
  runner: string[];
}

function packageInstall(
  entry: CatalogEntry,
  target: Extract<Target, { kind: "package" }>,
  pinned: Pinned,
  id: string,
  options: PlanInstallOptions,
): PackageInstall {
  const market = marketplaceOf(entry);
  const none = { install_dir: null, bin: "", bin_unresolved: false, already_installed: false, runner: [] };
  if (target.registry === "npm") {
    const local = market.local === true && market.install_prefix !== undefined;
    const dir = local ? market.install_prefix! : join(options.dataDir ?? "data", SERVERS_SUBDIR, id);
    const unscoped = target.pkg.identifier.slice(target.pkg.identifier.indexOf("/") + 1);
    const bin = market.bin
      ? join(dir, "node_modules", target.pkg.identifier, market.bin)
      : join(dir, "node_modules", ".bin", unscoped);
    const argv = ["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", dir, pinned.reference];
    return {
      steps: local ? [] : [{ description: `install ${pinned.reference} from npm into ${dir}`, argv }],
      install_command: local ? [] : argv,
      install_dir: dir,
      bin,
      bin_unresolved: market.bin === undefined,
      already_installed: local,
      runner: [],
    };
  }
  if (target.registry === "pypi") {
    const runner = options.pythonRunner ?? (target.pkg.runtimeHint === "pipx" ? "pipx" : "uvx");
    // Both runners fetch the pinned package into their own cache on first start, so running is installing.
    const argv =
      runner === "uvx"
        ? ["uvx", "--from", pinned.reference, target.pkg.identifier]
        : ["pipx", "run", "--spec", pinned.reference, target.pkg.identifier];
    return { ...none, steps: [], install_command: argv, runner: argv };
  }
  const pull = ["docker", "pull", pinned.reference];
  return { ...none, steps: [{ description: `pull the image ${pinned.reference}`, argv: pull }], install_command: pull };
}

// ---- inputs -----------------------------------------------------------------------------------

/** One thing installing an entry asks for, under the name the install reads it by. */
export interface InstallInput {
  name: string;
  kind: "env" | "header" | "variable" | "argument";
  description: string | null;
  required: boolean;
  secret: boolean;
}

/** A header without a template takes its value under an environment-style name. */
function headerInputName(header: string): string {
  return header.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/** An argument's value is given by its flag (named) or its value hint (positional). */
function argumentKey(arg: Argument): string | undefined {
  return arg.type === "named" ? arg.name : arg.valueHint;
}

/**
 * What installing the entry asks for, from its packages and remotes, named as planInstall reads
 * them from `env` and `arguments`. Inputs with a fixed value are not asked for; defaults are not
 * shown.
 */
export function installInputs(entry: CatalogEntry): InstallInput[] {
  const out = new Map<string, InstallInput>();
  const add = (name: string, kind: InstallInput["kind"], spec: Input, description = spec.description) => {
    const key = `${kind}:${name}`;
    if (!out.has(key)) {
      out.set(key, { name, kind, description: description ?? null, required: spec.isRequired === true, secret: spec.isSecret === true });
    }
  };
  for (const pkg of entry.packages ?? []) {
    for (const env of pkg.environmentVariables ?? []) add(env.name, "env", env);
    for (const arg of [...(pkg.packageArguments ?? []), ...(pkg.runtimeArguments ?? [])]) {
      // A secret argument is given as a secret under an environment-style name, never as an argument.
      const name = arg.isSecret ? secretArgumentName(arg) : argumentKey(arg);
      if (name !== undefined && arg.value === undefined) add(name, "argument", arg);
    }
  }
  for (const remote of entry.remotes ?? []) {
    for (const [name, variable] of Object.entries(remote.variables ?? {})) add(name, "variable", variable);
    for (const header of remote.headers ?? []) {
      for (const [name, variable] of Object.entries(header.variables ?? {})) add(name, "variable", variable);
      if (header.value === undefined) add(headerInputName(header.name), "header", header, header.description ?? `the ${header.name} header`);
    }
  }
  return [...out.values()];
}

interface Lookup {
  /** A value the person gave, by name. */
  given(name: string): string | undefined;
  /** A secret's value the person gave, by name: only values that will be stored as secrets. */
  givenSecret(name: string): string | undefined;
  /** True when the daemon's environment already has the name. */
  inEnvironment(name: string): boolean;
}

function inputs(options: PlanInstallOptions): Lookup {
  const given = (name: string) => (Object.hasOwn(options.env ?? {}, name) ? options.env![name] : undefined);
  return { given, givenSecret: given, inEnvironment: (name) => options.environment?.[name] !== undefined };
}

function resolveEnv(vars: KeyValueInput[], lookup: Lookup, secrets: Set<string>, issues: FieldIssue[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const spec of vars) {
    const field = `env.${spec.name}`;
    if (!ENV_NAME.test(spec.name)) {
      issues.push({ field, message: "is not a valid environment variable name" });
      continue;
    }
    if (spec.value !== undefined) {
      const value = substitute(spec.value, spec.variables ?? {}, lookup, field, issues, spec.isSecret === true, secrets);
      if (value !== undefined) env[spec.name] = value;
      continue;
    }
    const given = lookup.given(spec.name);
    const available = given !== undefined || lookup.inEnvironment(spec.name);
    if (spec.isSecret) {
      if (available) {
        env[spec.name] = `\${${spec.name}}`;
        secrets.add(spec.name);
      } else if (spec.isRequired) {
        issues.push({ field, message: `is required${describeInput(spec)}` });
      }
      continue;
    }
    if (given !== undefined) env[spec.name] = given;
    else if (spec.default !== undefined) env[spec.name] = spec.default;
    else if (lookup.inEnvironment(spec.name)) env[spec.name] = `\${${spec.name}}`;
    else if (spec.isRequired) issues.push({ field, message: `is required${describeInput(spec)}` });
  }
  return env;
}

function resolveHeaders(headers: KeyValueInput[], lookup: Lookup, secrets: Set<string>, issues: FieldIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of headers) {
    const field = `headers.${spec.name}`;
    if (spec.value !== undefined) {
      // An optional header whose variables nobody gave is left out rather than sent half-filled.
      const local: FieldIssue[] = [];
      const value = substitute(spec.value, spec.variables ?? {}, lookup, field, local, spec.isSecret === true, secrets);
      const required = spec.isRequired === true || Object.values(spec.variables ?? {}).some((v) => v.isRequired === true);
      if (value !== undefined) out[spec.name] = value;
      else if (required) issues.push(...local);
      continue;
    }
    // A header with no template: its value comes in under an environment-style name.
    const envName = headerInputName(spec.name);
    const given = lookup.given(envName);
    if (spec.isSecret && (given !== undefined || lookup.inEnvironment(envName))) {
      out[spec.name] = `\${${envName}}`;
      secrets.add(envName);
    } else if (!spec.isSecret && given !== undefined) out[spec.name] = given;
    else if (spec.default !== undefined && !spec.isSecret) out[spec.name] = spec.default;
    else if (spec.isRequired) issues.push({ field, message: `is required (give it as ${envName})${describeInput(spec)}` });
  }
  return out;
}

/**
 * Fills `{name}` placeholders. A secret variable becomes a `${name}` reference for the daemon to
 * fill at connect time; others are written in. Returns undefined when a variable is missing.
 */
function substitute(
  template: string,
  variables: Record<string, Input>,
  lookup: Lookup,
  field: string,
  issues: FieldIssue[],
  secretTemplate: boolean,
  secrets?: Set<string>,
): string | undefined {
  let missing = false;
  const value = template.replace(PLACEHOLDER, (match, name: string) => {
    const spec = variables[name];
    const secret = secretTemplate || spec?.isSecret === true;
    const given = lookup.given(name);
    if (secret && secrets !== undefined) {
      if (lookup.givenSecret(name) !== undefined || lookup.inEnvironment(name)) {
        secrets.add(name);
        return `\${${name}}`;
      }
    } else if (given !== undefined) return given;
    else if (spec?.default !== undefined) return spec.default;
    else if (spec?.value !== undefined) return spec.value;
    missing = true;
    issues.push({ field: `${field}.{${name}}`, message: `needs variable ${name}${spec ? describeInput(spec) : ""}` });
    return match;
  });
  return missing ? undefined : value;
}

/**
 * The name a secret argument's value is given and stored under: the flag or value hint in the
 * style of an environment variable (`--api-key` -> API_KEY), or undefined when it has neither.
 */
function secretArgumentName(arg: Argument): string | undefined {
  const key = arg.type === "named" ? arg.name : arg.valueHint;
  if (key === undefined) return undefined;
  const name = key.replace(/^-+/, "").toUpperCase().replace(/[^A-Z0-9_]/g, "_");
  return ENV_NAME.test(name) ? name : undefined;
}

function resolveArguments(args: Argument[], options: PlanInstallOptions, field: string, issues: FieldIssue[], secrets: Set<string>): string[] {
  const argv: string[] = [];
  const base = inputs(options);
  // A variable inside an argument's value may be given as an argument or as an env-style value;
  // a secret one only as an env-style value, which is what gets stored.
  const lookup: Lookup = {
    ...base,
    given(name) {
      const fromArgs = options.arguments?.[name];
      return typeof fromArgs === "string" ? fromArgs : base.given(name);
    },
  };
  args.forEach((arg, index) => {
    const key = argumentKey(arg);
    const label = `arguments.${key ?? `${field}[${index}]`}`;
    let values: string[];
    if (arg.value !== undefined) {
      const filled = substitute(arg.value, arg.variables ?? {}, lookup, label, issues, arg.isSecret === true, secrets);
      if (filled === undefined) return;
      values = [filled];
    } else if (arg.isSecret) {
      const secret = secretArgument(arg, key, label, lookup, options, issues);
      if (secret === undefined) return;
      if (secret !== null) secrets.add(secret.name);
      values = secret === null ? [] : [secret.value];
    } else {
      const given = key !== undefined ? options.arguments?.[key] : undefined;
      const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
      if (list.length > 1 && !arg.isRepeated) {
        issues.push({ field: label, message: "takes one value" });
        return;
      }
      values = list.length > 0 ? list : arg.default !== undefined ? [arg.default] : [];
    }
    if (values.length === 0) {
      if (arg.isRequired) issues.push({ field: label, message: `is required${describeInput(arg)}` });
      return;
    }
    for (const value of values) {
      if (arg.type === "positional") argv.push(value);
      else if (arg.format === "boolean") {
        // A boolean flag is present or absent; "--flag true" would be read as a positional.
        if (value === "true") argv.push(arg.name);
      } else argv.push(arg.name, value);
    }
  });
  return argv;
}

/**
 * A secret argument's value as a `${NAME}` reference when the person gave NAME (or the daemon's
 * environment has it); null when it is optional and not given; undefined after an issue.
 */
function secretArgument(
  arg: Argument,
  key: string | undefined,
  label: string,
  lookup: Lookup,
  options: PlanInstallOptions,
  issues: FieldIssue[],
): { name: string; value: string } | null | undefined {
  const name = secretArgumentName(arg);
  if (name === undefined) {
    issues.push({ field: label, message: "is secret but has no name or value hint to store it under" });
    return undefined;
  }
  if (key !== undefined && options.arguments?.[key] !== undefined) {
    issues.push({ field: label, message: `is secret: give it as the secret ${name}, so it is stored encrypted and never written into the server's command` });
    return undefined;
  }
  if (lookup.givenSecret(name) !== undefined || lookup.inEnvironment(name)) {
    return { name, value: `\${${name}}` };
  }
  if (!arg.isRequired) return null;
  issues.push({ field: label, message: `is required (give it as the secret ${name})${describeInput(arg)}` });
  return undefined;
}

/** What a person should know about an entry before installing it, beyond its inputs. */
export interface InstallNotes {
  /** The `docker run` flags its OCI packages ask for, as the catalog gives them. */
  runtime_flags: string[];
  /** Why some of those flags would be refused unless `discovery.oci.allow_unsafe_flags` is set. */
  refused_runtime_flags: string[];
  /** Secrets it takes on its command line: visible to `ps` on this machine while it runs. */
  argv_secrets: string[];
}

export function installNotesFor(entry: CatalogEntry): InstallNotes {
  const runtimeFlags: string[] = [];
  const argvSecrets = new Set<string>();
  for (const pkg of entry.packages ?? []) {
    if (pkg.registryType === "oci") {
      for (const arg of pkg.runtimeArguments ?? []) {
        const value = arg.value ?? arg.default ?? (arg.type === "named" ? "<value>" : `<${arg.valueHint ?? "argument"}>`);
        runtimeFlags.push(...(arg.type === "named" ? (arg.format === "boolean" ? [arg.name] : [arg.name, value]) : [value]));
      }
    }
    for (const arg of [...(pkg.runtimeArguments ?? []), ...(pkg.packageArguments ?? [])]) {
      if (arg.isSecret && arg.value === undefined) argvSecrets.add(secretArgumentName(arg) ?? (arg.type === "named" ? arg.name : "(unnamed)"));
      for (const [name, variable] of Object.entries(arg.variables ?? {})) if (arg.isSecret || variable.isSecret) argvSecrets.add(name);
    }
  }
  return { runtime_flags: runtimeFlags, refused_runtime_flags: unsafeRuntimeFlags(runtimeFlags), argv_secrets: [...argvSecrets].sort() };
}

function describeInput(spec: Input): string {
  return spec.description ? ` (${spec.description})` : "";
}
