import { crashLoopScenario } from './crashloop.js';

describe('always: restartPolicy Always, a failing init container goes into CrashLoopBackOff', () => {
  crashLoopScenario('Always');
});
