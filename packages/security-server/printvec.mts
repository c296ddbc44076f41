import { computeVectors } from '/work/wt-exchange/packages/security-server/test/transport/vectors.ts';
const v = await computeVectors();
for (const [k, val] of Object.entries(v)) console.log(`\`\`\`text vector:${k}\n${val}\n\`\`\`\n`);
