-- Dashboard sign-ins. The browser holds a random session id; only its SHA-256 is stored, as for
-- tokens. Kept in the database (not in server memory) so a session survives a restart, works across
-- several servers on one Postgres, and ends when its user's token is rotated.
CREATE TABLE dashboard_sessions (
  id_hash     text PRIMARY KEY,
  -- Order of creation, for keeping a user's newest sessions (created_at may tie within a millisecond).
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_user ON dashboard_sessions (user_id, seq);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
