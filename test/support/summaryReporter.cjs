// Mocha reporter: mocha's own `spec` output, plus one JSON line with the counts
// and the titles of the failed tests appended to $TEST_SUMMARY_FILE, from which
// scripts/test.sh prints them again at the end (where a CI log's tail shows
// them) before the final `tests: N passed, N failed` line.
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
      const failedTests = (this.failures ?? []).map((test) => {
        const first = String(test.err?.message ?? '').split('\n')[0];
        return `${test.fullTitle()}: ${first.length > 300 ? `${first.slice(0, 300)}…` : first}`;
      });
      fs.appendFileSync(file, JSON.stringify({ suite, passed: passes, failed: failures, pending, failedTests }) + '\n');
    });
  }
}

module.exports = SummaryReporter;
