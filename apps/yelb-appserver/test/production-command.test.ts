import { describe, expect, it } from 'vitest';
import { dockerCommand, startScriptCommand } from '../bench/production-command.js';

describe('the production command', () => {
  it('is the same in the Dockerfile and the start script, so the memory bench measures what both run', () => {
    expect(startScriptCommand()).toEqual(dockerCommand());
    expect(dockerCommand().entry).toBe('dist/main.js');
  });

  it('bounds both heap generations, which the pod memory limit is derived from', () => {
    const flags = dockerCommand().nodeFlags;
    expect(flags.some((flag) => /^--max-semi-space-size=\d+$/.test(flag))).toBe(true);
    expect(flags.some((flag) => /^--max-old-space-size=\d+$/.test(flag))).toBe(true);
  });

  it('reads the last stage and refuses commands that would not run node directly', () => {
    const twoStages = 'FROM a AS build\nCMD ["node", "build.js"]\nFROM b\nCMD ["node", "--flag", "dist/main.js"]\n';
    expect(dockerCommand(twoStages)).toEqual({ nodeFlags: ['--flag'], entry: 'dist/main.js' });
    expect(() => dockerCommand('FROM b\nCMD node dist/main.js\n')).toThrow(/JSON array/);
    expect(() => dockerCommand('FROM b\nCMD ["sh", "-c", "node dist/main.js"]\n')).toThrow(/node \[flags\] <script>/);
    expect(() => dockerCommand('FROM b\n')).toThrow(/no CMD/);
    expect(() => startScriptCommand('{"scripts":{"start":"node --flag"}}')).toThrow(/node \[flags\] <script>/);
  });
});
