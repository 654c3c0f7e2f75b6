// Prints the plain closing line CI reads ("N passed, N failed, N skipped") after jest's own summary, and the name of
// each skipped test (a test that cannot run here says why in its name).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    for (const file of results.testResults)
      for (const test of file.testResults)
        if (test.status === 'pending' || test.status === 'todo')
          process.stdout.write(`jest: skipped: ${test.fullName}\n`);
    process.stdout.write(
      `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
