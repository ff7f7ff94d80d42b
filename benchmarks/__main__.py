"""``python -m benchmarks``: the benchmark runner."""

from benchmarks.run import main

main()
