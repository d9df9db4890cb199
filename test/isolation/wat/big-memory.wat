;; Needs 40 pages (2.5 MiB) from the start: a 1 MiB cap can never run it.
(module
  (memory (export "memory") 40)
  (func (export "_start")))
