import Mocha from 'mocha';
import * as path from 'node:path';

/** Entry point VS Code's test runner calls inside the extension host. */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: true });
  mocha.addFile(path.resolve(__dirname, 'extension.desktop.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} desktop test(s) failed.`)) : resolve()));
  });
}
