/**
 * A node's current condition, kept by its session in main (NodeInfo.condition): whether its anomaly
 * alarm is on, what detects on it, when it was last heard and its latest window's levels. The pages
 * read it from main, so a page that opens or reloads in the middle of an alarm still shows it until
 * the node says the alarm ended (docs/architecture.md, "A node's condition").
 *
 * The alarm follows EVENT (docs/protocol.md §3.3): `started` makes it active, `ended` of the same
 * event_id clears it. The node ends an active alarm itself when the stream restarts or the model
 * changes, and repeats it (same event_id) after every HELLO it answers on a link that streams
 * features; so main also clears it when
 *  - the node restarted (an unsolicited HELLO with a new nonce: its detector starts afresh),
 *  - a HELLO shows another detector than the one that raised it (another model, learning, none),
 *  - after a HELLO it answered, a FEATURES frame comes before the repeated EVENT (it ended unseen).
 * Pure: no timers, no I/O; each method returns whether something the pages show changed.
 */
import { alarmEventFields, type DetectorStatus, type FeatureFrame, type NodeAlarmState, type NodeCondition, type NodeDetectorState, type NodeEventInfo, type NodeLinkInfo } from '../../models/api/contract';

/** How a HELLO came: the answer to main's HELLO_REQ, unasked, unasked after a node restart, or from another node on the port. */
export type HelloKind = 'answer' | 'unasked' | 'restarted' | 'other-node';

export class ConditionTracker {
  private alarm: NodeAlarmState | null = null;
  private detector: NodeDetectorState = { kind: 'unknown', learnPercent: 0 };
  private lastSeenMs: number | null = null;
  private latest: NodeCondition['latest'];
  /** After a HELLO the node answered while the alarm was on: waiting for the node to repeat it. */
  private confirmPending = false;

  snapshot(): NodeCondition {
    return {
      alarm: this.alarm ? { ...this.alarm } : null,
      detector: { ...this.detector },
      lastSeenMs: this.lastSeenMs,
      ...(this.latest ? { latest: { ...this.latest, ...(this.latest.velocityMmS ? { velocityMmS: [...this.latest.velocityMmS] } : {}) } } : {}),
    };
  }

  get alarmActive(): boolean {
    return this.alarm?.active === true;
  }

  /** Any frame from the node. */
  heard(nowMs: number): void {
    this.lastSeenMs = nowMs;
  }

  /**
   * A HELLO. `info` is its INFO block (absent from a 1.0 node); `featuresOn`: the link streams
   * features, so a node with an alarm on repeats its EVENT right after answering.
   */
  hello(info: NodeLinkInfo | undefined, kind: HelloKind, nowMs: number): boolean {
    let changed = false;
    if (kind === 'other-node') {
      changed = this.alarm !== null || this.latest !== undefined;
      this.alarm = null;
      this.latest = undefined;
      this.confirmPending = false;
    } else if (kind === 'restarted') {
      changed = this.end('restart', nowMs);
    }
    if (info) {
      const next: NodeDetectorState = {
        ...(info.detector ?? this.fromModel(info.modelVersion)),
        modelVersion: info.modelVersion,
        modelSource: info.modelSource,
      };
      changed = this.setDetector(next) || changed;
      if (this.alarmActive && !this.sameDetector(this.alarm!.modelVersion)) changed = this.end('detector', nowMs) || changed;
      if (kind === 'answer' && this.alarmActive && info.stream.features) this.confirmPending = true;
    }
    return changed;
  }

  /** An EVENT from the node. */
  event(e: NodeEventInfo, nowMs: number): boolean {
    this.confirmPending = false;
    const fields = alarmEventFields(e);
    const was = this.alarm;
    const same = was !== null && was.eventId === e.eventId && was.startWindow === e.startWindow && was.modelVersion === e.modelVersion;
    if (e.state === 'started') {
      // The node repeats an alarm that is still on (after a HELLO it answered): it keeps its start time.
      this.alarm = { ...fields, active: true, sinceMs: same && was.active ? was.sinceMs : nowMs };
      return !same || !was.active || was.peakScore !== e.peakScore || was.endWindow !== e.endWindow;
    }
    // An end that names another alarm than the one on (a late frame) does not end it.
    if (was?.active && !same) return false;
    this.alarm = { ...fields, active: false, sinceMs: same ? was.sinceMs : nowMs, endedMs: nowMs, endedBy: 'node' };
    return true;
  }

  /** A FEATURES window; says whether the alarm or (only) the detector changed. */
  features(f: FeatureFrame, nowMs: number): 'alarm' | 'detector' | null {
    this.latest = {
      windowIndex: f.windowIndex,
      tUs: f.tUs,
      atMs: nowMs,
      shaftHz: f.shaftHz,
      ...(f.velocityMmS ? { velocityMmS: f.velocityMmS } : {}),
      ...(f.anomalyScore !== undefined ? { anomalyScore: f.anomalyScore } : {}),
    };
    let alarm = false;
    if (this.confirmPending) {
      this.confirmPending = false;
      alarm = this.end('unconfirmed', nowMs);
    }
    // A node before protocol 1.3 says no detector state: its score says whether a model runs.
    const d: DetectorStatus | undefined = f.detector ?? (f.anomalyScore === undefined ? undefined : f.anomalyScore === null ? { kind: 'none', learnPercent: 0 } : { kind: 'model', learnPercent: 0 });
    const detector = d ? this.setDetector({ ...this.detector, kind: d.kind, learnPercent: d.learnPercent, ...(d.threshold !== undefined ? { threshold: d.threshold } : {}) }) : false;
    return alarm ? 'alarm' : detector ? 'detector' : null;
  }

  /** The detector that raises an alarm with this model_version still runs (0: the node's own baseline). */
  private sameDetector(modelVersion: number): boolean {
    const d = this.detector;
    if (d.kind === 'unknown') return d.modelVersion === undefined || d.modelVersion === modelVersion;
    if (modelVersion === 0) return d.kind === 'baseline' || d.kind === 'unseen-condition';
    return d.kind === 'model' && (d.modelVersion === undefined || d.modelVersion === modelVersion);
  }

  private fromModel(modelVersion: number): DetectorStatus {
    return { kind: modelVersion > 0 ? 'model' : 'none', learnPercent: 0 };
  }

  private setDetector(next: NodeDetectorState): boolean {
    const d = this.detector;
    const changed =
      d.kind !== next.kind || d.learnPercent !== next.learnPercent || d.modelVersion !== next.modelVersion || d.modelSource !== next.modelSource || d.threshold !== next.threshold;
    this.detector = next;
    return changed;
  }

  private end(by: NonNullable<NodeAlarmState['endedBy']>, nowMs: number): boolean {
    if (!this.alarm?.active) return false;
    this.alarm = { ...this.alarm, active: false, endedMs: nowMs, endedBy: by };
    this.confirmPending = false;
    return true;
  }
}

