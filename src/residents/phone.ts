import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const KOREAN_MOBILE = /^(?:\+8210|010)(\d{8})$/;

/** E.164 form of a phone number as a provider sent it; Korean numbers without a country code are read as Korean. */
export function normalizePhone(raw: string): string | null {
  // Nearly every sender is a Korean mobile (010 and eight digits), which the providers send
  // as E.164 or as dialled: answered without the full parser, a twentieth of a webhook's CPU.
  const mobile = KOREAN_MOBILE.exec(raw);
  if (mobile) return `+8210${mobile[1]}`;
  const parsed = parsePhoneNumberFromString(raw.trim(), 'KR');
  return parsed?.isPossible() ? parsed.number : null;
}

/**
 * Masks a phone number for lists: 010-****-1234. Only the last four digits stay,
 * which is what staff need to tell two residents apart on the phone.
 */
export function maskPhone(e164: string | null): string | null {
  if (!e164) return null;
  const parsed = parsePhoneNumberFromString(e164);
  const national = parsed?.countryCallingCode === '82' ? parsed.formatNational() : e164;
  const digits = national.replace(/\D/g, '');
  if (digits.length < 7) return '****';
  const last = digits.slice(-4);
  if (parsed?.countryCallingCode === '82') {
    return `${digits.slice(0, digits.startsWith('02') ? 2 : 3)}-****-${last}`;
  }
  return `${e164.slice(0, 3)}****${last}`;
}
