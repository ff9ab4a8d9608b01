import { MemoryStore } from '../../../src/cluster/store/memory.js';
import { storeSuite } from './store-suite.js';

storeSuite('memory', () => new MemoryStore(), {
  newStoreWithHistory: (historySize) => new MemoryStore({ historySize }),
});
