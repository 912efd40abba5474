/**
 * Prints one plain closing line, `Tests: N passed, N failed`, as the very last line of the run
 * (after Jest's own summary), so any CI that reads closing lines can count the run.
 */
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `Tests: ${results.numPassedTests} passed, ${failed} failed\n`;
    process.once('exit', () => process.stdout.write(line));
  }
}

module.exports = SummaryLineReporter;
