import { crashLoopScenario } from './crashloop.js';

describe('onfailure: restartPolicy OnFailure, a failing init container goes into CrashLoopBackOff', () => {
  crashLoopScenario('OnFailure');
});
