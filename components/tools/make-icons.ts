/**
 * Generates the toolbar/store icons as PNG (no image dependency): a padlock on a rounded square.
 *   public/icon/{16,32,48,128}.png          the extension icon (teal, closed lock)
 *   public/icon/locked-{16,32,48}.png       toolbar while the vault is locked (grey, closed lock)
 *   public/icon/unlocked-{16,32,48}.png     toolbar while unlocked (teal, open shackle)
 * Run: npx tsx components/tools/make-icons.ts   (output is committed; rerun only to change the art)
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

type Rgba = [number, number, number, number];
type Variant = 'brand' | 'locked' | 'unlocked';

const TEAL: Rgba = [31, 111, 92, 255];
const GREY: Rgba = [96, 106, 118, 255];
const WHITE: Rgba = [255, 255, 255, 255];

/** Which colour covers point (x, y) in the unit square, or null for transparent. */
function paint(x: number, y: number, v: Variant): Rgba | null {
  const bg = v === 'locked' ? GREY : TEAL;
  if (!inRoundedRect(x, y, 0.02, 0.02, 0.98, 0.98, 0.2)) return null;
  // Lock body.
  if (inRoundedRect(x, y, 0.24, 0.46, 0.76, 0.86, 0.07)) {
    // Keyhole.
    const hole = (x - 0.5) ** 2 + (y - 0.61) ** 2 < 0.055 ** 2 || (Math.abs(x - 0.5) < 0.025 && y > 0.6 && y < 0.75);
    return hole ? bg : WHITE;
  }
  // Shackle: a ring segment above the body; the open variant lifts it and leaves a gap on the right.
  const cx = 0.5;
  const lift = v === 'unlocked' ? 0.1 : 0;
  const cy = 0.4 - lift;
  const r = Math.hypot(x - cx, y - cy);
  const inRing = r > 0.13 && r < 0.2;
  if (inRing && y <= cy) return WHITE;
  const leg = (lx: number) => Math.abs(x - lx) < 0.035 && y > cy && y < 0.47;
  if (leg(cx - 0.165)) return WHITE;
  if (v !== 'unlocked' && leg(cx + 0.165)) return WHITE;
  if (v === 'unlocked' && Math.abs(x - (cx + 0.165)) < 0.035 && y > cy && y < cy + 0.04) return WHITE;
  return bg;
}

function inRoundedRect(x: number, y: number, x0: number, y0: number, x1: number, y1: number, r: number): boolean {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return dx * dx + dy * dy <= r * r;
}

/** RGBA pixels with 4x4 supersampling (smooth edges at 16 px). */
function render(size: number, v: Variant): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const ss = 4;
  for (let py = 0; py < size; py++) {
    for (let pxl = 0; pxl < size; pxl++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = paint((pxl + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size, v);
          if (!c) continue;
          for (let k = 0; k < 3; k++) acc[k]! += c[k]! * c[3];
          acc[3]! += c[3];
        }
      }
      const o = (py * size + pxl) * 4;
      const a = acc[3]!;
      for (let k = 0; k < 3; k++) px[o + k] = a ? Math.round(acc[k]! / a) : 0;
      px[o + 3] = Math.round(a / (ss * ss));
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(data)]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.subarray(y * size * 4, (y + 1) * size * 4)).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

function main(): void {
  const dir = fileURLToPath(new URL('../../public/icon/', import.meta.url));
  for (const size of [16, 32, 48, 128]) writeFileSync(`${dir}${size}.png`, encodePng(size, render(size, 'brand')));
  for (const v of ['locked', 'unlocked'] as const) {
    for (const size of [16, 32, 48]) writeFileSync(`${dir}${v}-${size}.png`, encodePng(size, render(size, v)));
  }
}

main();
