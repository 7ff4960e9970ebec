/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile>… [--fn name,name] [--from s] [--to s]`:
 * where a CPU profile written by `node --cpu-prof` (or `npm run bench -- --profile`) spent its
 * busy time, optionally only between `--from` and `--to` seconds after the profile started.
 */
import { formatProfile, summarizeProfile } from './lib/profile';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const needles = (option('fn') ?? '').split(',').filter(Boolean);
const seconds = (name: string): number | undefined =>
  option(name) === undefined ? undefined : Number(option(name)) * 1000;
const files = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (files.length === 0) {
  process.stderr.write('usage: tsx bench/profile-summary.ts <file.cpuprofile>… [--fn a,b]\n');
  process.exit(2);
}
for (const file of files) {
  const window = { fromMs: seconds('from'), toMs: seconds('to') };
  process.stdout.write(`${formatProfile(summarizeProfile(file, needles, 25, window))}\n\n`);
}
