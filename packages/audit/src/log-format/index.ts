/** The message-log file format shared by the security server (writer) and the auditor (reader). */
export { FrameType, MAX_FRAME_PART, encodeFrame, decodeFrameAt, decodeFrames, scanFrames, parseEntry, type Frame, type DecodeResult, type FrameProblem, type ReadAt } from './frame.ts';
export { MerkleFrontier, MerkleRange, leafHash, nodeHash, verifyLeafInclusion, verifyLogConsistency, type FrontierNode } from './merkle.ts';
export * from './entries.ts';
export { sealArchive, openArchive, isEncryptedArchive, loadArchiveKey, ARCHIVE_EXTENSION, SEGMENT_EXTENSION } from './archive-file.ts';
