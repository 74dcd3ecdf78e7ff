/** The shape of GitHub's Copilot user endpoint (`/copilot_internal/user`) for a paid plan. */
export function copilotUserJson(resetIso: string): Record<string, unknown> {
  return {
    login: 'octo-dev',
    access_type_sku: 'plus_monthly_subscriber_quota',
    copilot_plan: 'individual_pro',
    chat_enabled: true,
    quota_reset_date: resetIso.slice(0, 10),
    quota_reset_date_utc: resetIso,
    quota_snapshots: {
      chat: {
        entitlement: 0,
        overage_count: 0,
        overage_permitted: false,
        percent_remaining: 100,
        quota_id: 'chat',
        quota_remaining: 0,
        remaining: 0,
        unlimited: true,
        timestamp_utc: '2026-11-20T11:58:00.000Z',
      },
      completions: {
        entitlement: 0,
        overage_count: 0,
        overage_permitted: false,
        percent_remaining: 100,
        quota_id: 'completions',
        quota_remaining: 0,
        remaining: 0,
        unlimited: true,
        timestamp_utc: '2026-11-20T11:58:00.000Z',
      },
      premium_interactions: {
        entitlement: 300,
        overage_count: 0,
        overage_permitted: false,
        percent_remaining: 40,
        quota_id: 'premium_interactions',
        quota_remaining: 120,
        remaining: 120,
        unlimited: false,
        timestamp_utc: '2026-11-20T11:58:00.000Z',
      },
    },
  };
}
