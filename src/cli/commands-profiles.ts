/** `merkle profiles`: the tree profiles and leaf modes this build knows, and what each can do. */
import { kLeafModeInfo, kLeafModes } from '../store/leaf-modes.js';
import { kProfileNames, kProfiles } from '../tree/profile.js';
import type { Command } from './commands.js';
import { EXIT_OK } from './exit.js';
import { writeOut } from './output.js';

const profiles: Command = {
  name: 'profiles',
  summary: 'list the tree profiles and leaf modes, and what each can do',
  positionals: [0, 0],
  options: { json: { type: 'boolean' } },
  help: `Usage: merkle profiles [--json]

Lists each tree profile (its rules, the hashes it is defined for, whether it takes leaf hashes,
appends, and consistency proofs) and each leaf mode.
  --json   print one JSON object: { profiles: [...], leafModes: [...] }
`,
  async run(values) {
    const report = {
      profiles: kProfileNames.map((name) => kProfiles[name]),
      leafModes: kLeafModes.map((name) => ({ name, ...kLeafModeInfo[name] })),
    };
    if (values.json) {
      writeOut(`${JSON.stringify(report, null, 2)}\n`);
      return EXIT_OK;
    }
    const yes = (flag: boolean, what: string) => (flag ? [what] : []);
    const lines = report.profiles.map((p) => {
      const can = [...yes(p.leavesFromHashes, 'leaf hashes'), ...yes(p.appendable, 'append'), ...yes(p.consistencyProofs, 'consistency proofs')];
      return `${p.name.padEnd(9)} ${p.hashes ? p.hashes.join(', ') : 'any hash'}; ${can.length ? can.join(', ') : 'data leaves only'}\n          ${p.description}`;
    });
    const modes = report.leafModes.map((m) => `${m.name.padEnd(12)} ${m.description}`);
    writeOut(`Profiles:\n${lines.join('\n')}\n\nLeaf modes:\n${modes.join('\n')}\n`);
    return EXIT_OK;
  },
};

export const kProfileCommands: Record<string, Command> = { profiles };
