/**
 * The curated catalog shipped with the product, in server.json form. It holds every server the
 * specification names (the Python reference servers, sequential thinking, memory, Context7,
 * GitHub and the four Cloudflare remotes) and the other official reference servers published to
 * npm and PyPI.
 *
 * Package names and versions were checked against the npm and PyPI package indexes when written;
 * `name` is the package's own `mcpName` where it publishes one, otherwise the reverse-DNS of the
 * repository (io.github.<owner>/<repo-folder>) or of the remote's host (com.cloudflare.mcp/...).
 * Descriptions stay within the official registry's 100-character limit. Servers marked archived
 * upstream still install and run, but get no fixes: their descriptions say so.
 */
import type { CatalogEntryInput } from "./schema.js";

const SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json";
const SERVERS_REPO = "https://github.com/modelcontextprotocol/servers";
const ARCHIVED_REPO = "https://github.com/modelcontextprotocol/servers-archived";
const CLOUDFLARE_REPO = "https://github.com/cloudflare/mcp-server-cloudflare";

const stdio = { type: "stdio" } as const;

/**
 * Cloudflare's account-bound servers sign in with OAuth; a client that cannot do OAuth may send a
 * Cloudflare API token instead. Optional, so the server installs without one.
 */
const cloudflareTokenHeader = [
  {
    name: "Authorization",
    description: "Cloudflare API token, for clients that do not sign in with OAuth",
    value: "Bearer {CLOUDFLARE_API_TOKEN}",
    isRequired: false,
    isSecret: true,
    variables: {
      CLOUDFLARE_API_TOKEN: { description: "A Cloudflare API token", isRequired: false, isSecret: true },
    },
  },
];

