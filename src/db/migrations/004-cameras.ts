// src/db/migrations/004-cameras.ts
/** Cameras: the registry of live sources (docs/cameras.md). Credentials are stored encrypted. */
export const sql = `
CREATE TABLE cameras (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL UNIQUE,
  url           text NOT NULL,
  credentials   bytea,
  transport     text NOT NULL DEFAULT 'tcp' CHECK (transport IN ('tcp', 'udp')),
  on_demand     boolean NOT NULL DEFAULT false,
  record        boolean NOT NULL DEFAULT false,
  retention_max_age_s  bigint,
  retention_max_bytes  bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
`;
