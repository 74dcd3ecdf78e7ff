#!/usr/bin/env node
// Copies the screenshots the README shows from the last end-to-end run (.artifacts/e2e) into
// docs/images, so the README's pictures are of the current build. Run `npm run test:e2e` first.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const artifacts = path.join(root, '.artifacts', 'e2e');
const images = path.join(root, 'docs', 'images');

/** docs/images name → the e2e screenshot it comes from. */
const README_SCREENSHOTS = {
  'status-bar-tooltip.png': 'budget-2-budget-tooltip.png',
  'limits-tooltip.png': 'limits-exact-limits.png',
  'copilot-quota.png': 'copilot-quota-copilot-quota.png',
  'dashboard-dark.png': 'dashboard-1-dashboard-dark.png',
  'dashboard-light.png': 'dashboard-4-dashboard-light.png',
  'walkthrough.png': 'walkthrough-get-started.png',
};

const missing = Object.values(README_SCREENSHOTS).filter((source) => !fs.existsSync(path.join(artifacts, source)));
if (missing.length > 0) {
  console.error(`Missing from ${artifacts}: ${missing.join(', ')}. Run \`npm run test:e2e\` first.`);
  process.exit(1);
}
fs.mkdirSync(images, { recursive: true });
for (const [target, source] of Object.entries(README_SCREENSHOTS)) {
  fs.copyFileSync(path.join(artifacts, source), path.join(images, target));
  console.log(`docs/images/${target} ← .artifacts/e2e/${source}`);
}
