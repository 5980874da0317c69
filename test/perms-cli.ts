// Runs `pvesec perms ...` until src/cli.ts registers the command: node --import tsx test/perms-cli.ts perms of ID --user-cfg FILE
import { Command } from 'commander';
import { registerPermsCommand } from '../src/commands/perms.js';

const program = new Command('pvesec');
registerPermsCommand(program);
program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`pvesec: ${e.message}\n`);
  process.exitCode = 2;
});