export const BUILTIN_CATALOG: readonly CatalogEntryInput[] = [
  // ---- named by the specification ------------------------------------------------------------
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-filesystem",
    title: "Filesystem",
    description: "Read, write, search and edit files within the directories you allow",
    version: "2026.8.31",
    repository: { url: SERVERS_REPO, source: "github", subfolder: "src/filesystem" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-filesystem",
        version: "2026.8.31",
        runtimeHint: "npx",
        transport: stdio,
        packageArguments: [
          {
            type: "positional",
            valueHint: "allowed_directory",
            description: "A directory the server may read and write",
            format: "filepath",
            isRequired: true,
            isRepeated: true,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "filesystem",
        category: "filesystem",
        tags: ["files", "directories", "read", "write", "search", "official"],
        featured: true,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.punkpeye/mcp-filesystem-python",
    title: "Python Filesystem",
    description: "Python file server with .gitignore support and path traversal protection (from source)",
    version: "0.1.0",
    repository: { url: "https://github.com/punkpeye/mcp-filesystem-python", source: "github" },
    // Not published to a package index: it runs from a checkout (`python filesystem_server.py <dir>`).
    _meta: {
      "io.pygent/marketplace": {
        id: "python-filesystem",
        category: "filesystem",
        tags: ["files", "python", "gitignore", "source"],
        featured: false,
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-fetch",
    title: "Fetch",
    description: "Fetch web pages and convert them to markdown for language models",
    version: "2026.10.24",
    repository: { url: SERVERS_REPO, source: "github", subfolder: "src/fetch" },
    packages: [
      {
        registryType: "pypi",
        registryBaseUrl: "https://pypi.org",
        identifier: "mcp-server-fetch",
        version: "2026.10.24",
        runtimeHint: "uvx",
        transport: stdio,
        packageArguments: [
          { type: "named", name: "--user-agent", description: "User-Agent header to send", isRequired: false },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "fetch",
        category: "web",
        tags: ["http", "web", "markdown", "scrape", "python", "official"],
        featured: true,
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-time",
    title: "Time",
    description: "Current time and time zone conversions using IANA time zone names",
    version: "2026.10.19",
    repository: { url: SERVERS_REPO, source: "github", subfolder: "src/time" },
    packages: [
      {
        registryType: "pypi",
        registryBaseUrl: "https://pypi.org",
        identifier: "mcp-server-time",
        version: "2026.10.19",
        runtimeHint: "uvx",
        transport: stdio,
        packageArguments: [
          {
            type: "named",
            name: "--local-timezone",
            description: "IANA time zone to treat as local, e.g. Europe/Berlin",
            isRequired: false,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "time",
        category: "productivity",
        tags: ["time", "timezone", "date", "python", "official"],
        featured: true,
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-git",
    title: "Git",
    description: "Read, search and change local Git repositories: status, diff, log, commit, branch",
    version: "2026.10.19",
    repository: { url: SERVERS_REPO, source: "github", subfolder: "src/git" },
    packages: [
      {
        registryType: "pypi",
        registryBaseUrl: "https://pypi.org",
        identifier: "mcp-server-git",
        version: "2026.10.19",
        runtimeHint: "uvx",
        transport: stdio,
        packageArguments: [
          {
            type: "named",
            name: "--repository",
            description: "Path of the Git repository to work on",
            format: "filepath",
            isRequired: false,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "git",
        category: "development",
        tags: ["git", "version-control", "diff", "commit", "python", "official"],
        featured: true,
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-sequential-thinking",
    title: "Sequential Thinking",
    description: "Structured step-by-step reasoning with revisable and branching thoughts",
    version: "2026.8.31",
    repository: { url: SERVERS_REPO, source: "github", subfolder: "src/sequentialthinking" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-sequential-thinking",
        version: "2026.8.31",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          {
            name: "DISABLE_THOUGHT_LOGGING",
            description: "Set to true to stop logging thoughts to standard error",
            format: "boolean",
            isRequired: false,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "sequential-thinking",
        category: "reasoning",
        tags: ["reasoning", "thinking", "planning", "problem-solving", "official"],
        featured: true,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-memory",
    title: "Memory",
    description: "Persistent memory as a knowledge graph of entities, relations and observations",
    version: "2026.8.31",
    repository: { url: SERVERS_REPO, source: "github", subfolder: "src/memory" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-memory",
        version: "2026.8.31",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          {
            name: "MEMORY_FILE_PATH",
            description: "Where to keep the knowledge graph (a JSON lines file)",
            format: "filepath",
            isRequired: false,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "memory",
        category: "knowledge",
        tags: ["memory", "knowledge-graph", "persistence", "context", "official"],
        featured: true,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.upstash/context7",
    title: "Context7",
    description: "Up-to-date, version-specific library documentation and code examples",
    version: "4.1.1",
    websiteUrl: "https://context7.com",
    repository: { url: "https://github.com/upstash/context7", source: "github" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@upstash/context7-mcp",
        version: "4.1.1",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          {
            name: "CONTEXT7_API_KEY",
            description: "Context7 API key, for higher rate limits",
            isRequired: false,
            isSecret: true,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "context7",
        category: "knowledge",
        tags: ["documentation", "docs", "libraries", "code-examples", "upstash"],
        featured: true,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-github",
    title: "GitHub",
    description: "GitHub API: repositories, files, issues, pull requests and search (archived upstream)",
    version: "2025.4.8",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/github" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-github",
        version: "2025.4.8",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          {
            name: "GITHUB_PERSONAL_ACCESS_TOKEN",
            description: "GitHub personal access token with the repo scopes you need",
            isRequired: true,
            isSecret: true,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "github",
        category: "development",
        tags: ["github", "git", "issues", "pull-requests", "repositories", "official"],
        featured: true,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "com.cloudflare.mcp/docs",
    title: "Cloudflare Documentation",
    description: "Search and read up-to-date Cloudflare documentation and guides",
    version: "1.0.0",
    websiteUrl: "https://developers.cloudflare.com",
    repository: { url: CLOUDFLARE_REPO, source: "github", subfolder: "apps/docs-vectorize" },
    remotes: [
      { type: "sse", url: "https://docs.mcp.cloudflare.com/sse" },
      { type: "streamable-http", url: "https://docs.mcp.cloudflare.com/mcp" },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "cloudflare-docs",
        category: "knowledge",
        tags: ["cloudflare", "documentation", "docs", "remote"],
        featured: true,
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "com.cloudflare.mcp/bindings",
    title: "Cloudflare Workers Bindings",
    description: "Manage Workers KV, D1, R2, Hyperdrive and other bindings in a Cloudflare account",
    version: "1.0.0",
    websiteUrl: "https://developers.cloudflare.com/workers/",
    repository: { url: CLOUDFLARE_REPO, source: "github", subfolder: "apps/workers-bindings" },
    remotes: [
      { type: "sse", url: "https://bindings.mcp.cloudflare.com/sse", headers: cloudflareTokenHeader },
      { type: "streamable-http", url: "https://bindings.mcp.cloudflare.com/mcp", headers: cloudflareTokenHeader },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "cloudflare-bindings",
        category: "cloud",
        tags: ["cloudflare", "workers", "kv", "d1", "r2", "bindings", "remote"],
        featured: false,
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "com.cloudflare.mcp/radar",
    title: "Cloudflare Radar",
    description: "Internet traffic insights, attack trends and URL scans from Cloudflare Radar",
    version: "1.0.0",
    websiteUrl: "https://radar.cloudflare.com",
    repository: { url: CLOUDFLARE_REPO, source: "github", subfolder: "apps/radar" },
    remotes: [
      { type: "sse", url: "https://radar.mcp.cloudflare.com/sse", headers: cloudflareTokenHeader },
      { type: "streamable-http", url: "https://radar.mcp.cloudflare.com/mcp", headers: cloudflareTokenHeader },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "cloudflare-radar",
        category: "data",
        tags: ["cloudflare", "radar", "internet", "security", "traffic", "analytics", "remote"],
        featured: false,
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "com.cloudflare.mcp/browser",
    title: "Cloudflare Browser Rendering",
    description: "Render web pages in a headless browser: fetch HTML, convert to markdown, take screenshots",
    version: "1.0.0",
    websiteUrl: "https://developers.cloudflare.com/browser-rendering/",
    repository: { url: CLOUDFLARE_REPO, source: "github", subfolder: "apps/browser-rendering" },
    remotes: [
      { type: "sse", url: "https://browser.mcp.cloudflare.com/sse", headers: cloudflareTokenHeader },
      { type: "streamable-http", url: "https://browser.mcp.cloudflare.com/mcp", headers: cloudflareTokenHeader },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "cloudflare-browser",
        category: "automation",
        tags: ["cloudflare", "browser", "headless", "screenshot", "scrape", "remote"],
        featured: false,
      },
    },
  },

  // ---- other official reference servers ------------------------------------------------------
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-everything",
    title: "Everything",
    description: "Test server exercising every MCP feature: tools, resources, prompts, sampling",
    version: "2026.8.31",
    repository: { url: SERVERS_REPO, source: "github", subfolder: "src/everything" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-everything",
        version: "2026.8.31",
        runtimeHint: "npx",
        transport: stdio,
        packageArguments: [{ type: "positional", value: "stdio", description: "Serve over standard input/output" }],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "everything",
        category: "development",
        tags: ["testing", "reference", "protocol", "demo", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-brave-search",
    title: "Brave Search",
    description: "Web and local search through the Brave Search API (archived upstream)",
    version: "0.6.2",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/brave-search" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-brave-search",
        version: "0.6.2",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          { name: "BRAVE_API_KEY", description: "Brave Search API key", isRequired: true, isSecret: true },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "brave-search",
        category: "search",
        tags: ["search", "web-search", "brave", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-puppeteer",
    title: "Puppeteer",
    description: "Browser automation with Puppeteer: navigate, click, fill forms, screenshots (archived)",
    version: "2025.5.12",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/puppeteer" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-puppeteer",
        version: "2025.5.12",
        runtimeHint: "npx",
        transport: stdio,
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "puppeteer",
        category: "automation",
        tags: ["browser", "puppeteer", "chrome", "screenshot", "scrape", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-slack",
    title: "Slack",
    description: "Read and post Slack messages, threads, reactions and user profiles (archived upstream)",
    version: "2025.4.25",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/slack" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-slack",
        version: "2025.4.25",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          { name: "SLACK_BOT_TOKEN", description: "Slack bot token (xoxb-...)", isRequired: true, isSecret: true },
          { name: "SLACK_TEAM_ID", description: "Slack workspace (team) id", isRequired: true },
          {
            name: "SLACK_CHANNEL_IDS",
            description: "Comma-separated channel ids to limit access to",
            isRequired: false,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "slack",
        category: "productivity",
        tags: ["slack", "chat", "messaging", "team", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-postgres",
    title: "PostgreSQL",
    description: "Read-only access to a PostgreSQL database: inspect schemas, run queries (archived)",
    version: "0.6.2",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/postgres" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-postgres",
        version: "0.6.2",
        runtimeHint: "npx",
        transport: stdio,
        packageArguments: [
          {
            type: "positional",
            valueHint: "database_url",
            description: "Connection URL, e.g. postgresql://localhost/mydb",
            isRequired: true,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "postgres",
        category: "data",
        tags: ["postgres", "postgresql", "sql", "database", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-sqlite",
    title: "SQLite",
    description: "Query and change a SQLite database, with a business-insight memo (archived upstream)",
    version: "2025.4.25",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/sqlite" },
    packages: [
      {
        registryType: "pypi",
        registryBaseUrl: "https://pypi.org",
        identifier: "mcp-server-sqlite",
        version: "2025.4.25",
        runtimeHint: "uvx",
        transport: stdio,
        packageArguments: [
          {
            type: "named",
            name: "--db-path",
            description: "Path of the SQLite database file",
            format: "filepath",
            isRequired: true,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "sqlite",
        category: "data",
        tags: ["sqlite", "sql", "database", "python", "official"],
        featured: false,
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-redis",
    title: "Redis",
    description: "Get, set, list and delete keys in a Redis database (archived upstream)",
    version: "2025.4.25",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/redis" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-redis",
        version: "2025.4.25",
        runtimeHint: "npx",
        transport: stdio,
        packageArguments: [
          {
            type: "positional",
            valueHint: "redis_url",
            description: "Redis URL",
            default: "redis://localhost:6379",
            isRequired: false,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "redis",
        category: "data",
        tags: ["redis", "key-value", "cache", "database", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-gdrive",
    title: "Google Drive",
    description: "Search and read Google Drive files; Docs and Sheets export as text (archived upstream)",
    version: "2025.1.14",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/gdrive" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-gdrive",
        version: "2025.1.14",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          {
            name: "GDRIVE_CREDENTIALS_PATH",
            description: "Where the saved OAuth credentials are kept",
            format: "filepath",
            isRequired: false,
          },
          {
            name: "GDRIVE_OAUTH_PATH",
            description: "Path of the Google OAuth client keys file",
            format: "filepath",
            isRequired: false,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "gdrive",
        category: "productivity",
        tags: ["google-drive", "google", "docs", "sheets", "files", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-google-maps",
    title: "Google Maps",
    description: "Geocoding, place search, directions and distances via the Google Maps API (archived)",
    version: "0.6.2",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/google-maps" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-google-maps",
        version: "0.6.2",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          { name: "GOOGLE_MAPS_API_KEY", description: "Google Maps API key", isRequired: true, isSecret: true },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "google-maps",
        category: "data",
        tags: ["maps", "geocoding", "places", "directions", "google", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-gitlab",
    title: "GitLab",
    description: "GitLab API: projects, files, issues and merge requests (archived upstream)",
    version: "2025.4.25",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/gitlab" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-gitlab",
        version: "2025.4.25",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          {
            name: "GITLAB_PERSONAL_ACCESS_TOKEN",
            description: "GitLab personal access token",
            isRequired: true,
            isSecret: true,
          },
          {
            name: "GITLAB_API_URL",
            description: "GitLab API URL, for self-managed instances",
            default: "https://gitlab.com/api/v4",
            isRequired: false,
          },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "gitlab",
        category: "development",
        tags: ["gitlab", "git", "issues", "merge-requests", "repositories", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-aws-kb-retrieval",
    title: "AWS Knowledge Base Retrieval",
    description: "Retrieve passages from an AWS Bedrock Knowledge Base (archived upstream)",
    version: "0.6.2",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/aws-kb-retrieval-server" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-aws-kb-retrieval",
        version: "0.6.2",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          { name: "AWS_ACCESS_KEY_ID", description: "AWS access key id", isRequired: true, isSecret: true },
          { name: "AWS_SECRET_ACCESS_KEY", description: "AWS secret access key", isRequired: true, isSecret: true },
          { name: "AWS_REGION", description: "AWS region of the knowledge base", isRequired: true },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "aws-kb-retrieval",
        category: "knowledge",
        tags: ["aws", "bedrock", "rag", "retrieval", "knowledge-base", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
  {
    $schema: SCHEMA,
    name: "io.github.modelcontextprotocol/server-everart",
    title: "EverArt",
    description: "Generate images with EverArt's models (archived upstream)",
    version: "0.6.2",
    repository: { url: ARCHIVED_REPO, source: "github", subfolder: "src/everart" },
    packages: [
      {
        registryType: "npm",
        registryBaseUrl: "https://registry.npmjs.org",
        identifier: "@modelcontextprotocol/server-everart",
        version: "0.6.2",
        runtimeHint: "npx",
        transport: stdio,
        environmentVariables: [
          { name: "EVERART_API_KEY", description: "EverArt API key", isRequired: true, isSecret: true },
        ],
      },
    ],
    _meta: {
      "io.pygent/marketplace": {
        id: "everart",
        category: "media",
        tags: ["images", "image-generation", "art", "official"],
        featured: false,
        bin: "dist/index.js",
      },
    },
  },
];
