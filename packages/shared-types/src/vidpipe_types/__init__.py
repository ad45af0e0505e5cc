"""vidpipe_types: message shapes, job record, key formats and event parsing."""
