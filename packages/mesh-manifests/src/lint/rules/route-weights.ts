/**
 * Rule `route-weights`: each weighted target weighs an integer 0–100 (the CRD and the App Mesh
 * API reject anything else), and a route whose targets all weigh 0 has nowhere to send a
 * request. Weights are relative, so 1:1 and 50:50 are the same split.
 */
import { asNumber, asRecord, asString } from '../access.js';
import { describe, routeTargets } from '../inventory.js';
import type { Rule } from './context.js';

export const routeWeights: Rule = {
  ids: ['route-weights'],
  check(context) {
    for (const router of context.inventory.mesh('VirtualRouter')) {
      for (const route of routeTargets(router)) {
        let sum = 0;
        let valid = true;
        for (const target of route.targets) {
          const raw = asRecord(target.value).weight;
          const weight = asNumber(raw);
          const node = asString(asRecord(asRecord(target.value).virtualNodeRef).name) ?? 'target';
          if (weight === undefined || !Number.isInteger(weight) || weight < 0 || weight > 100) {
            valid = false;
            context.report({
              ruleId: 'route-weights',
              severity: 'error',
              entry: router,
              path: [...target.path, 'weight'],
              message: `route ${route.routeName} gives ${node} weight ${raw === undefined ? '(none)' : JSON.stringify(raw)}; a weight must be an integer from 0 to 100`,
              fix: `set weight to an integer 0–100; weights are relative, so e.g. 95 and 5 (or 19 and 1) give a 95 %/5 % split`,
            });
            continue;
          }
          sum += weight;
        }
        if (valid && route.targets.length > 0 && sum === 0) {
          context.report({
            ruleId: 'route-weights',
            severity: 'error',
            entry: router,
            path: route.path,
            message: `every weighted target of route ${route.routeName} in ${describe(router)} weighs 0, so the route has nowhere to send requests`,
            fix: `give at least one target a positive weight (e.g. weight: 1 for an even split between equal weights)`,
          });
        }
      }
    }
  },
};
