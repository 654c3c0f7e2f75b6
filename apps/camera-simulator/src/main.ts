import { simulateCamera } from './camera-simulator';
import { UsageError, parseSimulatorOptions } from './simulator.options';
import { formatSummary } from './simulator.report';

async function main(): Promise<void> {
  const options = parseSimulatorOptions(process.argv.slice(2), process.env);
  const interactive = process.stderr.isTTY;
  process.stderr.write(
    `simulating a camera: ${options.folder} at ${options.rate} images/s against ${options.api}\n`,
  );
  const { summary, stopped } = await simulateCamera(options, (outcome, done, total) => {
    if (interactive)
      process.stderr.write(
        `\r${done}/${total} sent, last: ${outcome.httpStatus} ${outcome.verdict ?? outcome.status}   `,
      );
    else if (done % 50 === 0 || done === total) process.stderr.write(`${done}/${total} sent\n`);
  });
  if (interactive) process.stderr.write('\n');
  if (stopped)
    process.stderr.write(
      `simulate: stopped: the API at ${options.api} stopped answering (${stopped.reason}); ` +
        `${stopped.remaining} images not sent, pending verdicts not awaited. What was sent:\n`,
    );
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (stopped) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof UsageError ? error.message : `simulate: ${(error as Error).message}`}\n`,
  );
  process.exit(error instanceof UsageError ? 2 : 1);
});
