// Child process for the crash test: commits registry changes in a loop on a file store and prints the
// number of each acknowledged change, until it is killed.
import { addMember, createFileStore, createMemoryAuditLog, createRegistry } from '@tonle/central-registry';
import { systemClock } from '@tonle/protocol';

const dir = process.argv[2]!;
const prefix = process.argv[3]!;
const store = await createFileStore({ dir });
const registry = createRegistry({ store, clock: systemClock, audit: createMemoryAuditLog() });
for (let i = 0; ; i += 1) {
  await registry.change({ id: 'crash-test' }, 'member.add', undefined, (s) => addMember(s, { memberClass: 'GOV', memberCode: `${prefix}${i}`, name: 'x'.repeat(200) }));
  process.stdout.write(`${i + 1}\n`);
}
