#!/usr/bin/env bash
# One command from a fresh clone to a working Token Meter: installs dependencies, builds the .vsix,
# installs it into every VS Code flavour found on this machine, and otherwise shows the headless report.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Installing dependencies"
npm ci --no-audit --no-fund

echo "==> Building token-meter.vsix"
npm run --silent package

installed=0
for cli in code code-insiders codium code-server; do
  if command -v "$cli" >/dev/null 2>&1; then
    echo "==> Installing into $cli"
    if "$cli" --install-extension "$PWD/token-meter.vsix" --force; then installed=1; fi
  fi
done

if [ "$installed" = 1 ]; then
  echo
  echo "Token Meter is installed. Reload VS Code; the meter appears in the status bar."
  echo "Run \"Token Meter: Show My Usage This Week\" from the command palette (F1)."
else
  echo
  echo "No VS Code command line (code, code-insiders, codium, code-server) found on PATH."
  echo "Install the extension later with: code --install-extension $PWD/token-meter.vsix"
  echo "Meanwhile, the headless report of this week:"
  echo
  node dist/cli.js report --week
fi
