/**
 * Which `docker run` flags a registry entry may ask for. An OCI package's runtimeArguments come
 * from whoever published the entry; flags that hand the container the host (its devices, its
 * namespaces, its files, all capabilities) would turn "install this MCP server" into "give this
 * publisher root on the machine", so they are refused unless the operator allows them.
 */

/** Flags refused whatever their value, with what each would give away. */
const ALWAYS_REFUSED: Record<string, string> = {
  "--privileged": "every device and capability of the host",
  "--cap-add": "extra kernel capabilities",
  "--device": "a host device",
  "--device-cgroup-rule": "access to host devices",
  "--volumes-from": "another container's volumes",
  "--env-file": "a file read from the host",
  "--cgroup-parent": "a host cgroup",
};

/** Namespace flags refused when set to `host`. */
const HOST_NAMESPACES = new Set(["--pid", "--network", "--net", "--ipc", "--uts", "--userns", "--cgroupns"]);

/** Split `--flag=value` or `--flag value`; single-letter `-v` may also be glued (`-v/host:/c`). */
function flagAt(argv: readonly string[], index: number): { flag: string; value: string | undefined; used: number } | undefined {
  const arg = argv[index]!;
  if (arg.startsWith("--")) {
    const eq = arg.indexOf("=");
    if (eq > 0) return { flag: arg.slice(0, eq), value: arg.slice(eq + 1), used: 1 };
    return { flag: arg, value: argv[index + 1], used: 2 };
  }
  if (arg.startsWith("-v")) return arg.length > 2 ? { flag: "-v", value: arg.slice(2), used: 1 } : { flag: "-v", value: argv[index + 1], used: 2 };
  return undefined;
}

/** A `-v` source that is a host path rather than a named volume. */
function isHostPath(volume: string): boolean {
  const source = volume.split(":")[0] ?? "";
  return source.startsWith("/") || source.startsWith(".") || source.startsWith("~") || source.includes("/");
}

function refusedSecurityOpt(value: string): boolean {
  return /unconfined|label[=:]disable|no-new-privileges[=:]false/i.test(value);
}

function refusedMount(value: string): boolean {
  const fields = value.split(",").map((field) => field.trim().toLowerCase());
  return fields.some((field) => field === "type=bind" || field === "type=devpts" || /^(source|src)=[/.~]/.test(field));
}

/** One message per refused flag in `argv` (runtime arguments as resolved), naming the flag. */
export function unsafeRuntimeFlags(argv: readonly string[]): string[] {
  const refusals: string[] = [];
  for (let index = 0; index < argv.length; ) {
    const found = flagAt(argv, index);
    if (!found) {
      index += 1;
      continue;
    }
    const { flag, value } = found;
    const given = value === undefined ? flag : `${flag} ${value}`;
    const gives = ALWAYS_REFUSED[flag];
    if (gives !== undefined) refusals.push(`"${flag}" is refused: it gives the container ${gives}`);
    else if (HOST_NAMESPACES.has(flag) && value === "host") refusals.push(`"${given}" is refused: it puts the container in the host's namespace`);
    else if ((flag === "--volume" || flag === "-v") && value !== undefined && isHostPath(value)) refusals.push(`"${given}" is refused: it mounts a host path into the container`);
    else if (flag === "--mount" && value !== undefined && refusedMount(value)) refusals.push(`"${given}" is refused: it mounts a host path into the container`);
    else if (flag === "--security-opt" && value !== undefined && refusedSecurityOpt(value)) refusals.push(`"${given}" is refused: it turns off the container's confinement`);
    // A word after a flag is its value, not another flag; a following flag is looked at on its own.
    index += found.used === 2 && value !== undefined && !value.startsWith("-") ? 2 : 1;
  }
  return refusals;
}
