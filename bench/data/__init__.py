"""The data benchmarks measure on, built as fast as the database takes it; each
module is its benchmark's (`bench.data.progress` is `bench.progress`'s)."""
