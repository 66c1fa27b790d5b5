/**
 * The script bench/ingest.ts injects into every page before the app loads (a string, so that no
 * bundler helper leaks into it). It changes nothing the app does; it watches:
 *  - the app's WebSocket: a listener added before the app's own handler stamps every
 *    node.features / node.log event (JSON text) and node.raw frame (binary, models/api/rawWire.ts) with the wall time the page got it
 *    (performance.timeOrigin + performance.now()), and keeps per node the window indices and raw
 *    frame numbers it saw (first, last, received, gaps);
 *  - chart draws: CanvasRenderingContext2D.prototype.clearRect is wrapped; uPlot clears its canvas
 *    first and then draws synchronously, so a microtask queued there runs right after the draw.
 *    The canvas is mapped to its node through the Live card's (or the node analysis') data-path
 *    and the chart's testid (rms-chart / an-rms: the RMS trend, fed by FEATURES; raw-chart: the raw
 *    waveform and an-spectrum: the PSD, fed by RAW_BLOCK);
 *    every frame the page received for that node before the draw is then on screen, and one
 *    latency sample per frame (or per raw block) is kept while recording;
 *  - requestAnimationFrame: a loop counts frames and their intervals.
 * window.__vigilProbe: start() (zero the frame counter, start keeping latency samples),
 * snapshot() (counters now), stop() (stop keeping samples), samples() (the latency samples).
 */
export const INGEST_PROBE = String.raw`
(() => {
  if (window.__vigilProbe) return;
  const wall = () => performance.timeOrigin + performance.now();
  const P = {
    recording: false,
    feat: {},
    raw: {},
    logs: [],
    pendF: new Map(),
    pendR: new Map(),
    lat: { kind: [], path: [], node: [], recv: [], draw: [] },
    raf: { n: 0, t0: 0, last: 0, long: 0, worst: 0, intervals: [] },
    bytes: 0,
    messages: 0,
  };
  const pend = (m, path) => {
    let q = m.get(path);
    if (!q) m.set(path, (q = []));
    return q;
  };
  const onFeatures = (payload, t) => {
    const path = payload.path;
    const s = P.feat[path] || (P.feat[path] = { first: -1, last: -1, frames: 0, gaps: 0, dups: 0 });
    const tus = [];
    for (const f of payload.frames) {
      const w = f.windowIndex;
      if (s.last >= 0) {
        if (w <= s.last) { s.dups++; continue; }
        if (w > s.last + 1) s.gaps += w - s.last - 1;
      } else s.first = w;
      s.last = w;
      s.frames++;
      tus.push(f.tUs);
    }
    if (P.recording && tus.length) pend(P.pendF, path).push({ t, v: tus });
  };
  // node.raw comes as a binary frame (models/api/rawWire.ts): "VRAW", u32 header length, JSON header, samples.
  const utf8 = new TextDecoder();
  const onRaw = (buf, t) => {
    const dv = new DataView(buf);
    if (buf.byteLength < 8 || dv.getUint32(0, true) !== 0x57415256) return;
    const head = JSON.parse(utf8.decode(new Uint8Array(buf, 8, dv.getUint32(4, true))));
    const path = head.path;
    const s = P.raw[path] || (P.raw[path] = { first: -1, end: -1, frames: 0, blocks: 0, gapFrames: 0, blockFrames: 0 });
    const ends = [];
    for (const b of head.blocks) {
      const first = b.firstFrame;
      const span = b.frameCount * b.decimation;
      if (s.end >= 0) {
        if (first < s.end) continue;
        if (first > s.end) s.gapFrames += first - s.end;
      } else s.first = first;
      s.end = first + span;
      s.frames += span;
      s.blocks++;
      s.blockFrames = span;
      ends.push(s.end);
    }
    if (P.recording && ends.length) pend(P.pendR, path).push({ t, v: ends });
  };
  const onMessage = (ev) => {
    const d = ev.data;
    if (d instanceof ArrayBuffer) {
      const t = wall();
      P.messages++;
      P.bytes += d.byteLength;
      return onRaw(d, t);
    }
    if (typeof d !== 'string') return;
    const t = wall();
    P.messages++;
    P.bytes += d.length;
    if (d.startsWith('{"type":"event","event":"node.features"')) onFeatures(JSON.parse(d).payload, t);
    else if (d.startsWith('{"type":"event","event":"node.log"')) {
      const l = JSON.parse(d).payload;
      P.logs.push({ path: l.path, code: l.code, level: l.level, text: l.text, atMs: l.atMs, t });
    }
  };
  const NativeWS = window.WebSocket;
  class ProbeWS extends NativeWS {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', onMessage);
    }
  }
  window.WebSocket = ProbeWS;

  const where = new WeakMap();
  const chartOf = (canvas) => {
    let w = where.get(canvas);
    if (w) return w;
    // The Live page's cards (rms-chart, raw-chart), or one node's analysis (an-rms: its RMS trend;
    // an-spectrum: its PSD of the raw samples, recomputed four times a second).
    const chart = canvas.closest && canvas.closest('[data-testid="rms-chart"],[data-testid="raw-chart"],[data-testid="an-rms"],[data-testid="an-spectrum"]');
    const card = chart && chart.closest('[data-path]');
    if (!card) return null;
    const id = chart.dataset.testid;
    w = { kind: id === 'raw-chart' || id === 'an-spectrum' ? 'raw' : 'rms', path: card.dataset.path };
    where.set(canvas, w);
    return w;
  };
  const drawn = (w) => {
    const q = (w.kind === 'raw' ? P.pendR : P.pendF).get(w.path);
    if (!q || q.length === 0) return;
    const t = wall();
    for (const b of q) {
      for (const v of b.v) {
        P.lat.kind.push(w.kind === 'raw' ? 1 : 0);
        P.lat.path.push(w.path);
        P.lat.node.push(v);
        P.lat.recv.push(b.t);
        P.lat.draw.push(t);
      }
    }
    q.length = 0;
  };
  const clearRect = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (...args) {
    if (P.recording) {
      const w = chartOf(this.canvas);
      if (w) queueMicrotask(() => drawn(w));
    }
    return clearRect.apply(this, args);
  };

  const frame = (ts) => {
    const r = P.raf;
    if (r.last > 0) {
      const dt = ts - r.last;
      if (P.recording) {
        r.n++;
        if (r.intervals.length < 20000) r.intervals.push(dt);
        if (dt > 50) r.long++;
        if (dt > r.worst) r.worst = dt;
      }
    }
    r.last = ts;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  const copy = (o) => JSON.parse(JSON.stringify(o));
  window.__vigilProbe = {
    start() {
      P.recording = true;
      P.pendF.clear();
      P.pendR.clear();
      P.raf.n = 0;
      P.raf.long = 0;
      P.raf.worst = 0;
      P.raf.intervals = [];
      P.raf.t0 = performance.now();
      return this.snapshot();
    },
    stop() {
      P.recording = false;
      return this.snapshot();
    },
    snapshot() {
      return {
        wall: wall(),
        visibility: document.visibilityState,
        feat: copy(P.feat),
        raw: copy(P.raw),
        rafFrames: P.raf.n,
        rafMs: performance.now() - P.raf.t0,
        rafLong: P.raf.long,
        rafWorst: P.raf.worst,
        rafIntervals: P.raf.intervals.slice(),
        messages: P.messages,
        bytes: P.bytes,
        logs: P.logs.slice(),
      };
    },
    samples() {
      return P.lat;
    },
  };
})();
`;
