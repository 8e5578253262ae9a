import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The end-to-end files start dozens of processes each: one file at a time on a 2-core machine.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false } }));
