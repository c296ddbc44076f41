/**
 * `@tonle/client-sdk/testing`: a mock of your own security server for tests of code that calls X-Road.
 */
export {
  createMockSecurityServer,
  type MockHandler,
  type MockListedClient,
  type MockReply,
  type MockRequest,
  type MockRequestRecord,
  type MockSecurityServer,
  type MockSecurityServerOptions,
  type MockService,
  type MockTlsOptions,
} from './mock-security-server.ts';
export { GatewayFault } from '@tonle/protocol';
