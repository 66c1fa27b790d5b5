import { describe, expect, it } from 'vitest';
import type { ModelProgress, ModelUpdateState } from '../../../models/api/contract';
import { previousVersion, type DeploymentRecord } from '../../../renderer/src/deploy/history';
import { nextRolloutStep } from '../../../renderer/src/deploy/rollout';

const p = (path: string, state: ModelUpdateState, message?: string): ModelProgress => ({
  path, kind: 'deploy', state, version: 5, sent: 0, total: 100, resumes: 0, startedMs: 0, updatedMs: 0, ...(message ? { message } : {}),
});

describe('staged rollout', () => {
  const plan = { canary: 'a', nodes: ['a', 'b', 'c'] };

  it('starts the canary alone, waits for it, then the rest once it confirms', () => {
    expect(nextRolloutStep(plan, new Set(), new Map())).toEqual({ kind: 'start', paths: ['a'] });
    for (const s of ['sending', 'committing', 'trial'] as const) expect(nextRolloutStep(plan, new Set(['a']), new Map([['a', p('a', s)]]))).toEqual({ kind: 'wait' });
    expect(nextRolloutStep(plan, new Set(['a']), new Map([['a', p('a', 'confirmed')]]))).toEqual({ kind: 'start', paths: ['b', 'c'] });
    const all = new Map([['a', p('a', 'confirmed')], ['b', p('b', 'trial')], ['c', p('c', 'refused')]]);
    expect(nextRolloutStep(plan, new Set(['a', 'b', 'c']), all)).toEqual({ kind: 'wait' });
    all.set('b', p('b', 'confirmed'));
    expect(nextRolloutStep(plan, new Set(['a', 'b', 'c']), all)).toEqual({ kind: 'done' });
  });

  it('holds the rest back when the canary reverts, is refused or fails, naming why', () => {
    for (const s of ['reverted', 'refused', 'failed'] as const) {
      const d = nextRolloutStep(plan, new Set(['a']), new Map([['a', p('a', s, 'the model failed its self-test on the node')]]));
      expect(d.kind).toBe('held');
      expect(d.kind === 'held' && d.reason).toMatch(new RegExp(`canary a did not confirm the model \\(${s}: the model failed its self-test`));
    }
  });

  it('without a canary sends to every node at once', () => {
    expect(nextRolloutStep({ canary: null, nodes: ['a', 'b'] }, new Set(), new Map())).toEqual({ kind: 'start', paths: ['a', 'b'] });
  });
});

describe('rollback target', () => {
  const r = (modelVersion: number, status: DeploymentRecord['status'], nodeId = 'n1', kind: DeploymentRecord['kind'] = 'deploy'): DeploymentRecord => ({
    id: `${nodeId}${modelVersion}${status}`, kind, nodeId, nodeName: nodeId, modelVersion, actor: 'Ana', status, message: '', runningVersion: null, createdMs: 0, updatedMs: 0,
  });
  it('is the newest confirmed deployment below the running version on that node', () => {
    const h = [r(2, 'confirmed'), r(3, 'confirmed'), r(4, 'reverted'), r(5, 'confirmed'), r(4, 'confirmed', 'n2'), r(4, 'rolled-back', 'n1', 'rollback')];
    expect(previousVersion(h, 'n1', 5)).toBe(3);
    expect(previousVersion(h, 'n1', 2)).toBeNull();
  });
});
