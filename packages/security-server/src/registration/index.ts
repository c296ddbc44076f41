/** registration: signed management requests to the central registry (PR-MSERV, xroad-digest §4.7). */
export { RegistrationError, type RegistrationErrorCode } from './errors.ts';
export {
  buildPayload,
  type JwsKey,
  type ManagementEnvelope,
  type ManagementPayload,
  type ManagementRequestType,
} from './management-request.ts';
export {
  createRegistrationClient,
  type ManagementFetch,
  type RegistrationClient,
  type RegistrationClientOptions,
  type RegistrationView,
  type SubmittedRequest,
} from './registration-client.ts';
