/** Claude Code's status-line input, for the unit and integration tests. */

export const NOW = Date.parse('2026-11-20T12:00:00Z');
export const S = (ms: number) => Math.floor(ms / 1000);

/** The shape Claude Code sends a status-line command (subscription session). */
export const CLAUDE_STATUS_JSON = {
  hook_event_name: 'Status',
  session_id: 'abc123',
  transcript_path: '/home/dev/.claude/projects/x/abc123.jsonl',
  cwd: '/home/dev/myapp/src',
  model: { id: 'claude-opus-4-6', display_name: 'Opus' },
  workspace: { current_dir: '/home/dev/myapp/src', project_dir: '/home/dev/myapp' },
  version: '2.1.90',
  output_style: { name: 'default' },
  cost: { total_cost_usd: 1.372, total_duration_ms: 45000, total_api_duration_ms: 2300, total_lines_added: 156, total_lines_removed: 23 },
  context_window: {
    total_input_tokens: 15234,
    total_output_tokens: 4521,
    context_window_size: 200000,
    used_percentage: 42,
    remaining_percentage: 58,
  },
  exceeds_200k_tokens: false,
  rate_limits: {
    five_hour: { used_percentage: 23.5, resets_at: S(NOW + 2 * 3600_000 + 20 * 60_000) },
    seven_day: { used_percentage: 41, resets_at: S(NOW + 3 * 86_400_000 - 3 * 3600_000) },
  },
};
