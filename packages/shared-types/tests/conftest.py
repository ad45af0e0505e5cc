from hypothesis import settings

# The build machines are small and shared: a deadline would turn a slow moment into a failure.
settings.register_profile("vidpipe", deadline=None)
settings.load_profile("vidpipe")
