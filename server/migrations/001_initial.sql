-- Teams carry the budget and peak schedule the extension reads from GET /v1/budget.
-- Budget fields mirror the extension's tokenMeter.budget.* settings (0 = no limit) and the peak
-- fields mirror tokenMeter.peakHours.*, so the client can reuse its settings parser.
CREATE TABLE teams (
  id               text PRIMARY KEY,
  name             text NOT NULL,
  budget_unit      text NOT NULL DEFAULT 'usd' CHECK (budget_unit IN ('usd', 'tokens')),
  budget_daily     double precision NOT NULL DEFAULT 0 CHECK (budget_daily >= 0),
  budget_weekly    double precision NOT NULL DEFAULT 0 CHECK (budget_weekly >= 0),
  budget_monthly   double precision NOT NULL DEFAULT 0 CHECK (budget_monthly >= 0),
  week_start       text NOT NULL DEFAULT 'monday' CHECK (week_start IN ('monday', 'sunday', 'saturday')),
  peak_enabled     boolean NOT NULL DEFAULT false,
  peak_time_zone   text NOT NULL DEFAULT '',
  peak_windows     jsonb NOT NULL DEFAULT '[{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"18:00"}]',
  peak_multiplier  double precision NOT NULL DEFAULT 1.5 CHECK (peak_multiplier >= 1 AND peak_multiplier <= 100),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a user's token is stored; the token itself is printed once by the admin CLI.
CREATE TABLE users (
  id          text PRIMARY KEY,
  team_id     text NOT NULL REFERENCES teams (id),
  name        text NOT NULL,
  is_lead     boolean NOT NULL DEFAULT false,
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_team ON users (team_id, name);

-- One row per user, reporting client (an editor installation) and day. A client re-sends a day
-- with a higher revision as its totals grow; the upsert keeps the highest revision.
-- team_id is copied from the user so the team summary reads one index range.
CREATE TABLE daily_usage (
  user_id                 text NOT NULL REFERENCES users (id),
  client_id               text NOT NULL,
  day                     date NOT NULL,
  team_id                 text NOT NULL REFERENCES teams (id),
  revision                bigint NOT NULL,
  extension_version       text NOT NULL,
  input_tokens            bigint NOT NULL,
  output_tokens           bigint NOT NULL,
  cache_read_tokens       bigint NOT NULL,
  cache_write_tokens      bigint NOT NULL,
  reasoning_tokens        bigint NOT NULL,
  requests                bigint NOT NULL,
  cost_usd                double precision NOT NULL,
  peak_weighted_cost_usd  double precision NOT NULL,
  peak_weighted_tokens    double precision NOT NULL,
  peak_share              double precision NOT NULL,
  commits                 integer,
  hygiene                 jsonb NOT NULL,
  by_model                jsonb NOT NULL,
  received_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, client_id, day)
);
CREATE INDEX daily_usage_team_day ON daily_usage (team_id, day);
