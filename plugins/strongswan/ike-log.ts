/** An IKE failure charon logged for one connection. */
export interface IkeError {
  /** The connection (IKE_SA) name. */
  connection: string;
  message: string;
  /** The peers' pre-shared keys differ: nothing but fixing the key brings the cable up. */
  authentication: boolean;
}

// 12[IKE] <submariner-cable-west-10-250-2-2|3> received AUTHENTICATION_FAILED notify error
// (charon's filelog with ike_name = yes; an optional time stamp may come first). ENC and NET lines only
// describe messages ("generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]"): the IKE line says what happened.
const LINE = /\d+\[(?:IKE|CFG|CHD|KNL)\] <([^|>]+)\|\d+> (.*)$/;
const FAILURE = /notify error|MAC mismatched|no shared key|failed|unacceptable|not responding|giving up|unable to/i;
const AUTHENTICATION = /AUTHENTICATION_FAILED|MAC mismatched|no shared key/;

/** The IKE failure a charon log line reports for a named connection, if it reports one. Pure. */
export function parseIkeError(line: string): IkeError | undefined {
  const m = LINE.exec(line);
  const connection = m?.[1];
  const message = m?.[2]?.trim();
  if (!connection || !message || !FAILURE.test(message)) return undefined;
  return { connection, message, authentication: AUTHENTICATION.test(message) };
}
