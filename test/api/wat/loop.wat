;; Spins forever: only a hard kill (or a watchdog) stops it.
(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $forever (br $forever))))
