export { apiKeyFromAuthorization, apiKeyMatches } from './api-key.ts';
