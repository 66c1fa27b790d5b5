// Draws packaging/icons/vigil.png (512x512) from the same shapes as packaging/icons/vigil.svg,
// without a rasterizer: `node packaging/icon-png.mjs`. electron-builder makes .icns/.ico from it.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 512;
const PTS = [[64, 256], [140, 256], [170, 170], [206, 350], [242, 120], [278, 392], [314, 200], [344, 300], [372, 256], [448, 256]];
const segDist = (x, y, [ax, ay], [bx, by]) => {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
};
const inRoundRect = (x, y) => {
  const cx = Math.min(Math.max(x, 112), 400), cy = Math.min(Math.max(y, 112), 400);
  return x >= 16 && x <= 496 && y >= 16 && y <= 496 && Math.hypot(x - cx, y - cy) <= 96;
};
const raw = Buffer.alloc(N * (1 + 4 * N));
for (let y = 0; y < N; y++) {
  raw[y * (1 + 4 * N)] = 0;
  for (let x = 0; x < N; x++) {
    const o = y * (1 + 4 * N) + 1 + 4 * x;
    let d = Infinity;
    for (let i = 1; i < PTS.length; i++) d = Math.min(d, segDist(x + 0.5, y + 0.5, PTS[i - 1], PTS[i]));
    const rgba = d <= 14 ? [0x4f, 0xd1, 0xc5, 255] : inRoundRect(x + 0.5, y + 0.5) ? [0x12, 0x32, 0x4a, 255] : [0, 0, 0, 0];
    raw.set(rgba, o);
  }
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, sum]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6;
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
writeFileSync(new URL('./icons/vigil.png', import.meta.url), png);
