// Desktop VS Code run of the in-editor suite via @vscode/test-electron. It downloads a VS Code build,
// so it is for machines with internet access; CI here uses the code-server e2e suite instead.
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.resolve(__dirname, 'suite/index.js'),
    launchArgs: ['--disable-extensions', '--skip-welcome', '--skip-release-notes'],
  });
}

main().catch((error) => {
  console.error('Desktop tests failed:', error);
  process.exit(1);
});
