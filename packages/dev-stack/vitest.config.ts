import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// These tests start real processes and servers on a small shared machine: give them room.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 30_000, hookTimeout: 120_000 } }));
