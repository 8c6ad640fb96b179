import sharp from 'sharp';
import exifr from 'exifr';
import { fileTypeFromBuffer } from 'file-type';

/** Images kept; anything else (a PDF, a video, a document, a fake JPEG) is refused with a note. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic', 'image/heif', 'image/tiff']);

export interface ProcessedImage {
  ok: true;
  /** The type the bytes are (file-type), not what the provider declared. */
  detectedType: string;
  /** The copy kept: re-encoded, so no EXIF, GPS, XMP or ICC comment survives. */
  stored: { bytes: Buffer; contentType: string; extension: string; width: number; height: number };
  thumbnail: { bytes: Buffer; contentType: 'image/jpeg' };
  /** Where it was taken (EXIF GPS), for staff; null when the photo says nothing. */
  location: { latitude: number; longitude: number } | null;
}
export type ProcessResult = ProcessedImage | { ok: false; note: string; reason: string; detectedType: string | null };

export const THUMBNAIL_SIZE = 320;

/**
 * Checks a downloaded file and makes what is kept of it. The type comes from the bytes; the
 * pixel count is read from the header and checked against `maxPixels` before any decoding
 * (sharp's limitInputPixels, which also stops a file that lies in its header), so a small file
 * that would unpack into gigabytes (a decompression bomb) is refused unread.
 */
export async function processImage(bytes: Buffer, maxPixels: number): Promise<ProcessResult> {
  const detected = await fileTypeFromBuffer(bytes).catch(() => undefined);
  const detectedType = detected?.mime ?? null;
  if (detectedType === 'application/pdf') {
    return { ok: false, note: 'PDF 문서는 받지 않습니다. 사진으로 다시 보내 달라고 안내해 주세요.', reason: 'pdf', detectedType };
  }
  if (detectedType === null || !IMAGE_TYPES.has(detectedType)) {
    return { ok: false, note: '사진 파일이 아니어서 보관하지 않았습니다.', reason: `not an image (${detectedType ?? 'unknown'})`, detectedType };
  }
  const options = { limitInputPixels: maxPixels, failOn: 'error' as const, animated: false };
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes, options).metadata();
    width = meta.autoOrient?.width ?? meta.width ?? 0;
    height = meta.autoOrient?.height ?? meta.height ?? 0;
    if ((meta.width ?? 0) * (meta.height ?? 0) > maxPixels) return tooManyPixels(detectedType);
  } catch (error) {
    if (/pixel limit/i.test((error as Error).message)) return tooManyPixels(detectedType);
    return unreadable(detectedType, error);
  }
  let location: ProcessedImage['location'] = null;
  try {
    const gps = (await exifr.gps(bytes)) as { latitude?: number; longitude?: number } | undefined;
    if (gps && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude) && Math.abs(gps.latitude!) <= 90 && Math.abs(gps.longitude!) <= 180) {
      location = { latitude: gps.latitude!, longitude: gps.longitude! };
    }
  } catch {
    // No readable EXIF: no location.
  }
  try {
    // rotate(): turned upright by its EXIF orientation first, since the EXIF is not kept.
    const base = () => sharp(bytes, options).rotate();
    const keep = detectedType === 'image/png' || detectedType === 'image/gif' ? 'png' : detectedType === 'image/webp' ? 'webp' : 'jpeg';
    const encoder = base();
    const stored =
      keep === 'png'
        ? encoder.png()
        : keep === 'webp'
          ? encoder.webp({ quality: 85 })
          : encoder.flatten({ background: '#ffffff' }).jpeg({ quality: 85, mozjpeg: true });
    const { data, info } = await stored.toBuffer({ resolveWithObject: true });
    // JPEG has no transparency: a transparent PNG's thumbnail is on white, not black.
    const thumbnail = await base()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 70 })
      .toBuffer();
    return {
      ok: true,
      detectedType,
      stored: { bytes: data, contentType: `image/${keep}`, extension: keep === 'jpeg' ? 'jpg' : keep, width: info.width || width, height: info.height || height },
      thumbnail: { bytes: thumbnail, contentType: 'image/jpeg' },
      location,
    };
  } catch (error) {
    if (/pixel limit/i.test((error as Error).message)) return tooManyPixels(detectedType);
    return unreadable(detectedType, error);
  }
}

function tooManyPixels(detectedType: string): ProcessResult {
  return { ok: false, note: '사진의 화소 수가 너무 많아 열지 않았습니다.', reason: 'pixel limit', detectedType };
}

function unreadable(detectedType: string, error: unknown): ProcessResult {
  const heic = detectedType === 'image/heic' || detectedType === 'image/heif';
  return {
    ok: false,
    note: heic ? 'HEIC 사진은 열 수 없습니다. JPEG로 다시 보내 달라고 안내해 주세요.' : '사진 파일이 손상되어 열 수 없습니다.',
    reason: `unreadable: ${(error as Error).message.slice(0, 200)}`,
    detectedType,
  };
}
