// Mocha reporter: mocha's own `spec` output, plus one JSON line with the counts
// appended to $TEST_SUMMARY_FILE, from which scripts/test.sh prints the final
// `tests: N passed, N failed` line for CI.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const suite = process.env.TEST_SUITE_NAME || 'mocha';
    runner.once('end', () => {
      const file = process.env.TEST_SUMMARY_FILE;
      if (!file) return;
      const { passes, failures, pending } = runner.stats ?? this.stats;
      fs.appendFileSync(file, JSON.stringify({ suite, passed: passes, failed: failures, pending }) + '\n');
    });
  }
}

module.exports = SummaryReporter;
