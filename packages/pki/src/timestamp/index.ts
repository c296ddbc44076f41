export {
  buildTimeStampRequest,
  parseTimeStampRequest,
  type BuildTimeStampRequestOptions,
  type BuiltTimeStampRequest,
  type ParsedTimeStampRequest,
} from './time-stamp-request.ts';
export {
  buildTimeStampResponse,
  buildTimeStampRejection,
  parseTimeStampResponse,
  verifyTimeStampToken,
  timeStampTokenFromResponse,
  TSP_FAILURE_BITS,
  type TimeStampFailureInfo,
  type TimeStampStatus,
  type BuildTimeStampResponseOptions,
  type ParsedTimeStampResponse,
  type VerifyTimeStampTokenOptions,
  type TimeStampVerification,
} from './time-stamp-token.ts';
