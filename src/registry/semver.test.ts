import { describe, expect, it } from 'vitest';
import {
  allowedBump,
  bumpBetween,
  bumpCovers,
  bumpVersion,
  compareVersionText,
  maxBump,
  parseVersion,
  sortVersions,
  versionProblem,
} from './semver.js';

describe('strict semver', () => {
  it('accepts v + MAJOR.MINOR.PATCH with an optional pre-release', () => {
    for (const v of [
      'v0.0.0',
      'v1.2.3',
      'v10.20.30',
      'v1.0.0-rc.1',
      'v2.0.0-alpha',
      'v1.0.0-0.3.7',
      'v1.0.0-x-y.1',
    ]) {
      expect(versionProblem(v), v).toBeNull();
    }
    expect(parseVersion('v1.0.0-rc.1')).toMatchObject({
      major: 1,
      minor: 0,
      patch: 0,
      prerelease: ['rc', 1],
    });
  });

  it.each([
    ['../x', /path/],
    ['v1.0.0/../../y', /path/],
    ['/abs', /path/],
    ['v01.2.3', /leading zeros/],
    ['v1.02.3', /leading zeros/],
    ['v1.2', /three numbers/],
    ['v1', /three numbers/],
    ['1.2.3', /leading "v"/],
    ['V1.2.3', /expected v/],
    ['v1.2.3+build', /build metadata/],
    ['v1.2.3-', /expected v/],
    ['v1.2.3-rc..1', /path|expected/],
    ['v1.2.3-01', /leading zeros|expected/],
    ['', /empty/],
    [' v1.2.3', /U\+0020/],
    ['v1.2.3\n', /U\+000A/],
    ['\u0475 1.2.3'.replace(' ', ''), /U\+0475/], // Cyrillic izhitsa looks like v
    ['v\uFF11.2.3', /U\+FF11/], // full-width digit one
    ['v1\u20242.3', /U\+2024/], // one-dot leader looks like '.'
    ['v1.2.3\u200B', /U\+200B/], // zero-width space
    [`v1.2.${'9'.repeat(70)}`, /longer than/],
    ['v99999999999999999999.0.0', /too large/],
    // Would compare equal to v1.0.0-rc.9007199254740992 (2^53): two directories, one precedence.
    ['v1.0.0-rc.9007199254740993', /too large/],
  ])('rejects %j', (raw, why) => {
    expect(versionProblem(raw)).toMatch(why);
    expect(() => parseVersion(raw)).toThrowError(
      expect.objectContaining({ code: 'DEF_ERR_REGISTRY_VERSION_INVALID' }),
    );
  });

  it('compares as semver, not as text', () => {
    expect(compareVersionText('v1.10.0', 'v1.2.0')).toBeGreaterThan(0);
    expect(compareVersionText('v1.0.0-rc.1', 'v1.0.0')).toBeLessThan(0);
    expect(compareVersionText('v1.0.0-rc.2', 'v1.0.0-rc.10')).toBeLessThan(0);
    expect(compareVersionText('v1.0.0-alpha', 'v1.0.0-alpha.1')).toBeLessThan(0);
    expect(compareVersionText('v1.0.0-1', 'v1.0.0-alpha')).toBeLessThan(0);
    expect(compareVersionText('v2.0.0', 'v2.0.0')).toBe(0);
    expect(
      sortVersions(['v1.10.0', 'v1.2.0', 'v1.0.0', 'v1.0.0-rc.1', 'v0.9.9', 'v1.2.0-beta', 'v10.0.0']),
    ).toEqual(['v0.9.9', 'v1.0.0-rc.1', 'v1.0.0', 'v1.2.0-beta', 'v1.2.0', 'v1.10.0', 'v10.0.0']);
  });

  it('bumps like `semver inc`', () => {
    expect(bumpVersion(null, 'patch')).toBe('v0.0.1');
    expect(bumpVersion(null, 'major')).toBe('v1.0.0');
    expect(bumpVersion(parseVersion('v1.2.3'), 'patch')).toBe('v1.2.4');
    expect(bumpVersion(parseVersion('v1.2.3'), 'minor')).toBe('v1.3.0');
    expect(bumpVersion(parseVersion('v1.2.3'), 'major')).toBe('v2.0.0');
    expect(bumpVersion(parseVersion('v1.9.0'), 'minor')).toBe('v1.10.0');
    expect(bumpVersion(parseVersion('v2.0.0-rc.1'), 'major')).toBe('v2.0.0');
    expect(bumpVersion(parseVersion('v1.3.0-rc.1'), 'minor')).toBe('v1.3.0');
    expect(bumpVersion(parseVersion('v1.3.1-rc.1'), 'patch')).toBe('v1.3.1');
  });

  it('names the bump between two versions', () => {
    expect(bumpBetween(parseVersion('v1.2.3'), parseVersion('v2.0.0'))).toBe('major');
    expect(bumpBetween(parseVersion('v1.2.3'), parseVersion('v1.3.0'))).toBe('minor');
    expect(bumpBetween(parseVersion('v1.2.3'), parseVersion('v1.2.4'))).toBe('patch');
    expect(bumpBetween(parseVersion('v2.0.0-rc.1'), parseVersion('v2.0.0'))).toBe('patch');
  });

  it('the change a step may carry: the part that changed, or the level of the release a pre-release prepares', () => {
    const step = (a: string, b: string) => allowedBump(parseVersion(a), parseVersion(b));
    expect(step('v1.2.3', 'v1.2.4')).toBe('patch');
    expect(step('v1.2.3', 'v1.4.0')).toBe('minor');
    expect(step('v1.2.3', 'v3.0.0')).toBe('major');
    expect(step('v2.0.0-rc.1', 'v2.0.0')).toBe('major');
    expect(step('v2.0.0-rc.1', 'v2.0.0-rc.2')).toBe('major');
    expect(step('v2.1.0-rc.1', 'v2.1.0')).toBe('minor');
    expect(step('v2.1.1-rc.1', 'v2.1.1')).toBe('patch');
    expect(step('v2.0.0-rc.1', 'v2.0.1')).toBe('patch');
    expect(maxBump()).toBe('patch');
    expect(maxBump('patch', 'major', 'minor')).toBe('major');
    expect(bumpCovers('minor', 'patch')).toBe(true);
    expect(bumpCovers('minor', 'major')).toBe(false);
    expect(bumpCovers('none', 'patch')).toBe(false);
  });
});
