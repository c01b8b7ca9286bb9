/**
 * Forward-only, numbered schema migrations. A migration is never edited once released; a change
 * is a new file here, added to the list below. The SQL stays portable (TEXT, INTEGER, BIGINT,
 * plain indexes) so the same schema can be written for PostgreSQL.
 */
import { migration001 } from "./001-servers-events-groups-tokens.js";
import { migration002 } from "./002-health.js";
import { migration003 } from "./003-alerts.js";
import { migration004 } from "./004-secrets-installs.js";
import { migration005 } from "./005-auth-audit.js";
import { migration006 } from "./006-encrypted-secrets.js";
import { migration007 } from "./007-discovery-usage.js";
import { migration008 } from "./008-retention-indexes.js";
import { migration009 } from "./009-alert-outbox.js";
import { migration010 } from "./010-token-expiry.js";
import { migration011 } from "./011-process-group-kind.js";
import { migration012 } from "./012-gateway-tool-approvals.js";
import { migration013 } from "./013-last-capabilities.js";
import { migration014 } from "./014-alert-silences.js";
import { migration015 } from "./015-rag.js";
import { migration016 } from "./016-agent-memory.js";
import { migration017 } from "./017-agents.js";
import { migration018 } from "./018-evolution.js";
import { migration019 } from "./019-dashboard-layouts.js";

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
  migration010,
  migration011,
  migration012,
  migration013,
  migration014,
  migration015,
  migration016,
  migration017,
  migration018,
  migration019,
];
