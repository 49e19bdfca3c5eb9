// Prints one badge line per service listed in services.json.
import { readFile } from 'node:fs/promises';
import ms from 'ms';

const services = JSON.parse(await readFile(new URL('./services.json', import.meta.url), 'utf8'));
for (const s of services) {
  const badge = s.up ? 'UP  ' : 'DOWN';
  console.log(`[${badge}] ${s.name.padEnd(10)} for ${ms(s.seconds * 1000)}`);
}
console.log(`${services.filter((s) => s.up).length}/${services.length} services up`);
