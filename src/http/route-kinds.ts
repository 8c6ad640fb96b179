// Who calls a path decides what it gets: the limiter (staff), browser headers (not webhooks).

/** Paths that staff tokens open (the API, the operations view). */
export function isStaffPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/api' || url.startsWith('/ops/');
}

/** Paths the providers' servers call (Kakao, Twilio, the SMS gateways), never a browser. */
export function isWebhookPath(url: string): boolean {
  return url.startsWith('/webhooks/');
}
