// Mocha's spec output for people, plus a machine-readable tally for scripts/test-all.js:
// when TOKEN_METER_TALLY names a file, each run appends one JSON line with its real totals.
const fs = require('node:fs');
const Mocha = require('mocha');

class TallyReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const tallyFile = process.env.TOKEN_METER_TALLY;
    if (!tallyFile) return;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = this.stats;
      const suite = process.env.TOKEN_METER_SUITE || 'tests';
      fs.appendFileSync(tallyFile, JSON.stringify({ suite, passed: passes, failed: failures, skipped: pending }) + '\n');
    });
  }
}

module.exports = TallyReporter;
