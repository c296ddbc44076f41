/** @tonle/durable-file: whole-file writes that survive a crash at any instant (old or new content, never torn). */
export { createFileAtomic, writeFileAtomic } from './durable-file.ts';
