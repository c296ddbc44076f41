import { GatewayFault } from '@tonle/protocol';

/** The catalog fault `fn` throws (code and HTTP status), undefined if it returns; anything else is rethrown. */
export function faultOf(fn: () => unknown): { code: string; status: number } | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!GatewayFault.is(error)) throw error;
    return { code: error.code, status: error.status };
  }
}
