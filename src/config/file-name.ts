/** The config file's name when none is given: a module of its own, so a command can show it without loading the validator. */
export const DEFAULT_CONFIG_FILE = "mcp_server_configs.json";
