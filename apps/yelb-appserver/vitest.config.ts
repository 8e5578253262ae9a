import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// Real databases on a shared 2-core machine: CREATE DATABASE alone can take seconds under load.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 30_000 } }));
