"""vidpipe_aws: AWS ports, adapters, fakes and the worker runner."""
