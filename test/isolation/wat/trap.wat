;; Traps at once (unreachable): the container ends with status 134, its neighbours do not notice.
(module
  (memory (export "memory") 1)
  (func (export "_start") unreachable))
